/**
 * Host- and protocol-aware detection in one object: every registered detection (`DETECTIONS`) fed
 * the same connections and protocol records, their evidence (and the connection model's and
 * volume watch's, through `add`) accumulated into `HostRisk`, incidents out. Learn mode runs the
 * same detections over a normal capture and returns their baselines for the bundle.
 * @example
 * const hosts = new HostDetections({ baselines: bundle.detections, onIncident: (i, event) => log(i) });
 * const f = new PacketFeaturizer(onRecord, { onConn: (c) => hosts.conn(c), onProtocolRecord: (r, flow) => hosts.protocol(r, flow) });
 */
import type { ConnRecord } from "../flows/connRecord";
import type { Flow } from "../flows/flowTable";
import type { ProtocolRecord } from "../protocols/parser";
import { beaconDetection } from "./beacon";
import { bruteforceDetection } from "./bruteforce";
import type { Detection, DetectionBaseline, DetectionInfo } from "./detection";
import { dnsTunnelDetection } from "./dnsTunnel";
import type { Evidence, HostIncident } from "./evidence";
import { exfilDetection } from "./exfil";
import { floodDetection } from "./flood";
import { type HostIncidentSink, HostRisk, type HostRiskOptions } from "./hostRisk";
import { scanDetection } from "./scan";

/** The detections, in the order they are documented. */
export const DETECTIONS: readonly DetectionInfo[] = Object.freeze([
  scanDetection,
  floodDetection,
  bruteforceDetection,
  dnsTunnelDetection,
  exfilDetection,
  beaconDetection,
]);

/** Options of `HostDetections`. */
export interface HostDetectionsOptions {
  /** Learn mode: count what normal looks like, raise nothing. */
  readonly learning?: boolean;
  /** What learn mode returned (by detection name); a detection without one uses its defaults. */
  readonly baselines?: Readonly<Record<string, DetectionBaseline>>;
  /** The detections to run. Default `DETECTIONS`. */
  readonly detections?: readonly DetectionInfo[];
  /** Every evidence item, as raised (before risk). */
  readonly onEvidence?: (e: Evidence) => void;
  /** Incidents as they open, grow and close. */
  readonly onIncident?: HostIncidentSink;
  readonly risk?: HostRiskOptions;
}

export class HostDetections {
  readonly detections: readonly Detection[];
  readonly risk: HostRisk;
  /** Evidence raised, by note. */
  readonly notes: Record<string, number> = {};
  private latest = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: HostDetectionsOptions = {}) {
    this.risk = new HostRisk(options.onIncident, options.risk);
    const learning = options.learning ?? false;
    this.detections = (options.detections ?? DETECTIONS).map((info) =>
      info.create({ learning, baseline: options.baselines?.[info.name], raise: (e) => this.add(e) }),
    );
  }

  /** Evidence from any detector (the protocol detections call this too). */
  add(e: Evidence): void {
    this.notes[e.note] = (this.notes[e.note] ?? 0) + 1;
    this.options.onEvidence?.(e);
    this.risk.add(e);
  }

  /** A finished connection. */
  conn(c: ConnRecord): void {
    for (const d of this.detections) d.conn?.(c);
  }

  /** A protocol record and its flow. */
  protocol(r: ProtocolRecord, flow: Readonly<Flow<unknown>>): void {
    for (const d of this.detections) d.protocol?.(r, flow);
  }

  /** Event time moved on (call it per packet or per record: it works once per second). */
  advance(time: number): void {
    if (!(time - this.latest >= 1)) return;
    this.latest = time;
    for (const d of this.detections) d.advance(time);
    this.risk.advance(time);
  }

  /** End of input: every epoch ends, every incident closes. */
  flush(): void {
    for (const d of this.detections) d.flush();
    this.risk.flush();
  }

  /** Learn mode: each detection's baseline, by name. */
  baselines(): Record<string, DetectionBaseline> {
    return Object.fromEntries(this.detections.map((d) => [d.name, d.baseline()]));
  }

  /** The thresholds in force, by detection. */
  thresholds(): Record<string, Readonly<Record<string, number>>> {
    return Object.fromEntries(this.detections.map((d) => [d.name, d.thresholds()]));
  }

  /** Every incident so far, ranked (see `HostRisk.ranked`). */
  ranked(): HostIncident[] {
    return this.risk.ranked();
  }
}
