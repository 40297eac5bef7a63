/**
 * The contract of a detection (one small file each: `scan.ts`, `flood.ts`, `dnsTunnel.ts`, ...):
 * it reads finished connections (Zeek's conn records) and protocol records (DNS queries, SSH
 * sessions, ...), counts through `SumStats`, and raises `Evidence` about hosts. The same class runs
 * in two modes:
 * - **learn**, over a normal capture (`detective train --pcap`): it raises nothing and records what
 *   normal looks like (each epoch's metric), and `baseline()` returns it as JSON for the bundle;
 * - **detect**, with that baseline: thresholds learned from it (never below the documented
 *   defaults), evidence raised when crossed.
 */
import type { ConnRecord } from "../flows/connRecord";
import type { Flow } from "../flows/flowTable";
import type { ProtocolRecord } from "../protocols/parser";
import type { Evidence } from "./evidence";

/** What a detection learned from a normal capture: plain JSON, saved in the bundle. */
export type DetectionBaseline = Readonly<Record<string, unknown>>;

/** Where a detection's evidence goes. */
export type RaiseEvidence = (e: Evidence) => void;

/** How a detection is made: in learn mode (no `baseline`, nothing raised) or detect mode. */
export interface DetectionContext {
  /** Receives evidence (detect mode). */
  readonly raise: RaiseEvidence;
  /** What `baseline()` returned in learn mode; undefined in learn mode itself. */
  readonly baseline?: DetectionBaseline;
  /** True while learning from a normal capture: count, raise nothing. */
  readonly learning: boolean;
}

/** One detection. */
export interface Detection {
  /** Short name, e.g. "scan" (the evidence's `detector`). */
  readonly name: string;
  /** A finished connection. */
  conn?(c: ConnRecord): void;
  /** A protocol record, with the flow it came from (its endpoints). */
  protocol?(r: ProtocolRecord, flow: Readonly<Flow<unknown>>): void;
  /** Event time has moved on to `time` (ends epochs that are over). */
  advance(time: number): void;
  /** End of input: ends every epoch. */
  flush(): void;
  /** Learn mode: what normal looked like, for the bundle. */
  baseline(): DetectionBaseline;
  /** The thresholds in force (detect mode), by name: for the train summary and the docs. */
  thresholds(): Readonly<Record<string, number>>;
}

/** A detection as the registry knows it. */
export interface DetectionInfo {
  readonly name: string;
  /** The notices it raises. */
  readonly notes: readonly string[];
  /** What it looks for, in one or two sentences (the README and `detective train` quote it). */
  readonly description: string;
  create(context: DetectionContext): Detection;
}

/**
 * A threshold learned from a baseline: the largest value normal traffic reached times `margin`,
 * never below `floor` (so a tiny or quiet baseline cannot make a detection fire on every host).
 */
export function learnedThreshold(floor: number, observedMax: unknown, margin: number): number {
  const max = typeof observedMax === "number" && Number.isFinite(observedMax) ? observedMax : 0;
  return Math.max(floor, Math.ceil(max * margin));
}

/** Severity from how far a measured value is past its threshold: medium from 1x, high from 4x. */
export function severityOf(value: number, threshold: number): "medium" | "high" {
  return value >= 4 * threshold ? "high" : "medium";
}

/** Risk points of a detection's evidence, by severity (see `HostRisk`: an incident opens at 10). */
export const DETECTION_POINTS = { low: 5, medium: 20, high: 40 } as const;

/** Keeps the largest value seen per name: the learn mode's record of an epoch metric. */
export class MaxTracker {
  private readonly max: Record<string, number> = {};

  see(name: string, value: number): void {
    if (!(value <= (this.max[name] ?? Number.NEGATIVE_INFINITY))) this.max[name] = value;
  }

  get(name: string): number {
    return this.max[name] ?? 0;
  }

  toJSON(): Record<string, number> {
    return { ...this.max };
  }
}
