/**
 * The model bundle: everything the monitor needs to score traffic exactly as the study did, in one
 * file. The fitted preprocessing pipeline, the fitted detector, the threshold chosen on validation
 * normals, and what an alert needs to explain itself (the normal mean and spread of every encoded
 * feature, the distribution of validation scores). A SHA-256 over the content detects a tampered or
 * truncated file, and a format version refuses bundles this code cannot read.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createDetector, detectorFromJSON, SEEDED_DETECTORS } from "../detectors/registry";
import type { Detector, DetectorJSON } from "../detectors/types";
import { SchemaError } from "../errors";
import { buildStudyProtocol, loadStudyData, type StudyProtocolKey } from "../eval/protocols";
import { thresholdAtFpr } from "../eval/threshold";
import { loadSimulated } from "../data/generated";
import { FeaturePipeline, type PipelineState } from "../features/pipeline";
import { captureSeries, SERIES_METRICS, type SeriesMetric, seriesMatrix } from "../features/timeSeries";
import type { Matrix } from "../matrix";

export const BUNDLE_FORMAT = "detective-model-bundle";
export const BUNDLE_VERSION = 1;

/** How the bundle's model was trained, for the alert log and for auditing. */
export interface BundleTraining {
  /** e.g. "KDD99", "NSL-KDD", "simulated". */
  readonly protocol: string;
  readonly seed: number;
  readonly trainRows: number;
  readonly validationRows: number;
  /** Target false-positive rate on validation normals that set the threshold. */
  readonly fpr: number;
  readonly createdAt: string;
}

/**
 * The volume watch of a bundle: a time-series detector fitted on a normal capture's traffic series
 * (per-interval totals), run beside the record detector so floods, scans and beaconing raise alerts
 * that single records do not.
 */
export interface SeriesWatch {
  readonly detector: Detector;
  readonly threshold: number;
  readonly intervalSeconds: number;
  readonly metrics: readonly SeriesMetric[];
  /** Mean and standard deviation of each metric (log1p) over the normal series, to explain alerts. */
  readonly metricMean: readonly number[];
  readonly metricSd: readonly number[];
}

/** A loaded bundle, ready to score. */
export interface ModelBundle {
  readonly pipeline: FeaturePipeline;
  readonly detector: Detector;
  /** Flag a record when its score is above this. */
  readonly threshold: number;
  readonly training: BundleTraining;
  /** Mean and standard deviation of each encoded feature over the training normals. */
  readonly featureMean: readonly number[];
  readonly featureSd: readonly number[];
  /** Validation normals' scores at the 99th and 99.9th percentiles and their maximum (severity levels). */
  readonly validationScores: { readonly p99: number; readonly p999: number; readonly max: number };
  /** The volume watch, when the bundle has one (trained on a normal capture). */
  readonly series?: SeriesWatch;
}

interface BundleFile {
  readonly format: typeof BUNDLE_FORMAT;
  readonly version: number;
  /** SHA-256 (hex) of the JSON of `content`. */
  readonly sha256: string;
  readonly content: {
    readonly pipeline: PipelineState;
    readonly detector: DetectorJSON;
    readonly threshold: number;
    readonly training: BundleTraining;
    readonly featureMean: readonly number[];
    readonly featureSd: readonly number[];
    readonly validationScores: ModelBundle["validationScores"];
    readonly series?: Omit<SeriesWatch, "detector"> & { readonly detector: DetectorJSON };
  };
}

function columnStats(X: Matrix): { mean: number[]; sd: number[] } {
  const mean = new Float64Array(X.cols);
  const sq = new Float64Array(X.cols);
  for (let i = 0; i < X.rows; i++) for (let j = 0; j < X.cols; j++) mean[j] += X.data[i * X.cols + j];
  for (let j = 0; j < X.cols; j++) mean[j] /= Math.max(X.rows, 1);
  for (let i = 0; i < X.rows; i++)
    for (let j = 0; j < X.cols; j++) sq[j] += (X.data[i * X.cols + j] - mean[j]) ** 2;
  return { mean: Array.from(mean), sd: Array.from(sq, (v) => Math.sqrt(v / Math.max(X.rows - 1, 1))) };
}

/**
 * Fits a volume watch on a normal capture's traffic series: the detector, and its threshold at
 * `fpr` of the normal intervals (as the study's series evaluation does).
 */
export async function trainSeriesWatch(options: {
  detector: string;
  pcap: string;
  intervalSeconds?: number;
  seed?: number;
  fpr?: number;
}): Promise<SeriesWatch> {
  const intervalSeconds = options.intervalSeconds ?? 10;
  const rows = (await captureSeries(options.pcap, { intervalSeconds })).total;
  const X = seriesMatrix(rows);
  const detector = createDetector(
    options.detector,
    SEEDED_DETECTORS.has(options.detector) ? { seed: options.seed ?? 1 } : {},
  ).fit(X);
  const { mean, sd } = columnStats(X);
  return {
    detector,
    threshold: thresholdAtFpr(detector.score(X), options.fpr ?? 0.01),
    intervalSeconds,
    metrics: SERIES_METRICS,
    metricMean: mean,
    metricSd: sd,
  };
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * Makes a bundle from a fitted pipeline and detector: the threshold at `fpr` of the validation
 * normals' scores, and the training normals' feature statistics.
 */
export function makeBundle(
  pipeline: FeaturePipeline,
  detector: Detector,
  data: { train: Matrix; validation: Matrix },
  training: Omit<BundleTraining, "createdAt" | "trainRows" | "validationRows"> & { createdAt?: string },
): ModelBundle {
  const scores = detector.score(data.validation);
  const sorted = Float64Array.from(scores).sort();
  const { train } = data;
  const stats = columnStats(train);
  return {
    pipeline,
    detector,
    threshold: thresholdAtFpr(scores, training.fpr),
    training: {
      ...training,
      createdAt: training.createdAt ?? new Date().toISOString(),
      trainRows: train.rows,
      validationRows: data.validation.rows,
    },
    featureMean: stats.mean,
    featureSd: stats.sd,
    validationScores: {
      p99: quantile(sorted, 0.99),
      p999: quantile(sorted, 0.999),
      max: sorted[sorted.length - 1],
    },
  };
}

/**
 * Trains a bundle the way the study does: a study protocol (its pipeline fitted on training
 * normals), a detector from the registry fitted on them, the threshold on validation normals.
 * Neural detectors need `await loadTensorflow()` first.
 * @example const bundle = await trainBundle({ protocol: "nslKdd", detector: "IsolationForest", seed: 1 });
 */
export async function trainBundle(options: {
  protocol: StudyProtocolKey;
  detector: string;
  detectorOptions?: Record<string, unknown>;
  seed: number;
  fpr?: number;
  /** Also fit a volume watch with this time-series detector on the simulated normal capture. */
  series?: { detector: string; intervalSeconds?: number };
}): Promise<ModelBundle> {
  const data = await loadStudyData([options.protocol]);
  const { protocol, pipeline, name } = buildStudyProtocol(data, options.protocol, { seed: options.seed });
  const train = pipeline.transform(protocol.train.table, protocol.train.rows).X;
  const validation = pipeline.transform(protocol.validation.table, protocol.validation.rows).X;
  const detector = createDetector(options.detector, {
    ...options.detectorOptions,
    ...(SEEDED_DETECTORS.has(options.detector) ? { seed: options.seed } : {}),
  }).fit(train);
  const bundle = makeBundle(
    pipeline,
    detector,
    { train, validation },
    {
      protocol: name,
      seed: options.seed,
      fpr: options.fpr ?? 0.01,
    },
  );
  if (!options.series) return bundle;
  const series = await trainSeriesWatch({
    detector: options.series.detector,
    pcap: loadSimulated("sim-normal").pcap,
    intervalSeconds: options.series.intervalSeconds,
    seed: options.seed,
    fpr: options.fpr,
  });
  return { ...bundle, series };
}

function digest(content: BundleFile["content"]): string {
  return createHash("sha256").update(JSON.stringify(content)).digest("hex");
}

/** Writes a bundle as one JSON file with its checksum. */
export function saveBundle(bundle: ModelBundle, path: string): void {
  const content: BundleFile["content"] = {
    pipeline: bundle.pipeline.toJSON(),
    detector: bundle.detector.toJSON(),
    threshold: bundle.threshold,
    training: bundle.training,
    featureMean: bundle.featureMean,
    featureSd: bundle.featureSd,
    validationScores: bundle.validationScores,
    series: bundle.series && { ...bundle.series, detector: bundle.series.detector.toJSON() },
  };
  const file: BundleFile = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    sha256: digest(content),
    content,
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(file)}\n`);
}

/**
 * Reads a bundle written by `saveBundle`.
 * @throws SchemaError for a file that is not a bundle, one from an incompatible version, or one whose
 *   checksum does not match its content (edited, truncated or corrupted): re-create it with
 *   `detective train` or the study.
 */
export function loadBundle(path: string): ModelBundle {
  let file: Partial<BundleFile>;
  try {
    file = JSON.parse(readFileSync(path, "utf8")) as Partial<BundleFile>;
  } catch (err) {
    throw new SchemaError(
      `model bundle ${path}: cannot read it as JSON (${(err as Error).message}). Re-create it with \`detective train\`.`,
    );
  }
  if (file.format !== BUNDLE_FORMAT) {
    throw new SchemaError(`model bundle ${path}: not a Detective model bundle (format "${file.format}").`);
  }
  if (file.version !== BUNDLE_VERSION) {
    throw new SchemaError(
      `model bundle ${path}: version ${file.version}, this monitor reads version ${BUNDLE_VERSION}. ` +
        "Re-create it with `detective train` from this version of Detective.",
    );
  }
  if (!file.content || file.sha256 !== digest(file.content)) {
    throw new SchemaError(
      `model bundle ${path}: its checksum does not match its content, so it was changed or damaged after it was written. ` +
        "Refusing to load it; re-create it with `detective train`.",
    );
  }
  const c = file.content;
  const pipeline = FeaturePipeline.fromJSON(c.pipeline);
  if (c.featureMean.length !== pipeline.width || c.featureSd.length !== pipeline.width) {
    throw new SchemaError(
      `model bundle ${path}: feature statistics do not match the pipeline's ${pipeline.width} features.`,
    );
  }
  return {
    pipeline,
    detector: detectorFromJSON(c.detector),
    threshold: c.threshold,
    training: c.training,
    featureMean: c.featureMean,
    featureSd: c.featureSd,
    validationScores: c.validationScores,
    series: c.series && { ...c.series, detector: detectorFromJSON(c.series.detector) },
  };
}
