/**
 * The study's three benchmarks (a dataset with its evaluation split), built one way for every
 * notebook: fit on training normals, threshold on held-out validation normals, test on the
 * labelled test sets.
 * - KDD99: the 10% training file; test `corrected`.
 * - NSL-KDD: `KDDTrain+_20Percent` (in the offline mirror, unlike the full `KDDTrain+`); tests `KDDTest+`, `KDDTest-21`.
 * - Simulated: the normal day's connection records; test the mixed capture with every attack. Its
 *   pipeline uses the features packets carry and keeps features constant in normal traffic.
 */
import { loadDataset } from "../datasets/datasets";
import { OptionError } from "../core/errors";
import type { LoadReport } from "../datasets/loadKdd";
import { kddSplit, type Split } from "./splits";
import type { Table } from "../datasets/table";
import { PACKET_DERIVABLE_FEATURES } from "../features/connections";
import { simulatedRecordTable } from "./groundTruth";
import { FeaturePipeline } from "../features/pipeline";

/** A benchmark: its evaluation split and the feature pipeline fitted on the split's training rows. */
export interface Benchmark {
  /** Display name, e.g. "KDD99", "NSL-KDD", "simulated". */
  readonly name: string;
  readonly split: Split;
  readonly pipeline: FeaturePipeline;
}

/** The study's benchmarks by key. */
export type BenchmarkKey = "kdd99" | "nslKdd" | "simulated";

/** Every benchmark key, in the order the study runs them. */
export const BENCHMARK_KEYS: readonly BenchmarkKey[] = Object.freeze(["kdd99", "nslKdd", "simulated"]);

/** The loaded tables of the study, loaded once and split again for every seed. */
export interface StudyData {
  readonly kdd99?: { train: Table; corrected: Table };
  readonly nslKdd?: { train: Table; "KDDTest+": Table; "KDDTest-21": Table };
  readonly simulated?: { normal: Table; mixed: Table };
  /** The loader's report of every KDD file (lines, rejected, blank), by dataset id. */
  readonly loadReports: Readonly<Record<string, LoadReport>>;
}

/**
 * Loads the tables the chosen benchmarks need (the datasets fetched by set-up; the simulated
 * captures are turned into connection records).
 * @example const data = await loadStudyData(["nslKdd"]); data.nslKdd!.train.rows // 25192
 */
export async function loadStudyData(keys: readonly BenchmarkKey[] = BENCHMARK_KEYS): Promise<StudyData> {
  const loadReports: Record<string, LoadReport> = {};
  const load = async (id: string): Promise<Table> => {
    const result = await loadDataset(id);
    loadReports[id] = result.report;
    return result.table;
  };
  const data: {
    kdd99?: StudyData["kdd99"];
    nslKdd?: StudyData["nslKdd"];
    simulated?: StudyData["simulated"];
  } = {};
  if (keys.includes("kdd99"))
    data.kdd99 = { train: await load("kdd99-10pct"), corrected: await load("kdd99-corrected") };
  if (keys.includes("nslKdd")) {
    data.nslKdd = {
      train: await load("nsl-train-20"),
      "KDDTest+": await load("nsl-test"),
      "KDDTest-21": await load("nsl-test-21"),
    };
  }
  if (keys.includes("simulated")) {
    data.simulated = {
      normal: await simulatedRecordTable("sim-normal"),
      mixed: await simulatedRecordTable("sim-mixed"),
    };
  }
  return { ...data, loadReports };
}

/**
 * One benchmark of loaded data with one seed (the seed sets the train / validation split).
 * `maxTrainRows` caps the training rows (the quick mode).
 */
export function buildBenchmark(
  data: StudyData,
  key: BenchmarkKey,
  options: { seed: number; maxTrainRows?: number },
): Benchmark {
  const splitOptions = { seed: options.seed, maxTrainRows: options.maxTrainRows };
  const missing = (): never => {
    throw new OptionError(
      `buildBenchmark: the ${key} tables were not loaded; pass "${key}" to loadStudyData.`,
    );
  };
  if (key === "kdd99") {
    const d = data.kdd99 ?? missing();
    const split = kddSplit(d.train, { corrected: d.corrected }, splitOptions);
    return { name: "KDD99", split, pipeline: FeaturePipeline.fit(d.train, {}, split.train.rows) };
  }
  if (key === "nslKdd") {
    const d = data.nslKdd ?? missing();
    const split = kddSplit(
      d.train,
      { "KDDTest+": d["KDDTest+"], "KDDTest-21": d["KDDTest-21"] },
      splitOptions,
    );
    return { name: "NSL-KDD", split, pipeline: FeaturePipeline.fit(d.train, {}, split.train.rows) };
  }
  const d = data.simulated ?? missing();
  const split = kddSplit(d.normal, { "sim-mixed": d.mixed }, splitOptions);
  return {
    name: "simulated",
    split,
    pipeline: FeaturePipeline.fit(
      d.normal,
      { columns: PACKET_DERIVABLE_FEATURES, dropConstant: "none" },
      split.train.rows,
    ),
  };
}

/**
 * Loads the datasets (fetched by set-up) and builds the benchmarks with one seed.
 * @example const { kdd99, nslKdd, simulated } = await studyBenchmarks({ seed: 1 });
 */
export async function studyBenchmarks(options: { seed: number; simulated?: boolean }): Promise<{
  kdd99: Benchmark;
  nslKdd: Benchmark;
  simulated?: Benchmark;
}> {
  const withSimulated = options.simulated ?? true;
  const data = await loadStudyData(withSimulated ? BENCHMARK_KEYS : ["kdd99", "nslKdd"]);
  return {
    kdd99: buildBenchmark(data, "kdd99", options),
    nslKdd: buildBenchmark(data, "nslKdd", options),
    simulated: withSimulated ? buildBenchmark(data, "simulated", options) : undefined,
  };
}
