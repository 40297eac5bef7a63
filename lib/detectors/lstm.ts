/**
 * LSTM detectors over sequences: the rows of X are consecutive in time (connection records in
 * arrival order, or the intervals of a traffic time series), and each row is scored with the
 * `window` rows that end at it, so temporal patterns a single-record model cannot see (a burst, a
 * slow scan, a regular beacon) show in the score.
 *
 * - `LstmAutoencoder`: an LSTM encoder reads the window into its final state; an LSTM decoder fed
 *   that state at every step rebuilds the window (Srivastava et al. 2015; Malhotra et al. 2016).
 *   Score of row t: the mean squared reconstruction error of the window ending at t.
 * - `LstmForecaster`: an LSTM reads the `window` rows before t and predicts row t (Malhotra et al.
 *   2015). Score: the squared prediction error of each feature over its variance on the training
 *   rows' residuals, averaged over the features.
 *
 * Both standardise features with means and deviations fitted on the training rows. The first rows,
 * which lack a full window, are scored with the first row repeated in place of the missing history.
 * `scoreOne` keeps the last rows itself (call it in time order; `reset()` forgets them), so the
 * monitor scores a stream exactly as `score` scores a file.
 */
import { OptionError } from "../core/errors";
import { tensorflow } from "../core/tf";
import type { Matrix } from "../core/matrix";
import { check } from "../core/schema";
import { seeded } from "../core/random";
import {
  checkWidths,
  gatherRows,
  glorotUniform,
  matMul,
  checkHistory,
  checkWeights,
  Params,
  type SavedWeights,
  type Tensor,
  type Tf,
  type TrainingHistory,
  type TrainingOptions,
  type TrainingSettings,
  train,
  TRAINING_OPTIONS,
  trainingSettings,
} from "./neural";
import {
  checkOptionKeys,
  checkColumns,
  type OptionTable,
  checkTrainable,
  type DetectorJSON,
  detectorJSON,
  fitted,
  type StreamingDetector,
} from "./types";

/**
 * The longest window, in rows: 10,000. An LSTM is unrolled over its window (memory and time grow
 * with it, and the study uses 12); a saved model naming a larger one is refused as it loads.
 */
export const MAX_LSTM_WINDOW = 10_000;

export interface LstmOptions extends TrainingOptions {
  /** Rows per window (the history the model sees). Default 10. */
  window?: number;
  /** LSTM units. Default 32. */
  units?: number;
}

/** The options of both LSTM detectors, documented (the registry publishes them). */
export const LSTM_OPTIONS: OptionTable<LstmOptions> = {
  window: { default: 10, doc: "rows per window (the history the model sees)" },
  units: { default: 32, doc: "LSTM units" },
  ...TRAINING_OPTIONS,
  batchSize: { default: 64, doc: TRAINING_OPTIONS.batchSize.doc },
};

interface LstmState {
  nFeatures: number;
  mean: number[];
  std: number[];
  /** Forecaster: variance of each feature's training residual (standardised units). */
  residualVariance?: number[];
  weights: SavedWeights;
  history: TrainingHistory;
}

/** Windows scored per batch. */
const SCORE_BATCH = 2048;

/** The parameters of one LSTM layer (gates in the order input, forget, output, candidate). */
function lstmInit(rng: () => number, prefix: string, inputs: number, units: number) {
  const bias = new Float32Array(4 * units);
  bias.fill(1, units, 2 * units); // forget-gate bias 1 (Jozefowicz et al. 2015)
  return {
    [`${prefix}Wx`]: { shape: [inputs, 4 * units], values: glorotUniform(rng, inputs, 4 * units) },
    [`${prefix}Wh`]: { shape: [units, 4 * units], values: glorotUniform(rng, units, 4 * units) },
    [`${prefix}b`]: { shape: [4 * units], values: bias },
  };
}

/**
 * Runs an LSTM layer over `steps` ([batch, inputs] each, or one tensor fed at every step when
 * `repeat` is given) and returns the hidden state after each step. The input projection of all
 * steps is one matrix product.
 */
function lstm(tf: Tf, p: Params, prefix: string, units: number, steps: Tensor[], batch: number): Tensor[] {
  const Wx = p.get(`${prefix}Wx`);
  const Wh = p.get(`${prefix}Wh`);
  const b = p.get(`${prefix}b`);
  const projected = tf.split(tf.add(matMul(tf, tf.concat(steps, 0), Wx), b), steps.length, 0);
  let h: Tensor = tf.zeros([batch, units]);
  let c: Tensor = tf.zeros([batch, units]);
  const out: Tensor[] = [];
  for (const xw of projected) {
    const z = tf.add(xw, matMul(tf, h, Wh));
    // One sigmoid for the three gates and one tanh for the candidate: fewer, larger kernels.
    const [ifo, g] = tf.split(z, [3 * units, units], 1);
    const [i, f, o] = tf.split(tf.sigmoid(ifo), 3, 1);
    c = tf.add(tf.mul(f, c), tf.mul(i, tf.tanh(g)));
    h = tf.mul(o, tf.tanh(c));
    out.push(h);
  }
  return out;
}

/**
 * Step k of the windows starting at rows `starts` ([batch, d]): row start + k of `data`, or row 0
 * where that is before the first row (missing history).
 */
function stepRows(tf: Tf, data: Float32Array, d: number, starts: Int32Array, k: number): Tensor {
  const index = Int32Array.from(starts, (s) => Math.max(0, s + k));
  return tf.tensor2d(gatherRows(data, d, index), [starts.length, d]);
}

/** (x - mean) / std per column, as a new row-major array. */
function standardise(
  X: { data: ArrayLike<number>; rows: number; cols: number },
  mean: readonly number[],
  std: readonly number[],
): Float32Array {
  const out = new Float32Array(X.rows * X.cols);
  for (let i = 0; i < X.rows; i++)
    for (let j = 0; j < X.cols; j++) out[i * X.cols + j] = (X.data[i * X.cols + j] - mean[j]) / std[j];
  return out;
}

/** Shared machinery of the two LSTM detectors. */
abstract class LstmDetector implements StreamingDetector {
  abstract readonly name: string;
  readonly opts: Readonly<TrainingSettings & { window: number; units: number }>;
  protected readonly onEpoch: TrainingOptions["onEpoch"];
  protected params?: Params;
  protected state?: Omit<LstmState, "weights">;
  /** Recent rows (standardised) for scoreOne. */
  private recent: Float32Array[] = [];

  constructor(who: string, options: LstmOptions) {
    checkOptionKeys(who, options, LSTM_OPTIONS);
    const window = options.window ?? 10;
    const units = options.units ?? 32;
    if (!(Number.isInteger(window) && window >= 1 && window <= MAX_LSTM_WINDOW))
      throw new OptionError(`${who}: window must be an integer in [1, ${MAX_LSTM_WINDOW}], got ${window}.`);
    checkWidths(who, "units", [units]);
    this.opts = Object.freeze({ ...trainingSettings(who, options, { batchSize: 64 }), window, units });
    this.onEpoch = options.onEpoch;
  }

  /** Rows a sample reads (window for the autoencoder, window + 1 for the forecaster: history and target). */
  protected abstract readonly span: number;
  protected abstract init(
    rng: () => number,
    d: number,
  ): Record<string, { shape: number[]; values: Float32Array }>;
  /** Per-sample loss terms for windows `rows` ([batch, span, d] as `span` tensors of [batch, d]). */
  protected abstract errors(tf: Tf, p: Params, rows: Tensor[], batch: number): Tensor;
  /** Row scores from `errors` (a [batch, d] tensor of squared errors per feature). */
  protected abstract rowScore(tf: Tf, errors: Tensor): Tensor;
  /** Called after training, with the standardised training data, for any further fitted state. */
  protected afterFit(_tf: Tf, _data: Float32Array, _rows: number): void {}

  fit(X: Matrix): this {
    checkTrainable(this.name, X, this.span + 1);
    const { tf } = tensorflow();
    const d = X.cols;
    const mean = new Array<number>(d).fill(0);
    const std = new Array<number>(d).fill(0);
    for (let i = 0; i < X.rows; i++) for (let j = 0; j < d; j++) mean[j] += X.data[i * d + j] / X.rows;
    for (let i = 0; i < X.rows; i++)
      for (let j = 0; j < d; j++) std[j] += (X.data[i * d + j] - mean[j]) ** 2 / X.rows;
    for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]) || 1; // a constant feature: leave it centred
    this.params?.dispose();
    const params = new Params(tf, this.init(seeded(this.opts.seed), d));
    const data = standardise(X, mean, std);
    const windows = X.rows - this.span + 1;
    const span = this.span;
    try {
      const history = train(
        params,
        {
          samples: windows,
          loss: (index) => {
            const rows = Array.from({ length: span }, (_, k) => stepRows(tf, data, d, index, k));
            return tf.mean(this.errors(tf, params, rows, index.length)) as ReturnType<typeof tf.scalar>;
          },
        },
        this.opts,
        this.onEpoch,
      );
      this.params = params;
      this.state = { nFeatures: d, mean, std, history };
      this.afterFit(tf, data, X.rows);
    } catch (err) {
      params.dispose();
      this.params = undefined;
      this.state = undefined;
      throw err;
    }
    this.reset();
    return this;
  }

  protected standardise(X: { data: ArrayLike<number>; rows: number; cols: number }): Float32Array {
    const s = fitted(this.name, this.state);
    return standardise(X, s.mean, s.std);
  }

  /** Scores of the samples ending at rows `ends` of the standardised `data` (missing history: row 0). */
  protected scoreEnds(tf: Tf, p: Params, data: Float32Array, d: number, ends: Int32Array): Float64Array {
    const out = new Float64Array(ends.length);
    for (let lo = 0; lo < ends.length; lo += SCORE_BATCH) {
      const part = ends.subarray(lo, Math.min(ends.length, lo + SCORE_BATCH));
      const starts = Int32Array.from(part, (e) => e - this.span + 1);
      const scores = tf.tidy(() => {
        const rows = Array.from({ length: this.span }, (_, k) => stepRows(tf, data, d, starts, k));
        return this.rowScore(tf, this.errors(tf, p, rows, part.length));
      });
      out.set(scores.dataSync() as Float32Array, lo);
      scores.dispose();
    }
    return out;
  }

  score(X: Matrix): Float64Array {
    const s = fitted(this.name, this.state);
    checkColumns(this.name, s.nFeatures, X);
    const p = fitted(this.name, this.params);
    const { tf } = tensorflow();
    const ends = Int32Array.from({ length: X.rows }, (_, i) => i);
    return this.scoreEnds(tf, p, this.standardise(X), X.cols, ends);
  }

  /** Scores the next row of the stream, with the rows scoreOne saw before it as its history. */
  scoreOne(x: ArrayLike<number>): number {
    const s = fitted(this.name, this.state);
    checkColumns(this.name, s.nFeatures, x);
    const p = fitted(this.name, this.params);
    this.recent.push(this.standardise({ data: x, rows: 1, cols: x.length }));
    if (this.recent.length > this.span) this.recent.shift();
    const { tf } = tensorflow();
    const rows = this.recent.length;
    const flat = new Float32Array(rows * x.length);
    this.recent.forEach((r, i) => flat.set(r, i * x.length));
    return this.scoreEnds(tf, p, flat, x.length, Int32Array.of(rows - 1))[0];
  }

  /** Forgets the history scoreOne keeps (e.g. between captures). */
  reset(): void {
    this.recent = [];
  }

  get history(): TrainingHistory {
    return fitted(this.name, this.state).history;
  }

  get parameterCount(): number {
    return fitted(this.name, this.params).count();
  }

  dispose(): void {
    this.params?.dispose();
    this.params = undefined;
    this.state = undefined;
  }

  toJSON(): DetectorJSON {
    const s = fitted(this.name, this.state);
    return detectorJSON(this.name, this.opts, { ...s, weights: fitted(this.name, this.params).toJSON() });
  }

  /** Restores a saved state, checked against the architecture of the options. */
  protected restore(value: unknown, path: string): this {
    const state = check.object(value, path);
    const nFeatures = check.integer(state.nFeatures, `${path}.nFeatures`, { min: 1 });
    const mean = check.numbers(state.mean, `${path}.mean`, nFeatures);
    const std = check.numbers(state.std, `${path}.std`, nFeatures, { above: 0 });
    const residualVariance = check.optional(state.residualVariance, `${path}.residualVariance`, (v, p) =>
      check.numbers(v, p, nFeatures, { above: 0 }),
    );
    const expected = Object.fromEntries(
      Object.entries(this.init(() => 0.5, nFeatures)).map(([name, p]) => [name, p.shape]),
    );
    const weights = checkWeights(state.weights, `${path}.weights`, expected);
    const history = checkHistory(state.history, `${path}.history`);
    const { tf } = tensorflow();
    this.params = new Params(tf, weights);
    this.state = { nFeatures, mean, std, history, ...(residualVariance && { residualVariance }) };
    return this;
  }
}

/** LSTM encoder-decoder over windows, scored by the window's reconstruction error. */
export class LstmAutoencoder extends LstmDetector {
  readonly name = "LstmAutoencoder";
  protected readonly span: number;

  constructor(options: LstmOptions = {}) {
    super("LstmAutoencoder", options);
    this.span = this.opts.window;
  }

  protected init(rng: () => number, d: number) {
    const u = this.opts.units;
    return {
      ...lstmInit(rng, "enc", d, u),
      ...lstmInit(rng, "dec", u, u),
      outW: { shape: [u, d], values: glorotUniform(rng, u, d) },
      outB: { shape: [d], values: new Float32Array(d) },
    };
  }

  protected errors(tf: Tf, p: Params, rows: Tensor[], batch: number): Tensor {
    const u = this.opts.units;
    const encoded = lstm(tf, p, "enc", u, rows, batch);
    const code = encoded[encoded.length - 1];
    const decoded = lstm(
      tf,
      p,
      "dec",
      u,
      rows.map(() => code),
      batch,
    );
    const out = tf.add(matMul(tf, tf.concat(decoded, 0), p.get("outW")), p.get("outB"));
    // [span * batch, d] squared errors, step-major like `out`; the row score averages over steps.
    return tf.squaredDifference(out, tf.concat(rows, 0));
  }

  protected rowScore(tf: Tf, errors: Tensor): Tensor {
    const batch = errors.shape[0] / this.span;
    return tf.mean(tf.reshape(errors, [this.span, batch, -1]), [0, 2]);
  }

  static fromJSON(json: DetectorJSON, path = "detector"): LstmAutoencoder {
    return new LstmAutoencoder(json.options as LstmOptions).restore(json.state, `${path}.state`);
  }
}

/** LSTM that predicts each row from the `window` rows before it, scored by the prediction error. */
export class LstmForecaster extends LstmDetector {
  readonly name = "LstmForecaster";
  protected readonly span: number;

  constructor(options: LstmOptions = {}) {
    super("LstmForecaster", options);
    this.span = this.opts.window + 1;
  }

  protected init(rng: () => number, d: number) {
    const u = this.opts.units;
    return {
      ...lstmInit(rng, "enc", d, u),
      outW: { shape: [u, d], values: glorotUniform(rng, u, d) },
      outB: { shape: [d], values: new Float32Array(d) },
    };
  }

  protected errors(tf: Tf, p: Params, rows: Tensor[], batch: number): Tensor {
    const history = rows.slice(0, -1);
    const hs = lstm(tf, p, "enc", this.opts.units, history, batch);
    const predicted = tf.add(matMul(tf, hs[hs.length - 1], p.get("outW")), p.get("outB"));
    return tf.squaredDifference(predicted, rows[rows.length - 1]);
  }

  protected rowScore(tf: Tf, errors: Tensor): Tensor {
    const variance = fitted(this.name, this.state).residualVariance;
    return tf.mean(variance ? tf.div(errors, tf.tensor1d(variance)) : errors, 1);
  }

  protected override afterFit(tf: Tf, data: Float32Array, rows: number): void {
    const p = fitted(this.name, this.params);
    const d = fitted(this.name, this.state).nFeatures;
    const sums = new Float64Array(d);
    let n = 0;
    for (let lo = this.span - 1; lo < rows; lo += SCORE_BATCH) {
      const end = Int32Array.from({ length: Math.min(SCORE_BATCH, rows - lo) }, (_, k) => lo + k);
      const starts = Int32Array.from(end, (e) => e - this.span + 1);
      const e = tf.tidy(() => {
        const rs = Array.from({ length: this.span }, (_, k) => stepRows(tf, data, d, starts, k));
        return tf.sum(this.errors(tf, p, rs, end.length), 0);
      });
      const v = e.dataSync();
      e.dispose();
      for (let j = 0; j < d; j++) sums[j] += v[j];
      n += end.length;
    }
    // A floor keeps a feature the model predicts perfectly from turning any wobble into a huge score.
    const mean = Array.from(sums, (s) => s / n);
    const floor = Math.max(1e-3, mean.reduce((a, b) => a + b, 0) / d / 100);
    fitted(this.name, this.state).residualVariance = mean.map((v) => Math.max(v, floor));
  }

  static fromJSON(json: DetectorJSON, path = "detector"): LstmForecaster {
    return new LstmForecaster(json.options as LstmOptions).restore(json.state, `${path}.state`);
  }
}
