import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Direction, Flow } from "../../flows/flowTable";
import type { Packet } from "../../packets/packet";
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from "../../packets/packet";
import { tcp, tcpText } from "../../testing/packets";
import { logRows } from "../../testing/tcpSession";
import type { ParserContext, ParserInstance, ProtocolParser, ProtocolRecord } from "../parser";
import { ParserRegistry } from "../registry";
import { probeTls, SSL_LOG, SSL_MAX_HISTORY, type SslRecord, sslParser } from "./sslParser";
import {
  alpnBody,
  clientHelloBody,
  serverHelloBody,
  sniBody,
  tlsExtension,
  tlsHandshake,
  tlsRecord,
  u16Vector,
} from "./tlsBuild";
import { tlsApplicationData, tlsClientFinished, tlsClientHello, tlsServerHello } from "./tlsEncode";

const HANDSHAKE = 22;
const CCS = 20;
const ALERT = 21;
const APP = 23;

const cat = (...parts: ArrayLike<number>[]): Uint8Array =>
  Buffer.concat(parts.map((p) => Uint8Array.from(p)));

/** A ClientHello offering TLS 1.3 and 1.2, with SNI and ALPN, GREASE included. */
function clientHello(serverName = "www.example.org"): Uint8Array {
  return tlsHandshake(
    1,
    clientHelloBody({
      ciphers: [0x2a2a, 0x1301, 0x1302, 0xc02f, 0xc02b],
      sessionId: new Array<number>(32).fill(5),
      extensions: [
        tlsExtension(0x0a0a),
        tlsExtension(0, sniBody(serverName)),
        tlsExtension(10, u16Vector([0x001d, 0x0017])),
        tlsExtension(11, [1, 0]),
        tlsExtension(13, u16Vector([0x0403, 0x0804])),
        tlsExtension(16, alpnBody(["h2", "http/1.1"])),
        tlsExtension(43, [4, 0x03, 0x04, 0x03, 0x03]),
      ],
    }),
  );
}

const X25519_SHARE = tlsExtension(51, [0x00, 0x1d, 0, 32, ...new Array<number>(32).fill(9)]);

/** A TLS 1.3 ServerHello: legacy version 1.2, the real one in supported_versions. */
const serverHello13 = tlsHandshake(
  2,
  serverHelloBody({
    cipher: 0x1301,
    sessionId: new Array<number>(32).fill(5),
    extensions: [tlsExtension(43, [0x03, 0x04]), X25519_SHARE],
  }),
);

/** A TLS 1.2 ServerHello choosing ECDHE-RSA with AES-128-GCM and h2. */
const serverHello12 = tlsHandshake(
  2,
  serverHelloBody({
    cipher: 0xc02f,
    sessionId: new Array<number>(32).fill(6),
    extensions: [tlsExtension(16, alpnBody(["h2"]))],
  }),
);

const certificate = tlsHandshake(11, [0, 0, 7, 0, 0, 4, 1, 2, 3, 4]);
const serverKeyExchange = tlsHandshake(12, [3, 0x00, 0x17, 4, 1, 2, 3, 4]);
const serverHelloDone = tlsHandshake(14, []);
const clientKeyExchange = tlsHandshake(16, [4, 1, 2, 3, 4]);
const sessionTicket = tlsHandshake(4, [0, 0, 0, 9, 0, 2, 1, 2]);
const ccs = (): Uint8Array => tlsRecord(CCS, 0x0303, [1]);
const encrypted = (type: number, n = 40): Uint8Array =>
  tlsRecord(type, 0x0303, new Array<number>(n).fill(0xab));

let nextPort = 40_000;

/** A TCP connection built segment by segment (handshake first), then closed. */
class Conversation {
  readonly packets: Packet[] = [];
  private t = 100;
  private readonly sport = nextPort++;

  constructor(
    private readonly port = 443,
    private readonly client = "10.0.0.1",
    private readonly server = "10.0.0.2",
  ) {
    this.packets.push(tcp(this.tick(), client, this.sport, server, port, TCP_SYN));
    this.packets.push(tcp(this.tick(), server, port, client, this.sport, TCP_SYN | TCP_ACK));
    this.packets.push(tcp(this.tick(), client, this.sport, server, port, TCP_ACK));
  }

  private tick(): number {
    this.t += 0.01;
    return this.t;
  }

  send(from: "client" | "server", ...segments: Uint8Array[]): this {
    for (const s of segments) {
      this.packets.push(
        from === "client"
          ? tcpText(this.tick(), this.client, this.sport, this.server, this.port, TCP_PSH | TCP_ACK, s)
          : tcpText(this.tick(), this.server, this.port, this.client, this.sport, TCP_PSH | TCP_ACK, s),
      );
    }
    return this;
  }

  close(): Packet[] {
    this.packets.push(tcp(this.tick(), this.client, this.sport, this.server, this.port, TCP_FIN | TCP_ACK));
    this.packets.push(tcp(this.tick(), this.server, this.port, this.client, this.sport, TCP_FIN | TCP_ACK));
    this.packets.push(tcp(this.tick(), this.client, this.sport, this.server, this.port, TCP_ACK));
    return this.packets;
  }
}

/** Packets through the flow table and the parsers to log rows. */
function logsOf(packets: readonly Packet[], registry?: ParserRegistry) {
  const { rows, stats } = logRows(packets, { registry });
  return { ssl: rows.ssl ?? [], conn: rows.conn ?? [], stats };
}

/** The full TLS 1.2 handshake (server's first flight in one record) and a little data. */
function tls12(): Conversation {
  return new Conversation()
    .send("client", tlsRecord(HANDSHAKE, 0x0301, clientHello()))
    .send(
      "server",
      tlsRecord(HANDSHAKE, 0x0303, cat(serverHello12, certificate, serverKeyExchange, serverHelloDone)),
    )
    .send("client", cat(tlsRecord(HANDSHAKE, 0x0303, clientKeyExchange), ccs(), encrypted(HANDSHAKE)))
    .send("server", cat(tlsRecord(HANDSHAKE, 0x0303, sessionTicket), ccs(), encrypted(HANDSHAKE)))
    .send("client", encrypted(APP, 300))
    .send("server", encrypted(APP, 900));
}

describe("TLS parser, end to end (packets, flow table, ssl.log rows)", () => {
  test("TLS 1.2: version, suite, curve from the ServerKeyExchange, ALPN, established, Zeek's history", () => {
    const { ssl, conn, stats } = logsOf(tls12().close());
    assert.equal(ssl.length, 1);
    const r = ssl[0];
    assert.equal(r.version, "TLSv12");
    assert.equal(r.cipher, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert.equal(r.curve, "secp256r1");
    assert.equal(r.server_name, "www.example.org");
    assert.equal(r.next_protocol, "h2");
    assert.equal(r.established, true);
    assert.equal(r.resumed, false);
    assert.equal(r.last_alert, undefined);
    // Letters up to the server's encrypted Finished, where Zeek logs and stops.
    assert.equal(r.ssl_history, "CsxknGIti");
    assert.ok(
      Math.abs((r.ts as number) - ((conn[0].ts as number) + 0.03)) < 1e-9,
      "the time of the ClientHello",
    );
    assert.equal(conn[0].service, "ssl");
    assert.match(String(r.ja3), /^[0-9a-f]{32}$/);
    assert.match(String(r.ja4), /^t13d0406h2_[0-9a-f]{12}_[0-9a-f]{12}$/);
    assert.deepEqual(stats.malformed, {});
    // The row has every field of the schema and no other (besides `protocol`).
    assert.deepEqual(
      Object.keys(r)
        .filter((k) => k !== "protocol")
        .sort(),
      SSL_LOG.fields.map((f) => f.name).sort(),
    );
  });

  test("TLS 1.3: the version from supported_versions, the curve from key_share, established by the client's data", () => {
    const packets = new Conversation()
      .send("client", tlsRecord(HANDSHAKE, 0x0301, clientHello()))
      .send("server", cat(tlsRecord(HANDSHAKE, 0x0303, serverHello13), ccs(), encrypted(APP, 800)))
      .send("client", cat(ccs(), encrypted(APP, 53)))
      .send("client", encrypted(APP, 300))
      .close();
    const [r] = logsOf(packets).ssl;
    assert.equal(r.version, "TLSv13");
    assert.equal(r.cipher, "TLS_AES_128_GCM_SHA256");
    assert.equal(r.curve, "x25519");
    assert.equal(r.established, true);
    assert.equal(r.ssl_history, "CsiI");
    assert.equal(r.resumed, false, "same session id, but TLS 1.3 does not resume by it");
  });

  test("TLS 1.3 without ChangeCipherSpec: application data is encrypted at once (history Cs)", () => {
    const packets = new Conversation()
      .send("client", tlsRecord(HANDSHAKE, 0x0303, clientHello()))
      .send("server", tlsRecord(HANDSHAKE, 0x0303, serverHello13), encrypted(APP, 800))
      .send("client", encrypted(APP, 60))
      .close();
    const [r] = logsOf(packets).ssl;
    assert.equal(r.ssl_history, "Cs");
    assert.equal(r.established, true);
  });

  test("a ClientHello split across TCP segments, across two records, and one byte per record", () => {
    const record = tlsRecord(HANDSHAKE, 0x0301, clientHello("split.example"));
    const bySegments = new Conversation()
      .send("client", record.subarray(0, 3), record.subarray(3, 40), record.subarray(40))
      .send("server", tlsRecord(HANDSHAKE, 0x0303, serverHello13))
      .close();
    const message = clientHello("split.example");
    const byRecords = new Conversation()
      .send(
        "client",
        cat(
          tlsRecord(HANDSHAKE, 0x0301, message.subarray(0, 50)),
          tlsRecord(HANDSHAKE, 0x0301, message.subarray(50)),
        ),
      )
      .send("server", tlsRecord(HANDSHAKE, 0x0303, serverHello13))
      .close();
    const byteRecords = new Conversation()
      .send("client", cat(...Array.from(message, (b) => tlsRecord(HANDSHAKE, 0x0301, [b]))))
      .send("server", tlsRecord(HANDSHAKE, 0x0303, serverHello13))
      .close();
    for (const packets of [bySegments, byRecords, byteRecords]) {
      const { ssl, stats } = logsOf(packets);
      assert.equal(ssl[0].server_name, "split.example");
      assert.equal(ssl[0].version, "TLSv13");
      assert.equal(ssl[0].ssl_history, "Cs");
      assert.deepEqual(stats.malformed, {});
    }
  });

  test("a record cut at the end of the flow: counted as truncated, the record still logged", () => {
    const packets = new Conversation()
      .send("client", tlsRecord(HANDSHAKE, 0x0301, clientHello()))
      .send("server", tlsRecord(HANDSHAKE, 0x0303, serverHello12).subarray(0, 20))
      .close();
    const { ssl, stats } = logsOf(packets);
    assert.equal(ssl.length, 1);
    assert.equal(ssl[0].ssl_history, "C");
    assert.equal(ssl[0].established, false);
    assert.equal(ssl[0].version, undefined);
    assert.deepEqual(stats.malformed, { "ssl: truncated record": 1 });
  });

  test("a record longer than TLS allows is counted and ends the parsing", () => {
    const packets = new Conversation()
      .send("client", tlsRecord(HANDSHAKE, 0x0301, clientHello()))
      .send("server", Uint8Array.of(HANDSHAKE, 3, 3, 0x50, 0x00, 2, 0, 0, 0))
      .send("server", tlsRecord(HANDSHAKE, 0x0303, serverHello12))
      .close();
    const { ssl, stats } = logsOf(packets);
    assert.equal(ssl[0].ssl_history, "C");
    assert.equal(ssl[0].version, undefined, "nothing read after the bad record");
    assert.deepEqual(stats.malformed, { "ssl: record too long": 1 });
  });

  test("an alert before the ServerHello: last_alert, history Cl, not established", () => {
    const packets = new Conversation()
      .send("client", tlsRecord(HANDSHAKE, 0x0301, clientHello()))
      .send("server", tlsRecord(ALERT, 0x0303, [2, 40]))
      .close();
    const [r] = logsOf(packets).ssl;
    assert.equal(r.last_alert, "handshake_failure");
    assert.equal(r.ssl_history, "Cl");
    assert.equal(r.established, false);
  });

  test("resumed: by the session id the server echoes, or by a ticket without a ClientKeyExchange", () => {
    const session = new Array<number>(32).fill(5);
    const echo = tlsHandshake(2, serverHelloBody({ cipher: 0xc02f, sessionId: session }));
    const byId = new Conversation()
      .send("client", tlsRecord(HANDSHAKE, 0x0301, clientHello()))
      .send("server", cat(tlsRecord(HANDSHAKE, 0x0303, echo), ccs(), encrypted(HANDSHAKE)))
      .send("client", cat(ccs(), encrypted(HANDSHAKE)))
      .close();
    const [a] = logsOf(byId).ssl;
    assert.equal(a.resumed, true);
    assert.equal(a.ssl_history, "CsiI");
    assert.equal(a.established, true);
    const ticketHello = tlsHandshake(
      1,
      clientHelloBody({ ciphers: [0xc02f], extensions: [tlsExtension(35, [1, 2, 3, 4])] }),
    );
    const byTicket = new Conversation()
      .send("client", tlsRecord(HANDSHAKE, 0x0301, ticketHello))
      .send("server", cat(tlsRecord(HANDSHAKE, 0x0303, serverHello12), ccs(), encrypted(HANDSHAKE)))
      .send("client", cat(ccs(), encrypted(HANDSHAKE)))
      .close();
    assert.equal(logsOf(byTicket).ssl[0].resumed, true);
    // A full handshake (ClientKeyExchange before the client's CCS) is not resumed.
    assert.equal(logsOf(tls12().close()).ssl[0].resumed, false);
  });

  test("a HelloRetryRequest is written j, then the second ClientHello and the ServerHello", () => {
    const retryRandom = [
      ...Buffer.from("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c", "hex"),
    ];
    const hrr = tlsHandshake(
      2,
      serverHelloBody({
        cipher: 0x1301,
        random: retryRandom,
        extensions: [tlsExtension(43, [3, 4]), tlsExtension(51, [0, 0x17])],
      }),
    );
    const packets = new Conversation()
      .send("client", tlsRecord(HANDSHAKE, 0x0301, clientHello()))
      .send("server", tlsRecord(HANDSHAKE, 0x0303, hrr))
      .send("client", tlsRecord(HANDSHAKE, 0x0303, clientHello()))
      .send("server", tlsRecord(HANDSHAKE, 0x0303, serverHello13), encrypted(APP))
      .send("client", encrypted(APP))
      .close();
    const [r] = logsOf(packets).ssl;
    assert.equal(r.ssl_history, "CjCs");
    assert.equal(r.curve, "x25519", "the final ServerHello's group, not the retry's secp256r1");
    assert.equal(r.established, true);
  });

  test("a ClientHello from the responder flips the roles (^), as Zeek writes it", () => {
    const packets = new Conversation(8_446)
      .send("server", tlsRecord(HANDSHAKE, 0x0301, clientHello()))
      .send("client", tlsRecord(HANDSHAKE, 0x0303, serverHello12))
      .close();
    const { ssl } = logsOf(packets, new ParserRegistry().register({ ...sslParser, ports: [8_446] }));
    assert.equal(ssl[0].ssl_history, "^Cs");
    assert.equal(ssl[0].version, "TLSv12");
  });

  test("TLS on a port that is not TLS's is found by its ClientHello; HTTP there is not taken for TLS", () => {
    const packets = new Conversation(8_444)
      .send("client", tlsRecord(HANDSHAKE, 0x0301, clientHello()))
      .send("server", tlsRecord(HANDSHAKE, 0x0303, serverHello13))
      .close();
    const { ssl, conn } = logsOf(packets);
    assert.equal(conn[0].service, "ssl");
    assert.equal(ssl[0]["id.resp_p"], 8_444);
    const hello = tlsRecord(HANDSHAKE, 0x0301, clientHello());
    assert.equal(probeTls(hello, "orig", false), true);
    assert.equal(probeTls(hello, "resp", false), false, "a ClientHello from the server is not TLS elsewhere");
    assert.equal(probeTls(Buffer.from("GET / HTTP/1.1\r\n"), "orig", false), false);
    assert.equal(probeTls(encrypted(APP), "orig", true), false, "application data alone is not enough");
  });

  test("a flow of encrypted records only (no handshake seen) gets no ssl.log record, as in Zeek", () => {
    const packets = new Conversation()
      .send("client", encrypted(APP, 100))
      .send("server", encrypted(APP, 100))
      .close();
    assert.equal(logsOf(packets).ssl.length, 0);
  });

  test("an SSLv2-compatible ClientHello, answered in TLS", () => {
    const challenge = new Array<number>(16).fill(3);
    const v2body = [1, 0x03, 0x01, 0, 6, 0, 0, 0, 16, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x35, ...challenge];
    const v2 = Uint8Array.from([0x80, v2body.length, ...v2body]);
    assert.equal(probeTls(v2, "orig", false), true);
    const sh = tlsHandshake(2, serverHelloBody({ version: 0x0301, cipher: 0x002f }));
    const packets = new Conversation(8_445)
      .send("client", v2)
      .send("server", tlsRecord(HANDSHAKE, 0x0301, sh))
      .close();
    const [r] = logsOf(packets).ssl;
    assert.equal(r.ssl_history, "Cs");
    assert.equal(r.version, "TLSv10");
    assert.equal(r.cipher, "TLS_RSA_WITH_AES_128_CBC_SHA");
    assert.equal(r.ja3, undefined, "no JA3 for an SSLv2 hello");
  });

  test("after STARTTLS another parser hands the flow over: the service lists both", () => {
    const starttls: ProtocolParser = {
      name: "fake",
      transports: ["tcp"],
      ports: [2525],
      probe: () => true,
      create: (ctx: ParserContext): ParserInstance => ({
        done: false,
        data(dir: Direction, bytes: Uint8Array): void {
          if (dir === "resp" && Buffer.from(bytes).toString("latin1").startsWith("220 go ahead")) {
            ctx.handOver("ssl");
          }
        },
        gap: () => undefined,
        end: () => undefined,
      }),
    };
    const registry = new ParserRegistry().register(starttls).register(sslParser);
    const packets = new Conversation(2525)
      .send("client", Buffer.from("STARTTLS\r\n"))
      .send("server", Buffer.from("220 go ahead\r\n"))
      .send("client", tlsRecord(HANDSHAKE, 0x0301, clientHello("mail.example")))
      .send("server", cat(tlsRecord(HANDSHAKE, 0x0303, serverHello13), ccs()))
      .send("client", cat(ccs(), encrypted(APP)))
      .close();
    const { ssl, conn } = logsOf(packets, registry);
    assert.equal(conn[0].service, "fake,ssl");
    assert.equal(ssl[0].server_name, "mail.example");
    assert.equal(ssl[0].established, true);
  });
});

/** A parser context over a fake flow, for feeding an instance directly. */
function context() {
  const records: SslRecord[] = [];
  const malformed: string[] = [];
  const ctx: ParserContext = {
    flow: {
      uid: 3,
      proto: "tcp",
      src: "10.0.0.1",
      srcPort: 1,
      dst: "10.0.0.2",
      dstPort: 443,
    } as Flow<unknown>,
    emit: (r: ProtocolRecord) => records.push(r as SslRecord),
    malformed: (m) => malformed.push(m),
    handOver: () => false,
  };
  return { ctx, records, malformed };
}

describe("TLS parser instance: bounds and hostile input", () => {
  test("a handshake message longer than SSL_MAX_HANDSHAKE_BYTES is skipped (counted), the next one read", () => {
    const { ctx, records, malformed } = context();
    const p = sslParser.create(ctx);
    p.data("orig", tlsRecord(HANDSHAKE, 0x0301, clientHello()), 1);
    p.data("resp", tlsRecord(HANDSHAKE, 0x0303, serverHello12), 1.1);
    // A Certificate message of 1 MB announced, sent in full-size records.
    const length = 1 << 20;
    p.data(
      "resp",
      tlsRecord(HANDSHAKE, 0x0303, [11, length >> 16, (length >> 8) & 0xff, length & 0xff]),
      1.2,
    );
    const chunk = new Array<number>(16_384).fill(0x41);
    for (let sent = 0; sent < length; sent += chunk.length)
      p.data("resp", tlsRecord(HANDSHAKE, 0x0303, chunk), 1.3);
    p.data("resp", tlsRecord(HANDSHAKE, 0x0303, serverHelloDone), 1.4);
    p.end(2);
    assert.deepEqual(malformed, ["handshake message too long"]);
    assert.equal(records[0].ssl_history, "Csxn");
  });

  test("ssl_history stops at SSL_MAX_HISTORY letters (Zeek's weird counted once)", () => {
    const { ctx, records, malformed } = context();
    const p = sslParser.create(ctx);
    p.data("orig", tlsRecord(HANDSHAKE, 0x0301, clientHello()), 1);
    for (let i = 0; i < 150; i++) p.data("resp", tlsRecord(ALERT, 0x0303, [1, 0]), 1.1);
    p.end(2);
    assert.equal(records[0].ssl_history.length, SSL_MAX_HISTORY);
    assert.deepEqual(malformed, ["SSL_max_ssl_history_length_reached"]);
  });

  test("a gap stops the parsing (as Zeek's analyzer does); the record is logged at the end", () => {
    const { ctx, records } = context();
    const p = sslParser.create(ctx);
    p.data("orig", tlsRecord(HANDSHAKE, 0x0301, clientHello()), 1);
    p.gap("resp", 100);
    assert.equal(p.done, true);
    p.data("resp", tlsRecord(HANDSHAKE, 0x0303, serverHello12), 1.2);
    p.end(2);
    assert.equal(records.length, 1);
    assert.equal(records[0].version, undefined);
  });

  test("random bytes never throw and give at most one record; malformed input counted by fixed reasons", () => {
    let seed = 12_345;
    const rand = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) >>> 0;
      return seed >>> 24;
    };
    const reasons = new Set<string>();
    for (let round = 0; round < 300; round++) {
      const { ctx, records, malformed } = context();
      const p = sslParser.create(ctx);
      // Half the rounds start with a valid hello, so the fuzz reaches the handshake parsing.
      if (round % 2 === 0) p.data("orig", tlsRecord(HANDSHAKE, 0x0301, clientHello()), 1);
      for (let k = 0; k < 6; k++) {
        const junk = Uint8Array.from({ length: 1 + (rand() % 64) }, rand);
        if (round % 3 === 0 && junk.length >= 5) junk.set([HANDSHAKE, 3, 3, 0, junk.length - 5]);
        p.data(k % 2 ? "resp" : "orig", junk, 1 + k);
      }
      p.end(9);
      assert.ok(records.length <= 1);
      for (const m of malformed) reasons.add(m);
    }
    for (const r of reasons) assert.match(r, /^[A-Za-z_ ]+$/, `a short fixed reason: ${r}`);
    assert.ok(reasons.size > 0);
  });
});

describe("the simulator's TLS (tlsEncode) read back", () => {
  /** Deterministic "random" bytes, as the simulator's context gives them. */
  const source = { opaque: (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff) };

  for (const version of ["1.3", "1.2"] as const) {
    test(`TLS ${version}: SNI, version, suite and establishment as the encoder made them`, () => {
      const conversation = new Conversation()
        .send("client", tlsClientHello(source, "intranet.example.com"))
        .send("server", tlsServerHello(source, version));
      if (version === "1.3") {
        const flight = tlsApplicationData(source, 3_000);
        conversation.send("server", flight.content(0, flight.bytes));
      }
      conversation.send("client", tlsClientFinished(source, version));
      const up = tlsApplicationData(source, 500);
      conversation.send("client", up.content(0, up.bytes));
      const { ssl, stats } = logsOf(conversation.close());
      assert.equal(ssl.length, 1);
      const r = ssl[0];
      assert.equal(r.server_name, "intranet.example.com");
      assert.equal(r.version, version === "1.3" ? "TLSv13" : "TLSv12");
      assert.equal(
        r.cipher,
        version === "1.3" ? "TLS_AES_128_GCM_SHA256" : "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      );
      assert.equal(r.curve, version === "1.3" ? "x25519" : undefined);
      assert.equal(r.next_protocol, version === "1.3" ? undefined : "h2");
      assert.equal(r.established, true);
      assert.equal(r.ssl_history, "CsiI");
      assert.match(String(r.ja4), /^t13d0912h2_/);
      assert.deepEqual(stats.malformed, {});
    });
  }
});
