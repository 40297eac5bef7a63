/**
 * KDD's traffic features, computed incrementally over connection records (Lee and Stolfo 2000;
 * definitions as tabulated by Tavallaee et al. 2009). Records are processed in order of their
 * start time, and each record's windows hold the records that started before it, itself included:
 *
 * Time-based, over the connections that started in the past `windowSeconds` (2 s):
 * - count: connections to the same destination host; srv_count: to the same service;
 * - serror_rate / rerror_rate: share of `count` with a SYN error (flag S0, S1, S2 or S3) / REJ;
 * - srv_serror_rate / srv_rerror_rate: the same shares among `srv_count`;
 * - same_srv_rate / diff_srv_rate: share of `count` to the same / a different service;
 * - srv_diff_host_rate: share of `srv_count` to a different destination host.
 * Host-based, over the past `hostWindow` (100) connections:
 * - dst_host_count: to the same destination host; dst_host_srv_count: to the same service;
 * - dst_host_same_srv_rate / dst_host_diff_srv_rate: among dst_host_count, same / other service;
 * - dst_host_same_src_port_rate: among dst_host_srv_count, same source port;
 * - dst_host_srv_diff_host_rate: among dst_host_srv_count, a different destination host;
 * - dst_host_serror_rate / dst_host_rerror_rate: among dst_host_count; the srv_ variants among dst_host_srv_count.
 *
 * Because records finish out of start order, a record is held until no earlier-starting
 * connection is still open (the assembler's `oldestOpenStart`), or for at most `maxDelaySeconds`
 * after its end: then a connection still open that started just before it is missing from its
 * window (documented in docs/connection-features.md). The rule depends on capture time only, so a
 * file and a live replay of it give the same numbers.
 */
import { OptionError } from "../core/errors";
import type { ConnectionRecord } from "./connections";

export interface TrafficFeatureOptions {
  /** Time window of the time-based features, seconds. Default 2 (KDD). */
  windowSeconds?: number;
  /** Connections in the host-based window. Default 100 (KDD's definition). */
  hostWindow?: number;
  /** Longest a finished record waits for earlier-starting open connections, seconds. Default 10. */
  maxDelaySeconds?: number;
}

const SYN_ERROR_FLAGS = new Set(["S0", "S1", "S2", "S3"]);

interface Entry {
  start: number;
  dst: string;
  service: string;
  hostService: string;
  serviceSrcPort: string;
  serror: number;
  rerror: number;
}

/** Counts per key with add/remove: the sliding windows' bookkeeping. */
class Counter {
  private readonly counts = new Map<string, number>();
  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }
  add(key: string, by: number): void {
    if (by === 0) return;
    const v = (this.counts.get(key) ?? 0) + by;
    if (v === 0) this.counts.delete(key);
    else this.counts.set(key, v);
  }
}

/** The windows of the two feature families. */
class Windows {
  readonly host = new Counter();
  readonly service = new Counter();
  readonly hostService = new Counter();
  readonly serviceSrcPort = new Counter();
  readonly hostSerror = new Counter();
  readonly hostRerror = new Counter();
  readonly serviceSerror = new Counter();
  readonly serviceRerror = new Counter();

  apply(e: Entry, sign: 1 | -1): void {
    this.host.add(e.dst, sign);
    this.service.add(e.service, sign);
    this.hostService.add(e.hostService, sign);
    this.serviceSrcPort.add(e.serviceSrcPort, sign);
    this.hostSerror.add(e.dst, sign * e.serror);
    this.hostRerror.add(e.dst, sign * e.rerror);
    this.serviceSerror.add(e.service, sign * e.serror);
    this.serviceRerror.add(e.service, sign * e.rerror);
  }
}

/** Connections in the host-based window (KDD's dst_host_* features): 100, as in KDD Cup 99. */
export const HOST_WINDOW = 100;

/**
 * Adds the 19 traffic features to records. Feed finished records with `add`, then call `release`
 * as capture time advances and `flush` at the end; featurised records come out in start order.
 */
export class TrafficFeatures {
  private readonly opts: Required<TrafficFeatureOptions>;
  private pending: ConnectionRecord[] = []; // a min-heap by (start, uid)
  private readonly time: Entry[] = [];
  private timeHead = 0;
  private readonly timeCounts = new Windows();
  private readonly hostRing: Entry[] = [];
  private hostNext = 0;
  private readonly hostCounts = new Windows();
  private lastReleasedStart = Number.NEGATIVE_INFINITY;
  /** Records released after a later-starting one (possible only through maxDelaySeconds). */
  lateRecords = 0;

  constructor(options: TrafficFeatureOptions = {}) {
    this.opts = {
      windowSeconds: options.windowSeconds ?? 2,
      hostWindow: options.hostWindow ?? HOST_WINDOW,
      maxDelaySeconds: options.maxDelaySeconds ?? 10,
    };
    if (!(this.opts.windowSeconds > 0) || !(this.opts.hostWindow >= 1) || !(this.opts.maxDelaySeconds >= 0)) {
      throw new OptionError(
        `TrafficFeatures: windowSeconds > 0, hostWindow >= 1 and maxDelaySeconds >= 0 needed, got ${JSON.stringify(this.opts)}.`,
      );
    }
  }

  /** Records waiting for their window to be complete. */
  get waiting(): number {
    return this.pending.length;
  }

  /** Takes a finished record (from the assembler). */
  add(record: ConnectionRecord): void {
    const heap = this.pending;
    heap.push(record);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  /**
   * Releases, in start order, the records that started before `oldestOpenStart` (so every
   * connection of their window has finished), and those that ended more than `maxDelaySeconds`
   * before `now`.
   */
  release(oldestOpenStart: number, now: number, emit: (r: ConnectionRecord) => void): void {
    while (this.pending.length > 0) {
      const top = this.pending[0];
      if (top.start >= oldestOpenStart && top.end > now - this.opts.maxDelaySeconds) break;
      this.featurise(this.pop(), emit);
    }
  }

  /** Releases everything (end of input). */
  flush(emit: (r: ConnectionRecord) => void): void {
    while (this.pending.length > 0) this.featurise(this.pop(), emit);
  }

  private pop(): ConnectionRecord {
    const heap = this.pending;
    const top = heap[0];
    const last = heap.pop() as ConnectionRecord;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l], heap[m])) m = l;
        if (r < heap.length && before(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  }

  private featurise(r: ConnectionRecord, emit: (r: ConnectionRecord) => void): void {
    if (r.start < this.lastReleasedStart) this.lateRecords++;
    this.lastReleasedStart = Math.max(this.lastReleasedStart, r.start);
    const f = r.features;
    const service = String(f.service);
    const flag = String(f.flag);
    const e: Entry = {
      start: r.start,
      dst: r.dst,
      service,
      hostService: `${r.dst}|${service}`,
      serviceSrcPort: `${service}|${r.srcPort}`,
      serror: SYN_ERROR_FLAGS.has(flag) ? 1 : 0,
      rerror: flag === "REJ" ? 1 : 0,
    };
    // Time window: drop connections that started more than windowSeconds before this one.
    while (
      this.timeHead < this.time.length &&
      this.time[this.timeHead].start < r.start - this.opts.windowSeconds
    ) {
      this.timeCounts.apply(this.time[this.timeHead++], -1);
    }
    if (this.timeHead > 4096 && this.timeHead * 2 > this.time.length) {
      this.time.splice(0, this.timeHead);
      this.timeHead = 0;
    }
    this.time.push(e);
    this.timeCounts.apply(e, 1);
    // Host window: the last hostWindow connections, this one included.
    if (this.hostRing.length === this.opts.hostWindow)
      this.hostCounts.apply(this.hostRing[this.hostNext], -1);
    this.hostRing[this.hostNext] = e;
    this.hostNext = (this.hostNext + 1) % this.opts.hostWindow;
    this.hostCounts.apply(e, 1);

    const t = this.timeCounts;
    const count = t.host.get(e.dst);
    const srvCount = t.service.get(service);
    const sameHostSrv = t.hostService.get(e.hostService);
    f.count = count;
    f.srv_count = srvCount;
    f.serror_rate = t.hostSerror.get(e.dst) / count;
    f.srv_serror_rate = t.serviceSerror.get(service) / srvCount;
    f.rerror_rate = t.hostRerror.get(e.dst) / count;
    f.srv_rerror_rate = t.serviceRerror.get(service) / srvCount;
    f.same_srv_rate = sameHostSrv / count;
    f.diff_srv_rate = 1 - sameHostSrv / count;
    f.srv_diff_host_rate = (srvCount - sameHostSrv) / srvCount;

    const h = this.hostCounts;
    const hostCount = h.host.get(e.dst);
    const hostSrvCount = h.service.get(service);
    const hostSameSrv = h.hostService.get(e.hostService);
    f.dst_host_count = hostCount;
    f.dst_host_srv_count = hostSrvCount;
    f.dst_host_same_srv_rate = hostSameSrv / hostCount;
    f.dst_host_diff_srv_rate = 1 - hostSameSrv / hostCount;
    f.dst_host_same_src_port_rate = h.serviceSrcPort.get(e.serviceSrcPort) / hostSrvCount;
    f.dst_host_srv_diff_host_rate = (hostSrvCount - hostSameSrv) / hostSrvCount;
    f.dst_host_serror_rate = h.hostSerror.get(e.dst) / hostCount;
    f.dst_host_srv_serror_rate = h.serviceSerror.get(service) / hostSrvCount;
    f.dst_host_rerror_rate = h.hostRerror.get(e.dst) / hostCount;
    f.dst_host_srv_rerror_rate = h.serviceRerror.get(service) / hostSrvCount;
    emit(r);
  }
}

function before(a: ConnectionRecord, b: ConnectionRecord): boolean {
  return a.start < b.start || (a.start === b.start && a.uid < b.uid);
}
