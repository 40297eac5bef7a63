/**
 * Training a model bundle the way the study does: a benchmark's pipeline fitted on its training
 * normals, a detector from the registry, the threshold on validation normals, and optionally a
 * volume watch fitted on a normal capture's traffic series. The bundle's format is in `model/bundle.ts`.
 */
import { createDetector, detectorInfo } from "../detectors/registry";
import type { Detector } from "../detectors/types";
import { buildBenchmark, loadStudyData, type BenchmarkKey } from "./benchmarks";
import { thresholdAtFpr } from "./threshold";
import { loadSimulated } from "../datasets/generated";
import type { FeaturePipeline } from "../features/pipeline";
import { captureSeries, SERIES_METRICS, seriesMatrix } from "../features/timeSeries";
import type { Matrix } from "../core/matrix";
import type { BundleTraining, ModelBundle, SeriesWatch } from "../model/bundle";

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
    detectorInfo(options.detector).seeded ? { seed: options.seed ?? 1 } : {},
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
 * Trains a bundle the way the study does: a benchmark (its pipeline fitted on training
 * normals), a detector from the registry fitted on them, the threshold on validation normals.
 * Neural detectors need `await loadTensorflow()` first.
 * @example const bundle = await trainBundle({ benchmark: "nslKdd", detector: "IsolationForest", seed: 1 });
 */
export async function trainBundle(options: {
  /** Which benchmark's training normals, pipeline and validation split to use. */
  benchmark: BenchmarkKey;
  detector: string;
  detectorOptions?: Record<string, unknown>;
  seed: number;
  fpr?: number;
  /** Also fit a volume watch with this time-series detector on the simulated normal capture. */
  series?: { detector: string; intervalSeconds?: number };
}): Promise<ModelBundle> {
  const data = await loadStudyData([options.benchmark]);
  const { split, pipeline, name } = buildBenchmark(data, options.benchmark, { seed: options.seed });
  const train = pipeline.transform(split.train.table, split.train.rows).X;
  const validation = pipeline.transform(split.validation.table, split.validation.rows).X;
  const detector = createDetector(options.detector, {
    ...options.detectorOptions,
    ...(detectorInfo(options.detector).seeded ? { seed: options.seed } : {}),
  }).fit(train);
  const bundle = makeBundle(
    pipeline,
    detector,
    { train, validation },
    {
      benchmark: name,
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
