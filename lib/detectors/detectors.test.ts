/**
 * The common checks every registered detector passes (in the way of scikit-learn's estimator
 * checks), derived from the registry so a new detector is checked as soon as it is registered,
 * then each detector's own known values.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { NotFittedError, OptionError, ShapeError } from "../core/errors";
import { rocAuc } from "../eval/metrics";
import { asMatrix, type Matrix, row } from "../core/matrix";
import { seeded } from "../core/random";
import { loadTensorflow } from "../core/tf";
import { plantedOutliers } from "../testing/planted";
import { averagePathLength, floorFloat32, IsolationForest } from "./isolationForest";
import { Mahalanobis } from "./mahalanobis";
import { OneClassSvm, parseModel, tuneOneClassSvm } from "./oneClassSvm";
import { createDetector, DETECTORS, type DetectorInfo, loadDetector, saveDetector } from "./registry";
import type { StreamingDetector } from "./types";
import { RobustZScore, ZScore } from "./zScore";

before(async () => {
  await loadTensorflow(() => {});
});

/**
 * Options that keep the common checks fast: small networks and few epochs for the neural
 * detectors, short windows for the series ones (the toy series are short). Every other detector
 * runs with its defaults.
 */
const FAST: Readonly<Record<string, Record<string, unknown>>> = {
  IsolationForest: { nTrees: 50 },
  OneClassSvm: { nu: 0.1 },
  Autoencoder: { hidden: [8, 3], epochs: 15, batchSize: 32, learningRate: 0.01 },
  DenoisingAutoencoder: { hidden: [8, 3], epochs: 15, batchSize: 32, learningRate: 0.01 },
  LstmAutoencoder: { window: 4, units: 4, epochs: 3, batchSize: 32, learningRate: 0.01 },
  LstmForecaster: { window: 4, units: 4, epochs: 3, batchSize: 32, learningRate: 0.01 },
  MovingAverageChart: { window: 5 },
  EwmaChart: { window: 5 },
  RollingZScore: { window: 5 },
};

function make(info: DetectorInfo, seed: number): StreamingDetector {
  return info.create({ ...FAST[info.name], ...(info.seeded ? { seed } : {}) }) as StreamingDetector;
}

/** Rows a series detector may still be influenced by after a spike: its window, with room. */
const AFTER_SPIKE = 8;

/**
 * A two-metric periodic series (period 24 rows, small noise), with, when asked, one spike row far
 * outside the normal range.
 */
function periodicSeries(rows: number, seed: number, spikeAt = -1): { X: Matrix; y: Uint8Array } {
  const rng = seeded(seed);
  const X = asMatrix(new Float32Array(rows * 2), rows, 2);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const phase = (2 * Math.PI * i) / 24;
    X.data[2 * i] = Math.sin(phase) + (rng() - 0.5) * 0.1;
    X.data[2 * i + 1] = Math.cos(phase) + (rng() - 0.5) * 0.1;
    if (i === spikeAt) {
      X.data[2 * i] = 6;
      X.data[2 * i + 1] = -6;
      y[i] = 1;
    }
  }
  return { X, y };
}

/** The scores of a row-by-row stream: `scoreOne`, then (series detectors) `learnOne`, as the monitor does. */
function streamScores(d: StreamingDetector, info: DetectorInfo, X: Matrix): Float64Array {
  return Float64Array.from({ length: X.rows }, (_, i) => {
    const s = d.scoreOne(row(X, i));
    if (info.kind === "series") d.learnOne?.(row(X, i));
    return s;
  });
}

function assertScoresMatch(
  info: DetectorInfo,
  got: Float64Array,
  expected: Float64Array,
  what: string,
): void {
  if (!info.neural) return assert.deepEqual(got, expected, what);
  // TensorFlow.js sums a batch of one in another order than a batch of many (float32).
  for (let i = 0; i < expected.length; i++)
    assert.ok(
      Math.abs(got[i] - expected[i]) <= 1e-5 * Math.max(1, Math.abs(expected[i])),
      `${what}: row ${i}`,
    );
}

const dir = mkdtempSync(join(tmpdir(), "detective-det-"));

test("the registry: one record per detector, each creating and reloading its own kind", () => {
  assert.equal(new Set(DETECTORS.map((d) => d.name)).size, DETECTORS.length);
  for (const info of DETECTORS) {
    assert.equal(createDetector(info.name).name, info.name);
    assert.ok(info.description.length > 20 && /^#[0-9A-F]{6}$/i.test(info.color), info.name);
    assert.equal(
      info.options.some((o) => o.name === "seed"),
      info.seeded,
      `${info.name}: seeded iff it takes a seed`,
    );
    for (const o of info.options) assert.ok(o.doc.length > 5, `${info.name}.${o.name} is documented`);
  }
  assert.ok(DETECTORS.some((d) => d.kind === "record") && DETECTORS.some((d) => d.kind === "series"));
  assert.throws(
    () => createDetector("IsolationForrest"),
    /unknown detector "IsolationForrest"; known: ZScore, /,
  );
});

test("unknown options are refused with the valid ones named", () => {
  assert.throws(
    () => new IsolationForest({ nTree: 50 } as never),
    (e: Error) =>
      e instanceof OptionError &&
      e.message ===
        'IsolationForest: unknown option "nTree"; valid options: nTrees, sampleSize, maxDepth, seed.',
  );
  assert.throws(
    () => createDetector("Autoencoder", { epoch: 3 }),
    /Autoencoder: unknown option "epoch"; valid options: hidden, noise, epochs,/,
  );
});

for (const info of DETECTORS) {
  describe(`${info.name}: common checks`, () => {
    const names = info.options.map((o) => o.name);

    test("an unknown option is refused naming the valid ones; every documented option is accepted with its documented default", () => {
      assert.throws(
        () => info.create({ bogusOption: 1 }),
        (e: Error) =>
          e instanceof OptionError &&
          e.message === `${info.name}: unknown option "bogusOption"; valid options: ${names.join(", ")}.`,
      );
      const defaults = Object.fromEntries(
        info.options.filter((o) => o.default !== undefined).map((o) => [o.name, o.default]),
      );
      const opts = (info.create(defaults) as unknown as { opts: Record<string, unknown> }).opts;
      const plain = (info.create() as unknown as { opts: Record<string, unknown> }).opts;
      assert.deepEqual(opts, plain, "the documented defaults are the constructor's");
      for (const key of Object.keys(plain))
        assert.ok(names.includes(key), `${info.name}.opts.${key} is a documented option`);
    });

    if (info.kind === "record") {
      const { X, y } = plantedOutliers({ rows: 300, outliers: 15, cols: 6, seed: 7 });

      test("planted outliers rank first (ROC-AUC > 0.95), scores finite, one per row", () => {
        const s = make(info, 1).fit(X).score(X);
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
        const s = make(info, 1).fit(withConstant).score(withConstant);
        assert.ok(s.every(Number.isFinite));
      });
    } else {
      const train = periodicSeries(400, 1);
      const test_ = periodicSeries(200, 2, 120);

      test("a planted spike scores above every row it cannot influence; scores finite, one per row", () => {
        const s = make(info, 1).fit(train.X).score(test_.X);
        assert.equal(s.length, test_.X.rows);
        assert.ok(s.every(Number.isFinite));
        const others = Array.from(s.keys()).filter(
          (i) => i >= AFTER_SPIKE && (i < 120 || i > 120 + AFTER_SPIKE),
        );
        const peak = Math.max(...others.map((i) => s[i]));
        assert.ok(s[120] > peak, `spike ${s[120]} vs elsewhere ${peak}`);
      });

      test("a constant metric gives no NaN", () => {
        const constant = asMatrix(Float32Array.from(train.X.data), train.X.rows, 2);
        for (let i = 0; i < constant.rows; i++) constant.data[2 * i + 1] = 3;
        const s = make(info, 1).fit(constant).score(constant);
        assert.ok(s.every(Number.isFinite));
      });
    }

    const { X } =
      info.kind === "record"
        ? plantedOutliers({ rows: 300, outliers: 15, cols: 6, seed: 7 })
        : periodicSeries(300, 3, 200);
    const fitX = info.kind === "record" ? X : periodicSeries(400, 1).X;

    test("same seed, same scores; scoreOne row by row equals score; save and load give identical scores", () => {
      const a = make(info, 3).fit(fitX);
      const sa = a.score(X);
      assert.deepEqual(make(info, 3).fit(fitX).score(X), sa);
      const path = join(dir, `${info.name}.json`);
      saveDetector(a, path);
      const loaded = loadDetector(path) as StreamingDetector;
      assert.equal(loaded.name, info.name);
      assert.deepEqual(loaded.score(X), sa);
      assertScoresMatch(info, streamScores(a, info, X), sa, "scoreOne");
    });

    test("scoring before fit, a column-count mismatch and too few rows are clear errors", () => {
      assert.throws(
        () => make(info, 1).score(X),
        (e: Error) => e instanceof NotFittedError && /call fit\(X\)/.test(e.message),
      );
      const fittedDetector = make(info, 1).fit(fitX);
      const cols = fitX.cols;
      const narrow: Matrix = asMatrix(new Float32Array(20 * (cols - 1)), 20, cols - 1);
      assert.throws(
        () => fittedDetector.score(narrow),
        (e: Error) =>
          e instanceof ShapeError && new RegExp(`fitted on ${cols} columns, got ${cols - 1}`).test(e.message),
      );
      assert.throws(() => fittedDetector.scoreOne(new Float32Array(cols - 1)), ShapeError);
      assert.throws(
        () => make(info, 1).fit(asMatrix(new Float32Array(cols), 1, cols)),
        (e: Error) => e instanceof ShapeError && /at least \d+ rows/.test(e.message),
      );
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
