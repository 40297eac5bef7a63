/**
 * Detective's public surface: notebooks, benchmarks and the CLI's users import only from here
 * (`import { loadDataset, FeaturePipeline } from "@detective/lib"`).
 *
 * The library is organised by stage. Imports flow one way, and the lint (eslint.config.mjs) fails a
 * backwards one:
 *   core -> net -> packets -> flows -> protocols -> simulate / datasets -> features -> detectors
 *   -> eval -> plots -> report
 * events imports only core; detections (host- and protocol-aware detection: evidence, SumStats,
 * host risk) builds on core ... detectors and events; model, sources and monitor build on those
 * (monitor on model and sources too); eval, plots and report come last (evaluation replays
 * captures through the monitor); cli may import everything.
 */
export * from "./core/errors";
export * from "./core/random";
export * from "./core/matrix";
export * from "./core/paths";
export * from "./core/study";
export * from "./core/format";
export * from "./core/tf";
export * from "./core/sleep";
export * from "./core/privateFile";
export * from "./net/address";
export * from "./net/addressKind";
export * from "./net/cidrSet";
export * from "./packets/packet";
export * from "./packets/decode";
export * from "./packets/capture";
export * from "./packets/frames";
export * from "./packets/writer";
export * from "./packets/tshark";
export * from "./flows/tcpState";
export * from "./flows/connRecord";
export * from "./flows/flowTable";
export * from "./flows/reassembly";
export * from "./protocols/parser";
export * from "./protocols/lineReader";
export * from "./protocols/registry";
export * from "./protocols/analyzer";
export * from "./protocols/dns/dnsParser";
export * from "./protocols/http/httpParser";
export * from "./protocols/ftp/ftpParser";
export * from "./protocols/logs/zeekLog";
export * from "./protocols/logs/connLog";
export * from "./protocols/logs/protocolLogs";
export * from "./protocols/logs/logDirectory";
export * from "./protocols/logs/parity";
export * from "./protocols/ssl/sslParser";
export { ja3, ja3String, ja4 } from "./protocols/ssl/fingerprints";
export * from "./simulate/simulate";
export * from "./simulate/attacks";
export type { ConnectionLabel } from "./simulate/conversation";
export { activity } from "./simulate/network";
export * from "./datasets/kdd99";
export * from "./datasets/table";
export * from "./datasets/loadKdd";
export * from "./datasets/clean";
export * from "./datasets/manifest";
export * from "./datasets/fetch";
export * from "./datasets/datasets";
export * from "./datasets/summary";
export * from "./datasets/view";
export * from "./datasets/generated";
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
export * from "./detectors/registry";
export {
  type EpochReport,
  progressBar,
  type TrainingHistory,
  type TrainingOptions,
  type TrainingSettings,
} from "./detectors/neural";
export * from "./eval/splits";
export * from "./eval/metrics";
export * from "./eval/threshold";
export * from "./eval/evaluate";
export * from "./eval/views";
export * from "./eval/benchmarks";
export * from "./eval/studyConfig";
export * from "./eval/runStudy";
export * from "./eval/trainBundle";
export * from "./eval/groundTruth";
export * from "./eval/protocolProfile";
export * from "./plots/theme";
export * from "./plots/figures";
export * from "./plots/render";
export * from "./report/studyFigures";
export * from "./report/summary";
export * from "./report/report";
export * from "./report/write";
export * from "./report/findings";
export * from "./events/event";
export * from "./events/parseEvent";
export * from "./events/readEvents";
export * from "./events/idGenerator";
export * from "./events/isoTimestamp";
export * from "./events/eventSink";
export * from "./events/eventLog";
export * from "./events/summary";
export * from "./events/consoleSink";
export * from "./detections/evidence";
export * from "./detections/sumStats";
export * from "./detections/detection";
export * from "./detections/scan";
export * from "./detections/flood";
export * from "./detections/bruteforce";
export * from "./detections/dnsTunnel";
export * from "./detections/exfil";
export * from "./detections/beacon";
export * from "./detections/hostRisk";
export * from "./detections/hostDetections";
export * from "./model/bundle";
export * from "./model/bundleKey";
export * from "./sources/lines";
export * from "./sources/socketSource";
export * from "./sources/captureReplay";
export * from "./sources/tableReplay";
export * from "./monitor/incidents";
export * from "./monitor/stats";
export * from "./monitor/monitor";
export * from "./monitor/run";
