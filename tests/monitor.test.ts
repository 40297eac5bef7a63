/**
 * The monitor on live traffic: tshark captures the loopback interface (CI runs as root), the packet
 * pipeline assembles connections, a bundle trained like the study's simulated benchmark scores them.
 * Ordinary HTTP requests to a local server, then a burst of connection attempts to closed ports:
 * the burst must raise alerts.
 */
import assert from "node:assert/strict";
import { createServer, get } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  HOST_WINDOW,
  loadBundle,
  loadSimulated,
  Monitor,
  type MonitorAlert,
  monitorCapture,
  monitorLive,
  readCapture,
  saveBundle,
  simulateTraffic,
  trainBundle,
  type VolumeAlert,
} from "../lib";

function httpGet(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    get({ host: "127.0.0.1", port, path: "/index.html", agent: false }, (res) => {
      res.resume();
      res.on("end", resolve);
    }).on("error", reject);
  });
}

function knock(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.on("error", () => resolve()); // ECONNREFUSED: the port is closed, as intended
    s.on("connect", () => {
      s.destroy();
      resolve();
    });
  });
}

const HTTP_REQUESTS = 120;

test("live capture on loopback: ordinary HTTP, then a burst to closed ports raises alerts", async () => {
  const bundle = await trainBundle({ benchmark: "simulated", detector: "Mahalanobis", seed: 1 });
  const server = createServer((_req, res) => res.end("<html>hello</html>".repeat(20)));
  // Port 80 (CI runs as root) so the connections are the "http" service the model knows; else any port.
  await new Promise<void>((resolve) => {
    server.once("error", () => server.listen(0, "127.0.0.1", resolve));
    server.listen(80, "127.0.0.1", resolve);
  });
  const httpPort = (server.address() as AddressInfo).port;
  const closed = Array.from({ length: 60 }, (_, i) => 47_000 + i);
  const alerts: MonitorAlert[] = [];
  const monitor = new Monitor(bundle, { onAlert: (a) => alerts.push(a) });
  // Traffic starts once tshark says it is capturing (on a loaded machine that can take seconds),
  // and the capture stops a second after the traffic ends; 60 s bounds the whole test.
  let capturing: () => void = () => {};
  const ready = new Promise<void>((resolve) => (capturing = resolve));
  const stop = new AbortController();
  const traffic = (async () => {
    await Promise.race([ready, new Promise((r) => setTimeout(r, 30_000))]);
    await new Promise((r) => setTimeout(r, 1000)); // the interface opens just after tshark says so
    // more than the 100-connection warm-up, which the packet source spends filling its windows
    for (let i = 0; i < HTTP_REQUESTS; i++) await httpGet(httpPort);
    await new Promise((r) => setTimeout(r, 500));
    await Promise.all(closed.map(knock));
    await new Promise((r) => setTimeout(r, 1000));
    stop.abort();
  })();
  try {
    const { packets } = await monitorLive(monitor, {
      onCapturing: () => capturing(),
      interface: "lo",
      filter: `tcp and (port ${httpPort} or portrange ${closed[0]}-${closed[closed.length - 1]})`,
      durationSeconds: 60,
      signal: stop.signal,
    });
    assert.ok(packets > 100, `captured ${packets} packets`);
  } finally {
    await traffic;
    server.close();
    monitor.close();
  }
  const s = monitor.stats;
  assert.ok(s.processed >= HTTP_REQUESTS + closed.length, `${s.processed} connection records scored`);
  assert.equal(s.rejected, 0);
  assert.ok(s.suppressed <= HOST_WINDOW, "only warm-up records are suppressed");
  const burst = alerts.filter((a) => a.dstPort !== undefined && closed.includes(a.dstPort));
  assert.ok(
    burst.length >= closed.length / 2,
    `${burst.length} of ${closed.length} closed-port attempts alerted`,
  );
  assert.ok(burst.every((a) => a.record.flag === "REJ" && a.src === "127.0.0.1"));
  const web = alerts.filter((a) => a.dstPort === httpPort).length;
  // The bundle learned the simulated office network, where a client rarely opens 100 connections to
  // one server in a second; on loopback it flags those too. Reported, not asserted: a monitor's
  // model must be trained on the network it watches.
  console.log(
    `alerts: ${burst.length} for the closed-port burst; of the ${HTTP_REQUESTS} rapid HTTP requests, ${s.suppressed} above the threshold during the warm-up (suppressed) and ${web} alerts after it`,
  );
});

test("pcap replay with a volume watch: connection alerts, and interval alerts inside the flood and scan windows", async () => {
  const bundle = await trainBundle({
    benchmark: "simulated",
    detector: "Mahalanobis",
    seed: 1,
    series: { detector: "RollingZScore", intervalSeconds: 10 },
  });
  assert.ok(bundle.series, "the bundle carries the volume watch");
  const path = join(mkdtempSync(join(tmpdir(), "detective-bundle-")), "sim.json");
  saveBundle(bundle, path);
  const back = loadBundle(path);
  assert.equal(back.series?.detector.name, "RollingZScore");
  assert.equal(back.series?.threshold, bundle.series.threshold);
  const mixed = loadSimulated("sim-mixed");
  const volume: VolumeAlert[] = [];
  const monitor = new Monitor(bundle, { onVolumeAlert: (a) => volume.push(a) });
  const { records } = await monitorCapture(monitor, mixed.pcap);
  monitor.close();
  assert.equal(monitor.stats.processed, records);
  assert.ok(monitor.intervals > 1000, `${monitor.intervals} intervals scored`);
  const inside = (a: VolumeAlert, scenario: string): boolean =>
    mixed.labels.windows.some(
      (w) => w.scenario === scenario && a.time + a.intervalSeconds > w.start && a.time < w.end,
    );
  for (const scenario of ["syn_flood", "udp_flood", "port_scan"]) {
    assert.ok(
      volume.some((a) => inside(a, scenario)),
      `a volume alert inside the ${scenario} window`,
    );
  }
  const outside = volume.filter(
    (a) => !mixed.labels.windows.some((w) => a.time + a.intervalSeconds > w.start && a.time < w.end),
  );
  assert.ok(
    outside.length <= 0.02 * monitor.intervals,
    `${outside.length} volume alerts outside attack windows`,
  );
  assert.equal(volume[0].src, "network");
  assert.ok(volume.every((a) => a.type === "alert" && a.source === "volume" && a.v === 1));
  assert.equal(volume[0].contributors.length, bundle.series.metrics.length);
});

test("pcap replay at recorded speed is paced by the packets' timestamps and scores like a fast replay", async () => {
  const bundle = await trainBundle({ benchmark: "simulated", detector: "Mahalanobis", seed: 1 });
  const pcap = join(mkdtempSync(join(tmpdir(), "detective-paced-")), "scan.pcap");
  simulateTraffic(
    {
      seed: 5,
      durationSeconds: 20,
      workstations: 5,
      attacks: [{ scenario: "port_scan", startSeconds: 5, durationSeconds: 10 }],
    },
    pcap,
  );
  const fast = new Monitor(bundle);
  const fastRun = await monitorCapture(fast, pcap);
  const paced = new Monitor(bundle);
  const t0 = performance.now();
  const pacedRun = await monitorCapture(paced, pcap, { speed: 10 });
  const seconds = (performance.now() - t0) / 1000;
  const ts: number[] = [];
  await readCapture(pcap, (p) => ts.push(p.ts));
  const span = (ts[ts.length - 1] - ts[0]) / 10;
  assert.ok(span > 0.5, `the capture spans ${span * 10} s`);
  assert.ok(
    seconds >= 0.9 * span && seconds < span + 3,
    `${(span * 10).toFixed(1)} s of traffic at 10x took ${seconds.toFixed(2)} s`,
  );
  assert.deepEqual(pacedRun, fastRun);
  assert.equal(paced.stats.alerts, fast.stats.alerts);
  assert.ok(fast.stats.alerts > 0, "the scan raises alerts");
});

test("a replay stops when its signal aborts, and scores what it read", async () => {
  const bundle = await trainBundle({ benchmark: "simulated", detector: "Mahalanobis", seed: 1 });
  const { pcap } = loadSimulated("sim-mixed");
  const ac = new AbortController();
  ac.abort();
  const monitor = new Monitor(bundle);
  const run = await monitorCapture(monitor, pcap, { signal: ac.signal });
  const all = await readCapture(pcap, () => {});
  assert.ok(
    run.packets > 0 && run.packets < all.packets / 10,
    `${run.packets} of ${all.packets} packets read`,
  );
  assert.equal(monitor.stats.processed, run.records, "every record read was scored");
});
