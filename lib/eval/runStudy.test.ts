import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { SchemaError } from "../core/errors";
import { summarizeRuns, spread } from "../report/summary";
import {
  PR_RECALL_GRID,
  prAtGrid,
  readStudyResults,
  ROC_FPR_GRID,
  rocAtGrid,
  runStudy,
  STUDY_RESULTS_FORMAT,
  type StudyResults,
  VARYING_FIELDS,
  writeStudyResults,
} from "./runStudy";
import { loadStudyConfig, resolveStudyConfig } from "./studyConfig";

test("rocAtGrid / prAtGrid: curves kept at fixed grid points, read as step functions", () => {
  // 4 normals (scores 1..4) and 4 attacks (scores 3.5, 5, 6, 7): ranked 7 6 5 4 3.5 3 2 1
  const y = [0, 0, 0, 0, 1, 1, 1, 1];
  const s = [1, 2, 3, 4, 3.5, 5, 6, 7];
  const roc = rocAtGrid(y, s);
  assert.equal(roc.length, ROC_FPR_GRID.length);
  assert.equal(roc[0], 0.75, "at FPR 0: the three attacks above every normal");
  assert.equal(roc[ROC_FPR_GRID.indexOf(0.1)], 0.75, "below one false positive in four, still 3/4");
  assert.equal(roc[ROC_FPR_GRID.length - 1], 1);
  const pr = prAtGrid(y, s);
  assert.equal(pr.length, PR_RECALL_GRID.length);
  assert.equal(pr[PR_RECALL_GRID.indexOf(0.5)], 1, "half the attacks at full precision");
  assert.equal(pr[PR_RECALL_GRID.length - 1], 0.8, "all four attacks: 4 of the top 5");
});

test("spread and summarizeRuns: mean and sample standard deviation over seeds, NaN left out", () => {
  assert.deepEqual(spread([1, 2, 3]), { mean: 2, sd: 1, n: 3, values: [1, 2, 3] });
  assert.deepEqual(spread([5]), { mean: 5, sd: 0, n: 1, values: [5] });
  assert.ok(Number.isNaN(spread([Number.NaN]).mean));
  assert.deepEqual(spread([2, Number.NaN, 4]), { mean: 3, sd: Math.SQRT2, n: 2, values: [2, Number.NaN, 4] });
});

test("readStudyResults migrates version 1 results: protocol -> benchmark, protocols -> benchmarks, values kept", () => {
  const v1 = {
    format: STUDY_RESULTS_FORMAT,
    version: 1,
    config: { seeds: [1], protocols: ["kdd99"], fpr: 0.01 },
    data: [{ protocol: "KDD99", seed: 1, trainRows: 10 }],
    runs: [{ detector: "ZScore", test: "corrected", protocol: "KDD99", seed: 1, rocAuc: 0.9, Data: null }],
    series: [],
    profiles: [{ protocol: "KDD99", test: "corrected", category: "DoS", rows: 3, medians: {} }],
  };
  const path = join(mkdtempSync(join(tmpdir(), "detective-study-v1-")), "study.json");
  writeFileSync(path, JSON.stringify(v1));
  const read = readStudyResults(path) as unknown as Record<string, unknown> & typeof v1;
  assert.equal(read.version, 2);
  assert.deepEqual(read.config, { seeds: [1], benchmarks: ["kdd99"], fpr: 0.01 });
  assert.deepEqual(read.data, [{ benchmark: "KDD99", seed: 1, trainRows: 10 }]);
  assert.deepEqual(
    Object.keys(read.runs[0]),
    ["detector", "test", "benchmark", "seed", "rocAuc", "Data"],
    "same place",
  );
  assert.equal(read.runs[0].rocAuc, 0.9);
  assert.ok(Number.isNaN(read.runs[0].Data));
  assert.equal((read.profiles[0] as Record<string, unknown>).benchmark, "KDD99");
  writeFileSync(path, JSON.stringify({ ...v1, version: 7 }));
  assert.throws(() => readStudyResults(path), /version 7/);
});

function withoutVarying(results: StudyResults): unknown {
  return JSON.parse(
    JSON.stringify(results, (key, value) => (VARYING_FIELDS.includes(key) ? undefined : value)),
  );
}

test("runStudy (quick mode): the same seeds give the same numbers; results round-trip through the file", async () => {
  const config = resolveStudyConfig(loadStudyConfig(), "quick");
  const first = await runStudy(config);
  const second = await runStudy(config);
  assert.deepEqual(withoutVarying(second), withoutVarying(first));

  // Every detector ran on every test set of every benchmark, and the series detectors on the simulated capture.
  const tests = new Set(first.runs.map((r) => r.test));
  assert.deepEqual([...tests], ["corrected", "KDDTest+", "KDDTest-21", "sim-mixed"]);
  assert.equal(first.runs.length, tests.size * config.detectors.length * config.seeds.length);
  assert.equal(first.series.length, config.series.detectors.length * config.seeds.length);
  for (const r of first.runs) {
    assert.ok(r.rocAuc > 0.5 && r.rocAuc <= 1, `${r.detector} on ${r.test}: ROC-AUC ${r.rocAuc}`);
    // at most the target (ties at the threshold can leave it below: flagged means strictly above)
    assert.ok(r.validationFpr <= config.fpr + 1e-12, `${r.detector}: validation FPR ${r.validationFpr}`);
    assert.equal(r.policies[0].fpr, config.extraFprs[0]);
    assert.ok(
      r.policies[0].falsePositiveRate >= r.falsePositiveRate,
      "a looser threshold flags more normals",
    );
  }
  const svm = first.runs.find((r) => r.detector === "OneClassSvm");
  assert.ok(svm && typeof svm.options.nu === "number", "the SVM's tuned nu is recorded");
  assert.ok(
    first.runs
      .filter((r) => r.detector === "Autoencoder")
      .every((r) => r.backend === first.environment.tensorflowBackend),
  );
  assert.equal(summarizeRuns(first.runs).length, tests.size * config.detectors.length);

  const path = join(mkdtempSync(join(tmpdir(), "detective-study-")), "study.json");
  writeStudyResults(first, path);
  const back = readStudyResults(path);
  assert.deepEqual(
    withoutVarying(back),
    JSON.parse(JSON.stringify(withoutVarying(first))),
    "NaN survives as NaN",
  );
  assert.ok(Number.isNaN(back.runs[0].Data), "KDD files have no Data category");
  assert.throws(() => readStudyResults(join(tmpdir(), "no-such-results.json")), SchemaError);
});
