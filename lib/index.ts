/**
 * Detective's public surface: notebooks and the monitor import only from here
 * (`import { loadDataset, FeaturePipeline } from "@detective/lib"`).
 * Imports flow one way: data -> features -> detectors -> eval -> plots -> report; stream may use them all.
 */
export * from "./errors";
export * from "./random";
export * from "./matrix";
export * from "./paths";
export * from "./study";
export * from "./tf";
export * from "./data/kdd99";
export * from "./data/table";
export * from "./data/loadKdd";
export * from "./data/clean";
export * from "./data/manifest";
export * from "./data/fetch";
export * from "./data/datasets";
export * from "./data/protocol";
export * from "./data/summary";
export * from "./data/view";
export * from "./data/packet";
export * from "./data/decode";
export * from "./data/capture";
export * from "./data/frames";
export * from "./data/pcapWriter";
export * from "./data/simulate/simulate";
export * from "./data/simulate/attacks";
export type { ConnectionLabel } from "./data/simulate/conversation";
export { activity } from "./data/simulate/network";
export * from "./data/generated";
export * from "./data/tshark";
export * from "./features/pipeline";
export * from "./features/services";
export * from "./features/connections";
export * from "./features/traffic";
export * from "./features/featurize";
export * from "./features/timeSeries";
export * from "./features/recordSummary";
export * from "./detectors/types";
export * from "./detectors/zScore";
export * from "./detectors/mahalanobis";
export * from "./detectors/isolationForest";
export * from "./detectors/controlCharts";
export * from "./detectors/oneClassSvm";
export * from "./detectors/autoencoder";
export * from "./detectors/lstm";
export {
  type EpochReport,
  progressBar,
  type TrainingHistory,
  type TrainingOptions,
  type TrainingSettings,
} from "./detectors/neural";
export * from "./detectors/registry";
export * from "./eval/metrics";
export * from "./eval/threshold";
export * from "./eval/evaluate";
export * from "./eval/protocols";
export * from "./eval/studyConfig";
export * from "./eval/runStudy";
export * from "./plots/theme";
export * from "./plots/figures";
export * from "./plots/render";
export * from "./plots/studyFigures";
export * from "./report/summary";
export * from "./report/report";
export * from "./report/write";
export * from "./stream/lines";
export * from "./stream/alertLog";
export * from "./stream/socketSource";
export * from "./stream/incidents";
export * from "./stream/stats";
export * from "./stream/bundle";
export * from "./stream/monitor";
export * from "./stream/sources";
