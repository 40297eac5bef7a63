import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from "../packets/packet";
import { icmp, tcp, tcpText, udp } from "../testing/packets";
import { dnsMessage } from "../simulate/sessions";
import { nextEndpointState, tcpState } from "../flows/tcpState";
import type { DnsRecord } from "../protocols/dns/dnsParser";
import type { HttpRecord } from "../protocols/http/httpParser";
import type { ProtocolRecord } from "../protocols/parser";
import {
  type AssemblerOptions,
  ConnectionAssembler,
  type ConnectionRecord,
  KDD_CONTENT_PACKETS,
} from "./connections";

const A = "10.0.1.5";
const B = "10.0.0.10";
const SYN = TCP_SYN;
const SA = TCP_SYN | TCP_ACK;
const ACK = TCP_ACK;
const FA = TCP_FIN | TCP_ACK;
const RA = TCP_RST | TCP_ACK;

/** Runs packets through a fresh assembler and returns the records, flushed at the end. */
function assemble(
  packets: ReturnType<typeof tcp>[],
  flush = true,
  protocols: ProtocolRecord[] = [],
): ConnectionRecord[] {
  const a = new ConnectionAssembler({ onProtocolRecord: (r) => protocols.push(r) });
  const out: ConnectionRecord[] = [];
  for (const p of packets) a.add(p, (r) => out.push(r));
  if (flush) a.flush((r) => out.push(r));
  return out;
}

describe("TCP connection states (Zeek) and KDD flags", () => {
  test("handshake, data both ways, FIN both ways: SF with byte counts and duration", () => {
    const [r] = assemble([
      tcp(100.0, A, 40000, B, 80, SYN),
      tcp(100.01, B, 80, A, 40000, SA),
      tcp(100.02, A, 40000, B, 80, ACK),
      tcp(100.03, A, 40000, B, 80, ACK | TCP_PSH, 120),
      tcp(100.04, B, 80, A, 40000, ACK | TCP_PSH, 1460),
      tcp(100.05, B, 80, A, 40000, ACK | TCP_PSH, 540),
      tcp(100.06, A, 40000, B, 80, FA),
      tcp(100.07, B, 80, A, 40000, FA),
      tcp(100.08, A, 40000, B, 80, ACK),
    ]);
    assert.equal(r.state, "SF");
    assert.equal(r.features.flag, "SF");
    assert.equal(r.features.src_bytes, 120);
    assert.equal(r.features.dst_bytes, 2000);
    assert.equal(r.features.service, "http");
    assert.equal(r.features.protocol_type, "tcp");
    // Zeek's duration ends at the packet that closed both sides (the second FIN), not the last ACK.
    assert.ok(Math.abs(Number(r.features.duration) - 0.07) < 1e-9);
    assert.deepEqual([r.src, r.srcPort, r.dst, r.dstPort], [A, 40000, B, 80]);
    assert.equal(r.history, "ShADdFf");
    assert.deepEqual([r.origPackets, r.respPackets, r.closedBy], [5, 4, "fin"]);
  });

  test("refused (SYN, RST-ACK): REJ", () => {
    const [r] = assemble([tcp(1, A, 40001, B, 23, SYN), tcp(1.001, B, 23, A, 40001, RA)]);
    assert.deepEqual(
      [r.state, r.features.flag, r.features.service, r.closedBy],
      ["REJ", "REJ", "telnet", "rst"],
    );
  });

  test("half-open (a SYN nobody answers) times out as S0; SYN then FIN is SH; SYN then RST is RSTOS0", () => {
    const a = new ConnectionAssembler({ tcpAttemptSeconds: 5 });
    const out: ConnectionRecord[] = [];
    a.add(tcp(10, A, 40002, B, 80, SYN), (r) => out.push(r));
    a.add(tcp(14, A, 40003, B, 81, SYN), (r) => out.push(r));
    assert.equal(out.length, 0, "still waiting at 14 s");
    a.add(udp(15.5, A, 5000, B, 5000), (r) => out.push(r)); // time passes
    assert.equal(out.length, 1);
    assert.deepEqual(
      [out[0].state, out[0].features.flag, out[0].closedBy, out[0].dstPort],
      ["S0", "S0", "timeout", 80],
    );
    const [sh] = assemble([tcp(1, A, 40004, B, 80, SYN), tcp(1.1, A, 40004, B, 80, FA)]);
    assert.equal(sh.state, "SH");
    const [rstos0] = assemble([tcp(1, A, 40005, B, 80, SYN), tcp(1.1, A, 40005, B, 80, RA)]);
    assert.equal(rstos0.state, "RSTOS0");
  });

  test("SYN answered by SYN-ACK and nothing more is OTH (Zeek), as in a flood the victim answers", () => {
    const [r] = assemble([tcp(1, A, 40006, B, 80, SYN), tcp(1.01, B, 80, A, 40006, SA)]);
    assert.deepEqual([r.state, r.features.flag], ["OTH", "OTH"]);
  });

  test("resets after establishment: RSTO (originator), RSTR (responder); a scan's SYN, SYN-ACK, RST is RSTO", () => {
    const est = (port: number) => [
      tcp(1, A, port, B, 80, SYN),
      tcp(1.01, B, 80, A, port, SA),
      tcp(1.02, A, port, B, 80, ACK),
    ];
    assert.equal(assemble([...est(40010), tcp(2, A, 40010, B, 80, RA)])[0].state, "RSTO");
    assert.equal(assemble([...est(40011), tcp(2, B, 80, A, 40011, RA)])[0].state, "RSTR");
    const [scan] = assemble([
      tcp(1, A, 40012, B, 22, SYN),
      tcp(1.01, B, 22, A, 40012, SA),
      tcp(1.02, A, 40012, B, 22, TCP_RST),
    ]);
    assert.equal(scan.state, "RSTO");
  });

  test("established and idle: S1 on timeout; close by one side only: S2 / S3", () => {
    const a = new ConnectionAssembler({ tcpIdleSeconds: 30 });
    const out: ConnectionRecord[] = [];
    for (const p of [
      tcp(1, A, 40020, B, 22, SYN),
      tcp(1.01, B, 22, A, 40020, SA),
      tcp(1.02, A, 40020, B, 22, ACK),
    ]) {
      a.add(p, (r) => out.push(r));
    }
    a.add(udp(20, A, 5000, B, 5000), (r) => out.push(r));
    assert.equal(out.length, 0, "an idle established connection is kept until its timeout");
    a.add(udp(32, A, 5000, B, 5000), (r) => out.push(r));
    const ssh = out.find((r) => r.protocol === "tcp") as ConnectionRecord;
    assert.deepEqual([ssh.state, ssh.closedBy, ssh.history], ["S1", "timeout", "ShA"]);
    const est = (port: number) => [
      tcp(1, A, port, B, 80, SYN),
      tcp(1.01, B, 80, A, port, SA),
      tcp(1.02, A, port, B, 80, ACK),
    ];
    assert.equal(assemble([...est(40021), tcp(2, A, 40021, B, 80, FA)])[0].state, "S2");
    assert.equal(assemble([...est(40022), tcp(2, B, 80, A, 40022, FA)])[0].state, "S3");
  });

  test("mid-stream traffic without a SYN is OTH; a SYN-ACK first makes its receiver the originator", () => {
    assert.equal(
      assemble([tcp(1, A, 40030, B, 80, ACK, 100), tcp(1.1, B, 80, A, 40030, ACK, 100)])[0].state,
      "OTH",
    );
    const [flipped] = assemble([tcp(1, B, 80, A, 40031, SA), tcp(1.01, A, 40031, B, 80, ACK)]);
    assert.deepEqual([flipped.src, flipped.dst, flipped.dstPort], [A, B, 80]);
  });

  test("tcpState and nextEndpointState follow Zeek's tables", () => {
    assert.equal(tcpState("SYN_SENT", "INACTIVE", "S"), "S0");
    assert.equal(tcpState("ESTABLISHED", "ESTABLISHED", "ShAD"), "S1");
    assert.equal(tcpState("SYN_SENT", "RESET", "Sr"), "REJ");
    assert.equal(tcpState("INACTIVE", "RESET", "r"), "RSTRH"); // a lone RST from the responder
    assert.equal(tcpState("PARTIAL", "RESET", "Dr"), "RSTRH");
    assert.equal(tcpState("INACTIVE", "CLOSED", "hf"), "SHR");
    assert.equal(nextEndpointState("SYN_SENT", "SYN_ACK_SENT", TCP_ACK, 0), "ESTABLISHED");
    assert.equal(nextEndpointState("ESTABLISHED", "ESTABLISHED", TCP_FIN | TCP_ACK, 0), "CLOSED");
  });
});

describe("UDP and ICMP pseudo-connections", () => {
  test("a DNS query and its answer are one SF record with the query name kept; idle timeout closes it", () => {
    const query = dnsMessage(7, "www.site1.example", 1);
    const answer = dnsMessage(7, "www.site1.example", 1, ["203.0.113.5"]);
    const protocols: ProtocolRecord[] = [];
    const a = new ConnectionAssembler({ udpIdleSeconds: 10, onProtocolRecord: (p) => protocols.push(p) });
    const out: ConnectionRecord[] = [];
    a.add(udp(1, A, 33000, "10.0.0.53", 53, query), (r) => out.push(r));
    a.add(udp(1.002, "10.0.0.53", 53, A, 33000, answer), (r) => out.push(r));
    a.add(udp(12, A, 33001, "10.0.0.53", 53, query), (r) => out.push(r));
    assert.equal(out.length, 1);
    const r = out[0];
    assert.deepEqual(
      [r.protocol, r.state, r.features.flag, r.features.service],
      ["udp", "SF", "SF", "domain_u"],
    );
    assert.deepEqual([r.features.src_bytes, r.features.dst_bytes], [query.length, answer.length]);
    // The query and its answer are one protocol record joined by uid, out when the answer came;
    // the second flow's unanswered query is out when that flow ends (as Zeek logs it).
    const line = (p: ProtocolRecord) => [
      p.uid,
      (p as DnsRecord).query,
      (p as DnsRecord).qtype,
      (p as DnsRecord).trans_id,
      (p as DnsRecord).answers,
    ];
    assert.deepEqual(protocols.map(line), [[r.uid, "www.site1.example", 1, 7, ["203.0.113.5"]]]);
    a.flush(() => {});
    assert.deepEqual(protocols.map(line), [
      [r.uid, "www.site1.example", 1, 7, ["203.0.113.5"]],
      [r.uid + 1, "www.site1.example", 1, 7, undefined],
    ]);
  });

  test("a UDP datagram without an answer: Zeek S0, KDD flag SF", () => {
    const [r] = assemble([udp(1, A, 50000, B, 60000, 512)]);
    assert.deepEqual([r.state, r.features.flag, r.features.service], ["S0", "SF", "private"]);
  });

  test("echo request and reply form one eco_i record; an unreachable is its own urp_i record", () => {
    const records = assemble([
      icmp(1, A, B, 8),
      icmp(1.001, B, A, 0),
      icmp(2, A, B, 8),
      icmp(2.001, B, A, 0),
      icmp(3, B, A, 3, 3, 28),
    ]);
    const services = records.map((r) => r.features.service).sort();
    assert.deepEqual(services, ["eco_i", "urp_i"]);
    const echo = records.find((r) => r.features.service === "eco_i") as ConnectionRecord;
    assert.deepEqual([echo.origPackets, echo.respPackets, echo.src, echo.features.src_bytes], [2, 2, A, 16]);
  });

  test("land: same address and port on both ends", () => {
    const [r] = assemble([tcp(1, B, 139, B, 139, SYN)]);
    assert.equal(r.features.land, 1);
  });
});

describe("clear-text content", () => {
  test("FTP: failed logins counted from 530 replies, logged_in from 230, anonymous is a guest login", () => {
    const ftp = (port: number, lines: [from: "c" | "s", text: string][]) =>
      assemble([
        tcp(1, A, port, B, 21, SYN),
        tcp(1.01, B, 21, A, port, SA),
        tcp(1.02, A, port, B, 21, ACK),
        ...lines.map(([from, text], i) =>
          from === "c"
            ? tcpText(2 + i, A, port, B, 21, ACK | TCP_PSH, text)
            : tcpText(2 + i, B, 21, A, port, ACK | TCP_PSH, text),
        ),
      ])[0];
    const brute = ftp(40100, [
      ["c", "USER root\r\n"],
      ["s", "331 x\r\n"],
      ["c", "PASS a\r\n"],
      ["s", "530 Login incorrect.\r\n"],
      ["c", "PASS b\r\n"],
      ["s", "530 Login incorrect.\r\n"],
    ]);
    assert.deepEqual(
      [brute.features.num_failed_logins, brute.features.logged_in, brute.features.is_guest_login],
      [2, 0, 0],
    );
    const guest = ftp(40101, [
      ["c", "USER anonymous\r\n"],
      ["s", "331 x\r\n"],
      ["c", "PASS me@\r\n"],
      ["s", "230 Login successful.\r\n"],
    ]);
    assert.deepEqual(
      [guest.features.num_failed_logins, guest.features.logged_in, guest.features.is_guest_login],
      [0, 1, 1],
    );
  });

  test("HTTP request line and Host header are kept as a protocol record", () => {
    const protocols: ProtocolRecord[] = [];
    const [r] = assemble(
      [
        tcp(1, A, 40200, B, 80, SYN),
        tcp(1.01, B, 80, A, 40200, SA),
        tcp(1.02, A, 40200, B, 80, ACK),
        tcpText(
          1.03,
          A,
          40200,
          B,
          80,
          ACK | TCP_PSH,
          "GET /news?x=1 HTTP/1.1\r\nHost: intranet.corp.example\r\n\r\n",
        ),
      ],
      true,
      protocols,
    );
    const [h] = protocols as HttpRecord[];
    assert.deepEqual(
      [h.protocol, h.uid, h.method, h.uri, h.version, h.host, h.ts],
      ["http", r.uid, "GET", "/news?x=1", "1.1", "intranet.corp.example", 1.03],
    );
  });

  test("content is read from a connection's first contentPackets packets only (KDD's 64 by default)", () => {
    const lines = (n: number): ReturnType<typeof tcp>[] => [
      tcp(1, A, 40400, B, 21, SYN),
      tcp(1.01, B, 21, A, 40400, SA),
      tcp(1.02, A, 40400, B, 21, ACK),
      tcpText(1.5, A, 40400, B, 21, ACK | TCP_PSH, "PASS x\r\n"),
      ...Array.from({ length: n }, (_, i) => tcpText(2 + i, B, 21, A, 40400, ACK | TCP_PSH, "200 ok\r\n")),
      tcpText(100, B, 21, A, 40400, ACK | TCP_PSH, "530 Login incorrect.\r\n"),
    ];
    const failed = (packets: ReturnType<typeof tcp>[], options: AssemblerOptions = {}): number => {
      const a = new ConnectionAssembler(options);
      const out: ConnectionRecord[] = [];
      for (const p of packets) a.add(p, (r) => out.push(r));
      a.flush((r) => out.push(r));
      return Number(out[0].features.num_failed_logins);
    };
    // The 530 is packet 64 of the connection: read. One more packet before it: not read.
    assert.equal(failed(lines(KDD_CONTENT_PACKETS - 5)), 1);
    assert.equal(failed(lines(KDD_CONTENT_PACKETS - 4)), 0);
    assert.equal(failed(lines(KDD_CONTENT_PACKETS - 4), { contentPackets: Infinity }), 1);
    assert.throws(() => new ConnectionAssembler({ contentPackets: 0 }), /contentPackets must be positive/);
  });
});

test("every packet is accounted for; the oldest open start is the watermark", () => {
  const a = new ConnectionAssembler();
  const out: ConnectionRecord[] = [];
  a.add(tcp(5, A, 40300, B, 80, SYN), (r) => out.push(r));
  a.add(tcp(6, A, 40301, B, 80, SYN), (r) => out.push(r));
  assert.equal(a.oldestOpenStart(), 5);
  assert.equal(a.openConnections, 2);
  a.add(tcp(4, A, 40302, B, 80, SYN), (r) => out.push(r)); // out of order: taken at the latest time
  assert.equal(a.stats.outOfOrder, 1);
  a.flush((r) => out.push(r));
  assert.equal(out.length, 3);
  assert.equal(a.stats.packets, 3);
  assert.ok(out.every((r) => r.closedBy === "end"));
});
