import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from "../packets/packet";
import { tcp, tcpText } from "../testing/packets";
import type { ConnRecord } from "./connRecord";
import { type Direction, FlowTable } from "./flowTable";
import { emptyReassemblyStats, MAX_HELD_PIECES, type ReassemblyStats, StreamReassembler } from "./reassembly";

const A = "10.0.1.5";
const B = "10.0.0.10";
const DATA = TCP_ACK | TCP_PSH;

/** A reassembler whose output is text, with gaps written as `[gap N]`. */
function stream(
  maxFlow = 1 << 20,
  maxTotal = 1 << 30,
): {
  r: StreamReassembler;
  stats: ReassemblyStats;
  out: () => string;
  seg: (seq: number, text: string, wire?: number) => void;
} {
  const stats = emptyReassemblyStats();
  const r = new StreamReassembler(stats, { held: 0, max: maxTotal }, maxFlow);
  let text = "";
  const sink = {
    data: (b: Uint8Array) => (text += Buffer.from(b).toString("latin1")),
    gap: (n: number) => (text += `[gap ${n}]`),
  };
  return {
    r,
    stats,
    out: () => text,
    seg: (seq, t, wire) => r.segment(seq, false, Buffer.from(t, "latin1"), wire ?? t.length, 0, sink),
    ...{ sink },
  };
}

describe("StreamReassembler", () => {
  test("in order after a SYN; out-of-order segments wait for the hole to fill", () => {
    const s = stream();
    const sink = (s as unknown as { sink: never }).sink;
    s.r.segment(100, true, new Uint8Array(0), 0, 0, sink);
    s.seg(101, "GET ");
    s.seg(110, "HTTP/1.1");
    s.seg(109, " ");
    assert.equal(s.out(), "GET ");
    s.seg(105, "/abc");
    assert.equal(s.out(), "GET /abc HTTP/1.1");
    assert.equal(s.stats.heldSegments, 2); // " " and "HTTP/1.1"; "/abc" filled the hole
    assert.equal(s.r.buffered, 0);
  });

  test("retransmissions and overlaps: each byte once, the first copy wins, a differing copy is counted", () => {
    const s = stream();
    s.seg(1000, "hello");
    s.seg(1000, "hello"); // retransmitted whole
    s.seg(1003, "loXworld"); // overlaps "lo", then new bytes
    assert.equal(s.out(), "helloXworld");
    assert.equal(s.stats.retransmittedBytes, 7);
    // Held segments overlapping each other: the first held copy wins, the difference is counted.
    s.seg(1020, "ABCD");
    s.seg(1018, "zzAXCDEF");
    s.seg(1011, "1234567");
    assert.equal(s.out(), "helloXworld1234567zzABCDEF");
    assert.ok(s.stats.inconsistentBytes > 0);
  });

  test("a hole is given up at the end of the flow, a cut tail is a gap, and the per-flow bound cuts (counted)", () => {
    const s = stream();
    const sink = (s as unknown as { sink: never }).sink;
    s.seg(1, "ab");
    s.seg(10, "xyz");
    s.r.finish(0, sink);
    assert.equal(s.out(), "ab[gap 7]xyz"); // joined mid-stream at offset 1: "ab" is 1-2, "xyz" 10-12
    const t = stream();
    t.seg(1, "abcd", 10); // captured 4 of 10 bytes
    t.seg(11, "next");
    assert.equal(t.out(), "abcd[gap 6]next");
    assert.equal(t.r.missedBytes, 6);
    const u = stream(8);
    u.seg(1, "a");
    u.seg(10, "12345");
    assert.equal(u.out(), "a");
    u.seg(20, "6789"); // 9 bytes held > 8: the holes are given up
    assert.equal(u.out(), "a[gap 8]12345[gap 5]6789");
    assert.deepEqual([u.stats.cutGaps, u.stats.cutBytes, u.r.buffered], [2, 13, 0]);
  });

  test("the global bound cuts too, and held bytes are returned to it", () => {
    const stats = emptyReassemblyStats();
    const budget = { held: 0, max: 6 };
    const text: string[] = ["", ""];
    const mk = (i: number) => ({
      r: new StreamReassembler(stats, budget, 1 << 20),
      sink: {
        data: (b: Uint8Array) => (text[i] += Buffer.from(b).toString()),
        gap: (n: number) => (text[i] += `[${n}]`),
      },
    });
    const [x, y] = [mk(0), mk(1)];
    x.r.segment(1, false, Buffer.from("a"), 1, 0, x.sink);
    x.r.segment(5, false, Buffer.from("1234"), 4, 0, x.sink);
    y.r.segment(1, false, Buffer.from("b"), 1, 0, y.sink);
    y.r.segment(5, false, Buffer.from("5678"), 4, 0, y.sink); // 8 held > 6: y gives up its hole
    assert.deepEqual(text, ["a", "b[3]5678"]);
    assert.equal(budget.held, 4);
    x.r.discard();
    assert.equal(budget.held, 0);
    assert.equal(stats.cutGaps, 1);
  });

  test("a flood of one-byte pieces each behind a hole is cut at MAX_HELD_PIECES, in linear time", () => {
    const s = stream();
    const sink = (s as unknown as { sink: never }).sink;
    s.r.segment(100, true, new Uint8Array(0), 0, 0, sink);
    const started = performance.now();
    for (let i = 0; i < 5 * MAX_HELD_PIECES; i++) s.seg(103 + 2 * i, "x"); // offsets 3, 5, 7, ...: a hole before each
    assert.ok(s.r.buffered <= MAX_HELD_PIECES);
    assert.ok(s.stats.cutGaps >= 4 * MAX_HELD_PIECES, `${s.stats.cutGaps} holes cut`);
    // A hang guard, not a speed test: quadratic work here took minutes.
    assert.ok(performance.now() - started < 20_000);
  });

  test("an ACK gives up every hole before it, including a cut tail the capture saw sent", () => {
    const s = stream();
    const sink = (s as unknown as { sink: never }).sink;
    s.r.segment(100, true, new Uint8Array(0), 0, 0, sink);
    s.seg(105, "ab", 6); // offsets 5-10 sent, 5-6 captured, behind a hole at 1-4
    s.seg(120, "tail"); // another piece further on
    s.r.acked(200, 0, sink);
    assert.equal(s.out(), "[gap 4]ab[gap 13]tail"); // the cut tail 7-10 and the hole 11-19 together
    assert.equal(s.r.buffered, 0);
    const t = stream();
    const tSink = (t as unknown as { sink: never }).sink;
    t.r.segment(100, true, new Uint8Array(0), 0, 0, tSink);
    t.seg(105, "ab", 6);
    t.r.acked(111, 0, tSink); // nothing held beyond: the cut tail alone
    assert.equal(t.out(), "[gap 4]ab[gap 4]");
  });

  test("sequence numbers wrap past 2^32", () => {
    const s = stream();
    s.seg(0xfffffffe, "ab");
    s.seg(2, "ef");
    s.seg(0, "cd");
    assert.equal(s.out(), "abcdef");
  });
});

describe("FlowTable with reassembly", () => {
  test("segments reordered on the wire reach the hook in order; an ACK past a hole gives it up; missed_bytes counted", () => {
    const seen: [Direction, string][] = [];
    const table = new FlowTable(
      {},
      {
        payload: (_f, dir, bytes) => seen.push([dir, Buffer.from(bytes).toString("latin1")]),
        gap: (_f, dir, n) => seen.push([dir, `[gap ${n}]`]),
      },
    );
    const out: ConnRecord[] = [];
    const emit = (c: ConnRecord): number => out.push(c);
    const syn = tcp(1, A, 41000, B, 80, TCP_SYN);
    const synAck = tcp(1.01, B, 80, A, 41000, TCP_SYN | TCP_ACK);
    const ack = tcp(1.02, A, 41000, B, 80, TCP_ACK);
    const first = tcpText(1.03, A, 41000, B, 80, DATA, "GET /a ");
    const second = tcpText(1.04, A, 41000, B, 80, DATA, "HTTP/1.1\r\n\r\n");
    const lost = tcpText(1.05, B, 80, A, 41000, DATA, "HTTP/1.1 200 OK\r\n");
    const after = tcpText(1.06, B, 80, A, 41000, DATA, "Content-Length: 0\r\n\r\n");
    const ackAll = tcp(1.07, A, 41000, B, 80, TCP_ACK);
    for (const p of [syn, synAck, ack, second, first, after, ackAll]) table.add(p, emit);
    assert.deepEqual(seen, [
      ["orig", "GET /a "],
      ["orig", "HTTP/1.1\r\n\r\n"],
      ["resp", `[gap ${lost.payloadLength}]`],
      ["resp", "Content-Length: 0\r\n\r\n"],
    ]);
    table.add(tcp(1.08, A, 41000, B, 80, TCP_FIN | TCP_ACK), emit);
    table.add(tcp(1.09, B, 80, A, 41000, TCP_FIN | TCP_ACK), emit);
    table.flush(emit);
    assert.equal(out[0].missedBytes, lost.payloadLength);
    assert.equal(
      out[0].origIpBytes,
      [syn, ack, first, second, ackAll].reduce((n, p) => n + p.ipLength, 0) + 40,
    );
    assert.equal(table.stats.reassembly.heldSegments, 2); // "HTTP/1.1" and the response after the lost segment
  });
});
