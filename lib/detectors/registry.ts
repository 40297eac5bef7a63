/**
 * Saving and loading any detector by name, so the monitor can load what the study trained.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { OptionError, SchemaError } from "../core/errors";
import { Autoencoder, DenoisingAutoencoder } from "./autoencoder";
import { EwmaChart, MovingAverageChart, RollingZScore } from "./controlCharts";
import { IsolationForest } from "./isolationForest";
import { LstmAutoencoder, LstmForecaster } from "./lstm";
import { Mahalanobis } from "./mahalanobis";
import { OneClassSvm } from "./oneClassSvm";
import { DETECTOR_FORMAT, type Detector, type DetectorJSON } from "./types";
import { RobustZScore, ZScore } from "./zScore";

const LOADERS: Readonly<Record<string, (json: DetectorJSON) => Detector>> = {
  ZScore: ZScore.fromJSON,
  RobustZScore: RobustZScore.fromJSON,
  Mahalanobis: Mahalanobis.fromJSON,
  IsolationForest: IsolationForest.fromJSON,
  OneClassSvm: OneClassSvm.fromJSON,
  MovingAverageChart: MovingAverageChart.fromJSON,
  EwmaChart: EwmaChart.fromJSON,
  RollingZScore: RollingZScore.fromJSON,
  Autoencoder: Autoencoder.fromJSON,
  DenoisingAutoencoder: Autoencoder.fromJSON,
  LstmAutoencoder: LstmAutoencoder.fromJSON,
  LstmForecaster: LstmForecaster.fromJSON,
};

/** Rebuilds a detector from its JSON. @throws SchemaError for a foreign or unknown value. */
export function detectorFromJSON(value: unknown): Detector {
  const json = value as Partial<DetectorJSON> | null;
  if (!json || json.format !== DETECTOR_FORMAT || typeof json.name !== "string") {
    throw new SchemaError(`loadDetector: not a saved detector (format "${json?.format}").`);
  }
  const load = LOADERS[json.name];
  if (!load)
    throw new SchemaError(
      `loadDetector: unknown detector "${json.name}"; known: ${Object.keys(LOADERS).join(", ")}.`,
    );
  if (json.version !== 1) {
    throw new SchemaError(
      `loadDetector: ${json.name} saved with version ${json.version}; this code reads version 1. Re-fit it.`,
    );
  }
  return load(json as DetectorJSON);
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

/** Constructors of every detector by name, for detectors chosen in a configuration (the study, the monitor). */
const FACTORIES: Readonly<Record<string, (options: Record<string, unknown>) => Detector>> = {
  ZScore: (o) => new ZScore(o),
  RobustZScore: (o) => new RobustZScore(o),
  Mahalanobis: (o) => new Mahalanobis(o),
  IsolationForest: (o) => new IsolationForest(o),
  OneClassSvm: (o) => new OneClassSvm(o),
  MovingAverageChart: (o) => new MovingAverageChart(o),
  EwmaChart: (o) => new EwmaChart(o),
  RollingZScore: (o) => new RollingZScore(o),
  Autoencoder: (o) => new Autoencoder(o),
  DenoisingAutoencoder: (o) => new DenoisingAutoencoder(o),
  LstmAutoencoder: (o) => new LstmAutoencoder(o),
  LstmForecaster: (o) => new LstmForecaster(o),
};

/** Detectors whose fit draws random numbers and so take a `seed` option. */
export const SEEDED_DETECTORS: ReadonlySet<string> = new Set([
  "IsolationForest",
  "OneClassSvm",
  "Autoencoder",
  "DenoisingAutoencoder",
  "LstmAutoencoder",
  "LstmForecaster",
]);

/** Detectors written with TensorFlow.js: `await loadTensorflow()` before fitting or scoring them. */
export const NEURAL_DETECTORS: ReadonlySet<string> = new Set([
  "Autoencoder",
  "DenoisingAutoencoder",
  "LstmAutoencoder",
  "LstmForecaster",
]);

/** Names `createDetector` knows. */
export const DETECTOR_NAMES: readonly string[] = Object.freeze(Object.keys(FACTORIES));

/**
 * A new, unfitted detector from its name and options (the constructor checks the options).
 * @throws OptionError for an unknown name, naming the known ones.
 * @example createDetector("IsolationForest", { nTrees: 100, seed: 1 }).name // "IsolationForest"
 */
export function createDetector(name: string, options: Record<string, unknown> = {}): Detector {
  const make = FACTORIES[name];
  if (!make)
    throw new OptionError(`createDetector: unknown detector "${name}"; known: ${DETECTOR_NAMES.join(", ")}.`);
  return make(options);
}
