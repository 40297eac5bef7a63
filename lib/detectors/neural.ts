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
import { OptionError, ShapeError } from "../core/errors";
import { type Rng, seeded, shuffleInPlace } from "../core/random";
import { check, violation } from "../core/schema";
import { tensorflow } from "../core/tf";
import type { OptionTable } from "./types";

export type Tf = typeof TfModule;
export type Tensor = TfModule.Tensor;

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

/** The training loop's options, documented (each neural detector adds its own to these). */
export const TRAINING_OPTIONS: OptionTable<TrainingOptions> = {
  epochs: { default: 50, doc: "passes over the training rows, at most (early stopping may end sooner)" },
  batchSize: { default: 256, doc: "rows (or sequences) per gradient step" },
  learningRate: { default: 0.001, doc: "Adam's step size" },
  validationFraction: {
    default: 0.1,
    doc: "share of the training rows held out for early stopping (0 turns it off)",
  },
  patience: { default: 5, doc: "epochs without a better validation loss before stopping" },
  seed: { default: 0, doc: "seed of the initial weights, the split, the shuffling and any noise" },
  onEpoch: { default: undefined, doc: "called after every epoch (progress, live loss curves); not saved" },
};

export interface EpochReport {
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
  /** NaN without a validation split. */
  readonly validationLoss: number;
  readonly seconds: number;
  /** The last epoch of this training (the maximum, or where early stopping ends it). */
  readonly last: boolean;
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

/**
 * Checks saved weights against the parameters the architecture has (`expected`: name -> shape):
 * the same names, each with its shape and that many finite values.
 * @throws SchemaViolation naming the parameter.
 */
export function checkWeights(value: unknown, path: string, expected: Record<string, number[]>): SavedWeights {
  const saved = check.object(value, path);
  const names = Object.keys(expected);
  for (const name of Object.keys(saved)) {
    if (!Object.hasOwn(expected, name))
      violation(`${path}.${name}`, "absent (not a parameter of this network)", saved[name]);
  }
  const out: SavedWeights = {};
  for (const name of names) {
    const at = `${path}.${name}`;
    const entry = check.object(saved[name], at);
    const shape = check.numbers(entry.shape, `${at}.shape`, expected[name].length, { integer: true, min: 0 });
    if (shape.some((n, i) => n !== expected[name][i]))
      violation(`${at}.shape`, `[${expected[name].join(", ")}]`, shape);
    const size = expected[name].reduce((a, b) => a * b, 1);
    out[name] = { shape, values: check.numbers(entry.values, `${at}.values`, size) };
  }
  return out;
}

/**
 * Checks a saved training history (kept for reports; its numbers are not used to score). A loss
 * that diverged (NaN) or a speed over no time (Infinity) is saved as null by JSON, so null passes.
 */
export function checkHistory(value: unknown, path: string): TrainingHistory {
  const h = check.object(value, path);
  const numberOrNull = (v: unknown, at: string): unknown => (v === null ? v : check.number(v, at));
  check.arrayOf(h.loss, `${path}.loss`, numberOrNull);
  check.arrayOf(h.validationLoss, `${path}.validationLoss`, numberOrNull);
  check.integer(h.bestEpoch, `${path}.bestEpoch`, { min: 0 });
  check.boolean(h.stoppedEarly, `${path}.stoppedEarly`);
  numberOrNull(h.seconds, `${path}.seconds`);
  numberOrNull(h.samplesPerSecond, `${path}.samplesPerSecond`);
  check.string(h.backend, `${path}.backend`);
  return h as unknown as TrainingHistory;
}

/**
 * Named parameters. The values live in JavaScript (Float32Array), where the optimiser updates them;
 * the model's code reads them as tensors with `get`: the tensors being differentiated during a
 * training step, otherwise tensors made once and kept until the values change.
 */
export class Params {
  readonly names: string[];
  readonly shapes: number[][];
  readonly values: Float32Array[];
  private bound?: Tensor[];
  private cached?: Tensor[];

  constructor(
    readonly tf: Tf,
    init: Record<string, { shape: number[]; values: Float32Array | number[] }>,
  ) {
    this.names = Object.keys(init);
    this.shapes = this.names.map((n) => init[n].shape.slice());
    this.values = this.names.map((n) => Float32Array.from(init[n].values));
  }

  get(name: string): Tensor {
    const k = this.names.indexOf(name);
    if (k < 0) throw new Error(`internal: no parameter ${name}`);
    if (this.bound) return this.bound[k];
    this.cached ??= this.values.map((v, i) => this.tf.keep(this.tf.tensor(v, this.shapes[i], "float32")));
    return this.cached[k];
  }

  /** While `f` runs, `get` returns `tensors` (the ones a gradient is taken with respect to). */
  withTensors<T>(tensors: Tensor[], f: () => T): T {
    this.bound = tensors;
    try {
      return f();
    } finally {
      this.bound = undefined;
    }
  }

  /** Fresh tensors of the current values (the caller disposes them). */
  tensors(): Tensor[] {
    return this.values.map((v, i) => this.tf.tensor(v, this.shapes[i], "float32"));
  }

  /** Call after changing `values`. */
  changed(): void {
    for (const t of this.cached ?? []) t.dispose();
    this.cached = undefined;
  }

  /** Number of trained values. */
  count(): number {
    return this.values.reduce((n, v) => n + v.length, 0);
  }

  snapshot(): Float32Array[] {
    return this.values.map((v) => v.slice());
  }

  restore(snapshot: Float32Array[]): void {
    snapshot.forEach((v, i) => this.values[i].set(v));
    this.changed();
  }

  toJSON(): SavedWeights {
    const out: SavedWeights = {};
    this.names.forEach((n, i) => {
      out[n] = { shape: this.shapes[i].slice(), values: Array.from(this.values[i]) };
    });
    return out;
  }

  dispose(): void {
    this.changed();
  }
}

/**
 * Adam (Kingma and Ba 2015) on the parameters' JavaScript arrays: one plain loop over every value
 * instead of a dozen backend kernels per parameter tensor.
 */
class Adam {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private t = 0;

  constructor(
    private readonly lr: number,
    values: Float32Array[],
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-7,
  ) {
    this.m = values.map((x) => new Float32Array(x.length));
    this.v = values.map((x) => new Float32Array(x.length));
  }

  step(values: Float32Array[], grads: ArrayLike<number>[]): void {
    this.t++;
    const { beta1, beta2, epsilon } = this;
    const a = (this.lr * Math.sqrt(1 - beta2 ** this.t)) / (1 - beta1 ** this.t);
    for (let k = 0; k < values.length; k++) {
      const x = values[k];
      const g = grads[k];
      const m = this.m[k];
      const v = this.v[k];
      for (let i = 0; i < x.length; i++) {
        const gi = g[i];
        m[i] = beta1 * m[i] + (1 - beta1) * gi;
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        x[i] -= (a * m[i]) / (Math.sqrt(v[i]) + epsilon);
      }
    }
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

/** A training problem for `train`: how many samples, and the loss of a batch of them. */
export interface TrainingProblem {
  /** Number of training samples (rows or sequences), indexed 0..samples-1. */
  samples: number;
  /**
   * Mean loss of the samples `index`, as a scalar tensor; `rng` is for noise (`training` true).
   * Called inside tf.tidy; reads parameters with `params.get`.
   */
  loss(index: Int32Array, rng: Rng, training: boolean): TfModule.Scalar;
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
  const { tf, backend } = tensorflow();
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
  const adam = new Adam(settings.learningRate, params.values);
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
  let bestWeights: Float32Array[] | undefined;
  let seen = 0;
  const started = performance.now();
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    const epochStarted = performance.now();
    shuffleInPlace(trainIdx, rng);
    let total = 0;
    for (let lo = 0; lo < trainIdx.length; lo += settings.batchSize) {
      const batch = trainIdx.subarray(lo, Math.min(trainIdx.length, lo + settings.batchSize));
      const args = params.tensors();
      const { value, grads } = tf.valueAndGrads((...ts: Tensor[]) =>
        params.withTensors(ts, () => problem.loss(batch, rng, true)),
      )(args);
      total += (value.dataSync()[0] as number) * batch.length;
      adam.step(
        params.values,
        grads.map((g) => g.dataSync() as Float32Array),
      );
      tf.dispose([value, ...grads, ...args]);
      seen += batch.length;
    }
    params.changed();
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
    const diverged = !Number.isFinite(loss);
    const stopEarly = epoch - history.bestEpoch >= settings.patience && epoch < settings.epochs;
    onEpoch?.({
      epoch,
      epochs: settings.epochs,
      loss,
      validationLoss,
      seconds: (performance.now() - epochStarted) / 1000,
      last: diverged || stopEarly || epoch === settings.epochs,
    });
    if (diverged)
      throw new ShapeError(`train: the loss diverged (${loss}) at epoch ${epoch}; lower learningRate.`);
    if (stopEarly) {
      history.stoppedEarly = true;
      break;
    }
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
    const l = tf.tidy(() => problem.loss(part, rng, false));
    total += (l.dataSync()[0] as number) * part.length;
    l.dispose();
  }
  return total / index.length;
}

const fastMatMuls = new WeakMap<Tf, (a: Tensor, b: Tensor) => Tensor>();

/**
 * a . b for 2-D tensors, with a gradient that transposes explicitly. The WebAssembly backend's
 * matrix product is about 10x slower with a transpose flag (1.9 ms against 0.2 ms for 256x64 by
 * 64x119 here), and the built-in gradient of matMul uses those flags; this one does not.
 */
export function matMul(tf: Tf, a: Tensor, b: Tensor): Tensor {
  let f = fastMatMuls.get(tf);
  if (!f) {
    const op = tf.customGrad((...args) => {
      const [xs, ws, save] = args as [TfModule.Tensor2D, TfModule.Tensor2D, TfModule.GradSaveFunc];
      save([xs, ws]);
      return {
        value: tf.matMul(xs, ws),
        gradFunc: (dy, saved) => [
          tf.matMul(dy as TfModule.Tensor2D, tf.transpose(saved[1])),
          tf.matMul(tf.transpose(saved[0]), dy as TfModule.Tensor2D),
        ],
      };
    }) as unknown as (a: Tensor, b: Tensor) => Tensor;
    f = op;
    fastMatMuls.set(tf, f);
  }
  return f(a, b);
}

/** Rows `index` of a row-major matrix, copied into a new array (a batch). */
export function gatherRows(data: Float32Array, cols: number, index: ArrayLike<number>): Float32Array {
  const out = new Float32Array(index.length * cols);
  for (let k = 0; k < index.length; k++)
    out.set(data.subarray(index[k] * cols, (index[k] + 1) * cols), k * cols);
  return out;
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
    if (stream.isTTY) stream.write(`\r${line}\u001b[K${r.last ? "\n" : ""}`);
    else stream.write(`${line}\n`);
  };
}
