/**
 * Every detector in one list: one `DetectorInfo` record each, with what the rest of the code needs
 * to know about it (its kind, whether it is neural or seeded, its documented options, how to
 * create and reload it, how the study tunes it, its colour and description in the report). The
 * registry functions (`createDetector`, `detectorFromJSON`), the study's configuration check and
 * runner, bundle training, the report and the common detector tests all derive from this list, so
 * adding a detector is adding one record.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { DetectiveError, OptionError, SchemaError } from "../core/errors";
import { check } from "../core/schema";
import type { Matrix } from "../core/matrix";
import {
  Autoencoder,
  AUTOENCODER_OPTIONS,
  DENOISING_AUTOENCODER_OPTIONS,
  DenoisingAutoencoder,
} from "./autoencoder";
import { CHART_OPTIONS, EwmaChart, MovingAverageChart, RollingZScore } from "./controlCharts";
import { IsolationForest, ISOLATION_FOREST_OPTIONS } from "./isolationForest";
import { LSTM_OPTIONS, LstmAutoencoder, LstmForecaster } from "./lstm";
import { Mahalanobis, MAHALANOBIS_OPTIONS } from "./mahalanobis";
import { OneClassSvm, ONE_CLASS_SVM_OPTIONS, tuneOneClassSvm } from "./oneClassSvm";
import { DETECTOR_FORMAT, type Detector, type DetectorJSON, type OptionInfo, optionList } from "./types";
import { RobustZScore, Z_SCORE_OPTIONS, ZScore } from "./zScore";

/** What the code knows about one detector. */
export interface DetectorInfo {
  /** The class's `name`, the key in configurations and saved models. */
  readonly name: string;
  /** "record": scores connection records; "series": scores per-interval traffic series, in time order. */
  readonly kind: "record" | "series";
  /** Written with TensorFlow.js: `await loadTensorflow()` before fitting or scoring it. */
  readonly neural: boolean;
  /** Its fit draws random numbers, so it takes a `seed` option (the study passes each seed). */
  readonly seeded: boolean;
  /** Every constructor option with its default and a one-line doc; any other key is refused. */
  readonly options: readonly OptionInfo[];
  /** A new, unfitted detector. @throws OptionError for a bad or unknown option. */
  readonly create: (options?: Record<string, unknown>) => Detector;
  /**
   * Rebuilds a fitted detector from its saved JSON (envelope already checked by `detectorFromJSON`),
   * checking its fitted state; `path` names the value in errors (e.g. `bundle.content.detector`).
   * @throws SchemaError naming the field of the state that is wrong.
   */
  readonly fromJSON: (json: DetectorJSON, path?: string) => Detector;
  /** Where its arithmetic runs ("js", "libsvm-js (asm.js)"; neural: the TensorFlow.js backend at run time). */
  readonly backend: string;
  /**
   * Chooses hyperparameters on normal rows only (training and validation normals, no attack
   * labels), for a study detector configured with `tune: true`; returns the options to set.
   * Only detectors that can be tuned have it.
   */
  readonly tune?: (
    train: Matrix,
    validation: Matrix,
    options: { readonly seed: number; readonly detectorOptions: Readonly<Record<string, unknown>> },
  ) => Record<string, unknown>;
  /** Its colour in every figure (Okabe and Ito's colour-blind-safe palette). */
  readonly color: string;
  /** What the method is, in the report's words. */
  readonly description: string;
}

function info(record: DetectorInfo): DetectorInfo {
  return Object.freeze(record);
}

/**
 * Training rows (at most) each of the 15 One-Class SVM candidates is fitted on while tuning: 5,000,
 * so tuning costs a bounded share of the fit. The study's numbers depend on it: change it only with a re-run.
 */
export const SVM_TUNING_MAX_ROWS = 5_000;

/** The One-Class SVM's nu and gamma, by `tuneOneClassSvm` on at most `SVM_TUNING_MAX_ROWS` training rows. */
function tuneSvm(
  train: Matrix,
  validation: Matrix,
  options: { readonly seed: number; readonly detectorOptions: Readonly<Record<string, unknown>> },
): Record<string, unknown> {
  const maxTrainRows = Math.min(
    SVM_TUNING_MAX_ROWS,
    Number(options.detectorOptions.maxTrainRows ?? SVM_TUNING_MAX_ROWS),
  );
  const { best } = tuneOneClassSvm(train, validation, { seed: options.seed, maxTrainRows });
  return { nu: best.nu, gamma: best.gamma };
}

/** Every detector, in the order listings show them. */
export const DETECTORS: readonly DetectorInfo[] = Object.freeze([
  info({
    name: "ZScore",
    kind: "record",
    neural: false,
    seeded: false,
    options: optionList(Z_SCORE_OPTIONS),
    create: (o) => new ZScore(o),
    fromJSON: ZScore.fromJSON,
    backend: "js",
    color: "#56B4E9",
    description:
      "Per-feature z-score: each feature is standardised with the mean and standard deviation of the training normals, and a record scores the largest absolute z-score over its features. The simplest baseline: it sees one feature at a time.",
  }),
  info({
    name: "RobustZScore",
    kind: "record",
    neural: false,
    seeded: false,
    options: optionList(Z_SCORE_OPTIONS),
    create: (o) => new RobustZScore(o),
    fromJSON: RobustZScore.fromJSON,
    backend: "js",
    color: "#F0E442",
    description:
      "The same with the median and the median absolute deviation (falling back to the mean absolute deviation where the MAD is 0), so a few extreme training values do not inflate the scale.",
  }),
  info({
    name: "Mahalanobis",
    kind: "record",
    neural: false,
    seeded: false,
    options: optionList(MAHALANOBIS_OPTIONS),
    create: (o) => new Mahalanobis(o),
    fromJSON: Mahalanobis.fromJSON,
    backend: "js",
    color: "#CC79A7",
    description:
      "Distance from the mean of the training normals under their covariance, shrunk towards a scaled identity so one-hot and constant columns keep it invertible: a multivariate z-score that sees correlations between features.",
  }),
  info({
    name: "IsolationForest",
    kind: "record",
    neural: false,
    seeded: true,
    options: optionList(ISOLATION_FOREST_OPTIONS),
    create: (o) => new IsolationForest(o),
    fromJSON: IsolationForest.fromJSON,
    backend: "js",
    color: "#0072B2",
    description:
      "Isolation Forest (Liu, Ting and Zhou, 2008): random trees split random features at random values; anomalies are isolated in fewer splits. The score is 2^(-E[h(x)]/c(ψ)), near 1 for anomalies, as in the paper and scikit-learn.",
  }),
  info({
    name: "OneClassSvm",
    kind: "record",
    neural: false,
    seeded: true,
    options: optionList(ONE_CLASS_SVM_OPTIONS),
    create: (o) => new OneClassSvm(o),
    fromJSON: OneClassSvm.fromJSON,
    backend: "libsvm-js (asm.js)",
    tune: tuneSvm,
    color: "#D55E00",
    description:
      "One-Class SVM (Schölkopf et al., 2001) with an RBF kernel, trained by libsvm on a sample of the training normals. nu and gamma are chosen per benchmark and seed on validation normals only (no attack labels): the candidate whose held-out outside share best matches nu, by the nu-property.",
  }),
  info({
    name: "MovingAverageChart",
    kind: "series",
    neural: false,
    seeded: false,
    options: optionList(CHART_OPTIONS),
    create: (o) => new MovingAverageChart(o),
    fromJSON: MovingAverageChart.fromJSON,
    backend: "js",
    color: "#56B4E9",
    description:
      "A Shewhart control chart on the residual from the mean of the last intervals, in units of the residual standard deviation fitted on normal traffic, so the daily rhythm is followed rather than flagged.",
  }),
  info({
    name: "EwmaChart",
    kind: "series",
    neural: false,
    seeded: false,
    options: optionList(CHART_OPTIONS),
    create: (o) => new EwmaChart(o),
    fromJSON: EwmaChart.fromJSON,
    backend: "js",
    color: "#CC79A7",
    description:
      "The same chart on the residual from an exponentially weighted moving average (Roberts, 1959).",
  }),
  info({
    name: "RollingZScore",
    kind: "series",
    neural: false,
    seeded: false,
    options: optionList(CHART_OPTIONS),
    create: (o) => new RollingZScore(o),
    fromJSON: RollingZScore.fromJSON,
    backend: "js",
    color: "#F0E442",
    description:
      "The distance of each interval from the mean of the last intervals in units of their own standard deviation: it adapts its spread, so it needs no fitted scale.",
  }),
  info({
    name: "Autoencoder",
    kind: "record",
    neural: true,
    seeded: true,
    options: optionList(AUTOENCODER_OPTIONS),
    create: (o) => new Autoencoder(o),
    fromJSON: Autoencoder.fromJSON,
    backend: "tensorflow.js",
    color: "#009E73",
    description:
      "A dense autoencoder on TensorFlow.js, trained on normal records only to reproduce its input through a narrow code; the score is the mean squared reconstruction error. Adam, a validation split and early stopping that keeps the best weights.",
  }),
  info({
    name: "DenoisingAutoencoder",
    kind: "record",
    neural: true,
    seeded: true,
    options: optionList(DENOISING_AUTOENCODER_OPTIONS),
    create: (o) => new DenoisingAutoencoder(o),
    fromJSON: Autoencoder.fromJSON,
    backend: "tensorflow.js",
    color: "#8C564B",
    description:
      "The same network trained to rebuild clean records from inputs with Gaussian noise added (Vincent et al., 2008), which should make it less sensitive to small departures.",
  }),
  info({
    name: "LstmAutoencoder",
    kind: "series",
    neural: true,
    seeded: true,
    options: optionList(LSTM_OPTIONS),
    create: (o) => new LstmAutoencoder(o),
    fromJSON: LstmAutoencoder.fromJSON,
    backend: "tensorflow.js",
    color: "#E69F00",
    description:
      "An LSTM encoder-decoder that rebuilds a window of consecutive rows; the score of a row is the reconstruction error of the window ending at it.",
  }),
  info({
    name: "LstmForecaster",
    kind: "series",
    neural: true,
    seeded: true,
    options: optionList(LSTM_OPTIONS),
    create: (o) => new LstmForecaster(o),
    fromJSON: LstmForecaster.fromJSON,
    backend: "tensorflow.js",
    color: "#000000",
    description:
      "An LSTM that predicts each interval of the traffic series from the intervals before it; the score is the prediction error, normalised by the residual variance of normal traffic.",
  }),
]);

const BY_NAME: ReadonlyMap<string, DetectorInfo> = new Map(DETECTORS.map((d) => [d.name, d]));

/** Names `createDetector` knows, in `DETECTORS` order. */
export const DETECTOR_NAMES: readonly string[] = Object.freeze(DETECTORS.map((d) => d.name));

/** Names of the detectors whose fit draws random numbers (derived from `DETECTORS`). */
export const SEEDED_DETECTORS: ReadonlySet<string> = new Set(
  DETECTORS.filter((d) => d.seeded).map((d) => d.name),
);

/** Names of the TensorFlow.js detectors (derived from `DETECTORS`). */
export const NEURAL_DETECTORS: ReadonlySet<string> = new Set(
  DETECTORS.filter((d) => d.neural).map((d) => d.name),
);

/**
 * The record of a detector by name.
 * @throws OptionError for an unknown name, naming the known ones.
 */
export function detectorInfo(name: string, where = "createDetector"): DetectorInfo {
  const found = BY_NAME.get(name);
  if (!found)
    throw new OptionError(`${where}: unknown detector "${name}"; known: ${DETECTOR_NAMES.join(", ")}.`);
  return found;
}

/**
 * A new, unfitted detector from its name and options (the constructor checks the options).
 * @throws OptionError for an unknown name or option, naming the known ones.
 * @example createDetector("IsolationForest", { nTrees: 100, seed: 1 }).name // "IsolationForest"
 */
export function createDetector(name: string, options: Record<string, unknown> = {}): Detector {
  return detectorInfo(name).create(options);
}

/**
 * The saved options of a detector: an object of the detector's option names (the constructor refuses
 * others), each of the kind of its default (a number where the default is a number, a list of
 * numbers where it is a list; a string default, like One-Class SVM's gamma "scale", also allows a
 * number; no default: a number). The constructor then checks the ranges.
 */
function checkSavedOptions(found: DetectorInfo, value: unknown, path: string): Record<string, unknown> {
  const options = check.object(value, path);
  for (const option of found.options) {
    const v = options[option.name];
    const at = `${path}.${option.name}`;
    if (v === undefined) continue;
    const d = option.default;
    if (typeof d === "number") check.number(v, at);
    else if (typeof d === "boolean") check.boolean(v, at);
    else if (Array.isArray(d)) check.numbers(v, at);
    else if (typeof d === "string") {
      if (typeof v !== "number") check.string(v, at);
      else check.number(v, at);
    } else check.number(v, at);
  }
  return options;
}

/**
 * Rebuilds a detector from its JSON, checking all of it: the envelope, the options (kinds here,
 * ranges by the constructor) and the fitted state (by the detector's `fromJSON`). `path` names the
 * value in errors, e.g. `bundle.content.detector.state.mean[3] must be a finite number, got null`.
 * @throws SchemaError for a foreign, unknown or malformed value, naming the field.
 */
export function detectorFromJSON(value: unknown, path = "detector"): Detector {
  const json = value as Partial<DetectorJSON> | null;
  if (typeof json !== "object" || json === null || Array.isArray(json) || json.format !== DETECTOR_FORMAT) {
    const format = typeof json === "object" && json !== null ? (json as { format?: unknown }).format : json;
    throw new SchemaError(`${path}: not a saved detector (format ${JSON.stringify(format) ?? "missing"}).`);
  }
  if (typeof json.name !== "string" || !BY_NAME.has(json.name))
    throw new SchemaError(
      `${path}: unknown detector ${JSON.stringify(json.name) ?? "(no name)"}; known: ${DETECTOR_NAMES.join(", ")}.`,
    );
  const found = BY_NAME.get(json.name) as DetectorInfo;
  if (json.version !== 1) {
    throw new SchemaError(
      `${path}: ${json.name} saved with version ${JSON.stringify(json.version)}; this code reads version 1. Re-fit it.`,
    );
  }
  checkSavedOptions(found, json.options, `${path}.options`);
  check.object(json.state, `${path}.state`);
  try {
    return found.fromJSON(json as DetectorJSON, path);
  } catch (err) {
    if (err instanceof SchemaError) throw err;
    // The constructor's range checks (OptionError), or a state this code did not foresee.
    const why = err instanceof Error ? err.message : String(err);
    if (err instanceof DetectiveError) throw new SchemaError(`${path}.options are not valid: ${why}`);
    throw new SchemaError(`${path}.state is malformed (${why}).`);
  }
}

/** Writes a fitted detector as JSON. */
export function saveDetector(detector: Detector, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(detector.toJSON())}\n`);
}

/** Reads a detector written by `saveDetector`. */
export function loadDetector(path: string): Detector {
  return detectorFromJSON(JSON.parse(readFileSync(path, "utf8")));
}
