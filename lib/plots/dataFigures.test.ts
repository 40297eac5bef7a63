import assert from "node:assert/strict";
import { test } from "node:test";
import type { SeriesRow } from "../features/timeSeries";
import { compositionFigure, rhythmFigure, shareFigure } from "./figures";

test("compositionFigure: one stacked bar per dataset, shares summing to 1, empty categories left out", () => {
  const f = compositionFigure([
    { dataset: "a", rows: 10, attackTypes: 1, normal: 4, DoS: 6, Probe: 0, R2L: 0, U2R: 0, Data: 0 },
    { dataset: "b", rows: 4, attackTypes: 1, normal: 1, DoS: 0, Probe: 3, R2L: 0, U2R: 0, Data: 0 },
  ]);
  assert.deepEqual(
    f.data.map((t) => t.name),
    ["normal", "DoS", "Probe"],
  );
  const total = (k: number): number => f.data.reduce((s, t) => s + (t.x as number[])[k], 0);
  assert.ok(Math.abs(total(0) - 1) < 1e-12 && Math.abs(total(1) - 1) < 1e-12);
  assert.deepEqual(f.data[1].customdata, [6, 0], "counts on hover");
});

test("shareFigure keeps the largest counts and sums the rest as other; rhythmFigure puts megabytes on a second axis", () => {
  const f = shareFigure(
    [
      ["dns", 5],
      ["https", 50],
      ["ntp", 1],
      ["smtp", 2],
    ],
    "mix",
    2,
  );
  assert.deepEqual(f.data[0].y, ["https", "dns", "other (2)"]);
  assert.deepEqual(f.data[0].x, [50, 5, 3]);
  assert.equal((f.data[0].text as string[])[0], "86.2%");
  const row = (start: number, connections: number, bytes: number) =>
    ({ start, connections, bytes }) as SeriesRow;
  const r = rhythmFigure([row(0, 10, 2e6), row(3600, 20, 5e6)], "connections", "bytes");
  assert.deepEqual(r.data[0].y, [10, 20]);
  assert.deepEqual(r.data[1].y, [2, 5]);
  assert.equal(r.data[1].yaxis, "y2");
});
