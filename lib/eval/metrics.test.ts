import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { seeded } from "../core/random";
import {
  averagePrecision,
  bootstrap,
  confusion,
  detectionByGroup,
  detectionRateAtFpr,
  prCurve,
  rates,
  rocAuc,
  rocCurve,
} from "./metrics";
import { optimisticThresholdBestF1, thresholdAtFpr } from "./threshold";

describe("metrics: hand-computed", () => {
  // scikit-learn's documentation example for roc_auc_score and average_precision_score
  const y = [0, 0, 1, 1];
  const s = [0.1, 0.4, 0.35, 0.8];

  test("ROC-AUC 0.75 and average precision 0.8333", () => {
    assert.equal(rocAuc(y, s), 0.75);
    assert.ok(Math.abs(averagePrecision(y, s) - 5 / 6) < 1e-12);
  });

  test("ties count one half; one class only is an error", () => {
    assert.equal(rocAuc([0, 1], [0.5, 0.5]), 0.5);
    assert.equal(rocAuc([0, 1, 0, 1], [1, 2, 2, 3]), 0.875);
    assert.throws(() => rocAuc([1, 1], [0.2, 0.3]), /needs both classes; got 2 attacks and 0 normal/);
  });

  test("ROC and PR curves", () => {
    const roc = rocCurve(y, s);
    assert.deepEqual(Array.from(roc.fpr), [0, 0, 0.5, 0.5, 1]);
    assert.deepEqual(Array.from(roc.tpr), [0, 0.5, 0.5, 1, 1]);
    assert.deepEqual(Array.from(roc.thresholds), [Number.POSITIVE_INFINITY, 0.8, 0.4, 0.35, 0.1]);
    const pr = prCurve(y, s);
    assert.deepEqual(Array.from(pr.recall), [0.5, 0.5, 1, 1]);
    assert.deepEqual(Array.from(pr.precision), [1, 0.5, 2 / 3, 0.5]);
  });

  test("confusion and rates at a threshold (score > threshold is flagged)", () => {
    const c = confusion(y, s, 0.35);
    assert.deepEqual(c, { tp: 1, fp: 1, tn: 1, fn: 1 });
    assert.deepEqual(rates(c), { precision: 0.5, recall: 0.5, f1: 0.5, fpr: 0.5, accuracy: 0.5 });
    assert.deepEqual(rates({ tp: 0, fp: 0, tn: 3, fn: 0 }), {
      precision: 0,
      recall: 0,
      f1: 0,
      fpr: 0,
      accuracy: 1,
    });
  });

  test("detection rate at a false-positive rate, and per group", () => {
    assert.equal(detectionRateAtFpr(y, s, 0), 0.5);
    assert.equal(detectionRateAtFpr(y, s, 0.5), 1);
    // groups: -1 normal, 0 DoS, 1 Probe
    const groups = detectionByGroup([-1, 0, 0, 1], ["DoS", "Probe"], [0.9, 0.9, 0.1, 0.7], 0.5);
    assert.deepEqual(groups, [
      { group: "DoS", rows: 2, detected: 1, rate: 0.5 },
      { group: "Probe", rows: 1, detected: 1, rate: 1 },
    ]);
  });

  test("thresholds: at a target FPR on normals, and the optimistic best-F1 one", () => {
    const normals = Float64Array.from({ length: 10 }, (_, i) => i + 1);
    assert.equal(thresholdAtFpr(normals, 0.1), 9);
    assert.equal(thresholdAtFpr(normals, 0), 10);
    assert.throws(() => thresholdAtFpr(normals, 1), /fpr must be in \[0, 1\)/);
    assert.equal(optimisticThresholdBestF1([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]), 0.2);
  });

  test("bootstrap interval brackets the estimate and is seeded", () => {
    const rng = seeded(5);
    const yy = Uint8Array.from({ length: 400 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const ss = Float64Array.from(yy, (v) => v + rng() * 1.5);
    const a = bootstrap(rocAuc, yy, ss, { seed: 1, resamples: 100 });
    const b = bootstrap(rocAuc, yy, ss, { seed: 1, resamples: 100 });
    assert.deepEqual(a, b);
    assert.ok(a.low <= a.estimate && a.estimate <= a.high && a.high - a.low < 0.2);
  });
});

test("metrics agree with scikit-learn on the same scores (ties included)", () => {
  const rng = seeded(11);
  const n = 2000;
  const y = Uint8Array.from({ length: n }, () => (rng() < 0.3 ? 1 : 0));
  // Rounded scores create many ties, the hard case for both implementations.
  const s = Float64Array.from(y, (v) => Math.round((v * 0.8 + rng()) * 20) / 20);
  const script = `
import json, sys
from sklearn.metrics import roc_auc_score, average_precision_score, roc_curve
d = json.load(sys.stdin)
fpr, tpr, _ = roc_curve(d["y"], d["s"], drop_intermediate=False)
print(json.dumps({"auc": roc_auc_score(d["y"], d["s"]), "ap": average_precision_score(d["y"], d["s"]), "fpr": list(fpr), "tpr": list(tpr)}))`;
  const r = spawnSync(process.env.DETECTIVE_PYTHON ?? "/usr/bin/python3", ["-c", script], {
    input: JSON.stringify({ y: Array.from(y), s: Array.from(s) }),
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `scikit-learn is needed (python3-sklearn, installed by the set-up): ${r.stderr}`);
  const sk = JSON.parse(r.stdout) as { auc: number; ap: number; fpr: number[]; tpr: number[] };
  assert.ok(Math.abs(rocAuc(y, s) - sk.auc) < 1e-12, `${rocAuc(y, s)} vs ${sk.auc}`);
  assert.ok(Math.abs(averagePrecision(y, s) - sk.ap) < 1e-12, `${averagePrecision(y, s)} vs ${sk.ap}`);
  const roc = rocCurve(y, s);
  assert.equal(roc.fpr.length, sk.fpr.length);
  roc.fpr.forEach((v, i) =>
    assert.ok(Math.abs(v - sk.fpr[i]) < 1e-12 && Math.abs(roc.tpr[i] - sk.tpr[i]) < 1e-12),
  );
});
