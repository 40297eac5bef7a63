/**
 * The monitor's counters and latency percentiles, in fixed memory, with a `snapshot()` that is a
 * plain JSON object (for a stats log line or a status endpoint).
 *
 * Latency percentiles come from a log-bucketed histogram (the DDSketch construction of Masson,
 * Rim and Lee, "DDSketch: a fast and fully-mergeable quantile sketch with relative-error
 * guarantees", VLDB 2019): bucket i holds values in (gamma^(i-1), gamma^i] * minValue with
 * gamma = (1 + a) / (1 - a), and reports 2 gamma^i / (gamma + 1) * minValue, which is within a
 * relative error `a` of every value in the bucket. So a quantile read from the histogram is within
 * `a` (default 1%) of the exact order statistic of the same rank. No sampling, so no randomness.
 */
import { DetectiveError, OptionError } from "../core/errors";

/** Options of `LatencyHistogram`. */
export interface LatencyHistogramOptions {
  /** Largest relative error of a reported quantile, in (0, 0.5). Default 0.01 (1%). */
  relativeError?: number;
  /**
   * Smallest value measured with the relative-error guarantee, in the caller's unit (the monitor
   * uses milliseconds). Smaller values, including 0, share one bucket reported as at most this.
   * Default 0.001 (1 microsecond).
   */
  minValue?: number;
  /** Largest value measured with the guarantee; larger ones share the top bucket. Default 1e7 (about 2.8 hours in ms). */
  maxValue?: number;
}

/** Percentiles of a histogram, in the unit of the recorded values. */
export interface LatencySummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * A fixed-memory latency histogram with relative-error quantiles. 1% error over 1 microsecond to
 * 1e7 ms needs about 1,150 buckets (9 KB); `record` costs one logarithm.
 *
 * @example
 * const h = new LatencyHistogram();
 * for (const ms of [1, 2, 3, 4, 100]) h.record(ms);
 * h.quantile(0.5); // 3.0 (within 1% of the exact median, 3)
 * h.max; // 100 (exact)
 */
export class LatencyHistogram {
  /** The chosen relative error, minValue and maxValue. */
  readonly opts: Readonly<Required<LatencyHistogramOptions>>;
  private readonly counts: Float64Array;
  private readonly logGamma: number;
  private readonly gamma: number;
  private total = 0;
  private sum = 0;
  private minSeen = Number.POSITIVE_INFINITY;
  private maxSeen = Number.NEGATIVE_INFINITY;

  constructor(options: LatencyHistogramOptions = {}) {
    const opts = {
      relativeError: options.relativeError ?? 0.01,
      minValue: options.minValue ?? 0.001,
      maxValue: options.maxValue ?? 1e7,
    };
    if (!(opts.relativeError > 0 && opts.relativeError < 0.5)) {
      throw new OptionError(
        `LatencyHistogram: relativeError must be in (0, 0.5), got ${opts.relativeError}.`,
      );
    }
    if (!(opts.minValue > 0) || !(opts.maxValue > opts.minValue) || !Number.isFinite(opts.maxValue)) {
      throw new OptionError(
        `LatencyHistogram: need 0 < minValue < maxValue < Infinity, got minValue ${opts.minValue}, maxValue ${opts.maxValue}.`,
      );
    }
    this.opts = Object.freeze(opts);
    this.gamma = (1 + opts.relativeError) / (1 - opts.relativeError);
    this.logGamma = Math.log(this.gamma);
    // Bucket 0: values <= minValue; bucket i >= 1: (gamma^(i-1), gamma^i] * minValue.
    this.counts = new Float64Array(Math.ceil(Math.log(opts.maxValue / opts.minValue) / this.logGamma) + 2);
  }

  /** Values recorded. */
  get count(): number {
    return this.total;
  }

  /** The largest value recorded (exact), or NaN when empty. */
  get max(): number {
    return this.total === 0 ? Number.NaN : this.maxSeen;
  }

  /** The smallest value recorded (exact), or NaN when empty. */
  get min(): number {
    return this.total === 0 ? Number.NaN : this.minSeen;
  }

  /** The mean of the values recorded (exact up to rounding), or NaN when empty. */
  get mean(): number {
    return this.total === 0 ? Number.NaN : this.sum / this.total;
  }

  /**
   * Adds one value (e.g. a record's receive-to-verdict latency in ms).
   * @throws DetectiveError for a negative or non-finite value: a clock bug, not a latency.
   */
  record(value: number): void {
    if (!(value >= 0) || value === Number.POSITIVE_INFINITY) {
      throw new DetectiveError(
        `LatencyHistogram.record: got ${value}; latencies are finite and >= 0. Measure both ends with the same monotonic clock (performance.now()).`,
      );
    }
    this.counts[this.bucketOf(value)]++;
    this.total++;
    this.sum += value;
    if (value < this.minSeen) this.minSeen = value;
    if (value > this.maxSeen) this.maxSeen = value;
  }

  /**
   * The value at quantile q (nearest rank: the ceil(q n)-th smallest), within `relativeError` of
   * the exact order statistic for values in [minValue, maxValue]; clamped to the exact min and max,
   * and exact for q = 0 and q = 1. NaN when empty.
   * @throws OptionError for q outside [0, 1].
   * @example h.quantile(0.99) // the p99 latency
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1))
      throw new OptionError(`LatencyHistogram.quantile: q must be in [0, 1], got ${q}.`);
    if (this.total === 0) return Number.NaN;
    if (q === 1) return this.maxSeen; // tracked exactly
    if (q === 0) return this.minSeen;
    const rank = Math.max(1, Math.ceil(q * this.total));
    const counts = this.counts;
    let seen = 0;
    let i = 0;
    for (; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) break;
    }
    const value =
      i === 0 ? this.opts.minValue : ((2 * this.gamma ** i) / (this.gamma + 1)) * this.opts.minValue;
    return Math.min(Math.max(value, this.minSeen), this.maxSeen);
  }

  /** p50, p90, p99, max, mean and count (NaN for each when empty). */
  summary(): LatencySummary {
    if (this.total === 0) {
      return {
        count: 0,
        mean: Number.NaN,
        p50: Number.NaN,
        p90: Number.NaN,
        p99: Number.NaN,
        max: Number.NaN,
      };
    }
    return {
      count: this.total,
      mean: this.sum / this.total,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      max: this.maxSeen,
    };
  }

  /** Empties the histogram. */
  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sum = 0;
    this.minSeen = Number.POSITIVE_INFINITY;
    this.maxSeen = Number.NEGATIVE_INFINITY;
  }

  private bucketOf(value: number): number {
    if (value <= this.opts.minValue) return 0;
    const i = Math.ceil(Math.log(value / this.opts.minValue) / this.logGamma);
    return i < this.counts.length ? Math.max(i, 1) : this.counts.length - 1;
  }
}

/** Options of `MonitorStats`. */
export interface MonitorStatsOptions {
  /** Monotonic clock in milliseconds. Default `performance.now`. Tests pass a fake one. */
  now?: () => number;
  /** Options of the latency histogram (milliseconds). */
  latency?: LatencyHistogramOptions;
}

/** What `MonitorStats.snapshot()` returns: plain JSON (NaN becomes null when serialised). */
export interface MonitorSnapshot {
  /** Seconds since the stats were created. */
  readonly uptimeSeconds: number;
  /** Seconds since the previous snapshot (the interval the rates and `latencyMs` cover). */
  readonly intervalSeconds: number;
  readonly received: number;
  readonly processed: number;
  readonly rejected: number;
  readonly rejectedByReason: Readonly<Record<string, number>>;
  readonly dropped: number;
  readonly alerts: number;
  /** Alerts written to the alert log in full (the first ones of each incident; the rest are counted there). */
  readonly alertsWritten: number;
  /** Records above the threshold while a packet source's windows were filling: logged as `suppressed`, not alerted. */
  readonly suppressed: number;
  readonly incidents: number;
  /** Notices raised, by note (e.g. `time.jump`: a break in the packets' time, see `TrafficSeries`). */
  readonly notices: Readonly<Record<string, number>>;
  readonly queueDepth: number;
  /** Largest queue depth set since the previous snapshot. */
  readonly maxQueueDepth: number;
  /** Records received and processed per second over the interval. */
  readonly receivedPerSecond: number;
  readonly processedPerSecond: number;
  /** Latency over the interval, and since start, in milliseconds. */
  readonly latencyMs: LatencySummary;
  readonly latencyMsTotal: LatencySummary;
  /**
   * The source's own counters, when one is attached (`MonitorStats.source`): for a socket, its
   * connections refused and closed by reason, datagrams refused, the kernel's drops and so on.
   */
  readonly source?: Readonly<Record<string, unknown>>;
}

/**
 * The monitor's counters. Increment the public fields directly on the hot path (they are plain
 * numbers); `snapshot()` derives rates and interval percentiles.
 *
 * @example
 * const stats = new MonitorStats();
 * stats.received += 3; stats.processed += 2; stats.reject("field count");
 * stats.recordLatency(performance.now() - item.receivedAt);
 * JSON.stringify(stats.snapshot()); // {"uptimeSeconds":..,"received":3,"processed":2,"rejected":1,...}
 */
export class MonitorStats {
  /** Records (lines) received from the sources. */
  received = 0;
  /** Records scored. */
  processed = 0;
  /** Records dropped under load (back-pressure policy `drop`, or a full queue). */
  dropped = 0;
  /** Alerts raised. */
  alerts = 0;
  /** Alerts written to the alert log in full. */
  alertsWritten = 0;
  /** Records above the threshold during warm-up (logged, not alerted). */
  suppressed = 0;
  /** Incidents opened. */
  incidents = 0;
  private readonly noticesByNote: Record<string, number> = {};
  /**
   * Reads the source's counters for `snapshot()` (which calls it first, so it may also update
   * `dropped` and `queueDepth`); undefined when the source has none of its own.
   */
  source: (() => Readonly<Record<string, unknown>>) | undefined = undefined;
  private rejectedCount = 0;
  private readonly byReason: Record<string, number> = {};
  private depth = 0;
  private maxDepth = 0;
  private readonly now: () => number;
  private readonly started: number;
  private readonly latencyTotal: LatencyHistogram;
  private readonly latencyInterval: LatencyHistogram;
  // State at the previous snapshot, for interval rates.
  private lastAt: number;
  private lastReceived = 0;
  private lastProcessed = 0;

  constructor(options: MonitorStatsOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.latencyTotal = new LatencyHistogram(options.latency);
    this.latencyInterval = new LatencyHistogram(options.latency);
    this.started = this.now();
    this.lastAt = this.started;
  }

  /** Rejected records so far. */
  get rejected(): number {
    return this.rejectedCount;
  }

  /** Counts one rejected record under its reason key (e.g. "field count"). */
  reject(kind: string, n = 1): void {
    this.rejectedCount += n;
    this.byReason[kind] = (this.byReason[kind] ?? 0) + n;
  }

  /** Counts one notice under its note (e.g. "time.jump"). */
  notice(note: string): void {
    this.noticesByNote[note] = (this.noticesByNote[note] ?? 0) + 1;
  }

  /** Sets the current queue depth (also tracks the interval's maximum). */
  set queueDepth(depth: number) {
    this.depth = depth;
    if (depth > this.maxDepth) this.maxDepth = depth;
  }

  get queueDepth(): number {
    return this.depth;
  }

  /** Adds one latency in milliseconds. @throws DetectiveError for a negative or non-finite value. */
  recordLatency(ms: number): void {
    this.latencyTotal.record(ms);
    this.latencyInterval.record(ms);
  }

  /** The latency histogram since start (milliseconds). */
  get latencyMs(): LatencyHistogram {
    return this.latencyTotal;
  }

  /**
   * The counters as plain JSON; rates and `latencyMs` cover the time since the previous snapshot,
   * which this call starts anew.
   */
  snapshot(): MonitorSnapshot {
    const source = this.source?.();
    const at = this.now();
    const seconds = (at - this.lastAt) / 1000;
    const rate = (n: number): number => (seconds > 0 ? n / seconds : 0);
    const snap: MonitorSnapshot = {
      uptimeSeconds: (at - this.started) / 1000,
      intervalSeconds: seconds,
      received: this.received,
      processed: this.processed,
      rejected: this.rejectedCount,
      rejectedByReason: { ...this.byReason },
      dropped: this.dropped,
      alerts: this.alerts,
      alertsWritten: this.alertsWritten,
      suppressed: this.suppressed,
      incidents: this.incidents,
      notices: { ...this.noticesByNote },
      queueDepth: this.depth,
      maxQueueDepth: this.maxDepth,
      receivedPerSecond: rate(this.received - this.lastReceived),
      processedPerSecond: rate(this.processed - this.lastProcessed),
      latencyMs: this.latencyInterval.summary(),
      latencyMsTotal: this.latencyTotal.summary(),
      ...(source ? { source } : {}),
    };
    this.lastAt = at;
    this.lastReceived = this.received;
    this.lastProcessed = this.processed;
    this.latencyInterval.reset();
    this.maxDepth = this.depth;
    return snap;
  }
}
