/**
 * The event model: every line the monitor writes (and, later, intel, response, the dashboard and
 * the stream) is one versioned event. Each has the same envelope
 * `{ v: 1, type, id, time, timestamp }` and its body as flat fields beside it (no wrapper object,
 * so a line is written with one `JSON.stringify` and read with one `JSON.parse`). `type` says
 * which body; an alert's `source` says what raised it. A reader checks `v` first: a new body
 * field is added without a new version, a changed or removed one takes `v: 2`.
 *
 * Ids are unique across restarts and processes (see `idGenerator`); `time` is event time in
 * seconds since the epoch, `timestamp` the same instant as ISO-8601 text (UTC, milliseconds).
 */

/** The event format version every line carries as `v`. */
export const EVENT_VERSION = 1;

/** The event types, in the order they are documented. */
export const EVENT_TYPES = [
  "alert",
  "suppressed",
  "incident",
  "reject",
  "stats",
  "notice",
  "protocol",
] as const;

/** One of `EVENT_TYPES`. */
export type EventType = (typeof EVENT_TYPES)[number];

/** The fields every event has. */
export interface EventEnvelope<T extends EventType = EventType> {
  /** Format version (`EVENT_VERSION`). */
  readonly v: 1;
  readonly type: T;
  /** Unique across restarts and processes, e.g. `alert-01JD7X3M9Q8ZK4N2C5V6B7R8T0`. */
  readonly id: string;
  /** Event time, seconds since the epoch (fractional). */
  readonly time: number;
  /** `time` as ISO-8601 text, e.g. "2026-03-03T09:24:48.250Z". */
  readonly timestamp: string;
}

/** How bad an alert is: low above the threshold, medium and high further out (each raiser defines its cut-offs). */
export type Severity = "low" | "medium" | "high";

/** A feature (or volume metric) that contributed to an alert: its value against the training normals. */
export interface Contributor {
  readonly feature: string;
  readonly value: number;
  readonly normalMean: number;
  readonly normalSd: number;
  /** (value - normalMean) / normalSd, with the spread floored at 1e-3 (features are scaled to about [0, 1]). */
  readonly z: number;
}

/** The model an alert came from. */
export interface AlertModel {
  /** The benchmark (split) the bundle was trained on, e.g. "simulated". */
  readonly benchmark: string;
  readonly seed: number;
  /** When the bundle was trained, ISO-8601. */
  readonly createdAt: string;
}

/** What raised an alert: `connection`, one connection record scored; `volume`, one traffic interval of the volume watch. */
export type AlertSource = "connection" | "volume";

/** The fields of every alert, whatever raised it. */
export interface AlertFields<S extends AlertSource = AlertSource> extends EventEnvelope<"alert"> {
  /** What raised it; tells the alert shapes apart. */
  readonly source: S;
  /** Source address; "network" for a volume alert (the watch sees the network's totals). */
  readonly src: string;
  readonly detector: string;
  /** What raised it, for incidents (with `src`, the key that merges alerts). */
  readonly kind: string;
  readonly score: number;
  readonly threshold: number;
  readonly severity: Severity;
  /** Largest departures from normal first. */
  readonly contributors: readonly Contributor[];
  readonly model: AlertModel;
}

/**
 * An alert on one connection record: enough to investigate without re-running anything. Its
 * severity is low above the bundle's threshold, medium above the 99.9th percentile of the
 * validation normals' scores, high above all of them; its contributors are the features with the
 * largest |z| against the training normals.
 */
export interface ConnectionAlert extends AlertFields<"connection"> {
  readonly srcPort?: number;
  readonly dst?: string;
  readonly dstPort?: number;
  /** Transport, e.g. "tcp". */
  readonly protocol: string;
  /** KDD service, e.g. "http". */
  readonly service: string;
  /** The traffic around the connection, from its KDD window features. */
  readonly context: Readonly<Record<string, number | string>>;
  /** The connection's features as scored. */
  readonly record: Readonly<Record<string, number | string>>;
  /** Ground truth, when the source carries it (replays of labelled data). */
  readonly label?: string;
  /** The source's own id for the record (e.g. the connection's uid). */
  readonly sourceId?: string | number;
}

/**
 * An alert of the volume watch: one traffic interval whose totals departed from normal. Its
 * severity is low above the watch's threshold, medium above 1.5 times it, high above twice; its
 * contributors are every metric's value (log1p) against the normal series.
 */
export interface VolumeAlert extends AlertFields<"volume"> {
  /** Length of the interval, seconds; it starts at `time`. */
  readonly intervalSeconds: number;
  /** The interval's totals as counted (packets, bytes, connections, ...). */
  readonly interval: Readonly<Record<string, number | string>>;
}

/** An alert, told apart by `source`. */
export type AlertEvent = ConnectionAlert | VolumeAlert;

/**
 * A connection record above the threshold while a packet source's windows were filling (warm-up):
 * logged in full with the reason, not alerted nor merged into an incident.
 */
export interface SuppressedEvent extends Omit<ConnectionAlert, "type">, EventEnvelope<"suppressed"> {
  readonly type: "suppressed";
  /** Why it was not alerted, e.g. "warm-up: record 3 of 100 while the window features fill". */
  readonly reason: string;
}

/** Why an incident closed. */
export type IncidentCloseReason = "window" | "evicted" | "flush";

/**
 * One line of an incident's life: `open` (its first alert), `update` (while alerts keep coming),
 * `close` (its totals). The incident's own id is `incident`, the same on all its lines; `id` is
 * the line's (`<incident>:open`, `<incident>:update-<k>`, `<incident>:close`), unique as every id.
 */
export interface IncidentEvent<A extends object = AlertEvent> extends EventEnvelope<"incident"> {
  readonly event: "open" | "update" | "close";
  /** The incident's id, `incident-<its first alert's id without "alert-">`: the key to group its lines by. */
  readonly incident: string;
  /** `source`: one source's alerts; `destination`: many sources' alerts on one destination. */
  readonly scope: "source" | "destination";
  /** The source, or `*` for a destination incident. */
  readonly src: string;
  /** The destination of a destination incident. */
  readonly dst?: string;
  /** Distinct sources merged into a destination incident (at least this many when `sourcesAtLeast`). */
  readonly sources?: number;
  readonly sourcesAtLeast?: boolean;
  readonly kind: string;
  /** Alerts merged so far. */
  readonly count: number;
  /** Earliest and latest alert time, seconds since the epoch. */
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly maxScore: number;
  /** Ids of the first alerts (up to the aggregator's sample size), the first alert's first. */
  readonly sampleIds: readonly (string | number)[];
  /**
   * The first alert, in full, on `open` lines only: `update` and `close` lines name it by
   * `sampleIds[0]`, so one alert does not cost three copies in the log.
   */
  readonly first?: A;
  /** Set on `close` lines. */
  readonly closedBy?: IncidentCloseReason;
}

/** Input that never reached the model (a malformed line, a record the pipeline cannot encode), with why. */
export interface RejectEvent extends EventEnvelope<"reject"> {
  /** The reason's key, as counted in the stats (e.g. "field count", "unencodable record"). */
  readonly kind: string;
  /** The reason in words. */
  readonly reason: string;
  /** The offending text, when the input was text (cut to a bounded length by the source). */
  readonly text?: string;
  /** The offending record, when it was parsed. */
  readonly record?: Readonly<Record<string, unknown>>;
}

/** The monitor's counters at one moment (`MonitorStats.snapshot()`). */
export interface StatsEvent extends EventEnvelope<"stats"> {
  readonly stats: Readonly<Record<string, unknown>>;
}

/**
 * Something an analyst should know that is not an anomaly score: a policy hit, a threat-intel
 * match, a response taken (for the issues that follow; nothing raises one yet).
 */
export interface NoticeEvent extends EventEnvelope<"notice"> {
  /** What kind of notice, e.g. "intel.match" (the key to count and filter by). */
  readonly note: string;
  /** One line for a person. */
  readonly message: string;
  readonly severity?: Severity;
  readonly src?: string;
  readonly dst?: string;
  /** The connection it concerns, when there is one. */
  readonly uid?: string;
}

/**
 * One application-protocol log record (a DNS query and answer, an HTTP request), as protocol
 * analysis will write them (for the issues that follow; nothing writes one yet).
 */
export interface ProtocolEvent extends EventEnvelope<"protocol"> {
  /** The application protocol, e.g. "dns", "http". */
  readonly protocol: string;
  /** The connection the record belongs to. */
  readonly uid: string;
  /** The protocol's own fields. */
  readonly record: Readonly<Record<string, unknown>>;
}

/** Any event, told apart by `type` (and an alert by `source`). */
export type DetectiveEvent =
  AlertEvent | SuppressedEvent | IncidentEvent | RejectEvent | StatsEvent | NoticeEvent | ProtocolEvent;
