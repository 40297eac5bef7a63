/**
 * What the neural detectors share: parameters kept as TensorFlow.js variables and saved as plain
 * arrays, seeded Glorot initialisation, and one synchronous, deterministic training loop (seeded
 * shuffling, Adam, a validation split with early stopping that restores the best weights, a report
 * per epoch for progress bars and loss curves).
 *
 * The models are written with TensorFlow.js ops rather than the Layers API: training with
 * `optimizer.minimize` is synchronous, so `fit` and `score` keep the detector contract, every random
 * number comes from our seeded generator, and batches are gathered from tensors kept on the backend.
 */
import type * as TfModule from "@tensorflow/tfjs";
import { OptionError, ShapeError } from "../errors";
import type { Matrix } from "../matrix";
import { type Rng, seeded, shuffleInPlace } from "../random";
import { tensorflow } from "../tf";

export type Tf = typeof TfModule;
export type Tensor = TfModule.Tensor;
type Variable = TfModule.Variable;

/** Options of the training loop, common to every neural detector. */
export interface TrainingOptions {
  /** Passes over the training rows, at most (early stopping may end sooner). Default 50. */
  epochs?: number;
  /** Rows (or sequences) per gradient step. Default 256. */
  batchSize?: number;
  /** Adam's step size. Default 0.001. */
  learningRate?: number;
  /** Share of the training rows held out for early stopping. Default 0.1 (0 turns it off). */
  validationFraction?: number;
  /** Epochs without a better validation loss before stopping. Default 5. */
  patience?: number;
  /** Seed of the initial weights, the split, the shuffling and any noise. Default 0. */
  seed?: number;
  /** Called after every epoch (progress bars, live loss curves). Not saved. */
  onEpoch?: (report: EpochReport) => void;
}

export interface EpochReport {
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
  /** NaN without a validation split. */
  readonly validationLoss: number;
  readonly seconds: number;
}

/** What training did, kept with the model (loss curves, cost in the comparison). */
export interface TrainingHistory {
  loss: number[];
  validationLoss: number[];
  /** Epoch (1-based) whose weights were kept. */
  bestEpoch: number;
  stoppedEarly: boolean;
  seconds: number;
  /** Training samples (rows or sequences) per second, over all epochs. */
  samplesPerSecond: number;
  backend: string;
}

/** Training options with their defaults filled in (the saved form; `onEpoch` is left out). */
export type TrainingSettings = Required<Omit<TrainingOptions, "onEpoch">>;

/** Checks and completes training options; `who` names the detector in errors. */
export function trainingSettings(
  who: string,
  o: TrainingOptions,
  defaults: Partial<TrainingSettings> = {},
): TrainingSettings {
  const s: TrainingSettings = {
    epochs: o.epochs ?? defaults.epochs ?? 50,
    batchSize: o.batchSize ?? defaults.batchSize ?? 256,
    learningRate: o.learningRate ?? defaults.learningRate ?? 0.001,
    validationFraction: o.validationFraction ?? defaults.validationFraction ?? 0.1,
    patience: o.patience ?? defaults.patience ?? 5,
    seed: o.seed ?? defaults.seed ?? 0,
  };
  const positiveInt = (name: keyof TrainingSettings) => {
    if (!(Number.isInteger(s[name]) && s[name] >= 1))
      throw new OptionError(`${who}: ${name} must be a positive integer, got ${s[name]}.`);
  };
  positiveInt("epochs");
  positiveInt("batchSize");
  positiveInt("patience");
  if (!(s.learningRate > 0))
    throw new OptionError(`${who}: learningRate must be > 0, got ${s.learningRate}.`);
  if (!(s.validationFraction >= 0 && s.validationFraction < 0.5))
    throw new OptionError(`${who}: validationFraction must be in [0, 0.5), got ${s.validationFraction}.`);
  return s;
}

/** Checks a list of layer widths. */
export function checkWidths(who: string, name: string, widths: readonly number[]): void {
  if (widths.length === 0 || !widths.every((w) => Number.isInteger(w) && w >= 1))
    throw new OptionError(`${who}: ${name} must be positive integers, got [${widths.join(", ")}].`);
}

/** Saved parameters: name -> shape and values. */
export type SavedWeights = Record<string, { shape: number[]; values: number[] }>;

/** Named parameters living as TensorFlow.js variables. */
export class Params {
  readonly vars: Record<string, Variable> = {};

  constructor(
    readonly tf: Tf,
    values: Record<string, { shape: number[]; values: Float32Array | number[] }>,
  ) {
    for (const [name, v] of Object.entries(values)) {
      this.vars[name] = tf.variable(
        tf.tensor(Float32Array.from(v.values), v.shape),
        true,
        undefined,
        "float32",
      );
    }
  }

  get(name: string): Variable {
    const v = this.vars[name];
    if (!v) throw new Error(`internal: no parameter ${name}`);
    return v;
  }

  list(): Variable[] {
    return Object.values(this.vars);
  }

  /** Number of trained values. */
  count(): number {
    return this.list().reduce((n, v) => n + v.size, 0);
  }

  snapshot(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const [name, v] of Object.entries(this.vars))
      out[name] = Float32Array.from(v.dataSync() as Float32Array);
    return out;
  }

  restore(snapshot: Record<string, Float32Array>): void {
    for (const [name, v] of Object.entries(this.vars)) {
      const t = this.tf.tensor(snapshot[name], v.shape);
      v.assign(t);
      t.dispose();
    }
  }

  toJSON(): SavedWeights {
    const out: SavedWeights = {};
    for (const [name, v] of Object.entries(this.vars))
      out[name] = { shape: v.shape.slice(), values: Array.from(v.dataSync() as Float32Array) };
    return out;
  }

  dispose(): void {
    for (const v of this.list()) v.dispose();
  }
}

/** Glorot (Xavier) uniform initial weights of a fanIn x fanOut matrix, from the seeded generator. */
export function glorotUniform(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: fanIn * fanOut }, () => (2 * rng() - 1) * limit);
}

/** Standard normal samples (Box-Muller) from the seeded generator. */
export function gaussian(rng: Rng, n: number, std = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rng(), Number.MIN_VALUE);
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    const a = 2 * Math.PI * rng();
    out[i] = r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = r * Math.sin(a);
  }
  return out;
}

/** The TensorFlow.js runtime, for synchronous code (throws a clear error before `loadTensorflow()`). */
export function runtime(): { tf: Tf; backend: string } {
  return tensorflow();
}

/** A training problem for `train`: how many samples, and the loss of a batch of them. */
export interface TrainingProblem {
  /** Number of training samples (rows or sequences), indexed 0..samples-1. */
  samples: number;
  /** Loss of the samples `index` (an int32 tensor), as a scalar; `rng` is for noise. Called inside tf.tidy. */
  loss(index: TfModule.Tensor1D, rng: Rng, training: boolean): TfModule.Scalar;
}

/**
 * Trains `params` on `problem` with Adam: the samples are split (seeded) into training and
 * validation parts, shuffled every epoch, and training stops after `patience` epochs without a
 * better validation loss, keeping the best weights. Synchronous and deterministic for a seed on a
 * backend.
 */
export function train(
  params: Params,
  problem: TrainingProblem,
  settings: TrainingSettings,
  onEpoch?: (report: EpochReport) => void,
): TrainingHistory {
  const { tf, backend } = runtime();
  const rng = seeded(settings.seed ^ 0x5eed);
  const order = shuffleInPlace(
    Int32Array.from({ length: problem.samples }, (_, i) => i),
    rng,
  );
  const nValidation =
    settings.validationFraction > 0
      ? Math.max(1, Math.floor(problem.samples * settings.validationFraction))
      : 0;
  const trainIdx = order.slice(0, problem.samples - nValidation);
  const validIdx = order.slice(problem.samples - nValidation);
  if (trainIdx.length < 1)
    throw new ShapeError("train: no training samples left after the validation split.");
  const optimizer = tf.train.adam(settings.learningRate);
  const history: TrainingHistory = {
    loss: [],
    validationLoss: [],
    bestEpoch: 0,
    stoppedEarly: false,
    seconds: 0,
    samplesPerSecond: 0,
    backend,
  };
  let best = Number.POSITIVE_INFINITY;
  let bestWeights: Record<string, Float32Array> | undefined;
  let seen = 0;
  const started = performance.now();
  try {
    for (let epoch = 1; epoch <= settings.epochs; epoch++) {
      const epochStarted = performance.now();
      shuffleInPlace(trainIdx, rng);
      let total = 0;
      for (let lo = 0; lo < trainIdx.length; lo += settings.batchSize) {
        const batch = trainIdx.subarray(lo, Math.min(trainIdx.length, lo + settings.batchSize));
        const cost = tf.tidy(() => {
          const index = tf.tensor1d(batch, "int32");
          return optimizer.minimize(
            () => problem.loss(index, rng, true),
            true,
            params.list(),
          ) as TfModule.Scalar;
        });
        total += (cost.dataSync()[0] as number) * batch.length;
        cost.dispose();
        seen += batch.length;
      }
      const loss = total / trainIdx.length;
      const validationLoss = nValidation ? meanLoss(tf, problem, validIdx, rng) : Number.NaN;
      history.loss.push(loss);
      history.validationLoss.push(validationLoss);
      const monitored = nValidation ? validationLoss : loss;
      if (history.bestEpoch === 0 || monitored < best - 1e-7 * Math.abs(best)) {
        best = monitored;
        history.bestEpoch = epoch;
        bestWeights = params.snapshot();
      }
      onEpoch?.({
        epoch,
        epochs: settings.epochs,
        loss,
        validationLoss,
        seconds: (performance.now() - epochStarted) / 1000,
      });
      if (!Number.isFinite(loss))
        throw new ShapeError(`train: the loss diverged (${loss}) at epoch ${epoch}; lower learningRate.`);
      if (epoch - history.bestEpoch >= settings.patience && epoch < settings.epochs) {
        history.stoppedEarly = true;
        break;
      }
    }
  } finally {
    optimizer.dispose();
  }
  if (bestWeights) params.restore(bestWeights);
  history.seconds = (performance.now() - started) / 1000;
  history.samplesPerSecond = seen / history.seconds;
  return history;
}

function meanLoss(tf: Tf, problem: TrainingProblem, index: Int32Array, rng: Rng): number {
  const step = 4096;
  let total = 0;
  for (let lo = 0; lo < index.length; lo += step) {
    const part = index.subarray(lo, Math.min(index.length, lo + step));
    const l = tf.tidy(() => problem.loss(tf.tensor1d(part, "int32"), rng, false));
    total += (l.dataSync()[0] as number) * part.length;
    l.dispose();
  }
  return total / index.length;
}

/** A matrix as a 2-D tensor (a copy on the backend). */
export function matrixTensor(tf: Tf, X: Matrix): TfModule.Tensor2D {
  return tf.tensor2d(X.data, [X.rows, X.cols]);
}

/**
 * A terminal progress bar for `onEpoch`: one line, rewritten in place on a terminal, a line per
 * epoch otherwise. Writes to stderr.
 * @example new Autoencoder({ onEpoch: progressBar("autoencoder") })
 */
export function progressBar(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): (r: EpochReport) => void {
  return (r) => {
    const width = 24;
    const done = Math.round((r.epoch / r.epochs) * width);
    const bar = `${"#".repeat(done)}${".".repeat(width - done)}`;
    const val = Number.isNaN(r.validationLoss) ? "" : ` val ${r.validationLoss.toExponential(3)}`;
    const line = `${label} [${bar}] epoch ${r.epoch}/${r.epochs} loss ${r.loss.toExponential(3)}${val} (${r.seconds.toFixed(2)} s)`;
    if (stream.isTTY) stream.write(`\r${line}\u001b[K${r.epoch === r.epochs ? "\n" : ""}`);
    else stream.write(`${line}\n`);
  };
}
