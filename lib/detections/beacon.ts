/**
 * Beaconing (`C2::Beacon`): one host connecting to one destination (address and port) at regular
 * intervals despite jitter, as implants poll their command-and-control server. Per pair, the
 * intervals between connection starts within an hour are reduced to their mean and spread; a pair
 * whose intervals' coefficient of variation stays at most `BEACON_MAX_CV` over at least
 * `BEACON_MIN_INTERVALS` intervals of at least `BEACON_MIN_PERIOD_SECONDS` is a beacon, unless its
 * destination is a fleet service (`BEACON_FLEET_HOSTS` or more hosts poll it: an update or
 * telemetry server) or the normal capture already had it beaconing. Ordinary browsing is bursty
 * (a coefficient near 1 or above), so it does not pass.
 */
import type { ConnRecord } from "../flows/connRecord";
import { type Detection, type DetectionContext, type DetectionInfo, DETECTION_POINTS } from "./detection";
import { type KeyResult, SumStats } from "./sumStats";

/** Epoch of the interval statistics, seconds. */
export const BEACON_EPOCH_SECONDS = 3600;
/** Intervals at least before a pair can be a beacon. */
export const BEACON_MIN_INTERVALS = 4;
/** Largest coefficient of variation (standard deviation / mean) of a beacon's intervals. */
export const BEACON_MAX_CV = 0.35;
/** Shortest mean interval, seconds (faster is a burst, not a beacon). */
export const BEACON_MIN_PERIOD_SECONDS = 2;
/** Distinct hosts polling one destination from which it is a fleet service. */
export const BEACON_FLEET_HOSTS = 3;
/** Pairs whose last start is remembered at most. */
export const BEACON_PAIRS_MAX = 200_000;
/** Destinations learned as beaconing in the normal capture, kept at most. */
export const BEACON_LEARNED_MAX = 5000;

/** The beacon metric: intervals counted while they are regular enough; else 0. */
function beaconMetric(r: KeyResult): number {
  if (r.count < BEACON_MIN_INTERVALS || r.mean < BEACON_MIN_PERIOD_SECONDS) return 0;
  return Math.sqrt(r.variance) / r.mean <= BEACON_MAX_CV ? r.count : 0;
}

class BeaconDetection implements Detection {
  readonly name = "beacon";
  private readonly intervals: SumStats;
  /** Distinct hosts per destination, this epoch. */
  private readonly pollers = new SumStats({
    epochSeconds: BEACON_EPOCH_SECONDS,
    metric: (r) => r.unique,
    maxKeys: 100_000,
    maxUnique: 64,
  });
  private readonly lastStart = new Map<string, number>();
  private readonly quiet: Set<string>;
  private readonly learned = new Set<string>();

  constructor(private readonly ctx: DetectionContext) {
    const b = ctx.baseline ?? {};
    const dests = Array.isArray(b.quietDestinations)
      ? b.quietDestinations.filter((d) => typeof d === "string")
      : [];
    this.quiet = new Set(dests);
    this.intervals = new SumStats({
      epochSeconds: BEACON_EPOCH_SECONDS,
      metric: beaconMetric,
      threshold: BEACON_MIN_INTERVALS,
      onThreshold: (r, time) => this.crossed(r, time),
    });
  }

  private crossed(r: KeyResult, time: number): void {
    const [src, dest] = r.key.split(">");
    if (this.ctx.learning) {
      if (this.learned.size < BEACON_LEARNED_MAX) this.learned.add(dest);
      return;
    }
    if (this.quiet.has(dest)) return;
    const hosts = this.pollers.peek(dest)?.unique ?? 1;
    if (hosts >= BEACON_FLEET_HOSTS) return;
    const cv = Math.sqrt(r.variance) / r.mean;
    this.ctx.raise({
      note: "C2::Beacon",
      detector: this.name,
      time,
      firstSeen: r.first - r.mean, // its first interval ended at r.first
      host: src,
      role: "attacker",
      peer: dest,
      severity: "medium",
      points: DETECTION_POINTS.medium,
      message: `${src} connected to ${dest} ${r.count + 1} times every ${r.mean.toFixed(1)} s (coefficient of variation ${cv.toFixed(2)}, at most ${BEACON_MAX_CV}); no other host polls it`,
      facts: {
        connections: r.count + 1,
        periodSeconds: Math.round(r.mean * 10) / 10,
        cv: Math.round(cv * 1000) / 1000,
        pollers: hosts,
      },
    });
  }

  conn(c: ConnRecord): void {
    if (c.proto === "icmp") return;
    const dest = `${c.dst}:${c.dstPort}`;
    const key = `${c.src}>${dest}`;
    this.pollers.observe(dest, c.ts, { text: c.src });
    const last = this.lastStart.get(key);
    if (last !== undefined) this.lastStart.delete(key);
    else if (this.lastStart.size >= BEACON_PAIRS_MAX) {
      this.lastStart.delete(this.lastStart.keys().next().value as string);
    }
    this.lastStart.set(key, Math.max(c.ts, last ?? c.ts));
    if (last !== undefined && c.ts > last) this.intervals.observe(key, c.ts, { value: c.ts - last });
  }

  advance(time: number): void {
    this.intervals.advance(time);
    this.pollers.advance(time);
  }

  flush(): void {
    this.intervals.flush();
    this.pollers.flush();
  }

  baseline(): Record<string, unknown> {
    return { quietDestinations: [...this.learned].sort() };
  }

  thresholds(): Record<string, number> {
    return { minIntervals: BEACON_MIN_INTERVALS, maxCv: BEACON_MAX_CV, quietDestinations: this.quiet.size };
  }
}

export const beaconDetection: DetectionInfo = {
  name: "beacon",
  notes: ["C2::Beacon"],
  description:
    "One host connecting to one destination at regular intervals (coefficient of variation at most 0.35 over 4 or more intervals within an hour), unless 3 or more hosts poll it or the normal capture had it beaconing.",
  create: (ctx) => new BeaconDetection(ctx),
};
