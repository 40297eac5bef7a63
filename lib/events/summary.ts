/**
 * One-line summaries of events for a person at a terminal (the monitor's console output).
 */
import type { ConnectionAlert, DetectiveEvent, IncidentEvent, VolumeAlert } from "./event";

/** Control characters (C0, DEL, C1) and the Unicode bidirectional overrides that reorder text. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` safe to print on a terminal: control characters and bidirectional overrides are written
 * as `\xNN` / `\u{NNNN}` escapes, so a field from the network (an address in a socket record, a
 * service name) cannot clear the screen, set the window title, or hide itself with a carriage return.
 * @example printable("10.0.0.1\u001b[2J") // "10.0.0.1\\x1b[2J"
 */
export function printable(text: string): string {
  UNPRINTABLE.lastIndex = 0;
  if (!UNPRINTABLE.test(text)) return text;
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
  });
}

/** The top three contributors as `feature z=1.2, ...`. */
function why(a: ConnectionAlert | VolumeAlert): string {
  return a.contributors
    .slice(0, 3)
    .map((c) => `${c.feature} z=${c.z.toFixed(1)}`)
    .join(", ");
}

/**
 * The console line of a connection alert: time, severity, id, who, what, score, the top features.
 * @example alertSummary(a) // "2026-03-03T09:24:48.250Z HIGH   alert-01J... 10.0.0.5:4242 -> 10.0.0.9:80 tcp/http IsolationForest score 0.7012 > 0.6000 (serror_rate z=9.1, ...)"
 */
export function alertSummary(a: ConnectionAlert): string {
  const who = `${a.src}${a.srcPort !== undefined ? `:${a.srcPort}` : ""} -> ${a.dst ?? "?"}${a.dstPort !== undefined ? `:${a.dstPort}` : ""}`;
  return printable(
    `${a.timestamp} ${a.severity.toUpperCase().padEnd(6)} ${a.id} ${who} ${a.protocol}/${a.service} ${a.detector} score ${a.score.toPrecision(4)} > ${a.threshold.toPrecision(4)} (${why(a)})`,
  );
}

/** The console line of a volume alert: time, severity, id, "network", what, score, the top metrics. */
export function volumeAlertSummary(a: VolumeAlert): string {
  return printable(
    `${a.timestamp} ${a.severity.toUpperCase().padEnd(6)} ${a.id} network ${a.kind} score ${a.score.toPrecision(4)} > ${a.threshold.toPrecision(4)} (${why(a)})`,
  );
}

/** The console line of an incident's open, update or close: its id, who, what, how many, how bad. */
export function incidentSummary(i: IncidentEvent<object>): string {
  const who =
    i.scope === "destination" ? `${i.sources}${i.sourcesAtLeast ? "+" : ""} source(s) -> ${i.dst}` : i.src;
  return printable(
    `incident ${i.event} ${i.incident}: ${who} ${i.kind}, ${i.count} alert(s), max score ${i.maxScore.toPrecision(4)}`,
  );
}

/**
 * The console line of any event: alerts and incidents as above, the others as
 * `<timestamp> <type> <id>` and their reason, note or protocol.
 */
export function eventSummary(e: DetectiveEvent): string {
  switch (e.type) {
    case "alert":
      return e.source === "connection" ? alertSummary(e) : volumeAlertSummary(e);
    case "incident":
      return incidentSummary(e);
    case "suppressed":
    case "reject":
      return printable(`${e.timestamp} ${e.type} ${e.id}: ${e.reason}`);
    case "notice":
      return printable(`${e.timestamp} notice ${e.id} ${e.note}: ${e.message}`);
    case "protocol":
      return printable(`${e.timestamp} ${e.protocol} ${e.uid} ${e.id}`);
    case "stats":
      return printable(`${e.timestamp} stats ${JSON.stringify(e.stats)}`);
  }
}
