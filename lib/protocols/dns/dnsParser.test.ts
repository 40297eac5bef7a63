import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Flow } from "../../flows/flowTable";
import { TCP_ACK, TCP_PSH, type Packet } from "../../packets/packet";
import { tcpText, udp } from "../../testing/packets";
import { logRows } from "../../testing/tcpSession";
import type { LogRow } from "../logs/zeekLog";
import type { ParserContext, ProtocolRecord } from "../parser";
import { DNS_TYPE, dnsMessage } from "./dnsEncode";
import {
  DNS_MAX_TCP_BUFFER,
  type DnsRecord,
  dnsParser,
  parseDnsQuestion,
  readDnsQuestion,
} from "./dnsParser";
import { DNS_MAX_ANSWERS, DNS_MAX_PENDING_IDS, decodeNetbiosName } from "./dnsSessions";
import { readDnsName } from "./dnsWire";

const C = "10.0.1.5";
const S = "10.0.0.53";
const DATA = TCP_ACK | TCP_PSH;

// A small DNS message builder: names as label bytes, records as bytes.
const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
const u32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
function name(text: string): number[] {
  const out: number[] = [];
  for (const l of text.split(".").filter(Boolean)) out.push(l.length, ...Buffer.from(l, "latin1"));
  return [...out, 0];
}
function rr(owner: number[], type: number, ttl: number, rdata: number[], cls = 1): number[] {
  return [...owner, ...u16(type), ...u16(cls), ...u32(ttl), ...u16(rdata.length), ...rdata];
}
interface Build {
  id: number;
  /** The 16-bit flags word (QR 0x8000, opcode << 11, AA 0x400, TC 0x200, RD 0x100, RA 0x80, Z << 4, rcode). */
  flags: number;
  counts: [number, number, number, number];
  body: number[];
}
function build(m: Build): Uint8Array {
  return Uint8Array.from([...u16(m.id), ...u16(m.flags), ...m.counts.flatMap(u16), ...m.body]);
}
const QUESTION_AT = 0xc00c; // a pointer to the question's name (offset 12)
const question = (q: string, type: number, cls = 1): number[] => [...name(q), ...u16(type), ...u16(cls)];
const framed = (msg: Uint8Array): Uint8Array => Uint8Array.of(msg.length >> 8, msg.length & 0xff, ...msg);

/** A parser context over a fake flow, collecting what the parser emits and counts. */
function context(proto: "udp" | "tcp", dst = S) {
  const records: ProtocolRecord[] = [];
  const malformed: string[] = [];
  const flow = { uid: 7, proto, src: C, srcPort: 3000, dst, dstPort: 53 } as Flow<unknown>;
  const ctx: ParserContext = {
    flow,
    emit: (r) => records.push(r),
    malformed: (m) => malformed.push(m),
    handOver: () => false,
  };
  return { ctx, records: records as DnsRecord[], malformed };
}

/** Packets through the flow table, the analyzer and the log writer: dns.log and weird.log rows. */
function logs(packets: Packet[]): { dns: LogRow[]; weird: LogRow[]; conn: LogRow[] } {
  const { rows } = logRows(packets);
  return { dns: rows.dns ?? [], weird: rows.weird ?? [], conn: rows.conn ?? [] };
}

describe("DNS wire format", () => {
  test("names with compression; loops, forward and out-of-range pointers, long labels and names are refused", () => {
    // "www.example.com" at 12, then "mail" + pointer to "example.com" (offset 16).
    const msg = Uint8Array.from([
      ...new Array(12).fill(0),
      ...name("www.example.com"),
      4,
      ...Buffer.from("mail"),
      0xc0,
      16,
    ]);
    assert.deepEqual(readDnsName(msg, 29), { name: "mail.example.com", end: 36 });
    const self = Uint8Array.from([...new Array(12).fill(0), 0xc0, 12]);
    assert.equal(readDnsName(self, 12), "compression loop");
    const forward = Uint8Array.from([...new Array(12).fill(0), 0xc0, 14, 3, 0x61, 0x62, 0x63, 0]);
    assert.equal(readDnsName(forward, 12), "compression pointer forward");
    const outOfRange = Uint8Array.from([...new Array(12).fill(0), 0xff, 0xff]);
    assert.equal(readDnsName(outOfRange, 12), "compression pointer forward");
    // A backward pointer to a pointer that points forward again (to itself's target) is refused too.
    const chain = Uint8Array.from([...new Array(12).fill(0), 0xc0, 14, 0xc0, 12]);
    assert.equal(readDnsName(chain, 14), "compression pointer forward");
    const label64 = Uint8Array.from([...new Array(12).fill(0), 64, ...new Array(64).fill(0x61), 0]);
    assert.equal(readDnsName(label64, 12), "label too long");
    const label63 = Uint8Array.from([...new Array(12).fill(0), 63, ...new Array(63).fill(0x61), 0]);
    assert.equal((readDnsName(label63, 12) as { name: string }).name.length, 63);
    // Four labels of 63: 255 characters with dots is the most; a fifth label makes it too long.
    const long = (n: number) =>
      Uint8Array.from([...new Array(12).fill(0), ...name(new Array(n).fill("a".repeat(63)).join("."))]);
    assert.equal((readDnsName(long(4), 12) as { name: string }).name.length, 255);
    assert.equal(readDnsName(long(5), 12), "name too long");
    assert.equal(readDnsName(long(4).subarray(0, 100), 12), "name past the end");
  });

  test("the question of a query; truncated or malformed messages are refused with a reason", () => {
    const q = dnsMessage(1, "a.example", 16);
    assert.deepEqual(parseDnsQuestion(q), { name: "a.example", type: 16 });
    assert.equal(parseDnsQuestion(q.subarray(0, 14)), undefined);
    assert.equal(readDnsQuestion(q.subarray(0, 14)), "message too short");
    assert.equal(readDnsQuestion(new Uint8Array(30).fill(0xff)), "compression pointer forward");
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
});

describe("DNS lines as Zeek writes them", () => {
  test("a query and its response are one line: flags, names, rcode, rtt, answers and TTLs", () => {
    const { ctx, records, malformed } = context("udp");
    const p = dnsParser.create(ctx);
    p.data(
      "orig",
      build({
        id: 0x1234,
        flags: 0x0100 | (2 << 4),
        counts: [1, 0, 0, 0],
        body: question("WWW.Example.COM", 1),
      }),
      5,
    );
    assert.equal(records.length, 0, "waits for its response");
    const answers = [
      ...rr(u16(QUESTION_AT), 5, 60, name("Web.Example.net")),
      ...rr(name("web.example.net"), 1, 30, [192, 0, 2, 7]),
      ...rr(name("web.example.net"), 28, 30, [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1]),
      ...rr(name("example.com"), 15, 300, [...u16(10), ...name("mx.example.com")]),
      ...rr(name("example.com"), 16, 300, [3, 0x61, 0x62, 0x63, 2, 0x64, 0x65]),
      ...rr(name("example.com"), 46, 300, [...u16(1), 8, 2, ...u32(0), ...u32(0), ...u32(0), ...u16(0), 0]),
      ...rr(name("example.com"), 99, 300, [0]),
      ...rr(name("example.com"), 999, 5, [1, 2]),
    ];
    p.data(
      "resp",
      build({
        id: 0x1234,
        flags: 0x8000 | 0x0400 | 0x0100 | 0x0080,
        counts: [1, 8, 0, 0],
        body: [...question("WWW.Example.COM", 1), ...answers],
      }),
      5.25,
    );
    assert.deepEqual(malformed, []);
    assert.equal(records.length, 1);
    const r = records[0];
    assert.deepEqual(
      [r.ts, r.trans_id, r.query, r.qclass, r.qclass_name, r.qtype, r.qtype_name, r.rcode, r.rcode_name],
      [5, 0x1234, "www.example.com", 1, "C_INTERNET", 1, "A", 0, "NOERROR"],
    );
    assert.deepEqual(
      [r.AA, r.TC, r.RD, r.RA, r.Z, r.rejected, r.opcode, r.opcode_name],
      [true, false, true, true, 2, false, 0, "query"],
    );
    assert.equal(r.rtt, 0.25);
    assert.deepEqual(r.answers, [
      "web.example.net",
      "192.0.2.7",
      "2001:db8::1",
      "mx.example.com",
      "TXT 3 abc TXT 2 de",
      "RRSIG 1 <Root>",
      "SPF 0 ",
      "<unknown type=999>",
    ]);
    assert.deepEqual(r.TTLs, [60, 30, 30, 300, 300, 300, 300, 5]);
  });

  test("two outstanding queries are paired by transaction id, whatever order the responses come in", () => {
    const { ctx, records } = context("udp");
    const p = dnsParser.create(ctx);
    p.data("orig", dnsMessage(1, "one.example", 1), 1);
    p.data("orig", dnsMessage(2, "two.example", 1), 1.25);
    p.data("resp", dnsMessage(2, "two.example", 1, ["192.0.2.2"]), 1.5);
    p.data("resp", dnsMessage(1, "one.example", 1, ["192.0.2.1"]), 2);
    assert.deepEqual(
      records.map((r) => [r.trans_id, r.query, r.answers, r.rtt, r.ts]),
      [
        [2, "two.example", ["192.0.2.2"], 0.25, 1.25],
        [1, "one.example", ["192.0.2.1"], 1, 1],
      ],
    );
  });

  test("a response without a query, a query without a response, a duplicate response: each its own line at the end", () => {
    const { ctx, records } = context("udp");
    const p = dnsParser.create(ctx);
    p.data("resp", dnsMessage(9, "lonely.example", 1, ["192.0.2.9"]), 1);
    p.data("orig", dnsMessage(3, "unanswered.example", 28), 2);
    p.data("orig", dnsMessage(4, "twice.example", 1), 3);
    p.data("resp", dnsMessage(4, "twice.example", 1, ["192.0.2.4"]), 3.5);
    p.data("resp", dnsMessage(4, "twice.example", 1, ["192.0.2.4"]), 3.6);
    assert.deepEqual(
      records.map((r) => r.query),
      ["twice.example"],
    );
    p.end(10);
    const line = (r: DnsRecord) => [r.trans_id, r.query, r.qtype, r.rcode, r.rtt, r.answers];
    assert.deepEqual(records.map(line), [
      [4, "twice.example", 1, 0, 0.5, ["192.0.2.4"]],
      [3, "unanswered.example", 28, undefined, undefined, undefined],
      [9, "lonely.example", undefined, 0, undefined, ["192.0.2.9"]],
      [4, "twice.example", undefined, 0, undefined, ["192.0.2.4"]],
    ]);
  });

  test("a response with no records is rejected; a refused one without a question too", () => {
    const { ctx, records } = context("udp");
    const p = dnsParser.create(ctx);
    p.data("orig", dnsMessage(5, "x.example", 1), 1);
    p.data(
      "resp",
      build({ id: 5, flags: 0x8005, counts: [1, 0, 0, 0], body: question("x.example", 1) }),
      1.1,
    );
    p.data("orig", dnsMessage(6, "y.example", 1), 2);
    p.data(
      "resp",
      build({
        id: 6,
        flags: 0x8000,
        counts: [1, 0, 1, 0],
        body: [
          ...question("y.example", 1),
          ...rr(name("example"), 6, 60, [
            ...name("ns.example"),
            ...name("h.example"),
            ...new Array(20).fill(0),
          ]),
        ],
      }),
      2.1,
    );
    assert.deepEqual(
      records.map((r) => [r.trans_id, r.rcode_name, r.rejected, r.answers, r.rtt]),
      [
        [5, "REFUSED", true, undefined, undefined],
        [6, "NOERROR", false, undefined, undefined], // an authority SOA: not an answer, no rtt
      ],
    );
  });

  test("a truncated record ends the answers, those before it are kept, and it is counted", () => {
    const { ctx, records, malformed } = context("udp");
    const p = dnsParser.create(ctx);
    p.data("orig", dnsMessage(7, "t.example", 1), 1);
    const body = [
      ...question("t.example", 1),
      ...rr(u16(QUESTION_AT), 1, 60, [192, 0, 2, 1]),
      ...rr(u16(QUESTION_AT), 1, 60, [192, 0, 2, 2]),
    ];
    p.data(
      "resp",
      build({ id: 7, flags: 0x8000, counts: [1, 3, 0, 0], body: body.slice(0, body.length - 2) }),
      1.1,
    );
    assert.deepEqual(malformed, ["record data past the end"]);
    assert.deepEqual(
      records.map((r) => r.answers),
      [["192.0.2.1"]],
    );
  });

  test("multicast (mDNS): messages are not paired, each is its own line", () => {
    const { ctx, records } = context("udp", "224.0.0.251");
    const p = dnsParser.create(ctx);
    p.data("orig", dnsMessage(0, "printer.local", 1), 1);
    p.data(
      "orig",
      build({
        id: 0,
        flags: 0x8400,
        counts: [0, 1, 0, 0],
        body: rr(name("other.local"), 1, 120, [192, 168, 0, 9]),
      }),
      1.1,
    );
    assert.deepEqual(
      records.map((r) => [r.query, r.qtype, r.rcode, r.answers]),
      [
        ["printer.local", 1, undefined, undefined],
        ["other.local", undefined, 0, ["192.168.0.9"]],
      ],
    );
  });

  test("a dynamic update: prerequisites and updates as Zeek writes them, no question fields", () => {
    const { ctx, records } = context("udp");
    const p = dnsParser.create(ctx);
    const body = [
      ...question("Example.ORG", 6),
      ...rr(name("Host.Example.org"), 5, 0, [], 254),
      ...rr(name("host.example.org"), 28, 0, [], 255),
      ...rr(name("host.example.org"), 1, 1200, [192, 0, 2, 5]),
    ];
    p.data("orig", build({ id: 8, flags: 5 << 11, counts: [1, 1, 2, 0], body }), 1);
    p.data("resp", build({ id: 8, flags: 0x8000 | (5 << 11), counts: [1, 1, 2, 0], body }), 1.5);
    const [r] = records;
    assert.deepEqual(
      [r.query, r.qtype, r.opcode, r.opcode_name, r.rtt],
      ["host.example.org", undefined, 5, "dynamic-update", 0.5],
    );
    assert.deepEqual(r.answers, [
      "pre: NoRRSet CNAME host.example.org",
      "del: RRSet AAAA",
      "add: A host.example.org 192.0.2.5",
    ]);
    assert.deepEqual(r.TTLs, [0, 0, 1200]);
  });

  test("bounded: waiting messages past DNS_MAX_PENDING_IDS ids are logged unpaired; answers per line are capped", () => {
    const { ctx, records } = context("udp");
    const p = dnsParser.create(ctx);
    for (let id = 0; id < DNS_MAX_PENDING_IDS + 3; id++) p.data("orig", dnsMessage(id, "q.example", 1), 1);
    assert.ok(records.length > 0 && records.length <= DNS_MAX_PENDING_IDS + 1, `${records.length} flushed`);
    const many: number[] = [];
    for (let k = 0; k < DNS_MAX_ANSWERS + 10; k++)
      many.push(...rr(u16(QUESTION_AT), 1, 1, [10, 0, k >> 8, k & 0xff]));
    p.data(
      "resp",
      build({
        id: 60_000,
        flags: 0x8000,
        counts: [1, DNS_MAX_ANSWERS + 10, 0, 0],
        body: [...question("big.example", 1), ...many],
      }),
      2,
    );
    p.end(3);
    const big = records.find((r) => r.query === "big.example");
    assert.equal(big?.answers?.length, DNS_MAX_ANSWERS);
  });

  test("hostile bytes never throw: random and bit-flipped messages are counted, not fatal", () => {
    const { ctx, malformed } = context("udp");
    const p = dnsParser.create(ctx);
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const base = dnsMessage(1, "www.example.com", 1, ["192.0.2.1", "192.0.2.2"]);
    for (let i = 0; i < 3000; i++) {
      const m =
        i % 2
          ? base.slice()
          : Uint8Array.from({ length: Math.floor(rnd() * 80) }, () => Math.floor(rnd() * 256));
      if (i % 2) for (let k = 0; k < 3; k++) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
      p.data(rnd() < 0.5 ? "orig" : "resp", m, i);
    }
    p.end(4000);
    assert.ok(malformed.length > 100);
  });
});

describe("DNS over TCP", () => {
  test("length-prefixed messages split across and packed into segments, both directions", () => {
    const { ctx, records, malformed } = context("tcp");
    const p = dnsParser.create(ctx);
    const one = framed(dnsMessage(1, "one.example", 1));
    const two = framed(dnsMessage(2, "two.example", 1));
    p.data("orig", one.subarray(0, 1), 1); // half the length prefix
    p.data("orig", one.subarray(1, 9), 1.1);
    p.data("orig", Uint8Array.of(...one.subarray(9), ...two), 1.2);
    const answer = framed(dnsMessage(2, "two.example", 1, ["192.0.2.2"]));
    p.data("resp", answer.subarray(0, 20), 1.3);
    p.data("resp", answer.subarray(20), 1.4);
    p.data("orig", framed(dnsMessage(3, "three.example", 1)).subarray(0, 10), 1.5);
    p.end(2);
    assert.deepEqual(
      records.map((r) => [r.trans_id, r.query, r.ts, r.answers]),
      [
        [2, "two.example", 1.2, ["192.0.2.2"]],
        [1, "one.example", 1.2, undefined],
      ],
    );
    assert.deepEqual(malformed, ["message cut at the end"]);
  });

  test("the largest message (65,535 bytes, the most a direction holds) sent slowly; a gap ends the direction", () => {
    const { ctx, records, malformed } = context("tcp");
    const p = dnsParser.create(ctx);
    assert.equal(DNS_MAX_TCP_BUFFER, 65_537);
    p.data("orig", Uint8Array.of(0xff, 0xff), 1);
    for (let i = 0; i < 65; i++) p.data("orig", new Uint8Array(1000), 1 + i / 100);
    assert.deepEqual(malformed, [], "incomplete: held");
    p.data("orig", new Uint8Array(535), 2);
    assert.equal(records.length, 0);
    p.data("orig", framed(dnsMessage(5, "cut.example", 1)).subarray(0, 12), 2.5);
    p.gap("orig", 100);
    assert.deepEqual(malformed, ["gap in the stream"]);
    p.data("orig", framed(dnsMessage(4, "after.example", 1)), 3);
    p.end(4);
    // The all-zero message has a header (id 0, no question): a line without a query, as Zeek's.
    assert.deepEqual(
      records.map((r) => [r.trans_id, r.query]),
      [[0, undefined]],
    );
  });

  test("a message a byte at a time (the length prefix split too) is read once, in linear time", () => {
    const { ctx, records, malformed } = context("tcp");
    const p = dnsParser.create(ctx);
    const big: number[] = [];
    for (let k = 0; k < 4000; k++) big.push(...rr(u16(QUESTION_AT), 1, 1, [10, 0, k >> 8, k & 0xff]));
    const answer = framed(
      build({ id: 3, flags: 0x8000, counts: [1, 4000, 0, 0], body: [...question("big.example", 1), ...big] }),
    );
    assert.ok(answer.length > 60_000 && answer.length <= DNS_MAX_TCP_BUFFER);
    const started = performance.now();
    for (let i = 0; i < answer.length; i++) p.data("resp", answer.subarray(i, i + 1), 1);
    assert.ok(performance.now() - started < 2000, "linear, not quadratic");
    p.end(2);
    assert.deepEqual(malformed, []);
    assert.equal(records.length, 1);
    assert.equal(records[0].answers?.length, DNS_MAX_ANSWERS);
    assert.equal(records[0].answers?.[0], "10.0.0.0");
  });

  test("through packets and the flow table: found by the probe on a non-DNS port, one segment holds two messages", () => {
    const q1 = framed(dnsMessage(0x0a0a, "alpha.example", 1));
    const q2 = framed(dnsMessage(0x0b0b, "beta.example", 16));
    const a2 = framed(dnsMessage(0x0b0b, "beta.example", 16, ["hello"]));
    const a1 = framed(dnsMessage(0x0a0a, "alpha.example", 1, ["198.51.100.1"]));
    const both = Uint8Array.of(...a2, ...a1);
    const { dns, conn, weird } = logs([
      tcpText(1, C, 40000, S, 5300, DATA, Uint8Array.of(...q1, ...q2.subarray(0, 5))),
      tcpText(1.01, C, 40000, S, 5300, DATA, q2.subarray(5)),
      tcpText(1.2, S, 5300, C, 40000, DATA, both.subarray(0, 30)),
      tcpText(1.21, S, 5300, C, 40000, DATA, both.subarray(30)),
    ]);
    assert.deepEqual(weird, []);
    assert.equal(conn[0].service, "dns");
    assert.deepEqual(
      dns.map((r) => [r.proto, r["id.resp_p"], r.trans_id, r.query, r.qtype_name, r.answers]),
      [
        ["tcp", 5300, 0x0b0b, "beta.example", "TXT", ["TXT 5 hello"]],
        ["tcp", 5300, 0x0a0a, "alpha.example", "A", ["198.51.100.1"]],
      ],
    );
  });

  test("the probe: DNS on any port by its look, not every datagram; on port 53 a parsing question is enough", () => {
    const q = dnsMessage(1, "a.example", 1);
    const off = { transport: "udp", onPort: false } as const;
    assert.equal(dnsParser.probe(q, "orig", off), true);
    assert.equal(dnsParser.probe(Buffer.from("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), "orig", off), false);
    assert.equal(dnsParser.probe(new Uint8Array(40), "orig", off), false);
    assert.equal(dnsParser.probe(framed(q), "orig", { transport: "tcp", onPort: false }), true);
    assert.equal(
      dnsParser.probe(framed(q).subarray(0, 20), "orig", { transport: "tcp", onPort: false }),
      true,
      "split first message",
    );
  });
});

describe("the simulator's DNS messages read back", () => {
  test("queries and answers of the encoder (A and TXT, as the simulator sends them) come back in dns.log", () => {
    const txt = "v=spf1 ip4:192.0.2.1 -all";
    const { dns, weird } = logs([
      udp(1, C, 33000, S, 53, dnsMessage(77, "www.site1.example", DNS_TYPE.A)),
      udp(
        1.02,
        S,
        53,
        C,
        33000,
        dnsMessage(77, "www.site1.example", DNS_TYPE.A, ["203.0.113.5", "203.0.113.6"], 3600),
      ),
      udp(2, C, 33001, S, 53, dnsMessage(78, "site1.example", DNS_TYPE.TXT)),
      udp(2.01, S, 53, C, 33001, dnsMessage(78, "site1.example", DNS_TYPE.TXT, [txt])),
    ]);
    assert.deepEqual(weird, []);
    assert.deepEqual(
      dns.map((r) => [r.trans_id, r.query, r.qtype, r.RD, r.RA, r.rcode_name, r.answers, r.TTLs]),
      [
        [77, "www.site1.example", 1, true, true, "NOERROR", ["203.0.113.5", "203.0.113.6"], [3600, 3600]],
        [78, "site1.example", 16, true, true, "NOERROR", [`TXT ${txt.length} ${txt}`], [300]],
      ],
    );
  });
});

describe("NetBIOS name service (UDP 137)", () => {
  test("the query's name is decoded as Zeek decodes it, and type 33 is NBSTAT", () => {
    const encode = (n: string): string =>
      [...n.padEnd(15, " ").concat("\x00")]
        .map((c) => String.fromCharCode(0x41 + (c.charCodeAt(0) >> 4), 0x41 + (c.charCodeAt(0) & 15)))
        .join("");
    assert.equal(decodeNetbiosName(encode("WORKGROUP").toLowerCase()), "WORKGROUP");
    assert.equal(decodeNetbiosName("not-an-encoding"), "");
    const { dns } = logs([
      udp(
        1,
        C,
        137,
        "10.0.1.255",
        137,
        build({ id: 1, flags: 0x0110, counts: [1, 0, 0, 0], body: question(encode("FILESRV"), 33) }),
      ),
    ]);
    assert.deepEqual(
      dns.map((r) => [r.query, r.qtype, r.qtype_name]),
      [["FILESRV", 33, "NBSTAT"]],
    );
  });
});
