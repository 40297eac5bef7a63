import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Direction } from "../../flows/flowTable";
import { type Packet, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from "../../packets/packet";
import { tcp, tcpText } from "../../testing/packets";
import { logRows } from "../../testing/tcpSession";
import { httpGetRequest, httpResponseHead, SIMULATED_USER_AGENT } from "./httpEncode";
import { HTTP_LOG } from "./httpLog";
import { httpParser } from "./httpParser";
import { sniffMime } from "./httpSniff";

type Segment = readonly [Direction, string | Uint8Array];

/** A TCP connection 10.0.0.1:clientPort -> 10.0.0.2:port: handshake, the segments, a close by both sides. */
function conversation(port: number, segments: readonly Segment[], clientPort = 40000): Packet[] {
  const c = "10.0.0.1";
  const s = "10.0.0.2";
  let t = 1000;
  const out: Packet[] = [
    tcp(t, c, clientPort, s, port, TCP_SYN),
    tcp((t += 0.001), s, port, c, clientPort, TCP_SYN | TCP_ACK),
    tcp((t += 0.001), c, clientPort, s, port, TCP_ACK),
  ];
  for (const [dir, payload] of segments) {
    t += 0.001;
    out.push(
      dir === "orig"
        ? tcpText(t, c, clientPort, s, port, TCP_ACK | TCP_PSH, payload)
        : tcpText(t, s, port, c, clientPort, TCP_ACK | TCP_PSH, payload),
    );
  }
  out.push(tcp((t += 0.001), c, clientPort, s, port, TCP_FIN | TCP_ACK));
  out.push(tcp((t += 0.001), s, port, c, clientPort, TCP_FIN | TCP_ACK));
  out.push(tcp(t + 0.001, c, clientPort, s, port, TCP_ACK));
  return out;
}

const REQUEST = "GET /index.html HTTP/1.1\r\nHost: intranet.example:8080\r\nUser-Agent: test/1\r\n\r\n";
const REPLY = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>";

describe("HTTP through packets and the flow table", () => {
  test("on port 8080, with the request split over two segments, into http.log and conn.log", () => {
    const { rows } = logRows(
      conversation(8080, [
        ["orig", REQUEST.slice(0, 20)],
        ["orig", REQUEST.slice(20)],
        ["resp", REPLY.slice(0, 30)],
        ["resp", REPLY.slice(30)],
      ]),
    );
    assert.equal(rows.http?.length, 1);
    const r = rows.http[0];
    assert.deepEqual(
      [
        r["id.resp_p"],
        r.trans_depth,
        r.method,
        r.host,
        r.uri,
        r.user_agent,
        r.status_code,
        r.response_body_len,
      ],
      [8080, 1, "GET", "intranet.example:8080", "/index.html", "test/1", 200, 13],
    );
    assert.deepEqual(r.resp_mime_types, ["text/html"]);
    assert.deepEqual(r.tags, []);
    assert.equal(rows.conn?.[0].service, "http");
    assert.equal(rows.conn?.[0].uid, r.uid);
    // Every field of the schema is in the row (unset ones as undefined), in the schema's order.
    for (const f of HTTP_LOG.fields) assert.ok(f.name in r, f.name);
  });

  test("on a port no parser claims, the content probe finds it", () => {
    const { rows, logs } = logRows(
      conversation(47123, [
        ["orig", REQUEST],
        ["resp", REPLY],
      ]),
    );
    assert.equal(rows.http?.length, 1);
    assert.equal(rows.http[0]["id.resp_p"], 47123);
    assert.equal(logs.stats.flows.http, 1);
  });

  test("segments out of order are reassembled before the parser sees them", () => {
    const c = "10.0.0.1";
    const s = "10.0.0.2";
    const packets = conversation(80, [["orig", REQUEST]]);
    // Replace the request with its two halves sent in reverse order.
    const first = tcpText(1000.0035, c, 40000, s, 80, TCP_ACK | TCP_PSH, REQUEST.slice(0, 25), { seq: 5000 });
    const second = tcpText(1000.0031, c, 40000, s, 80, TCP_ACK | TCP_PSH, REQUEST.slice(25), { seq: 5025 });
    const handshake = [
      tcp(1000, c, 40000, s, 80, TCP_SYN, 0, { seq: 4999 }),
      tcp(1000.001, s, 80, c, 40000, TCP_SYN | TCP_ACK),
      tcp(1000.002, c, 40000, s, 80, TCP_ACK, 0, { seq: 5000 }),
    ];
    const { rows } = logRows([...handshake, second, first, ...packets.slice(-3)]);
    assert.equal(rows.http?.[0].uri, "/index.html");
    assert.equal(rows.http?.[0].status_code, undefined);
  });

  test("a segment of a body lost in the capture: the gap is skipped, the body counted whole", () => {
    const body = "b".repeat(3000);
    const reply = `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const packets = conversation(80, [
      ["orig", REQUEST],
      ["resp", reply.slice(0, 1000)],
      ["resp", reply.slice(1000, 2000)], // not captured, below
      ["resp", reply.slice(2000)],
      ["orig", REQUEST.replace("/index.html", "/next")],
      ["resp", REPLY],
    ]);
    const lost = packets.splice(5, 1)[0];
    assert.equal(lost.payloadLength, 1000);
    const { rows, logs } = logRows(packets);
    assert.deepEqual(
      rows.http.map((r) => [r.uri, r.status_code, r.response_body_len]),
      [
        ["/index.html", 200, 3000],
        ["/next", 200, 13],
      ],
    );
    assert.ok(logs.table.stats.reassembly.gapBytes >= 1000);
  });

  test("the probe: requests and status lines, not SSH or TLS on the HTTP ports", () => {
    const b = (t: string): Uint8Array => Buffer.from(t, "latin1");
    const on = { transport: "tcp", onPort: true } as const;
    const off = { transport: "tcp", onPort: false } as const;
    assert.ok(httpParser.probe(b(REQUEST), "orig", off));
    assert.ok(httpParser.probe(b("GET /zeek.html\n"), "orig", on)); // HTTP/0.9, on its port only
    assert.ok(!httpParser.probe(b("GET /zeek.html\n"), "orig", off));
    assert.ok(httpParser.probe(b(REPLY), "resp", off));
    assert.ok(!httpParser.probe(b("SSH-2.0-OpenSSH_9.6 Ubuntu\r\n"), "orig", on));
    assert.ok(!httpParser.probe(Uint8Array.of(0x16, 0x03, 0x01, 0x02, 0x00, 0x01), "orig", on));
    assert.ok(!httpParser.probe(b("220 ftp.example FTP\r\n"), "resp", on));
    assert.ok(!httpParser.probe(b("USER anonymous\r\n"), "orig", off));
  });
});

describe("the simulator's HTTP messages", () => {
  test("round trip: what the encoder writes, the parser reads back", () => {
    const body = new Uint8Array(2000).fill(7);
    const reply = Buffer.concat([httpResponseHead(body.length), body]);
    const { rows, logs } = logRows(
      conversation(80, [
        ["orig", httpGetRequest("/search?q=quarterly+report", "www.example.org")],
        ["resp", reply.subarray(0, 1460)],
        ["resp", reply.subarray(1460)],
        ["orig", httpGetRequest("/img/logo.png", "www.example.org")],
        ["resp", httpResponseHead(0)],
      ]),
    );
    assert.deepEqual(logs.stats.malformed, {});
    assert.deepEqual(
      rows.http.map((r) => [
        r.trans_depth,
        r.method,
        r.host,
        r.uri,
        r.version,
        r.user_agent,
        r.status_code,
        r.response_body_len,
      ]),
      [
        [1, "GET", "www.example.org", "/search?q=quarterly+report", "1.1", SIMULATED_USER_AGENT, 200, 2000],
        [2, "GET", "www.example.org", "/img/logo.png", "1.1", SIMULATED_USER_AGENT, 200, 0],
      ],
    );
  });
});

describe("body sniffing", () => {
  test("common types from their first bytes", () => {
    const b = (t: string): Uint8Array => Buffer.from(t, "latin1");
    assert.equal(sniffMime(b("<!DOCTYPE html><html>")), "text/html");
    assert.equal(sniffMime(b('{"a": 1}')), "text/json");
    assert.equal(sniffMime(b("just some words\n")), "text/plain");
    assert.equal(sniffMime(b("GIF89a...")), "image/gif");
    assert.equal(sniffMime(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0)), "image/jpeg");
    assert.equal(sniffMime(b("MZ\x90\x00")), "application/x-dosexec");
    assert.equal(sniffMime(b("PK\x03\x04")), "application/zip");
    assert.equal(sniffMime(b("%PDF-1.7")), "application/pdf");
    assert.equal(sniffMime(Uint8Array.of(1, 2, 3, 0, 200, 201)), undefined);
    assert.equal(sniffMime(new Uint8Array(0)), undefined);
  });
});
