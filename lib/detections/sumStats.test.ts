import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type KeyResult, MAX_TAGS, SumStats } from "./sumStats";

describe("SumStats", () => {
  test("reduces per key and epoch: count, sum, min, max, mean, variance, distinct, sample, tags", () => {
    const ends: KeyResult[] = [];
    const s = new SumStats({ epochSeconds: 10, metric: (r) => r.count, onEpochEnd: (r) => ends.push(r) });
    for (const [i, v] of [2, 4, 4, 4, 5, 5, 7, 9].entries())
      s.observe("a", 100 + i, { value: v, text: `x${v}`, tag: v > 4 ? "big" : "small" });
    s.observe("b", 101, { text: "only" });
    const a = s.peek("a")!;
    assert.equal(a.count, 8);
    assert.equal(a.sum, 40);
    assert.equal(a.min, 2);
    assert.equal(a.max, 9);
    assert.equal(a.mean, 5);
    assert.ok(Math.abs(a.variance - 32 / 7) < 1e-12); // sample variance of the classic 2,4,4,4,5,5,7,9
    assert.equal(a.unique, 5);
    assert.deepEqual(a.samples, ["x2", "x4", "x5", "x7", "x9"]);
    assert.deepEqual(a.tags, { small: 4, big: 4 });
    s.flush();
    assert.deepEqual(ends.map((r) => r.key).sort(), ["a", "b"]);
    assert.equal(s.size, 0);
  });

  test("calls back once per key and epoch when the metric reaches the threshold, again in the next epoch", () => {
    const crossed: [string, number, number][] = [];
    const s = new SumStats({
      epochSeconds: 60,
      metric: (r) => r.unique,
      threshold: 3,
      onThreshold: (r, t) => crossed.push([r.key, r.unique, t]),
    });
    for (let port = 1; port <= 10; port++) s.observe("scanner", 1000 + port, { text: String(port) });
    s.observe("quiet", 1000, { text: "80" });
    s.observe("quiet", 1001, { text: "80" });
    assert.deepEqual(crossed, [["scanner", 3, 1003]]);
    for (let port = 1; port <= 3; port++) s.observe("scanner", 1100 + port, { text: String(port) }); // a new epoch
    assert.deepEqual(crossed[1], ["scanner", 3, 1103]);
  });

  test("a threshold per key", () => {
    const crossed: string[] = [];
    const s = new SumStats({
      epochSeconds: 60,
      metric: (r) => r.sum,
      threshold: (k) => (k === "big" ? 100 : 10),
      onThreshold: (r) => crossed.push(r.key),
    });
    for (let i = 0; i < 5; i++) {
      s.observe("big", i, { value: 5 });
      s.observe("small", i, { value: 5 });
    }
    assert.deepEqual(crossed, ["small"]);
  });

  test("epochs end with event time; memory is bounded in keys, distinct values and tags", () => {
    const ends: KeyResult[] = [];
    const s = new SumStats({
      epochSeconds: 5,
      metric: (r) => r.count,
      maxKeys: 3,
      maxUnique: 4,
      onEpochEnd: (r) => ends.push(r),
    });
    for (let k = 0; k < 5; k++) s.observe(`k${k}`, 0, { text: "v" });
    assert.equal(s.size, 3);
    assert.equal(s.stats.evicted, 2);
    assert.deepEqual(
      ends.map((r) => r.key),
      ["k0", "k1"],
    );
    for (let v = 0; v < 10; v++) s.observe("k4", 1, { text: `v${v}`, tag: `t${v}${v}` });
    const r = s.peek("k4")!;
    assert.equal(r.unique, 4);
    assert.equal(r.uniqueAtLeast, true);
    assert.ok(Object.keys(r.tags).length <= MAX_TAGS);
    s.advance(100);
    assert.equal(s.size, 0);
    assert.throws(() => new SumStats({ epochSeconds: 0, metric: () => 0 }), /epochSeconds must be > 0/);
    assert.throws(
      () => new SumStats({ epochSeconds: 1, metric: () => 0, maxKeys: 0 }),
      /maxKeys must be an integer >= 1/,
    );
  });
});
