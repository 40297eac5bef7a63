/**
 * The study's three evaluation protocols, built one way for every notebook: fit on training
 * normals, threshold on held-out validation normals, test on the labelled test sets.
 * - KDD99: the 10% training file; test `corrected`.
 * - NSL-KDD: `KDDTrain+_20Percent` (in the offline mirror, unlike the full `KDDTrain+`); tests `KDDTest+`, `KDDTest-21`.
 * - Simulated: the normal day's connection records; test the mixed capture with every attack. Its
 *   pipeline uses the features packets carry and keeps features constant in normal traffic.
 */
import { loadDataset } from "../datasets/datasets";
import { OptionError } from "../core/errors";
import type { LoadReport } from "../datasets/loadKdd";
import { kddProtocol, type Protocol } from "./splits";
import type { Table } from "../datasets/table";
import { PACKET_DERIVABLE_FEATURES } from "../features/connections";
import { simulatedRecordTable } from "./groundTruth";
import { FeaturePipeline } from "../features/pipeline";

/** A protocol and the feature pipeline fitted on its training rows. */
export interface StudyProtocol {
  readonly name: string;
  readonly protocol: Protocol;
  readonly pipeline: FeaturePipeline;
}

/** The study's protocols by key. */
export type StudyProtocolKey = "kdd99" | "nslKdd" | "simulated";

/** Every study protocol key, in the order the study runs them. */
export const STUDY_PROTOCOL_KEYS: readonly StudyProtocolKey[] = Object.freeze([
  "kdd99",
  "nslKdd",
  "simulated",
]);

/** The loaded tables of the study, loaded once and split again for every seed. */
export interface StudyData {
  readonly kdd99?: { train: Table; corrected: Table };
  readonly nslKdd?: { train: Table; "KDDTest+": Table; "KDDTest-21": Table };
  readonly simulated?: { normal: Table; mixed: Table };
  /** The loader's report of every KDD file (lines, rejected, blank), by dataset id. */
  readonly loadReports: Readonly<Record<string, LoadReport>>;
}

/**
 * Loads the tables the chosen protocols need (the datasets fetched by set-up; the simulated
 * captures are turned into connection records).
 * @example const data = await loadStudyData(["nslKdd"]); data.nslKdd!.train.rows // 25192
 */
export async function loadStudyData(
  keys: readonly StudyProtocolKey[] = STUDY_PROTOCOL_KEYS,
): Promise<StudyData> {
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
 * One protocol of loaded data with one seed (the seed sets the train / validation split).
 * `maxTrainRows` caps the training rows (the quick mode).
 */
export function buildStudyProtocol(
  data: StudyData,
  key: StudyProtocolKey,
  options: { seed: number; maxTrainRows?: number },
): StudyProtocol {
  const split = { seed: options.seed, maxTrainRows: options.maxTrainRows };
  const missing = (): never => {
    throw new OptionError(
      `buildStudyProtocol: the ${key} tables were not loaded; pass "${key}" to loadStudyData.`,
    );
  };
  if (key === "kdd99") {
    const d = data.kdd99 ?? missing();
    const protocol = kddProtocol(d.train, { corrected: d.corrected }, split);
    return { name: "KDD99", protocol, pipeline: FeaturePipeline.fit(d.train, {}, protocol.train.rows) };
  }
  if (key === "nslKdd") {
    const d = data.nslKdd ?? missing();
    const protocol = kddProtocol(
      d.train,
      { "KDDTest+": d["KDDTest+"], "KDDTest-21": d["KDDTest-21"] },
      split,
    );
    return { name: "NSL-KDD", protocol, pipeline: FeaturePipeline.fit(d.train, {}, protocol.train.rows) };
  }
  const d = data.simulated ?? missing();
  const protocol = kddProtocol(d.normal, { "sim-mixed": d.mixed }, split);
  return {
    name: "simulated",
    protocol,
    pipeline: FeaturePipeline.fit(
      d.normal,
      { columns: PACKET_DERIVABLE_FEATURES, dropConstant: "none" },
      protocol.train.rows,
    ),
  };
}

/**
 * Loads the datasets (fetched by set-up) and builds the protocols with one seed.
 * @example const { kdd99, nslKdd, simulated } = await studyProtocols({ seed: 42 });
 */
export async function studyProtocols(options: { seed: number; simulated?: boolean }): Promise<{
  kdd99: StudyProtocol;
  nslKdd: StudyProtocol;
  simulated?: StudyProtocol;
}> {
  const withSimulated = options.simulated ?? true;
  const data = await loadStudyData(withSimulated ? STUDY_PROTOCOL_KEYS : ["kdd99", "nslKdd"]);
  return {
    kdd99: buildStudyProtocol(data, "kdd99", options),
    nslKdd: buildStudyProtocol(data, "nslKdd", options),
    simulated: withSimulated ? buildStudyProtocol(data, "simulated", options) : undefined,
  };
}
