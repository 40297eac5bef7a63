import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../core/errors";
import { loadStudyConfig, parseStudyConfig, resolveStudyConfig } from "./studyConfig";

const minimal = {
  seeds: [1, 2],
  detectors: [{ name: "IsolationForest", options: { nTrees: 10 } }],
  series: { detectors: [{ name: "EwmaChart" }] },
};

test("study.json: the committed configuration parses, and quick mode caps seeds, epochs and SVM rows", () => {
  const config = loadStudyConfig();
  assert.ok(config.seeds.length >= 3, "the study reports a spread over several seeds");
  const quick = resolveStudyConfig(config, "quick");
  assert.deepEqual(quick.seeds, config.quick.seeds);
  for (const d of [...quick.detectors, ...quick.series.detectors]) {
    if (typeof d.options?.epochs === "number") assert.ok(d.options.epochs <= config.quick.maxEpochs, d.name);
    if (d.name === "OneClassSvm") assert.ok(Number(d.options?.maxTrainRows) <= config.quick.maxSvmTrainRows);
  }
  assert.deepEqual(resolveStudyConfig(config, "full").detectors, config.detectors);
});

test("study configuration: defaults are filled in", () => {
  const c = parseStudyConfig(minimal);
  assert.equal(c.fpr, 0.01);
  assert.deepEqual(c.benchmarks, ["kdd99", "nslKdd", "simulated"]);
  assert.equal(c.series.intervalSeconds, 10);
  assert.deepEqual(c.detectors[0], { name: "IsolationForest", options: { nTrees: 10 }, tune: false });
});

test("study configuration: each mistake names the field and what is expected", () => {
  const cases: [unknown, RegExp][] = [
    [{ ...minimal, seeds: [] }, /seeds: expected a non-empty list of integers/],
    [{ ...minimal, seeds: [1.5] }, /seeds/],
    [{ ...minimal, fpr: 1.5 }, /fpr: expected a number in \(0, 1\), got 1.5/],
    [{ ...minimal, benchmarks: ["kdd98"] }, /benchmarks: expected a list of kdd99, nslKdd, simulated/],
    [{ ...minimal, protocols: ["kdd99"] }, /protocols: renamed to "benchmarks"/],
    [
      { ...minimal, detectors: [{ name: "IsolationForrest" }] },
      /detectors\[0\]\.name: unknown record detector "IsolationForrest"; known: ZScore/,
    ],
    [
      { ...minimal, detectors: [{ name: "IsolationForest", options: { seed: 3 } }] },
      /seeds come from "seeds"/,
    ],
    [{ ...minimal, detectors: [{ name: "ZScore", tune: true }] }, /only OneClassSvm can be tuned/],
    [
      { ...minimal, detectors: [{ name: "IsolationForest", options: { nTree: 50 } }] },
      /detectors\[0\]\.options: IsolationForest: unknown option "nTree"; valid options: nTrees, sampleSize, maxDepth, seed/,
    ],
    [
      { ...minimal, detectors: [{ name: "IsolationForest", options: { nTrees: 0 } }] },
      /detectors\[0\]\.options: IsolationForest: nTrees must be a positive integer, got 0/,
    ],
    [
      { ...minimal, series: { detectors: [{ name: "ZScore" }] } },
      /series\.detectors\[0\]\.name: unknown series detector "ZScore" \(a record detector\); known: MovingAverageChart/,
    ],
    [{ ...minimal, series: { detectors: [] } }, /series\.detectors: expected a non-empty list/],
    [{ ...minimal, literature: [{ detector: "Autoencoder" }] }, /literature\[0\]: each anchor needs/],
  ];
  for (const [value, message] of cases) {
    assert.throws(
      () => parseStudyConfig(value),
      (err: unknown) =>
        err instanceof OptionError && message.test(err.message) && /Fix study\.json/.test(err.message),
    );
  }
  assert.throws(() => loadStudyConfig("/nonexistent/study.json"), /cannot read \/nonexistent\/study.json/);
});
