/**
 * One-Class SVM benchmark: ours (libsvm training, our batched decision values) against
 * scikit-learn's `OneClassSVM.decision_function` (Debian python3-sklearn) trained on the same
 * 10,000-row seeded sub-sample of the KDD99 training normals with the same nu and gamma (so the
 * models have about the same number of support vectors), both scoring `corrected` (311,029 rows),
 * in one run, fresh processes, alternating. Writes bench/results/ocsvm.json.
 */
import { kddMatrices, median, round, runJson, writeResult } from "./common";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { sampleIndices, seeded } from "../lib";

const TRIALS = Number(process.env.BENCH_TRIALS ?? 3);
const PYTHON = process.env.DETECTIVE_PYTHON ?? "/usr/bin/python3";
const TRAIN_ROWS = 10_000;
const NU = 0.05;
const root = join(__dirname, "..");

interface Run {
  fit: number;
  score: number;
  auc: number;
  sv: number;
  gamma?: number;
  version?: string;
}

const OURS = `
const { OneClassSvm, rocAuc } = require(${JSON.stringify(join(root, "lib", "dist"))});
const fs = require("node:fs");
const [folder, trainRows, testRows, cols, nu] = process.argv.slice(1);
const read = (f) => { const b = fs.readFileSync(folder + "/" + f); return new Float32Array(b.buffer, b.byteOffset, b.length / 4); };
const train = { data: read("train.f32"), rows: +trainRows, cols: +cols };
const test = { data: read("test.f32"), rows: +testRows, cols: +cols };
const y = fs.readFileSync(folder + "/y.u8");
let t = performance.now();
const model = new OneClassSvm({ nu: +nu, maxTrainRows: +trainRows }).fit(train);
const fit = (performance.now() - t) / 1000;
t = performance.now();
const scores = model.score(test);
const score = (performance.now() - t) / 1000;
console.log(JSON.stringify({ fit, score, auc: rocAuc(y, scores), sv: model.supportVectors, gamma: model.toJSON().state.gamma }));`;

const run = (command: string, args: string[]): Run => runJson<Run>(command, args);

async function main(): Promise<void> {
  const { split, pipeline, Xtest } = await kddMatrices();
  const subsample = sampleIndices(split.train.rows.length, TRAIN_ROWS, seeded(1)).map(
    (k) => split.train.rows[k],
  );
  const Xtrain = pipeline.transform(split.train.table, subsample).X;
  const folder = mkdtempSync(join(tmpdir(), "detective-ocsvm-"));
  try {
    writeFileSync(join(folder, "train.f32"), Xtrain.data);
    writeFileSync(join(folder, "test.f32"), Xtest.data);
    writeFileSync(join(folder, "y.u8"), split.tests[0].y);
    const ours: Run[] = [];
    const sklearn: Run[] = [];
    for (let t = 0; t < TRIALS; t++) {
      ours.push(
        run(process.execPath, [
          "-e",
          OURS,
          folder,
          String(Xtrain.rows),
          String(Xtest.rows),
          String(Xtrain.cols),
          String(NU),
        ]),
      );
      const gamma = String(ours[0].gamma);
      sklearn.push(
        run(PYTHON, [
          join(__dirname, "ocsvm_sklearn.py"),
          folder,
          String(Xtrain.rows),
          String(Xtest.rows),
          String(Xtrain.cols),
          String(NU),
          gamma,
        ]),
      );
      console.error(
        `trial ${t + 1}/${TRIALS}: ours fit ${ours[t].fit.toFixed(2)} s score ${ours[t].score.toFixed(2)} s (${ours[t].sv} SV) AUC ${ours[t].auc.toFixed(4)}; ` +
          `scikit-learn fit ${sklearn[t].fit.toFixed(2)} s score ${sklearn[t].score.toFixed(2)} s (${sklearn[t].sv} SV) AUC ${sklearn[t].auc.toFixed(4)}`,
      );
    }
    const oursScore = median(ours.map((r) => r.score));
    const skScore = median(sklearn.map((r) => r.score));
    const result = {
      name: "ocsvm",
      metric: `One-Class SVM decision values on KDD99 corrected (${Xtest.rows.toLocaleString("en")} rows x ${Xtest.cols} features), RBF, nu ${NU}, trained on ${TRAIN_ROWS.toLocaleString("en")} normals, median of ${TRIALS}`,
      ours: round(oursScore),
      reference: round(skScore),
      reference_tool: `scikit-learn ${sklearn[0].version} OneClassSVM.decision_function (Debian python3-sklearn)`,
      unit: "s",
      ratio: round(oursScore / skScore),
      rows: Xtest.rows,
      date: new Date().toISOString(),
      fit: {
        ours: round(median(ours.map((r) => r.fit))),
        reference: round(median(sklearn.map((r) => r.fit))),
        unit: "s",
        training_rows: Xtrain.rows,
      },
      support_vectors: { ours: ours[0].sv, reference: sklearn[0].sv },
      gamma: ours[0].gamma,
      roc_auc: {
        ours: round(ours[0].auc),
        reference: round(sklearn[0].auc),
        difference: round(ours[0].auc - sklearn[0].auc),
      },
      trials: { ours: ours.map((r) => round(r.score)), reference: sklearn.map((r) => round(r.score)) },
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    };
    writeResult("ocsvm", result);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

void main();
