/**
 * Alert aggregation: alerts with the same key (source address and kind, e.g. the detector or
 * attack family) that follow each other within `windowSeconds` of event time are merged into one
 * incident, so a flood of a million alerts becomes a handful of log lines an analyst can read.
 *
 * An incident is emitted three ways:
 * - `open`, with its first alert, as soon as it starts, so analysts see it at once;
 * - `update`, at most every `updateSeconds` while alerts keep coming (a flood that never pauses
 *   would otherwise show nothing between its opening line and its end);
 * - `close`, with the final count, first/last time, top score and sample, when no alert has come for
 *   `windowSeconds` (checked on each new event time and on `flush()`), when `maxOpen` forces out
 *   the least recently active incident, or at `flush()`.
 *
 * A flood from forged source addresses would open one incident per forged address. So alerts also
 * count, per destination and kind, the distinct sources that alerted on it within the window: once
 * more than `fanIn` have, the alerts of further sources for that destination (those without an
 * incident of their own) merge into one destination incident (`scope: "destination"`, src `*`,
 * `dst` the victim, `sources` the distinct sources counted).
 *
 * Memory is bounded: at most `maxOpen` open incidents, each holding its first alert and at most
 * `sampleSize` alert ids, and at most `maxOpen` destinations tracked, each with at most `fanIn + 1`
 * sources (a destination incident counts up to `MAX_COUNTED_SOURCES` distinct ones, then says "at
 * least"). Time is event time (the records' own timestamps), so a replay of a capture aggregates
 * the same way as the live traffic did.
 */
import { InputError, OptionError } from "../core/errors";
import type { IncidentCloseReason, IncidentEvent } from "../events/event";
import { isoTimestamp } from "../events/isoTimestamp";

/** The fields of an alert that aggregation reads; alerts may carry any other fields. */
export interface AlertLike {
  /** Unique alert id (e.g. its line index in the alert log). */
  readonly id: string | number;
  /** Event time, seconds since the epoch. */
  readonly time: number;
  /** Source address (use a fixed placeholder such as "-" when unknown). */
  readonly src: string;
  /** Destination address, when known: alerts from many sources to one destination merge by it. */
  readonly dst?: string;
  /** What raised it: the detector, or the attack family (part of the key). */
  readonly kind: string;
  /** Anomaly score; higher means more anomalous. */
  readonly score: number;
}

/** Options of `IncidentAggregator`. */
export interface IncidentOptions {
  /** An incident closes when no alert with its key has come for this long (event time). Default 60 s. */
  windowSeconds?: number;
  /** An open incident is re-emitted (`update`) at most this often while alerts keep coming. Default 300 s; Infinity turns updates off. */
  updateSeconds?: number;
  /** Alert ids kept per incident: the first ones, in arrival order. Default 10. */
  sampleSize?: number;
  /** Open incidents at most; opening one more closes the least recently active (counted as evicted). Default 10,000. */
  maxOpen?: number;
  /**
   * Distinct sources alerting on one destination (same kind, within the window) beyond which the
   * alerts of further sources merge into one destination incident. Default 20; Infinity turns it off.
   */
  fanIn?: number;
}

/** Distinct sources a destination incident counts exactly; beyond, `sourcesAtLeast` is set. */
export const MAX_COUNTED_SOURCES = 256;

export type { IncidentCloseReason } from "../events/event";

/**
 * One emitted incident line, an `IncidentEvent` (a snapshot: later changes do not alter it).
 * `incident` is `incident-<first alert's id>` ("alert-" dropped), unique when alert ids are; `id`
 * is the line's: `<incident>:open`, `<incident>:update-<k>`, `<incident>:close`.
 */
export type IncidentRecord<A extends AlertLike = AlertLike> = IncidentEvent<A>;

/** What the aggregator did; nothing is merged or closed without a count here. */
export interface IncidentStats {
  alerts: number;
  opened: number;
  updates: number;
  closed: number;
  /** Incidents closed early because `maxOpen` were open (also counted in `closed`). */
  evicted: number;
  /** Destination incidents opened (also counted in `opened`). */
  destinations: number;
  /** Alerts whose time was earlier than the latest time seen (merged, not reordered). */
  outOfOrder: number;
}

interface Open<A extends AlertLike> {
  key: string;
  id: string;
  /** Set for a destination incident: its victim and the distinct sources merged (capped). */
  dst?: string;
  sources?: Set<string>;
  sourcesAtLeast?: boolean;
  first: A;
  count: number;
  firstSeen: number;
  lastSeen: number;
  maxScore: number;
  sampleIds: (string | number)[];
  lastEmitted: number;
  /** Update lines emitted so far (numbers the update lines' ids). */
  updates: number;
}

/** Receives each incident record (write it to the incident log). */
export type IncidentSink<A extends AlertLike> = (record: IncidentRecord<A>) => void;

/**
 * Merges alerts into incidents. Call `add(alert, emit)` for each alert in (roughly) time order,
 * `advance(time, emit)` when time moves on without alerts (e.g. for each processed record), and
 * `flush(emit)` at shutdown.
 *
 * @example
 * const agg = new IncidentAggregator({ windowSeconds: 60 });
 * const out: IncidentRecord[] = [];
 * for (let i = 0; i < 1_000_000; i++) agg.add({ id: i, time: 1000 + i / 1000, src: "10.0.0.9", kind: "IsolationForest", score: 3 }, (r) => out.push(r));
 * agg.flush((r) => out.push(r));
 * out.map((r) => r.event); // ["open", "update", "update", "update", "close"] (1000 s of flood, updates every 300 s)
 * out.at(-1)?.count; // 1000000
 */
export class IncidentAggregator<A extends AlertLike = AlertLike> {
  /** The chosen options, with defaults filled in. */
  readonly opts: Readonly<Required<IncidentOptions>>;
  /** Counters; see `IncidentStats`. */
  readonly stats: IncidentStats = {
    alerts: 0,
    opened: 0,
    updates: 0,
    closed: 0,
    evicted: 0,
    destinations: 0,
    outOfOrder: 0,
  };
  /** Open incidents in order of last activity (a Map keeps insertion order; touched ones move to the end). */
  private readonly open = new Map<string, Open<A>>();
  /** Per destination and kind: the distinct sources that alerted on it lately, by last activity. */
  private readonly targets = new Map<string, { sources: Map<string, number>; lastSeen: number }>();
  private now = Number.NEGATIVE_INFINITY;

  constructor(options: IncidentOptions = {}) {
    const opts = {
      windowSeconds: options.windowSeconds ?? 60,
      updateSeconds: options.updateSeconds ?? 300,
      sampleSize: options.sampleSize ?? 10,
      maxOpen: options.maxOpen ?? 10_000,
      fanIn: options.fanIn ?? 20,
    };
    if (!(opts.windowSeconds > 0) || !Number.isFinite(opts.windowSeconds)) {
      throw new OptionError(
        `IncidentAggregator: windowSeconds must be a positive number of seconds, got ${opts.windowSeconds}.`,
      );
    }
    if (!(opts.updateSeconds > 0)) {
      throw new OptionError(
        `IncidentAggregator: updateSeconds must be positive (Infinity for no updates), got ${opts.updateSeconds}.`,
      );
    }
    if (!Number.isInteger(opts.sampleSize) || opts.sampleSize < 0) {
      throw new OptionError(
        `IncidentAggregator: sampleSize must be an integer >= 0, got ${opts.sampleSize}.`,
      );
    }
    if (!(opts.fanIn >= 1)) {
      throw new OptionError(
        `IncidentAggregator: fanIn must be at least 1 (Infinity to key by source only), got ${opts.fanIn}.`,
      );
    }
    if (!Number.isInteger(opts.maxOpen) || opts.maxOpen < 1) {
      throw new OptionError(`IncidentAggregator: maxOpen must be an integer >= 1, got ${opts.maxOpen}.`);
    }
    this.opts = Object.freeze(opts);
  }

  /** Incidents open now. */
  get openIncidents(): number {
    return this.open.size;
  }

  /** The latest event time seen (-Infinity before the first). */
  get time(): number {
    return this.now;
  }

  /**
   * Adds one alert: first closes incidents idle for longer than the window at the alert's time,
   * then merges the alert into its key's incident or opens a new one (emitting `open`).
   * @returns the incident's alert count with this one (1: it opened the incident).
   * @throws InputError for an alert without a finite time, with a NaN score, or without string
   *   src and kind (a bug upstream, or alerts read from somewhere else).
   */
  add(alert: A, emit: IncidentSink<A>): number {
    const { time, score } = alert;
    if (
      !Number.isFinite(time) ||
      Number.isNaN(score) ||
      typeof alert.src !== "string" ||
      typeof alert.kind !== "string"
    ) {
      throw new InputError(
        `IncidentAggregator.add: alert ${String(alert.id)} has time ${time}, score ${score}, src ${String(alert.src)}, ` +
          `kind ${String(alert.kind)}; alerts need a finite event time in seconds, a score, and string src and kind.`,
      );
    }
    this.stats.alerts++;
    if (time < this.now) this.stats.outOfOrder++;
    else this.advance(time, emit);
    let key = `${alert.kind}\u0000${alert.src}`;
    let inc = this.open.get(key);
    let dst: string | undefined;
    if (typeof alert.dst === "string" && this.opts.fanIn < Number.POSITIVE_INFINITY) {
      const dstKey = `${alert.kind}\u0001${alert.dst}`;
      const sources = this.fanInOf(dstKey, alert.src, time);
      // no incident of its own: is its destination under attack from many sources?
      if (inc === undefined) {
        inc = this.open.get(dstKey);
        if (inc !== undefined || sources > this.opts.fanIn) {
          key = dstKey;
          dst = alert.dst;
        }
      }
    }
    if (inc === undefined) {
      if (this.open.size >= this.opts.maxOpen) this.evictOldest(emit);
      const opened: Open<A> = {
        key,
        id: `incident-${String(alert.id).replace(/^alert-/, "")}`,
        first: alert,
        count: 1,
        firstSeen: time,
        lastSeen: time,
        maxScore: score,
        sampleIds: this.opts.sampleSize > 0 ? [alert.id] : [],
        lastEmitted: time,
        updates: 0,
        ...(dst !== undefined ? { dst, sources: new Set([alert.src]), sourcesAtLeast: false } : {}),
      };
      this.open.set(key, opened);
      this.stats.opened++;
      if (dst !== undefined) this.stats.destinations++;
      emit(this.record(opened, "open"));
      return 1;
    }
    if (inc.sources !== undefined && !inc.sources.has(alert.src)) {
      if (inc.sources.size < MAX_COUNTED_SOURCES) inc.sources.add(alert.src);
      else inc.sourcesAtLeast = true;
    }
    inc.count++;
    if (time > inc.lastSeen) inc.lastSeen = time;
    if (time < inc.firstSeen) inc.firstSeen = time;
    if (score > inc.maxScore) inc.maxScore = score;
    if (inc.sampleIds.length < this.opts.sampleSize) inc.sampleIds.push(alert.id);
    // Move to the end: the Map stays ordered by last activity, so expiry looks only at the front.
    this.open.delete(key);
    this.open.set(key, inc);
    if (time - inc.lastEmitted >= this.opts.updateSeconds) {
      inc.lastEmitted = time;
      inc.updates++;
      this.stats.updates++;
      emit(this.record(inc, "update"));
    }
    return inc.count;
  }

  /**
   * Moves event time forward to `time` and closes incidents whose last alert is more than
   * `windowSeconds` before it. A time earlier than the latest seen does nothing.
   */
  advance(time: number, emit: IncidentSink<A>): void {
    if (!(time > this.now)) return;
    this.now = time;
    const horizon = time - this.opts.windowSeconds;
    for (const [k, t] of this.targets) {
      if (t.lastSeen >= horizon) break; // ordered by last activity, as the incidents
      this.targets.delete(k);
    }
    for (const inc of this.open.values()) {
      // Ordered by last activity; with out-of-order alerts this order is approximate, so an
      // incident may close up to the out-of-order lag later than its window says, never earlier.
      if (inc.lastSeen >= horizon) break;
      this.close(inc, "window", emit);
    }
  }

  /** Closes every open incident (at shutdown, or the end of a replayed file). */
  flush(emit: IncidentSink<A>): void {
    for (const inc of [...this.open.values()]) this.close(inc, "flush", emit);
  }

  /**
   * Records that `src` alerted on the destination `dstKey` at `time`; returns how many distinct
   * sources alerted on it within the window before `time` (a sliding window: each source with its
   * last alert time, the most recent `fanIn + 1` kept, enough to tell "more than fanIn").
   */
  private fanInOf(dstKey: string, src: string, time: number): number {
    let t = this.targets.get(dstKey);
    if (t === undefined) {
      if (this.targets.size >= this.opts.maxOpen) {
        this.targets.delete(this.targets.keys().next().value as string);
      }
      t = { sources: new Map(), lastSeen: time };
    }
    this.targets.delete(dstKey); // move to the end: most recently active
    this.targets.set(dstKey, t);
    if (time > t.lastSeen) t.lastSeen = time;
    const { sources } = t;
    sources.delete(src); // sources stay ordered by their last alert
    sources.set(src, time);
    const horizon = time - this.opts.windowSeconds;
    for (const [s, seen] of sources) {
      if (seen >= horizon && sources.size <= this.opts.fanIn + 1) break;
      sources.delete(s);
    }
    return sources.size;
  }

  private evictOldest(emit: IncidentSink<A>): void {
    const oldest = this.open.values().next().value as Open<A>;
    this.stats.evicted++;
    this.close(oldest, "evicted", emit);
  }

  private close(inc: Open<A>, reason: IncidentCloseReason, emit: IncidentSink<A>): void {
    this.open.delete(inc.key);
    this.stats.closed++;
    emit(this.record(inc, "close", reason));
  }

  private record(
    inc: Open<A>,
    event: IncidentRecord["event"],
    closedBy?: IncidentCloseReason,
  ): IncidentRecord<A> {
    const time = event === "open" ? inc.firstSeen : inc.lastSeen;
    return {
      v: 1,
      type: "incident",
      id: `${inc.id}:${event === "update" ? `update-${inc.updates}` : event}`,
      time,
      timestamp: isoTimestamp(time),
      event,
      incident: inc.id,
      ...(inc.dst !== undefined
        ? {
            scope: "destination" as const,
            src: "*",
            dst: inc.dst,
            sources: inc.sources?.size ?? 0,
            sourcesAtLeast: inc.sourcesAtLeast ?? false,
          }
        : { scope: "source" as const, src: inc.first.src }),
      kind: inc.first.kind,
      count: inc.count,
      firstSeen: inc.firstSeen,
      lastSeen: inc.lastSeen,
      maxScore: inc.maxScore,
      sampleIds: inc.sampleIds.slice(),
      ...(event === "open" ? { first: inc.first } : {}),
      ...(closedBy !== undefined ? { closedBy } : {}),
    };
  }
}
