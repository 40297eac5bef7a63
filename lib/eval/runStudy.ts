/**
 * The comparative study as one call: every detector of the configuration on every benchmark, for
 * every seed, through `evaluate` (fit on training normals, threshold on validation normals, test),
 * plus the time-series detectors on the simulated traffic series. The result is one JSON value
 * (`report/results/study.json`) from which notebook 08 and the report are built, so no number in
 * the report is typed by hand.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { ATTACK_CATEGORIES, type AttackCategory } from "../datasets/kdd99";
import type { TestSet } from "./splits";
import { loadSimulated } from "../datasets/generated";
import { captureSeries, type SeriesMetric, type SeriesRow, seriesMatrix } from "../features/timeSeries";
import { createDetector, detectorInfo } from "../detectors/registry";
import type { Detector } from "../detectors/types";
import { DetectiveError, SchemaError } from "../core/errors";
import { MAX_STUDY_RESULTS_BYTES, readInputFile } from "../core/inputFile";
import { writeOutputFile } from "../core/outputFile";
import { projectRoot } from "../core/paths";
import { sampleIndices, seeded } from "../core/random";
import { median } from "../core/stats";
import { studyMode } from "../core/study";
import { loadTensorflow } from "../core/tf";
import { evaluate, evaluateSeries, type TestResult, type WindowResult } from "./evaluate";
import { confusion, prCurve, rates, rocCurve } from "./metrics";
import { buildBenchmark, loadStudyData, type BenchmarkKey } from "./benchmarks";
import type { DetectorSpec, ResolvedStudyConfig } from "./studyConfig";
import { thresholdAtFpr } from "./threshold";

export const STUDY_RESULTS_FORMAT = "detective-study-results";
/** 2: "protocol" renamed "benchmark" (`migrateStudyResults` reads version 1). */
export const STUDY_RESULTS_VERSION = 2;

/**
 * False-positive rates at which each ROC curve is kept: 0, then log-spaced from 1e-4 to 1, so the
 * low-FPR region an operator lives in is drawn in detail and curves of several seeds can be averaged
 * (vertical averaging, Fawcett 2006).
 */
export const ROC_FPR_GRID: readonly number[] = Object.freeze([
  0,
  ...Array.from({ length: 81 }, (_, k) => Number((10 ** (-4 + k / 20)).toPrecision(6))),
]);

/** Recall values at which each precision-recall curve is kept (interpolated precision). */
export const PR_RECALL_GRID: readonly number[] = Object.freeze(Array.from({ length: 51 }, (_, k) => k / 50));

/** Quality at one more threshold policy (a validation false-positive rate). */
export interface PolicyResult {
  readonly fpr: number;
  readonly threshold: number;
  readonly accuracy: number;
  readonly precision: number;
  readonly detectionRate: number;
  readonly falsePositiveRate: number;
  readonly f1: number;
}

/** One detector, one benchmark, one seed, one test set. */
export interface StudyRun extends TestResult {
  /** The benchmark's name ("KDD99", "NSL-KDD", "simulated"). */
  readonly benchmark: string;
  readonly seed: number;
  /** Options the detector was built with (the seed and tuned values included). */
  readonly options: Readonly<Record<string, unknown>>;
  readonly threshold: number;
  readonly validationFpr: number;
  /** Fit time, seconds, including the label-free tuning of detectors that are tuned. */
  readonly fitSeconds: number;
  readonly modelBytes: number;
  readonly trainRows: number;
  /** Where the arithmetic ran (e.g. "wasm" for TensorFlow.js, "js" for typed-array code). */
  readonly backend: string;
  /** The same scores at the `extraFprs` policies. */
  readonly policies: readonly PolicyResult[];
  /** Detection rate at each `ROC_FPR_GRID` false-positive rate. */
  readonly roc: readonly number[];
  /** Interpolated precision at each `PR_RECALL_GRID` recall. */
  readonly pr: readonly number[];
}

/** One time-series detector, one seed, on the simulated mixed capture's series. */
export interface SeriesRun {
  readonly detector: string;
  readonly seed: number;
  readonly threshold: number;
  readonly falseAlarmRate: number;
  readonly fitSeconds: number;
  readonly windows: readonly WindowResult[];
  /** Flagged intervals (indices into `traffic.starts`), for the timeline figure. */
  readonly flagged: readonly number[];
}

/** What the data looked like: counts for the report's data section. */
export interface DataSummary {
  /** The benchmark's name ("KDD99", "NSL-KDD", "simulated"). */
  readonly benchmark: string;
  readonly seed: number;
  readonly trainFileRows: number;
  readonly trainNormalRows: number;
  readonly trainNormalDuplicates: number;
  readonly trainRows: number;
  readonly validationRows: number;
  readonly features: number;
  readonly tests: readonly {
    readonly name: string;
    readonly rows: number;
    readonly scoredRows: number;
    readonly categoryCounts: Readonly<Record<AttackCategory, number>>;
    readonly novelRows: number;
  }[];
}

/** Typical values of a few features per attack category of a test set. */
export interface CategoryProfile {
  /** The benchmark's name ("KDD99", "NSL-KDD", "simulated"). */
  readonly benchmark: string;
  readonly test: string;
  readonly category: AttackCategory;
  readonly rows: number;
  /** Median of each profiled feature. */
  readonly medians: Readonly<Record<string, number>>;
}

/** The simulated mixed capture's traffic per interval, with its attack windows. */
export interface TrafficOverview {
  readonly intervalSeconds: number;
  readonly starts: readonly number[];
  readonly metrics: Readonly<Partial<Record<SeriesMetric, readonly number[]>>>;
  readonly windows: readonly { scenario: string; start: number; end: number }[];
}

/** Everything a study run produced. */
export interface StudyResults {
  readonly format: typeof STUDY_RESULTS_FORMAT;
  readonly version: number;
  readonly config: ResolvedStudyConfig;
  readonly environment: {
    readonly date: string;
    readonly node: string;
    readonly platform: string;
    readonly cpus: number;
    readonly cpuModel: string;
    /** "none" when no neural detector ran. */
    readonly tensorflowBackend: string;
    readonly packages: Readonly<Record<string, string>>;
  };
  readonly wallSeconds: number;
  readonly data: readonly DataSummary[];
  readonly loadReports: Readonly<
    Record<string, { lines: number; rows: number; blankLines: number; rejected: number }>
  >;
  readonly runs: readonly StudyRun[];
  readonly series: readonly SeriesRun[];
  readonly profiles: readonly CategoryProfile[];
  /** Present when the simulated benchmark ran. */
  readonly traffic?: TrafficOverview;
}

/**
 * Fields that change from run to run: timings, and the saved model's size (a neural model saves its
 * training history, timings included, so its JSON can differ by a digit). Everything else repeats.
 */
export const VARYING_FIELDS: readonly string[] = Object.freeze([
  "modelBytes",
  "fitSeconds",
  "scoreRowsPerSecond",
  "wallSeconds",
  "date",
]);

/** Features profiled per category in the report's overview of normal and anomalous traffic. */
export const PROFILED_FEATURES: readonly string[] = Object.freeze([
  "duration",
  "src_bytes",
  "dst_bytes",
  "count",
  "srv_count",
  "serror_rate",
  "same_srv_rate",
  "dst_host_count",
]);

/** Where results are written: the committed full run, or the quick mode's cache. */
export function studyResultsPath(mode: "full" | "quick"): string {
  return mode === "full"
    ? join(projectRoot(), "report", "results", "study.json")
    : join(projectRoot(), ".cache", "study-quick", "results", "study.json");
}

/** Detection rate at each grid false-positive rate (the ROC step function, read from the left). */
export function rocAtGrid(y: ArrayLike<number>, scores: ArrayLike<number>, grid = ROC_FPR_GRID): number[] {
  const roc = rocCurve(y, scores);
  const out: number[] = [];
  let j = 0;
  let best = 0;
  for (const g of grid) {
    while (j < roc.fpr.length && roc.fpr[j] <= g + 1e-12) best = Math.max(best, roc.tpr[j++]);
    out.push(round(best));
  }
  return out;
}

/** Interpolated precision (the best precision at this recall or above) at each grid recall. */
export function prAtGrid(y: ArrayLike<number>, scores: ArrayLike<number>, grid = PR_RECALL_GRID): number[] {
  const pr = prCurve(y, scores);
  const n = pr.recall.length;
  const bestFrom = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) bestFrom[i] = Math.max(bestFrom[i + 1], pr.precision[i]);
  const out: number[] = [];
  let i = 0;
  for (const g of grid) {
    while (i < n && pr.recall[i] < g - 1e-12) i++;
    out.push(round(bestFrom[i]));
  }
  return out;
}

function round(v: number, digits = 6): number {
  return Number.isFinite(v) ? Number(v.toPrecision(digits)) : v;
}

function profiles(benchmark: string, test: TestSet): CategoryProfile[] {
  const out: CategoryProfile[] = [];
  ATTACK_CATEGORIES.forEach((category, code) => {
    const rows: number[] = [];
    for (let i = 0; i < test.category.length; i++) if (test.category[i] === code) rows.push(i);
    if (rows.length === 0) return;
    const medians: Record<string, number> = {};
    for (const name of PROFILED_FEATURES) {
      if (!test.table.has(name)) continue;
      const column = test.table.numeric(name);
      medians[name] = round(median(rows.map((i) => column[i])));
    }
    out.push({ benchmark, test: test.name, category, rows: rows.length, medians });
  });
  return out;
}

function packageVersion(name: string): string {
  try {
    const path = join(projectRoot(), "node_modules", name, "package.json");
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

function specOptions(spec: DetectorSpec, seed: number): Record<string, unknown> {
  return detectorInfo(spec.name).seeded ? { ...spec.options, seed } : { ...spec.options };
}

function backendOf(detector: Detector, tensorflowBackend: string): string {
  const info = detectorInfo(detector.name);
  return info.neural ? tensorflowBackend : info.backend;
}

/** Progress of a study run, for the console. */
export interface StudyProgress {
  readonly step: number;
  readonly steps: number;
  readonly elapsedSeconds: number;
  readonly message: string;
}

export interface RunStudyOptions {
  /** Called before and after each model; default: silent. */
  onProgress?: (progress: StudyProgress) => void;
}

/**
 * Runs the configured study and returns its results (write them with `writeStudyResults`).
 * Deterministic for a configuration and TensorFlow.js backend, except the timing fields
 * (`VARYING_FIELDS`).
 * @example const results = await runStudy(resolveStudyConfig(loadStudyConfig(), "quick"));
 */
export async function runStudy(
  config: ResolvedStudyConfig,
  options: RunStudyOptions = {},
): Promise<StudyResults> {
  const started = performance.now();
  const quick = config.mode === "quick";
  const steps =
    config.benchmarks.length * config.seeds.length * config.detectors.length +
    (config.benchmarks.includes("simulated") ? config.seeds.length * config.series.detectors.length : 0);
  let step = 0;
  const progress = (message: string, advance = false): void => {
    if (advance) step++;
    options.onProgress?.({ step, steps, elapsedSeconds: (performance.now() - started) / 1000, message });
  };
  const needsTf = [...config.detectors, ...config.series.detectors].some((d) => detectorInfo(d.name).neural);
  const tensorflowBackend = needsTf ? (await loadTensorflow(() => {})).backend : "none";
  progress(`loading data for ${config.benchmarks.join(", ")}`);
  const data = await loadStudyData(config.benchmarks);

  const runs: StudyRun[] = [];
  const summaries: DataSummary[] = [];
  const categoryProfiles: CategoryProfile[] = [];
  for (const key of config.benchmarks) {
    for (const seed of config.seeds) {
      const built = buildBenchmark(data, key as BenchmarkKey, {
        seed,
        maxTrainRows: quick ? config.quick.maxTrainRows : undefined,
      });
      const { split, pipeline, name } = built;
      const sampled = new Map<string, Int32Array | undefined>();
      for (const test of split.tests) {
        const n = test.table.rows;
        const cap = config.quick.maxTestRows;
        sampled.set(test.name, quick && n > cap ? sampleIndices(n, cap, seeded(seed)).sort() : undefined);
      }
      summaries.push({
        benchmark: name,
        seed,
        trainFileRows: split.summary.trainFileRows,
        trainNormalRows: split.summary.trainNormalRows,
        trainNormalDuplicates: split.summary.trainNormalDuplicates,
        trainRows: split.summary.trainRows,
        validationRows: split.summary.validationRows,
        features: pipeline.width,
        tests: split.tests.map((t) => ({
          name: t.name,
          rows: t.table.rows,
          scoredRows: sampled.get(t.name)?.length ?? t.table.rows,
          categoryCounts: t.categoryCounts,
          novelRows: t.novelRows,
        })),
      });
      if (seed === config.seeds[0]) for (const t of split.tests) categoryProfiles.push(...profiles(name, t));
      for (const spec of config.detectors) {
        let detectorOptions = specOptions(spec, seed);
        progress(`${name} seed ${seed}: ${spec.name}`);
        let tuneSeconds = 0;
        const tune = detectorInfo(spec.name).tune;
        if (spec.tune && tune) {
          const tuneStarted = performance.now();
          const tuned = tune(
            pipeline.transform(split.train.table, split.train.rows).X,
            pipeline.transform(split.validation.table, split.validation.rows).X,
            { seed, detectorOptions },
          );
          detectorOptions = { ...detectorOptions, ...tuned };
          tuneSeconds = (performance.now() - tuneStarted) / 1000;
        }
        const detector = createDetector(spec.name, detectorOptions);
        const e = evaluate(detector, split, pipeline, {
          fpr: config.fpr,
          testRows: (t) => sampled.get(t.name),
        });
        for (const r of e.results) {
          const s = e.scores[r.test];
          const policies = config.extraFprs.map((fpr): PolicyResult => {
            const threshold = thresholdAtFpr(e.validationScores, fpr);
            const q = rates(confusion(s.y, s.scores, threshold));
            return {
              fpr,
              threshold,
              accuracy: q.accuracy,
              precision: q.precision,
              detectionRate: q.recall,
              falsePositiveRate: q.fpr,
              f1: q.f1,
            };
          });
          runs.push({
            ...r,
            benchmark: name,
            seed,
            options: detectorOptions,
            threshold: e.threshold,
            validationFpr: e.validationFpr,
            fitSeconds: e.fitSeconds + tuneSeconds,
            modelBytes: e.modelBytes,
            trainRows: split.train.rows.length,
            backend: backendOf(detector, tensorflowBackend),
            policies,
            roc: rocAtGrid(s.y, s.scores),
            pr: prAtGrid(s.y, s.scores),
          });
        }
        const first = e.results[0];
        progress(
          `${name} seed ${seed}: ${spec.name} fitted in ${(e.fitSeconds + tuneSeconds).toFixed(1)} s; ${first.test} ROC-AUC ${first.rocAuc.toFixed(3)}, ` +
            `detection ${(first.detectionRate * 100).toFixed(1)}% at ${(first.falsePositiveRate * 100).toFixed(2)}% FPR`,
          true,
        );
      }
    }
  }

  let series: SeriesRun[] = [];
  let traffic: TrafficOverview | undefined;
  if (config.benchmarks.includes("simulated")) {
    ({ series, traffic } = await runSeries(config, progress));
  }
  const cpu = cpus();
  return {
    format: STUDY_RESULTS_FORMAT,
    version: STUDY_RESULTS_VERSION,
    config,
    environment: {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpu.length,
      cpuModel: cpu[0]?.model.trim() ?? "unknown",
      tensorflowBackend,
      packages: Object.fromEntries(
        [
          "@tensorflow/tfjs",
          "@tensorflow/tfjs-backend-wasm",
          "libsvm-js",
          "danfojs-node",
          "tslab",
          "plotly.js-dist-min",
        ].map((p) => [p, packageVersion(p)]),
      ),
    },
    wallSeconds: (performance.now() - started) / 1000,
    data: summaries,
    loadReports: Object.fromEntries(
      Object.entries(data.loadReports).map(([id, r]) => [
        id,
        { lines: r.lines, rows: r.rows, blankLines: r.blankLines, rejected: r.rejected },
      ]),
    ),
    runs,
    series,
    profiles: categoryProfiles,
    traffic,
  };
}

const TRAFFIC_METRICS: readonly SeriesMetric[] = ["packets", "connections", "destinationPorts", "dnsQueries"];

async function runSeries(
  config: ResolvedStudyConfig,
  progress: (message: string, advance?: boolean) => void,
): Promise<{ series: SeriesRun[]; traffic: TrafficOverview }> {
  const intervalSeconds = config.series.intervalSeconds;
  const normal = loadSimulated("sim-normal");
  const mixed = loadSimulated("sim-mixed");
  progress(`simulated traffic series (${intervalSeconds} s intervals)`);
  const normalRows = (await captureSeries(normal.pcap, { intervalSeconds })).total;
  const mixedRows: SeriesRow[] = (await captureSeries(mixed.pcap, { intervalSeconds })).total;
  const train = { X: seriesMatrix(normalRows) };
  const test = { X: seriesMatrix(mixedRows), starts: mixedRows.map((r) => r.start), intervalSeconds };
  const windows = mixed.labels.windows;
  const series: SeriesRun[] = [];
  for (const seed of config.seeds) {
    for (const spec of config.series.detectors) {
      progress(`simulated series seed ${seed}: ${spec.name}`);
      const detector = createDetector(spec.name, specOptions(spec, seed));
      const t0 = performance.now();
      const e = evaluateSeries(detector, train, test, windows, { fpr: config.fpr });
      const fitSeconds = (performance.now() - t0) / 1000;
      const flagged: number[] = [];
      e.flagged.forEach((f, i) => f && flagged.push(i));
      series.push({
        detector: detector.name,
        seed,
        threshold: e.threshold,
        falseAlarmRate: e.falseAlarmRate,
        fitSeconds,
        windows: e.windows,
        flagged,
      });
      const caught = e.windows.filter((w) => w.detected).length;
      progress(
        `simulated series seed ${seed}: ${spec.name}: ${caught}/${e.windows.length} attack windows, ` +
          `${(e.falseAlarmRate * 100).toFixed(2)}% false alarms`,
        true,
      );
    }
  }
  return {
    series,
    traffic: {
      intervalSeconds,
      starts: test.starts,
      metrics: Object.fromEntries(TRAFFIC_METRICS.map((m) => [m, mixedRows.map((r) => Number(r[m]))])),
      windows: windows.map((w) => ({ scenario: w.scenario, start: w.start, end: w.end })),
    },
  };
}

/** Writes results as JSON (NaN as null, which `readStudyResults` turns back into NaN: results hold no other null). */
export function writeStudyResults(results: StudyResults, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeOutputFile(
    path,
    `${JSON.stringify(results, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 1)}\n`,
    { what: "study results" },
  );
}

/** The object with key `from` renamed `to`, in the same place (so a migrated file differs only there). */
function renameKey<T>(value: T, from: string, to: string): T {
  if (!value || typeof value !== "object" || !(from in value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k === from ? to : k, v])) as T;
}

/**
 * Version 1 results (before "protocol" meant only network protocols) as version 2: `protocol`
 * becomes `benchmark` in every run, data summary and category profile, and the configuration's
 * `protocols` becomes `benchmarks`. Every value stays as it was.
 */
export function migrateStudyResults(value: Partial<StudyResults>): Partial<StudyResults> {
  const old = value as Record<string, unknown>;
  const each = (list: unknown): unknown =>
    Array.isArray(list) ? list.map((item) => renameKey(item, "protocol", "benchmark")) : list;
  const migrated = Object.fromEntries(
    Object.entries(old).map(([k, v]) => {
      if (k === "version") return [k, 2];
      if (k === "config") return [k, renameKey(v, "protocols", "benchmarks")];
      if (k === "runs" || k === "data" || k === "profiles") return [k, each(v)];
      return [k, v];
    }),
  );
  return migrated as Partial<StudyResults>;
}

/**
 * Reads results written by `writeStudyResults` (version 1 files are migrated as they are read); by default the study's (the quick mode's under
 * `DETECTIVE_QUICK`, so notebook 08 runs in the test suite).
 * `maxBytes` bounds the file read (default `MAX_STUDY_RESULTS_BYTES`, 500 MiB).
 * @throws SchemaError when the file is missing or is not study results of this version (re-run the
 *   study); ConfigError when it is not a regular file (a FIFO, a device, a folder) or is too large.
 */
export function readStudyResults(
  path = studyResultsPath(studyMode().quick ? "quick" : "full"),
  options: { readonly maxBytes?: number } = {},
): StudyResults {
  let value: Partial<StudyResults>;
  try {
    const text = readInputFile(path, {
      what: "study results",
      maxBytes: options.maxBytes ?? MAX_STUDY_RESULTS_BYTES,
      ifMissing: () => new SchemaError(`study results: ${path} does not exist. Run \`npm run study\` first.`),
    }).toString("utf8");
    value = JSON.parse(text, (_k, v) => (v === null ? Number.NaN : v)) as Partial<StudyResults>;
  } catch (err) {
    // Not a regular file, too large, unreadable: the helper's one line says what and what to do.
    if (err instanceof DetectiveError) throw err;
    throw new SchemaError(
      `study results: cannot read ${path} (${(err as Error).message}). Run \`npm run study\` first.`,
    );
  }
  if (value.format === STUDY_RESULTS_FORMAT && value.version === 1) value = migrateStudyResults(value);
  if (value.format !== STUDY_RESULTS_FORMAT || value.version !== STUDY_RESULTS_VERSION) {
    throw new SchemaError(
      `study results: ${path} is not ${STUDY_RESULTS_FORMAT} version ${STUDY_RESULTS_VERSION} ` +
        `(format "${value.format}", version ${value.version}). Re-run \`npm run study\`.`,
    );
  }
  return value as StudyResults;
}
