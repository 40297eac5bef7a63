/**
 * One-Class SVM (Schölkopf et al., "Estimating the support of a high-dimensional distribution",
 * Neural Computation 2001) with an RBF kernel, trained by libsvm (libsvm-js, the asm.js build, so
 * `fit` stays synchronous) on a seeded sub-sample of normal traffic. libsvm's `predict` gives only
 * +1 / -1, one row at a time, so scoring uses the trained model itself (support vectors s_i,
 * coefficients a_i and rho, from `serializeModel`): the decision value is
 * f(x) = sum_i a_i exp(-gamma ||x - s_i||^2) - rho (f < 0 outside the learned support), and the
 * anomaly score is -f(x). The kernel is evaluated in batches over each row's non-zero features
 * (one-hot rows are mostly zeros) against the support vectors stored feature-major.
 */
import { OptionError, SchemaError } from "../core/errors";
import type { Matrix } from "../core/matrix";
import { check } from "../core/schema";
import { sampleIndices, seeded } from "../core/random";
import {
  checkColumns,
  detectorJSON,
  checkTrainable,
  type DetectorJSON,
  checkOptionKeys,
  fitted,
  type OptionTable,
  type StreamingDetector,
} from "./types";

export interface OneClassSvmOptions {
  /** nu in (0, 1]: an upper bound on the share of training rows outside the support. Default 0.05. */
  nu?: number;
  /** RBF width; `scale` (default) is 1 / (features x variance of X), as scikit-learn's default. */
  gamma?: number | "scale";
  /** Rows sampled (seeded) from the training data for libsvm. Default 10,000. */
  maxTrainRows?: number;
  /** Seed of the sub-sample. Default 0. */
  seed?: number;
}

/** The options of `OneClassSvm`, documented (the registry publishes them). */
export const ONE_CLASS_SVM_OPTIONS: OptionTable<OneClassSvmOptions> = {
  nu: { default: 0.05, doc: "nu in (0, 1]: upper bound on the share of training rows outside the support" },
  gamma: {
    default: "scale",
    doc: 'RBF width (1/feature units squared); "scale" = 1 / (features x variance of X)',
  },
  maxTrainRows: { default: 10_000, doc: "rows sampled (seeded) from the training data for libsvm" },
  seed: { default: 0, doc: "seed of the sub-sample" },
};

interface SvmState {
  cols: number;
  gamma: number;
  rho: number;
  nSv: number;
  /** Coefficients a_i. */
  coef: Float64Array;
  /** Support vectors feature-major: value of feature j for vector i at j * nSv + i. */
  svT: Float64Array;
  /** ||s_i||^2. */
  svNorm: Float64Array;
}

type LibSvm = {
  new (options: Record<string, unknown>): {
    train(x: number[][], y: number[]): void;
    serializeModel(): string;
    predictOne(x: number[]): number;
    free(): void;
  };
  KERNEL_TYPES: Record<string, number>;
  SVM_TYPES: Record<string, number>;
};

/** The One-Class SVM detector. */
export class OneClassSvm implements StreamingDetector {
  readonly name = "OneClassSvm";
  readonly opts: Readonly<Required<OneClassSvmOptions>>;
  private state?: SvmState;

  constructor(options: OneClassSvmOptions = {}) {
    checkOptionKeys("OneClassSvm", options, ONE_CLASS_SVM_OPTIONS);
    const nu = options.nu ?? 0.05;
    const gamma = options.gamma ?? "scale";
    const maxTrainRows = options.maxTrainRows ?? 10_000;
    if (!(nu > 0 && nu <= 1)) throw new OptionError(`OneClassSvm: nu must be in (0, 1], got ${nu}.`);
    if (gamma !== "scale" && !(gamma > 0))
      throw new OptionError(`OneClassSvm: gamma must be positive or "scale", got ${gamma}.`);
    if (!(Number.isInteger(maxTrainRows) && maxTrainRows >= 2))
      throw new OptionError(`OneClassSvm: maxTrainRows must be an integer >= 2, got ${maxTrainRows}.`);
    this.opts = Object.freeze({ nu, gamma, maxTrainRows, seed: options.seed ?? 0 });
  }

  fit(X: Matrix): this {
    checkTrainable(this.name, X);
    const rows =
      X.rows > this.opts.maxTrainRows
        ? sampleIndices(X.rows, this.opts.maxTrainRows, seeded(this.opts.seed))
        : Int32Array.from({ length: X.rows }, (_, i) => i);
    const data: number[][] = Array.from(rows, (i) =>
      Array.from(X.data.subarray(i * X.cols, (i + 1) * X.cols)),
    );
    const gamma = this.opts.gamma === "scale" ? scaleGamma(data) : this.opts.gamma;
    const SVM = require("libsvm-js/asm") as LibSvm;
    const svm = new SVM({
      kernel: SVM.KERNEL_TYPES.RBF,
      type: SVM.SVM_TYPES.ONE_CLASS,
      gamma,
      nu: this.opts.nu,
      quiet: true,
    });
    try {
      svm.train(data, new Array(data.length).fill(0));
      this.state = parseModel(svm.serializeModel(), X.cols, gamma);
    } finally {
      svm.free();
    }
    return this;
  }

  /** Support vectors in the fitted model. */
  get supportVectors(): number {
    return fitted(this.name, this.state).nSv;
  }

  score(X: Matrix): Float64Array {
    const s = fitted(this.name, this.state);
    checkColumns(this.name, s.cols, X);
    const out = new Float64Array(X.rows);
    const dots = new Float64Array(s.nSv);
    for (let i = 0; i < X.rows; i++) out[i] = decisionScore(s, X.data, i * X.cols, dots);
    return out;
  }

  scoreOne(x: ArrayLike<number>): number {
    const s = fitted(this.name, this.state);
    checkColumns(this.name, s.cols, x);
    return decisionScore(s, x, 0, new Float64Array(s.nSv));
  }

  toJSON(): DetectorJSON {
    const s = fitted(this.name, this.state);
    return detectorJSON(this.name, this.opts, {
      cols: s.cols,
      gamma: s.gamma,
      rho: s.rho,
      nSv: s.nSv,
      coef: Array.from(s.coef),
      svT: Array.from(s.svT),
    });
  }

  static fromJSON(json: DetectorJSON, path = "detector"): OneClassSvm {
    const d = new OneClassSvm(json.options as OneClassSvmOptions);
    const at = `${path}.state`;
    const st = check.object(json.state, at);
    const cols = check.integer(st.cols, `${at}.cols`, { min: 1 });
    const nSv = check.integer(st.nSv, `${at}.nSv`, { min: 1 });
    const svT = Float64Array.from(check.numbers(st.svT, `${at}.svT`, nSv * cols));
    d.state = {
      cols,
      gamma: check.number(st.gamma, `${at}.gamma`, { above: 0 }),
      rho: check.number(st.rho, `${at}.rho`),
      nSv,
      coef: Float64Array.from(check.numbers(st.coef, `${at}.coef`, nSv)),
      svT,
      svNorm: norms(svT, nSv, cols),
    };
    return d;
  }
}

/** -f(x) for the row at `offset`: rho - sum_i a_i exp(-gamma ||x - s_i||^2). Shared by batch and one-row scoring. */
function decisionScore(s: SvmState, x: ArrayLike<number>, offset: number, dots: Float64Array): number {
  const { nSv, svT, svNorm, coef, gamma } = s;
  dots.fill(0);
  let xNorm = 0;
  for (let j = 0; j < s.cols; j++) {
    const v = x[offset + j];
    if (v === 0) continue; // one-hot rows are mostly zeros: skip them
    xNorm += v * v;
    const base = j * nSv;
    for (let k = 0; k < nSv; k++) dots[k] += v * svT[base + k];
  }
  let sum = 0;
  for (let k = 0; k < nSv; k++) {
    const d2 = xNorm + svNorm[k] - 2 * dots[k];
    sum += coef[k] * Math.exp(-gamma * (d2 > 0 ? d2 : 0));
  }
  return s.rho - sum;
}

function norms(svT: Float64Array, nSv: number, cols: number): Float64Array {
  const out = new Float64Array(nSv);
  for (let j = 0; j < cols; j++) for (let k = 0; k < nSv; k++) out[k] += svT[j * nSv + k] ** 2;
  return out;
}

/** scikit-learn's gamma="scale": 1 / (features x variance of all values). */
function scaleGamma(data: number[][]): number {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (const row of data) {
    for (const v of row) {
      n++;
      const delta = v - mean;
      mean += delta / n;
      m2 += delta * (v - mean);
    }
  }
  const variance = m2 / n;
  return variance > 0 ? 1 / (data[0].length * variance) : 1;
}

/**
 * Reads libsvm's model text: header lines (`gamma`, `rho`, `total_sv`), then after `SV` one line per
 * support vector, `coef index:value ...` with 1-based indices and zeros left out.
 * @throws SchemaError when the text is not a one-class RBF model.
 */
export function parseModel(text: string, cols: number, gamma: number): SvmState {
  const lines = text.split("\n");
  const header = new Map<string, string>();
  let i = 0;
  for (; i < lines.length && lines[i].trim() !== "SV"; i++) {
    const [key, ...rest] = lines[i].trim().split(/\s+/);
    header.set(key, rest.join(" "));
  }
  if (header.get("svm_type") !== "one_class" || header.get("kernel_type") !== "rbf") {
    throw new SchemaError(
      `OneClassSvm: expected a one-class RBF libsvm model, got ${header.get("svm_type")} / ${header.get("kernel_type")}.`,
    );
  }
  const vectors = lines.slice(i + 1).filter((l) => l.trim().length > 0);
  const nSv = vectors.length;
  if (nSv !== Number(header.get("total_sv"))) {
    throw new SchemaError(
      `OneClassSvm: the model lists ${header.get("total_sv")} support vectors but holds ${nSv}.`,
    );
  }
  const coef = new Float64Array(nSv);
  const svT = new Float64Array(cols * nSv);
  vectors.forEach((line, k) => {
    const [c, ...pairs] = line.trim().split(/\s+/);
    coef[k] = Number(c);
    for (const pair of pairs) {
      const [index, value] = pair.split(":");
      svT[(Number(index) - 1) * nSv + k] = Number(value);
    }
  });
  return { cols, gamma, rho: Number(header.get("rho")), nSv, coef, svT, svNorm: norms(svT, nSv, cols) };
}

/** One candidate of `tuneOneClassSvm`. */
export interface SvmCandidate {
  nu: number;
  gamma: number;
  supportVectors: number;
  /** Share of validation normals outside the learned support (score > 0). */
  validationOutside: number;
  /** |validationOutside - nu| / nu: 0 when held-out normals fall outside as often as training rows may. */
  relativeError: number;
  fitSeconds: number;
}

/**
 * Chooses nu and gamma on validation normals only (no attack labels): by the nu-property, about a
 * share nu of training rows lies outside the support; a boundary that generalises leaves about the
 * same share of held-out normals outside, while an over-fitted one (gamma too large) leaves far more.
 * The candidate with the smallest relative error wins (the smaller gamma on a tie: the smoother model).
 * Gamma candidates are multiples of scikit-learn's "scale" value.
 */
export function tuneOneClassSvm(
  Xtrain: Matrix,
  Xvalidation: Matrix,
  options: {
    nus?: readonly number[];
    gammaFactors?: readonly number[];
    maxTrainRows?: number;
    seed?: number;
  } = {},
): { best: OneClassSvmOptions; candidates: SvmCandidate[] } {
  const nus = options.nus ?? [0.01, 0.05, 0.1];
  const factors = options.gammaFactors ?? [0.1, 0.3, 1, 3, 10];
  const maxTrainRows = options.maxTrainRows ?? 5_000;
  const seed = options.seed ?? 0;
  const base = (new OneClassSvm({ maxTrainRows: 2, seed }).fit(Xtrain).toJSON().state as { gamma: number })
    .gamma;
  const candidates: SvmCandidate[] = [];
  for (const nu of nus) {
    for (const factor of factors) {
      const gamma = base * factor;
      const started = performance.now();
      const model = new OneClassSvm({ nu, gamma, maxTrainRows, seed }).fit(Xtrain);
      const fitSeconds = (performance.now() - started) / 1000;
      const scores = model.score(Xvalidation);
      let outside = 0;
      for (const s of scores) if (s > 0) outside++;
      const share = outside / scores.length;
      candidates.push({
        nu,
        gamma,
        supportVectors: model.supportVectors,
        validationOutside: share,
        relativeError: Math.abs(share - nu) / nu,
        fitSeconds,
      });
    }
  }
  const best = [...candidates].sort((a, b) => a.relativeError - b.relativeError || a.gamma - b.gamma)[0];
  return { best: { nu: best.nu, gamma: best.gamma, maxTrainRows, seed }, candidates };
}
