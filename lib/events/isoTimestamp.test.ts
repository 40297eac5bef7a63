import assert from "node:assert/strict";
import { test } from "node:test";
import { seeded } from "../core/random";
import { isoTimestamp } from "./isoTimestamp";

test("isoTimestamp equals Date's toISOString, cached second or not", () => {
  const rng = seeded(3);
  const times = [0, -0.0005, -1.5, 1772529888.25002, 1e-4, 8.64e12, -8.64e12, 253402300800.5];
  for (let i = 0; i < 2000; i++) times.push(1.7e9 + rng() * 100, (rng() - 0.5) * 1e11);
  for (const t of times) assert.equal(isoTimestamp(t), new Date(t * 1000).toISOString(), `t = ${t}`);
  assert.throws(() => isoTimestamp(1e300), RangeError);
});
