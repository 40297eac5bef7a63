/**
 * The model bundle's format: everything the monitor needs to score traffic exactly as the study did, in one
 * file. The fitted preprocessing pipeline, the fitted detector, the threshold chosen on validation
 * normals, and what an alert needs to explain itself (the normal mean and spread of every encoded
 * feature, the distribution of validation scores). A SHA-256 over the content is an integrity check:
 * it finds a truncated or corrupted file, not a deliberate edit (whoever edits the file can
 * recompute it). An optional HMAC-SHA-256 signature over the same content, made with a secret key
 * (`bundleKey`), is what detects tampering: with a key configured, the loader refuses a bundle that is
 * unsigned or whose signature does not verify. A format version refuses bundles this code cannot
 * read. Training a bundle is evaluation's job (`eval/trainBundle.ts`); this file only reads and writes.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { detectorFromJSON } from "../detectors/registry";
import type { Detector, DetectorJSON } from "../detectors/types";
import { DataError, DetectiveError, IntegrityError, SchemaError } from "../core/errors";
import { MAX_BUNDLE_BYTES, readInputFile } from "../core/inputFile";
import { writeOutputFile } from "../core/outputFile";
import { check, describeValue, violation } from "../core/schema";
import { KDD_FEATURES } from "../datasets/kdd99";
import { FeaturePipeline, type PipelineState } from "../features/pipeline";
import { SERIES_METRICS, type SeriesMetric } from "../features/timeSeries";
import { type BundleKey, keyBytes } from "./bundleKey";

export const BUNDLE_FORMAT = "detective-model-bundle";
/**
 * The file format's version. The signature is an optional field, so signing did not change it:
 * version 1 files written before signatures existed still load (as unsigned bundles).
 */
export const BUNDLE_VERSION = 1;
/** The one signature algorithm: HMAC (RFC 2104) with SHA-256 over the JSON of the bundle's content. */
export const BUNDLE_SIGNATURE_ALG = "HMAC-SHA-256";

/** The shortest volume-watch interval a bundle may have, in seconds (and `train --interval`'s least). */
export const MIN_SERIES_INTERVAL_SECONDS = 1;
/** The longest volume-watch interval, in seconds: a day (and `train --interval`'s most). */
export const MAX_SERIES_INTERVAL_SECONDS = 86_400;
/**
 * A benchmark's name in a bundle: a short plain name ("KDD99", "NSL-KDD", "simulated", or a
 * caller's own from `makeBundle`), 1 to 64 letters, digits, spaces, dots, dashes and underscores.
 */
const BENCHMARK_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
/** An ISO 8601 date and time in UTC or with an offset, as `Date.toISOString` writes it. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
/** The columns a bundle's pipeline may read: the 41 KDD features (records and packets carry them). */
const KDD_FEATURE_NAMES: readonly string[] = KDD_FEATURES.map((f) => f.name);

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

/** A bundle's signature: HMAC-SHA-256 (hex) of the same JSON of the content that `sha256` covers. */
export interface BundleSignature {
  readonly alg: typeof BUNDLE_SIGNATURE_ALG;
  /** Which key signed it, when the signer named the key (for rotating keys). */
  readonly keyId?: string;
  readonly value: string;
}

interface BundleFile {
  readonly format: typeof BUNDLE_FORMAT;
  readonly version: number;
  /** SHA-256 (hex) of the JSON of `content`: an integrity check (corruption), not proof of origin. */
  readonly sha256: string;
  /** Present when the bundle was saved with a key. */
  readonly signature?: BundleSignature;
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

function hmac(key: Buffer, content: BundleFile["content"]): Buffer {
  return createHmac("sha256", key).update(JSON.stringify(content)).digest();
}

/** Options of `saveBundle`. */
export interface SaveBundleOptions {
  /** Sign the bundle with this key (see `bundleKey`); default: unsigned. */
  readonly key?: BundleKey;
}

/** Options of `loadBundle` and `readBundle`. */
export interface LoadBundleOptions {
  /**
   * Require a signature made with this key, and verify it. Default: none (only the integrity
   * check; a signed bundle loads unverified).
   */
  readonly key?: BundleKey;
  /** The largest file read, in bytes. Default `MAX_BUNDLE_BYTES` (256 MiB). */
  readonly maxBytes?: number;
}

/** A loaded bundle and what its signature check found. */
export interface LoadedBundle {
  readonly bundle: ModelBundle;
  /**
   * `verified`: signed, and the signature matches the key given. `unverified`: signed, but no key
   * was given to check it. `unsigned`: no signature (accepted only without a key).
   */
  readonly signature: "verified" | "unverified" | "unsigned";
  /** The signature's key id, when it has one. */
  readonly keyId?: string;
}

/**
 * Writes a bundle as one JSON file with its checksum and, given a key, its HMAC-SHA-256 signature.
 * @example saveBundle(bundle, "bundle.json", { key: bundleKey() })
 */
export function saveBundle(bundle: ModelBundle, path: string, options: SaveBundleOptions = {}): void {
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
  const key = options.key;
  const file: BundleFile = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    sha256: digest(content),
    ...(key && {
      signature: {
        alg: BUNDLE_SIGNATURE_ALG,
        ...(key.keyId !== undefined && { keyId: key.keyId }),
        value: hmac(keyBytes(key), content).toString("hex"),
      },
    }),
    content,
  };
  mkdirSync(dirname(path), { recursive: true });
  writeOutputFile(path, `${JSON.stringify(file)}\n`, { what: "model bundle" });
}

/**
 * Reads a bundle written by `saveBundle`, with the key's verification when one is given.
 * @throws DataError when the file does not exist; ConfigError when it is not a regular file (a
 *   FIFO, a device, a folder) or is larger than `maxBytes`; PermissionError or IoError when it
 *   cannot be read; SchemaError for a file that is
 *   not a bundle or is from an incompatible version; IntegrityError when its checksum does not match
 *   its content (damaged or edited), when a key is given and the bundle is unsigned or its
 *   signature does not verify, or when a field of an intact bundle is malformed (naming the field).
 *   Each message says what to do (mostly: re-create it with
 *   `detective train`).
 */
export function loadBundle(path: string, options: LoadBundleOptions = {}): ModelBundle {
  return readBundle(path, options).bundle;
}

/**
 * `loadBundle`, also reporting what the signature check found: a caller without a key learns that a
 * signed bundle was not verified (the CLI warns).
 */
export function readBundle(path: string, options: LoadBundleOptions = {}): LoadedBundle {
  const text = readInputFile(path, {
    what: "model bundle",
    maxBytes: options.maxBytes ?? MAX_BUNDLE_BYTES,
    ifMissing: () =>
      new DataError(
        `model bundle ${path} does not exist. Make one with \`detective train --benchmark simulated --detector Mahalanobis --out ${path}\`.`,
      ),
  }).toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SchemaError(
      `model bundle ${path}: cannot read it as JSON (${(err as Error).message}). Re-create it with \`detective train\`.`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new SchemaError(
      `model bundle ${path}: not a Detective model bundle (bundle must be an object, got ${describeValue(parsed)}). ` +
        "Re-create it with `detective train`.",
    );
  }
  const file = parsed as Partial<BundleFile>;
  if (file.format !== BUNDLE_FORMAT) {
    throw new SchemaError(
      `model bundle ${path}: not a Detective model bundle (format ${JSON.stringify(file.format) ?? "missing"}). ` +
        "Re-create it with `detective train`.",
    );
  }
  if (file.version !== BUNDLE_VERSION) {
    throw new SchemaError(
      `model bundle ${path}: version ${JSON.stringify(file.version) ?? "missing"}, this monitor reads version ${BUNDLE_VERSION}. ` +
        "Re-create it with `detective train` from this version of Detective.",
    );
  }
  refuseMalformed(path, () => {
    if (file.content === undefined)
      violation("bundle.content", "the bundle's content (an object)", undefined);
    check.string(file.sha256, "bundle.sha256");
  });
  const content = file.content as BundleFile["content"];
  if (file.sha256 !== digest(content)) {
    throw new IntegrityError(
      `model bundle ${path}: its checksum does not match its content, so it was changed or damaged after it was written. ` +
        "Refusing to load it; re-create it with `detective train`.",
    );
  }
  const signature = refuseMalformed(path, () =>
    check.optional(file.signature, "bundle.signature", (v, at) => {
      const sig = check.object(v, at);
      check.string(sig.alg, `${at}.alg`);
      check.optional(sig.keyId, `${at}.keyId`, (k, p) => check.string(k, p));
      check.string(sig.value, `${at}.value`);
      return sig as unknown as BundleSignature;
    }),
  );
  const status = checkSignature(path, content, signature, options.key);
  return {
    bundle: refuseMalformed(path, () => fromContent(content)),
    signature: status,
    keyId: signature?.keyId,
  };
}

/**
 * Runs a check of the bundle's content, turning its SchemaError (which names the field) into the
 * bundle's IntegrityError: which file, which field, and what to do.
 */
function refuseMalformed<T>(path: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (!(err instanceof SchemaError) || err instanceof IntegrityError) throw err;
    throw new IntegrityError(
      `model bundle ${path}: ${err.message.replace(/\.$/, "")}. ` +
        "Refusing to load it; re-create it with `detective train`.",
    );
  }
}

/** The signature check of `readBundle`; throws when a key is given and the bundle does not verify with it. */
function checkSignature(
  path: string,
  content: BundleFile["content"],
  signature: BundleSignature | undefined,
  key: BundleKey | undefined,
): LoadedBundle["signature"] {
  if (!key) return signature ? "unverified" : "unsigned";
  if (!signature) {
    throw new IntegrityError(
      `model bundle ${path} is not signed, and a bundle key is configured (${key.source ?? "given"}), so only bundles signed with it are accepted. ` +
        "Re-create it with `detective train` with the same key configured.",
    );
  }
  if (signature.alg !== BUNDLE_SIGNATURE_ALG) {
    throw new IntegrityError(
      `model bundle ${path}: signature algorithm "${signature.alg}" is not supported (only ${BUNDLE_SIGNATURE_ALG}). Re-create it with \`detective train\`.`,
    );
  }
  const expected = hmac(keyBytes(key), content);
  const actual = /^[0-9a-f]*$/i.test(signature.value ?? "")
    ? Buffer.from(signature.value, "hex")
    : Buffer.alloc(0);
  // Lengths are public (always 32 bytes); the bytes are compared in constant time.
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new IntegrityError(
      `model bundle ${path}: its signature does not verify with the configured key (${key.source ?? "given"}${signature.keyId ? `; it names key "${signature.keyId}"` : ""}): ` +
        "it was changed after it was signed, or signed with another key. Refusing to load it; re-create it with `detective train` and the right key.",
    );
  }
  return "verified";
}

/** The training record, checked (a bundle written before "protocol" was renamed "benchmark" has that). */
function checkTraining(value: unknown, path: string): BundleTraining {
  const t = check.object(value, path);
  const legacy = t.benchmark === undefined && t.protocol !== undefined;
  const benchmarkPath = `${path}.${legacy ? "protocol" : "benchmark"}`;
  const benchmark = check.string(legacy ? t.protocol : t.benchmark, benchmarkPath);
  if (!BENCHMARK_NAME.test(benchmark))
    violation(benchmarkPath, 'a benchmark\'s name (e.g. "simulated", "NSL-KDD")', benchmark);
  check.integer(t.seed, `${path}.seed`);
  check.integer(t.trainRows, `${path}.trainRows`, { min: 0 });
  check.integer(t.validationRows, `${path}.validationRows`, { min: 0 });
  check.number(t.fpr, `${path}.fpr`, { above: 0, below: 1 });
  const createdAt = check.string(t.createdAt, `${path}.createdAt`);
  if (!ISO_TIME.test(createdAt) || !Number.isFinite(Date.parse(createdAt)))
    violation(`${path}.createdAt`, "an ISO 8601 time (e.g. 2026-03-02T08:00:00.000Z)", createdAt);
  return readTraining(t as unknown as BundleTraining & { readonly protocol?: string });
}

/**
 * Scores one row of zeros, so a detector whose state does not fit its input (another column count)
 * or scores nothing usable (NaN, Infinity) is refused on load rather than when traffic arrives.
 */
function checkScores(detector: Detector, width: number, path: string): void {
  let score: number;
  try {
    score = detector.score({ data: new Float32Array(width), rows: 1, cols: width })[0];
  } catch (err) {
    if (!(err instanceof DetectiveError))
      throw new SchemaError(`${path} cannot score (${(err as Error).message}).`);
    throw new SchemaError(`${path} does not fit its ${width} input features: ${err.message}`);
  }
  if (!Number.isFinite(score))
    throw new SchemaError(`${path} scores a row of zeros as ${score}, not a finite number.`);
}

/** A bundle's pipeline reads only KDD features (the monitor's records have no other columns). */
function checkColumns(pipeline: FeaturePipeline, path: string): void {
  const state = pipeline.toJSON();
  const known = (name: string, at: string): void => {
    if (!KDD_FEATURE_NAMES.includes(name)) violation(at, "the name of one of the 41 KDD features", name);
  };
  state.options.columns.forEach((name, i) => known(name, `${path}.options.columns[${i}]`));
  state.steps.forEach((step, i) => known(step.column, `${path}.steps[${i}].column`));
}

/** The loaded bundle from its content, every field checked (`content` as parsed: nothing trusted). */
function fromContent(content: BundleFile["content"]): ModelBundle {
  const at = "bundle.content";
  const c = check.object(content, at);
  const pipeline = FeaturePipeline.fromJSON(c.pipeline, `${at}.pipeline`);
  checkColumns(pipeline, `${at}.pipeline`);
  const width = pipeline.width;
  const detector = detectorFromJSON(c.detector, `${at}.detector`);
  checkScores(detector, width, `${at}.detector`);
  const scores = check.object(c.validationScores, `${at}.validationScores`);
  const series = check.optional(c.series, `${at}.series`, (v, p) => {
    const s = check.object(v, p);
    const metrics = check.arrayOf(s.metrics, `${p}.metrics`, (m, mp) => check.oneOf(m, mp, SERIES_METRICS));
    if (metrics.length === 0) violation(`${p}.metrics`, "a non-empty array of series metrics", metrics);
    const seriesDetector = detectorFromJSON(s.detector, `${p}.detector`);
    checkScores(seriesDetector, metrics.length, `${p}.detector`);
    return {
      detector: seriesDetector,
      threshold: check.number(s.threshold, `${p}.threshold`),
      intervalSeconds: check.number(s.intervalSeconds, `${p}.intervalSeconds`, {
        min: MIN_SERIES_INTERVAL_SECONDS,
        max: MAX_SERIES_INTERVAL_SECONDS,
      }),
      metrics,
      metricMean: check.numbers(s.metricMean, `${p}.metricMean`, metrics.length),
      metricSd: check.numbers(s.metricSd, `${p}.metricSd`, metrics.length, { min: 0 }),
    };
  });
  return {
    pipeline,
    detector,
    threshold: check.number(c.threshold, `${at}.threshold`),
    training: checkTraining(c.training, `${at}.training`),
    featureMean: check.numbers(c.featureMean, `${at}.featureMean`, width),
    featureSd: check.numbers(c.featureSd, `${at}.featureSd`, width, { min: 0 }),
    validationScores: {
      p99: check.number(scores.p99, `${at}.validationScores.p99`),
      p999: check.number(scores.p999, `${at}.validationScores.p999`),
      max: check.number(scores.max, `${at}.validationScores.max`),
    },
    ...(series && { series }),
  };
}
