/**
 * DNS (RFC 1035) over UDP and TCP (RFC 7766: each message behind a 2-byte length, several per
 * segment or one across several), read into Zeek's dns.log: queries and responses paired by
 * transaction id (`dnsSessions.ts`), names with compression (`dnsWire.ts`), answers rendered as
 * Zeek renders them (`dnsAnswers.ts`). Malformed messages are counted by reason, never thrown.
 */
import type { Direction } from "../../flows/flowTable";
import type { ParserContext, ParserInstance, ProbeContext, ProtocolParser } from "../parser";
import { DnsFraming } from "./dnsFraming";
import { DNS_LOG, type DnsRecord } from "./dnsLog";
import { DnsSessions } from "./dnsSessions";
import { DNS_HEADER_BYTES, readDnsMessage, readQuestionAt } from "./dnsWire";

export type { DnsRecord } from "./dnsLog";
export { DNS_LOG } from "./dnsLog";

/** Header (12) + a one-byte name + type and class (4): the shortest message with a question. */
const MIN_QUERY_BYTES = 17;

/**
 * The question of a DNS message (RFC 1035 4.1.2): name (case kept) and type, or why it does not
 * parse (a short reason). Compression pointers are followed (backwards only).
 */
export function readDnsQuestion(msg: Uint8Array): { name: string; type: number } | string {
  if (msg.length < MIN_QUERY_BYTES) return "message too short";
  const questions = (msg[4] << 8) | msg[5];
  if (questions < 1) return "no question";
  const q = readQuestionAt(msg, DNS_HEADER_BYTES);
  if (typeof q === "string") return q;
  return { name: q.q.name, type: q.q.type };
}

/** The question of a DNS message: name and type, or undefined if it does not parse. */
export function parseDnsQuestion(msg: Uint8Array): { name: string; type: number } | undefined {
  const q = readDnsQuestion(msg);
  return typeof q === "string" ? undefined : q;
}

/**
 * A DNS message by its look: one question, a standard query or its response (opcode 0), the zero
 * bit clear, class IN, CH or ANY, and a question that parses. Stricter than parsing, because content
 * probing runs on every unidentified flow.
 */
function looksLikeDns(msg: Uint8Array, cut = false): boolean {
  if (msg.length < MIN_QUERY_BYTES) return false;
  if (msg[4] !== 0 || msg[5] !== 1) return false; // QDCOUNT 1
  if ((msg[2] & 0x78) !== 0 || (msg[3] & 0x40) !== 0) return false; // opcode 0, Z 0
  const q = readQuestionAt(msg, DNS_HEADER_BYTES);
  if (typeof q === "string") {
    // A first TCP message cut by the segment: what arrived must parse, its first label whole.
    const first = msg[DNS_HEADER_BYTES];
    const wholeLabel = first >= 1 && first <= 63 && msg.length > DNS_HEADER_BYTES + first;
    return cut && wholeLabel && (q === "question past the end" || q === "name past the end");
  }
  return q.q.qclass === 1 || q.q.qclass === 3 || q.q.qclass === 255;
}

/** NetBIOS name service's port, whose names Zeek decodes. */
const NETBIOS_NS_PORT = 137;

/** Whether `addr` (text form) is a multicast address (224.0.0.0/4, ff00::/8). */
function isMulticast(addr: string): boolean {
  if (addr.includes(":")) return addr.toLowerCase().startsWith("ff");
  const first = Number(addr.split(".", 1)[0]);
  return first >= 224 && first <= 239;
}

/** The DNS parser: UDP 53, 137 (NetBIOS), 5353 (mDNS), 5355 (LLMNR) and TCP 53 as Zeek; elsewhere by content. */
export const dnsParser: ProtocolParser = {
  name: "dns",
  transports: ["udp", "tcp"],
  ports: [53, 137, 5353, 5355],
  probe(first: Uint8Array, _dir: Direction, { transport, onPort }: ProbeContext): boolean {
    // On a DNS port a question that parses is enough (or, for mDNS answers, a header); elsewhere
    // the header must look right too.
    const isDns = (msg: Uint8Array, cut = false): boolean =>
      onPort
        ? cut ||
          typeof readDnsQuestion(msg) !== "string" ||
          (msg.length >= DNS_HEADER_BYTES && (msg[2] & 0x80) !== 0)
        : looksLikeDns(msg, cut);
    if (transport === "udp") return isDns(first);
    // TCP: a 2-byte length prefix that fits the message that follows.
    if (first.length < 2 + MIN_QUERY_BYTES) return false;
    const length = (first[0] << 8) | first[1];
    if (length < MIN_QUERY_BYTES) return false;
    // A first message split across segments is judged by what arrived.
    return isDns(first.subarray(2, Math.min(first.length, 2 + length)), first.length < 2 + length);
  },
  create(context: ParserContext): ParserInstance {
    return new DnsFlow(context);
  },
  log: DNS_LOG,
};

class DnsFlow implements ParserInstance {
  readonly done = false;
  private readonly sessions: DnsSessions;
  private readonly framing: Record<Direction, DnsFraming>;
  /** Per direction: a gap lost the framing, the direction's bytes are not read any more. */
  private readonly lost: Record<Direction, boolean> = { orig: false, resp: false };
  /** Time of the bytes being read (a TCP message completes within one `data` call). */
  private now = 0;

  constructor(private readonly ctx: ParserContext) {
    const flow = ctx.flow;
    this.sessions = new DnsSessions(
      flow.uid,
      flow.proto,
      flow.proto === "udp" && isMulticast(flow.dst),
      flow.proto === "udp" && flow.dstPort === NETBIOS_NS_PORT,
      (r: DnsRecord) => ctx.emit(r),
      (reason) => ctx.malformed(reason),
    );
    const onMessage = (msg: Uint8Array): void => this.message(msg, this.now);
    this.framing = { orig: new DnsFraming(onMessage), resp: new DnsFraming(onMessage) };
  }

  data(dir: Direction, bytes: Uint8Array, ts: number): void {
    if (this.ctx.flow.proto === "udp") {
      this.message(bytes, ts);
      return;
    }
    if (this.lost[dir]) return;
    this.now = ts;
    this.framing[dir].push(bytes);
  }

  private message(msg: Uint8Array, ts: number): void {
    const m = readDnsMessage(msg);
    if (typeof m === "string") {
      this.ctx.malformed(m);
      return;
    }
    this.sessions.read(msg, m, ts);
  }

  gap(dir: Direction): void {
    // A TCP stream with a hole has lost its message framing (the next bytes may start anywhere):
    // the partial message is dropped and the direction is not read any more.
    if (this.lost[dir]) return;
    this.framing[dir].clear();
    this.lost[dir] = true;
    this.ctx.malformed("gap in the stream");
  }

  end(): void {
    for (const f of Object.values(this.framing)) {
      if (f.pending) this.ctx.malformed("message cut at the end");
      f.clear();
    }
    this.sessions.finish();
  }
}

export { DNS_MAX_TCP_BUFFER } from "./dnsFraming";
