/**
 * The common checks every detector passes (in the way of scikit-learn's estimator checks), then
 * each detector's own known values.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { NotFittedError, OptionError, ShapeError } from "../core/errors";
import { rocAuc } from "../eval/metrics";
import { asMatrix, type Matrix, row } from "../core/matrix";
import { seeded } from "../core/random";
import { plantedOutliers } from "../testing/planted";
import { averagePathLength, floorFloat32, IsolationForest } from "./isolationForest";
import { Mahalanobis } from "./mahalanobis";
import { OneClassSvm, parseModel, tuneOneClassSvm } from "./oneClassSvm";
import { loadDetector, saveDetector } from "./registry";
import type { StreamingDetector } from "./types";
import { RobustZScore, ZScore } from "./zScore";

const ALL: { label: string; make: (seed: number) => StreamingDetector }[] = [
  { label: "ZScore", make: () => new ZScore() },
  { label: "RobustZScore", make: () => new RobustZScore() },
  { label: "Mahalanobis", make: () => new Mahalanobis() },
  { label: "IsolationForest", make: (seed) => new IsolationForest({ seed, nTrees: 50 }) },
  { label: "OneClassSvm", make: (seed) => new OneClassSvm({ seed, nu: 0.1 }) },
];

const dir = mkdtempSync(join(tmpdir(), "detective-det-"));

for (const { label, make } of ALL) {
  describe(`${label}: common checks`, () => {
    const { X, y } = plantedOutliers({ rows: 300, outliers: 15, cols: 6, seed: 7 });

    test("planted outliers rank first (ROC-AUC > 0.95), scores finite, one per row", () => {
      const s = make(1).fit(X).score(X);
      assert.equal(s.length, X.rows);
      assert.ok(s.every(Number.isFinite));
      assert.ok(rocAuc(y, s) > 0.95, `AUC ${rocAuc(y, s)}`);
    });

    test("a constant column gives no NaN", () => {
      const withConstant = asMatrix(new Float32Array(X.rows * 2), X.rows, 2);
      for (let i = 0; i < X.rows; i++) {
        withConstant.data[i * 2] = X.data[i * X.cols];
        withConstant.data[i * 2 + 1] = 0.25;
      }
      const s = make(1).fit(withConstant).score(withConstant);
      assert.ok(s.every(Number.isFinite));
    });

    test("same seed, same scores; scoreOne equals score; save and load give identical scores", () => {
      const a = make(3).fit(X);
      const b = make(3).fit(X);
      const sa = a.score(X);
      assert.deepEqual(b.score(X), sa);
      for (const i of [0, 100, 299]) assert.equal(a.scoreOne(row(X, i)), sa[i]);
      const path = join(dir, `${label}.json`);
      saveDetector(a, path);
      assert.deepEqual(loadDetector(path).score(X), sa);
    });

    test("scoring before fit and a column-count mismatch are clear errors", () => {
      assert.throws(
        () => make(1).score(X),
        (e: Error) => e instanceof NotFittedError && /call fit\(X\)/.test(e.message),
      );
      const fittedDetector = make(1).fit(X);
      const narrow: Matrix = asMatrix(new Float32Array(10 * 5), 10, 5);
      assert.throws(
        () => fittedDetector.score(narrow),
        (e: Error) => e instanceof ShapeError && /fitted on 6 columns, got 5/.test(e.message),
      );
      assert.throws(() => fittedDetector.scoreOne(new Float32Array(5)), ShapeError);
      assert.throws(() => make(1).fit(asMatrix(new Float32Array(6), 1, 6)), /at least 2 rows/);
    });
  });
}

describe("ZScore", () => {
  test("known values: max |z| with the sample standard deviation", () => {
    // column 0: 1, 2, 3 -> mean 2, sd 1; column 1: 0, 0, 6 -> mean 2, sd sqrt(12)
    const X = asMatrix(Float32Array.of(1, 0, 2, 0, 3, 6), 3, 2);
    const d = new ZScore().fit(X);
    assert.deepEqual(Array.from(d.score(asMatrix(Float32Array.of(5, 2), 1, 2))), [3]);
    const mean = new ZScore({ combine: "mean" }).fit(X).scoreOne([2, 2 + Math.sqrt(12)]);
    assert.ok(Math.abs(mean - 0.5) < 1e-6);
  });

  test("learnOne row by row gives the batch fit (Welford), and scoreOne does not learn", () => {
    const { X } = plantedOutliers({ rows: 50, outliers: 0, cols: 3, seed: 2 });
    const batch = new ZScore().fit(X);
    const streamed = new ZScore().fit(asMatrix(X.data.slice(0, 6), 2, 3));
    for (let i = 2; i < X.rows; i++) streamed.learnOne(row(X, i));
    const probe = Float32Array.of(0.9, 0.1, 0.5);
    assert.ok(Math.abs(streamed.scoreOne(probe) - batch.scoreOne(probe)) < 1e-9);
    const before = streamed.scoreOne(probe);
    streamed.scoreOne(Float32Array.of(100, 100, 100));
    assert.equal(streamed.scoreOne(probe), before);
  });

  test("bad options are refused", () => {
    assert.throws(() => new ZScore({ combine: "sum" as never }), OptionError);
    assert.throws(() => new RobustZScore({ minScale: 0 }), /minScale must be positive/);
  });
});

describe("RobustZScore", () => {
  test("a feature with MAD 0 falls back to the scaled mean absolute deviation", () => {
    // 0, 0, 0, 0, 5: median 0, MAD 0, mean absolute deviation 1 -> scale 1.253314
    const d = new RobustZScore().fit(asMatrix(Float32Array.of(0, 0, 0, 0, 5), 5, 1));
    assert.ok(Math.abs(d.scoreOne([1.253314]) - 1) < 1e-6);
  });

  test("median and scaled MAD: a training outlier does not move them", () => {
    // 1, 2, 3, 4, 1000: median 3, MAD = median(2, 1, 0, 1, 997) = 1 -> scale 1.4826
    const X = asMatrix(Float32Array.of(1, 2, 3, 4, 1000), 5, 1);
    const d = new RobustZScore().fit(X);
    assert.ok(Math.abs(d.scoreOne([3 + 1.4826 * 2]) - 2) < 1e-4);
  });
});

describe("Mahalanobis", () => {
  test("known value: covariance diag(4/3, 4/3) gives d((3, 1)) = sqrt(3)", () => {
    const X = asMatrix(Float32Array.of(0, 0, 2, 0, 0, 2, 2, 2), 4, 2);
    const d = new Mahalanobis({ shrinkage: 0 }).fit(X);
    assert.ok(Math.abs(d.scoreOne([3, 1]) - Math.sqrt(3)) < 1e-9);
    assert.ok(Math.abs(d.scoreOne([1, 1])) < 1e-12);
  });

  test("correlated features: a point off the correlation scores higher than one along it", () => {
    const data: number[] = [];
    for (let i = 0; i < 50; i++) data.push(i / 50, i / 50 + (i % 2 ? 0.01 : -0.01));
    const d = new Mahalanobis().fit(asMatrix(Float32Array.from(data), 50, 2));
    assert.ok(d.scoreOne([0.9, 0.1]) > 5 * d.scoreOne([0.9, 0.9]));
  });
});

describe("IsolationForest", () => {
  test("c(n) values of Liu et al. (2008)", () => {
    assert.equal(averagePathLength(1), 0);
    assert.equal(averagePathLength(2), 1);
    assert.ok(Math.abs(averagePathLength(3) - (2 * (Math.log(2) + 0.5772156649015329) - 4 / 3)) < 1e-12);
    assert.ok(Math.abs(averagePathLength(256) - 10.244770920116851) < 1e-9);
  });

  test("scores lie in (0, 1]; an isolated point scores above 0.5 and the dense cloud below", () => {
    const { X } = plantedOutliers({ rows: 500, outliers: 0, cols: 4, seed: 9 });
    const f = new IsolationForest({ seed: 4 }).fit(X);
    const s = f.score(X);
    assert.ok(s.every((v) => v > 0 && v <= 1));
    const median = Float64Array.from(s).sort()[250];
    assert.ok(median < 0.5, `median score ${median}`);
    assert.ok(f.scoreOne([5, 5, 5, 5]) > 0.6);
  });

  test("sampleSize is capped at the training rows; bad options are refused", () => {
    const { X } = plantedOutliers({ rows: 40, outliers: 0, cols: 2, seed: 1 });
    const f = new IsolationForest({ sampleSize: 256, seed: 1 }).fit(X);
    assert.equal((f.toJSON().state as { sampleSize: number }).sampleSize, 40);
    assert.throws(() => new IsolationForest({ nTrees: 0 }), /nTrees must be a positive integer/);
    assert.throws(() => new IsolationForest({ sampleSize: 1 }), /sampleSize must be an integer >= 2/);
  });

  test("scoreParallel (worker threads) gives exactly the scores of score, and of scoreOne", async () => {
    const { X } = plantedOutliers({ rows: 3001, outliers: 30, cols: 7, seed: 5 });
    const f = new IsolationForest({ seed: 2, nTrees: 40 }).fit(X);
    const expected = f.score(X);
    for (const threads of [2, 3]) {
      const got = await f.scoreParallel(X, { threads, minRows: 0 });
      assert.deepEqual(got, expected, `${threads} threads`);
    }
    assert.deepEqual(await f.scoreParallel(X), expected, "below minRows: this thread");
    assert.equal(f.scoreOne(X.data.subarray(7 * 100, 7 * 101)), expected[100]);
  });

  /** The score by the definition: walk each saved tree, comparing with the saved (double) threshold. */
  function referenceScores(f: IsolationForest, X: Matrix): Float64Array {
    const st = f.toJSON().state as {
      sampleSize: number;
      nodesPerTree: number;
      feature: number[];
      value: number[];
      left: number[];
    };
    const nTrees = st.feature.length / st.nodesPerTree;
    return Float64Array.from({ length: X.rows }, (_, i) => {
      let sum = 0;
      for (let t = 0; t < nTrees; t++) {
        let node = t * st.nodesPerTree;
        while (st.feature[node] >= 0) {
          const x = X.data[i * X.cols + st.feature[node]];
          node = x <= st.value[node] ? st.left[node] : st.left[node] + 1;
        }
        sum += st.value[node];
      }
      return 2 ** (-(sum / nTrees) / averagePathLength(st.sampleSize));
    });
  }

  test("the packed scoring layouts give exactly the scores of walking the saved trees", () => {
    const { X } = plantedOutliers({ rows: 3000, outliers: 40, cols: 6, seed: 3 });
    // default depth 8 (complete-tree layout, 4 trees at a time plus a remainder of 2), and trees
    // deeper than the layout takes (the saved arrays are walked)
    for (const f of [
      new IsolationForest({ seed: 7, nTrees: 42 }),
      new IsolationForest({ seed: 7, nTrees: 5, sampleSize: 3000, maxDepth: 20 }),
    ]) {
      f.fit(X);
      const expected = referenceScores(f, X);
      assert.deepEqual(f.score(X), expected);
      assert.equal(f.scoreOne(Array.from(X.data.subarray(6 * 17, 6 * 18))), expected[17]);
      assert.deepEqual(IsolationForest.fromJSON(f.toJSON()).score(X), expected);
    }
  });

  test("floorFloat32 is the largest float32 not above its argument", () => {
    const f32 = new Float32Array(1);
    const rng = seeded(11);
    for (let k = 0; k < 10_000; k++) {
      const t = (rng() - 0.5) * 10 ** Math.floor(rng() * 8 - 4);
      const r = floorFloat32(t);
      f32[0] = r;
      assert.ok(f32[0] === r && r <= t, `${r} for ${t}`);
      const up = new Int32Array(f32.buffer);
      up[0] += r > 0 ? 1 : r < 0 ? -1 : 1; // the next float32 up
      assert.ok(f32[0] > t, `next float32 above ${r} is ${f32[0]}, not above ${t}`);
    }
    assert.equal(floorFloat32(0.5), 0.5);
    assert.equal(floorFloat32(Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
    assert.ok(floorFloat32(0.1) < 0.1 && Math.fround(0.1) > 0.1);
    assert.ok(floorFloat32(-1e-50) < 0);
  });
});

test("loadDetector refuses foreign and unknown files", async () => {
  const { detectorFromJSON } = await import("./registry");
  assert.throws(() => detectorFromJSON({ format: "x" }), /not a saved detector/);
  assert.throws(
    () => detectorFromJSON({ format: "detective-detector", name: "Nope", version: 1 }),
    /unknown detector "Nope"/,
  );
  assert.throws(
    () =>
      detectorFromJSON({ ...new ZScore().fit(asMatrix(Float32Array.of(1, 2), 2, 1)).toJSON(), version: 9 }),
    /version 9/,
  );
});

describe("OneClassSvm", () => {
  test("the decision value agrees in sign with libsvm's own +1 / -1 prediction", () => {
    const { X } = plantedOutliers({ rows: 300, outliers: 15, cols: 4, seed: 3 });
    const d = new OneClassSvm({ nu: 0.1, gamma: 2 }).fit(X);
    const SVM = require("libsvm-js/asm");
    const svm = new SVM({
      kernel: SVM.KERNEL_TYPES.RBF,
      type: SVM.SVM_TYPES.ONE_CLASS,
      gamma: 2,
      nu: 0.1,
      quiet: true,
    });
    const rows = Array.from({ length: X.rows }, (_, i) => Array.from(row(X, i)));
    svm.train(
      rows,
      rows.map(() => 0),
    );
    const s = d.score(X);
    let agree = 0;
    rows.forEach((r, i) => {
      const inside = svm.predictOne(r) === 1;
      // libsvm writes rho with 6 significant digits, so rows within 1e-4 of the boundary may differ
      if (inside === s[i] <= 0 || Math.abs(s[i]) < 1e-4) agree++;
    });
    svm.free();
    assert.equal(agree, rows.length);
    assert.ok(d.supportVectors >= 0.1 * 300 * 0.9, `${d.supportVectors} support vectors`); // nu lower-bounds the SV share
  });

  test("the model text is checked", () => {
    assert.throws(
      () => parseModel("svm_type c_svc\nkernel_type rbf\nSV\n", 2, 1),
      /expected a one-class RBF libsvm model/,
    );
    assert.throws(
      () => parseModel("svm_type one_class\nkernel_type rbf\ntotal_sv 2\nrho 1\nSV\n1 1:0.5\n", 2, 1),
      /lists 2 support vectors but holds 1/,
    );
    const m = parseModel("svm_type one_class\nkernel_type rbf\ntotal_sv 1\nrho 0.5\nSV\n1 2:3\n", 2, 1);
    assert.deepEqual([m.nSv, m.rho, Array.from(m.svT), Array.from(m.svNorm)], [1, 0.5, [0, 3], [9]]);
    assert.throws(() => new OneClassSvm({ nu: 0 }), /nu must be in \(0, 1\]/);
  });

  test("tuneOneClassSvm picks, on normals only, the candidate whose held-out share outside matches nu", () => {
    const train = plantedOutliers({ rows: 600, outliers: 0, cols: 3, seed: 5 }).X;
    const validation = plantedOutliers({ rows: 400, outliers: 0, cols: 3, seed: 6 }).X;
    const { best, candidates } = tuneOneClassSvm(train, validation, {
      nus: [0.05],
      gammaFactors: [1, 300],
      seed: 1,
    });
    assert.equal(candidates.length, 2);
    const overfit = candidates.find((c) => c.gamma === Math.max(...candidates.map((x) => x.gamma)));
    assert.ok(
      overfit && overfit.validationOutside > 2 * 0.05,
      `a very narrow kernel leaves many held-out normals outside (${overfit?.validationOutside})`,
    );
    assert.notEqual(best.gamma, overfit?.gamma);
    const chosen = candidates.find((c) => c.gamma === best.gamma);
    assert.ok(chosen && chosen.relativeError < overfit.relativeError);
  });
});
