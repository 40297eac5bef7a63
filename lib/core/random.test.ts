import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "./errors";
import { sampleIndices, seeded, shuffleInPlace } from "./random";

test("the same seed gives the same sequence; another seed a different one", () => {
  const a = Array.from({ length: 5 }, seeded(42));
  const b = Array.from({ length: 5 }, seeded(42));
  const c = Array.from({ length: 5 }, seeded(43));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test("values lie in [0, 1) and are roughly uniform", () => {
  const rng = seeded(7);
  const bins = new Array(10).fill(0);
  for (let i = 0; i < 100_000; i++) {
    const u = rng();
    assert.ok(u >= 0 && u < 1);
    bins[Math.floor(u * 10)]++;
  }
  for (const count of bins) assert.ok(Math.abs(count - 10_000) < 500, `bin count ${count}`); // ~5 sigma
});

test("shuffleInPlace is a seeded permutation", () => {
  const a = shuffleInPlace(
    Int32Array.from({ length: 50 }, (_, i) => i),
    seeded(1),
  );
  const b = shuffleInPlace(
    Int32Array.from({ length: 50 }, (_, i) => i),
    seeded(1),
  );
  assert.deepEqual(a, b);
  assert.deepEqual(
    Array.from(a).sort((x, y) => x - y),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.notDeepEqual(
    Array.from(a),
    Array.from({ length: 50 }, (_, i) => i),
  );
});

test("sampleIndices draws k distinct sorted indices and refuses k > n", () => {
  const s = sampleIndices(100, 30, seeded(3));
  assert.equal(s.length, 30);
  assert.equal(new Set(s).size, 30);
  for (let i = 1; i < s.length; i++) assert.ok(s[i] > s[i - 1]);
  assert.ok(s.every((v) => v >= 0 && v < 100));
  assert.throws(() => sampleIndices(3, 4, seeded(1)), OptionError);
  assert.throws(() => seeded(Number.NaN), OptionError);
});
