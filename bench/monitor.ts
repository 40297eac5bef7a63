/**
 * Monitor benchmark, two parts, each writing bench/results/<name>.json:
 * - monitor-socket: a separate process sends NSL-KDD KDDTest+ records as JSON lines over TCP at
 *   increasing rates, from 250 source addresses; the monitor (Isolation Forest bundle) scores them
 *   and raises alerts (on about 30% of the records: the test set is mostly attacks), merged into incidents
 *   per source, each incident's first 10 alerts written in full. Recorded per rate: sustained
 *   throughput, latency from socket receive to scored (p50/p99), end-to-end latency from send to
 *   alert raised (alerts carry the send time in their id; the log is flushed every 5 ms after
 *   that), peak RSS. One more unpaced run writes every alert in full (`alertsPerIncident:
 *   Infinity`), for what that costs. The reference is the same model scoring the same records in
 *   one batch (`score` on the matrix): the ratio is what streaming one record at a time costs.
 * - monitor-pcap: replaying the simulated normal and mixed captures through the monitor (packets ->
 *   connections -> pipeline -> detector -> alerts, plus the volume watch) against the packet
 *   pipeline alone (`featurizeCapture`, the batch figure of bench/packets.ts) on the same file in
 *   the same run. The monitor does all the pipeline's work and more on the same thread, so the
 *   ratio is what scoring, alerting and the volume watch add (a worker thread for the packet side
 *   was measured and gave nothing: the packet stage itself is the bottleneck).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  EventLog,
  featurizeCapture,
  KDD_FEATURES,
  loadDataset,
  loadSimulated,
  Monitor,
  monitorCapture,
  monitorSocket,
  type Table,
  trainBundle,
} from "../lib";
import { median, round, writeResult } from "./common";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RATES = (process.env.BENCH_RATES ?? "20000,50000,100000,200000,0").split(",").map(Number);
const now = (): number => performance.timeOrigin + performance.now();

// The sender: reads the lines, sends them in a loop at `rate` lines/s (0 = as fast as the socket
// takes them) for `seconds`, stamping each line's "id" with its send time (ms since the epoch).
// Nagle's algorithm is off, as in any latency-sensitive sender: it would hold small writes back
// for the receiver's delayed acknowledgement, time no monitor can save.
const SENDER = `
const net = require("node:net"); const fs = require("node:fs");
const [port, rate, seconds, file] = process.argv.slice(1).map((v, i) => (i < 3 ? Number(v) : v));
const lines = fs.readFileSync(file, "utf8").split("\\n").filter(Boolean);
const now = () => performance.timeOrigin + performance.now();
const socket = net.connect({ port, host: "127.0.0.1", noDelay: true }, () => {
  const start = now(); let sent = 0; let k = 0;
  const stamp = () => { const l = lines[k++ % lines.length]; return l.slice(0, -1) + ',"id":' + now().toFixed(3) + "}\\n"; };
  const tick = () => {
    const elapsed = (now() - start) / 1000;
    if (elapsed >= seconds) { socket.end(() => { process.stdout.write(JSON.stringify({ sent, seconds: elapsed })); }); return; }
    const due = rate > 0 ? Math.min(Math.floor(elapsed * rate), sent + rate) : sent + 2000;
    let chunk = "";
    while (sent < due) { chunk += stamp(); sent++; }
    const ok = chunk ? socket.write(chunk) : true;
    // nothing due: sleep a millisecond rather than spin (a spinning sender takes a core from the monitor)
    if (!ok) socket.once("drain", tick); else if (chunk) setImmediate(tick); else setTimeout(tick, 1);
  };
  tick();
});
`;

function send(
  port: number,
  rate: number,
  seconds: number,
  file: string,
): Promise<{ sent: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", SENDER, String(port), String(rate), String(seconds), file]);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => process.stderr.write(d));
    child.on("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`sender exited ${code}`)),
    );
  });
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : Number.NaN;
}

/**
 * What the socket benchmarks share: an Isolation Forest bundle trained on NSL-KDD, and KDDTest+ as
 * JSON lines (the 41 features plus `extra` fields per row) in a temporary folder.
 */
async function socketSetup(
  name: string,
  extra: (row: Record<string, unknown>, i: number) => Record<string, unknown>,
): Promise<{ bundle: Awaited<ReturnType<typeof trainBundle>>; table: Table; dir: string; file: string }> {
  const bundle = await trainBundle({ benchmark: "nslKdd", detector: "IsolationForest", seed: 1 });
  const { table } = await loadDataset("nsl-test");
  const dir = mkdtempSync(join(tmpdir(), `detective-bench-${name}-`));
  const file = join(dir, "lines.jsonl");
  const names = KDD_FEATURES.map((f) => f.name);
  const lines: string[] = [];
  for (let i = 0; i < table.rows; i++) {
    const r = table.record(i);
    lines.push(JSON.stringify({ ...Object.fromEntries(names.map((n) => [n, r[n]])), ...extra(r, i) }));
  }
  writeFileSync(file, `${lines.join("\n")}\n`);
  return { bundle, table, dir, file };
}

async function socketBench(): Promise<void> {
  const { bundle, table, dir, file } = await socketSetup("monitor", (r, i) => ({
    src: `198.51.100.${i % 250}`,
    label: r.label,
  }));

  // The reference: the same model on the same records in one batch.
  const X = bundle.pipeline.transform(table).X;
  const batchTimes: number[] = [];
  for (let t = 0; t < 3; t++) {
    const t0 = performance.now();
    bundle.detector.score(X);
    batchTimes.push((performance.now() - t0) / 1000);
  }
  const batchRate = table.rows / median(batchTimes);

  const results: Record<string, unknown>[] = [];
  const runs = [...RATES.map((rate) => ({ rate, everyAlert: false })), { rate: 0, everyAlert: true }];
  for (const { rate, everyAlert } of runs) {
    const alerts = EventLog.open(join(dir, `alerts-${rate}-${everyAlert}.jsonl`), { flushMs: 5 });
    const endToEnd: number[] = [];
    const monitor = new Monitor(bundle, {
      alerts,
      alertsPerIncident: everyAlert ? Number.POSITIVE_INFINITY : undefined,
      onAlert: (a) => {
        if (typeof a.sourceId === "number") endToEnd.push(now() - a.sourceId);
      },
    });
    const ac = new AbortController();
    let port = 0;
    let running: ReturnType<typeof monitorSocket> | undefined;
    const listening = new Promise<void>((resolve) => {
      running = monitorSocket(monitor, { transport: "tcp", port: 0, maxQueue: 50_000 }, ac.signal, (s) => {
        port = s.address.port;
        resolve();
      });
    });
    await listening;
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 100);
    const sent = await send(port, rate, SECONDS, file);
    const sentAt = performance.now();
    for (let k = 0; k < 500 && monitor.stats.received < sent.sent; k++)
      await new Promise((r) => setTimeout(r, 10));
    // the sender's time from connecting to its last line, plus what the monitor took after that
    // (not the sender process's start-up, which is not the monitor's time)
    const seconds = sent.seconds + (performance.now() - sentAt) / 1000;
    clearInterval(sampler);
    ac.abort();
    await running;
    monitor.close();
    alerts.close();
    const snapshot = monitor.stats.snapshot();
    const e2e = Float64Array.from(endToEnd).sort();
    const row = {
      target_rate: rate || "unpaced",
      alert_lines: everyAlert ? "every alert" : "first 10 per incident",
      sent: sent.sent,
      processed: snapshot.processed,
      rejected: snapshot.rejected,
      alerts: snapshot.alerts,
      alerts_written: snapshot.alertsWritten,
      sustained_records_per_second: Math.round(snapshot.processed / seconds),
      receive_to_scored_ms: {
        p50: round(snapshot.latencyMsTotal.p50 ?? Number.NaN),
        p99: round(snapshot.latencyMsTotal.p99 ?? Number.NaN),
        max: round(snapshot.latencyMsTotal.max ?? Number.NaN),
      },
      sent_to_alert_ms: {
        p50: round(percentile(e2e, 0.5)),
        p99: round(percentile(e2e, 0.99)),
        max: round(e2e[e2e.length - 1] ?? Number.NaN),
      },
      peak_rss_mb: Math.round(rssPeak / 2 ** 20),
    };
    console.error(JSON.stringify(row));
    results.push(row);
  }
  rmSync(dir, { recursive: true, force: true });
  const aggregated = results.filter((r) => r.alert_lines !== "every alert");
  const best = Math.max(...aggregated.map((r) => Number(r.sustained_records_per_second)));
  const everyAlert = results.find((r) => r.alert_lines === "every alert");
  const alertShare = Math.round(
    (100 * aggregated.reduce((a, r) => a + Number(r.alerts), 0)) /
      aggregated.reduce((a, r) => a + Number(r.processed), 0),
  );
  const at20k = results.find((r) => r.target_rate === 20000) as
    { sent_to_alert_ms: { p99: number } } | undefined;
  writeResult("monitor-socket", {
    name: "monitor-socket",
    metric: `time per record the monitor sustains over TCP, best over target rates (${best.toLocaleString("en")} records/s; JSON lines of NSL-KDD KDDTest+ from 250 sources, Isolation Forest bundle, ${alertShare}% of records alert, each incident's first 10 alerts written to a log flushed every 5 ms); reference: the same model scoring the same records in one batch`,
    ours: round(1e6 / best),
    reference: round(1e6 / batchRate),
    reference_tool: "our IsolationForest.score on the whole matrix (batch, one thread)",
    unit: "µs/record",
    ratio: round(batchRate / best),
    rows: table.rows,
    date: new Date().toISOString(),
    sustained_records_per_second: best,
    every_alert_written_records_per_second: everyAlert?.sustained_records_per_second ?? null,
    goal: "at least 100,000 records/s sustained; p99 send-to-alert latency under 10 ms at 20,000 records/s",
    p99_sent_to_alert_ms_at_20000: at20k?.sent_to_alert_ms.p99 ?? null,
    seconds_per_rate: SECONDS,
    rates: results,
  });
}

async function replay(
  id: string,
  bundle: Awaited<ReturnType<typeof trainBundle>>,
): Promise<{ ours: number; reference: number; packets: number; records: number; alerts: number }> {
  const { pcap } = loadSimulated(id);
  const ours: number[] = [];
  const reference: number[] = [];
  let packets = 0;
  let records = 0;
  let alertCount = 0;
  const dir = mkdtempSync(join(tmpdir(), "detective-bench-pcap-"));
  for (let t = 0; t < 3; t++) {
    let t0 = performance.now();
    const f = await featurizeCapture(pcap);
    reference.push((performance.now() - t0) / 1000);
    packets = f.capture.packets;
    const alerts = EventLog.open(join(dir, `alerts-${t}.jsonl`));
    const monitor = new Monitor(bundle, { alerts });
    t0 = performance.now();
    records = (await monitorCapture(monitor, pcap)).records;
    monitor.close();
    alerts.close();
    ours.push((performance.now() - t0) / 1000);
    alertCount = monitor.stats.alerts;
  }
  rmSync(dir, { recursive: true, force: true });
  return { ours: median(ours), reference: median(reference), packets, records, alerts: alertCount };
}

async function pcapBench(): Promise<void> {
  const bundle = await trainBundle({
    benchmark: "simulated",
    detector: "Mahalanobis",
    seed: 1,
    series: { detector: "RollingZScore" },
  });
  const normal = await replay("sim-normal", bundle);
  const attacked = await replay("sim-mixed", bundle);
  writeResult("monitor-pcap", {
    name: "monitor-pcap",
    metric: `monitor replay of sim-normal.pcap (${normal.packets.toLocaleString("en")} packets, ${normal.records.toLocaleString("en")} connections, ${normal.alerts} alerts): packets -> connections -> pipeline -> Mahalanobis -> alerts written, plus the volume watch; against the packet pipeline alone on the same file, median of 3`,
    ours: round(normal.ours),
    reference: round(normal.reference),
    reference_tool:
      "our featurizeCapture (the batch packet pipeline of bench/packets.ts), same file, same run",
    unit: "s",
    ratio: round(normal.ours / normal.reference),
    rows: normal.packets,
    date: new Date().toISOString(),
    packets_per_second: {
      ours: Math.round(normal.packets / normal.ours),
      reference: Math.round(normal.packets / normal.reference),
    },
    under_attack: {
      metric: `the same on sim-mixed.pcap (${attacked.packets.toLocaleString("en")} packets, ${attacked.records.toLocaleString("en")} connections, ${attacked.alerts.toLocaleString("en")} alerts: most records are attacks; alerts merged into incidents, the first 10 of each written in full)`,
      ours: round(attacked.ours),
      reference: round(attacked.reference),
      ratio: round(attacked.ours / attacked.reference),
    },
  });
}

/**
 * A steady rate for a long time (default 10 minutes at 20,000 records/s), resident memory sampled
 * every 10 s: bounded queues and closed incidents should keep it flat.
 */
async function soakBench(): Promise<void> {
  const seconds = Number(process.env.BENCH_SOAK_SECONDS ?? 600);
  const rate = Number(process.env.BENCH_SOAK_RATE ?? 20_000);
  // a few hundred sources, so incidents open and close all the time
  const { bundle, dir, file } = await socketSetup("soak", (_r, i) => ({ src: `198.51.100.${i % 250}` }));
  const alerts = EventLog.open(join(dir, "alerts.jsonl"));
  const monitor = new Monitor(bundle, { alerts });
  const ac = new AbortController();
  let port = 0;
  let running: ReturnType<typeof monitorSocket> | undefined;
  await new Promise<void>((resolve) => {
    running = monitorSocket(monitor, { transport: "tcp", port: 0 }, ac.signal, (s) => {
      port = s.address.port;
      resolve();
    });
  });
  const samples: { t: number; rss_mb: number; heap_mb: number; processed: number }[] = [];
  const t0 = performance.now();
  const sample = (): void => {
    const m = process.memoryUsage();
    samples.push({
      t: Math.round((performance.now() - t0) / 1000),
      rss_mb: Math.round(m.rss / 2 ** 20),
      heap_mb: Math.round(m.heapUsed / 2 ** 20),
      processed: monitor.stats.processed,
    });
  };
  const timer = setInterval(sample, 10_000);
  const sent = await send(port, rate, seconds, file);
  for (let k = 0; k < 500 && monitor.stats.received < sent.sent; k++)
    await new Promise((r) => setTimeout(r, 10));
  sample();
  clearInterval(timer);
  ac.abort();
  await running;
  monitor.close();
  alerts.close();
  rmSync(dir, { recursive: true, force: true });
  const warm = samples.find((x) => x.t >= 60) ?? samples[0];
  const later = samples.filter((x) => x.t >= warm.t);
  const peak = Math.max(...later.map((x) => x.rss_mb));
  const snapshot = monitor.stats.snapshot();
  writeResult("monitor-soak", {
    name: "monitor-soak",
    metric: `peak resident memory from minute 1 to the end of a ${seconds} s run at ${rate.toLocaleString("en")} records/s over TCP (${snapshot.processed.toLocaleString("en")} records, ${snapshot.alerts.toLocaleString("en")} alerts, ${snapshot.incidents.toLocaleString("en")} incidents); reference: the resident memory after the first minute`,
    ours: peak,
    reference: warm.rss_mb,
    reference_tool: "the same process after one minute (warm)",
    unit: "MB",
    ratio: round(peak / warm.rss_mb),
    rows: snapshot.processed,
    date: new Date().toISOString(),
    received: snapshot.received,
    processed: snapshot.processed,
    rejected: snapshot.rejected,
    dropped: snapshot.dropped,
    samples,
  });
}

async function main(): Promise<void> {
  const which = process.argv[2] ?? "all";
  if (which === "soak") {
    await soakBench();
    return;
  }
  if (which === "all" || which === "pcap") await pcapBench();
  if (which === "all" || which === "socket") await socketBench();
}

void main();
