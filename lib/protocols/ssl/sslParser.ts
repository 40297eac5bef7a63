/**
 * TLS (and the SSLv2-compatible ClientHello) over TCP, one `SslRecord` per connection as Zeek's
 * ssl.log writes it (base/protocols/ssl/main.zeek and its analyzer): the version and suite the
 * server chose, the key exchange group, SNI, ALPN, resumption, the last alert, whether the session
 * was established and the `ssl_history` letters, plus the client's JA3 and JA4 fingerprints.
 *
 * Zeek's rules followed: each side turns encrypted at its ChangeCipherSpec, or at its first
 * application-data record once TLS 1.3 (or no version yet) is negotiated; the session is
 * established at the first encrypted record once both sides are encrypted, and the record is then
 * logged and the rest of the connection ignored. A connection whose records were all encrypted
 * gets no record; one never established is logged when it ends, or at a protocol violation.
 */
import type { Direction } from "../../flows/flowTable";
import type { ParserContext, ParserInstance, ProbeContext, ProtocolParser, ProtocolRecord } from "../parser";
import { CONN_ID_FIELDS, type LogSchema } from "../logs/zeekLog";
import { ja3, ja4 } from "./fingerprints";
import { HandshakeReader, RecordReader, type RecordSink, SSL_MAX_RECORD_BYTES } from "./recordLayer";
import {
  type ClientHello,
  parseClientHello,
  parseServerHello,
  parseV2ClientHello,
  serverKeyExchangeCurve,
} from "./tlsHello";
import {
  alertName,
  cipherName,
  encryptsWithoutCcs,
  groupName,
  isRecordVersion,
  SSL_V2,
  TLS_V13,
  versionName,
} from "./tlsNames";

/** One TLS connection, named as in Zeek's ssl.log (plus `ja3`, `ja4` as Zeek's ja3/ja4 packages add them). */
export interface SslRecord extends ProtocolRecord {
  readonly protocol: "ssl";
  readonly version: string | undefined;
  readonly cipher: string | undefined;
  readonly curve: string | undefined;
  readonly server_name: string | undefined;
  readonly resumed: boolean;
  readonly last_alert: string | undefined;
  readonly next_protocol: string | undefined;
  readonly established: boolean;
  readonly ssl_history: string;
  /** Certificate fingerprints need X.509 parsing: left unset. */
  readonly cert_chain_fps: readonly string[] | undefined;
  readonly client_cert_chain_fps: readonly string[] | undefined;
  readonly sni_matches_cert: boolean | undefined;
  readonly ja3: string | undefined;
  readonly ja4: string | undefined;
}

/** Zeek's ssl.log (base/protocols/ssl/main.zeek), then the ja3 and ja4 fields. */
export const SSL_LOG: LogSchema = {
  path: "ssl",
  fields: [
    ...CONN_ID_FIELDS,
    { name: "version", type: "string" },
    { name: "cipher", type: "string" },
    { name: "curve", type: "string" },
    { name: "server_name", type: "string" },
    { name: "resumed", type: "bool" },
    { name: "last_alert", type: "string" },
    { name: "next_protocol", type: "string" },
    { name: "established", type: "bool" },
    { name: "ssl_history", type: "string" },
    { name: "cert_chain_fps", type: "vector[string]" },
    { name: "client_cert_chain_fps", type: "vector[string]" },
    { name: "sni_matches_cert", type: "bool" },
    { name: "ja3", type: "string" },
    { name: "ja4", type: "string" },
  ],
};

/** Longest `ssl_history` kept (Zeek's SSL::max_ssl_history_length). */
export const SSL_MAX_HISTORY = 100;

/** Record content types (RFC 8446 section 5.1, RFC 6520 for heartbeat). */
const CHANGE_CIPHER_SPEC = 20;
const ALERT = 21;
const HANDSHAKE = 22;
const APPLICATION_DATA = 23;
const HEARTBEAT = 24;
/** Content types a first record may have (Zeek accepts 20 to 30). */
const FIRST_TYPE_MIN = 20;
const FIRST_TYPE_MAX = 30;

/** Handshake types (IANA TLS HandshakeType). */
const CLIENT_HELLO = 1;
const SERVER_HELLO = 2;
const SERVER_KEY_EXCHANGE = 12;
const CLIENT_KEY_EXCHANGE = 16;

/** ssl_history letters per handshake type (lower case; the client's are written upper case). */
const HISTORY_LETTERS = new Map<number, string>([
  [0, "h"],
  [1, "c"],
  [2, "s"],
  [3, "v"],
  [4, "t"],
  [5, "e"],
  [6, "j"],
  [8, "o"],
  [11, "x"],
  [12, "k"],
  [13, "r"],
  [14, "n"],
  [15, "y"],
  [16, "g"],
  [20, "f"],
  [21, "w"],
  [22, "u"],
  [23, "a"],
  [24, "p"],
  [254, "m"],
]);

/** The server_random of a HelloRetryRequest (RFC 8446 section 4.1.3): SHA-256 of "HelloRetryRequest". */
const HELLO_RETRY_RANDOM = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";

/** Responder ports Zeek registers its SSL analyzer on (https, nntps, ldaps, ftps, imaps, pop3s, ...). */
export const SSL_PORTS: readonly number[] = [443, 563, 585, 614, 636, 989, 990, 992, 993, 995, 5223];

/** Versions a hello may carry (Zeek's version_ok): SSLv2 to TLS 1.3, DTLS, TLS 1.3 drafts. */
function versionOk(version: number): boolean {
  if (version >> 8 === 0x7f) return true;
  return (
    version === SSL_V2 ||
    (version >= 0x0300 && version <= TLS_V13) ||
    (version >= 0xfefc && version <= 0xfeff)
  );
}

/**
 * True when `first` starts like a TLS connection: a handshake record of TLS 1.0-1.2 framing that
 * holds a ClientHello from the client (a ServerHello from the server), or an SSLv2-compatible
 * ClientHello. Elsewhere than on SSL_PORTS the hello's own version must be TLS-like too.
 */
export function probeTls(first: Uint8Array, dir: Direction, onPort: boolean): boolean {
  if (first.length < 3) return false;
  if (first[0] & 0x80) {
    // SSLv2 record header (2 bytes), message type 1, version 0x0002 or 0x03NN.
    return (
      dir === "orig" &&
      first.length >= 5 &&
      first[2] === CLIENT_HELLO &&
      ((first[3] === 0 && first[4] === 2) || (first[3] === 3 && first[4] <= 3))
    );
  }
  if (first[0] !== HANDSHAKE || first[1] !== 3 || first[2] > 3) return false;
  // On a TLS port a handshake record header will do (a hello's first segment may be that short).
  if (onPort) return first.length < 6 || first[5] === CLIENT_HELLO || first[5] === SERVER_HELLO;
  const type = first[5];
  if (first.length < 11 || type !== (dir === "orig" ? CLIENT_HELLO : SERVER_HELLO)) return false;
  return (first[9] === 3 && first[10] <= 4) || (type === SERVER_HELLO && first[9] === 0x7f);
}

/** The TLS parser: Zeek's SSL ports, or a flow that opens with a hello. */
export const sslParser: ProtocolParser = {
  name: "ssl",
  transports: ["tcp"],
  ports: SSL_PORTS,
  probe(first: Uint8Array, dir: Direction, { onPort }: ProbeContext): boolean {
    return probeTls(first, dir, onPort);
  },
  create(context: ParserContext): ParserInstance {
    return new SslFlow(context);
  },
  log: SSL_LOG,
};

interface Side {
  readonly records: RecordReader;
  readonly handshakes: HandshakeReader;
  encrypted: boolean;
}

class SslFlow implements ParserInstance {
  done = false;
  private readonly sides: Record<Direction, Side>;
  /** Record-layer version once a TLS record fixed it (Zeek never lets it fall back to SSLv2). */
  private recordVersion = 0;
  /** The version the server chose (supported_versions first), for the encryption rule; 0 before. */
  private negotiated = 0;
  private now = 0;
  private started = false;
  private emitted = false;
  private established = false;
  private flipped = false;
  /** Type and version bytes of an SSLv2-compatible ClientHello whose body is being read. */
  private v2Head: Uint8Array | undefined;
  private ts = 0;
  private version: number | undefined;
  private cipher: string | undefined;
  private curve: string | undefined;
  private serverName: string | undefined;
  private sessionId: string | undefined;
  private resumed = false;
  private ticketWithoutSession = false;
  private clientKeyExchange = false;
  private clientPsk = false;
  private hrr = false;
  private lastAlert: string | undefined;
  private nextProtocol: string | undefined;
  private history = "";
  private ja3: string | undefined;
  private ja4: string | undefined;

  constructor(private readonly ctx: ParserContext) {
    this.sides = { orig: this.side("orig"), resp: this.side("resp") };
  }

  private side(dir: Direction): Side {
    const sink: RecordSink = {
      header: (type, version, length, head) => this.header(dir, type, version, length, head),
      record: (type, _version, body) => this.record(dir, type, body),
      skipped: () => this.ciphertext(),
    };
    return {
      records: new RecordReader(sink),
      handshakes: new HandshakeReader(
        (type, body) => this.handshake(dir, type, body),
        (type) => {
          this.ctx.malformed("handshake message too long");
          this.letter(dir, type);
        },
      ),
      encrypted: false,
    };
  }

  data(dir: Direction, bytes: Uint8Array, ts: number): void {
    if (this.done) return;
    this.now = ts;
    this.sides[dir].records.push(bytes);
  }

  gap(): void {
    // Zeek's SSL analyzer stops at the first content gap of either side.
    this.stop();
  }

  end(): void {
    for (const dir of ["orig", "resp"] as const) {
      const side = this.sides[dir];
      if (!this.done && (side.records.partial || side.handshakes.partial))
        this.ctx.malformed("truncated record");
    }
    this.stop();
    this.log();
  }

  private stop(): void {
    this.done = true;
    this.sides.orig.records.stop();
    this.sides.resp.records.stop();
  }

  /** A protocol violation: counted, the record (if any) logged, the rest ignored (as Zeek does). */
  private violation(reason: string): void {
    this.ctx.malformed(reason);
    this.log();
    this.stop();
  }

  private isClient(dir: Direction): boolean {
    return (dir === "orig") !== this.flipped;
  }

  private session(): void {
    if (this.started) return;
    this.started = true;
    this.ts = this.now;
  }

  private addHistory(client: boolean, letter: string): void {
    if (this.history.length >= SSL_MAX_HISTORY) return;
    this.history += client ? letter.toUpperCase() : letter;
    if (this.history.length === SSL_MAX_HISTORY) this.ctx.malformed("SSL_max_ssl_history_length_reached");
  }

  private letter(dir: Direction, type: number): void {
    this.session();
    this.addHistory(this.isClient(dir), HISTORY_LETTERS.get(type) ?? "z");
  }

  private header(
    dir: Direction,
    type: number,
    version: number,
    length: number,
    head: Uint8Array,
  ): "keep" | "skip" | "stop" {
    if (this.recordVersion === 0) {
      if (head[0] & 0x80) {
        // Only an SSLv2-compatible ClientHello from the client is read; SSLv2 itself is not.
        const v2 = (head[3] << 8) | head[4];
        if (head[2] === CLIENT_HELLO && dir === "orig" && (v2 === SSL_V2 || isRecordVersion(v2))) {
          this.v2Head = head.slice(2, 5);
          return "keep";
        }
        this.violation(head[2] === 4 ? "SSLv2 not supported" : "bad record header");
        return "stop";
      }
      if (!isRecordVersion(version)) {
        this.violation("bad record version");
        return "stop";
      }
      if (type < FIRST_TYPE_MIN || type > FIRST_TYPE_MAX) {
        this.violation("bad record type");
        return "stop";
      }
      this.recordVersion = version;
    } else if (!isRecordVersion(version)) {
      this.violation("bad record version");
      return "stop";
    }
    if (length > SSL_MAX_RECORD_BYTES) {
      this.violation("record too long");
      return "stop";
    }
    const side = this.sides[dir];
    if (!side.encrypted && type === APPLICATION_DATA && encryptsWithoutCcs(this.negotiated)) {
      side.encrypted = true; // TLS 1.3: application data is encrypted with or without a CCS
    }
    return side.encrypted ? "skip" : "keep";
  }

  /** An encrypted record has gone by: the session is established once both sides encrypt. */
  private ciphertext(): void {
    if (this.established || !this.sides.orig.encrypted || !this.sides.resp.encrypted) return;
    this.established = true;
    // Zeek logs now and detaches its analyzer (SSL::disable_analyzer_after_detection).
    this.log();
    this.stop();
  }

  private record(dir: Direction, type: number, body: Uint8Array): void {
    if (this.v2Head) {
      const hello = parseV2ClientHello(Buffer.concat([this.v2Head, body]));
      this.v2Head = undefined;
      if (!hello) return this.violation("bad client hello");
      this.session();
      this.addHistory(true, "c"); // Zeek adds it by hand: SSLv2 has no handshake layer
      this.clientHello(hello);
      return;
    }
    this.session();
    switch (type) {
      case CHANGE_CIPHER_SPEC:
        this.addHistory(this.isClient(dir), "i");
        if (this.isClient(dir) && this.ticketWithoutSession && !this.clientKeyExchange) this.resumed = true;
        this.sides[dir].encrypted = true;
        break;
      case ALERT:
        for (let i = 0; i + 1 < body.length; i += 2) {
          this.addHistory(this.isClient(dir), "l");
          this.lastAlert = alertName(body[i + 1]);
        }
        break;
      case HANDSHAKE:
        this.sides[dir].handshakes.push(body);
        break;
      case APPLICATION_DATA:
        break; // plaintext application data before the handshake ends (Zeek: a weird only)
      case HEARTBEAT:
        this.addHistory(this.isClient(dir), "b");
        break;
      default:
        this.violation("unknown record type");
    }
  }

  private handshake(dir: Direction, type: number, body: Uint8Array): void {
    if (this.done) return;
    const client = this.isClient(dir);
    if (type === CLIENT_HELLO) {
      const hello = parseClientHello(body);
      if (!hello) return this.violation("bad client hello");
      if (!client && !this.flipped && this.history === "") {
        this.flipped = true; // the responder is the TLS client (Zeek's ssl_connection_flipped)
        this.history += "^";
      }
      this.letter(dir, type);
      this.clientHello(hello);
      return;
    }
    if (type === SERVER_HELLO) return this.serverHello(dir, body);
    this.letter(dir, type);
    if (type === CLIENT_KEY_EXCHANGE && client) this.clientKeyExchange = true;
    if (
      type === SERVER_KEY_EXCHANGE &&
      !client &&
      /^TLS_ECDH(E_RSA|E_ECDSA|_anon)_/.test(this.cipher ?? "")
    ) {
      const curve = serverKeyExchangeCurve(body);
      if (curve !== undefined) this.curve = groupName(curve);
    }
  }

  private clientHello(hello: ClientHello): void {
    if (!versionOk(hello.version)) return this.violation("unsupported client SSL version");
    if (hello.serverNames > 0) {
      this.serverName = hello.serverName;
      if (hello.serverNames > 1) this.ctx.malformed("SSL_many_server_names");
    }
    if (hello.ticket) this.ticketWithoutSession = true;
    if (hello.psk) this.clientPsk = true;
    if (hello.sessionId.length > 0 && hello.sessionId !== "00".repeat(32)) {
      this.sessionId = hello.sessionId;
      this.ticketWithoutSession = false;
    }
    if (this.ja3 === undefined && !hello.v2) {
      this.ja3 = ja3(hello);
      this.ja4 = ja4(hello, "t");
    }
  }

  private serverHello(dir: Direction, body: Uint8Array): void {
    const hello = parseServerHello(body);
    if (!hello) return this.violation("bad server hello");
    if (!versionOk(hello.version)) return this.violation("unsupported server SSL version");
    // The extensions first (Zeek raises their events before the hello's).
    if (hello.selectedVersion !== undefined) this.version = hello.selectedVersion;
    if (hello.keyShareGroup !== undefined) this.curve = groupName(hello.keyShareGroup);
    if (hello.alpn.length > 0) this.nextProtocol = hello.alpn[0];
    if (hello.psk && this.clientPsk) this.resumed = true;
    this.version ??= hello.version;
    this.negotiated = hello.selectedVersion ?? hello.version;
    this.cipher = cipherName(hello.cipher);
    if (Buffer.from(hello.random).toString("hex") === HELLO_RETRY_RANDOM) this.hrr = true;
    const draft = Math.floor(this.version / 0xff) === 0x7f;
    if (
      this.sessionId !== undefined &&
      this.sessionId === hello.sessionId &&
      !draft &&
      this.version !== TLS_V13
    ) {
      this.resumed = true;
    }
    this.session();
    if (this.hrr) {
      this.hrr = false;
      this.addHistory(this.isClient(dir), "j");
    } else {
      this.addHistory(this.isClient(dir), "s");
    }
  }

  private log(): void {
    if (!this.started || this.emitted) return;
    this.emitted = true;
    const record: SslRecord = {
      protocol: "ssl",
      uid: this.ctx.flow.uid,
      ts: this.ts,
      version: this.version === undefined ? undefined : versionName(this.version),
      cipher: this.cipher,
      curve: this.curve,
      server_name: this.serverName,
      resumed: this.resumed,
      last_alert: this.lastAlert,
      next_protocol: this.nextProtocol,
      established: this.established,
      ssl_history: this.history,
      cert_chain_fps: undefined,
      client_cert_chain_fps: undefined,
      sni_matches_cert: undefined,
      ja3: this.ja3,
      ja4: this.ja4,
    };
    this.ctx.emit(record);
  }
}
