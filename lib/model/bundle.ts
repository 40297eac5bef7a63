/**
 * The model bundle's format: everything the monitor needs to score traffic exactly as the study did, in one
 * file. The fitted preprocessing pipeline, the fitted detector, the threshold chosen on validation
 * normals, and what an alert needs to explain itself (the normal mean and spread of every encoded
 * feature, the distribution of validation scores). A SHA-256 over the content is an integrity check
 * (it finds a truncated or corrupted file), and a format version refuses bundles this code cannot
 * read. Training a bundle is evaluation's job (`eval/trainBundle.ts`); this file only reads and writes.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { detectorFromJSON } from "../detectors/registry";
import type { Detector, DetectorJSON } from "../detectors/types";
import { SchemaError } from "../core/errors";
import { FeaturePipeline, type PipelineState } from "../features/pipeline";
import type { SeriesMetric } from "../features/timeSeries";

export const BUNDLE_FORMAT = "detective-model-bundle";
export const BUNDLE_VERSION = 1;

/** How the bundle's model was trained, for the alert log and for auditing. */
export interface BundleTraining {
  /** The benchmark whose training normals fitted the model, e.g. "KDD99", "NSL-KDD", "simulated". */
  readonly benchmark: string;
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

/** The training record, from bundles written before "protocol" was renamed "benchmark" as well. */
function readTraining(training: BundleTraining & { readonly protocol?: string }): BundleTraining {
  if (training.benchmark !== undefined || training.protocol === undefined) return training;
  const { protocol, ...rest } = training;
  return { ...rest, benchmark: protocol };
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
    training: readTraining(c.training),
    featureMean: c.featureMean,
    featureSd: c.featureSd,
    validationScores: c.validationScores,
    series: c.series && { ...c.series, detector: detectorFromJSON(c.series.detector) },
  };
}
