import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { KDD_FEATURES } from "../datasets/kdd99";
import { parseKddText } from "../datasets/loadKdd";
import { Mahalanobis } from "../detectors/mahalanobis";
import { FeaturePipeline } from "../features/pipeline";
import { seeded } from "../core/random";
import { kddLine, type RecordValues } from "../testing/kddLines";
import { EventLog } from "../events/eventLog";
import { loadBundle, type ModelBundle, saveBundle } from "../model/bundle";
import { makeBundle } from "../eval/trainBundle";
import { ConfigError, IoError, OptionError } from "../core/errors";
import { ConsoleSink } from "../events/consoleSink";
import type { IncidentEvent } from "../events/event";
import { idGenerator } from "../events/idGenerator";
import { parseEvent } from "../events/parseEvent";
import { alertSummary, Monitor, type MonitorAlert, type MonitorInput } from "./monitor";
import { monitorCapture, monitorSocket } from "./run";
import { SocketSource } from "../sources/socketSource";

const rng = seeded(11);
const normal = (): RecordValues => ({
  service: rng() < 0.7 ? "http" : "smtp",
  src_bytes: 200 + Math.round(rng() * 300),
  dst_bytes: 1000 + Math.round(rng() * 4000),
  count: 1 + Math.round(rng() * 8),
  srv_count: 1 + Math.round(rng() * 8),
  same_srv_rate: 1,
  dst_host_count: 50 + Math.round(rng() * 200),
});
// A SYN flood's record: no bytes, half-open, hundreds of connections to one service in 2 s.
const flood = (): RecordValues => ({
  service: "http",
  flag: "S0",
  count: 400 + Math.round(rng() * 100),
  srv_count: 400 + Math.round(rng() * 100),
  serror_rate: 1,
  srv_serror_rate: 1,
  same_srv_rate: 1,
  dst_host_count: 255,
  dst_host_serror_rate: 1,
});

function trainedBundle(): ModelBundle {
  const train = parseKddText(Array.from({ length: 3000 }, () => kddLine(normal())).join("\n")).table;
  const pipeline = FeaturePipeline.fit(train);
  const X = pipeline.transform(train).X;
  const validation = pipeline.transform(
    parseKddText(Array.from({ length: 2000 }, () => kddLine(normal())).join("\n")).table,
  ).X;
  return makeBundle(
    pipeline,
    new Mahalanobis().fit(X),
    { train: X, validation },
    { benchmark: "toy", seed: 11, fpr: 0.01 },
  );
}

const jsonLine = (values: RecordValues, meta: Record<string, unknown>): string => {
  const features = Object.fromEntries(
    KDD_FEATURES.map((f) => [
      f.name,
      values[f.name] ??
        (f.kind === "symbolic" ? { protocol_type: "tcp", service: "http", flag: "SF" }[f.name] : 0),
    ]),
  );
  return JSON.stringify({ ...features, ...meta });
};

function readLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test("model bundle: save/load round trip scores identically; tampered, foreign and future bundles are refused", () => {
  const bundle = trainedBundle();
  const dir = mkdtempSync(join(tmpdir(), "detective-bundle-"));
  const path = join(dir, "model.json");
  saveBundle(bundle, path);
  const back = loadBundle(path);
  assert.equal(back.threshold, bundle.threshold);
  const x = bundle.pipeline.transformRecord(parseKddText(kddLine(flood())).table.record(0));
  assert.equal((back.detector as Mahalanobis).scoreOne(x), (bundle.detector as Mahalanobis).scoreOne(x));
  assert.ok(
    bundle.validationScores.p99 <= bundle.validationScores.p999 &&
      bundle.validationScores.p999 <= bundle.validationScores.max,
  );

  const file = JSON.parse(readFileSync(path, "utf8"));
  file.content.threshold *= 10; // an edited threshold
  writeFileSync(join(dir, "tampered.json"), JSON.stringify(file));
  assert.throws(
    () => loadBundle(join(dir, "tampered.json")),
    /checksum does not match its content.*Refusing to load it/,
  );
  writeFileSync(join(dir, "future.json"), JSON.stringify({ ...file, version: 99 }));
  assert.throws(
    () => loadBundle(join(dir, "future.json")),
    /version 99, this monitor reads version 1.*detective train/,
  );
  writeFileSync(join(dir, "other.json"), JSON.stringify({ format: "something-else" }));
  assert.throws(() => loadBundle(join(dir, "other.json")), /not a Detective model bundle/);
  writeFileSync(join(dir, "cut.json"), readFileSync(path, "utf8").slice(0, 500));
  assert.throws(() => loadBundle(join(dir, "cut.json")), /cannot read it as JSON/);
});

test("monitor over a TCP socket: attacks alert, a clean stream stays under the FPR, bad lines are rejected and counted, one incident per flood", async () => {
  const bundle = trainedBundle();
  const dir = mkdtempSync(join(tmpdir(), "detective-monitor-"));
  const alerts = EventLog.open(join(dir, "alerts.jsonl"));
  const rejects = EventLog.open(join(dir, "rejects.jsonl"));
  const seen: MonitorAlert[] = [];
  const writtenIds = new Set<string>();
  const monitor = new Monitor(bundle, {
    alerts,
    rejects,
    onAlert: (a, written) => {
      seen.push(a);
      if (written) writtenIds.add(a.id);
    },
  });
  const ac = new AbortController();
  let port = 0;
  const listening = new Promise<void>((resolve) => {
    void monitorSocket(monitor, { transport: "tcp", port: 0 }, ac.signal, (s) => {
      port = s.address.port;
      resolve();
    }).then((source) => (finished = source));
  });
  let finished: unknown;
  await listening;

  const t0 = 1_700_000_000;
  const lines: string[] = [];
  for (let i = 0; i < 1000; i++)
    lines.push(
      jsonLine(normal(), { time: t0 + i, src: `10.0.0.${1 + (i % 50)}`, label: "normal", id: `n${i}` }),
    );
  const attackAt = lines.length;
  for (let i = 0; i < 50; i++)
    lines.push(
      jsonLine(flood(), {
        time: t0 + 1000 + i * 0.01,
        src: "203.0.113.9",
        dst: "10.0.0.80",
        dstPort: 80,
        label: "neptune",
        id: `a${i}`,
      }),
    );
  lines.push(
    "this is not a record",
    '{"duration": 0',
    kddLine({ src_bytes: "lots" as unknown as number }),
    "1,2,3",
  );
  for (let i = 0; i < 10; i++) lines.push(kddLine(normal(), "normal")); // CSV after the bad lines: the stream goes on
  await new Promise<void>((resolve, reject) => {
    const socket: Socket = connect(port, "127.0.0.1", () => socket.end(`${lines.join("\n")}\n`, resolve));
    socket.on("error", reject);
  });
  // wait until everything sent was accounted for
  for (let k = 0; k < 1000 && monitor.stats.received < lines.length; k++)
    await new Promise((r) => setTimeout(r, 20));
  // and until the source has seen the sender close (else the stop below closes it first: "shutdown")
  const closedByEnd = (): boolean =>
    (monitor.stats.source?.().connectionsClosed as Record<string, number> | undefined)?.end === 1;
  for (let k = 0; k < 1000 && !closedByEnd(); k++) await new Promise((r) => setTimeout(r, 10));
  ac.abort();
  for (let k = 0; k < 1000 && !finished; k++) await new Promise((r) => setTimeout(r, 10));
  monitor.close();
  alerts.close();
  rejects.close();

  const s = monitor.stats;
  assert.equal(s.received, lines.length, "every line is accounted for");
  assert.equal(s.processed + s.rejected, s.received);
  assert.equal(s.rejected, 4);
  // The snapshot carries the socket's own counters: the connection and how it ended.
  const source = s.snapshot().source as Record<string, unknown> | undefined;
  assert.equal(source?.connectionsTotal, 1);
  assert.deepEqual(source?.connectionsClosed, { end: 1 });
  assert.equal(source?.kernelDrops, null, "TCP has no kernel drop counter");
  const falseAlarms = seen.filter((a) => a.label === "normal").length;
  assert.ok(
    falseAlarms <= 0.03 * 1010,
    `clean traffic: ${falseAlarms} false alarms in 1,010 normal records (threshold at 1% FPR)`,
  );
  const attackAlerts = seen.filter((a) => a.label === "neptune");
  assert.equal(attackAlerts.length, 50, "every flood record alerts");
  assert.ok(seen.findIndex((a) => a.label === "neptune") >= 0 && attackAt > 0);

  const a = attackAlerts[0];
  assert.equal(a.src, "203.0.113.9");
  assert.equal(a.dstPort, 80);
  assert.equal(a.severity, "high", "far beyond every validation normal");
  assert.ok(a.score > a.threshold);
  assert.equal(a.contributors.length, 5);
  assert.ok(
    a.contributors.some((c) => /serror|count|flag/.test(c.feature)),
    JSON.stringify(a.contributors),
  );
  assert.equal(a.context.count, a.record.count);
  assert.match(
    alertSummary(a),
    /HIGH +alert-[0-9A-HJKMNP-TV-Z]{26} 203\.0\.113\.9 -> 10\.0\.0\.80:80 tcp\/http Mahalanobis score/,
  );

  const logged = readLines(join(dir, "alerts.jsonl"));
  const alertLines = logged.filter((l) => l.type === "alert");
  const incidentLines = logged.filter((l) => l.type === "incident" && l.src === "203.0.113.9");
  // Alerts are written in full up to 10 per incident; the rest are counted in the incident.
  assert.deepEqual(new Set(alertLines.map((l) => l.id)), writtenIds);
  assert.equal(s.alertsWritten, alertLines.length);
  const floodLines = alertLines.filter((l) => l.src === "203.0.113.9");
  assert.deepEqual(
    floodLines.map((l) => l.id),
    attackAlerts.slice(0, 10).map((x) => x.id),
    "the flood's first 10 alerts are written in full",
  );
  assert.deepEqual(
    incidentLines.map((l) => l.event),
    ["open", "close"],
    "the flood is one incident, opened at once and closed at shutdown",
  );
  assert.equal(incidentLines[1].count, 50, "the incident counts all 50");
  assert.deepEqual(
    incidentLines[1].sampleIds,
    floodLines.map((l) => l.id),
    "its sample ids are the lines written",
  );
  const rejected = readLines(join(dir, "rejects.jsonl"));
  assert.equal(rejected.length, 4);
  assert.ok(rejected.every((r) => typeof r.reason === "string" && (r.reason as string).length > 10));
});

test("monitor: a record the pipeline cannot encode is rejected with its reason, not thrown", () => {
  const bundle = trainedBundle();
  const monitor = new Monitor(bundle);
  const features = parseKddText(kddLine(normal())).table.record(0);
  const missing = { ...features };
  delete missing.src_bytes;
  assert.equal(monitor.process({ features: missing }), undefined);
  assert.equal(monitor.stats.rejected, 1);
  assert.equal(monitor.stats.processed, 0);
  assert.ok(monitor.process({ features: parseKddText(kddLine(flood())).table.record(0) }));
  assert.equal(monitor.stats.alerts, 1);
});

test("monitor warm-up: records above the threshold are logged as suppressed and counted, not alerted", () => {
  const bundle = trainedBundle();
  const dir = mkdtempSync(join(tmpdir(), "detective-warmup-"));
  const alerts = EventLog.open(join(dir, "alerts.jsonl"));
  const seen: MonitorAlert[] = [];
  const monitor = new Monitor(bundle, { alerts, onAlert: (a) => seen.push(a) });
  assert.throws(() => monitor.startWarmup(-1), /integer >= 0/);
  monitor.startWarmup(5);
  const features = parseKddText(kddLine(flood())).table.record(0);
  for (let i = 0; i < 8; i++) monitor.process({ features, time: 1000 + i, src: "203.0.113.9" });
  monitor.close();
  alerts.close();
  assert.equal(monitor.stats.processed, 8);
  assert.equal(monitor.stats.suppressed, 5, "the first 5 records are the warm-up");
  assert.equal(seen.length, 3);
  assert.equal(monitor.stats.alerts, 3);
  const logged = readLines(join(dir, "alerts.jsonl"));
  const suppressed = logged.filter((l) => l.type === "suppressed");
  assert.equal(suppressed.length, 5, "nothing is lost: each suppressed record has its line");
  assert.match(String(suppressed[4].reason), /warm-up: record 5 of 5/);
  assert.ok((suppressed[0].score as number) > bundle.threshold);
  const incidents = logged.filter((l) => l.type === "incident" && l.event === "close");
  assert.equal(incidents.length, 1);
  assert.equal(incidents[0].count, 3, "suppressed records open no incident");
});

test("alert and incident ids are unique across two monitor runs appending to one log; every line is a v1 event", () => {
  const bundle = trainedBundle();
  const path = join(mkdtempSync(join(tmpdir(), "detective-restart-")), "alerts.jsonl");
  const records: MonitorInput[] = [];
  for (let i = 0; i < 300; i++) {
    const attack = i % 10 === 0 || (i >= 200 && i < 240);
    const features = parseKddText(kddLine(attack ? flood() : normal())).table.record(0);
    records.push({
      features,
      time: 1_700_000_000 + i,
      src: `203.0.113.${i % 7}`,
      dst: "10.0.0.80",
      dstPort: 80,
    });
  }
  const unencodable = { ...records[1].features };
  delete unencodable.src_bytes;
  const run = (): { alerts: number; incidents: number } => {
    const log = EventLog.open(path); // the same file, reopened as after a restart
    const monitor = new Monitor(bundle, { alerts: log, rejects: log });
    monitor.startWarmup(3);
    for (const r of records) monitor.process(r);
    monitor.process({ features: unencodable, time: 1_700_000_500 });
    monitor.reject("field count", "40 fields, a KDD record has 41", "0,tcp,http");
    monitor.close();
    log.write(monitor.statsEvent());
    log.close();
    return { alerts: monitor.stats.alertsWritten, incidents: monitor.stats.incidents };
  };
  const first = run();
  const second = run();
  assert.deepEqual(second, first, "the same records give the same alerts and incidents");
  assert.ok(
    first.alerts > 20 && first.incidents >= 7,
    `${first.alerts} alerts, ${first.incidents} incidents per run`,
  );

  const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
  const events = lines.map((l, i) => parseEvent(l, `line ${i + 1}`));
  assert.ok(events.every((e) => e.v === 1 && typeof e.time === "number" && e.timestamp.endsWith("Z")));
  const ids = events.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, "every line's id is distinct, across both runs");
  const count = (type: string): number => events.filter((e) => e.type === type).length;
  assert.equal(count("alert"), 2 * first.alerts);
  assert.equal(count("suppressed"), 2 * 1, "record 0 (a flood) in each warm-up");
  assert.equal(count("reject"), 4);
  assert.equal(count("stats"), 2);
  const incidents = events.filter((e): e is IncidentEvent => e.type === "incident");
  const opened = incidents.filter((e) => e.event === "open").map((e) => e.incident);
  assert.equal(opened.length, 2 * first.incidents);
  assert.equal(new Set(opened).size, opened.length, "incident ids distinct across runs");
  // each incident's lines share its id; the open line's first alert is the incident's namesake
  for (const e of incidents) {
    if (e.event === "open")
      assert.equal(e.incident, `incident-${String(e.first?.id).replace(/^alert-/, "")}`);
  }
  for (const e of events) {
    if (e.type === "alert") {
      assert.equal(e.source, "connection");
      assert.match(e.id, /^alert-[0-9A-HJKMNP-TV-Z]{26}$/);
    }
  }
});

test("monitor: an injected id generator makes ids exact; sinks get every event; a batch detector is a ConfigError", () => {
  const bundle = trainedBundle();
  const clock = (): number => 1_700_000_000_000;
  const printed: string[] = [];
  const monitor = new Monitor(bundle, {
    ids: idGenerator({ seed: 5, clock }),
    sinks: [new ConsoleSink({ types: ["alert", "incident", "reject"], print: (l) => printed.push(l) })],
  });
  const features = parseKddText(kddLine(flood())).table.record(0);
  const alert = monitor.process({ features, time: 1_700_000_000, src: "203.0.113.9" });
  monitor.reject("field count", "40 fields");
  monitor.close();
  const expected = idGenerator({ seed: 5, clock });
  assert.equal(alert?.id, expected("alert"));
  assert.deepEqual(
    printed.map((l) => l.split(" ").slice(0, 3).join(" ")),
    [
      `incident open incident-${alert?.id.slice("alert-".length)}:`, // the incident opens with its first alert
      `2023-11-14T22:13:20.000Z HIGH `,
      `${printed[2].split(" ")[0]} reject ${expected("reject")}:`,
      `incident close incident-${alert?.id.slice("alert-".length)}:`,
    ],
  );
  assert.equal(printed[1], alertSummary(alert as MonitorAlert));
  assert.throws(() => new Monitor(bundle, { alertsPerIncident: -1 }), OptionError);
  const batchOnly = { ...bundle, detector: { name: "Batch" } as unknown as ModelBundle["detector"] };
  assert.throws(
    () => new Monitor(batchOnly),
    (e: Error) => e instanceof ConfigError && /cannot score one record at a time/.test(e.message),
  );
});

test("a capture that is not there is a ConfigError naming the path, before anything is read", async () => {
  const monitor = new Monitor(trainedBundle());
  const path = join(mkdtempSync(join(tmpdir(), "detective-nopcap-")), "missing.pcap");
  await assert.rejects(
    monitorCapture(monitor, path),
    (e: Error) => e instanceof ConfigError && e.message.includes(path) && /Check the path/.test(e.message),
  );
  assert.equal(monitor.stats.received, 0);
});

test("an infinite score is the largest finite one (the line stays valid JSON); a NaN score is a counted reject", () => {
  const bundle = trainedBundle();
  const dir = mkdtempSync(join(tmpdir(), "detective-monitor-"));
  const input = (): MonitorInput => ({
    features: JSON.parse(jsonLine(normal(), {})) as MonitorInput["features"],
    src: "10.0.0.9",
  });
  for (const [value, alerted] of [
    [Number.POSITIVE_INFINITY, true],
    [Number.NaN, false],
  ] as const) {
    const detector = Object.assign(Object.create(bundle.detector) as ModelBundle["detector"], {
      scoreOne: () => value,
    }) as ModelBundle["detector"];
    const path = join(dir, `alerts-${String(value)}.jsonl`);
    const alerts = EventLog.open(path);
    const rejects = EventLog.open(join(dir, `rejects-${String(value)}.jsonl`));
    const monitor = new Monitor({ ...bundle, detector }, { alerts, rejects });
    const alert = monitor.process(input());
    monitor.close();
    alerts.close();
    rejects.close();
    assert.equal(alert !== undefined, alerted);
    assert.equal(monitor.stats.received, monitor.stats.processed + monitor.stats.rejected);
    if (alerted) {
      assert.equal(alert?.score, Number.MAX_VALUE);
      const lines = readFileSync(path, "utf8").trim().split("\n");
      for (const line of lines) parseEvent(line); // every line written is a valid event
      assert.ok(lines.some((l) => l.includes('"type":"alert"')));
    } else {
      assert.equal(monitor.stats.rejected, 1);
      assert.match(readFileSync(join(dir, `rejects-NaN.jsonl`), "utf8"), /unscorable record/);
    }
  }
});

test("notices of one kind are written up to noticesPerNote, then only counted; the last written says so", () => {
  const written: string[] = [];
  const monitor = new Monitor(trainedBundle(), {
    noticesPerNote: 5,
    sinks: [new ConsoleSink({ types: ["notice"], print: (l) => written.push(l) })],
  });
  for (let i = 0; i < 8; i++) monitor.notice("time.jump", `jump ${i}`, { time: 1_772_532_000 + i });
  monitor.notice("other.note", "a different kind");
  assert.equal(written.length, 6, "5 time.jump notices and the other one");
  assert.match(
    written[4],
    /jump 4 \(5 time\.jump notices logged: later ones are counted in the stats only\)/,
  );
  assert.deepEqual(monitor.stats.snapshot().notices, { "time.jump": 8, "other.note": 1 });
});

test("a reject log that fails (a full disk) ends monitorSocket with that error, one line, the port released", async () => {
  const full = new IoError(
    "EventLog: cannot write the log rejects.jsonl (ENOSPC).",
    "rejects.jsonl",
    "ENOSPC",
  );
  const monitor = new Monitor(trainedBundle(), {
    rejects: {
      write: () => {
        throw full;
      },
      flush: () => {},
      close: () => {},
    },
  });
  let port = 0;
  const run = monitorSocket(monitor, { transport: "tcp", port: 0 }, new AbortController().signal, (s) => {
    port = s.address.port;
  });
  while (port === 0) await new Promise((r) => setTimeout(r, 5));
  const client = connect(port, "127.0.0.1");
  client.on("error", () => {}); // the source closes under it
  client.write("not a record\n");
  await assert.rejects(run, (e: Error) => e === full);
  // the port is free again: a new listener can bind it
  const again = await SocketSource.listen({ transport: "tcp", port });
  await again.close();
  client.destroy();
});
