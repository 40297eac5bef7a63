/**
 * TCP stream reassembly, one `StreamReassembler` per direction of a flow: segments in capture
 * order in, the direction's bytes out in sequence order. Retransmitted bytes are dropped (the
 * first copy wins, as in Zeek; a retransmission that differs is counted as inconsistent),
 * overlaps trimmed, segments that arrive early held until the hole before them fills. A hole is
 * given up on, and reported as a gap of its length, when the peer acknowledges bytes beyond it
 * (they were sent and the capture lost them), when the held bytes pass the per-flow or the global
 * bound (counted as cut), or when the flow ends.
 *
 * Sequence numbers are 32-bit and wrap; offsets here are relative to the direction's initial
 * sequence number and unbounded (a stream may pass 4 GiB).
 */

/** Tunables of reassembly (`FlowTableOptions` passes them on). */
export interface ReassemblyOptions {
  /** Bytes one direction of a flow may hold out of order before its first hole is given up (a gap). Default 1 MiB. */
  maxFlowBufferBytes?: number;
  /** Bytes all flows together may hold out of order; beyond it the flow adding a segment gives up its holes. Default 256 MiB. */
  maxTotalBufferBytes?: number;
}

/** What reassembly did, summed over all streams; nothing is dropped without a count. */
export interface ReassemblyStats {
  /** Segments that arrived ahead of a hole and were held. */
  heldSegments: number;
  /** Holes given up on, and their bytes (Zeek's missed_bytes, summed). */
  gaps: number;
  gapBytes: number;
  /** Bytes already delivered that came again (retransmissions, keep-alives, overlaps). */
  retransmittedBytes: number;
  /** Retransmitted bytes that differed from the first copy (delivered: the first copy). */
  inconsistentBytes: number;
  /** Holes given up because a bound was reached, with the bytes skipped by them (part of gaps / gapBytes). */
  cutGaps: number;
  cutBytes: number;
}

export function emptyReassemblyStats(): ReassemblyStats {
  return {
    heldSegments: 0,
    gaps: 0,
    gapBytes: 0,
    retransmittedBytes: 0,
    inconsistentBytes: 0,
    cutGaps: 0,
    cutBytes: 0,
  };
}

/** The shared budget of held bytes across all streams of a flow table. */
export interface ReassemblyBudget {
  held: number;
  readonly max: number;
}

/** Where a stream's bytes go. */
export interface StreamSink {
  data(bytes: Uint8Array, ts: number): void;
  gap(length: number, ts: number): void;
}

const WRAP = 2 ** 32;

/**
 * Separate pieces one direction may hold; beyond it its holes are given up (a cut, counted), so a
 * flood of one-byte segments each behind a hole cannot cost time or memory per piece without bound.
 */
export const MAX_HELD_PIECES = 4096;

interface Held {
  offset: number;
  bytes: Uint8Array;
}

/** One direction of a TCP flow. */
export class StreamReassembler {
  /** Sequence number of offset 0 (the SYN's, or just before the first segment seen). */
  private isn = 0;
  /** Offset of the next byte to deliver; -1 before the first segment. */
  private next = -1;
  /** Segments ahead of `next`, sorted by offset, not overlapping each other. */
  private held: Held[] = [];
  private heldBytes = 0;
  /** Offset just past the highest byte seen (sent), gaps included: Zeek's size of the direction. */
  private end = 0;
  /** Bytes this direction missed (gaps). */
  missedBytes = 0;

  constructor(
    private readonly stats: ReassemblyStats,
    private readonly budget: ReassemblyBudget,
    private readonly maxFlowBuffer: number,
  ) {}

  /** Bytes of the stream seen, holes included (highest offset reached). */
  get size(): number {
    return this.end;
  }

  /** Bytes held out of order now. */
  get buffered(): number {
    return this.heldBytes;
  }

  /** The offset of sequence number `seq`: the one of its 2^32 aliases nearest to `next`. */
  private offsetOf(seq: number): number {
    const rel = (seq - this.isn) >>> 0;
    const k = Math.round((this.next - rel) / WRAP);
    return rel + k * WRAP;
  }

  /**
   * One segment of this direction: its sequence number, whether it is a SYN, its captured payload,
   * and its payload length on the wire (more than captured when the snap length cut it; the
   * missing tail is a gap).
   */
  segment(
    seq: number,
    syn: boolean,
    payload: Uint8Array,
    wireLength: number,
    ts: number,
    sink: StreamSink,
  ): void {
    if (this.next < 0) {
      // The SYN takes one sequence number; without one we joined mid-stream, at this segment.
      this.isn = syn ? seq : (seq - 1) >>> 0;
      this.next = 1;
    } else if (syn) {
      return; // a retransmitted SYN
    }
    if (wireLength <= 0) return;
    let offset = this.offsetOf(syn ? (seq + 1) >>> 0 : seq);
    let bytes = payload.length > wireLength ? payload.subarray(0, wireLength) : payload;
    const stop = offset + wireLength;
    if (stop > this.end) this.end = stop;
    // What was delivered already: a retransmission (checked against nothing: it is gone).
    if (offset < this.next) {
      const old = Math.min(this.next, stop) - offset;
      this.stats.retransmittedBytes += old;
      if (stop <= this.next) return;
      bytes = bytes.subarray(Math.min(old, bytes.length));
      offset = this.next;
    }
    const cut = stop - offset - bytes.length; // not captured: the tail is a hole
    if (offset === this.next) {
      if (bytes.length > 0) sink.data(bytes, ts);
      this.next = offset + bytes.length;
      if (cut > 0) this.skip(stop, ts, sink, false);
      if (this.held.length > 0) this.drain(ts, sink);
      return;
    }
    if (bytes.length > 0) this.hold(offset, bytes);
    if (
      this.heldBytes > this.maxFlowBuffer ||
      this.held.length > MAX_HELD_PIECES ||
      this.budget.held > this.budget.max
    ) {
      this.giveUp(ts, sink);
    }
  }

  /** The peer acknowledged up to `ack`: bytes before it were sent, so a hole before it will not fill. */
  acked(ack: number, ts: number, sink: StreamSink): void {
    if (this.next < 0) return;
    const offset = this.offsetOf(ack);
    if (offset <= this.next) return;
    // Every hole before a held segment the ACK covers was sent and lost to the capture.
    while (this.held.length > 0 && this.held[0].offset <= offset) {
      this.skip(this.held[0].offset, ts, sink, false);
      this.drain(ts, sink);
    }
    // So were the bytes up to it that the capture saw sent but not whole (a cut tail); beyond the
    // highest byte seen nothing is reported until something there is seen.
    const known = Math.min(offset, this.end);
    if (known > this.next) this.skip(known, ts, sink, false);
  }

  /** The flow ended: every hole is given up, every held byte delivered. */
  finish(ts: number, sink: StreamSink): void {
    while (this.held.length > 0) {
      this.skip(this.held[0].offset, ts, sink, false);
      this.drain(ts, sink);
    }
    if (this.next >= 0 && this.end > this.next) this.skip(this.end, ts, sink, false);
  }

  /** A bound was passed: the holes before held bytes are given up until this stream holds nothing. */
  private giveUp(ts: number, sink: StreamSink): void {
    while (this.held.length > 0) {
      this.skip(this.held[0].offset, ts, sink, true);
      this.drain(ts, sink);
    }
  }

  /** Reports the hole from `next` to `to` as a gap and moves past it. */
  private skip(to: number, ts: number, sink: StreamSink, cut: boolean): void {
    const length = to - this.next;
    if (length <= 0) return;
    this.stats.gaps++;
    this.stats.gapBytes += length;
    this.missedBytes += length;
    if (cut) {
      this.stats.cutGaps++;
      this.stats.cutBytes += length;
    }
    this.next = to;
    sink.gap(length, ts);
  }

  /** Delivers held segments that now start at (or before) `next`. */
  private drain(ts: number, sink: StreamSink): void {
    while (this.held.length > 0 && this.held[0].offset <= this.next) {
      const h = this.held.shift() as Held;
      this.release(h.bytes.length);
      const skip = this.next - h.offset;
      if (skip >= h.bytes.length) {
        this.stats.retransmittedBytes += h.bytes.length;
        continue;
      }
      if (skip > 0) this.stats.retransmittedBytes += skip;
      sink.data(skip > 0 ? h.bytes.subarray(skip) : h.bytes, ts);
      this.next = h.offset + h.bytes.length;
    }
  }

  /** Holds a segment ahead of a hole (a copy: the capture may reuse its memory), trimmed against what is held. */
  private hold(offset: number, bytes: Uint8Array): void {
    let start = offset;
    let data = bytes;
    const pieces: Held[] = [];
    // Walk the held segments from the first that ends after `start`; the first copy of each byte wins.
    for (let k = this.firstEndingAfter(start); k < this.held.length; k++) {
      const h = this.held[k];
      if (data.length === 0) break;
      const hEnd = h.offset + h.bytes.length;
      if (hEnd <= start) continue;
      if (h.offset >= start + data.length) break;
      if (h.offset > start) {
        pieces.push({ offset: start, bytes: data.slice(0, h.offset - start) });
      }
      const overlapFrom = Math.max(start, h.offset);
      const overlapTo = Math.min(start + data.length, hEnd);
      this.compare(h, overlapFrom, data.subarray(overlapFrom - start, overlapTo - start));
      data = data.subarray(overlapTo - start);
      start = overlapTo;
    }
    if (data.length > 0) pieces.push({ offset: start, bytes: data.slice() });
    if (pieces.length === 0) return;
    this.stats.heldSegments++;
    for (const p of pieces) {
      this.heldBytes += p.bytes.length;
      this.budget.held += p.bytes.length;
      this.held.splice(this.firstEndingAfter(p.offset), 0, p);
    }
  }

  /** Index of the first held segment that ends after `offset` (binary search: held segments are sorted and apart). */
  private firstEndingAfter(offset: number): number {
    let lo = 0;
    let hi = this.held.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const h = this.held[mid];
      if (h.offset + h.bytes.length <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Counts retransmitted bytes `again` at `offset` against the held copy `h`. */
  private compare(h: Held, offset: number, again: Uint8Array): void {
    this.stats.retransmittedBytes += again.length;
    const base = offset - h.offset;
    for (let i = 0; i < again.length; i++) {
      if (h.bytes[base + i] !== again[i]) {
        this.stats.inconsistentBytes += again.length;
        return;
      }
    }
  }

  private release(bytes: number): void {
    this.heldBytes -= bytes;
    this.budget.held -= bytes;
  }

  /** Drops what is held without delivering it (the flow was closed early); the budget is returned. */
  discard(): void {
    this.budget.held -= this.heldBytes;
    this.heldBytes = 0;
    this.held = [];
  }
}
