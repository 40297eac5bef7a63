/**
 * Where the monitor's records come from. Each source ends in `Monitor.process`, so a socket, a pcap
 * replay, a live capture and a dataset replay are scored by the same code:
 * - `monitorSocket`: connection records as JSON or KDD CSV lines on a TCP or UDP socket;
 * - `monitorCapture`: a pcap / pcapng file, through the packet pipeline (decoder, connection
 *   assembler, KDD features) the study's simulated data went through;
 * - `monitorLive`: a live interface through tshark, into the same packet pipeline;
 * - `monitorTable`: a loaded dataset (e.g. `KDDTest+`) replayed at a fixed rate.
 */
import { accessSync, constants } from "node:fs";
import { ConfigError, systemError } from "../core/errors";
import { readCapture } from "../packets/capture";
import { LABEL_COLUMN } from "../datasets/kdd99";
import type { Table } from "../datasets/table";
import { captureLive, type LiveCaptureOptions } from "../packets/tshark";
import type { ConnectionRecord, KddFeatures } from "../features/connections";
import { PacketFeaturizer } from "../features/featurize";
import { TrafficSeries } from "../features/timeSeries";
import { HOST_WINDOW } from "../features/traffic";
import type { Packet } from "../packets/packet";
import type { Monitor, MonitorInput } from "./monitor";
import { SocketSource, type SocketSourceOptions } from "../sources/socketSource";

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
function packetPipeline(
  monitor: Monitor,
  warmupRecords: number,
  onRecord: () => void = () => {},
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
      })
    : undefined;
  return {
    add(p: Packet): void {
      featurizer.add(p);
      series?.add(p);
    },
    finish(): void {
      featurizer.finish();
      series?.finish();
      monitor.tick();
    },
  };
}

/**
 * Listens on a socket and scores every record until `signal` aborts; rejected lines are counted
 * and logged by the monitor. Resolves with the source (its counters) once closed.
 * @example const ac = new AbortController(); await monitorSocket(monitor, { transport: "tcp", port: 9400 }, ac.signal)
 */
export async function monitorSocket(
  monitor: Monitor,
  options: Omit<SocketSourceOptions, "onReject">,
  signal: AbortSignal,
  onListening?: (source: SocketSource) => void,
): Promise<SocketSource> {
  const source = await SocketSource.listen({
    ...options,
    onReject: (r) => monitor.reject(r.kind, r.reason, r.text),
  });
  onListening?.(source);
  const stop = (): void => void source.close();
  if (signal.aborted) stop();
  else signal.addEventListener("abort", stop, { once: true });
  for await (const batch of source.batches()) {
    for (const { record, receivedAt } of batch) monitor.process(record, receivedAt); // a LineRecord is a MonitorInput
    monitor.stats.queueDepth = source.stats.queueDepth;
  }
  monitor.tick();
  return source;
}

/**
 * Replays a pcap or pcapng file through the packet pipeline into the monitor: as fast as it can
 * (default), or paced by the packets' timestamps with `speed` (1 = as recorded, 10 = ten times
 * faster), so a replay exercises the monitor as live traffic would. The first `warmupRecords`
 * connections (default 100, the host window) are not alerted: see `Monitor.startWarmup`.
 * `signal` stops the replay after the chunk (about 1 MB) being read; what was read is scored.
 * @returns the number of packets read and connection records scored.
 */
export async function monitorCapture(
  monitor: Monitor,
  path: string,
  options: { speed?: number; signal?: AbortSignal; warmupRecords?: number } = {},
): Promise<{ packets: number; records: number }> {
  checkReadable(path);
  let records = 0;
  let packets = 0;
  const pipeline = packetPipeline(monitor, options.warmupRecords ?? HOST_WINDOW, () => records++);
  const add = (p: Packet): void => {
    packets++;
    pipeline.add(p);
  };
  const stopIfAborted = (): void => {
    if (options.signal?.aborted) throw new ReplayStopped();
  };
  const speed = options.speed ?? 0;
  // Packets of each chunk are held, then fed at their due time (relative to the first packet).
  const pending: Packet[] = [];
  let first = Number.NaN;
  const started = performance.now();
  try {
    if (!(speed > 0)) await readCapture(path, add, { afterChunk: async () => stopIfAborted() });
    else {
      await readCapture(path, (p) => pending.push(p), {
        afterChunk: async () => {
          for (const p of pending) {
            stopIfAborted();
            if (Number.isNaN(first)) first = p.ts;
            const wait = started + ((p.ts - first) / speed) * 1000 - performance.now();
            if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
            add(p);
          }
          pending.length = 0;
        },
      });
    }
  } catch (err) {
    if (!(err instanceof ReplayStopped)) throw err;
  }
  pipeline.finish(); // what was read is scored, also when stopped
  return { packets, records };
}

/**
 * Fails early, with the class a caller can act on, when a capture cannot be read: a missing file is
 * a ConfigError (the path given is wrong), an unreadable one a PermissionError, else an IoError.
 */
function checkReadable(path: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new ConfigError(
        `monitorCapture: no capture file at ${path}. Check the path (a pcap or pcapng file).`,
      );
    }
    throw systemError(err, "monitorCapture: cannot read the capture", path);
  }
}

/** Stops a replay from inside the file reader when its signal aborts. */
class ReplayStopped extends Error {}

/**
 * Captures live traffic with tshark (root or CAP_NET_RAW needed; the error says so) through the
 * packet pipeline into the monitor, until the capture stops (duration, count or `signal`).
 */
export async function monitorLive(
  monitor: Monitor,
  options: LiveCaptureOptions & { warmupRecords?: number },
): Promise<{ packets: number }> {
  const pipeline = packetPipeline(monitor, options.warmupRecords ?? HOST_WINDOW);
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
  options: { recordsPerSecond?: number; rows?: ArrayLike<number>; signal?: AbortSignal } = {},
): Promise<{ records: number }> {
  const n = options.rows?.length ?? table.rows;
  const rate = options.recordsPerSecond;
  const batch = rate ? Math.max(1, Math.round(rate / 100)) : n;
  const started = performance.now();
  const hasLabel = table.has(LABEL_COLUMN);
  let k = 0;
  while (k < n && !options.signal?.aborted) {
    const end = Math.min(n, k + batch);
    for (; k < end; k++) {
      const i = options.rows ? options.rows[k] : k;
      const features = table.record(i) as KddFeatures;
      monitor.process(
        { features, label: hasLabel ? String(table.value(LABEL_COLUMN, i)) : undefined, id: i },
        performance.now(),
      );
    }
    if (rate) {
      const due = started + (k / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
  monitor.tick();
  return { records: k };
}
