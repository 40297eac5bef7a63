import assert from "node:assert/strict";
import { test } from "node:test";
import { ConsoleSink } from "./consoleSink";
import type { ConnectionAlert, IncidentEvent, RejectEvent, VolumeAlert } from "./event";
import { eventSummary, printable } from "./summary";

const envelope = { v: 1, time: 1700000000.25, timestamp: "2023-11-14T22:13:20.250Z" } as const;
const model = { benchmark: "simulated", seed: 1, createdAt: "2026-01-01T00:00:00.000Z" };
const contributors = [
  { feature: "serror_rate", value: 1, normalMean: 0.01, normalSd: 0.05, z: 19.8 },
  { feature: "count", value: 0.9, normalMean: 0.02, normalSd: 0.04, z: 22.04 },
  { feature: "flag=S0", value: 1, normalMean: 0, normalSd: 0.001, z: 1000 },
  { feature: "dst_bytes", value: 0, normalMean: 0.1, normalSd: 0.1, z: -1 },
];
const alert: ConnectionAlert = {
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
  score: 0.712345,
  threshold: 0.6,
  severity: "high",
  contributors,
  context: {},
  record: {},
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
  severity: "medium",
  intervalSeconds: 10,
  contributors,
  interval: {},
  model,
};
const incident = (event: IncidentEvent["event"]): IncidentEvent => ({
  ...envelope,
  type: "incident",
  id: `incident-01HF7Y4ZQ0AAAAAAAAAAAAAAAA:${event}`,
  event,
  incident: "incident-01HF7Y4ZQ0AAAAAAAAAAAAAAAA",
  scope: "destination",
  src: "*",
  dst: "10.0.0.80",
  sources: 256,
  sourcesAtLeast: true,
  kind: "IsolationForest",
  count: 23346,
  firstSeen: envelope.time,
  lastSeen: envelope.time + 60,
  maxScore: 0.8,
  sampleIds: [],
  first: alert,
});
const reject: RejectEvent = {
  ...envelope,
  type: "reject",
  id: "reject-01HF7Y4ZQ0AAAAAAAAAAAAAAAD",
  kind: "field count",
  reason: "40 fields",
};

test("the console lines are the monitor's one-line summaries, as the CLI printed them", () => {
  assert.equal(
    eventSummary(alert),
    "2023-11-14T22:13:20.250Z HIGH   alert-01HF7Y4ZQ0AAAAAAAAAAAAAAAA 203.0.113.9:40000 -> 10.0.0.80:80 tcp/http " +
      "IsolationForest score 0.7123 > 0.6000 (serror_rate z=19.8, count z=22.0, flag=S0 z=1000.0)",
  );
  assert.equal(
    eventSummary(volume),
    "2023-11-14T22:13:20.250Z MEDIUM alert-01HF7Y4ZQ0AAAAAAAAAAAAAAAB network RollingZScore (volume) score 9.000 > 4.000 " +
      "(serror_rate z=19.8, count z=22.0, flag=S0 z=1000.0)",
  );
  assert.equal(
    eventSummary(incident("close")),
    "incident close incident-01HF7Y4ZQ0AAAAAAAAAAAAAAAA: 256+ source(s) -> 10.0.0.80 IsolationForest, 23346 alert(s), max score 0.8000",
  );
  assert.equal(
    eventSummary(reject),
    "2023-11-14T22:13:20.250Z reject reject-01HF7Y4ZQ0AAAAAAAAAAAAAAAD: 40 fields",
  );
});

test("ConsoleSink prints alerts and incident opens and closes; updates and other types only when asked", () => {
  const printed: string[] = [];
  const sink = new ConsoleSink({ print: (l) => printed.push(l) });
  for (const e of [alert, volume, incident("open"), incident("update"), incident("close"), reject])
    sink.write(e);
  sink.flush();
  sink.close();
  assert.deepEqual(
    printed.map((l) => l.split(" ").slice(0, 3).join(" ")),
    [
      "2023-11-14T22:13:20.250Z HIGH ",
      "2023-11-14T22:13:20.250Z MEDIUM alert-01HF7Y4ZQ0AAAAAAAAAAAAAAAB",
      "incident open incident-01HF7Y4ZQ0AAAAAAAAAAAAAAAA:",
      "incident close incident-01HF7Y4ZQ0AAAAAAAAAAAAAAAA:",
    ],
  );
  const all: string[] = [];
  const verbose = new ConsoleSink({
    types: ["reject", "incident"],
    updates: true,
    print: (l) => all.push(l),
  });
  for (const e of [alert, incident("update"), reject]) verbose.write(e);
  assert.equal(all.length, 2);
  assert.match(all[0], /^incident update /);
  assert.match(all[1], / reject reject-/);
});

test("what comes from the network cannot drive the terminal: control characters and bidi overrides are escaped", () => {
  const hostile: ConnectionAlert = {
    ...alert,
    src: "10.0.0.1\u001b[2J\u001b]0;pwned\u0007",
    service: "http\r\u202eevil",
  };
  const line = eventSummary(hostile);
  // eslint-disable-next-line no-control-regex -- the test looks for control characters
  assert.ok(!/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/.test(line), line);
  assert.match(line, /10\.0\.0\.1\\x1b\[2J\\x1b\]0;pwned\\x07/);
  assert.match(line, /http\\x0d\\u\{202e\}evil/);
  assert.equal(printable("10.0.0.5:80 ok"), "10.0.0.5:80 ok", "ordinary text is unchanged");
});
