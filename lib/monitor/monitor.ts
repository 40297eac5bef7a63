/**
 * The real-time monitor: connection records in, scored by the study's saved pipeline and detector
 * (a model bundle), alerts out. Every record goes the same way whatever its source (a socket, a
 * pcap replay, a live capture, a dataset replay): features -> `pipeline.transformRecord` ->
 * `detector.scoreOne` -> the bundle's threshold -> an alert (one JSON line, in the spirit of
 * Suricata's EVE log) with the features that contributed most and the full record, merged into
 * incidents so a flood gives a few lines, not a million. Records that cannot be scored are
 * rejected with their reason and counted; nothing is dropped silently.
 */
import type { Detector, StreamingDetector } from "../detectors/types";
import { ConfigError, OptionError } from "../core/errors";
import type { KddFeatures } from "../features/connections";
import { type SeriesRow, seriesMatrix } from "../features/timeSeries";
import type {
  AlertModel,
  ConnectionAlert,
  Contributor,
  DetectiveEvent,
  NoticeEvent,
  RejectEvent,
  Severity,
  StatsEvent,
  SuppressedEvent,
  VolumeAlert,
} from "../events/event";
import type { EventLog } from "../events/eventLog";
import type { EventSink } from "../events/eventSink";
import { type IdGenerator, idGenerator } from "../events/idGenerator";
import { isoTimestamp } from "../events/isoTimestamp";
import type { ModelBundle } from "../model/bundle";
import { IncidentAggregator, type IncidentOptions, type IncidentRecord } from "./incidents";
import { MonitorStats } from "./stats";

// The console line and the timestamp formatter lived here before the event model; kept reachable
// from here so existing imports work.
export { alertSummary } from "../events/summary";
export { isoTimestamp } from "../events/isoTimestamp";

/** A record to score: the 41 KDD features and whatever the source knows about the connection. */
export interface MonitorInput {
  readonly features: KddFeatures;
  /** Event time, seconds since the epoch; default: the time it was processed. */
  readonly time?: number;
  readonly src?: string;
  readonly srcPort?: number;
  readonly dst?: string;
  readonly dstPort?: number;
  readonly protocol?: string;
  /** Ground truth, when the source carries it (replays of labelled data). */
  readonly label?: string;
  /** The source's own id for the record. */
  readonly id?: string | number;
}

/** One alert on a connection record (the event model's `ConnectionAlert`, `source: "connection"`). */
export type MonitorAlert = ConnectionAlert;

/** Options of a `Monitor`. Every line it writes is an event of `events/event.ts` (`v: 1`). */
/** Default `MonitorOptions.noticesPerNote`. */
export const DEFAULT_NOTICES_PER_NOTE = 100;

export interface MonitorOptions {
  /** Where alerts go (one event line each; see `alertsPerIncident`), and suppressed records. */
  readonly alerts?: EventSink;
  /**
   * Alerts written in full per incident: the first ones (default 10, the incident's sample ids,
   * so every sampled id has its line). The rest are counted in the incident's update and close
   * lines, so a flood of a million alerts writes a few lines; `Infinity` writes every alert, and
   * the `scores` log has every record's score.
   */
  readonly alertsPerIncident?: number;
  /**
   * Notices of one kind (`note`) written at most; later ones are counted in `stats.notices` only,
   * so input that breaks time at every packet cannot flood the log. Default 100.
   */
  readonly noticesPerNote?: number;
  /** Where incidents go (open, update and close lines); default: the alert log. */
  readonly incidents?: EventSink;
  /** Where rejected records go, with their reason. */
  readonly rejects?: EventSink;
  /**
   * Where every record's score goes, when raw scores are wanted: `{ time, src, dst, score,
   * sourceId }` per record, not an event (one per record, so no id nor envelope to pay for).
   */
  readonly scores?: EventLog;
  /**
   * More sinks that get every event the monitor emits (alerts written in full, suppressed
   * records, incidents, rejects), e.g. a `ConsoleSink`. Default none.
   */
  readonly sinks?: readonly EventSink[];
  /** Makes the events' ids. Default `idGenerator()` (time-ordered, random: unique across runs). */
  readonly ids?: IdGenerator;
  readonly incidentOptions?: IncidentOptions;
  /** Features listed per alert. Default 5. */
  readonly topFeatures?: number;
  /** Called for every alert, with whether it was written in full (e.g. the console shows those). */
  readonly onAlert?: (alert: MonitorAlert, written: boolean) => void;
  readonly onVolumeAlert?: (alert: VolumeAlert, written: boolean) => void;
  /** Called for every incident line (open, update, close). */
  readonly onIncident?: (incident: IncidentRecord<MonitorAlert | VolumeAlert>) => void;
  /** The clock for latencies, ms. Default `performance.now`. */
  readonly now?: () => number;
}

/** KDD window features copied into an alert's context. */
const CONTEXT_FEATURES = [
  "count",
  "srv_count",
  "serror_rate",
  "rerror_rate",
  "same_srv_rate",
  "diff_srv_rate",
  "dst_host_count",
  "dst_host_srv_count",
  "dst_host_same_src_port_rate",
] as const;

function isStreaming(d: Detector): d is StreamingDetector {
  return typeof (d as Partial<StreamingDetector>).scoreOne === "function";
}

/**
 * Scores records one at a time with a model bundle and writes alerts, incidents and rejects as events.
 * @example
 * const monitor = new Monitor(loadBundle("model.json"), { alerts: EventLog.open("alerts.jsonl"), sinks: [new ConsoleSink()] });
 * monitor.process({ features: record.features, src: "10.0.0.5" }); monitor.close();
 */
export class Monitor {
  readonly stats: MonitorStats;
  private readonly detector: StreamingDetector;
  private readonly incidents: IncidentAggregator<MonitorAlert | VolumeAlert>;
  private readonly emitIncident: (r: IncidentRecord<MonitorAlert | VolumeAlert>) => void;
  private readonly now: () => number;
  private readonly top: number;
  private readonly perIncident: number;
  /** The model every alert names (one frozen object, shared by the alerts). */
  private readonly model: AlertModel;
  private readonly ids: IdGenerator;
  private readonly sinks: readonly EventSink[];
  /** Records still to score in warm-up (see `startWarmup`), and the warm-up's length. */
  private warmupLeft = 0;
  private warmupLength = 0;
  private intervalCount = 0;
  private lastTime = 0;

  constructor(
    readonly bundle: ModelBundle,
    private readonly options: MonitorOptions = {},
  ) {
    if (!isStreaming(bundle.detector)) {
      throw new ConfigError(
        `Monitor: ${bundle.detector.name} cannot score one record at a time (no scoreOne); bundle a streaming detector.`,
      );
    }
    this.detector = bundle.detector;
    this.now = options.now ?? (() => performance.now());
    this.ids = options.ids ?? idGenerator();
    this.sinks = options.sinks ?? [];
    this.stats = new MonitorStats({ now: this.now });
    this.top = options.topFeatures ?? 5;
    this.incidents = new IncidentAggregator<MonitorAlert | VolumeAlert>(options.incidentOptions);
    this.perIncident = options.alertsPerIncident ?? this.incidents.opts.sampleSize;
    const { benchmark, seed, createdAt } = bundle.training;
    this.model = Object.freeze({ benchmark, seed, createdAt });
    if (!(this.perIncident >= 0)) {
      throw new OptionError(
        `Monitor: alertsPerIncident must be a number >= 0 (Infinity for every alert), got ${this.perIncident}.`,
      );
    }
    const incidentLog = options.incidents ?? options.alerts;
    this.emitIncident = (r) => {
      this.stats.incidents += r.event === "open" ? 1 : 0;
      this.emit(r, incidentLog);
      options.onIncident?.(r);
    };
  }

  /** Traffic intervals the volume watch scored. */
  get intervals(): number {
    return this.intervalCount;
  }

  /**
   * Starts a warm-up of `records` records: a packet source computes the KDD window features itself,
   * and its windows start empty (the host window holds the last 100 connections), so its first
   * connections look unlike the warmed-up training traffic and would raise false alarms. During
   * warm-up a record above the threshold is not alerted nor merged into an incident: it is counted
   * (`stats.suppressed`) and written to the alert log as a `suppressed` line with the whole alert
   * and the reason, so nothing is lost. The packet sources call this when they start.
   */
  startWarmup(records: number): void {
    if (!(Number.isInteger(records) && records >= 0)) {
      throw new OptionError(`Monitor.startWarmup: records must be an integer >= 0, got ${records}.`);
    }
    this.warmupLeft = records;
    this.warmupLength = records;
  }

  /** Writes one event to `log` and to every extra sink. */
  private emit(event: DetectiveEvent, log: EventSink | undefined): void {
    log?.write(event);
    for (const sink of this.sinks) sink.write(event);
  }

  /** A reject event (time: the record's, when it has a usable one; else now). */
  private rejectEvent(
    kind: string,
    reason: string,
    time: number,
    body: { text?: string; record?: KddFeatures },
  ): RejectEvent {
    if (!(Math.abs(time) <= 8.64e12)) time = Date.now() / 1000; // beyond Date's range: not a time
    return {
      v: 1,
      type: "reject",
      id: this.ids("reject"),
      time,
      timestamp: isoTimestamp(time),
      kind,
      reason,
      ...body,
    };
  }

  /** Counts a record the source could not parse (it never reached the model) and logs why. */
  reject(kind: string, reason: string, text?: string): void {
    this.stats.received++;
    this.stats.reject(kind);
    if (this.options.rejects === undefined && this.sinks.length === 0) return;
    this.emit(this.rejectEvent(kind, reason, Date.now() / 1000, { text }), this.options.rejects);
  }

  /**
   * Counts a notice (`stats.notices`, by `note`) and writes it to the alert log and the sinks:
   * something an analyst should know that is not a score, e.g. `time.jump` when the packets' time
   * breaks (see `TrafficSeries`). `time` in seconds since the epoch; default now. Beyond
   * `noticesPerNote` of one note, the notice is counted and returned but not written (the last one
   * written says so).
   */
  notice(
    note: string,
    message: string,
    fields: { time?: number; severity?: Severity; src?: string; dst?: string; uid?: string } = {},
  ): NoticeEvent {
    let time = fields.time ?? Date.now() / 1000;
    if (!(Math.abs(time) <= 8.64e12)) time = Date.now() / 1000;
    const n = this.stats.notice(note);
    const limit = this.options.noticesPerNote ?? DEFAULT_NOTICES_PER_NOTE;
    const event: NoticeEvent = {
      v: 1,
      type: "notice",
      id: this.ids("notice"),
      ...fields,
      time,
      timestamp: isoTimestamp(time),
      note,
      message:
        n === limit
          ? `${message} (${limit} ${note} notices logged: later ones are counted in the stats only)`
          : message,
    };
    if (n <= limit) this.emit(event, this.options.alerts);
    return event;
  }

  /**
   * The counters now (`stats.snapshot()`, which starts a new interval) as a `stats` event, for a
   * stats log or a status line.
   * @param time event time, seconds since the epoch. Default: now.
   */
  statsEvent(time = Date.now() / 1000): StatsEvent {
    return {
      v: 1,
      type: "stats",
      id: this.ids("stats"),
      time,
      timestamp: isoTimestamp(time),
      stats: this.stats.snapshot() as unknown as Readonly<Record<string, unknown>>,
    };
  }

  /**
   * Scores one record; returns its alert when it scores above the threshold. A record the
   * pipeline cannot encode (a missing feature, a non-number) is rejected and counted, never thrown.
   * `receivedAt` (ms, on the monitor's clock) gives the end-to-end latency.
   */
  process(input: MonitorInput, receivedAt?: number): MonitorAlert | undefined {
    const { bundle } = this;
    this.stats.received++;
    let x: Float32Array;
    try {
      x = bundle.pipeline.transformRecord(input.features);
    } catch (err) {
      this.stats.reject("unencodable record");
      if (this.options.rejects !== undefined || this.sinks.length > 0) {
        const event = this.rejectEvent(
          "unencodable record",
          (err as Error).message,
          input.time ?? Date.now() / 1000,
          { record: input.features },
        );
        this.emit(event, this.options.rejects);
      }
      return undefined;
    }
    let score = this.detector.scoreOne(x);
    if (!Number.isFinite(score)) {
      // JSON has no Infinity (it would be written as null and the line refused by parseEvent): an
      // infinite score is the largest finite one, still above any threshold. NaN cannot be judged.
      if (Number.isNaN(score)) {
        this.stats.reject("unscorable record");
        if (this.options.rejects !== undefined || this.sinks.length > 0) {
          const why = `${this.detector.name} scored it NaN (a feature value its model cannot take)`;
          const event = this.rejectEvent("unscorable record", why, input.time ?? Date.now() / 1000, {
            record: input.features,
          });
          this.emit(event, this.options.rejects);
        }
        return undefined;
      }
      score = score > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
    }
    const time = input.time ?? Date.now() / 1000;
    this.lastTime = Math.max(this.lastTime, time);
    this.stats.processed++;
    this.options.scores?.append({ time, src: input.src, dst: input.dst, score, sourceId: input.id });
    let alert: MonitorAlert | undefined;
    const warming = this.warmupLeft > 0;
    if (warming) this.warmupLeft--;
    if (score > bundle.threshold && warming) {
      this.stats.suppressed++;
      const k = this.warmupLength - this.warmupLeft;
      const suppressed: SuppressedEvent = {
        ...this.alert(input, x, score, time, "suppressed"),
        type: "suppressed",
        reason: `warm-up: record ${k} of ${this.warmupLength} while the window features fill`,
      };
      this.emit(suppressed, this.options.alerts);
      this.incidents.advance(time, this.emitIncident);
    } else if (score > bundle.threshold) {
      alert = this.alert(input, x, score, time);
      const written = this.raise(alert);
      this.options.onAlert?.(alert, written);
    } else {
      this.incidents.advance(time, this.emitIncident);
    }
    if (receivedAt !== undefined) this.stats.recordLatency(this.now() - receivedAt);
    return alert;
  }

  /** The alert of a record; `idPrefix` "suppressed" for a warm-up record's line. */
  private alert(
    input: MonitorInput,
    x: Float32Array,
    score: number,
    time: number,
    idPrefix = "alert",
  ): MonitorAlert {
    const { bundle } = this;
    const contributors = topContributors(
      x,
      bundle.featureMean,
      bundle.featureSd,
      bundle.pipeline.featureNames,
      this.top,
    );
    const v = bundle.validationScores;
    const f = input.features;
    const context: Record<string, number | string> = {};
    for (const name of CONTEXT_FEATURES) if (f[name] !== undefined) context[name] = f[name];
    return {
      v: 1,
      type: "alert",
      source: "connection",
      id: this.ids(idPrefix),
      time,
      timestamp: isoTimestamp(time),
      src: input.src ?? "unknown",
      srcPort: input.srcPort,
      dst: input.dst,
      dstPort: input.dstPort,
      protocol: String(input.protocol ?? f.protocol_type ?? "unknown"),
      service: String(f.service ?? "unknown"),
      detector: this.detector.name,
      kind: this.detector.name,
      score,
      threshold: bundle.threshold,
      severity: score > v.max ? "high" : score > v.p999 ? "medium" : "low",
      contributors,
      context,
      record: f,
      label: input.label,
      sourceId: input.id,
      model: this.model,
    };
  }

  /**
   * Scores one interval of the traffic series with the bundle's volume watch (when it has one);
   * returns the alert when the interval is above the watch's threshold. Call it for every interval in
   * time order (`TrafficSeries` emits them, empty ones included): the watch keeps its own history.
   */
  processInterval(row: SeriesRow): VolumeAlert | undefined {
    const watch = this.bundle.series;
    if (!watch) return undefined;
    const x = seriesMatrix([row], watch.metrics).data;
    const detector = watch.detector as StreamingDetector;
    const score = detector.scoreOne(x);
    detector.learnOne?.(x);
    this.intervalCount++;
    const time = row.start;
    if (!(score > watch.threshold)) {
      this.incidents.advance(time, this.emitIncident);
      return undefined;
    }
    const contributors = watch.metrics
      .map((m, j) => ({
        feature: m,
        value: round(x[j]),
        normalMean: round(watch.metricMean[j]),
        normalSd: round(watch.metricSd[j]),
        z: round((x[j] - watch.metricMean[j]) / Math.max(watch.metricSd[j], 1e-3)),
      }))
      .sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
    const alert: VolumeAlert = {
      v: 1,
      type: "alert",
      source: "volume",
      id: this.ids("alert"),
      time,
      timestamp: isoTimestamp(time),
      src: "network",
      detector: detector.name,
      kind: `${detector.name} (volume)`,
      score,
      threshold: watch.threshold,
      severity: score > 2 * watch.threshold ? "high" : score > 1.5 * watch.threshold ? "medium" : "low",
      intervalSeconds: watch.intervalSeconds,
      contributors,
      interval: { ...row },
      model: this.model,
    };
    const written = this.raise(alert);
    this.options.onVolumeAlert?.(alert, written);
    return alert;
  }

  /** Counts an alert, merges it into its incident, and writes it when it is among the incident's first. */
  private raise(alert: MonitorAlert | VolumeAlert): boolean {
    this.stats.alerts++;
    const written = this.incidents.add(alert, this.emitIncident) <= this.perIncident;
    if (written) {
      this.stats.alertsWritten++;
      this.emit(alert, this.options.alerts);
    }
    return written;
  }

  /** Closes incidents whose window has passed by `time` (seconds); call it when input is idle. */
  tick(time = this.lastTime): void {
    this.incidents.advance(time, this.emitIncident);
  }

  /** Closes every open incident and flushes the logs (at the end of a replay, or on shutdown). */
  close(): void {
    this.incidents.flush(this.emitIncident);
    for (const log of new Set<EventSink | EventLog | undefined>([
      this.options.alerts,
      this.options.incidents,
      this.options.rejects,
      this.options.scores,
      ...this.sinks,
    ])) {
      log?.flush();
    }
  }
}

/** Four decimals: enough for scaled features and z-scores, and far cheaper than `toPrecision`. */
function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

/**
 * The `k` features with the largest |z| against the training normals, largest first, by one pass
 * of insertion into a k-slot list (no sort of every feature, no object per feature).
 */
export function topContributors(
  x: ArrayLike<number>,
  mean: readonly number[],
  sd: readonly number[],
  names: readonly string[],
  k: number,
): Contributor[] {
  const idx = new Int32Array(k).fill(-1);
  const mag = new Float64Array(k).fill(-1);
  for (let j = 0; j < x.length; j++) {
    const z = Math.abs((x[j] - mean[j]) / Math.max(sd[j], 1e-3));
    if (z <= mag[k - 1]) continue;
    let p = k - 1;
    while (p > 0 && mag[p - 1] < z) {
      mag[p] = mag[p - 1];
      idx[p] = idx[p - 1];
      p--;
    }
    mag[p] = z;
    idx[p] = j;
  }
  const out: Contributor[] = [];
  for (const j of idx) {
    if (j < 0) break;
    out.push({
      feature: names[j],
      value: round(x[j]),
      normalMean: round(mean[j]),
      normalSd: round(sd[j]),
      z: round((x[j] - mean[j]) / Math.max(sd[j], 1e-3)),
    });
  }
  return out;
}
