/**
 * Study results summarised over seeds: for each benchmark, test set and detector, the mean and the
 * spread (sample standard deviation) of every metric. Notebook 08 and the report read these, so the
 * two cannot disagree.
 */
import { OptionError } from "../core/errors";
import type { SeriesRun, StudyResults, StudyRun } from "../eval/runStudy";

/** The mean and spread of a metric over seeds. */
export interface Spread {
  readonly mean: number;
  /** Sample standard deviation (n - 1); 0 for one seed. */
  readonly sd: number;
  readonly n: number;
  /** The values summarised, one per seed in the order of the seeds (NaN where a seed has none). */
  readonly values: readonly number[];
}

/** Metrics summarised per detector and test set. */
export const SUMMARY_METRICS = [
  "rocAuc",
  "averagePrecision",
  "detectionRate",
  "falsePositiveRate",
  "precision",
  "f1",
  "accuracy",
  "detectionAt1pctFpr",
  "DoS",
  "Probe",
  "R2L",
  "U2R",
  "Data",
  "knownAttacks",
  "novelAttacks",
  "fitSeconds",
  "scoreRowsPerSecond",
  "modelBytes",
] as const;

export type SummaryMetric = (typeof SUMMARY_METRICS)[number];

/** One detector on one test set, over the seeds. */
export interface RunSummary {
  readonly benchmark: string;
  readonly test: string;
  readonly detector: string;
  readonly backend: string;
  readonly seeds: readonly number[];
  readonly metrics: Readonly<Record<SummaryMetric, Spread>>;
  /** Detection rate per attack type, mean over seeds. */
  readonly byAttackType: Readonly<Record<string, number>>;
  /** Mean detection rate at each ROC grid point, and interpolated precision at each PR grid point. */
  readonly roc: readonly number[];
  readonly pr: readonly number[];
  /** At each extra threshold policy: mean accuracy, detection rate and false-positive rate. */
  readonly policies: readonly { fpr: number; accuracy: Spread; detectionRate: Spread; falsePositiveRate: Spread }[];
}

/** A time-series detector on one attack window, over the seeds. */
export interface SeriesSummary {
  readonly detector: string;
  readonly falseAlarmRate: Spread;
  /** Per scenario: share of seeds that flagged the window, and mean share of its intervals flagged. */
  readonly windows: readonly { scenario: string; detected: number; intervalsFlagged: number; intervals: number }[];
}

/**
 * Mean and sample standard deviation; NaN values (a category absent from a test set) are left out,
 * and an all-NaN input gives NaN.
 * @example spread([0.9, 0.92, 0.94]) // { mean: 0.92, sd: 0.02, n: 3, values: [0.9, 0.92, 0.94] }
 */
export function spread(values: readonly number[]): Spread {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return { mean: Number.NaN, sd: Number.NaN, n: 0, values: [...values] };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, sd, n: v.length, values: [...values] };
}

function meanArrays(arrays: readonly (readonly number[])[]): number[] {
  return arrays[0].map((_, k) => arrays.reduce((a, r) => a + r[k], 0) / arrays.length);
}

/** Groups the runs by benchmark, test and detector (in the order they ran) and summarises each group. */
export function summarizeRuns(runs: readonly StudyRun[]): RunSummary[] {
  const groups = new Map<string, StudyRun[]>();
  for (const r of runs) {
    const key = `${r.benchmark}\u0000${r.test}\u0000${r.detector}`;
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  return [...groups.values()].map((g) => {
    const first = g[0];
    const metrics = Object.fromEntries(
      SUMMARY_METRICS.map((m) => [m, spread(g.map((r) => Number(r[m])))]),
    ) as Record<SummaryMetric, Spread>;
    const types = [...new Set(g.flatMap((r) => Object.keys(r.byAttackType)))].sort();
    return {
      benchmark: first.benchmark,
      test: first.test,
      detector: first.detector,
      backend: first.backend,
      seeds: g.map((r) => r.seed),
      metrics,
      byAttackType: Object.fromEntries(types.map((t) => [t, spread(g.map((r) => r.byAttackType[t] ?? Number.NaN)).mean])),
      roc: meanArrays(g.map((r) => r.roc)),
      pr: meanArrays(g.map((r) => r.pr)),
      policies: first.policies.map((p, k) => ({
        fpr: p.fpr,
        accuracy: spread(g.map((r) => r.policies[k].accuracy)),
        detectionRate: spread(g.map((r) => r.policies[k].detectionRate)),
        falsePositiveRate: spread(g.map((r) => r.policies[k].falsePositiveRate)),
      })),
    };
  });
}

/** Summarises the time-series runs per detector over the seeds. */
export function summarizeSeries(series: readonly SeriesRun[]): SeriesSummary[] {
  const detectors = [...new Set(series.map((s) => s.detector))];
  return detectors.map((detector) => {
    const g = series.filter((s) => s.detector === detector);
    return {
      detector,
      falseAlarmRate: spread(g.map((s) => s.falseAlarmRate)),
      windows: g[0].windows.map((w, k) => ({
        scenario: w.scenario,
        intervals: w.intervals,
        detected: g.filter((s) => s.windows[k].detected).length / g.length,
        intervalsFlagged: g.reduce((a, s) => a + s.windows[k].flagged, 0) / g.length,
      })),
    };
  });
}

/** The summaries a report or notebook needs, computed once. */
export interface StudySummary {
  readonly results: StudyResults;
  readonly runs: readonly RunSummary[];
  readonly series: readonly SeriesSummary[];
  /** Test sets in the order they ran, with their benchmark. */
  readonly tests: readonly { benchmark: string; test: string }[];
  /** Detectors in configuration order. */
  readonly detectors: readonly string[];
}

/** Summarises a study's results. @example summarizeStudy(readStudyResults()).runs[0].metrics.rocAuc.mean */
export function summarizeStudy(results: StudyResults): StudySummary {
  const runs = summarizeRuns(results.runs);
  const tests: { benchmark: string; test: string }[] = [];
  for (const r of runs) if (!tests.some((t) => t.test === r.test)) tests.push({ benchmark: r.benchmark, test: r.test });
  return {
    results,
    runs,
    series: summarizeSeries(results.series),
    tests,
    detectors: [...new Set(runs.map((r) => r.detector))],
  };
}

/** The summary of one detector on one test set. @throws OptionError when the study did not run it. */
export function runSummary(summary: StudySummary, test: string, detector: string): RunSummary {
  const found = summary.runs.find((r) => r.test === test && r.detector === detector);
  if (!found) throw new OptionError(`runSummary: the study has no ${detector} on ${test}; see summary.tests and summary.detectors.`);
  return found;
}

/**
 * Rows for a notebook table: one per detector and test set, each metric as "mean ± sd" text.
 * @example frame(comparisonRows(summary, "KDDTest+")).print()
 */
export function comparisonRows(
  summary: StudySummary,
  test?: string,
  metrics: readonly SummaryMetric[] = ["rocAuc", "averagePrecision", "detectionAt1pctFpr", "detectionRate", "falsePositiveRate", "f1"],
): Record<string, string>[] {
  const text = (s: Spread): string =>
    Number.isFinite(s.mean) ? (s.n > 1 ? `${s.mean.toFixed(3)} ± ${s.sd.toFixed(3)}` : s.mean.toFixed(3)) : "–";
  return summary.runs
    .filter((r) => test === undefined || r.test === test)
    .map((r) => ({
      test: r.test,
      detector: r.detector,
      ...Object.fromEntries(metrics.map((m) => [m, text(r.metrics[m])])),
    }));
}
