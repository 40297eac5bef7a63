/**
 * The rows notebooks show of evaluations (quality, per category, cost, per attack type), and the
 * quick mode's test-set sample: one definition each instead of a copy per notebook.
 */
import { seeded, sampleIndices } from "../core/random";
import { type StudyMode, studyMode } from "../core/study";
import type { Evaluation, TestResult } from "./evaluate";
import type { TestSet } from "./splits";

/** Test rows scored in quick mode (the test suite); the study scores every row. */
export const QUICK_TEST_ROWS = 30_000;

/**
 * `evaluate`'s `testRows` option for the mode: in quick mode a seeded sample of `QUICK_TEST_ROWS`
 * rows of a larger test set, in the study every row (undefined).
 * @example evaluate(detector, split, pipeline, { testRows: quickTestRows(SEED) })
 */
export function quickTestRows(
  seed: number,
  mode: StudyMode = studyMode(),
  limit = QUICK_TEST_ROWS,
): (test: TestSet) => ArrayLike<number> | undefined {
  return (test) =>
    mode.quick && test.table.rows > limit ? sampleIndices(test.table.rows, limit, seeded(seed)) : undefined;
}

/** Ranking quality and the rates at the validation threshold of one test result. */
export function qualityRow(r: TestResult, detector: string = r.detector) {
  return {
    detector,
    test: r.test,
    rocAuc: r.rocAuc,
    averagePrecision: r.averagePrecision,
    detectionRate: r.detectionRate,
    falsePositiveRate: r.falsePositiveRate,
    f1: r.f1,
    detectionAt1pctFpr: r.detectionAt1pctFpr,
  };
}

/** Detection rate per attack category and for known and novel attack types. */
export function categoryRow(r: TestResult, detector: string = r.detector) {
  return {
    detector,
    test: r.test,
    DoS: r.DoS,
    Probe: r.Probe,
    R2L: r.R2L,
    U2R: r.U2R,
    knownAttacks: r.knownAttacks,
    novelAttacks: r.novelAttacks,
  };
}

/** What an evaluation cost: fit time, model size, and scoring throughput on its first test set. */
export function costRow(e: Evaluation, detector: string = e.detector.name) {
  return {
    detector,
    test: e.results[0]?.test ?? "",
    fitSeconds: e.fitSeconds,
    modelKB: e.modelBytes / 1024,
    scoreRowsPerSecond: e.results[0]?.scoreRowsPerSecond ?? Number.NaN,
  };
}

/** Quality at the threshold and the detection rate of each attack type (the simulated scenarios). */
export function attackTypeRow(r: TestResult, detector: string = r.detector): Record<string, string | number> {
  return {
    detector,
    rocAuc: r.rocAuc,
    detectionRate: r.detectionRate,
    falsePositiveRate: r.falsePositiveRate,
    ...r.byAttackType,
  };
}
