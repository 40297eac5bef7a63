/**
 * Deep-model benchmark: our autoencoders (TensorFlow.js, the backend `loadTensorflow` picks) against
 * PyTorch on the CPU (Debian python3-torch) with the same architectures, batch sizes, optimiser
 * (Adam, 0.001) and data, in one run, each in a fresh process:
 * - dense autoencoder d-64-16-64-d on the KDD99 training normals (batch 256): training samples per
 *   second (median epoch after the first), and scoring rows per second on `corrected`;
 * - LSTM autoencoder (32 units) on 4,000 sequences of 10 x 40 (seeded random rows, sliding
 *   windows; batch 64): seconds per epoch (median after the first) and scoring.
 * Writes bench/results/autoencoder.json and bench/results/lstm.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { seeded } from "../lib";
import { kddMatrices, median, round, runJson, writeResult } from "./common";

const PYTHON = process.env.DETECTIVE_PYTHON ?? "/usr/bin/python3";
const EPOCHS = Number(process.env.BENCH_EPOCHS ?? 4);
const DENSE_BATCH = 256;
const LSTM_BATCH = 64;
const WINDOW = 10;
const UNITS = 32;
const SEQ_COLS = 40;
const SEQUENCES = 4000;
const root = join(__dirname, "..");

interface Run {
  dense_epochs: number[];
  dense_score: number;
  lstm_epochs: number[];
  lstm_score: number;
  sequences: number;
  backend?: string;
  version?: string;
  threads?: number;
  parameters?: { dense: number; lstm: number };
}

const OURS = `
const lib = require(${JSON.stringify(join(root, "lib", "dist"))});
const fs = require("node:fs");
const [folder, trainRows, testRows, cols, seqRows, seqCols, win, units, epochs, denseBatch, lstmBatch] = process.argv.slice(1).map((v, i) => (i === 0 ? v : +v));
const read = (f) => { const b = fs.readFileSync(folder + "/" + f); return new Float32Array(b.buffer, b.byteOffset, b.length / 4); };
(async () => {
  const { backend } = await lib.loadTensorflow(() => {});
  const X = { data: read("train.f32"), rows: trainRows, cols };
  const Xtest = { data: read("test.f32"), rows: testRows, cols };
  const denseEpochs = [];
  const dense = new lib.Autoencoder({ hidden: [64, 16], epochs, batchSize: denseBatch, validationFraction: 0, patience: epochs, seed: 1, onEpoch: (r) => denseEpochs.push(r.seconds) }).fit(X);
  let t = performance.now();
  dense.score(Xtest);
  const denseScore = (performance.now() - t) / 1000;
  const S = { data: read("seq.f32"), rows: seqRows, cols: seqCols };
  const lstmEpochs = [];
  const lstm = new lib.LstmAutoencoder({ window: win, units, epochs, batchSize: lstmBatch, validationFraction: 0, patience: epochs, seed: 1, onEpoch: (r) => lstmEpochs.push(r.seconds) }).fit(S);
  t = performance.now();
  lstm.score(S);
  const lstmScore = (performance.now() - t) / 1000;
  console.log(JSON.stringify({ dense_epochs: denseEpochs, dense_score: denseScore, lstm_epochs: lstmEpochs, lstm_score: lstmScore, sequences: seqRows - win + 1, backend, parameters: { dense: dense.parameterCount, lstm: lstm.parameterCount } }));
})();`;

/** Median epoch time after the first (which includes warm-up on both sides). */
const steady = (epochs: number[]): number => median(epochs.slice(1));

async function main(): Promise<void> {
  const { split, pipeline, Xtest } = await kddMatrices();
  const Xtrain = pipeline.transform(split.train.table, split.train.rows).X;
  const folder = mkdtempSync(join(tmpdir(), "detective-deep-"));
  const seqRows = SEQUENCES + WINDOW - 1;
  const rng = seeded(7);
  try {
    writeFileSync(join(folder, "train.f32"), Xtrain.data);
    writeFileSync(join(folder, "test.f32"), Xtest.data);
    writeFileSync(
      join(folder, "seq.f32"),
      Float32Array.from({ length: seqRows * SEQ_COLS }, () => rng()),
    );
    const args = [
      folder,
      Xtrain.rows,
      Xtest.rows,
      Xtrain.cols,
      seqRows,
      SEQ_COLS,
      WINDOW,
      UNITS,
      EPOCHS,
      DENSE_BATCH,
      LSTM_BATCH,
    ].map(String);
    const ours = runJson<Run>(process.execPath, ["-e", OURS, ...args]);
    const torch = runJson<Run>(PYTHON, [join(__dirname, "deep_torch.py"), ...args]);
    console.error(
      `ours (${ours.backend}): dense epochs ${ours.dense_epochs.map((s) => s.toFixed(2)).join(" ")} s, LSTM epochs ${ours.lstm_epochs.map((s) => s.toFixed(2)).join(" ")} s`,
    );
    console.error(
      `PyTorch ${torch.version} (${torch.threads} threads): dense epochs ${torch.dense_epochs.map((s) => s.toFixed(2)).join(" ")} s, LSTM epochs ${torch.lstm_epochs.map((s) => s.toFixed(2)).join(" ")} s`,
    );
    const reference = `PyTorch ${torch.version} on the CPU, ${torch.threads} threads (Debian python3-torch)`;
    const machine = {
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      node: process.version,
      backend: ours.backend,
    };
    const oursDense = steady(ours.dense_epochs);
    const torchDense = steady(torch.dense_epochs);
    writeResult("autoencoder", {
      name: "autoencoder",
      metric: `dense autoencoder ${Xtrain.cols}-64-16-64-${Xtrain.cols}, one training epoch over the KDD99 training normals, batch ${DENSE_BATCH}, Adam; median epoch of ${EPOCHS} after the first; ours on TensorFlow.js ${ours.backend}`,
      ours: round(oursDense),
      reference: round(torchDense),
      reference_tool: reference,
      unit: "s",
      ratio: round(oursDense / torchDense),
      rows: Xtrain.rows,
      date: new Date().toISOString(),
      throughput: {
        unit: "training samples/s",
        ours: round(Xtrain.rows / oursDense),
        reference: round(Xtrain.rows / torchDense),
        ours_over_reference: round(torchDense / oursDense),
      },
      scoring: {
        metric: `reconstruction errors of KDD99 corrected (${Xtest.rows.toLocaleString("en")} rows)`,
        ours: round(ours.dense_score),
        reference: round(torch.dense_score),
        unit: "s",
        ratio: round(ours.dense_score / torch.dense_score),
      },
      parameters: ours.parameters?.dense,
      epochs: { ours: ours.dense_epochs.map(round), reference: torch.dense_epochs.map(round) },
      machine,
    });
    const oursEpoch = steady(ours.lstm_epochs);
    const torchEpoch = steady(torch.lstm_epochs);
    writeResult("lstm", {
      name: "lstm",
      metric: `LSTM autoencoder (${UNITS} units) training epoch over ${ours.sequences.toLocaleString("en")} sequences of ${WINDOW} x ${SEQ_COLS}, batch ${LSTM_BATCH}, Adam; median epoch of ${EPOCHS} after the first; ours on TensorFlow.js ${ours.backend}`,
      ours: round(oursEpoch),
      reference: round(torchEpoch),
      reference_tool: reference,
      unit: "s",
      ratio: round(oursEpoch / torchEpoch),
      rows: ours.sequences,
      date: new Date().toISOString(),
      scoring: {
        metric: `reconstruction errors of the ${ours.sequences.toLocaleString("en")} sequences`,
        ours: round(ours.lstm_score),
        reference: round(torch.lstm_score),
        unit: "s",
        ratio: round(ours.lstm_score / torch.lstm_score),
      },
      parameters: ours.parameters?.lstm,
      epochs: { ours: ours.lstm_epochs.map(round), reference: torch.lstm_epochs.map(round) },
      machine,
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

void main();
