/**
 * Isolation Forest benchmark: ours against scikit-learn's `IsolationForest` (Debian python3-sklearn)
 * on the same matrices in one run: the KDD99 10% training normals (deduplicated, as the split
 * builds them) through the fitted pipeline, scored on `corrected` (311,029 rows). 100 trees,
 * 256 samples. Each trial runs in fresh processes, alternating between the tools, with its own seed
 * (the same for both); the mean ROC-AUC over the seeds is recorded for each. The npm `isolation-forest` package is timed on 100,000 of the rows for context.
 * Writes bench/results/iforest.json.
 */
import { kddMatrices, median, round, runJson, writeResult } from "./common";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";

const TRIALS = Number(process.env.BENCH_TRIALS ?? 3);
const PYTHON = process.env.DETECTIVE_PYTHON ?? "/usr/bin/python3";
const SEED = 1;
const NPM_PACKAGE_ROWS = 100_000;
const root = join(__dirname, "..");

interface Run {
  fit: number;
  /** Scoring time: ours on every core (scoreParallel); scikit-learn's score_samples (one core). */
  score: number;
  /** Ours on one thread (score). */
  single?: number;
  auc: number;
  version?: string;
}

const OURS = `
const { IsolationForest, rocAuc } = require(${JSON.stringify(join(root, "lib", "dist"))});
const fs = require("node:fs");
const [folder, trainRows, testRows, cols, seed] = process.argv.slice(1);
const read = (f, n) => { const b = fs.readFileSync(folder + "/" + f); return new Float32Array(b.buffer, b.byteOffset, b.length / 4); };
const train = { data: read("train.f32"), rows: +trainRows, cols: +cols };
const test = { data: read("test.f32"), rows: +testRows, cols: +cols };
const y = fs.readFileSync(folder + "/y.u8");
let t = performance.now();
const model = new IsolationForest({ nTrees: 100, sampleSize: 256, seed: +seed }).fit(train);
const fit = (performance.now() - t) / 1000;
t = performance.now();
const scores = model.score(test);
const single = (performance.now() - t) / 1000;
(async () => {
  t = performance.now();
  const parallel = await model.scoreParallel(test);
  const score = (performance.now() - t) / 1000;
  if (!parallel.every((v, i) => v === scores[i])) throw new Error("scoreParallel differs from score");
  console.log(JSON.stringify({ fit, score, single, auc: rocAuc(y, scores) }));
})();`;

const NPM_PACKAGE = `
const { IsolationForest } = require("isolation-forest");
const fs = require("node:fs");
const [folder, trainRows, cols, rows] = process.argv.slice(1);
const read = (f) => { const b = fs.readFileSync(folder + "/" + f); return new Float32Array(b.buffer, b.byteOffset, b.length / 4); };
const toObjects = (data, n) => Array.from({ length: n }, (_, i) => { const o = {}; for (let j = 0; j < +cols; j++) o["f" + j] = data[i * +cols + j]; return o; });
const train = toObjects(read("train.f32"), +trainRows);
const test = toObjects(read("test.f32"), +rows);
const forest = new IsolationForest(100, 256);
let t = performance.now();
forest.fit(train);
const fit = (performance.now() - t) / 1000;
t = performance.now();
forest.predict(test);
console.log(JSON.stringify({ fit, score: (performance.now() - t) / 1000, auc: NaN }));`;

const run = (command: string, args: string[]): Run => runJson<Run>(command, args);

async function main(): Promise<void> {
  const { split, pipeline, Xtest } = await kddMatrices();
  const Xtrain = pipeline.transform(split.train.table, split.train.rows).X;
  const folder = mkdtempSync(join(tmpdir(), "detective-iforest-"));
  try {
    writeFileSync(join(folder, "train.f32"), Xtrain.data);
    writeFileSync(join(folder, "test.f32"), Xtest.data);
    writeFileSync(join(folder, "y.u8"), split.tests[0].y);
    const args = (seed: number) => [
      folder,
      String(Xtrain.rows),
      String(Xtest.rows),
      String(Xtrain.cols),
      String(seed),
    ];
    const ours: Run[] = [];
    const sklearn: Run[] = [];
    for (let t = 0; t < TRIALS; t++) {
      // A different seed per trial, the same for both tools: the AUC varies with the seed (about +-0.01).
      ours.push(run(process.execPath, ["-e", OURS, ...args(SEED + t)]));
      sklearn.push(run(PYTHON, [join(__dirname, "iforest_sklearn.py"), ...args(SEED + t)]));
      console.error(
        `trial ${t + 1}/${TRIALS}: ours fit ${ours[t].fit.toFixed(3)} s score ${ours[t].score.toFixed(3)} s (one thread ${ours[t].single?.toFixed(3)} s) AUC ${ours[t].auc.toFixed(4)}; ` +
          `scikit-learn fit ${sklearn[t].fit.toFixed(3)} s score ${sklearn[t].score.toFixed(3)} s AUC ${sklearn[t].auc.toFixed(4)}`,
      );
    }
    const npmPackage = process.env.BENCH_SKIP_NPM_IFOREST
      ? undefined
      : run(process.execPath, [
          "-e",
          NPM_PACKAGE,
          folder,
          String(Xtrain.rows),
          String(Xtrain.cols),
          String(NPM_PACKAGE_ROWS),
        ]);
    if (npmPackage)
      console.error(
        `npm isolation-forest: fit ${npmPackage.fit.toFixed(2)} s, score ${NPM_PACKAGE_ROWS} rows ${npmPackage.score.toFixed(2)} s`,
      );
    const oursScore = median(ours.map((r) => r.score));
    const skScore = median(sklearn.map((r) => r.score));
    const oursSingle = median(ours.map((r) => r.single ?? Number.NaN));
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const oursAuc = mean(ours.map((r) => r.auc));
    const skAuc = mean(sklearn.map((r) => r.auc));
    const result = {
      name: "iforest",
      metric: `Isolation Forest scoring of KDD99 corrected (${Xtest.rows.toLocaleString("en")} rows x ${Xtest.cols} features), 100 trees, 256 samples, median of ${TRIALS}; ours on ${cpus().length} threads (scoreParallel), scikit-learn's score_samples uses one`,
      ours: round(oursScore),
      reference: round(skScore),
      reference_tool: `scikit-learn ${sklearn[0].version} IsolationForest.score_samples (Debian python3-sklearn)`,
      unit: "s",
      ratio: round(oursScore / skScore),
      rows: Xtest.rows,
      date: new Date().toISOString(),
      single_thread: {
        metric: "ours on one thread (score) against the same scikit-learn time",
        ours: round(oursSingle),
        ratio: round(oursSingle / skScore),
        per_trial: ours.map((r) => round(r.single ?? Number.NaN)),
      },
      fit: {
        ours: round(median(ours.map((r) => r.fit))),
        reference: round(median(sklearn.map((r) => r.fit))),
        unit: "s",
        training_rows: Xtrain.rows,
      },
      roc_auc: {
        metric: `mean over ${TRIALS} seeds (${SEED}..${SEED + TRIALS - 1})`,
        ours: round(oursAuc),
        reference: round(skAuc),
        difference: round(oursAuc - skAuc),
        per_seed: { ours: ours.map((r) => round(r.auc)), reference: sklearn.map((r) => round(r.auc)) },
      },
      trials: { ours: ours.map((r) => round(r.score)), reference: sklearn.map((r) => round(r.score)) },
      others: npmPackage
        ? [
            {
              tool: `npm isolation-forest 0.0.9, score ${NPM_PACKAGE_ROWS.toLocaleString("en")} rows`,
              seconds: round(npmPackage.score),
              peak_rss_mb: Number.NaN,
            },
          ]
        : [],
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    };
    writeResult("iforest", result);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

void main();
