/**
 * Windowed aggregation by key, the one counting helper every detection sits on (Zeek's SumStats
 * is the model): a detection observes values under a key (a source host, a client and a domain),
 * SumStats keeps per key and epoch the reductions it asked for (count, sum, min, max, mean and
 * variance, distinct values, a sample), and calls back once per key and epoch when the detection's
 * metric crosses its threshold, and at each key's epoch end. A detection then only says what to
 * count and what to conclude.
 *
 * Epochs are tumbling windows of event time per key: a key's epoch starts with its first
 * observation and ends `epochSeconds` later (so one attack is not cut in two by a clock-aligned
 * boundary). Memory is bounded: at most `maxKeys` keys (the least recently observed is ended
 * early, counted in `stats.evicted`), at most `maxUnique` distinct values per key (beyond, the
 * count is a lower bound: `uniqueAtLeast`), at most `sampleSize` samples per key.
 */
import { OptionError } from "../core/errors";

/** What one key's epoch holds. */
export interface KeyResult {
  readonly key: string;
  /** Observations. */
  readonly count: number;
  /** Sum, minimum, maximum, mean and sample variance of the observed numbers (0 when none). */
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly variance: number;
  /** Distinct observed strings (at least this many when `uniqueAtLeast`). */
  readonly unique: number;
  readonly uniqueAtLeast: boolean;
  /** The first observed strings (up to `sampleSize`). */
  readonly samples: readonly string[];
  /** Observations per tag (e.g. a DNS query type), for the first `MAX_TAGS` distinct tags. */
  readonly tags: Readonly<Record<string, number>>;
  /** Times of the first and latest observation. */
  readonly first: number;
  readonly last: number;
}

/** Options of `SumStats`. */
export interface SumStatsOptions {
  /** Length of a key's epoch, seconds of event time. */
  readonly epochSeconds: number;
  /** The detection's metric of a key's epoch (e.g. `(r) => r.unique`). */
  readonly metric: (r: KeyResult) => number;
  /** Called once per key and epoch, the first time `metric(r) >= threshold` (a number, or one per key). */
  readonly threshold?: number | ((key: string) => number);
  readonly onThreshold?: (r: KeyResult, time: number) => void;
  /** Called at the end of each key's epoch (for baselines: every epoch's metric). */
  readonly onEpochEnd?: (r: KeyResult) => void;
  /** Keys held at most. Default 100,000. */
  readonly maxKeys?: number;
  /** Distinct strings held per key. Default 4,096. */
  readonly maxUnique?: number;
  /** Samples kept per key. Default 5. */
  readonly sampleSize?: number;
}

/** Distinct tags counted per key (`observe`'s `tag`); later new tags are not counted. */
export const MAX_TAGS = 16;

/** What SumStats counted. */
export interface SumStatsStats {
  observations: number;
  epochs: number;
  crossed: number;
  /** Keys ended early because `maxKeys` were held. */
  evicted: number;
}

class Accumulator implements KeyResult {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  mean = 0;
  private m2 = 0;
  uniqueAtLeast = false;
  readonly samples: string[] = [];
  readonly tags: Record<string, number> = {};
  private tagCount = 0;
  numbered = 0;
  last: number;
  crossed = false;
  private readonly seen = new Set<string>();

  constructor(
    readonly key: string,
    readonly first: number,
  ) {
    this.last = first;
  }

  get unique(): number {
    return this.seen.size;
  }

  get variance(): number {
    return this.count > 1 ? this.m2 / (this.count - 1) : 0;
  }

  add(time: number, obs: Observation, o: Required<Limits>): void {
    const { value, text, tag } = obs;
    this.count++;
    if (tag !== undefined) {
      const n = this.tags[tag];
      if (n !== undefined) this.tags[tag] = n + 1;
      else if (this.tagCount < MAX_TAGS) {
        this.tags[tag] = 1;
        this.tagCount++;
      }
    }
    if (time > this.last) this.last = time;
    if (value !== undefined) {
      this.sum += value;
      if (value < this.min) this.min = value;
      if (value > this.max) this.max = value;
      // Welford's update over the numbered observations only.
      const n = this.numbered + 1;
      const d = value - this.mean;
      this.mean += d / n;
      this.m2 += d * (value - this.mean);
      this.numbered = n;
    }
    if (text !== undefined) {
      if (this.seen.size < o.maxUnique) this.seen.add(text);
      else if (!this.seen.has(text)) this.uniqueAtLeast = true;
      if (this.samples.length < o.sampleSize && !this.samples.includes(text)) this.samples.push(text);
    }
  }

  snapshot(): KeyResult {
    return {
      key: this.key,
      count: this.count,
      sum: this.sum,
      min: this.numbered ? this.min : 0,
      max: this.numbered ? this.max : 0,
      mean: this.mean,
      variance: this.variance,
      unique: this.unique,
      uniqueAtLeast: this.uniqueAtLeast,
      samples: [...this.samples],
      tags: { ...this.tags },
      first: this.first,
      last: this.last,
    };
  }
}

/** One observation's parts (see `SumStats.observe`). */
export interface Observation {
  readonly value?: number;
  readonly text?: string;
  readonly tag?: string;
}

interface Limits {
  maxKeys?: number;
  maxUnique?: number;
  sampleSize?: number;
}

/**
 * Per-key epochs of observations with a threshold callback.
 * @example
 * // Zeek's port scan: distinct ports per scanner and victim in 5 minutes
 * const ports = new SumStats({ epochSeconds: 300, metric: (r) => r.unique, threshold: 15,
 *   onThreshold: (r, t) => console.log(`${r.key} probed ${r.unique} ports`) });
 * ports.observe(`${src}>${dst}`, time, { text: String(dstPort) });
 */
export class SumStats {
  readonly stats: SumStatsStats = { observations: 0, epochs: 0, crossed: 0, evicted: 0 };
  private readonly keys = new Map<string, Accumulator>();
  private readonly limits: Required<Limits>;
  private latest = Number.NEGATIVE_INFINITY;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: SumStatsOptions) {
    this.limits = {
      maxKeys: options.maxKeys ?? 100_000,
      maxUnique: options.maxUnique ?? 4096,
      sampleSize: options.sampleSize ?? 5,
    };
    if (!(options.epochSeconds > 0)) {
      throw new OptionError(`SumStats: epochSeconds must be > 0, got ${options.epochSeconds}.`);
    }
    for (const [name, v] of Object.entries(this.limits)) {
      if (!(Number.isInteger(v) && v >= 1)) {
        throw new OptionError(`SumStats: ${name} must be an integer >= 1, got ${v}.`);
      }
    }
  }

  /** Keys held now. */
  get size(): number {
    return this.keys.size;
  }

  /**
   * One observation of `key` at `time`: `value` for the numeric reductions, `text` for the distinct
   * count and the sample, `tag` for the per-tag counts (all optional: an observation alone counts).
   */
  observe(key: string, time: number, obs: Observation = {}): void {
    this.stats.observations++;
    this.advance(time);
    let acc = this.keys.get(key);
    if (acc && time >= acc.first + this.options.epochSeconds) {
      this.end(acc);
      acc = undefined;
    }
    if (!acc) {
      if (this.keys.size >= this.limits.maxKeys) {
        // Least recently observed first: Map order is insertion order, so the oldest epoch goes.
        const oldest = this.keys.values().next().value as Accumulator;
        this.stats.evicted++;
        this.end(oldest);
      }
      acc = new Accumulator(key, time);
    } else {
      this.keys.delete(key); // re-inserted below: the map stays in order of last observation
    }
    this.keys.set(key, acc);
    acc.add(time, obs, this.limits);
    const { threshold, onThreshold } = this.options;
    if (
      !acc.crossed &&
      threshold !== undefined &&
      this.options.metric(acc) >= (typeof threshold === "number" ? threshold : threshold(key))
    ) {
      acc.crossed = true;
      this.stats.crossed++;
      onThreshold?.(acc.snapshot(), time);
    }
  }

  /** The current epoch of `key`, if it has one. */
  peek(key: string): KeyResult | undefined {
    return this.keys.get(key)?.snapshot();
  }

  /** Ends the epochs that are over by `time` (swept at most once per second of event time). */
  advance(time: number): void {
    if (time > this.latest) this.latest = time;
    if (this.latest - this.lastSweep < 1) return;
    this.lastSweep = this.latest;
    for (const acc of this.keys.values()) {
      if (acc.first + this.options.epochSeconds <= this.latest) this.end(acc);
    }
  }

  /** Ends every epoch (end of input). */
  flush(): void {
    for (const acc of [...this.keys.values()]) this.end(acc);
  }

  private end(acc: Accumulator): void {
    this.keys.delete(acc.key);
    this.stats.epochs++;
    this.options.onEpochEnd?.(acc.snapshot());
  }
}
