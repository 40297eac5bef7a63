/**
 * Dense autoencoders on connection features, trained on normal traffic only and scored by
 * reconstruction error: traffic unlike what the model learned to compress comes back distorted.
 * The denoising variant (Vincent et al. 2008) learns to reconstruct clean rows from noisy ones,
 * which keeps it from learning the identity and makes its errors more telling. Per-feature errors
 * are kept available, so an alert can say which features were off.
 *
 * Architecture: d -> hidden[0] -> ... -> hidden[k] (the code, linear) -> ... -> hidden[0] -> d (linear),
 * ReLU between; default d-64-16-64-d. Loss: mean squared error.
 */
import type { Matrix } from "../core/matrix";
import { check } from "../core/schema";
import { seeded } from "../core/random";
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
import {
  checkWidths,
  gaussian,
  glorotUniform,
  matMul,
  gatherRows,
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
import { OptionError } from "../core/errors";
import { tensorflow } from "../core/tf";

export interface AutoencoderOptions extends TrainingOptions {
  /** Widths of the encoder's layers; the last is the code, the decoder mirrors them. Default [64, 16]. */
  hidden?: number[];
  /** Standard deviation of the Gaussian noise added to inputs in training (the denoising variant). Default 0. */
  noise?: number;
}

/** The options of `Autoencoder`, documented (the registry publishes them). */
export const AUTOENCODER_OPTIONS: OptionTable<AutoencoderOptions> = {
  hidden: {
    default: [64, 16],
    doc: "widths of the encoder's layers; the last is the code, the decoder mirrors them",
  },
  noise: { default: 0, doc: "standard deviation of the Gaussian noise added to training inputs (denoising)" },
  ...TRAINING_OPTIONS,
};

/** The options of `DenoisingAutoencoder`: the autoencoder's, with noise on by default. */
export const DENOISING_AUTOENCODER_OPTIONS: OptionTable<AutoencoderOptions> = {
  ...AUTOENCODER_OPTIONS,
  noise: { default: 0.1, doc: AUTOENCODER_OPTIONS.noise.doc },
};

interface AutoencoderState {
  nFeatures: number;
  weights: SavedWeights;
  history: TrainingHistory;
}

/** Rows scored per batch. */
const SCORE_BATCH = 8192;

/** A dense autoencoder scored by mean squared reconstruction error per row. */
export class Autoencoder implements StreamingDetector {
  readonly name: string = "Autoencoder";
  readonly opts: Readonly<TrainingSettings & { hidden: number[]; noise: number }>;
  private readonly onEpoch: TrainingOptions["onEpoch"];
  private params?: Params;
  private state?: Omit<AutoencoderState, "weights">;

  constructor(options: AutoencoderOptions = {}) {
    checkOptionKeys(new.target.name, options, AUTOENCODER_OPTIONS);
    const hidden = options.hidden ?? [64, 16];
    checkWidths("Autoencoder", "hidden", hidden);
    const noise = options.noise ?? 0;
    if (!(noise >= 0)) throw new OptionError(`Autoencoder: noise must be >= 0, got ${noise}.`);
    this.opts = Object.freeze({ ...trainingSettings("Autoencoder", options), hidden: [...hidden], noise });
    this.onEpoch = options.onEpoch;
  }

  /** Layer widths from input to output. */
  private widths(d: number): number[] {
    const h = this.opts.hidden;
    return [d, ...h, ...h.slice(0, -1).reverse(), d];
  }

  private forward(tf: Tf, p: Params, x: Tensor): Tensor {
    const layers = this.widths(0).length - 1;
    const code = this.opts.hidden.length; // the layer producing the code has no activation
    let h = x;
    for (let l = 0; l < layers; l++) {
      h = tf.add(matMul(tf, h, p.get(`W${l}`)), p.get(`b${l}`));
      if (l + 1 !== code && l + 1 !== layers) h = tf.relu(h);
    }
    return h;
  }

  fit(X: Matrix): this {
    checkTrainable(this.name, X);
    const { tf } = tensorflow();
    const rng = seeded(this.opts.seed);
    const widths = this.widths(X.cols);
    const init: Record<string, { shape: number[]; values: Float32Array }> = {};
    for (let l = 0; l + 1 < widths.length; l++) {
      init[`W${l}`] = {
        shape: [widths[l], widths[l + 1]],
        values: glorotUniform(rng, widths[l], widths[l + 1]),
      };
      init[`b${l}`] = { shape: [widths[l + 1]], values: new Float32Array(widths[l + 1]) };
    }
    this.params?.dispose();
    const params = new Params(tf, init);
    const noise = this.opts.noise;
    try {
      const history = train(
        params,
        {
          samples: X.rows,
          loss: (index, noiseRng, training) => {
            const clean = tf.tensor2d(gatherRows(X.data, X.cols, index), [index.length, X.cols]);
            const input =
              training && noise > 0
                ? tf.add(clean, tf.tensor(gaussian(noiseRng, clean.size, noise), clean.shape))
                : clean;
            return tf.losses.meanSquaredError(clean, this.forward(tf, params, input)) as ReturnType<
              typeof tf.scalar
            >;
          },
        },
        this.opts,
        this.onEpoch,
      );
      this.params = params;
      this.state = { nFeatures: X.cols, history };
    } catch (err) {
      params.dispose();
      throw err;
    }
    return this;
  }

  /**
   * Runs the model over X in batches and collects `perRow` values per row: `f` maps a batch's
   * inputs and reconstructions to a [batch, perRow] (or [batch]) tensor.
   */
  private batches(X: Matrix, perRow: number, f: (tf: Tf, x: Tensor, y: Tensor) => Tensor): Float32Array {
    const p = this.ready(X);
    const { tf } = tensorflow();
    const out = new Float32Array(X.rows * perRow);
    for (let lo = 0; lo < X.rows; lo += SCORE_BATCH) {
      const hi = Math.min(X.rows, lo + SCORE_BATCH);
      const part = tf.tidy(() => {
        const x = tf.tensor2d(X.data.subarray(lo * X.cols, hi * X.cols), [hi - lo, X.cols]);
        return f(tf, x, this.forward(tf, p, x));
      });
      out.set(part.dataSync() as Float32Array, lo * perRow);
      part.dispose();
    }
    return out;
  }

  /** Squared reconstruction error of every feature of every row (rows x features, row-major). */
  featureErrors(X: Matrix): Float32Array {
    return this.batches(X, X.cols, (tf, x, y) => tf.squaredDifference(y, x));
  }

  score(X: Matrix): Float64Array {
    return Float64Array.from(this.batches(X, 1, (tf, x, y) => tf.mean(tf.squaredDifference(y, x), 1)));
  }

  scoreOne(x: ArrayLike<number>): number {
    checkColumns(this.name, fitted(this.name, this.state).nFeatures, x);
    return this.score({ data: Float32Array.from(x), rows: 1, cols: x.length })[0];
  }

  /**
   * The features that contributed most to a row's score, largest first, with their share of it.
   * @example ae.explain(x, pipeline.featureNames, 3) // [{ feature: "src_bytes", error: 4.1, share: 0.62 }, ...]
   */
  explain(
    x: ArrayLike<number>,
    names?: readonly string[],
    top = 5,
  ): { feature: string; index: number; error: number; share: number }[] {
    checkColumns(this.name, fitted(this.name, this.state).nFeatures, x);
    const errors = this.featureErrors({ data: Float32Array.from(x), rows: 1, cols: x.length });
    const total = errors.reduce((a, b) => a + b, 0) || 1;
    return Array.from(errors, (error, index) => ({
      feature: names?.[index] ?? `f${index}`,
      index,
      error,
      share: error / total,
    }))
      .sort((a, b) => b.error - a.error)
      .slice(0, top);
  }

  /** What training did: losses per epoch, best epoch, time, throughput and backend. */
  get history(): TrainingHistory {
    return fitted(this.name, this.state).history;
  }

  /** Number of trained parameters. */
  get parameterCount(): number {
    return fitted(this.name, this.params).count();
  }

  private ready(X: Matrix): Params {
    const s = fitted(this.name, this.state);
    checkColumns(this.name, s.nFeatures, X);
    return fitted(this.name, this.params);
  }

  /** Frees the weights held by the TensorFlow.js backend. */
  dispose(): void {
    this.params?.dispose();
    this.params = undefined;
    this.state = undefined;
  }

  toJSON(): DetectorJSON {
    const s = fitted(this.name, this.state);
    return detectorJSON(this.name, this.opts, { ...s, weights: fitted(this.name, this.params).toJSON() });
  }

  static fromJSON(json: DetectorJSON, path = "detector"): Autoencoder {
    const model =
      json.name === "DenoisingAutoencoder"
        ? new DenoisingAutoencoder(json.options as AutoencoderOptions)
        : new Autoencoder(json.options as AutoencoderOptions);
    model.restoreState(json.state, `${path}.state`);
    return model;
  }

  /** Restores a saved state, checked against the architecture of the options. */
  protected restoreState(value: unknown, path: string): void {
    const state = check.object(value, path);
    const nFeatures = check.integer(state.nFeatures, `${path}.nFeatures`, { min: 1 });
    const widths = this.widths(nFeatures);
    const expected: Record<string, number[]> = {};
    for (let l = 0; l + 1 < widths.length; l++) {
      expected[`W${l}`] = [widths[l], widths[l + 1]];
      expected[`b${l}`] = [widths[l + 1]];
    }
    const weights = checkWeights(state.weights, `${path}.weights`, expected);
    const history = checkHistory(state.history, `${path}.history`);
    const { tf } = tensorflow();
    this.params = new Params(tf, weights);
    this.state = { nFeatures, history };
  }
}

/** The denoising autoencoder: an `Autoencoder` trained on inputs with Gaussian noise (default std 0.1). */
export class DenoisingAutoencoder extends Autoencoder {
  override readonly name: string = "DenoisingAutoencoder";

  constructor(options: AutoencoderOptions = {}) {
    super({ ...options, noise: options.noise ?? 0.1 });
  }
}
