/**
 * Detection quality from anomaly scores and true labels (1 = attack): ROC and PR curves, ROC-AUC,
 * average precision, the confusion matrix at a threshold and what follows from it, detection rate at
 * a fixed false-positive rate, per-group detection rates, and bootstrap confidence intervals.
 * Definitions follow scikit-learn's (`roc_auc_score`, `average_precision_score`), and tests check
 * the values side by side with it.
 */
import { OptionError, ShapeError } from "../core/errors";
import { type Rng, randomInt, seeded } from "../core/random";

function check(y: ArrayLike<number>, scores: ArrayLike<number>): void {
  if (y.length !== scores.length)
    throw new ShapeError(`metrics: ${y.length} labels for ${scores.length} scores.`);
}

/** Row order by score, highest first (ties keep a stable order). */
function descending(scores: ArrayLike<number>): Int32Array {
  const order = Int32Array.from({ length: scores.length }, (_, i) => i);
  return order.sort((a, b) => scores[b] - scores[a] || a - b);
}

/**
 * Area under the ROC curve: the probability that a random attack scores above a random normal row,
 * ties counting one half (the Mann-Whitney U statistic).
 * @throws OptionError when only one class is present (the AUC is undefined).
 * @example rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) // 0.75
 */
export function rocAuc(y: ArrayLike<number>, scores: ArrayLike<number>): number {
  check(y, scores);
  const order = Int32Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    const rank = (i + j) / 2 + 1; // average rank of the tied block
    for (let k = i; k <= j; k++) {
      if (y[order[k]]) {
        positives++;
        rankSum += rank;
      }
    }
    i = j + 1;
  }
  const negatives = y.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new OptionError(
      `rocAuc: needs both classes; got ${positives} attacks and ${negatives} normal rows.`,
    );
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Points of the ROC curve, one per distinct score (highest threshold first), starting at (0, 0). */
export interface RocCurve {
  readonly fpr: Float64Array;
  readonly tpr: Float64Array;
  readonly thresholds: Float64Array;
}

/** The ROC curve: at each threshold t, rows with score >= t are flagged. */
export function rocCurve(y: ArrayLike<number>, scores: ArrayLike<number>): RocCurve {
  check(y, scores);
  const order = descending(scores);
  let P = 0;
  for (let i = 0; i < y.length; i++) P += y[i] ? 1 : 0;
  const N = y.length - P;
  const fpr = [0];
  const tpr = [0];
  const thresholds = [Number.POSITIVE_INFINITY];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    if (y[order[k]]) tp++;
    else fp++;
    const last = k + 1 === order.length || scores[order[k + 1]] !== scores[order[k]];
    if (last) {
      fpr.push(N ? fp / N : 0);
      tpr.push(P ? tp / P : 0);
      thresholds.push(scores[order[k]]);
    }
  }
  return {
    fpr: Float64Array.from(fpr),
    tpr: Float64Array.from(tpr),
    thresholds: Float64Array.from(thresholds),
  };
}

/** Precision-recall curve, one point per distinct score (highest threshold first). */
export interface PrCurve {
  readonly precision: Float64Array;
  readonly recall: Float64Array;
  readonly thresholds: Float64Array;
}

/** The precision-recall curve: at each threshold t, rows with score >= t are flagged. */
export function prCurve(y: ArrayLike<number>, scores: ArrayLike<number>): PrCurve {
  const roc = rocCurve(y, scores);
  let P = 0;
  for (let i = 0; i < y.length; i++) P += y[i] ? 1 : 0;
  const N = y.length - P;
  const n = roc.fpr.length - 1;
  const precision = new Float64Array(n);
  const recall = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const tp = roc.tpr[k + 1] * P;
    const fp = roc.fpr[k + 1] * N;
    precision[k] = tp + fp > 0 ? tp / (tp + fp) : 1;
    recall[k] = roc.tpr[k + 1];
  }
  return { precision, recall, thresholds: roc.thresholds.slice(1) };
}

/**
 * Average precision: sum over thresholds of (recall step) x precision, as scikit-learn computes it
 * (no interpolation).
 * @example averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) // 0.8333...
 */
export function averagePrecision(y: ArrayLike<number>, scores: ArrayLike<number>): number {
  const { precision, recall } = prCurve(y, scores);
  let ap = 0;
  let previous = 0;
  for (let k = 0; k < recall.length; k++) {
    ap += (recall[k] - previous) * precision[k];
    previous = recall[k];
  }
  return ap;
}

/** Counts at a threshold: rows with score > threshold are flagged as attacks. */
export interface Confusion {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

/** The confusion matrix when rows scoring above `threshold` are flagged. */
export function confusion(y: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): Confusion {
  check(y, scores);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < y.length; i++) {
    const flagged = scores[i] > threshold;
    if (y[i] && flagged) tp++;
    else if (y[i]) fn++;
    else if (flagged) fp++;
    else tn++;
  }
  return { tp, fp, tn, fn };
}

/** Rates that follow from a confusion matrix (0 where undefined, as scikit-learn's zero_division=0). */
export interface Rates {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly fpr: number;
  readonly accuracy: number;
}

export function rates(c: Confusion): Rates {
  const precision = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0;
  const recall = c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0;
  return {
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    fpr: c.fp + c.tn > 0 ? c.fp / (c.fp + c.tn) : 0,
    accuracy: (c.tp + c.tn) / (c.tp + c.fp + c.tn + c.fn),
  };
}

/**
 * Detection rate (true-positive rate) at a false-positive rate of at most `fpr` on this data:
 * the highest TPR of a ROC point whose FPR does not exceed it.
 */
export function detectionRateAtFpr(y: ArrayLike<number>, scores: ArrayLike<number>, fpr: number): number {
  if (!(fpr >= 0 && fpr <= 1))
    throw new OptionError(`detectionRateAtFpr: fpr must be in [0, 1], got ${fpr}.`);
  const roc = rocCurve(y, scores);
  let best = 0;
  for (let k = 0; k < roc.fpr.length; k++) if (roc.fpr[k] <= fpr + 1e-12) best = Math.max(best, roc.tpr[k]);
  return best;
}

/** Detection rate of each group of attack rows (e.g. DoS, Probe, R2L, U2R; or known vs novel). */
export interface GroupRate {
  readonly group: string;
  readonly rows: number;
  readonly detected: number;
  readonly rate: number;
}

/**
 * Share of each group's rows flagged (score > threshold). `group[i]` indexes `names`; rows whose
 * group is negative are left out (e.g. normal rows).
 */
export function detectionByGroup(
  group: ArrayLike<number>,
  names: readonly string[],
  scores: ArrayLike<number>,
  threshold: number,
): GroupRate[] {
  const rows = new Float64Array(names.length);
  const detected = new Float64Array(names.length);
  for (let i = 0; i < group.length; i++) {
    const g = group[i];
    if (g < 0) continue;
    rows[g]++;
    if (scores[i] > threshold) detected[g]++;
  }
  return names.map((name, g) => ({
    group: name,
    rows: rows[g],
    detected: detected[g],
    rate: rows[g] ? detected[g] / rows[g] : Number.NaN,
  }));
}

/** A point estimate with a percentile bootstrap interval. */
export interface Interval {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

/**
 * Percentile bootstrap confidence interval of a metric (rows resampled with replacement, seeded).
 * @param level e.g. 0.95.
 */
export function bootstrap(
  metric: (y: ArrayLike<number>, scores: ArrayLike<number>) => number,
  y: ArrayLike<number>,
  scores: ArrayLike<number>,
  options: { resamples?: number; level?: number; seed: number },
): Interval {
  check(y, scores);
  const resamples = options.resamples ?? 200;
  const level = options.level ?? 0.95;
  const rng: Rng = seeded(options.seed);
  const n = y.length;
  const yb = new Uint8Array(n);
  const sb = new Float64Array(n);
  const values: number[] = [];
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) {
      const j = randomInt(rng, n);
      yb[i] = y[j] ? 1 : 0;
      sb[i] = scores[j];
    }
    try {
      values.push(metric(yb, sb));
    } catch {
      // a resample with one class only has no AUC: skip it
    }
  }
  values.sort((a, b) => a - b);
  const at = (q: number): number =>
    values[Math.min(values.length - 1, Math.max(0, Math.floor(q * values.length)))];
  return { estimate: metric(y, scores), low: at((1 - level) / 2), high: at(1 - (1 - level) / 2) };
}
