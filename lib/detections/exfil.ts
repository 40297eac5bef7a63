/**
 * Exfiltration by volume (`Exfil::Volume`): the bytes a host uploads (connections it opened that
 * sent more than they received) within an epoch, against that host's own largest epoch in the
 * normal capture. A host the baseline never saw is held to the largest any host reached. The
 * threshold per host is its baseline times `EXFIL_MARGIN`, never below `EXFIL_MIN_BYTES`.
 * A connection's bytes are known when it ends, so one long upload is seen at its end.
 */
import type { ConnRecord } from "../flows/connRecord";
import {
  type Detection,
  type DetectionContext,
  type DetectionInfo,
  DETECTION_POINTS,
  learnedThreshold,
  severityOf,
} from "./detection";
import { SumStats } from "./sumStats";

/** Epoch of the upload sums, seconds. */
export const EXFIL_EPOCH_SECONDS = 600;
/** Uploaded bytes per host and epoch at least. */
export const EXFIL_MIN_BYTES = 4_000_000;
/** Learned thresholds are the host's (or the busiest host's) largest epoch times this. */
export const EXFIL_MARGIN = 3;
/** Hosts whose baseline is kept at most (the busiest uploaders first). */
export const EXFIL_HOSTS_MAX = 5000;

class ExfilDetection implements Detection {
  readonly name = "exfil";
  private readonly uploads: SumStats;
  private readonly perHost = new Map<string, number>();
  private readonly limits = new Map<string, number>();
  private readonly defaultLimit: number;

  constructor(private readonly ctx: DetectionContext) {
    const b = ctx.baseline ?? {};
    const hosts = (b.hosts ?? {}) as Record<string, unknown>;
    let busiest = 0;
    for (const [host, max] of Object.entries(hosts)) {
      if (typeof max !== "number") continue;
      this.limits.set(host, learnedThreshold(EXFIL_MIN_BYTES, max, EXFIL_MARGIN));
      busiest = Math.max(busiest, max);
    }
    this.defaultLimit = learnedThreshold(EXFIL_MIN_BYTES, busiest, EXFIL_MARGIN);
    const limitOf = (host: string): number => this.limits.get(host) ?? this.defaultLimit;
    this.uploads = new SumStats({
      epochSeconds: EXFIL_EPOCH_SECONDS,
      metric: (r) => r.sum,
      threshold: ctx.learning ? undefined : limitOf,
      onThreshold: (r, time) => {
        const limit = limitOf(r.key);
        const severity = severityOf(r.sum, limit);
        const mb = (n: number): string => (n / 1e6).toFixed(1);
        ctx.raise({
          note: "Exfil::Volume",
          detector: this.name,
          time,
          firstSeen: r.first,
          host: r.key,
          role: "attacker",
          peer: r.samples[0],
          severity,
          points: DETECTION_POINTS[severity],
          message: `${r.key} uploaded ${mb(r.sum)} MB to ${r.unique} destination(s) (${r.samples.join(", ")}) in ${Math.max(1, r.last - r.first).toFixed(0)} s (its threshold ${mb(limit)} MB per ${EXFIL_EPOCH_SECONDS / 60} minutes${this.limits.has(r.key) ? "" : ", a host the baseline never saw"})`,
          facts: { bytes: r.sum, destinations: r.unique, connections: r.count, threshold: limit },
        });
      },
      onEpochEnd: (r) => {
        if (!ctx.learning) return;
        if (r.sum > (this.perHost.get(r.key) ?? 0)) this.perHost.set(r.key, r.sum);
      },
    });
  }

  conn(c: ConnRecord): void {
    if (c.origBytes > c.respBytes && c.origBytes > 0) {
      this.uploads.observe(c.src, c.end, { value: c.origBytes, text: c.dst });
    }
  }

  advance(time: number): void {
    this.uploads.advance(time);
  }

  flush(): void {
    this.uploads.flush();
  }

  baseline(): Record<string, unknown> {
    const top = [...this.perHost].sort((a, b) => b[1] - a[1]).slice(0, EXFIL_HOSTS_MAX);
    return { hosts: Object.fromEntries(top) };
  }

  thresholds(): Record<string, number> {
    return { uploadBytesNewHost: this.defaultLimit, hostsWithOwnBaseline: this.limits.size };
  }
}

export const exfilDetection: DetectionInfo = {
  name: "exfil",
  notes: ["Exfil::Volume"],
  description:
    "Bytes a host uploads within 10 minutes against its own largest 10 minutes in the normal capture (the busiest host's for a host never seen).",
  create: (ctx) => new ExfilDetection(ctx),
};
