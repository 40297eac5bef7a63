import assert from "node:assert/strict";
import { test } from "node:test";
import { Table } from "./table";
import { frame, matrixToDataFrame, showTable, tableHtml, tableRecords, toDataFrame } from "./view";

test("toDataFrame and matrixToDataFrame give danfojs frames with the right shape and values", () => {
  const t = new Table([
    { kind: "numeric", name: "x", values: Float64Array.of(1, 2, 3) },
    { kind: "symbolic", name: "s", codes: Uint16Array.of(1, 0, 1), dictionary: ["a", "b"] },
  ]);
  const df = toDataFrame(t, [2, 0]);
  assert.deepEqual(df.shape, [2, 2]);
  assert.deepEqual(df.values, [
    [3, "b"],
    [1, "b"],
  ]);
  const m = matrixToDataFrame({ data: Float32Array.of(1, 2, 3, 4), rows: 2, cols: 2 }, ["f1", "f2"]);
  assert.deepEqual(m.columns, ["f1", "f2"]);
  assert.deepEqual(m.values, [
    [1, 2],
    [3, 4],
  ]);
});

test("frame rounds numbers and prints long text untruncated", () => {
  const reason = "constant over the 70266 training rows (always 0)";
  const df = frame([{ column: "num_outbound_cmds", share: 0.7053040255373759, reason }]);
  assert.deepEqual(df.values, [["num_outbound_cmds", 0.7053, reason]]);
  assert.ok(df.toString().includes(reason));
});

test("tableHtml: numbers right-aligned with separators and precision, text escaped, long tables cut with a count", () => {
  const html = tableHtml(
    [
      { service: "<http>", connections: 61929, share: 0.97712345, big: 1234.5678 },
      { service: "dns", connections: 12, share: Number.NaN, big: 2 },
      { service: "ntp", connections: 1, share: 0.5, big: 3 },
    ],
    { maxRows: 2 },
  );
  assert.match(
    html,
    /<th style="text-align:left">service<\/th><th style="text-align:right">connections<\/th>/,
  );
  assert.ok(html.includes("&#60;http&#62;"), "text is escaped");
  assert.ok(html.includes(">61,929<"), "thousands separators");
  assert.ok(html.includes(">0.9771<"), "four significant digits");
  assert.ok(html.includes(">1,235<"), "large non-integers keep separators and drop needless decimals");
  assert.ok(html.includes(">–<"), "NaN shows as a dash");
  assert.ok(!html.includes("ntp"), "rows past maxRows are not shown");
  assert.match(html, /1 more rows not shown \(of 3\)/);
});

test("tableRecords reads danfojs frames (with a named index) and series", () => {
  const df = frame([
    { x: 1, y: 10 },
    { x: 3, y: 30 },
  ]);
  assert.deepEqual(tableRecords(df), [
    { x: 1, y: 10 },
    { x: 3, y: 30 },
  ]);
  const described = tableRecords(df.describe());
  assert.equal(described[0][""], "count");
  assert.equal(described[0].x, 2);
  const counts = tableRecords(frame([{ s: "a" }, { s: "a" }, { s: "b" }])["s"].valueCounts());
  assert.deepEqual(counts, [
    { value: "a", count: 2 },
    { value: "b", count: 1 },
  ]);
  const shown: string[] = [];
  showTable({ html: (t) => shown.push(t) }, counts);
  assert.equal(shown.length, 1);
  assert.match(shown[0], /<table class="detective-table">/);
});
