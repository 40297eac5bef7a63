/**
 * Connection records with KDD's features, built from the flow table's conn records and what the
 * protocol parsers say: packets in (in capture order), records out, each when its connection ends,
 * so the same code serves a file and a live stream.
 *
 * Records carry KDD's basic features (duration, protocol_type, service, flag, src_bytes, dst_bytes,
 * land, wrong_fragment, urgent) and the content features that clear-text FTP gives
 * (num_failed_logins, logged_in, is_guest_login, from the FTP parser's records); all other content
 * features are 0, because they need host audit data or decrypted payloads (see
 * docs/connection-features.md). The time- and host-based traffic features are added by
 * `TrafficFeatures`. Protocol records (DNS queries, HTTP requests, FTP replies) are passed on to
 * `onProtocolRecord`, joined to their record by `uid`.
 */
import { OptionError } from "../core/errors";
import { IPPROTO_ICMPV6, type Packet } from "../packets/packet";
import type { ConnRecord } from "../flows/connRecord";
import { type Flow, FlowTable, type FlowTableOptions, type FlowTableStats } from "../flows/flowTable";
import type { ConnState } from "../flows/tcpState";
import { type AnalyzerOptions, type FlowProtocolState, ProtocolAnalyzer } from "../protocols/analyzer";
import { dnsParser } from "../protocols/dns/dnsParser";
import { ftpParser, type FtpRecord, isGuestUser } from "../protocols/ftp/ftpParser";
import { httpParser } from "../protocols/http/httpParser";
import { ParserRegistry } from "../protocols/registry";
import type { ProtocolRecord } from "../protocols/parser";
import { KDD_FEATURES } from "../datasets/kdd99";
import { icmpService, portService } from "./services";

/** Zeek's connection states, as the records carry them (`ConnState` of the flow table). */
export type ZeekState = ConnState;

/**
 * KDD's `flag` for a Zeek state. KDD has no responder-only states, so RSTRH and SHR (a SYN-ACK
 * without the SYN) become OTH; UDP and ICMP records are always SF in KDD.
 */
export function kddFlag(state: ZeekState): string {
  return state === "RSTRH" || state === "SHR" ? "OTH" : state;
}

/** The 41 KDD features of a record, by their KDD names (what `FeaturePipeline.transformRecord` takes). */
export type KddFeatures = Record<string, number | string>;

/** One connection with its KDD features, as the assembler emits it. */
export interface ConnectionRecord {
  /** The flow's number, in order of its first packet: the `uid` of its conn record and protocol records. */
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
  /** The KDD features; the traffic features (count ... dst_host_srv_rerror_rate) are 0 until `TrafficFeatures` fills them. */
  readonly features: KddFeatures;
}

/**
 * Packets whose payloads the protocol parsers read, per connection, by default: KDD's content
 * features (FTP logins) have always been read from a connection's first 64 packets, and the study's
 * numbers depend on it.
 */
export const KDD_CONTENT_PACKETS = 64;

export interface AssemblerOptions extends Omit<FlowTableOptions, "payloadPackets">, AnalyzerOptions {
  /**
   * Payloads of a connection's first this-many packets (both directions, counted with or without
   * payload) go to the protocol parsers; later ones are not read. Default KDD_CONTENT_PACKETS (64),
   * which keeps the study's numbers; Infinity reads every packet.
   */
  contentPackets?: number;
  /** Receives each protocol record (DNS query, HTTP request, FTP reply), with its flow, before its connection's record. */
  onProtocolRecord?: (record: ProtocolRecord, flow: Readonly<Flow<unknown>>) => void;
  /** Receives each finished connection's Zeek conn record (what the host detections read), before its KDD record. */
  onConn?: (conn: ConnRecord) => void;
}

/** What the assembler did with the packets (the flow table's counts). */
export type AssemblerStats = FlowTableStats;

/** What the FTP replies of a connection said about logins. */
interface Logins {
  failed: number;
  loggedIn: boolean;
  guest: boolean;
}

/** FTP reply codes (RFC 959): user logged in; not logged in. */
const FTP_LOGGED_IN = 230;
const FTP_NOT_LOGGED_IN = 530;
/** The commands of a login (RFC 959 4.1.1), whose 230 and 530 replies the login features count. */
const FTP_LOGIN_COMMANDS = new Set(["USER", "PASS", "ACCT"]);

/**
 * The parsers whose records the features read (DNS and HTTP for the records' protocol columns, FTP
 * for KDD's login features): the assembler's default. The full registry (TLS, SSH, SMTP too) is
 * for protocol logs (`ProtocolLogs`); here it would only cost time.
 */
export function featureRegistry(): ParserRegistry {
  return new ParserRegistry().register(dnsParser).register(httpParser).register(ftpParser);
}

/**
 * The assembler: a flow table, the protocol parsers on it, and KDD's features from both. Call
 * `add(packet, emit)` for every packet in capture order and `flush(emit)` at the end of a file;
 * `emit` receives each finished record.
 */
export class ConnectionAssembler {
  readonly flows: FlowTable<FlowProtocolState>;
  readonly protocols: ProtocolAnalyzer;
  /** FTP login facts of open connections, by uid (only connections with FTP records). */
  private readonly logins = new Map<number, Logins>();
  private sink: (r: ConnectionRecord) => void = () => {};
  private readonly convert: (c: ConnRecord) => void = (c) => this.sink(this.toRecord(c));

  constructor(options: AssemblerOptions = {}) {
    const contentPackets = options.contentPackets ?? KDD_CONTENT_PACKETS;
    if (!(contentPackets > 0)) {
      throw new OptionError(`ConnectionAssembler: contentPackets must be positive, got ${contentPackets}.`);
    }
    const onProtocolRecord = options.onProtocolRecord;
    const onConn = options.onConn;
    if (onConn) {
      this.convert = (c: ConnRecord): void => {
        onConn(c);
        this.sink(this.toRecord(c));
      };
    }
    this.protocols = new ProtocolAnalyzer(
      (r, flow) => {
        if (r.protocol === "ftp") this.ftp(r as FtpRecord);
        onProtocolRecord?.(r, flow);
      },
      { ...options, registry: options.registry ?? featureRegistry() },
    );
    this.flows = new FlowTable<FlowProtocolState>(
      { ...options, payloadPackets: contentPackets },
      this.protocols,
    );
  }

  /** What the flow table counted. */
  get stats(): AssemblerStats {
    return this.flows.stats;
  }

  /** Start time of the oldest open connection (Infinity when none): no record will start earlier. */
  oldestOpenStart(): number {
    return this.flows.oldestOpenStart();
  }

  /** The capture time of the latest packet. */
  get time(): number {
    return this.flows.time;
  }

  /** Open connections now. */
  get openConnections(): number {
    return this.flows.openFlows;
  }

  /** Feeds one packet; records of connections that ended before it are passed to `emit` first. */
  add(p: Packet, emit: (r: ConnectionRecord) => void): void {
    this.sink = emit;
    this.flows.add(p, this.convert);
  }

  /** Ends the input (end of a file): every open connection is emitted, oldest first. */
  flush(emit: (r: ConnectionRecord) => void): void {
    this.sink = emit;
    this.flows.flush(this.convert);
  }

  private ftp(r: FtpRecord): void {
    let l = this.logins.get(r.uid);
    if (!l) {
      l = { failed: 0, loggedIn: false, guest: false };
      this.logins.set(r.uid, l);
    }
    // Only the login commands' replies: a command never answered carries the last reply seen (as Zeek logs it).
    if (!FTP_LOGIN_COMMANDS.has(r.command)) return;
    if (r.reply_code === FTP_NOT_LOGGED_IN) l.failed++;
    else if (r.reply_code === FTP_LOGGED_IN) l.loggedIn = true;
    if (r.command === "USER" && isGuestUser(r.arg ?? "")) l.guest = true;
  }

  private toRecord(c: ConnRecord): ConnectionRecord {
    const logins = this.logins.get(c.uid);
    if (logins) this.logins.delete(c.uid);
    const service =
      c.proto === "icmp"
        ? icmpService(c.icmpType, c.icmpCode, c.ipProto === IPPROTO_ICMPV6)
        : portService(c.proto, c.dstPort);
    const features: KddFeatures = {
      duration: c.duration,
      protocol_type: c.proto,
      service,
      // UDP and ICMP records are SF in KDD whatever Zeek calls them.
      flag: c.proto === "tcp" ? kddFlag(c.state) : "SF",
      src_bytes: c.origBytes,
      dst_bytes: c.respBytes,
      land: c.src === c.dst && c.srcPort === c.dstPort ? 1 : 0,
      wrong_fragment: c.wrongFragments,
      urgent: c.urgentPackets,
      hot: 0,
      num_failed_logins: logins ? logins.failed : 0,
      logged_in: logins?.loggedIn ? 1 : 0,
      num_compromised: 0,
      root_shell: 0,
      su_attempted: 0,
      num_root: 0,
      num_file_creations: 0,
      num_shells: 0,
      num_access_files: 0,
      num_outbound_cmds: 0,
      is_host_login: 0,
      is_guest_login: logins?.guest ? 1 : 0,
    };
    return {
      uid: c.uid,
      start: c.ts,
      end: c.end,
      protocol: c.proto,
      src: c.src,
      srcPort: c.srcPort,
      dst: c.dst,
      dstPort: c.dstPort,
      state: c.state,
      history: c.history,
      origPackets: c.origPackets,
      respPackets: c.respPackets,
      closedBy: c.closedBy,
      features,
    };
  }
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
