import assert from "node:assert/strict";
import { test } from "node:test";
import { parseKddText } from "../datasets/loadKdd";
import { kddLine } from "../testing/kddLines";
import { replayTable, type TableRecord } from "./tableReplay";

const table = parseKddText(
  [
    kddLine({ src_bytes: 1 }, "normal"),
    kddLine({ src_bytes: 2 }, "smurf"),
    kddLine({ src_bytes: 3 }, "normal"),
  ].join("\n"),
).table;

test("replayTable passes the chosen rows in order with features, label and row index", async () => {
  const seen: TableRecord[] = [];
  assert.deepEqual(await replayTable(table, (r) => seen.push(r), { rows: [2, 0] }), { records: 2 });
  assert.deepEqual(
    seen.map((r) => [r.id, r.features.src_bytes, r.label]),
    [
      [2, 3, "normal"],
      [0, 1, "normal"],
    ],
  );
});

test("replayTable paces by recordsPerSecond and stops on its signal", async () => {
  const rows = Array.from({ length: 60 }, (_, i) => i % 3);
  const t0 = performance.now();
  await replayTable(table, () => {}, { rows, recordsPerSecond: 200 });
  assert.ok(performance.now() - t0 >= 250, `60 rows at 200/s took ${performance.now() - t0} ms`);
  const ac = new AbortController();
  ac.abort();
  assert.deepEqual(await replayTable(table, () => {}, { signal: ac.signal }), { records: 0 });
});
