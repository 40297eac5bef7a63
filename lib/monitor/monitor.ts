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
import { DetectiveError, OptionError } from "../core/errors";
import type { KddFeatures } from "../features/connections";
import { type SeriesRow, seriesMatrix } from "../features/timeSeries";
import type { AlertLog } from "../events/alertLog";
import type { ModelBundle } from "../model/bundle";
import { IncidentAggregator, type IncidentOptions, type IncidentRecord } from "./incidents";
import { MonitorStats } from "./stats";

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

/** A feature that contributed to an alert: its encoded value against the training normals. */
export interface Contributor {
  readonly feature: string;
  readonly value: number;
  readonly normalMean: number;
  readonly normalSd: number;
  /** (value - normalMean) / normalSd, with the spread floored at 1e-3 (features are scaled to about [0, 1]). */
  readonly z: number;
}

/** One alert: enough to investigate without re-running anything. */
export interface MonitorAlert {
  readonly type: "alert";
  readonly id: string;
  /** Event time (seconds since the epoch) and as ISO text. */
  readonly time: number;
  readonly timestamp: string;
  readonly src: string;
  readonly srcPort?: number;
  readonly dst?: string;
  readonly dstPort?: number;
  readonly protocol: string;
  readonly service: string;
  readonly detector: string;
  /** What raised it (the detector); with `src`, the key that merges alerts into incidents. */
  readonly kind: string;
  readonly score: number;
  readonly threshold: number;
  /** low: above the threshold; medium: above the 99.9th percentile of validation normals; high: above all of them. */
  readonly severity: "low" | "medium" | "high";
  readonly contributors: readonly Contributor[];
  /** The traffic around the connection, from its KDD window features. */
  readonly context: Readonly<Record<string, number | string>>;
  readonly record: KddFeatures;
  readonly label?: string;
  readonly sourceId?: string | number;
  readonly model: { readonly benchmark: string; readonly seed: number; readonly createdAt: string };
}

/** An alert of the volume watch: one traffic interval whose totals departed from normal. */
export interface VolumeAlert {
  readonly type: "alert";
  readonly id: string;
  readonly time: number;
  readonly timestamp: string;
  /** "network": the watch sees the network's totals, not one host. */
  readonly src: string;
  readonly detector: string;
  readonly kind: string;
  readonly score: number;
  readonly threshold: number;
  readonly severity: "low" | "medium" | "high";
  readonly intervalSeconds: number;
  /** Each metric's value (log1p) against the normal series, largest departures first. */
  readonly contributors: readonly Contributor[];
  /** The interval's totals as counted. */
  readonly interval: SeriesRow;
  readonly model: { readonly benchmark: string; readonly seed: number; readonly createdAt: string };
}

/** Options of a `Monitor`. */
export interface MonitorOptions {
  /** Where alerts go (one JSON line each; see `alertsPerIncident`). */
  readonly alerts?: AlertLog;
  /**
   * Alerts written in full per incident: the first ones (default 10, the incident's sample ids,
   * so every sampled id has its line). The rest are counted in the incident's update and close
   * lines, so a flood of a million alerts writes a few lines; `Infinity` writes every alert, and
   * the `scores` log has every record's score.
   */
  readonly alertsPerIncident?: number;
  /** Where incidents go (open, update and close records); default: the alert log. */
  readonly incidents?: AlertLog;
  /** Where rejected records go, with their reason. */
  readonly rejects?: AlertLog;
  /** Where every record's score goes, when raw scores are wanted. */
  readonly scores?: AlertLog;
  readonly incidentOptions?: IncidentOptions;
  /** Features listed per alert. Default 5. */
  readonly topFeatures?: number;
  /** Called for every alert, with whether it was written in full (e.g. the console shows those). */
  readonly onAlert?: (alert: MonitorAlert, written: boolean) => void;
  readonly onVolumeAlert?: (alert: VolumeAlert, written: boolean) => void;
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
 * Scores records one at a time with a model bundle and writes alerts, incidents and rejects.
 * @example
 * const monitor = new Monitor(loadBundle("model.json"), { alerts: AlertLog.open("alerts.jsonl") });
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
  private readonly model: MonitorAlert["model"];
  private alertCount = 0;
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
      throw new DetectiveError(
        `Monitor: ${bundle.detector.name} cannot score one record at a time (no scoreOne); bundle a streaming detector.`,
      );
    }
    this.detector = bundle.detector;
    this.now = options.now ?? (() => performance.now());
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
      incidentLog?.append(r);
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

  /** Counts a record the source could not parse (it never reached the model) and logs why. */
  reject(kind: string, reason: string, text?: string): void {
    this.stats.received++;
    this.stats.reject(kind);
    this.options.rejects?.append({ type: "reject", kind, reason, text, time: Date.now() / 1000 });
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
      this.options.rejects?.append({
        type: "reject",
        kind: "unencodable record",
        reason: (err as Error).message,
        record: input.features,
        time: input.time ?? Date.now() / 1000,
      });
      return undefined;
    }
    const score = this.detector.scoreOne(x);
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
      this.options.alerts?.append({
        ...this.alert(input, x, score, time),
        type: "suppressed",
        reason: `warm-up: record ${k} of ${this.warmupLength} while the window features fill`,
      });
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

  private alert(input: MonitorInput, x: Float32Array, score: number, time: number): MonitorAlert {
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
      type: "alert",
      id: `alert-${++this.alertCount}`,
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
      type: "alert",
      id: `alert-${++this.alertCount}`,
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
      interval: row,
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
      this.options.alerts?.append(alert);
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
    for (const log of new Set([
      this.options.alerts,
      this.options.incidents,
      this.options.rejects,
      this.options.scores,
    ])) {
      log?.flush();
    }
  }
}

let cachedSecond = Number.NaN;
let cachedPrefix = "";

/**
 * `new Date(seconds * 1000).toISOString()`, with the date and time up to the second cached: alerts
 * come many per second, and formatting a Date each time cost more than the rest of the alert.
 * @example isoTimestamp(1772529888.25002) // "2026-03-03T09:24:48.250Z"
 */
export function isoTimestamp(seconds: number): string {
  const ms = Math.trunc(seconds * 1000); // as Date's TimeClip does
  if (!(Math.abs(ms) <= 8.64e15)) return new Date(ms).toISOString(); // throws RangeError, as Date does
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, -4); // up to and with the "."
  }
  const rest = ms - second * 1000;
  return `${cachedPrefix}${rest < 10 ? "00" : rest < 100 ? "0" : ""}${rest}Z`;
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

/** The console line of an alert: time, severity, who, what, score, the top features. */
export function alertSummary(a: MonitorAlert): string {
  const who = `${a.src}${a.srcPort !== undefined ? `:${a.srcPort}` : ""} -> ${a.dst ?? "?"}${a.dstPort !== undefined ? `:${a.dstPort}` : ""}`;
  const why = a.contributors
    .slice(0, 3)
    .map((c) => `${c.feature} z=${c.z.toFixed(1)}`)
    .join(", ");
  return `${a.timestamp} ${a.severity.toUpperCase().padEnd(6)} ${a.id} ${who} ${a.protocol}/${a.service} ${a.detector} score ${a.score.toPrecision(4)} > ${a.threshold.toPrecision(4)} (${why})`;
}
