/**
 * Scans (Zeek's `policy/misc/scan.zeek`): a host whose connection attempts fail to many ports of
 * one host (`Scan::Port_Scan`) or to one port of many hosts (`Scan::Address_Scan`) within an
 * epoch. An attempt counts when it is TCP and carried no payload either way (unanswered, rejected,
 * or reset after the handshake as a SYN scan does), so a busy client's real connections never
 * count. Thresholds: the largest distinct count a host reached in the normal capture times
 * `SCAN_MARGIN`, never below Zeek's defaults (15 ports, 25 hosts in 5 minutes).
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
import { SumStats } from "./sumStats";

/** Epoch of both scan counts, seconds (Zeek's `Scan::scan_interval`, 5 minutes). */
export const SCAN_EPOCH_SECONDS = 300;
/** Distinct ports of one host at least (Zeek's `Scan::port_scan_threshold`, 15). */
export const PORT_SCAN_MIN = 15;
/** Distinct hosts on one port at least (Zeek's `Scan::addr_scan_threshold`, 25). */
export const ADDRESS_SCAN_MIN = 25;
/** Learned thresholds are the normal capture's largest count times this. */
export const SCAN_MARGIN = 2;

/** A failed attempt: TCP with no payload either way. */
export function isFailedAttempt(c: ConnRecord): boolean {
  return c.proto === "tcp" && c.origBytes === 0 && c.respBytes === 0;
}

/** State letters of attempts the responder refused (RST), for the rejected ratio. */
function rejected(c: ConnRecord): boolean {
  return c.state === "REJ" || c.state === "RSTRH" || c.history.includes("r");
}

class ScanDetection implements Detection {
  readonly name = "scan";
  private readonly ports: SumStats;
  private readonly hosts: SumStats;
  private readonly seen = new MaxTracker();
  private readonly portLimit: number;
  private readonly hostLimit: number;
  /** Refused attempts per key of the current epochs (for the ratio in the evidence). */
  private readonly refused = new SumStats({ epochSeconds: SCAN_EPOCH_SECONDS, metric: (r) => r.count });

  constructor(private readonly ctx: DetectionContext) {
    const b = ctx.baseline ?? {};
    this.portLimit = learnedThreshold(PORT_SCAN_MIN, b.portsMax, SCAN_MARGIN);
    this.hostLimit = learnedThreshold(ADDRESS_SCAN_MIN, b.hostsMax, SCAN_MARGIN);
    const learning = ctx.learning;
    this.ports = new SumStats({
      epochSeconds: SCAN_EPOCH_SECONDS,
      metric: (r) => r.unique,
      threshold: learning ? undefined : this.portLimit,
      onThreshold: (r, time) => {
        const [src, dst] = r.key.split(">");
        this.raise(
          "Scan::Port_Scan",
          src,
          dst,
          r.unique,
          this.portLimit,
          r.first,
          time,
          r.count,
          `${r.unique} ports of ${dst}`,
        );
      },
      onEpochEnd: (r) => learning && this.seen.see("portsMax", r.unique),
    });
    this.hosts = new SumStats({
      epochSeconds: SCAN_EPOCH_SECONDS,
      metric: (r) => r.unique,
      threshold: learning ? undefined : this.hostLimit,
      onThreshold: (r, time) => {
        const [src, port] = r.key.split("|");
        this.raise(
          "Scan::Address_Scan",
          src,
          `port ${port}`,
          r.unique,
          this.hostLimit,
          r.first,
          time,
          r.count,
          `${r.unique} hosts on port ${port}`,
        );
      },
      onEpochEnd: (r) => learning && this.seen.see("hostsMax", r.unique),
    });
  }

  private raise(
    note: string,
    src: string,
    peer: string,
    value: number,
    limit: number,
    first: number,
    time: number,
    attempts: number,
    what: string,
  ): void {
    const refused = this.refused.peek(src)?.count ?? 0;
    const severity = severityOf(value, limit);
    this.ctx.raise({
      note,
      detector: this.name,
      time,
      firstSeen: first,
      host: src,
      role: "attacker",
      peer,
      severity,
      points: DETECTION_POINTS[severity],
      message: `${src} made failed connection attempts to ${what} within ${SCAN_EPOCH_SECONDS / 60} minutes (threshold ${limit}); ${refused} of its attempts were refused`,
      facts: { distinct: value, threshold: limit, attempts, refused },
    });
  }

  conn(c: ConnRecord): void {
    if (!isFailedAttempt(c)) return;
    this.ports.observe(`${c.src}>${c.dst}`, c.ts, { text: String(c.dstPort) });
    this.hosts.observe(`${c.src}|${c.dstPort}`, c.ts, { text: c.dst });
    if (rejected(c)) this.refused.observe(c.src, c.ts);
  }

  advance(time: number): void {
    this.ports.advance(time);
    this.hosts.advance(time);
    this.refused.advance(time);
  }

  flush(): void {
    this.ports.flush();
    this.hosts.flush();
    this.refused.flush();
  }

  baseline(): Record<string, number> {
    return this.seen.toJSON();
  }

  thresholds(): Record<string, number> {
    return { portScanPorts: this.portLimit, addressScanHosts: this.hostLimit };
  }
}

export const scanDetection: DetectionInfo = {
  name: "scan",
  notes: ["Scan::Port_Scan", "Scan::Address_Scan"],
  description:
    "Failed TCP attempts (no payload either way) from one host to many ports of a host or to one port of many hosts within 5 minutes.",
  create: (ctx) => new ScanDetection(ctx),
};
