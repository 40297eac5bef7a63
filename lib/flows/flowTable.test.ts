import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { OptionError } from "../core/errors";
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from "../packets/packet";
import { icmp, tcp, tcpText, udp } from "../testing/packets";
import { type ConnRecord, zeekUid } from "./connRecord";
import { type Direction, type Flow, FlowTable } from "./flowTable";
import { emptyReassemblyStats } from "./reassembly";

const A = "10.0.1.5";
const B = "10.0.0.10";
const SA = TCP_SYN | TCP_ACK;
const FA = TCP_FIN | TCP_ACK;
const DATA = TCP_ACK | TCP_PSH;

describe("FlowTable", () => {
  test("a TCP exchange becomes one Zeek-like conn record; uids count flows in order of their first packet", () => {
    const table = new FlowTable();
    const out: ConnRecord[] = [];
    const emit = (c: ConnRecord): number => out.push(c);
    for (const p of [
      udp(99.5, A, 5353, B, 53, 40),
      tcp(100.0, A, 40000, B, 80, TCP_SYN),
      tcp(100.01, B, 80, A, 40000, SA),
      tcp(100.02, A, 40000, B, 80, TCP_ACK),
      tcp(100.03, A, 40000, B, 80, DATA, 120),
      tcp(100.04, B, 80, A, 40000, DATA, 1460),
      tcp(100.06, A, 40000, B, 80, FA),
      tcp(100.07, B, 80, A, 40000, FA),
      tcp(100.08, A, 40000, B, 80, TCP_ACK),
      icmp(100.1, A, B, 8),
    ])
      table.add(p, emit);
    table.flush(emit);
    const byUid = new Map(out.map((c) => [c.uid, c]));
    assert.deepEqual([...byUid.keys()].sort(), [0, 1, 2]);
    const c = byUid.get(1) as ConnRecord;
    assert.deepEqual(
      [c.proto, c.ipProto, c.src, c.srcPort, c.dst, c.dstPort, c.state, c.history, c.closedBy],
      ["tcp", 6, A, 40000, B, 80, "SF", "ShADdFf", "fin"],
    );
    assert.deepEqual([c.origPackets, c.respPackets, c.origBytes, c.respBytes], [5, 3, 120, 1460]);
    assert.equal(c.ts, 100);
    // Zeek's last time stands still once both sides closed: the final ACK is counted, not timed.
    assert.ok(Math.abs(c.duration - 0.07) < 1e-9 && c.end === 100.07);
    assert.deepEqual([c.icmpType, c.icmpCode, c.service], [-1, -1, ""]);
    const u = byUid.get(0) as ConnRecord;
    assert.deepEqual([u.proto, u.state, u.origBytes], ["udp", "S0", 40]);
    const i = byUid.get(2) as ConnRecord;
    assert.deepEqual([i.proto, i.state, i.icmpType, i.icmpCode, i.srcPort], ["icmp", "OTH", 8, 0, 0]);
    assert.deepEqual(table.stats, {
      packets: 10,
      ignoredNonIp: 0,
      ignoredOtherProtocol: 0,
      connections: 3,
      evicted: 0,
      outOfOrder: 0,
      reassembly: emptyReassemblyStats(),
    });
  });

  test("payloads go to the hook per direction, for the first payloadPackets packets, until inspect is turned off", () => {
    const seen: [number, Direction, string][] = [];
    const ended: number[] = [];
    const hooks = {
      payload(flow: Flow<string>, dir: Direction, bytes: Uint8Array): void {
        seen.push([flow.uid, dir, Buffer.from(bytes).toString("latin1")]);
        if (Buffer.from(bytes).toString("latin1") === "stop") flow.inspect = false;
        flow.service = "test";
      },
      end(flow: Flow<string>): void {
        ended.push(flow.uid);
      },
    };
    const table = new FlowTable<string>({ payloadPackets: 5 }, hooks);
    const out: ConnRecord[] = [];
    const emit = (c: ConnRecord): number => out.push(c);
    table.add(tcp(1, A, 40000, B, 80, TCP_SYN), emit); // packet 1, no payload: not handed on
    table.add(tcp(1.01, B, 80, A, 40000, SA), emit);
    table.add(tcpText(1.02, A, 40000, B, 80, DATA, "one"), emit);
    table.add(tcpText(1.03, B, 80, A, 40000, DATA, "two"), emit);
    table.add(tcpText(1.04, A, 40000, B, 80, DATA, "three"), emit); // packet 5
    table.add(tcpText(1.05, A, 40000, B, 80, DATA, "six"), emit); // packet 6: beyond the cap
    table.add(tcpText(2, A, 40001, B, 80, DATA, "stop"), emit);
    table.add(tcpText(2.01, A, 40001, B, 80, DATA, "after"), emit);
    assert.deepEqual(seen, [
      [0, "orig", "one"],
      [0, "resp", "two"],
      [0, "orig", "three"],
      [1, "orig", "stop"],
    ]);
    table.flush((c) => {
      // The end hook runs before the record is emitted, so protocol records come first.
      assert.ok(ended.includes(c.uid));
      out.push(c);
    });
    assert.deepEqual(
      out.map((c) => c.service),
      ["test", "test"],
    );
  });

  test("maxConnections: the least recently active flow is evicted, counted and still emitted", () => {
    const table = new FlowTable({ maxConnections: 2 });
    const out: ConnRecord[] = [];
    const emit = (c: ConnRecord): number => out.push(c);
    table.add(udp(1, A, 1001, B, 9999, 10), emit);
    table.add(udp(1.1, A, 1002, B, 9999, 10), emit);
    table.add(udp(1.2, A, 1001, B, 9999, 10), emit); // 1001 is active again
    table.add(udp(1.3, A, 1003, B, 9999, 10), emit); // evicts 1002
    assert.equal(table.stats.evicted, 1);
    assert.equal(table.openFlows, 2);
    table.flush(emit);
    assert.deepEqual(
      out.map((c) => [c.srcPort, c.closedBy]),
      [
        [1002, "timeout"],
        [1001, "end"],
        [1003, "end"],
      ],
    );
  });

  test("idle timeouts close flows in capture time; options are checked", () => {
    const table = new FlowTable({ udpIdleSeconds: 2 });
    const out: ConnRecord[] = [];
    table.add(udp(1, A, 1001, B, 9999, 10), (c) => out.push(c));
    table.add(udp(2.5, A, 1002, B, 9999, 10), (c) => out.push(c));
    assert.equal(out.length, 0);
    table.add(udp(3.5, A, 1003, B, 9999, 10), (c) => out.push(c));
    assert.deepEqual(
      out.map((c) => [c.srcPort, c.closedBy]),
      [[1001, "timeout"]],
    );
    assert.throws(() => new FlowTable({ payloadPackets: 0 }), OptionError);
    assert.throws(() => new FlowTable({ tcpIdleSeconds: -1 }), /tcpIdleSeconds must be positive/);
  });
});

describe("zeekUid", () => {
  test("C and 18 base-62 characters, the same for the same uid and seed, distinct across uids and seeds", () => {
    assert.match(zeekUid(0), /^C[0-9A-Za-z]{18}$/);
    assert.equal(zeekUid(12345, 7), zeekUid(12345, 7));
    const uids = new Set(Array.from({ length: 50_000 }, (_, i) => zeekUid(i)));
    assert.equal(uids.size, 50_000);
    assert.notEqual(zeekUid(1, 1), zeekUid(1, 2));
  });
});
