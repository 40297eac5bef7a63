import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { OptionError } from "../core/errors";
import { FlowTable } from "../flows/flowTable";
import { TCP_ACK, TCP_PSH, type Packet } from "../packets/packet";
import { dnsMessage } from "./dns/dnsEncode";
import { tcpText, udp } from "../testing/packets";
import { type FlowProtocolState, ProtocolAnalyzer } from "./analyzer";
import { type DnsRecord, dnsParser } from "./dns/dnsParser";
import { httpParser } from "./http/httpParser";
import type { ParserInstance, ProtocolParser, ProtocolRecord } from "./parser";
import { defaultRegistry, ParserRegistry } from "./registry";

const A = "10.0.1.5";
const B = "10.0.0.10";
const DATA = TCP_ACK | TCP_PSH;
const bytes = (text: string): Uint8Array => Buffer.from(text, "latin1");
const latin1 = (b: Uint8Array): string => Buffer.from(b).toString("latin1");

/** A minimal parser (a banner "SSH-2.0-..." from either side), the base of the broken one below. */
const sshStandIn: ProtocolParser = {
  name: "ssh",
  transports: ["tcp"],
  ports: [22],
  probe: (first) => latin1(first.subarray(0, 4)) === "SSH-",
  create: (ctx): ParserInstance => ({
    done: true,
    data: (_dir, b, ts) =>
      ctx.emit({ protocol: "ssh", uid: ctx.flow.uid, ts, banner: latin1(b).trim() } as ProtocolRecord),
    gap: () => {},
    end: () => {},
  }),
};

/** Packets through a flow table with the protocol layer; the records and the analyzer back. */
function analyse(packets: Packet[], registry = defaultRegistry(), probePackets?: number) {
  const records: ProtocolRecord[] = [];
  const analyzer = new ProtocolAnalyzer((r) => records.push(r), { registry, probePackets });
  const table = new FlowTable<FlowProtocolState>({}, analyzer);
  const conns: { uid: number; service: string }[] = [];
  for (const p of packets) table.add(p, (c) => conns.push(c));
  table.flush((c) => conns.push(c));
  return { records, analyzer, services: conns.sort((a, b) => a.uid - b.uid).map((c) => c.service) };
}

describe("ParserRegistry", () => {
  test("by port first, then by content", () => {
    const r = defaultRegistry();
    assert.deepEqual(r.names, ["dns", "http", "ftp", "ssh", "smtp", "ssl"]);
    const get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    assert.equal(r.choose("tcp", 80, bytes(get), "orig")?.name, "http");
    assert.equal(r.choose("tcp", 8080, bytes(get), "orig")?.name, "http", "HTTP's other ports");
    assert.equal(r.choose("tcp", 31337, bytes(get), "orig")?.name, "http", "by content anywhere");
    assert.equal(r.choose("udp", 53, dnsMessage(1, "a.example", 1), "orig")?.name, "dns");
    assert.equal(
      r.choose("udp", 5300, dnsMessage(1, "a.example", 1), "orig")?.name,
      "dns",
      "DNS off port 53",
    );
    const framed = new Uint8Array([0, 0, ...dnsMessage(1, "a.example", 1)]);
    framed[1] = framed.length - 2;
    assert.equal(r.choose("tcp", 53, framed, "orig")?.name, "dns", "DNS over TCP");
    assert.equal(r.choose("tcp", 21, bytes("220 (vsFTPd 3.0.3)\r\n"), "resp")?.name, "ftp");
    assert.equal(r.choose("tcp", 21, bytes("220 Service ready\r\n"), "resp")?.name, "ftp", "on 21 any reply");
    assert.equal(r.choose("tcp", 2121, bytes("220 ProFTPD Server ready\r\n"), "resp")?.name, "ftp");
    assert.equal(r.choose("tcp", 2121, bytes("USER alice\r\n"), "orig")?.name, "ftp");
    // An SMTP greeting is a 220 too, but it does not say FTP: off port 21 it is not FTP.
    assert.equal(r.choose("tcp", 25, bytes("220 mail.example ESMTP Postfix\r\n"), "resp")?.name, "smtp");
    assert.equal(r.choose("udp", 9999, new Uint8Array(64).fill(0x41), "orig"), undefined);
  });

  test("a registered parser is found by content on another protocol's port (SSH on port 80)", () => {
    const r = defaultRegistry();
    assert.equal(r.choose("tcp", 80, bytes("SSH-2.0-OpenSSH_9.2\r\n"), "resp")?.name, "ssh");
    assert.equal(r.choose("tcp", 22, bytes("GET / HTTP/1.1\r\n\r\n"), "orig")?.name, "http");
    assert.throws(
      () => r.register(dnsParser),
      (e: Error) => e instanceof OptionError && /"dns" is registered/.test(e.message),
    );
    assert.deepEqual(new ParserRegistry().onPort("tcp", 80), []);
  });
});

describe("ProtocolAnalyzer", () => {
  test("an error of the record consumer is not a parser error: it reaches the caller", () => {
    const analyzer = new ProtocolAnalyzer(() => {
      throw new Error("sink full");
    });
    const table = new FlowTable<FlowProtocolState>({}, analyzer);
    assert.throws(() => {
      table.add(tcpText(1, A, 40001, B, 80, DATA, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"), () => {});
      table.flush(() => {});
    }, /sink full/);
    assert.deepEqual(analyzer.stats.malformed, {});
  });

  test("a parser that throws is counted and dropped for its flow; the packet path goes on", () => {
    const broken: ProtocolParser = {
      ...sshStandIn,
      name: "broken",
      create: () => ({
        done: false,
        data: () => {
          throw new Error("index out of range");
        },
        gap: () => {},
        end: () => {},
      }),
    };
    const { records, analyzer, services } = analyse(
      [
        tcpText(1, A, 40000, B, 22, DATA, "SSH-2.0-x\r\n"),
        tcpText(1.1, A, 40000, B, 22, DATA, "SSH-2.0-x\r\n"),
        tcpText(2, A, 40001, B, 80, DATA, "GET / HTTP/1.1\r\n\r\n"),
      ],
      new ParserRegistry().register(broken).register(httpParser),
    );
    assert.deepEqual(analyzer.stats.malformed, { "broken: parser error": 1 });
    assert.equal(analyzer.stats.lastError, "index out of range");
    assert.deepEqual(services, ["broken", "http"]);
    assert.deepEqual(
      records.map((r) => r.protocol),
      ["http"],
    );
  });

  test("names the flow's service, emits records with its uid, gives up on unknown flows after probePackets", () => {
    const { records, analyzer, services } = analyse(
      [
        tcpText(1, A, 40000, B, 80, DATA, "SSH-2.0-OpenSSH_9.2\r\n"),
        tcpText(1.1, B, 80, A, 40000, DATA, "SSH-2.0-OpenSSH_9.6\r\n"), // both banners: SSH confirmed
        udp(1.5, A, 33000, B, 53, dnsMessage(9, "www.example", 28)),
        tcpText(2, A, 40001, B, 9000, DATA, "hello"),
        tcpText(2.1, A, 40001, B, 9000, DATA, "hello"),
        tcpText(2.2, A, 40001, B, 9000, DATA, "GET / HTTP/1.1\r\n\r\n"), // past probePackets: not read
      ],
      defaultRegistry(),
      2,
    );
    assert.deepEqual(services, ["ssh", "dns", ""]);
    // Both records are written when their flows end (the query was never answered), oldest flow first.
    assert.deepEqual(
      records.map((r) => [r.protocol, r.uid]),
      [
        ["ssh", 0],
        ["dns", 1],
      ],
    );
    assert.deepEqual(analyzer.stats.flows, { ssh: 1, dns: 1 });
    assert.equal(analyzer.stats.unidentified, 1);
    assert.deepEqual(analyzer.stats.records, { ssh: 1, dns: 1 });
    assert.throws(() => new ProtocolAnalyzer(() => {}, { probePackets: 0 }), OptionError);
  });

  test("malformed input is counted by protocol and reason, and parsing goes on", () => {
    const good = dnsMessage(1, "ok.example", 1);
    const longLabel = dnsMessage(2, "ok.example", 1);
    longLabel[12] = 64; // a label length over 63
    const short = good.subarray(0, 14);
    const { records, analyzer } = analyse([
      udp(1, A, 33000, B, 53, good),
      udp(1.1, A, 33000, B, 53, longLabel),
      udp(1.2, A, 33000, B, 53, short),
      udp(1.3, A, 33000, B, 53, short),
      udp(1.4, A, 33000, B, 53, good),
      tcpText(2, A, 40000, B, 80, DATA, "GET / HTTP/1.1\r\n\r\n"),
      tcpText(2.1, A, 40000, B, 80, DATA, "\x00\x01 GET /index.html\r\n\r\n"), // no method token
      tcpText(2.2, A, 40000, B, 80, DATA, "GET /ignored HTTP/1.1\r\n\r\n"), // HTTP analysis ended
    ]);
    assert.deepEqual(analyzer.stats.malformed, {
      "dns: label too long": 1,
      "dns: name past the end": 2,
      "http: bad request": 1,
    });
    // DNS logs a line per message whose header parses, as Zeek does; the queries never answered and
    // the request never answered are written when their flows end (the DNS flow began first).
    assert.deepEqual(
      records.map((r) => r.protocol),
      ["dns", "dns", "dns", "dns", "dns", "http"],
    );
    assert.deepEqual(
      records.filter((r) => r.protocol === "dns").map((r) => (r as DnsRecord).query),
      ["ok.example", undefined, undefined, undefined, "ok.example"],
    );
  });
});
