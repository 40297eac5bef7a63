import assert from "node:assert/strict";
import { test } from "node:test";
import { median } from "./stats";

test("median: odd and even counts, numeric order, input untouched, NaN for none", () => {
  assert.equal(median([3, 1, 2]), 2);
  const values = [3, 1, 2, 10];
  assert.equal(median(values), 2.5);
  assert.deepEqual(values, [3, 1, 2, 10]);
  assert.equal(median(Float64Array.of(100, 9, 20)), 20, "numbers, not strings, are ordered");
  assert.ok(Number.isNaN(median([])));
});
