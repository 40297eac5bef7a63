import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DetectiveError, OptionError } from "../core/errors";
import { seeded } from "../core/random";
import { LatencyHistogram, MonitorStats } from "./stats";

/** The exact nearest-rank quantile: the ceil(q n)-th smallest value. */
function exactQuantile(sorted: Float64Array, q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

/** Log-normal latencies in ms (median about 2 ms, long right tail), from a seeded generator. */
function latencies(n: number, seed: number): Float64Array {
  const rng = seeded(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // Box-Muller; 1 - rng() is in (0, 1], so the log is finite.
    const z = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    out[i] = Math.exp(0.7 + 1.5 * z);
  }
  return out;
}

const QUANTILES = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1];

describe("LatencyHistogram", () => {
  for (const relativeError of [0.01, 0.05]) {
    test(`quantiles are within ${relativeError * 100}% of exact sorting on 100,000 log-normal values`, () => {
      const values = latencies(100_000, 11);
      const h = new LatencyHistogram({ relativeError });
      for (const v of values) h.record(v);
      const sorted = values.slice().sort();
      assert.ok(sorted[0] < 0.05 && sorted[sorted.length - 1] > 500, "data spans four decades");
      for (const q of QUANTILES) {
        const exact = exactQuantile(sorted, q);
        const got = h.quantile(q);
        const error = Math.abs(got - exact) / exact;
        assert.ok(error <= relativeError * (1 + 1e-9), `q=${q}: got ${got}, exact ${exact}, error ${error}`);
      }
      assert.equal(h.count, 100_000);
      assert.equal(h.max, sorted[sorted.length - 1]); // exact
      assert.equal(h.min, sorted[0]);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      assert.ok(Math.abs(h.mean - mean) / mean < 1e-12);
    });
  }

  test("a coarser error bound really is coarser (the histogram is not secretly exact)", () => {
    const values = latencies(20_000, 3);
    const sorted = values.slice().sort();
    const worst = (relativeError: number): number => {
      const h = new LatencyHistogram({ relativeError });
      for (const v of values) h.record(v);
      return Math.max(
        ...QUANTILES.slice(1, -1).map((q) => Math.abs(h.quantile(q) / exactQuantile(sorted, q) - 1)),
      );
    };
    assert.ok(worst(0.2) > worst(0.01));
    assert.ok(worst(0.2) <= 0.2);
  });

  test("known small data: 1..100", () => {
    const h = new LatencyHistogram();
    for (let v = 100; v >= 1; v--) h.record(v);
    assert.ok(Math.abs(h.quantile(0.5) - 50) <= 0.5);
    assert.ok(Math.abs(h.quantile(0.9) - 90) <= 0.9);
    assert.ok(Math.abs(h.quantile(0.99) - 99) <= 0.99);
    const s = h.summary();
    assert.equal(s.count, 100);
    assert.equal(s.max, 100);
    assert.equal(s.mean, 50.5);
    assert.equal(h.quantile(1), 100); // clamped to the exact max
    assert.equal(h.quantile(0), 1); // clamped to the exact min
  });

  test("values below minValue (zeros) have absolute error at most minValue; above maxValue, max stays exact", () => {
    const h = new LatencyHistogram({ minValue: 0.01, maxValue: 1000 });
    for (let i = 0; i < 3; i++) h.record(0);
    h.record(50);
    assert.ok(h.quantile(0.5) <= 0.01);
    h.reset();
    for (let i = 0; i < 5; i++) h.record(0);
    assert.equal(h.quantile(0.99), 0); // all zero: clamped to the exact max, 0
    h.record(1e9);
    assert.equal(h.max, 1e9);
    assert.equal(h.summary().max, 1e9);
  });

  test("empty: NaN quantiles, serialised as null", () => {
    const h = new LatencyHistogram();
    assert.ok(Number.isNaN(h.quantile(0.5)));
    assert.deepEqual(JSON.parse(JSON.stringify(h.summary())), {
      count: 0,
      mean: null,
      p50: null,
      p90: null,
      p99: null,
      max: null,
    });
  });

  test("bad values and options are clear errors", () => {
    const h = new LatencyHistogram();
    for (const v of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => h.record(v),
        (e: Error) => e instanceof DetectiveError && /latencies are finite and >= 0/.test(e.message),
      );
    }
    assert.equal(h.count, 0, "a rejected value is not counted");
    assert.throws(
      () => h.quantile(1.5),
      (e: Error) => e instanceof OptionError && /got 1.5/.test(e.message),
    );
    assert.throws(
      () => new LatencyHistogram({ relativeError: 0 }),
      /relativeError must be in \(0, 0.5\), got 0/,
    );
    assert.throws(() => new LatencyHistogram({ minValue: 5, maxValue: 1 }), /minValue 5, maxValue 1/);
  });
});

describe("MonitorStats", () => {
  test("counters, rates over the interval, interval vs total latency, JSON snapshot", () => {
    let now = 1000;
    const stats = new MonitorStats({ now: () => now });
    stats.received += 1000;
    stats.processed += 900;
    stats.dropped += 40;
    stats.reject("field count", 50);
    stats.reject("invalid json");
    stats.alerts += 7;
    stats.notice("time.jump");
    stats.incidents += 2;
    stats.queueDepth = 300;
    stats.queueDepth = 12;
    for (let i = 0; i < 10; i++) stats.recordLatency(1);
    now += 2000;
    const a = stats.snapshot();
    assert.deepEqual(JSON.parse(JSON.stringify(a)), {
      uptimeSeconds: 2,
      intervalSeconds: 2,
      received: 1000,
      processed: 900,
      rejected: 51,
      rejectedByReason: { "field count": 50, "invalid json": 1 },
      dropped: 40,
      alerts: 7,
      alertsWritten: 0,
      suppressed: 0,
      incidents: 2,
      notices: { "time.jump": 1 },
      queueDepth: 12,
      maxQueueDepth: 300,
      receivedPerSecond: 500,
      processedPerSecond: 450,
      latencyMs: { count: 10, mean: 1, p50: 1, p90: 1, p99: 1, max: 1 },
      latencyMsTotal: { count: 10, mean: 1, p50: 1, p90: 1, p99: 1, max: 1 },
    });
    // Second interval: 4 s, 200 more records, slower latencies.
    stats.received += 200;
    stats.processed += 200;
    for (let i = 0; i < 30; i++) stats.recordLatency(100);
    now += 4000;
    const b = stats.snapshot();
    assert.equal(b.uptimeSeconds, 6);
    assert.equal(b.intervalSeconds, 4);
    assert.equal(b.receivedPerSecond, 50);
    assert.equal(b.processedPerSecond, 50);
    assert.equal(b.maxQueueDepth, 12, "the interval maximum restarts at the current depth");
    assert.equal(b.latencyMs.count, 30);
    assert.ok(Math.abs(b.latencyMs.p50 - 100) <= 1);
    assert.equal(b.latencyMsTotal.count, 40);
    assert.ok(Math.abs(b.latencyMsTotal.p50 - 100) <= 1); // rank 20 of 40: the 10 ones then 30 hundreds
    assert.equal(b.latencyMsTotal.max, 100);
    assert.equal(b.latencyMsTotal.mean, (10 + 3000) / 40);
    assert.ok(Math.abs(stats.latencyMs.quantile(0.25) - 1) <= 0.01);
    // An empty interval: zero rates, null latency.
    now += 1000;
    const c = JSON.parse(JSON.stringify(stats.snapshot()));
    assert.equal(c.receivedPerSecond, 0);
    assert.equal(c.latencyMs.count, 0);
    assert.equal(c.latencyMs.p99, null);
  });
});
