/**
 * Thresholds, kept apart from detectors. The honest one is chosen on normal validation traffic
 * only, for a target false-positive rate; the one chosen on labelled data is optimistic (it has
 * seen the attacks) and is named so.
 */
import { OptionError } from "../core/errors";
import { confusion, rates } from "./metrics";

/**
 * The threshold that flags (score > threshold) at most a share `fpr` of normal validation rows:
 * the (1 - fpr) quantile of their scores (nearest rank).
 * @example thresholdAtFpr(Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 0.1) // 9: only 10 exceeds it
 */
export function thresholdAtFpr(normalScores: ArrayLike<number>, fpr: number): number {
  if (!(fpr >= 0 && fpr < 1)) throw new OptionError(`thresholdAtFpr: fpr must be in [0, 1), got ${fpr}.`);
  if (normalScores.length === 0) throw new OptionError("thresholdAtFpr: no validation scores.");
  const s = Float64Array.from(normalScores).sort();
  const k = Math.ceil((1 - fpr) * s.length) - 1;
  return s[Math.max(0, Math.min(s.length - 1, k))];
}

/**
 * OPTIMISTIC: the threshold with the best F1 on labelled data (it has seen the attacks, so the
 * resulting figures overstate what a deployed detector achieves). For comparison only.
 */
export function optimisticThresholdBestF1(y: ArrayLike<number>, scores: ArrayLike<number>): number {
  const candidates = [...new Set(Array.from(scores))].sort((a, b) => a - b);
  let best = candidates[0];
  let bestF1 = -1;
  // Rows > t are flagged: try every distinct score as t (and just below the smallest).
  for (const t of [candidates[0] - 1, ...candidates]) {
    const f1 = rates(confusion(y, scores, t)).f1;
    if (f1 > bestF1) {
      bestF1 = f1;
      best = t;
    }
  }
  return best;
}
