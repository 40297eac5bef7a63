/**
 * Floods, by victim: many half-open TCP attempts to one host (`DoS::Syn_Flood`: SYNs the
 * handshake never completed) or many unanswered UDP datagram flows to one host
 * (`DoS::UDP_Flood`) within a short epoch. The evidence is about the victim (role `victim`), so a
 * flood from forged sources is one incident about its victim, not hundreds about its sources; when
 * a few sources send most of it (no forgery), each of them also gets evidence as an attacker.
 * Thresholds: the normal capture's largest count per victim and epoch times `FLOOD_MARGIN`, never
 * below `SYN_FLOOD_MIN` / `UDP_FLOOD_MIN`.
 */
import type { ConnRecord } from "../flows/connRecord";
import {
  type Detection,
  type DetectionContext,
  type DetectionInfo,
  DETECTION_POINTS,
  learnedThreshold,
  MaxTracker,
  severityOf,
} from "./detection";
import { SumStats, type KeyResult } from "./sumStats";

/** Epoch of the flood counts, seconds. */
export const FLOOD_EPOCH_SECONDS = 10;
/** Half-open attempts on one victim per epoch at least (10/s). */
export const SYN_FLOOD_MIN = 100;
/** Unanswered UDP flows to one victim per epoch at least (10/s). */
export const UDP_FLOOD_MIN = 100;
/** Learned thresholds are the normal capture's largest count times this. */
export const FLOOD_MARGIN = 3;
/** Sources named as attackers when the flood has at most this many distinct ones. */
export const FLOOD_NAMED_SOURCES = 3;

/** A TCP attempt whose handshake never completed (no ACK from the originator, no payload). */
function halfOpen(c: ConnRecord): boolean {
  return (
    c.proto === "tcp" &&
    c.origBytes === 0 &&
    c.respBytes === 0 &&
    (c.state === "S0" ||
      c.state === "S1" ||
      c.state === "REJ" ||
      c.state === "SH" ||
      c.state === "OTH" ||
      c.state === "RSTOS0")
  );
}

/** A UDP flow the responder never answered. */
function unansweredUdp(c: ConnRecord): boolean {
  return c.proto === "udp" && c.respPackets === 0;
}

class FloodDetection implements Detection {
  readonly name = "flood";
  private readonly syn: SumStats;
  private readonly udp: SumStats;
  private readonly seen = new MaxTracker();
  private readonly synLimit: number;
  private readonly udpLimit: number;
  /** Attempts per source of each victim's current epoch (bounded: the first sources only). */
  private readonly perSource = new Map<string, Map<string, number>>();

  constructor(private readonly ctx: DetectionContext) {
    const b = ctx.baseline ?? {};
    this.synLimit = learnedThreshold(SYN_FLOOD_MIN, b.synMax, FLOOD_MARGIN);
    this.udpLimit = learnedThreshold(UDP_FLOOD_MIN, b.udpMax, FLOOD_MARGIN);
    const make = (note: string, limitName: "synMax" | "udpMax", limit: number, what: string): SumStats =>
      new SumStats({
        epochSeconds: FLOOD_EPOCH_SECONDS,
        metric: (r) => r.count,
        threshold: ctx.learning ? undefined : limit,
        onThreshold: (r, time) => this.raise(note, r, limit, time, what),
        onEpochEnd: (r) => {
          if (ctx.learning) this.seen.see(limitName, r.count);
          this.perSource.delete(`${note}|${r.key}`);
        },
        maxUnique: 65_536,
      });
    this.syn = make("DoS::Syn_Flood", "synMax", this.synLimit, "half-open TCP attempts");
    this.udp = make("DoS::UDP_Flood", "udpMax", this.udpLimit, "unanswered UDP flows");
  }

  private raise(note: string, r: KeyResult, limit: number, time: number, what: string): void {
    const victim = r.key;
    const seconds = Math.max(1, r.last - r.first);
    const severity = severityOf(r.count, limit);
    const sources = r.uniqueAtLeast ? `at least ${r.unique}` : String(r.unique);
    this.ctx.raise({
      note,
      detector: this.name,
      time,
      firstSeen: r.first,
      host: victim,
      role: "victim",
      severity,
      points: DETECTION_POINTS[severity],
      message: `${victim} received ${r.count} ${what} from ${sources} sources in ${seconds.toFixed(0)} s (threshold ${limit} per ${FLOOD_EPOCH_SECONDS} s)`,
      facts: {
        attempts: r.count,
        sources: r.unique,
        threshold: limit,
        ratePerSecond: Math.round(r.count / seconds),
      },
    });
    if (r.unique > FLOOD_NAMED_SOURCES) return; // forged or many sources: the victim is the incident
    const counts = this.perSource.get(`${note}|${victim}`);
    for (const [src, n] of counts ?? []) {
      if (n < r.count / (2 * FLOOD_NAMED_SOURCES)) continue;
      this.ctx.raise({
        note,
        detector: this.name,
        time,
        firstSeen: r.first,
        host: src,
        role: "attacker",
        peer: victim,
        severity,
        points: DETECTION_POINTS[severity],
        message: `${src} sent ${n} of the ${r.count} ${what} flooding ${victim} in ${seconds.toFixed(0)} s`,
        facts: { attempts: n, total: r.count, threshold: limit },
      });
    }
  }

  private observe(stats: SumStats, note: string, c: ConnRecord): void {
    stats.observe(c.dst, c.ts, { text: c.src });
    const key = `${note}|${c.dst}`;
    let counts = this.perSource.get(key);
    if (!counts) this.perSource.set(key, (counts = new Map()));
    const n = counts.get(c.src);
    if (n !== undefined) counts.set(c.src, n + 1);
    else if (counts.size <= FLOOD_NAMED_SOURCES) counts.set(c.src, 1);
  }

  conn(c: ConnRecord): void {
    if (halfOpen(c)) this.observe(this.syn, "DoS::Syn_Flood", c);
    else if (unansweredUdp(c)) this.observe(this.udp, "DoS::UDP_Flood", c);
  }

  advance(time: number): void {
    this.syn.advance(time);
    this.udp.advance(time);
  }

  flush(): void {
    this.syn.flush();
    this.udp.flush();
  }

  baseline(): Record<string, number> {
    return this.seen.toJSON();
  }

  thresholds(): Record<string, number> {
    return { synFloodAttempts: this.synLimit, udpFloodFlows: this.udpLimit };
  }
}

export const floodDetection: DetectionInfo = {
  name: "flood",
  notes: ["DoS::Syn_Flood", "DoS::UDP_Flood"],
  description:
    "Half-open TCP attempts or unanswered UDP flows to one victim within 10 s, against the normal capture's busiest victim; evidence about the victim (and about its few sources when not forged).",
  create: (ctx) => new FloodDetection(ctx),
};
