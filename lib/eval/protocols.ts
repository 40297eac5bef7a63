/**
 * The study's three evaluation protocols, built one way for every notebook: fit on training
 * normals, threshold on held-out validation normals, test on the labelled test sets.
 * - KDD99: the 10% training file; test `corrected`.
 * - NSL-KDD: `KDDTrain+_20Percent` (in the offline mirror, unlike the full `KDDTrain+`); tests `KDDTest+`, `KDDTest-21`.
 * - Simulated: the normal day's connection records; test the mixed capture with every attack. Its
 *   pipeline uses the features packets carry and keeps features constant in normal traffic.
 */
import { loadDataset } from "../data/datasets";
import { kddProtocol, type Protocol } from "../data/protocol";
import { PACKET_DERIVABLE_FEATURES } from "../features/connections";
import { simulatedRecordTable } from "../features/featurize";
import { FeaturePipeline } from "../features/pipeline";

/** A protocol and the feature pipeline fitted on its training rows. */
export interface StudyProtocol {
  readonly name: string;
  readonly protocol: Protocol;
  readonly pipeline: FeaturePipeline;
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
  const seed = options.seed;
  const kdd = (await loadDataset("kdd99-10pct")).table;
  const corrected = (await loadDataset("kdd99-corrected")).table;
  const kddProto = kddProtocol(kdd, { corrected }, { seed });
  const nslTrain = (await loadDataset("nsl-train-20")).table;
  const nslProto = kddProtocol(
    nslTrain,
    {
      "KDDTest+": (await loadDataset("nsl-test")).table,
      "KDDTest-21": (await loadDataset("nsl-test-21")).table,
    },
    { seed },
  );
  const out: { kdd99: StudyProtocol; nslKdd: StudyProtocol; simulated?: StudyProtocol } = {
    kdd99: { name: "KDD99", protocol: kddProto, pipeline: FeaturePipeline.fit(kdd, {}, kddProto.train.rows) },
    nslKdd: {
      name: "NSL-KDD",
      protocol: nslProto,
      pipeline: FeaturePipeline.fit(nslTrain, {}, nslProto.train.rows),
    },
  };
  if (options.simulated ?? true) {
    const normal = await simulatedRecordTable("sim-normal");
    const mixed = await simulatedRecordTable("sim-mixed");
    const simProto = kddProtocol(normal, { "sim-mixed": mixed }, { seed });
    out.simulated = {
      name: "simulated",
      protocol: simProto,
      pipeline: FeaturePipeline.fit(
        normal,
        { columns: PACKET_DERIVABLE_FEATURES, dropConstant: "none" },
        simProto.train.rows,
      ),
    };
  }
  return out;
}
