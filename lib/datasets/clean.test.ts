import assert from "node:assert/strict";
import { test } from "node:test";
import { kddLine } from "../testing/kddLines";
import { columnVariation, constantColumns, distinctRows, findDuplicates } from "./clean";
import { parseKddText } from "./loadKdd";
import { Table } from "./table";

test("findDuplicates marks later copies of a row, comparing values not text", () => {
  const { table } = parseKddText(
    [
      kddLine({ src_bytes: 1, serror_rate: "0.0" }),
      kddLine({ src_bytes: 2 }),
      kddLine({ src_bytes: 1, serror_rate: "0.00" }), // same values as row 0
      kddLine({ src_bytes: 1 }, "smurf"), // differs by label only
      kddLine({ src_bytes: 2 }),
    ].join("\n"),
  );
  const report = findDuplicates(table);
  assert.deepEqual(Array.from(report.isDuplicate), [0, 0, 1, 0, 1]);
  assert.equal(report.duplicates, 2);
  assert.equal(report.distinct, 3);
  assert.deepEqual(Array.from(distinctRows(report)), [0, 1, 3]);
});

test("findDuplicates never merges different rows, even on a hash collision", () => {
  // 20,000 distinct rows: with a 32-bit hash some collide in the table; all must stay distinct.
  const n = 20_000;
  const table = new Table([
    { kind: "numeric", name: "x", values: Float64Array.from({ length: n }, (_, i) => i * 0.5) },
  ]);
  assert.equal(findDuplicates(table).duplicates, 0);
  const doubled = new Table([
    { kind: "numeric", name: "x", values: Float64Array.from({ length: 2 * n }, (_, i) => (i % n) * 0.5) },
  ]);
  assert.equal(findDuplicates(doubled).duplicates, n);
});

test("NaN equals NaN for duplicate purposes; 0 equals -0", () => {
  const table = new Table([
    { kind: "numeric", name: "x", values: Float64Array.of(Number.NaN, Number.NaN, 0, -0, 1) },
  ]);
  assert.deepEqual(Array.from(findDuplicates(table).isDuplicate), [0, 1, 0, 1, 0]);
});

test("constantColumns finds constant and near-constant columns over the given rows", () => {
  const table = new Table([
    { kind: "numeric", name: "always0", values: Float64Array.of(0, 0, 0, 0) },
    { kind: "numeric", name: "rare", values: Float64Array.of(0, 0, 0, 5) },
    { kind: "symbolic", name: "proto", codes: Uint16Array.of(0, 1, 0, 1), dictionary: ["tcp", "udp"] },
  ]);
  assert.deepEqual(
    constantColumns(table).map((c) => c.name),
    ["always0"],
  );
  assert.deepEqual(
    constantColumns(table, 0.75).map((c) => c.name),
    ["always0", "rare"],
  );
  assert.deepEqual(
    constantColumns(table, 1, [0, 2]).map((c) => c.name),
    ["always0", "rare", "proto"],
  );
  assert.deepEqual(columnVariation(table, "proto", [1, 3]), {
    name: "proto",
    distinctValues: 1,
    mode: "udp",
    modeShare: 1,
  });
});
