/**
 * Mahalanobis distance from the training mean, sqrt((x - mu)^T S^-1 (x - mu)), with a regularised
 * covariance S = (1 - a) C + a (tr(C) / d) I: shrinkage towards a scaled identity (in the spirit of
 * Ledoit and Wolf 2004) keeps S invertible when features are constant or collinear, as one-hot
 * columns are. S is factored once by Cholesky (ml-matrix); scoring solves with the factor.
 */
import { CholeskyDecomposition, Matrix as MlMatrix } from "ml-matrix";
import { OptionError } from "../core/errors";
import type { Matrix } from "../core/matrix";
import { check } from "../core/schema";
import {
  checkColumns,
  detectorJSON,
  checkTrainable,
  type DetectorJSON,
  featureArray,
  checkOptionKeys,
  fitted,
  type OptionTable,
  type StreamingDetector,
} from "./types";

export interface MahalanobisOptions {
  /** Shrinkage a in [0, 1) towards (tr(C)/d) I. Default 0.01. */
  shrinkage?: number;
}

/** The options of `Mahalanobis`, documented (the registry publishes them). */
export const MAHALANOBIS_OPTIONS: OptionTable<MahalanobisOptions> = {
  shrinkage: { default: 0.01, doc: "shrinkage a in [0, 1) of the covariance towards (tr(C)/d) I" },
};

interface MState {
  mean: Float64Array;
  /** Inverse of the lower Cholesky factor L of S, row-major d x d (lower triangular). */
  whiten: Float64Array;
}

/** The Mahalanobis distance detector. */
export class Mahalanobis implements StreamingDetector {
  readonly name = "Mahalanobis";
  readonly opts: Readonly<Required<MahalanobisOptions>>;
  private state?: MState;

  constructor(options: MahalanobisOptions = {}) {
    checkOptionKeys("Mahalanobis", options, MAHALANOBIS_OPTIONS);
    const shrinkage = options.shrinkage ?? 0.01;
    if (!(shrinkage >= 0 && shrinkage < 1))
      throw new OptionError(`Mahalanobis: shrinkage must be in [0, 1), got ${shrinkage}.`);
    this.opts = Object.freeze({ shrinkage });
  }

  fit(X: Matrix): this {
    checkTrainable(this.name, X);
    const d = X.cols;
    const n = X.rows;
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += X.data[i * d + j];
    for (let j = 0; j < d; j++) mean[j] /= n;
    const cov = new Float64Array(d * d);
    const row = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) row[j] = X.data[i * d + j] - mean[j];
      for (let a = 0; a < d; a++) {
        const ra = row[a];
        if (ra === 0) continue;
        for (let b = 0; b <= a; b++) cov[a * d + b] += ra * row[b];
      }
    }
    let trace = 0;
    for (let a = 0; a < d; a++) trace += cov[a * d + a] / (n - 1);
    // A perfectly constant training set has no spread at all: fall back to the identity.
    const ridge = trace > 0 ? (this.opts.shrinkage * trace) / d : 1;
    const S = new MlMatrix(d, d);
    for (let a = 0; a < d; a++) {
      for (let b = 0; b <= a; b++) {
        const v = (1 - this.opts.shrinkage) * (cov[a * d + b] / (n - 1)) + (a === b ? ridge : 0);
        S.set(a, b, v);
        S.set(b, a, v);
      }
    }
    const chol = new CholeskyDecomposition(S);
    if (!chol.isPositiveDefinite()) {
      throw new OptionError(
        "Mahalanobis: the regularised covariance is not positive definite; raise shrinkage.",
      );
    }
    const Linv = invertLower(chol.lowerTriangularMatrix);
    this.state = { mean, whiten: Linv };
    return this;
  }

  private distance(x: ArrayLike<number>, offset: number, s: MState, diff: Float64Array): number {
    const d = s.mean.length;
    for (let j = 0; j < d; j++) diff[j] = x[offset + j] - s.mean[j];
    let sum = 0;
    for (let a = 0; a < d; a++) {
      let z = 0;
      const base = a * d;
      for (let b = 0; b <= a; b++) z += s.whiten[base + b] * diff[b];
      sum += z * z;
    }
    return Math.sqrt(sum);
  }

  score(X: Matrix): Float64Array {
    const s = fitted(this.name, this.state);
    checkColumns(this.name, s.mean.length, X);
    const diff = new Float64Array(X.cols);
    const out = new Float64Array(X.rows);
    for (let i = 0; i < X.rows; i++) out[i] = this.distance(X.data, i * X.cols, s, diff);
    return out;
  }

  scoreOne(x: ArrayLike<number>): number {
    const s = fitted(this.name, this.state);
    checkColumns(this.name, s.mean.length, x);
    return this.distance(x, 0, s, new Float64Array(s.mean.length));
  }

  toJSON(): DetectorJSON {
    const s = fitted(this.name, this.state);
    return detectorJSON(this.name, this.opts, { mean: Array.from(s.mean), whiten: Array.from(s.whiten) });
  }

  static fromJSON(json: DetectorJSON, path = "detector"): Mahalanobis {
    const m = new Mahalanobis(json.options as MahalanobisOptions);
    const st = check.object(json.state, `${path}.state`);
    const mean = featureArray(st.mean, `${path}.state.mean`);
    const whiten = check.numbers(st.whiten, `${path}.state.whiten`, mean.length ** 2);
    m.state = { mean: Float64Array.from(mean), whiten: Float64Array.from(whiten) };
    return m;
  }
}

/** Inverse of a lower-triangular matrix by forward substitution, row-major. */
function invertLower(L: MlMatrix): Float64Array {
  const d = L.rows;
  const inv = new Float64Array(d * d);
  for (let col = 0; col < d; col++) {
    for (let i = col; i < d; i++) {
      let sum = i === col ? 1 : 0;
      for (let k = col; k < i; k++) sum -= L.get(i, k) * inv[k * d + col];
      inv[i * d + col] = sum / L.get(i, i);
    }
  }
  return inv;
}
