/**
 * The incremental connection assembler: packets in (in capture order), connection records out,
 * each emitted when its connection ends (FIN handshake, RST, or an idle timeout) so the same code
 * serves a file and a live stream. TCP follows Zeek's connection states (S0, S1, SF, REJ, S2, S3,
 * RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH), mapped to KDD's `flag`; UDP and ICMP become
 * pseudo-connections closed after an idle timeout.
 *
 * Records carry KDD's basic features (duration, protocol_type, service, flag, src_bytes, dst_bytes,
 * land, wrong_fragment, urgent) and the content features that can be read from clear-text FTP
 * (num_failed_logins, logged_in, is_guest_login); all other content features are 0, because they
 * need host audit data or decrypted payloads (see docs/connection-features.md). The time- and
 * host-based traffic features are added by `TrafficFeatures`.
 */
import { OptionError } from "../core/errors";
import {
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type Packet,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
} from "../packets/packet";
import { KDD_FEATURES } from "../datasets/kdd99";
import { icmpService, portService } from "./services";

/** Zeek's connection states (https://docs.zeek.org/en/current/scripts/base/protocols/conn/main.zeek.html). */
export type ZeekState =
  "S0" | "S1" | "SF" | "REJ" | "S2" | "S3" | "RSTO" | "RSTR" | "RSTOS0" | "RSTRH" | "SH" | "SHR" | "OTH";

/**
 * KDD's `flag` for a Zeek state. KDD has no responder-only states, so RSTRH and SHR (a SYN-ACK
 * without the SYN) become OTH; UDP and ICMP records are always SF in KDD.
 */
export function kddFlag(state: ZeekState): string {
  return state === "RSTRH" || state === "SHR" ? "OTH" : state;
}

/** The 41 KDD features of a record, by their KDD names (what `FeaturePipeline.transformRecord` takes). */
export type KddFeatures = Record<string, number | string>;

/** One connection, as the assembler emits it. */
export interface ConnectionRecord {
  /** Sequence number of the connection, in order of its first packet. */
  readonly uid: number;
  /** First and last packet, seconds since the epoch. */
  readonly start: number;
  readonly end: number;
  readonly protocol: "tcp" | "udp" | "icmp";
  /** Originator (the side that sent the first packet, or the SYN) and responder. */
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  readonly state: ZeekState;
  /** Zeek-style history: S SYN, H SYN-ACK, A ACK, D data, F FIN, R RST; upper case from the originator. */
  readonly history: string;
  readonly origPackets: number;
  readonly respPackets: number;
  /** Why the record was emitted. */
  readonly closedBy: "fin" | "rst" | "timeout" | "end";
  /** DNS query name and type of the first query, when the connection is DNS. */
  readonly dnsQuery?: string;
  readonly dnsType?: number;
  /** HTTP request line and Host header of the first request, when in clear text. */
  readonly httpMethod?: string;
  readonly httpUri?: string;
  readonly httpHost?: string;
  /** The KDD features; the traffic features (count ... dst_host_srv_rerror_rate) are 0 until `TrafficFeatures` fills them. */
  readonly features: KddFeatures;
}

export interface AssemblerOptions {
  /** Idle time after which an established TCP connection is closed (state S1 and friends). Default 120 s. */
  tcpIdleSeconds?: number;
  /** A TCP attempt without answer (S0), or a half-seen exchange, closes after this. Default 5 s (Zeek's tcp_attempt_delay). */
  tcpAttemptSeconds?: number;
  /** After both FINs or a RST, late packets (the final ACK) still join the record for this long. Default 1 s. */
  tcpLingerSeconds?: number;
  /** Idle time of UDP and ICMP pseudo-connections. Default 10 s. */
  udpIdleSeconds?: number;
  /** Open connections at most; beyond it the oldest is closed early (and counted). Default 1,000,000. */
  maxConnections?: number;
}

/** What the assembler did with the packets, for the report; nothing is dropped without a count. */
export interface AssemblerStats {
  packets: number;
  /** Packets that carried no IP (ARP, ...) or another transport (GRE, ESP, ...): not connections. */
  ignoredNonIp: number;
  ignoredOtherProtocol: number;
  connections: number;
  /** Connections closed early because `maxConnections` were open. */
  evicted: number;
  /** Packets with a time earlier than the previous one (taken as if at the previous time). */
  outOfOrder: number;
}

interface Conn {
  uid: number;
  key: string;
  protocol: "tcp" | "udp" | "icmp";
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  start: number;
  last: number;
  service: string;
  origPackets: number;
  respPackets: number;
  origBytes: number;
  respBytes: number;
  urgent: number;
  wrongFragment: number;
  history: string;
  // TCP endpoint states (Zeek's TCP_Endpoint states)
  orig: EndpointState;
  resp: EndpointState;
  /** When the connection is done (both FINs or a RST): close at this time. */
  closingAt: number;
  closedBy: ConnectionRecord["closedBy"];
  // clear-text content
  failedLogins: number;
  loggedIn: boolean;
  guest: boolean;
  dnsQuery?: string;
  dnsType?: number;
  httpMethod?: string;
  httpUri?: string;
  httpHost?: string;
  ipIds: number[];
}

/** How often (in capture seconds) idle connections are swept. */
const SWEEP_INTERVAL_SECONDS = 1;
/** Largest datagram an IPv4 fragment may extend to; beyond it is the "ping of death" (CVE-1999-0128). */
const MAX_IPV4_DATAGRAM = 65_535;

/**
 * The assembler. Call `add(packet, emit)` for every packet in capture order and `flush(emit)` at the
 * end of a file; `emit` receives each finished record.
 */
export class ConnectionAssembler {
  private readonly opts: Required<AssemblerOptions>;
  private readonly open = new Map<string, Conn>();
  /** IPv4 fragments after the first carry no ports: find their connection by (src, dst, id). */
  private readonly fragments = new Map<string, Conn>();
  private nextUid = 0;
  private now = Number.NEGATIVE_INFINITY;
  private lastSweep = Number.NEGATIVE_INFINITY;
  readonly stats: AssemblerStats = {
    packets: 0,
    ignoredNonIp: 0,
    ignoredOtherProtocol: 0,
    connections: 0,
    evicted: 0,
    outOfOrder: 0,
  };

  constructor(options: AssemblerOptions = {}) {
    this.opts = {
      tcpIdleSeconds: options.tcpIdleSeconds ?? 120,
      tcpAttemptSeconds: options.tcpAttemptSeconds ?? 5,
      tcpLingerSeconds: options.tcpLingerSeconds ?? 1,
      udpIdleSeconds: options.udpIdleSeconds ?? 10,
      maxConnections: options.maxConnections ?? 1_000_000,
    };
    for (const [k, v] of Object.entries(this.opts)) {
      if (!(v > 0)) throw new OptionError(`ConnectionAssembler: ${k} must be positive, got ${v}.`);
    }
  }

  /** Start time of the oldest open connection (Infinity when none): no record will start earlier. */
  oldestOpenStart(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const c of this.open.values()) if (c.start < oldest) oldest = c.start;
    return oldest;
  }

  /** The capture time of the latest packet. */
  get time(): number {
    return this.now;
  }

  /** Open connections now. */
  get openConnections(): number {
    return this.open.size;
  }

  /** Feeds one packet; records of connections that ended before it are passed to `emit` first. */
  add(p: Packet, emit: (r: ConnectionRecord) => void): void {
    this.stats.packets++;
    let ts = p.ts;
    if (ts < this.now) {
      this.stats.outOfOrder++;
      ts = this.now;
    }
    this.now = ts;
    if (ts - this.lastSweep >= SWEEP_INTERVAL_SECONDS) this.sweep(ts, emit);
    if (p.ipVersion === 0) {
      this.stats.ignoredNonIp++;
      return;
    }
    const tcp = p.protocol === IPPROTO_TCP;
    const udp = p.protocol === IPPROTO_UDP;
    const icmp = p.protocol === IPPROTO_ICMP || p.protocol === IPPROTO_ICMPV6;
    if (!tcp && !udp && !icmp) {
      this.stats.ignoredOtherProtocol++;
      return;
    }
    // A non-first fragment has no transport header: it belongs to the first fragment's connection.
    if (p.fragmentOffset > 0) {
      const conn = this.fragments.get(`${p.src}|${p.dst}|${p.ipId}`);
      if (conn) this.account(conn, conn.src === p.src, p, ts);
      return;
    }
    let key: string;
    let fromOrig = true;
    let conn: Conn | undefined;
    if (icmp) {
      // Echo request and its replies form one connection; other messages are their own.
      const echoReply = p.icmpType === 0 || p.icmpType === 129;
      const echo = p.icmpType === 8 || p.icmpType === 128 || echoReply;
      key = echo ? `icmp|echo|${pair(p.src, p.dst)}` : `icmp|${p.icmpType}|${p.src}|${p.dst}`;
      conn = this.open.get(key);
      if (conn) fromOrig = conn.src === p.src;
      else
        conn = this.create(
          key,
          "icmp",
          p,
          ts,
          icmpService(p.icmpType, p.icmpCode, p.protocol === IPPROTO_ICMPV6),
        );
    } else {
      const protocol = tcp ? "tcp" : "udp";
      key = `${protocol}|${endpointPair(p.src, p.srcPort, p.dst, p.dstPort)}`;
      conn = this.open.get(key);
      if (
        conn &&
        tcp &&
        conn.closingAt < Number.POSITIVE_INFINITY &&
        p.tcpFlags & TCP_SYN &&
        !(p.tcpFlags & TCP_ACK)
      ) {
        // A new SYN on a finished connection's ports starts a new connection.
        this.close(conn, emit);
        conn = undefined;
      }
      if (conn) {
        fromOrig = conn.src === p.src && conn.srcPort === p.srcPort;
      } else {
        // A SYN-ACK first means we missed the SYN: its receiver is the originator (as Zeek does).
        const flipped = tcp && (p.tcpFlags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
        conn = this.create(key, protocol, p, ts, "", flipped);
        conn.service = portService(protocol, conn.dstPort);
        fromOrig = !flipped;
      }
    }
    if (p.moreFragments) {
      this.fragments.set(`${p.src}|${p.dst}|${p.ipId}`, conn);
      conn.ipIds.push(p.ipId);
    }
    this.account(conn, fromOrig, p, ts);
    if (tcp) this.tcpEvents(conn, fromOrig, p.tcpFlags, p.payloadLength, ts);
    if (p.payload.length > 0 && conn.origPackets + conn.respPackets <= CONTENT_PACKETS) {
      inspectContent(conn, fromOrig, p);
    }
  }

  private create(
    key: string,
    protocol: Conn["protocol"],
    p: Packet,
    ts: number,
    service: string,
    flipped = false,
  ): Conn {
    if (this.open.size >= this.opts.maxConnections) this.evictOldest();
    const conn: Conn = {
      uid: this.nextUid++,
      key,
      protocol,
      src: flipped ? p.dst : p.src,
      srcPort: flipped ? p.dstPort : p.srcPort,
      dst: flipped ? p.src : p.dst,
      dstPort: flipped ? p.srcPort : p.dstPort,
      start: ts,
      last: ts,
      service,
      origPackets: 0,
      respPackets: 0,
      origBytes: 0,
      respBytes: 0,
      urgent: 0,
      wrongFragment: 0,
      history: "",
      orig: "INACTIVE",
      resp: "INACTIVE",
      closingAt: Number.POSITIVE_INFINITY,
      closedBy: "timeout",
      failedLogins: 0,
      loggedIn: false,
      guest: false,
      ipIds: [],
    };
    this.open.set(key, conn);
    this.stats.connections++;
    return conn;
  }

  private evicted: ConnectionRecord[] = [];

  private evictOldest(): void {
    let oldest: Conn | undefined;
    for (const c of this.open.values()) if (!oldest || c.last < oldest.last) oldest = c;
    if (oldest) {
      this.stats.evicted++;
      this.close(oldest, (r) => this.evicted.push(r));
    }
  }

  private account(conn: Conn, fromOrig: boolean, p: Packet, ts: number): void {
    conn.last = ts;
    if (fromOrig) {
      conn.origPackets++;
      conn.origBytes += p.payloadLength;
    } else {
      conn.respPackets++;
      conn.respBytes += p.payloadLength;
    }
    if (p.tcpFlags & TCP_URG) conn.urgent++;
    // KDD's wrong_fragment: a damaged header, or a fragment that would overrun the largest datagram.
    if (!p.ipChecksumOk || (p.ipVersion === 4 && p.fragmentOffset + p.ipLength > MAX_IPV4_DATAGRAM + 20)) {
      conn.wrongFragment++;
    }
  }

  private tcpEvents(conn: Conn, fromOrig: boolean, flags: number, payload: number, ts: number): void {
    const mark = (letter: string): void => {
      const l = fromOrig ? letter.toUpperCase() : letter.toLowerCase();
      if (!conn.history.includes(l)) conn.history += l;
    };
    if (flags & TCP_SYN) mark(flags & TCP_ACK ? "h" : "s");
    else if ((flags & (TCP_ACK | TCP_FIN | TCP_RST)) === TCP_ACK && payload === 0) mark("a"); // a pure ACK
    if (payload > 0) mark("d");
    if (flags & TCP_FIN) mark("f");
    if (flags & TCP_RST) mark("r");
    const [self, peer] = fromOrig ? (["orig", "resp"] as const) : (["resp", "orig"] as const);
    conn[self] = nextEndpointState(conn[self], conn[peer], flags, payload);
    // The ACK that completes the handshake establishes both ends.
    if (conn[self] === "ESTABLISHED" && conn[peer] === "SYN_ACK_SENT") conn[peer] = "ESTABLISHED";
    if (flags & TCP_RST) {
      conn.closedBy = "rst";
      conn.closingAt = Math.min(conn.closingAt, ts + this.opts.tcpLingerSeconds);
    } else if (
      conn.orig === "CLOSED" &&
      conn.resp === "CLOSED" &&
      conn.closingAt === Number.POSITIVE_INFINITY
    ) {
      conn.closedBy = "fin";
      conn.closingAt = ts + this.opts.tcpLingerSeconds;
    }
  }

  /** Closes what has ended or idled by `now`. */
  private sweep(now: number, emit: (r: ConnectionRecord) => void): void {
    this.lastSweep = now;
    for (const r of this.evicted.splice(0)) emit(r);
    const due: Conn[] = [];
    for (const c of this.open.values()) if (this.deadline(c) <= now) due.push(c);
    // Emit in order of end time, then start, so a replay gives the same sequence.
    due.sort((a, b) => this.deadline(a) - this.deadline(b) || a.uid - b.uid);
    for (const c of due) this.close(c, emit);
  }

  private deadline(c: Conn): number {
    if (c.closingAt < Number.POSITIVE_INFINITY) return c.closingAt;
    if (c.protocol !== "tcp") return c.last + this.opts.udpIdleSeconds;
    const established = c.orig === "ESTABLISHED" || c.resp === "ESTABLISHED";
    return c.last + (established ? this.opts.tcpIdleSeconds : this.opts.tcpAttemptSeconds);
  }

  private close(c: Conn, emit: (r: ConnectionRecord) => void): void {
    this.open.delete(c.key);
    for (const id of c.ipIds) this.fragments.delete(`${c.src}|${c.dst}|${id}`);
    emit(toRecord(c));
  }

  /** Ends the input (end of a file): every open connection is emitted, oldest first. */
  flush(emit: (r: ConnectionRecord) => void): void {
    for (const r of this.evicted.splice(0)) emit(r);
    const rest = [...this.open.values()].sort((a, b) => a.start - b.start || a.uid - b.uid);
    for (const c of rest) {
      if (c.closingAt === Number.POSITIVE_INFINITY) c.closedBy = "end";
      this.close(c, emit);
    }
  }
}

/** Only the first packets of a connection are inspected for clear-text content. */
const CONTENT_PACKETS = 64;

function pair(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

function endpointPair(a: string, ap: number, b: string, bp: number): string {
  return a < b || (a === b && ap <= bp) ? `${a}|${ap}|${b}|${bp}` : `${b}|${bp}|${a}|${ap}`;
}

/**
 * The state of one end of a TCP connection, as Zeek's TCP analyzer tracks it: INACTIVE (nothing
 * sent), SYN_SENT, SYN_ACK_SENT, PARTIAL (seen only mid-stream), ESTABLISHED, CLOSED (sent a FIN),
 * RESET (sent a RST).
 */
export type EndpointState =
  "INACTIVE" | "SYN_SENT" | "SYN_ACK_SENT" | "PARTIAL" | "ESTABLISHED" | "CLOSED" | "RESET";

/** An endpoint's next state after it sends a segment with `flags` (its peer in `peer`). */
export function nextEndpointState(
  self: EndpointState,
  peer: EndpointState,
  flags: number,
  payload: number,
): EndpointState {
  if (flags & TCP_RST) return "RESET";
  if (self === "RESET") return self;
  if (flags & TCP_FIN) return "CLOSED";
  if (self === "CLOSED") return self;
  if (flags & TCP_SYN) {
    if (flags & TCP_ACK) return self === "INACTIVE" || self === "PARTIAL" ? "SYN_ACK_SENT" : self;
    return self === "INACTIVE" ? "SYN_SENT" : self;
  }
  // An ACK or data without SYN.
  if (self === "SYN_SENT" && (peer === "SYN_ACK_SENT" || peer === "ESTABLISHED")) return "ESTABLISHED";
  if (self === "SYN_ACK_SENT" && (flags & TCP_ACK || payload > 0) && peer === "ESTABLISHED")
    return "ESTABLISHED";
  if (self === "INACTIVE") return "PARTIAL";
  return self;
}

/**
 * Zeek's connection state from the two endpoint states (`conn_state` in
 * base/protocols/conn/main.zeek), with the history to tell RSTOS0 from OTH.
 */
export function tcpState(orig: EndpointState, resp: EndpointState, history: string): ZeekState {
  const origInactive = orig === "INACTIVE" || orig === "PARTIAL";
  const respInactive = resp === "INACTIVE" || resp === "PARTIAL";
  if (resp === "RESET") {
    if (orig === "SYN_SENT" || orig === "SYN_ACK_SENT" || (orig === "RESET" && !/[Dd]/.test(history)))
      return "REJ";
    return origInactive ? "RSTRH" : "RSTR";
  }
  if (orig === "RESET") {
    if (respInactive) return /^S[^HAFGIQ]*R/.test(history) ? "RSTOS0" : "OTH";
    return "RSTO";
  }
  if (resp === "CLOSED" && orig === "CLOSED") return "SF";
  if (orig === "CLOSED") return respInactive ? "SH" : "S2";
  if (resp === "CLOSED") return origInactive ? "SHR" : "S3";
  if (orig === "SYN_SENT" && resp === "INACTIVE") return "S0";
  if (orig === "ESTABLISHED" && resp === "ESTABLISHED") return "S1";
  return "OTH";
}

function toRecord(c: Conn): ConnectionRecord {
  // Zeek calls a UDP flow without an answer S0 and every ICMP flow OTH; KDD's flag is SF for both.
  const state: ZeekState =
    c.protocol === "tcp"
      ? tcpState(c.orig, c.resp, c.history)
      : c.protocol === "udp" && c.respPackets === 0
        ? "S0"
        : c.protocol === "udp"
          ? "SF"
          : "OTH";
  const features: KddFeatures = {
    duration: c.last - c.start,
    protocol_type: c.protocol,
    service: c.service,
    flag: c.protocol === "tcp" ? kddFlag(state) : "SF",
    src_bytes: c.origBytes,
    dst_bytes: c.respBytes,
    land: c.src === c.dst && c.srcPort === c.dstPort ? 1 : 0,
    wrong_fragment: c.wrongFragment,
    urgent: c.urgent,
    hot: 0,
    num_failed_logins: c.failedLogins,
    logged_in: c.loggedIn ? 1 : 0,
    num_compromised: 0,
    root_shell: 0,
    su_attempted: 0,
    num_root: 0,
    num_file_creations: 0,
    num_shells: 0,
    num_access_files: 0,
    num_outbound_cmds: 0,
    is_host_login: 0,
    is_guest_login: c.guest ? 1 : 0,
  };
  return {
    uid: c.uid,
    start: c.start,
    end: c.last,
    protocol: c.protocol,
    src: c.src,
    srcPort: c.srcPort,
    dst: c.dst,
    dstPort: c.dstPort,
    state,
    history: c.history,
    origPackets: c.origPackets,
    respPackets: c.respPackets,
    closedBy: c.closedBy,
    dnsQuery: c.dnsQuery,
    dnsType: c.dnsType,
    httpMethod: c.httpMethod,
    httpUri: c.httpUri,
    httpHost: c.httpHost,
    features,
  };
}

const HTTP_METHODS = /^(GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH|CONNECT) (\S+) HTTP\/1\.[01]\r\n/;

/** Reads what clear-text protocols say: DNS questions, HTTP request lines, FTP logins. */
function inspectContent(conn: Conn, fromOrig: boolean, p: Packet): void {
  const payload = p.payload;
  if (conn.protocol === "udp" && fromOrig && conn.dstPort === 53 && conn.dnsQuery === undefined) {
    const q = parseDnsQuestion(payload);
    if (q) {
      conn.dnsQuery = q.name;
      conn.dnsType = q.type;
    }
    return;
  }
  if (conn.protocol !== "tcp") return;
  if (conn.dstPort === 21) {
    const text = Buffer.from(payload.buffer, payload.byteOffset, Math.min(payload.length, 512)).toString(
      "latin1",
    );
    if (fromOrig) {
      if (/^USER (anonymous|ftp)\r?\n/i.test(text)) conn.guest = true;
    } else if (text.startsWith("530")) {
      conn.failedLogins++;
    } else if (text.startsWith("230")) {
      conn.loggedIn = true;
    }
    return;
  }
  if (
    fromOrig &&
    conn.httpMethod === undefined &&
    payload.length >= 16 &&
    payload[0] >= 0x41 &&
    payload[0] <= 0x5a
  ) {
    const head = Buffer.from(payload.buffer, payload.byteOffset, Math.min(payload.length, 2048)).toString(
      "latin1",
    );
    const m = HTTP_METHODS.exec(head);
    if (m) {
      conn.httpMethod = m[1];
      conn.httpUri = m[2];
      conn.httpHost = /\r\nHost: *([^\r\n]+)/i.exec(head)?.[1];
    }
  }
}

/** The question of a DNS message (RFC 1035 4.1.2): name and type, or undefined if it does not parse. */
export function parseDnsQuestion(msg: Uint8Array): { name: string; type: number } | undefined {
  if (msg.length < 17) return undefined;
  const questions = (msg[4] << 8) | msg[5];
  if (questions < 1) return undefined;
  const labels: string[] = [];
  let i = 12;
  while (i < msg.length) {
    const len = msg[i];
    if (len === 0) break;
    if (len > 63 || i + 1 + len > msg.length) return undefined; // compression is not used in questions
    labels.push(Buffer.from(msg.buffer, msg.byteOffset + i + 1, len).toString("latin1"));
    i += 1 + len;
  }
  if (i + 3 > msg.length - 1) return undefined;
  return { name: labels.join("."), type: (msg[i + 1] << 8) | msg[i + 2] };
}

/**
 * The content features packets cannot give (they need what users typed in a shell: host audit data
 * in 1998, encrypted in SSH today); always 0 in records built here.
 */
export const UNDERIVABLE_FEATURES: readonly string[] = Object.freeze([
  "hot",
  "num_compromised",
  "root_shell",
  "su_attempted",
  "num_root",
  "num_file_creations",
  "num_shells",
  "num_access_files",
  "num_outbound_cmds",
  "is_host_login",
]);

/**
 * The KDD features our records carry (all 41 but UNDERIVABLE_FEATURES): the columns to fit a
 * pipeline on for packet-derived records. With a normal-only training capture, fit with
 * `dropConstant: "none"`, so features that never vary in normal traffic (flag, the error rates)
 * stay in and an attack's departure from them shows.
 */
export const PACKET_DERIVABLE_FEATURES: readonly string[] = Object.freeze(
  KDD_FEATURES.map((f) => f.name).filter((name) => !UNDERIVABLE_FEATURES.includes(name)),
);
