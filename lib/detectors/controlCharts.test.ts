import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { simulateTraffic } from "../simulate/simulate";
import { thresholdAtFpr } from "../eval/threshold";
import { asMatrix } from "../core/matrix";
import { captureSeries, seriesMatrix } from "../features/timeSeries";
import { EwmaChart, MAX_CHART_WINDOW, MovingAverageChart, RollingZScore } from "./controlCharts";
import { detectorFromJSON } from "./registry";

/** A one-metric series as a matrix. */
const series = (values: number[]) => asMatrix(Float32Array.from(values), values.length, 1);

describe("control charts: known values", () => {
  // Training: alternating 9, 11 -> moving-average residuals of +-1 (window 2): sd 1.
  const training = series(Array.from({ length: 40 }, (_, i) => (i % 2 ? 11 : 9)));

  test("MovingAverageChart: residual from the window mean, in fitted standard deviations", () => {
    const d = new MovingAverageChart({ window: 2 }).fit(training);
    // the last two training values are 9, 11 -> forecast 10; 15 is 5 sd away
    assert.ok(Math.abs(d.scoreOne([15]) - 5) < 1e-9);
    const s = d.score(series([10, 10, 16]));
    assert.ok(Math.abs(s[0] - 0) < 1e-9);
    assert.ok(Math.abs(s[1] - 0.5) < 1e-9, String(s[1])); // forecast mean(11, 10) = 10.5
    assert.ok(Math.abs(s[2] - 6) < 1e-9); // forecast mean(10, 10) = 10
  });

  test("EwmaChart: the level follows alpha x + (1 - alpha) level", () => {
    const d = new EwmaChart({ alpha: 0.5, window: 2 }).fit(series([0, 0, 0, 0, 4, 0, 0, 0]));
    const level = (d.toJSON().state as { level: number[] }).level[0];
    assert.ok(Math.abs(level - 0.25) < 1e-12); // 0, 0, 0, 0, then 4 -> 2, then 0 -> 1 -> 0.5 -> 0.25
  });

  test("RollingZScore: distance in the window's own standard deviations", () => {
    const d = new RollingZScore({ window: 4 }).fit(series([1, 2, 3, 4, 1, 2, 3, 4]));
    // window 1, 2, 3, 4: mean 2.5, sample sd sqrt(5/3)
    assert.ok(Math.abs(d.scoreOne([2.5 + 2 * Math.sqrt(5 / 3)]) - 2) < 1e-9);
  });

  test("score(X) leaves the fitted state alone; learnOne moves it; save and load continue identically", () => {
    const d = new MovingAverageChart({ window: 2 }).fit(training);
    const before = d.scoreOne([12]);
    d.score(series([100, 100, 100]));
    assert.equal(d.scoreOne([12]), before);
    d.learnOne([100]).learnOne([100]);
    assert.ok(Math.abs(d.scoreOne([100])) < 1e-9);
    const copy = detectorFromJSON(JSON.parse(JSON.stringify(d.toJSON())));
    assert.deepEqual(copy.score(series([50, 60])), d.score(series([50, 60])));
  });

  test("options and shapes are checked", () => {
    assert.throws(() => new EwmaChart({ alpha: 0 }), /alpha must be in \(0, 1\]/);
    assert.throws(
      () => new RollingZScore({ window: 1 }),
      /window must be an integer in \[2, 100000\], got 1/,
    );
    assert.throws(
      () => new MovingAverageChart({ window: MAX_CHART_WINDOW + 1 }),
      /window must be an integer in \[2, 100000\]/,
    );
    assert.throws(() => new MovingAverageChart({ window: 30 }).fit(series([1, 2, 3])), /at least 32 rows/);
  });
});

test("the charts catch the simulated SYN flood and port scan at a 1% false-positive threshold", async () => {
  const dir = mkdtempSync(join(tmpdir(), "detective-charts-"));
  const common = { workstations: 10, durationSeconds: 3600 };
  const normal = simulateTraffic(
    { seed: 31, start: "2026-03-02T09:00:00Z", ...common },
    join(dir, "normal.pcap"),
  );
  const mixed = simulateTraffic(
    {
      seed: 32,
      start: "2026-03-03T09:00:00Z",
      ...common,
      attacks: [
        { scenario: "syn_flood", startSeconds: 1200, durationSeconds: 60 },
        { scenario: "port_scan", startSeconds: 2400, durationSeconds: 120 },
      ],
    },
    join(dir, "mixed.pcap"),
  );
  const N = seriesMatrix((await captureSeries(normal.pcap, { intervalSeconds: 10 })).total);
  const mixedRows = (await captureSeries(mixed.pcap, { intervalSeconds: 10 })).total;
  const M = seriesMatrix(mixedRows);
  for (const chart of [new MovingAverageChart(), new EwmaChart(), new RollingZScore()]) {
    chart.fit(N);
    const threshold = thresholdAtFpr(chart.score(N), 0.01);
    const s = chart.score(M);
    for (const w of mixed.windows) {
      const inWindow = mixedRows
        .map((r, i) => i)
        .filter((i) => mixedRows[i].start + 10 > w.start && mixedRows[i].start < w.end);
      const peak = Math.max(...inWindow.map((i) => s[i]));
      assert.ok(
        peak > threshold,
        `${chart.name} misses ${w.scenario}: peak ${peak.toFixed(2)} <= threshold ${threshold.toFixed(2)}`,
      );
    }
  }
});
