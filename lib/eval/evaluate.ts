/**
 * The study's evaluation as one call: fit a detector on the training normals, choose
 * its threshold on the held-out validation normals for a target false-positive rate (never on test
 * data), then measure every test set: ROC-AUC, average precision, the rates at that threshold,
 * detection at a fixed false-positive rate, per attack category, known versus novel attack types,
 * and the cost (fit time, scoring throughput, model size).
 */
import { ATTACK_CATEGORIES, LABEL_COLUMN } from "../datasets/kdd99";
import type { Split, TestSet } from "./splits";
import type { Detector } from "../detectors/types";
import type { FeaturePipeline } from "../features/pipeline";
import { averagePrecision, confusion, detectionByGroup, detectionRateAtFpr, rates, rocAuc } from "./metrics";
import { thresholdAtFpr } from "./threshold";

export interface EvaluationOptions {
  /** Target false-positive rate for the threshold, chosen on validation normals. Default 0.01. */
  fpr?: number;
  /** Rows of each test set to score (e.g. a sample in quick mode); default all. */
  testRows?: (test: TestSet) => ArrayLike<number> | undefined;
}

/** One detector on one test set. */
export interface TestResult {
  detector: string;
  test: string;
  rows: number;
  rocAuc: number;
  averagePrecision: number;
  /** At the threshold chosen on validation normals: */
  precision: number;
  detectionRate: number;
  f1: number;
  falsePositiveRate: number;
  accuracy: number;
  /** Detection rate at 1% false positives on this test set (a point of its ROC curve). */
  detectionAt1pctFpr: number;
  DoS: number;
  Probe: number;
  R2L: number;
  U2R: number;
  /** DARPA 1999's fifth category (simulated tunnelling, exfiltration, C2); NaN for KDD files. */
  Data: number;
  knownAttacks: number;
  novelAttacks: number;
  scoreRowsPerSecond: number;
  /** Detection rate per attack type (label) at the threshold. */
  byAttackType: Record<string, number>;
}

/** A detector's evaluation over a split. */
export interface Evaluation {
  readonly detector: Detector;
  readonly threshold: number;
  /** Share of validation normals above the threshold (close to the target by construction). */
  readonly validationFpr: number;
  /** Scores of the validation normals (for other threshold policies). */
  readonly validationScores: Float64Array;
  readonly fitSeconds: number;
  /** Size of the saved model (JSON), bytes. */
  readonly modelBytes: number;
  readonly results: TestResult[];
  /** Scores of each test set (of the rows scored), for figures. */
  readonly scores: Record<string, { y: Uint8Array; category: Uint8Array; scores: Float64Array }>;
}

function pick<T extends Uint8Array>(values: T, rows: ArrayLike<number> | undefined): T {
  if (!rows) return values;
  const out = new (values.constructor as new (n: number) => T)(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = values[rows[k]];
  return out;
}

/**
 * Fits `detector` on the split's training rows, thresholds it on the validation rows, and
 * evaluates it on every test set, all through the fitted `pipeline`.
 * @example const e = evaluate(new IsolationForest({ seed: 1 }), split, pipeline); frame(e.results).print()
 */
export function evaluate(
  detector: Detector,
  split: Split,
  pipeline: FeaturePipeline,
  options: EvaluationOptions = {},
): Evaluation {
  const fpr = options.fpr ?? 0.01;
  const Xtrain = pipeline.transform(split.train.table, split.train.rows).X;
  let started = performance.now();
  detector.fit(Xtrain);
  const fitSeconds = (performance.now() - started) / 1000;
  const validationScores = detector.score(
    pipeline.transform(split.validation.table, split.validation.rows).X,
  );
  const threshold = thresholdAtFpr(validationScores, fpr);
  let above = 0;
  for (const s of validationScores) if (s > threshold) above++;
  const results: TestResult[] = [];
  const scores: Evaluation["scores"] = {};
  for (const test of split.tests) {
    const rows = options.testRows?.(test);
    const X = pipeline.transform(test.table, rows).X;
    started = performance.now();
    const s = detector.score(X);
    const seconds = (performance.now() - started) / 1000;
    const y = pick(test.y, rows);
    const category = pick(test.category, rows);
    const novel = pick(test.novel, rows);
    const r = rates(confusion(y, s, threshold));
    // Attack rows only: category codes 1..4 index DoS..U2R; -1 leaves normal rows out.
    const categoryGroup = Int8Array.from(category, (c) => (c === 0 ? -1 : c - 1));
    const byCategory = detectionByGroup(categoryGroup, ATTACK_CATEGORIES.slice(1), s, threshold);
    const noveltyGroup = Int8Array.from(y, (v, i) => (v ? novel[i] : -1));
    const [known, novelRate] = detectionByGroup(noveltyGroup, ["known", "novel"], s, threshold);
    const label = test.table.symbolic(LABEL_COLUMN);
    // Attack rows grouped by their label (attack type); normal rows left out.
    const typeGroup = Int32Array.from({ length: y.length }, (_, k) =>
      y[k] ? label.codes[rows ? rows[k] : k] : -1,
    );
    const byAttackType = Object.fromEntries(
      detectionByGroup(typeGroup, label.dictionary, s, threshold)
        .filter((g) => g.rows > 0)
        .map((g) => [g.group, g.rate]),
    );
    results.push({
      detector: detector.name,
      test: test.name,
      rows: X.rows,
      rocAuc: rocAuc(y, s),
      averagePrecision: averagePrecision(y, s),
      precision: r.precision,
      detectionRate: r.recall,
      f1: r.f1,
      falsePositiveRate: r.fpr,
      accuracy: r.accuracy,
      detectionAt1pctFpr: detectionRateAtFpr(y, s, 0.01),
      DoS: byCategory[0].rate,
      Probe: byCategory[1].rate,
      R2L: byCategory[2].rate,
      U2R: byCategory[3].rate,
      Data: byCategory[4].rate,
      knownAttacks: known.rate,
      novelAttacks: novelRate.rate,
      scoreRowsPerSecond: X.rows / Math.max(seconds, 1e-9),
      byAttackType,
    });
    scores[test.name] = { y, category, scores: s };
  }
  return {
    detector,
    threshold,
    validationFpr: above / validationScores.length,
    validationScores,
    fitSeconds,
    modelBytes: Buffer.byteLength(JSON.stringify(detector.toJSON())),
    results,
    scores,
  };
}

/** How a time-series detector did on one attack window. */
export interface WindowResult {
  detector: string;
  scenario: string;
  intervals: number;
  flagged: number;
  /** At least one interval of the window was flagged. */
  detected: boolean;
  peakScore: number;
}

/** A time-series detector's evaluation on a labelled series. */
export interface SeriesEvaluation {
  readonly threshold: number;
  /** Share of intervals outside every attack window that were flagged. */
  readonly falseAlarmRate: number;
  readonly windows: WindowResult[];
  /** Scores of the test series, and whether each interval was flagged. */
  readonly scores: Float64Array;
  readonly flagged: Uint8Array;
}

/**
 * Fits a time-series detector on a normal series, chooses the threshold on it for a target
 * false-positive rate, then scores a test series and reports each attack window (an interval counts
 * for a window when it overlaps it) and the false alarms outside all windows.
 */
export function evaluateSeries(
  detector: Detector,
  normal: { X: { data: Float32Array; rows: number; cols: number } },
  test: {
    X: { data: Float32Array; rows: number; cols: number };
    starts: ArrayLike<number>;
    intervalSeconds: number;
  },
  windows: readonly { scenario: string; start: number; end: number }[],
  options: { fpr?: number } = {},
): SeriesEvaluation {
  detector.fit(normal.X);
  const threshold = thresholdAtFpr(detector.score(normal.X), options.fpr ?? 0.01);
  const scores = detector.score(test.X);
  const flagged = Uint8Array.from(scores, (s) => (s > threshold ? 1 : 0));
  const inside = (i: number, w: { start: number; end: number }): boolean =>
    test.starts[i] + test.intervalSeconds > w.start && test.starts[i] < w.end;
  let outside = 0;
  let falseAlarms = 0;
  for (let i = 0; i < scores.length; i++) {
    if (windows.some((w) => inside(i, w))) continue;
    outside++;
    falseAlarms += flagged[i];
  }
  return {
    threshold,
    falseAlarmRate: outside ? falseAlarms / outside : Number.NaN,
    windows: windows.map((w) => {
      const idx = Array.from(scores.keys()).filter((i) => inside(i, w));
      const hits = idx.filter((i) => flagged[i]).length;
      return {
        detector: detector.name,
        scenario: w.scenario,
        intervals: idx.length,
        flagged: hits,
        detected: hits > 0,
        peakScore: Math.max(...idx.map((i) => scores[i])),
      };
    }),
    scores,
    flagged,
  };
}
