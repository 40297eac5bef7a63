/**
 * Reading events back: one JSON line into the `DetectiveEvent` union, checked, so a reader (the
 * dashboard, a triage script, a test) can trust the fields its type promises.
 */
import { InputError } from "../core/errors";
import { type DetectiveEvent, EVENT_TYPES, EVENT_VERSION, type EventType } from "./event";

type Json = Record<string, unknown>;
type Kind = "string" | "number" | "boolean" | "object" | "array";

/** Fields each body must have, with their JSON kind (optional fields are checked when present). */
const REQUIRED: Readonly<Record<EventType, Readonly<Record<string, Kind>>>> = {
  alert: {
    source: "string",
    src: "string",
    detector: "string",
    kind: "string",
    score: "number",
    threshold: "number",
    severity: "string",
    contributors: "array",
    model: "object",
  },
  suppressed: { src: "string", kind: "string", score: "number", reason: "string" },
  incident: {
    event: "string",
    incident: "string",
    scope: "string",
    src: "string",
    kind: "string",
    count: "number",
    firstSeen: "number",
    lastSeen: "number",
    maxScore: "number",
    sampleIds: "array",
  },
  reject: { kind: "string", reason: "string" },
  stats: { stats: "object" },
  notice: { note: "string", message: "string" },
  protocol: { protocol: "string", uid: "string", record: "object" },
};

const ALERT_BODY: Readonly<Record<string, Readonly<Record<string, Kind>>>> = {
  connection: { protocol: "string", service: "string", context: "object", record: "object" },
  volume: { intervalSeconds: "number", interval: "object" },
};

const ONE_OF: Readonly<Record<string, readonly string[]>> = {
  severity: ["low", "medium", "high"],
  event: ["open", "update", "close"],
  scope: ["source", "destination"],
};

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/**
 * Parses one line of an event log into an event, checking the envelope (`v`, `type`, `id`,
 * `time`, `timestamp`) and the fields its type requires.
 * @param where names the line in errors, e.g. "alerts.jsonl line 12". Default "event line".
 * @throws InputError naming the line, the field, what it must be and what it was.
 * @example
 * const e = parseEvent('{"v":1,"type":"reject","id":"reject-01J...","time":1.5,"timestamp":"1970-01-01T00:00:01.500Z","kind":"field count","reason":"40 fields, need 41"}');
 * if (e.type === "reject") e.reason; // "40 fields, need 41"
 */
export function parseEvent(line: string, where = "event line"): DetectiveEvent {
  const fail = (what: string): never => {
    throw new InputError(
      `parseEvent: ${where}: ${what}. Each line must be one JSON event written by Detective (v ${EVENT_VERSION}).`,
    );
  };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    const shown = line.length > 60 ? `${line.slice(0, 60)}...` : line;
    return fail(`not JSON (${(err as Error).message}): ${JSON.stringify(shown)}`);
  }
  if (kindOf(value) !== "object") return fail(`a JSON ${kindOf(value)}, not an object`);
  const e = value as Json;
  if (e.v !== EVENT_VERSION) {
    return fail(
      e.v === undefined
        ? `no "v" field (a log written before events were versioned?)`
        : `version ${JSON.stringify(e.v)}, this reader knows ${EVENT_VERSION}; upgrade Detective to read it`,
    );
  }
  const type = e.type;
  if (typeof type !== "string" || !(EVENT_TYPES as readonly string[]).includes(type)) {
    return fail(`type ${JSON.stringify(type)} is not one of ${EVENT_TYPES.join(", ")}`);
  }
  const check = (fields: Readonly<Record<string, Kind>>): void => {
    for (const [field, kind] of Object.entries(fields)) {
      if (kindOf(e[field]) !== kind) {
        const article = kind === "object" || kind === "array" ? "an" : "a";
        fail(
          `${type} field "${field}" must be ${article} ${kind}, got ${JSON.stringify(e[field]) ?? "nothing"}`,
        );
      }
      const allowed = ONE_OF[field];
      if (allowed && !allowed.includes(e[field] as string)) {
        fail(
          `${type} field "${field}" must be one of ${allowed.join(", ")}, got ${JSON.stringify(e[field])}`,
        );
      }
    }
  };
  check({ id: "string", time: "number", timestamp: "string" });
  if (!Number.isFinite(e.time)) fail(`"time" must be finite epoch seconds, got ${String(e.time)}`);
  check(REQUIRED[type as EventType]);
  if (type === "alert" || type === "suppressed") {
    const source = type === "suppressed" ? (e.source ?? "connection") : e.source;
    const body = ALERT_BODY[source as string];
    if (body === undefined) {
      fail(
        `alert field "source" must be one of ${Object.keys(ALERT_BODY).join(", ")}, got ${JSON.stringify(source)}`,
      );
    }
    check(body);
  }
  if (type === "incident" && e.event === "open") check({ first: "object" });
  return e as unknown as DetectiveEvent;
}
