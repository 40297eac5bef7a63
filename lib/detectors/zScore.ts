/**
 * Per-feature z-scores combined into one anomaly score per row. Two variants:
 * - `ZScore`: mean and standard deviation (Welford's online algorithm, so `learnOne` updates them
 *   exactly as a batch fit would);
 * - `RobustZScore`: median and MAD (scaled by 1.4826 to match the standard deviation for normal
 *   data; Rousseeuw and Croux 1993), far less pulled by outliers in the training data; where the MAD
 *   is 0 (a feature zero for most rows), the mean absolute deviation x 1.2533 instead.
 *
 * A feature that never varies in training (standard deviation 0) would make z infinite; its spread
 * is floored at `minScale`, so any departure from the constant gives a large but finite z.
 */
import { OptionError } from "../core/errors";
import type { Matrix } from "../core/matrix";
import { check } from "../core/schema";
import { median } from "../core/stats";
import {
  checkOptionKeys,
  checkColumns,
  detectorJSON,
  checkTrainable,
  type DetectorJSON,
  featureArray,
  fitted,
  type OptionTable,
  type StreamingDetector,
} from "./types";

/** How per-feature |z| values become one score. */
export type Combine = "max" | "mean" | "rms";

export interface ZScoreOptions {
  /** `max` (default): the largest |z|, the most extreme feature; `mean`; `rms`: root mean square. */
  combine?: Combine;
  /** Smallest spread used for a feature (in feature units). Default 1e-3 (features are scaled to about [0, 1]). */
  minScale?: number;
}

/** The options of `ZScore` and `RobustZScore`, documented (the registry publishes them). */
export const Z_SCORE_OPTIONS: OptionTable<ZScoreOptions> = {
  combine: { default: "max", doc: 'how per-feature |z| values become one score: "max", "mean" or "rms"' },
  minScale: { default: 1e-3, doc: "smallest spread used for a feature, in feature units" },
};

/** 1 / Phi^-1(3/4): makes the MAD a consistent estimator of the standard deviation for normal data. */
export const MAD_TO_SIGMA = 1.4826;
/** sqrt(pi / 2): makes the mean absolute deviation a consistent estimator of sigma for normal data. */
export const MEANAD_TO_SIGMA = 1.253314;

/** Combines |x_j - center_j| / scale_j over features. Shared by batch and one-row scoring. */
export function combinedZ(
  x: ArrayLike<number>,
  offset: number,
  center: Float64Array,
  scale: Float64Array,
  combine: Combine,
): number {
  const d = center.length;
  let acc = 0;
  for (let j = 0; j < d; j++) {
    const z = Math.abs(x[offset + j] - center[j]) / scale[j];
    if (combine === "max") {
      if (z > acc) acc = z;
    } else if (combine === "mean") acc += z;
    else acc += z * z;
  }
  return combine === "max" ? acc : combine === "mean" ? acc / d : Math.sqrt(acc / d);
}

function resolve(o: ZScoreOptions, name: string): Required<ZScoreOptions> {
  checkOptionKeys(name, o, Z_SCORE_OPTIONS);
  const combine = o.combine ?? "max";
  if (!["max", "mean", "rms"].includes(combine))
    throw new OptionError(`${name}: combine must be "max", "mean" or "rms", got "${combine}".`);
  const minScale = o.minScale ?? 1e-3;
  if (!(minScale > 0)) throw new OptionError(`${name}: minScale must be positive, got ${minScale}.`);
  return { combine, minScale };
}

interface ZState {
  n: number;
  mean: Float64Array;
  /** Sum of squared deviations (Welford's M2). */
  m2: Float64Array;
}

/**
 * The classic z-score detector: how many standard deviations each feature is from its training mean.
 * @example new ZScore().fit(X).score(X) // max |z| per row
 */
export class ZScore implements StreamingDetector {
  readonly name = "ZScore";
  readonly opts: Readonly<Required<ZScoreOptions>>;
  private state?: ZState;

  constructor(options: ZScoreOptions = {}) {
    this.opts = Object.freeze(resolve(options, "ZScore"));
  }

  fit(X: Matrix): this {
    checkTrainable(this.name, X);
    this.state = { n: 0, mean: new Float64Array(X.cols), m2: new Float64Array(X.cols) };
    for (let i = 0; i < X.rows; i++) this.update(X.data, i * X.cols);
    return this;
  }

  private update(x: ArrayLike<number>, offset: number): void {
    const s = this.state as ZState;
    s.n++;
    for (let j = 0; j < s.mean.length; j++) {
      const delta = x[offset + j] - s.mean[j];
      s.mean[j] += delta / s.n;
      s.m2[j] += delta * (x[offset + j] - s.mean[j]);
    }
  }

  /** The standard deviation used per feature (sample standard deviation, floored at minScale). */
  scale(): Float64Array {
    const s = fitted(this.name, this.state);
    return s.m2.map((m2) => Math.max(this.opts.minScale, Math.sqrt(s.n > 1 ? m2 / (s.n - 1) : 0)));
  }

  score(X: Matrix): Float64Array {
    const s = fitted(this.name, this.state);
    checkColumns(this.name, s.mean.length, X);
    const scale = this.scale();
    const out = new Float64Array(X.rows);
    for (let i = 0; i < X.rows; i++) out[i] = combinedZ(X.data, i * X.cols, s.mean, scale, this.opts.combine);
    return out;
  }

  scoreOne(x: ArrayLike<number>): number {
    const s = fitted(this.name, this.state);
    checkColumns(this.name, s.mean.length, x);
    return combinedZ(x, 0, s.mean, this.scale(), this.opts.combine);
  }

  learnOne(x: ArrayLike<number>): this {
    const s = fitted(this.name, this.state);
    checkColumns(this.name, s.mean.length, x);
    this.update(x, 0);
    return this;
  }

  toJSON(): DetectorJSON {
    const s = fitted(this.name, this.state);
    return detectorJSON(this.name, this.opts, { n: s.n, mean: Array.from(s.mean), m2: Array.from(s.m2) });
  }

  static fromJSON(json: DetectorJSON, path = "detector"): ZScore {
    const d = new ZScore(json.options as ZScoreOptions);
    const st = check.object(json.state, `${path}.state`);
    const mean = featureArray(st.mean, `${path}.state.mean`);
    d.state = {
      n: check.integer(st.n, `${path}.state.n`, { min: 1 }),
      mean: Float64Array.from(mean),
      m2: Float64Array.from(check.numbers(st.m2, `${path}.state.m2`, mean.length, { min: 0 })),
    };
    return d;
  }
}

/**
 * The robust z-score: distance from the training median in units of the (scaled) median absolute
 * deviation. Training attacks or heavy tails barely move it.
 */
export class RobustZScore implements StreamingDetector {
  readonly name = "RobustZScore";
  readonly opts: Readonly<Required<ZScoreOptions>>;
  private state?: { median: Float64Array; scale: Float64Array };

  constructor(options: ZScoreOptions = {}) {
    this.opts = Object.freeze(resolve(options, "RobustZScore"));
  }

  fit(X: Matrix): this {
    checkTrainable(this.name, X);
    const med = new Float64Array(X.cols);
    const scale = new Float64Array(X.cols);
    const column = new Float64Array(X.rows);
    for (let j = 0; j < X.cols; j++) {
      for (let i = 0; i < X.rows; i++) column[i] = X.data[i * X.cols + j];
      med[j] = median(column);
      let meanAbs = 0;
      for (let i = 0; i < X.rows; i++) {
        column[i] = Math.abs(column[i] - med[j]);
        meanAbs += column[i] / X.rows;
      }
      // Mostly-constant features (most KDD counts are 0) have MAD 0: then use the mean absolute
      // deviation, scaled to sigma by sqrt(pi / 2) (Iglewicz and Hoaglin 1993, the modified z-score).
      const mad = median(column);
      const spread = mad > 0 ? MAD_TO_SIGMA * mad : MEANAD_TO_SIGMA * meanAbs;
      scale[j] = Math.max(this.opts.minScale, spread);
    }
    this.state = { median: med, scale };
    return this;
  }

  score(X: Matrix): Float64Array {
    const s = fitted(this.name, this.state);
    checkColumns(this.name, s.median.length, X);
    const out = new Float64Array(X.rows);
    for (let i = 0; i < X.rows; i++)
      out[i] = combinedZ(X.data, i * X.cols, s.median, s.scale, this.opts.combine);
    return out;
  }

  scoreOne(x: ArrayLike<number>): number {
    const s = fitted(this.name, this.state);
    checkColumns(this.name, s.median.length, x);
    return combinedZ(x, 0, s.median, s.scale, this.opts.combine);
  }

  toJSON(): DetectorJSON {
    const s = fitted(this.name, this.state);
    return detectorJSON(this.name, this.opts, { median: Array.from(s.median), scale: Array.from(s.scale) });
  }

  static fromJSON(json: DetectorJSON, path = "detector"): RobustZScore {
    const d = new RobustZScore(json.options as ZScoreOptions);
    const st = check.object(json.state, `${path}.state`);
    const median = featureArray(st.median, `${path}.state.median`);
    const scale = check.numbers(st.scale, `${path}.state.scale`, median.length, { above: 0 });
    d.state = { median: Float64Array.from(median), scale: Float64Array.from(scale) };
    return d;
  }
}
