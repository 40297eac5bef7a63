import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readCapture } from "../packets/capture";
import { type SimulationLabels, simulateTraffic } from "../simulate/simulate";
import { valueCounts } from "../datasets/table";
import { FeaturePipeline } from "./pipeline";
import { featurizeCapture, PacketFeaturizer, recordsToTable } from "./featurize";
import { labelRecords } from "../eval/groundTruth";
import { type SeriesRow, type TimeJump, TrafficSeries } from "./timeSeries";
import type { Packet } from "../packets/packet";

const dir = mkdtempSync(join(tmpdir(), "detective-feat-"));
const sim = simulateTraffic(
  {
    seed: 21,
    start: "2026-03-03T10:00:00Z",
    durationSeconds: 400,
    workstations: 6,
    attacks: [
      { scenario: "port_scan", startSeconds: 100, durationSeconds: 20, rate: 50 },
      { scenario: "syn_flood", startSeconds: 200, durationSeconds: 5, rate: 100 },
      { scenario: "dns_tunnel", startSeconds: 300, durationSeconds: 20 },
    ],
  },
  join(dir, "f.pcap"),
);
const labels = JSON.parse(readFileSync(sim.labels, "utf8")) as SimulationLabels;

test("a capture becomes KDD-shaped records; labels find every attack connection", async () => {
  const { records, protocols, capture, assembler } = await featurizeCapture(sim.pcap);
  assert.equal(capture.packets, sim.packets);
  assert.equal(assembler.packets, sim.packets);
  assert.equal(assembler.connections, records.length);
  // Records come out in start order, except a connection still open when a later-starting one was
  // released (at most maxDelaySeconds, 10 s, after its end): such a late record lasted longer than that.
  let latest = -Infinity;
  for (const r of records) {
    if (r.start < latest)
      assert.ok(r.end - r.start > 10, `record of ${r.src}:${r.srcPort} out of start order`);
    latest = Math.max(latest, r.start);
  }
  assert.ok(records.filter((r, i) => i > 0 && r.start < records[i - 1].start).length < records.length / 20);
  const y = labelRecords(records, labels);
  const table = recordsToTable(records, y, protocols);
  const counts = Object.fromEntries(valueCounts(table, "label"));
  assert.equal(counts.port_scan, sim.attackConnections.port_scan);
  assert.equal(counts.syn_flood, sim.attackConnections.syn_flood);
  assert.equal(counts.dns_tunnel, sim.attackConnections.dns_tunnel);
  assert.ok(counts.normal > 20, `${counts.normal} normal connections`);
  // The scan shows as refused (REJ) and reset (RSTO) connections from one source with many services.
  const scanRows = table.where((i) => table.value("label", i) === "port_scan");
  const flags = Object.fromEntries(valueCounts(table, "flag", scanRows));
  assert.ok(flags.REJ > 0 && flags.RSTO > 0);
  assert.ok(valueCounts(table, "service", scanRows).length > 20);
  // The tunnel's queries keep their long names under one domain.
  const tunnel = table.where((i) => table.value("label", i) === "dns_tunnel");
  assert.ok(tunnel.length > 0);
  assert.ok([...tunnel].every((i) => String(table.value("dns_query", i)).endsWith(".t.cdn-sync.example")));
  // Protocol records join their connection by uid: every one has its record, DNS ones DNS connections.
  const byUid = new Map(records.map((r) => [r.uid, r]));
  assert.ok(protocols.length > 0);
  for (const p of protocols) {
    const r = byUid.get(p.uid);
    assert.ok(r, `protocol record of uid ${p.uid} has its connection`);
    if (p.protocol === "dns") assert.equal(r.features.service, "domain_u");
    if (p.protocol === "http") assert.equal(r.protocol, "tcp");
  }
  // The same pipeline as KDD fits and transforms the table.
  const pipeline = FeaturePipeline.fit(table);
  const { X } = pipeline.transform(table);
  assert.equal(X.rows, records.length);
  assert.ok(X.data.every(Number.isFinite));
});

test("streaming the packets one by one gives exactly the records of the file path", async () => {
  const viaFile = (await featurizeCapture(sim.pcap)).records;
  const streamed: typeof viaFile = [];
  const f = new PacketFeaturizer((r) => streamed.push(r));
  await readCapture(sim.pcap, (p) => f.add(p));
  f.finish();
  assert.deepEqual(streamed, viaFile);
});

test("traffic series: contiguous intervals; the flood and the scan stand out in SYN ratio and connections", async () => {
  const total: SeriesRow[] = [];
  const hosts: SeriesRow[] = [];
  const s = new TrafficSeries(
    (r) => total.push(r),
    (r) => hosts.push(r),
    { intervalSeconds: 10 },
  );
  const report = await readCapture(sim.pcap, (p) => s.add(p));
  s.finish();
  for (let i = 1; i < total.length; i++) assert.equal(total[i].start - total[i - 1].start, 10);
  assert.equal(
    total.reduce((a, r) => a + r.packets, 0),
    report.packets,
  );
  const inWindow = (t: number, w: { start: number; end: number }) => t >= w.start - 10 && t < w.end;
  const flood = labels.windows.find((w) => w.scenario === "syn_flood") as { start: number; end: number };
  const floodRows = total.filter((r) => inWindow(r.start, flood));
  const quiet = total.filter((r) => !labels.windows.some((w) => inWindow(r.start, w)));
  const maxQuietSyn = Math.max(...quiet.map((r) => r.synRatio));
  assert.ok(Math.max(...floodRows.map((r) => r.synRatio)) > 2 * maxQuietSyn, "SYN ratio during the flood");
  const victim = hosts.filter((r) => r.host === "10.0.0.10" && inWindow(r.start, flood));
  assert.ok(Math.max(...victim.map((r) => r.packetsIn)) > 100, "the victim receives the flood");
  assert.ok(
    hosts.every((r) => r.host.startsWith("10.")),
    "per-host series only for local hosts",
  );
});

test("traffic series: a quiet spell is emitted interval by interval, a break in time is jumped in O(1)", async () => {
  const packets: Packet[] = [];
  await readCapture(sim.pcap, (p) => {
    if (packets.length < 50) packets.push({ ...p });
  });
  const run = (times: number[], maxEmptyIntervals = 5) => {
    const total: SeriesRow[] = [];
    const jumps: TimeJump[] = [];
    const s = new TrafficSeries((r) => total.push(r), undefined, {
      intervalSeconds: 10,
      maxEmptyIntervals,
      onJump: (j) => jumps.push(j),
    });
    times.forEach((t, i) => s.add({ ...packets[i], ts: t }));
    s.finish();
    return { total, jumps, s };
  };
  const t0 = 1_772_532_000; // a multiple of 10
  // 6 intervals apart: the 5 between are quiet ones, emitted
  let r = run([t0, t0 + 60]);
  assert.deepEqual(
    r.total.map((x) => [x.start - t0, x.packets]),
    [
      [0, 1],
      [10, 0],
      [20, 0],
      [30, 0],
      [40, 0],
      [50, 0],
      [60, 1],
    ],
  );
  assert.equal(r.jumps.length, 0);
  // ten years ahead, then back: two breaks, nothing emitted between, every packet counted once
  const tenYears = 315_360_000;
  r = run([t0, t0 + 1, t0 + tenYears, t0 + 2, t0 + 3]);
  assert.deepEqual(
    r.total.map((x) => [x.start - t0, x.packets]),
    [
      [0, 2],
      [tenYears, 1],
      [0, 2],
    ],
  );
  assert.deepEqual(r.jumps, [
    { from: t0, to: t0 + tenYears, intervals: tenYears / 10 },
    { from: t0 + tenYears, to: t0, intervals: -tenYears / 10 },
  ]);
  assert.equal(r.s.jumps, 2);
  // a packet a little late joins the open interval
  r = run([t0 + 30, t0 + 5, t0 + 31]);
  assert.deepEqual(
    r.total.map((x) => [x.start - t0, x.packets]),
    [[30, 3]],
  );
  assert.throws(() => new TrafficSeries(() => {}, undefined, { maxEmptyIntervals: -1 }), /maxEmptyIntervals/);
});

test("traffic series: an interval that is not a whole number of seconds never drifts into false jumps", async () => {
  const packets: Packet[] = [];
  await readCapture(sim.pcap, (p) => {
    if (packets.length < 1) packets.push({ ...p });
  });
  for (const intervalSeconds of [1.1, 3.3, 0.7]) {
    const total: SeriesRow[] = [];
    const s = new TrafficSeries((r) => total.push(r), undefined, { intervalSeconds });
    const t0 = 1_772_532_000;
    for (let i = 0; i < 2000; i++) s.add({ ...packets[0], ts: t0 + i * 0.37 });
    s.finish();
    assert.equal(s.jumps, 0, `${intervalSeconds} s intervals`);
    assert.equal(
      total.reduce((a, r) => a + r.packets, 0),
      2000,
    );
    const expected = Math.floor((t0 + 1999 * 0.37) / intervalSeconds) - Math.floor(t0 / intervalSeconds) + 1;
    assert.equal(total.length, expected, "one row per interval, none doubled");
  }
});
