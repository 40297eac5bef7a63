import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "../core/errors";
import {
  type ConnectionAlert,
  type DetectiveEvent,
  EVENT_TYPES,
  type IncidentEvent,
  type NoticeEvent,
  type ProtocolEvent,
  type RejectEvent,
  type StatsEvent,
  type SuppressedEvent,
  type VolumeAlert,
} from "./event";
import { parseEvent } from "./parseEvent";

const envelope = { v: 1, time: 1700000000.25, timestamp: "2023-11-14T22:13:20.250Z" } as const;
const model = { benchmark: "simulated", seed: 1, createdAt: "2026-01-01T00:00:00.000Z" };
const contributors = [{ feature: "serror_rate", value: 1, normalMean: 0.01, normalSd: 0.05, z: 19.8 }];

const connection: ConnectionAlert = {
  ...envelope,
  type: "alert",
  source: "connection",
  id: "alert-01HF7Y4ZQ0AAAAAAAAAAAAAAAA",
  src: "203.0.113.9",
  srcPort: 40000,
  dst: "10.0.0.80",
  dstPort: 80,
  protocol: "tcp",
  service: "http",
  detector: "IsolationForest",
  kind: "IsolationForest",
  score: 0.71,
  threshold: 0.6,
  severity: "high",
  contributors,
  context: { count: 480, serror_rate: 1 },
  record: { protocol_type: "tcp", service: "http", flag: "S0", count: 480 },
  sourceId: "C1",
  model,
};
const volume: VolumeAlert = {
  ...envelope,
  type: "alert",
  source: "volume",
  id: "alert-01HF7Y4ZQ0AAAAAAAAAAAAAAAB",
  src: "network",
  detector: "RollingZScore",
  kind: "RollingZScore (volume)",
  score: 9,
  threshold: 4,
  severity: "high",
  intervalSeconds: 10,
  contributors,
  interval: { start: 1700000000, host: "*", packets: 90000, bytes: 5400000 },
  model,
};
const suppressed: SuppressedEvent = {
  ...connection,
  type: "suppressed",
  id: "suppressed-01HF7Y4ZQ0AAAAAAAAAAAAAAAC",
  reason: "warm-up: record 3 of 100 while the window features fill",
};
const incident: IncidentEvent = {
  ...envelope,
  type: "incident",
  id: "incident-01HF7Y4ZQ0AAAAAAAAAAAAAAAA:open",
  event: "open",
  incident: "incident-01HF7Y4ZQ0AAAAAAAAAAAAAAAA",
  scope: "source",
  src: "203.0.113.9",
  kind: "IsolationForest",
  count: 1,
  firstSeen: envelope.time,
  lastSeen: envelope.time,
  maxScore: 0.71,
  sampleIds: [connection.id],
  first: connection,
};
const reject: RejectEvent = {
  ...envelope,
  type: "reject",
  id: "reject-01HF7Y4ZQ0AAAAAAAAAAAAAAAD",
  kind: "field count",
  reason: "40 fields, a KDD record has 41 (42 with a label)",
  text: "0,tcp,http",
};
const stats: StatsEvent = {
  ...envelope,
  type: "stats",
  id: "stats-01HF7Y4ZQ0AAAAAAAAAAAAAAAE",
  stats: { received: 10, processed: 9, rejected: 1 },
};
const notice: NoticeEvent = {
  ...envelope,
  type: "notice",
  id: "notice-01HF7Y4ZQ0AAAAAAAAAAAAAAAF",
  note: "intel.match",
  message: "203.0.113.9 is on the blocklist",
  severity: "medium",
  src: "203.0.113.9",
};
const protocol: ProtocolEvent = {
  ...envelope,
  type: "protocol",
  id: "protocol-01HF7Y4ZQ0AAAAAAAAAAAAAAAG",
  protocol: "dns",
  uid: "C1",
  record: { query: "example.com", qtype: "A", answers: ["93.184.216.34"] },
};

/** One event of each type (two alerts). */
const SAMPLE_EVENTS: readonly DetectiveEvent[] = [
  connection,
  volume,
  suppressed,
  incident,
  reject,
  stats,
  notice,
  protocol,
];

test("every event type round-trips through one JSON line and parseEvent", () => {
  assert.deepEqual(
    [...new Set(SAMPLE_EVENTS.map((e) => e.type))].sort(),
    [...EVENT_TYPES].sort(),
    "a sample of every type",
  );
  for (const event of SAMPLE_EVENTS) {
    const line = JSON.stringify(event);
    assert.equal(line.includes("\n"), false);
    const back = parseEvent(line);
    assert.deepEqual(back, event, `${event.type} ${event.id}`);
    assert.equal(back.v, 1);
  }
});

test("parseEvent narrows the union: an alert's source tells its shape", () => {
  const shapes = [connection, volume].map((a) => {
    const e = parseEvent(JSON.stringify(a));
    if (e.type !== "alert") return "not an alert";
    return e.source === "connection" ? `${e.service} ${e.dstPort}` : `${e.intervalSeconds} s`;
  });
  assert.deepEqual(shapes, ["http 80", "10 s"]);
});

test("a malformed line is one clear InputError naming the line, the field and what it must be", () => {
  const bad = (line: string, message: RegExp): void =>
    assert.throws(
      () => parseEvent(line, "alerts.jsonl line 7"),
      (e: Error) =>
        e instanceof InputError &&
        message.test(e.message) &&
        e.message.startsWith("parseEvent: alerts.jsonl line 7: ") &&
        !e.message.includes("\n"),
      line,
    );
  const without = (e: object, field: string): string =>
    JSON.stringify(Object.fromEntries(Object.entries(e).filter(([k]) => k !== field)));
  bad('{"v":1,"type":"alert"', /not JSON/);
  bad("[1,2]", /a JSON array, not an object/);
  bad("null", /a JSON null, not an object/);
  bad(JSON.stringify({ ...reject, v: 2 }), /version 2, this reader knows 1; upgrade/);
  bad(without(reject, "v"), /no "v" field/);
  bad(JSON.stringify({ ...reject, type: "alarm" }), /type "alarm" is not one of alert, suppressed, incident/);
  bad(without(reject, "id"), /field "id" must be a string, got nothing/);
  bad(JSON.stringify({ ...reject, time: "yesterday" }), /field "time" must be a number, got "yesterday"/);
  bad(without(reject, "reason"), /reject field "reason" must be a string/);
  bad(JSON.stringify({ ...connection, score: null }), /alert field "score" must be a number, got null/);
  bad(
    JSON.stringify({ ...connection, severity: "critical" }),
    /"severity" must be one of low, medium, high, got "critical"/,
  );
  bad(
    JSON.stringify({ ...connection, source: "dns" }),
    /alert field "source" must be one of connection, volume, got "dns"/,
  );
  bad(without(volume, "interval"), /alert field "interval" must be an object/);
  bad(JSON.stringify({ ...incident, event: "reopen" }), /"event" must be one of open, update, close/);
  bad(without(incident, "incident"), /incident field "incident" must be a string/);
  bad(JSON.stringify({ ...protocol, record: "qname=x" }), /protocol field "record" must be an object/);
  bad(without(notice, "note"), /notice field "note"/);
});

test("a line from before events were versioned says so", () => {
  const old = { type: "alert", id: "alert-1", time: 1, timestamp: "1970-01-01T00:00:01.000Z", src: "x" };
  assert.throws(
    () => parseEvent(JSON.stringify(old)),
    /no "v" field \(a log written before events were versioned\?\)/,
  );
});
