/**
 * The sources (lib/sources, and live capture in packets/tshark) wired into the monitor. Each ends
 * in `Monitor.process`, so a socket, a pcap replay, a live capture and a dataset replay are scored
 * by the same code:
 * - `monitorSocket`: connection records as JSON or KDD CSV lines on a TCP or UDP socket;
 * - `monitorCapture`: a pcap / pcapng file, through the packet pipeline (decoder, connection
 *   assembler, KDD features) the study's simulated data went through;
 * - `monitorLive`: a live interface through tshark, into the same packet pipeline;
 * - `monitorTable`: a loaded dataset (e.g. `KDDTest+`) replayed at a fixed rate.
 */
import type { Table } from "../datasets/table";
import type { CaptureReport } from "../packets/capture";
import { captureLive, type LiveCaptureOptions } from "../packets/tshark";
import type { ConnectionRecord } from "../features/connections";
import { PacketFeaturizer } from "../features/featurize";
import { TrafficSeries } from "../features/timeSeries";
import { HOST_WINDOW } from "../features/traffic";
import type { Packet } from "../packets/packet";
import { isoTimestamp } from "../events/isoTimestamp";
import type { Monitor, MonitorInput } from "./monitor";
import { replayCapture } from "../sources/captureReplay";
import { SocketSource, type SocketSourceOptions } from "../sources/socketSource";
import { replayTable, type TableReplayOptions } from "../sources/tableReplay";

/** "3.2 years", "5 hours", "40 s": the size of a time jump in words. */
function describeSeconds(s: number): string {
  const units: [number, string][] = [
    [365.25 * 86400, "years"],
    [86400, "days"],
    [3600, "hours"],
    [60, "minutes"],
  ];
  for (const [size, name] of units) if (s >= 2 * size) return `${(s / size).toFixed(1)} ${name}`;
  return `${s} s`;
}

/** A connection record of the packet pipeline as monitor input. */
export function connectionInput(r: ConnectionRecord): MonitorInput {
  return {
    features: r.features,
    time: r.start,
    src: r.src,
    srcPort: r.srcPort,
    dst: r.dst,
    dstPort: r.dstPort,
    protocol: r.protocol,
    id: r.uid,
  };
}

/**
 * The packet side of the monitor: packets -> connection records -> `process`, and, when the
 * bundle has a volume watch, packets -> traffic intervals -> `processInterval`. The first
 * `warmupRecords` connections fill the windows and are not alerted (see `Monitor.startWarmup`).
 */
/** Something else fed the monitor's packets: `ProtocolLogs` writing protocol logs beside the alerts. */
export interface PacketTap {
  add(p: Packet): void;
  flush(): void;
}

function packetPipeline(
  monitor: Monitor,
  warmupRecords: number,
  onRecord: () => void = () => {},
  tap?: PacketTap,
): { add(p: Packet): void; finish(): void } {
  monitor.startWarmup(warmupRecords);
  const featurizer = new PacketFeaturizer((r) => {
    onRecord();
    monitor.process(connectionInput(r), performance.now());
  });
  const watch = monitor.bundle.series;
  const series = watch
    ? new TrafficSeries((row) => monitor.processInterval(row), undefined, {
        intervalSeconds: watch.intervalSeconds,
        onJump: (j) =>
          monitor.notice(
            "time.jump",
            `packet time jumped ${j.intervals > 0 ? "ahead" : "back"} ${describeSeconds(Math.abs(j.to - j.from))} ` +
              `(${isoTimestamp(j.from)} to ${isoTimestamp(j.to)}); the volume watch goes on at the new time without the gap`,
            { time: j.to, severity: "low" },
          ),
      })
    : undefined;
  return {
    add(p: Packet): void {
      featurizer.add(p);
      series?.add(p);
      tap?.add(p);
    },
    finish(): void {
      featurizer.finish();
      series?.finish();
      tap?.flush();
      monitor.tick();
    },
  };
}

/**
 * Listens on a socket and scores every record until `signal` aborts; rejected lines are counted
 * and logged by the monitor, and the source's counters (`SocketSourceStats`: lines dropped,
 * connections refused and closed, kernel drops) go into every `monitor.stats.snapshot()` as
 * `source`, its dropped lines as `dropped`. Resolves with the source once closed.
 * @example const ac = new AbortController(); await monitorSocket(monitor, { transport: "tcp", port: 9400 }, ac.signal)
 */
export async function monitorSocket(
  monitor: Monitor,
  options: Omit<SocketSourceOptions, "onReject">,
  signal: AbortSignal,
  onListening?: (source: SocketSource) => void,
): Promise<SocketSource> {
  // A reject is logged from inside the socket's event handlers, where a throw (the reject log's
  // disk is full) would be an uncaught exception: it is kept, the source closed, and it is
  // thrown from here instead, as one error.
  let failure: unknown;
  let source: SocketSource | undefined = undefined;
  source = await SocketSource.listen({
    ...options,
    onReject: (r) => {
      if (failure !== undefined) return;
      try {
        monitor.reject(r.kind, r.reason, r.text);
      } catch (err) {
        failure = err;
        void source?.close();
      }
    },
  });
  // Every stats snapshot carries the source's counters (connections refused and closed, datagrams
  // refused, kernel drops), and its dropped lines, which never reach the monitor.
  const listening = source;
  monitor.stats.source = () => {
    listening.sampleKernelDrops();
    const s = listening.stats;
    monitor.stats.dropped = s.dropped;
    monitor.stats.queueDepth = s.queueDepth;
    return s as unknown as Readonly<Record<string, unknown>>;
  };
  onListening?.(listening);
  const stop = (): void => void listening.close();
  if (signal.aborted) stop();
  else signal.addEventListener("abort", stop, { once: true });
  try {
    for await (const batch of listening.batches()) {
      for (const { record, receivedAt } of batch) monitor.process(record, receivedAt); // a LineRecord is a MonitorInput
      monitor.stats.queueDepth = listening.queueDepth;
    }
  } finally {
    // also when scoring or logging failed: the port and the senders' connections are released
    signal.removeEventListener("abort", stop);
    await listening.close();
  }
  if (failure !== undefined) throw failure;
  monitor.tick();
  return listening;
}

/**
 * Replays a pcap or pcapng file through the packet pipeline into the monitor: as fast as it can
 * (default), or paced by the packets' timestamps with `speed` (1 = as recorded, 10 = ten times
 * faster), so a replay exercises the monitor as live traffic would. The first `warmupRecords`
 * connections (default 100, the host window) are not alerted: see `Monitor.startWarmup`.
 * `signal` stops the replay after the chunk (about 1 MB) being read, or at once while a paced
 * replay waits; what was read is scored.
 * @returns the packets read, the connection records scored, and the reader's report (records
 *   skipped by reason, a truncated tail).
 * @throws the reader's ParseError for a capture corrupt beyond repair, after scoring what was read before it.
 */
export async function monitorCapture(
  monitor: Monitor,
  path: string,
  options: { speed?: number; signal?: AbortSignal; warmupRecords?: number; tap?: PacketTap } = {},
): Promise<{ packets: number; records: number; stopped: boolean; report: CaptureReport }> {
  let records = 0;
  const pipeline = packetPipeline(
    monitor,
    options.warmupRecords ?? HOST_WINDOW,
    () => records++,
    options.tap,
  );
  let result;
  try {
    result = await replayCapture(path, (p) => pipeline.add(p), options);
  } finally {
    pipeline.finish(); // what was read is scored: also when stopped, or before a corrupt record
  }
  return { packets: result.packets, records, stopped: result.stopped, report: result.report };
}

/**
 * Captures live traffic with tshark (root or CAP_NET_RAW needed; the error says so) through the
 * packet pipeline into the monitor, until the capture stops (duration, count or `signal`).
 */
export async function monitorLive(
  monitor: Monitor,
  options: LiveCaptureOptions & { warmupRecords?: number; tap?: PacketTap },
): Promise<{ packets: number }> {
  const pipeline = packetPipeline(monitor, options.warmupRecords ?? HOST_WINDOW, undefined, options.tap);
  const report = await captureLive(options, (p) => pipeline.add(p));
  pipeline.finish();
  return { packets: report.packets };
}

/**
 * Replays the rows of a loaded KDD-format table at `recordsPerSecond` (default: as fast as
 * possible), with their labels as ground truth in the alerts.
 */
export async function monitorTable(
  monitor: Monitor,
  table: Table,
  options: TableReplayOptions = {},
): Promise<{ records: number }> {
  const r = await replayTable(table, (record) => monitor.process(record, performance.now()), options);
  monitor.tick();
  return r;
}
