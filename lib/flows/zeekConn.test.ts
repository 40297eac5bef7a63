/**
 * conn.log as Zeek writes it: history letters (repeats, retransmissions, gaps, a flipped
 * connection), byte counts from sequence numbers, duration up to the close, the attempt timer.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Packet, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from "../packets/packet";
import { tcp, udp } from "../testing/packets";
import type { ConnRecord } from "./connRecord";
import { FlowTable } from "./flowTable";

const A = "10.1.0.1";
const B = "10.1.0.2";
const SA = TCP_SYN | TCP_ACK;
const DATA = TCP_ACK | TCP_PSH;
const FA = TCP_FIN | TCP_ACK;

/** The conn records of `packets`, through a flow table that reassembles (payloads are wanted). */
function conns(packets: Packet[]): ConnRecord[] {
  const table = new FlowTable({}, { payload: () => {} });
  const out: ConnRecord[] = [];
  for (const p of packets) table.add(p, (c) => out.push(c));
  table.flush((c) => out.push(c));
  return out;
}

describe("conn records as Zeek writes them", () => {
  test("a retransmission is counted as a packet, not as bytes, and written T", () => {
    const [c] = conns([
      tcp(1, A, 40000, B, 80, TCP_SYN, 0, { seq: 100 }),
      tcp(1.01, B, 80, A, 40000, SA, 0, { seq: 900, ack: 101 }),
      tcp(1.02, A, 40000, B, 80, TCP_ACK, 0, { seq: 101, ack: 901 }),
      tcp(1.03, A, 40000, B, 80, DATA, 50, { seq: 101, ack: 901 }),
      tcp(1.5, A, 40000, B, 80, DATA, 50, { seq: 101, ack: 901 }), // the same 50 bytes again
      tcp(1.6, B, 80, A, 40000, DATA, 20, { seq: 901, ack: 151 }),
      tcp(1.7, A, 40000, B, 80, FA, 0, { seq: 151, ack: 921 }),
      tcp(1.8, B, 80, A, 40000, FA, 0, { seq: 921, ack: 152 }),
      tcp(1.9, A, 40000, B, 80, TCP_ACK, 0, { seq: 152, ack: 922 }),
    ]);
    assert.equal(c.history, "ShADTdFf");
    assert.deepEqual([c.origPackets, c.origBytes, c.respBytes], [6, 50, 20]);
    // The duration ends at the second FIN: the final ACK came after both sides had closed.
    assert.ok(Math.abs(c.duration - 0.8) < 1e-9);
    assert.equal(c.state, "SF");
  });

  test("bytes the capture missed but the peer acknowledged are counted and make a gap (G)", () => {
    const [c] = conns([
      tcp(1, A, 40001, B, 80, TCP_SYN, 0, { seq: 100 }),
      tcp(1.01, B, 80, A, 40001, SA, 0, { seq: 900, ack: 101 }),
      tcp(1.02, A, 40001, B, 80, DATA, 10, { seq: 101, ack: 901 }),
      // Bytes 111-210 never captured.
      tcp(1.03, A, 40001, B, 80, DATA, 10, { seq: 211, ack: 901 }),
      tcp(1.04, B, 80, A, 40001, TCP_ACK, 0, { seq: 901, ack: 221 }),
      tcp(1.05, B, 80, A, 40001, DATA, 5, { seq: 901, ack: 221 }),
    ]);
    // The ACK's letter comes before the gap it reveals, as in Zeek (history first, then the ACK).
    assert.equal(c.history, "ShDaGd");
    assert.deepEqual([c.origBytes, c.respBytes, c.missedBytes], [120, 5, 100]);
  });

  test("a FIN at a new sequence number is written again; a retransmitted FIN is not", () => {
    const [c] = conns([
      tcp(1, A, 40002, B, 80, TCP_SYN, 0, { seq: 100 }),
      tcp(1.01, B, 80, A, 40002, SA, 0, { seq: 900, ack: 101 }),
      tcp(1.02, A, 40002, B, 80, FA, 0, { seq: 101, ack: 901 }),
      tcp(1.03, A, 40002, B, 80, FA, 0, { seq: 101, ack: 901 }),
      tcp(1.04, A, 40002, B, 80, FA, 10, { seq: 102, ack: 901 }),
    ]);
    assert.equal(c.history, "ShFF");
  });

  test("a connection first seen at its SYN-ACK is flipped and marked ^", () => {
    const [c] = conns([
      tcp(1, B, 22, A, 50000, SA, 0, { seq: 900, ack: 101 }),
      tcp(1.1, B, 22, A, 50000, DATA, 30, { seq: 901, ack: 101 }),
      tcp(1.2, B, 22, A, 50000, FA, 0, { seq: 931, ack: 101 }),
    ]);
    assert.deepEqual([c.src, c.srcPort, c.dst, c.dstPort], [A, 50000, B, 22]);
    assert.equal(c.history, "^hdf");
    assert.deepEqual([c.origBytes, c.respBytes], [0, 30]);
  });

  test("an attempt nobody answers ends tcpAttemptSeconds after its SYN: later packets start a new flow", () => {
    const out = conns([
      tcp(10, A, 40003, B, 22, TCP_SYN, 0, { seq: 100 }),
      tcp(11, A, 40003, B, 22, TCP_ACK, 0, { seq: 101, ack: 5000 }),
      tcp(13, A, 40003, B, 22, DATA, 40, { seq: 101, ack: 5000 }),
      tcp(16, A, 40003, B, 22, DATA, 40, { seq: 141, ack: 5000 }),
      tcp(16.5, A, 40003, B, 22, FA, 0, { seq: 181, ack: 5000 }),
    ]);
    assert.deepEqual(
      out.map((c) => [c.history, c.state, c.origPackets, c.origBytes, c.duration]),
      [
        ["SAD", "S0", 3, 40, 3],
        ["DF", "SH", 2, 40, 0.5],
      ],
    );
  });

  test("UDP: D and d for the first datagram with payload of each side", () => {
    const [c] = conns([
      udp(1, A, 5000, B, 53, 30),
      udp(1.1, B, 53, A, 5000, 60),
      udp(1.2, A, 5000, B, 53, 30),
    ]);
    assert.equal(c.history, "Dd");
    assert.deepEqual([c.origBytes, c.respBytes, c.state], [60, 60, "SF"]);
  });
});
