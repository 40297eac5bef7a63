import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Flow } from "../../flows/flowTable";
import { dnsMessage } from "../../simulate/sessions";
import type { ParserContext, ProtocolRecord } from "../parser";
import { type DnsRecord, dnsParser, parseDnsQuestion, readDnsQuestion } from "./dnsParser";

/** A parser context over a fake flow, collecting what the parser emits and counts. */
function context(proto: "udp" | "tcp") {
  const records: ProtocolRecord[] = [];
  const malformed: string[] = [];
  const flow = {
    uid: 7,
    proto,
    src: "10.0.0.1",
    srcPort: 3000,
    dst: "10.0.0.53",
    dstPort: 53,
  } as Flow<unknown>;
  const ctx: ParserContext = {
    flow,
    emit: (r) => records.push(r),
    malformed: (m) => malformed.push(m),
    handOver: () => false,
  };
  return { ctx, records: records as DnsRecord[], malformed };
}

function framed(msg: Uint8Array): Uint8Array {
  return Uint8Array.of(msg.length >> 8, msg.length & 0xff, ...msg);
}

describe("DNS", () => {
  test("the question of a query; truncated or malformed messages are refused with a reason", () => {
    const q = dnsMessage(1, "a.example", 16);
    assert.deepEqual(parseDnsQuestion(q), { name: "a.example", type: 16 });
    assert.equal(parseDnsQuestion(q.subarray(0, 14)), undefined);
    assert.equal(readDnsQuestion(q.subarray(0, 14)), "message too short");
    assert.equal(readDnsQuestion(new Uint8Array(30).fill(0xff)), "label too long");
    const noQuestion = q.slice();
    noQuestion[5] = 0;
    assert.equal(readDnsQuestion(noQuestion), "no question");
    assert.equal(readDnsQuestion(q.subarray(0, 20)), "name past the end");
    assert.equal(readDnsQuestion(q.subarray(0, q.length - 2)), "question past the end");
    assert.equal(
      readDnsQuestion(q.subarray(0, q.length - 1)),
      "question past the end",
      "QCLASS cut by one byte",
    );
  });

  test("UDP: one record per query, with transaction id; responses are not read yet", () => {
    const { ctx, records, malformed } = context("udp");
    const p = dnsParser.create(ctx);
    p.data("orig", dnsMessage(0x1234, "www.example", 28), 5);
    p.data("resp", dnsMessage(0x1234, "www.example", 28, ["::1"]), 5.1);
    p.data("orig", new Uint8Array(5), 6);
    p.end(6);
    assert.deepEqual(records, [
      { protocol: "dns", uid: 7, ts: 5, proto: "udp", trans_id: 0x1234, query: "www.example", qtype: 28 },
    ]);
    assert.deepEqual(malformed, ["message too short"]);
  });

  test("TCP: length-prefixed messages split across and packed into segments", () => {
    const { ctx, records, malformed } = context("tcp");
    const p = dnsParser.create(ctx);
    const one = framed(dnsMessage(1, "one.example", 1));
    const two = framed(dnsMessage(2, "two.example", 1));
    p.data("orig", one.subarray(0, 1), 1); // half the length prefix
    p.data("orig", one.subarray(1, 9), 1.1);
    p.data("orig", Uint8Array.of(...one.subarray(9), ...two), 1.2);
    p.data("orig", framed(dnsMessage(3, "three.example", 1)).subarray(0, 10), 1.3);
    p.end(2);
    assert.deepEqual(
      records.map((r) => [r.trans_id, r.query, r.ts]),
      [
        [1, "one.example", 1.2],
        [2, "two.example", 1.2],
      ],
    );
    assert.deepEqual(malformed, ["message cut at the end"]);
  });

  test("TCP: the largest message (65,535 bytes, the most a flow holds) sent slowly; a gap drops a partial message", () => {
    const { ctx, records, malformed } = context("tcp");
    const p = dnsParser.create(ctx);
    p.data("orig", Uint8Array.of(0xff, 0xff), 1);
    for (let i = 0; i < 65; i++) p.data("orig", new Uint8Array(1000), 1 + i / 100);
    assert.deepEqual(malformed, [], "incomplete: held");
    p.data("orig", new Uint8Array(535), 2);
    assert.deepEqual(malformed, ["no question"], "complete (zeros: no question), parsed once");
    p.data("orig", framed(dnsMessage(5, "cut.example", 1)).subarray(0, 12), 2.5);
    p.gap("orig", 100);
    assert.deepEqual(malformed, ["no question", "gap in a message"]);
    p.data("orig", framed(dnsMessage(4, "after.example", 1)), 2);
    assert.deepEqual(
      records.map((r) => r.query),
      ["after.example"],
    );
  });
});
