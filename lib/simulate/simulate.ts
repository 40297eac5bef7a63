/**
 * The traffic simulator: a seeded, reproducible small enterprise network over a chosen period,
 * with daily and hourly rhythms, normal application traffic and injected attacks, written as a
 * standard libpcap file plus ground-truth labels (per connection and per time window).
 */
import { OptionError } from "../core/errors";
import { writeOutputFile } from "../core/outputFile";
import { type Rng, seeded } from "../core/random";
import { PcapWriter } from "../packets/writer";
import { type AttackSpec, type AttackWindow, planAttack, type SessionStart } from "./attacks";
import { type ConnectionLabel, type PacketSink, SimContext } from "./conversation";
import { FrameHeap } from "./heap";
import {
  activity,
  buildNetwork,
  type Host,
  MAX_ACTIVITY,
  type Network,
  type NetworkOptions,
} from "./network";
import {
  dnsLookup,
  ftpSession,
  mailSession,
  NORMAL_SESSIONS_PER_HOUR,
  pick,
  pingSession,
  sshSession,
  webSession,
} from "./sessions";

export interface SimulationOptions extends NetworkOptions {
  /** Seed of every random choice: the same seed gives the same capture, byte for byte. */
  seed: number;
  /** Capture start (UTC), ISO 8601. Default "2026-03-02T08:00:00Z" (a Monday morning). */
  start?: string;
  /** Capture length in seconds. Default 3600. */
  durationSeconds?: number;
  /** Scales every normal session rate (1 = the rates of NORMAL_SESSIONS_PER_HOUR). Default 1. */
  intensity?: number;
  /** Attacks to inject; default none (a normal-only capture). */
  attacks?: readonly AttackSpec[];
}

/** What a simulation produced. */
export interface SimulationResult {
  readonly pcap: string;
  readonly labels: string;
  readonly packets: number;
  readonly bytes: number;
  readonly sessions: number;
  /** Capture start and end, seconds since the epoch. */
  readonly start: number;
  readonly end: number;
  readonly windows: readonly AttackWindow[];
  /** Labelled (attack) connections per scenario. */
  readonly attackConnections: Readonly<Record<string, number>>;
}

/** The labels file written beside the capture. */
export interface SimulationLabels {
  readonly format: "detective-simulation-labels";
  readonly version: 1;
  readonly options: SimulationOptions;
  readonly start: number;
  readonly end: number;
  readonly windows: readonly AttackWindow[];
  readonly connections: readonly ConnectionLabel[];
}

/** Bumped whenever the simulator's output changes for the same options (so stored captures are regenerated). */
export const SIMULATOR_VERSION = 3;

/**
 * Session starts of one kind for one host: a Poisson process with rate `perHour` at full activity,
 * thinned by the office's rhythm (Lewis and Shedler 1979).
 */
function poissonStarts(rng: Rng, t0: number, t1: number, perHour: number, out: (t: number) => void): void {
  if (perHour <= 0) return;
  const peak = (perHour * MAX_ACTIVITY) / 3600;
  for (let t = t0 - Math.log(1 - rng()) / peak; t < t1; t -= Math.log(1 - rng()) / peak) {
    if (rng() * MAX_ACTIVITY < activity(t)) out(t);
  }
}

function normalStarts(net: Network, rng: Rng, t0: number, t1: number, intensity: number): SessionStart[] {
  const starts: SessionStart[] = [];
  const rates = NORMAL_SESSIONS_PER_HOUR;
  const add = (host: Host, perHour: number, play: (ctx: SimContext, host: Host, t: number) => void): void =>
    poissonStarts(rng, t0, t1, perHour * intensity, (t) =>
      starts.push({ t, play: (ctx) => play(ctx, host, t) }),
    );
  for (const host of net.workstations) {
    add(host, rates.web, (ctx, h, t) => webSession(ctx, net, h, t));
    add(host, rates.mail, (ctx, h, t) => mailSession(ctx, net, h, t));
    add(host, rates.ftp, (ctx, h, t) => ftpSession(ctx, net, h, t));
    add(host, rates.ping, (ctx, h, t) => pingSession(ctx, net, h, t));
    add(host, rates.dns, (ctx, h, t) => {
      const site = pick(ctx.rng, net.externalWeb);
      dnsLookup(ctx, net, h, `updates.${site.name}.example`, site.address, t);
    });
  }
  for (const admin of net.admins) add(admin, rates.ssh, (ctx, h, t) => sshSession(ctx, net, h, t));
  return starts;
}

/**
 * Simulates a capture and writes `pcapPath` and `labelsPath` (default: the pcap path with
 * `.labels.json`).
 * @throws OptionError for a bad start time, duration or attack window outside the capture.
 * @example
 * simulateTraffic({ seed: 1, durationSeconds: 600, attacks: [{ scenario: "port_scan", startSeconds: 120, durationSeconds: 60 }] }, "scan.pcap")
 */
export function simulateTraffic(
  options: SimulationOptions,
  pcapPath: string,
  labelsPath?: string,
): SimulationResult {
  const startText = options.start ?? "2026-03-02T08:00:00Z";
  const t0 = Date.parse(startText) / 1000;
  if (!Number.isFinite(t0))
    throw new OptionError(`simulateTraffic: start "${startText}" is not an ISO 8601 time.`);
  const duration = options.durationSeconds ?? 3600;
  if (!(duration > 0))
    throw new OptionError(`simulateTraffic: durationSeconds must be positive, got ${duration}.`);
  const t1 = t0 + duration;
  const rng = seeded(options.seed);
  const net = buildNetwork(options, rng);
  const starts = normalStarts(net, rng, t0, t1, options.intensity ?? 1);
  const windows: AttackWindow[] = [];
  for (const spec of options.attacks ?? []) {
    if (spec.startSeconds < 0 || spec.startSeconds + spec.durationSeconds > duration) {
      throw new OptionError(
        `simulateTraffic: attack ${spec.scenario} runs ${spec.startSeconds}-${spec.startSeconds + spec.durationSeconds} s, ` +
          `outside the ${duration} s capture.`,
      );
    }
    const plan = planAttack(spec, net, t0, (n) => Math.floor(rng() * n));
    windows.push(plan.window);
    starts.push(...plan.starts);
  }
  // Stable sort: equal start times keep their creation order, so runs repeat exactly.
  const order = starts.map((s, i) => i).sort((a, b) => starts[a].t - starts[b].t || a - b);

  const writer = new PcapWriter(pcapPath);
  const heap = new FrameHeap();
  const connections: ConnectionLabel[] = [];
  const attackConnections: Record<string, number> = {};
  const sink: PacketSink = {
    emit: (ts, frame) => {
      if (ts < t1) heap.push(ts, frame); // the capture stops at its end time
    },
    label: (label) => {
      connections.push(label);
      attackConnections[label.scenario] = (attackConnections[label.scenario] ?? 0) + 1;
    },
  };
  const ctx = new SimContext(sink, rng);
  const write = (ts: number, frame: Uint8Array): void => writer.write(ts, frame);
  try {
    for (const i of order) {
      const s = starts[i];
      while (heap.peekTime() < s.t) heap.pop(write);
      s.play(ctx);
    }
    while (heap.size > 0) heap.pop(write);
  } finally {
    writer.close();
  }
  const labels: SimulationLabels = {
    format: "detective-simulation-labels",
    version: 1,
    options,
    start: t0,
    end: t1,
    windows,
    connections,
  };
  const labelsFile = labelsPath ?? pcapPath.replace(/\.pcap$/, "") + ".labels.json";
  writeOutputFile(labelsFile, `${JSON.stringify(labels)}\n`, { what: "labels file" });
  return {
    pcap: pcapPath,
    labels: labelsFile,
    packets: writer.packets,
    bytes: writer.bytes,
    sessions: starts.length,
    start: t0,
    end: t1,
    windows,
    attackConnections,
  };
}
