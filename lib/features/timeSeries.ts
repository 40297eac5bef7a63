/**
 * Traffic time series: per-interval aggregates of the packet stream, in total and per local host,
 * for the statistical and LSTM detectors (moving averages over packets, bytes, connection and SYN
 * rates catch floods, scans and beaconing that single connection records do not show).
 */
import { OptionError } from "../core/errors";
import { readCapture } from "../packets/capture";
import type { Matrix } from "../core/matrix";
import {
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type Packet,
  TCP_ACK,
  TCP_SYN,
} from "../packets/packet";

/** One interval's aggregates, in total or for one host. */
export interface SeriesRow {
  /** Interval start, seconds since the epoch. */
  start: number;
  /** `*` for the total, else the host's address. */
  host: string;
  packets: number;
  bytes: number;
  /** Packets and bytes the host received (equal to packets / bytes for the total). */
  packetsIn: number;
  bytesIn: number;
  /** New connections: TCP SYNs without ACK, plus distinct UDP and ICMP flows first seen in the interval. */
  connections: number;
  /** Distinct destination addresses and destination ports (of packets the host sent). */
  destinations: number;
  destinationPorts: number;
  /** SYN-without-ACK packets, and their share of TCP packets (floods and scans push it towards 1). */
  synPackets: number;
  synRatio: number;
  /** DNS queries sent (UDP to port 53). */
  dnsQueries: number;
}

export interface SeriesOptions {
  /** Interval length, seconds (1, 10, 60 ...). Default 10. */
  intervalSeconds?: number;
  /** Which hosts get their own series. Default: private addresses (10/8, 172.16/12, 192.168/16). */
  isLocal?: (address: string) => boolean;
  /**
   * Longest run of empty intervals emitted for a quiet spell. Default 360 (an hour of 10 s
   * intervals). A longer forward gap between two packets, or a packet more than this many intervals
   * before the current one, is a break in time (two captures joined, a paused capture, a clock step,
   * a crafted timestamp), not quiet traffic: the series closes its interval and goes on at the new
   * time without emitting the gap, and `onJump` is told. So a packet ten years off costs the same as
   * any other.
   */
  maxEmptyIntervals?: number;
  /** Called for every break in time (see `maxEmptyIntervals`); count and log it. */
  onJump?: (jump: TimeJump) => void;
}

/** A break in the packets' time that the series did not fill with empty intervals. */
export interface TimeJump {
  /** Start of the interval open before the jump, seconds since the epoch. */
  readonly from: number;
  /** Start of the interval of the packet that jumped. */
  readonly to: number;
  /** Intervals between the two (negative: time went backwards). */
  readonly intervals: number;
}

/** Default `SeriesOptions.maxEmptyIntervals`. */
export const DEFAULT_MAX_EMPTY_INTERVALS = 360;

interface Acc {
  packets: number;
  bytes: number;
  packetsIn: number;
  bytesIn: number;
  tcp: number;
  syn: number;
  dns: number;
  flows: Set<string>;
  destinations: Set<string>;
  ports: Set<number>;
}

const newAcc = (): Acc => ({
  packets: 0,
  bytes: 0,
  packetsIn: 0,
  bytesIn: 0,
  tcp: 0,
  syn: 0,
  dns: 0,
  flows: new Set(),
  destinations: new Set(),
  ports: new Set(),
});

/** RFC 1918 private addresses. */
export function isPrivateAddress(address: string): boolean {
  return /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(address);
}

/**
 * Builds the series incrementally: `add` each packet in capture order; finished intervals are
 * passed to `onTotal` (every interval, empty ones included) and `onHost` (hosts active in it).
 */
export class TrafficSeries {
  readonly intervalSeconds: number;
  private readonly isLocal: (address: string) => boolean;
  /** Index of the open interval (its start is index × intervalSeconds); integers, so no drift. */
  private current = Number.NaN;
  private total = newAcc();
  private hosts = new Map<string, Acc>();
  /** Without an `onHost`, per-host series are not kept at all (the monitor's volume watch reads totals only). */
  private readonly perHost: boolean;
  private readonly onHost: (row: SeriesRow) => void;
  private readonly maxEmpty: number;
  private readonly onJump: (jump: TimeJump) => void;
  /** Breaks in time seen (see `SeriesOptions.maxEmptyIntervals`). */
  jumps = 0;

  constructor(
    private readonly onTotal: (row: SeriesRow) => void,
    onHost?: (row: SeriesRow) => void,
    options: SeriesOptions = {},
  ) {
    this.perHost = onHost !== undefined;
    this.onHost = onHost ?? (() => {});
    this.intervalSeconds = options.intervalSeconds ?? 10;
    if (!(this.intervalSeconds > 0))
      throw new OptionError(`TrafficSeries: intervalSeconds must be positive, got ${this.intervalSeconds}.`);
    this.isLocal = options.isLocal ?? isPrivateAddress;
    this.maxEmpty = options.maxEmptyIntervals ?? DEFAULT_MAX_EMPTY_INTERVALS;
    if (!(Number.isInteger(this.maxEmpty) && this.maxEmpty >= 0))
      throw new OptionError(
        `TrafficSeries: maxEmptyIntervals must be an integer >= 0, got ${this.maxEmpty}.`,
      );
    this.onJump = options.onJump ?? (() => {});
  }

  add(p: Packet): void {
    const slot = Math.floor(p.ts / this.intervalSeconds);
    if (Number.isNaN(this.current)) this.current = slot;
    else if (slot !== this.current) this.advance(slot);
    if (p.ipVersion === 0) return;
    const tcp = p.protocol === IPPROTO_TCP;
    const syn = tcp && (p.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
    const dns = p.protocol === IPPROTO_UDP && p.dstPort === 53;
    let flow: string | undefined;
    if (syn) flow = `t|${p.src}|${p.srcPort}|${p.dst}|${p.dstPort}`;
    else if (p.protocol === IPPROTO_UDP) flow = `u|${p.src}|${p.srcPort}|${p.dst}|${p.dstPort}`;
    else if (p.protocol === IPPROTO_ICMP || p.protocol === IPPROTO_ICMPV6)
      flow = `i|${p.src}|${p.dst}|${p.icmpType}`;
    this.count(this.total, p, tcp, syn, dns, flow, true);
    if (!this.perHost) return;
    if (this.isLocal(p.src)) this.count(this.host(p.src), p, tcp, syn, dns, flow, true);
    if (this.isLocal(p.dst)) {
      const h = this.host(p.dst);
      h.packetsIn++;
      h.bytesIn += p.wireLength;
    }
  }

  private host(address: string): Acc {
    let h = this.hosts.get(address);
    if (!h) {
      h = newAcc();
      this.hosts.set(address, h);
    }
    return h;
  }

  private count(
    a: Acc,
    p: Packet,
    tcp: boolean,
    syn: boolean,
    dns: boolean,
    flow: string | undefined,
    out: boolean,
  ): void {
    if (!out) return;
    a.packets++;
    a.bytes += p.wireLength;
    if (tcp) a.tcp++;
    if (syn) a.syn++;
    if (dns) a.dns++;
    if (flow) a.flows.add(flow);
    a.destinations.add(p.dst);
    if (p.dstPort) a.ports.add(p.dstPort);
  }

  private row(a: Acc, host: string, total: boolean): SeriesRow {
    return {
      start: this.current * this.intervalSeconds,
      host,
      packets: a.packets,
      bytes: a.bytes,
      packetsIn: total ? a.packets : a.packetsIn,
      bytesIn: total ? a.bytes : a.bytesIn,
      connections: a.flows.size,
      destinations: a.destinations.size,
      destinationPorts: a.ports.size,
      synPackets: a.syn,
      synRatio: a.tcp > 0 ? a.syn / a.tcp : 0,
      dnsQueries: a.dns,
    };
  }

  /** Moves to interval number `slot`: emits the empty ones between, or jumps (a break in time). */
  private advance(slot: number): void {
    const intervals = slot - this.current;
    // A little back in time: the packet joins the open interval (captures are not strictly ordered).
    if (intervals < 0 && -intervals <= this.maxEmpty) return;
    if (intervals > 0 && intervals - 1 <= this.maxEmpty) {
      while (slot > this.current) this.closeInterval(); // the quiet intervals between are emitted too
      return;
    }
    const from = this.current * this.intervalSeconds;
    this.closeInterval();
    this.current = slot;
    this.jumps++;
    this.onJump({ from, to: slot * this.intervalSeconds, intervals });
  }

  private closeInterval(): void {
    this.onTotal(this.row(this.total, "*", true));
    for (const [address, acc] of [...this.hosts.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
      this.onHost(this.row(acc, address, false));
    }
    this.total = newAcc();
    this.hosts = new Map();
    this.current++;
  }

  /** Emits the last, partial interval. */
  finish(): void {
    if (!Number.isNaN(this.current)) this.closeInterval();
  }
}

/**
 * The series of a whole capture file: total and per-host rows.
 * @example const { total } = await captureSeries("data/simulated/sim-mixed.pcap", { intervalSeconds: 60 });
 */
export async function captureSeries(
  path: string,
  options: SeriesOptions = {},
): Promise<{ total: SeriesRow[]; hosts: SeriesRow[] }> {
  const total: SeriesRow[] = [];
  const hosts: SeriesRow[] = [];
  const series = new TrafficSeries(
    (r) => total.push(r),
    (r) => hosts.push(r),
    options,
  );
  await readCapture(path, (p) => series.add(p));
  series.finish();
  return { total, hosts };
}

/** The series metrics the time-series detectors use by default. */
export const SERIES_METRICS = [
  "packets",
  "bytes",
  "connections",
  "destinationPorts",
  "synRatio",
  "dnsQueries",
] as const;
export type SeriesMetric = (typeof SERIES_METRICS)[number];

/**
 * Series rows as a matrix (rows in time order, one column per metric), for the time-series detectors.
 * Counts are heavy-tailed, so `log1p` (default true) puts floods and quiet nights on one scale.
 */
export function seriesMatrix(
  rows: readonly SeriesRow[],
  metrics: readonly SeriesMetric[] = SERIES_METRICS,
  options: { log1p?: boolean } = {},
): Matrix {
  const log = options.log1p ?? true;
  const data = new Float32Array(rows.length * metrics.length);
  rows.forEach((r, i) => {
    metrics.forEach((m, j) => {
      const v = Number(r[m]);
      data[i * metrics.length + j] = log ? Math.log1p(v) : v;
    });
  });
  return { data, rows: rows.length, cols: metrics.length };
}
