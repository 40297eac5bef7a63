/**
 * DNS (RFC 1035) over UDP and TCP: today the question of each query (name, type, transaction id),
 * one `DnsRecord` per query. Responses, answers and name compression come with issue 16.
 */
import type { Direction } from "../../flows/flowTable";
import type { FlowProtocol } from "../../flows/connRecord";
import type { ParserContext, ParserInstance, ProbeContext, ProtocolParser, ProtocolRecord } from "../parser";

/** A DNS query, named as in Zeek's dns.log. */
export interface DnsRecord extends ProtocolRecord {
  readonly protocol: "dns";
  readonly proto: FlowProtocol;
  readonly trans_id: number;
  readonly query: string;
  readonly qtype: number;
}

/** Header (12) + a one-byte name + type and class (4): the shortest message with a question. */
const MIN_QUERY_BYTES = 17;
/** Largest DNS message over TCP (its 2-byte length prefix), and what a TCP flow buffers at most per direction. */
const MAX_TCP_MESSAGE = 65_535;

/**
 * The question of a DNS message (RFC 1035 4.1.2): name and type, or why it does not parse (a
 * short reason). Compression is not followed: a question's name is always the first in the message.
 */
export function readDnsQuestion(msg: Uint8Array): { name: string; type: number } | string {
  if (msg.length < MIN_QUERY_BYTES) return "message too short";
  const questions = (msg[4] << 8) | msg[5];
  if (questions < 1) return "no question";
  const labels: string[] = [];
  let i = 12;
  while (i < msg.length) {
    const len = msg[i];
    if (len === 0) break;
    if (len > 63) return "label too long"; // or a compression pointer, which a question does not use
    if (i + 1 + len > msg.length) return "name past the end";
    labels.push(Buffer.from(msg.buffer, msg.byteOffset + i + 1, len).toString("latin1"));
    i += 1 + len;
  }
  if (i + 4 > msg.length - 1) return "question past the end"; // the terminator, QTYPE and QCLASS
  return { name: labels.join("."), type: (msg[i + 1] << 8) | msg[i + 2] };
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
function looksLikeDns(msg: Uint8Array): boolean {
  if (msg.length < MIN_QUERY_BYTES) return false;
  if (msg[4] !== 0 || msg[5] !== 1) return false; // QDCOUNT 1
  if ((msg[2] & 0x78) !== 0 || (msg[3] & 0x40) !== 0) return false; // opcode 0, Z 0
  const q = readDnsQuestion(msg);
  if (typeof q === "string") return false;
  let i = 12;
  while (msg[i] !== 0) i += 1 + msg[i];
  const qclass = (msg[i + 3] << 8) | msg[i + 4];
  return qclass === 1 || qclass === 3 || qclass === 255;
}

/** The DNS parser: UDP and TCP port 53, or any flow whose payload looks like a DNS message. */
export const dnsParser: ProtocolParser = {
  name: "dns",
  transports: ["udp", "tcp"],
  ports: [53],
  probe(first: Uint8Array, _dir: Direction, { transport, onPort }: ProbeContext): boolean {
    // On port 53 a question that parses is enough; elsewhere the header must look right too.
    const isDns = (msg: Uint8Array): boolean =>
      onPort ? typeof readDnsQuestion(msg) !== "string" : looksLikeDns(msg);
    if (transport === "udp") return isDns(first);
    // TCP: a 2-byte length prefix that fits the message that follows.
    if (first.length < 2 + MIN_QUERY_BYTES) return false;
    const length = (first[0] << 8) | first[1];
    return length >= MIN_QUERY_BYTES && length <= first.length - 2 && isDns(first.subarray(2, 2 + length));
  },
  create(context: ParserContext): ParserInstance {
    return new DnsFlow(context);
  },
};

class DnsFlow implements ParserInstance {
  readonly done = false;
  /** TCP only: the originator's bytes of an unfinished message (at most 2 + MAX_TCP_MESSAGE). */
  private pending: Uint8Array | undefined;

  constructor(private readonly ctx: ParserContext) {}

  data(dir: Direction, bytes: Uint8Array, ts: number): void {
    // Responses are not read yet (issue 16); the question of a query is.
    if (dir !== "orig") return;
    if (this.ctx.flow.proto === "udp") {
      this.message(bytes, ts);
      return;
    }
    let stream = bytes;
    if (this.pending) {
      stream = new Uint8Array(this.pending.length + bytes.length);
      stream.set(this.pending);
      stream.set(bytes, this.pending.length);
      this.pending = undefined;
    }
    let o = 0;
    while (stream.length - o >= 2) {
      const length = (stream[o] << 8) | stream[o + 1];
      if (stream.length - o - 2 < length) break;
      this.message(stream.subarray(o + 2, o + 2 + length), ts);
      o += 2 + length;
    }
    // What is left is shorter than one message (at most 2 + 65,535 bytes by the length prefix).
    if (o < stream.length) this.pending = stream.slice(o);
  }

  private message(msg: Uint8Array, ts: number): void {
    const q = readDnsQuestion(msg);
    if (typeof q === "string") {
      this.ctx.malformed(q);
      return;
    }
    const record: DnsRecord = {
      protocol: "dns",
      uid: this.ctx.flow.uid,
      ts,
      proto: this.ctx.flow.proto,
      trans_id: (msg[0] << 8) | msg[1],
      query: q.name,
      qtype: q.type,
    };
    this.ctx.emit(record);
  }

  gap(dir: Direction): void {
    // A TCP stream with a hole has lost its message framing; drop the partial message.
    if (dir === "orig" && this.pending) {
      this.pending = undefined;
      this.ctx.malformed("gap in a message");
    }
  }

  end(): void {
    if (this.pending) this.ctx.malformed("message cut at the end");
    this.pending = undefined;
  }
}

/** Longest buffered TCP message, bytes (for tests of the memory bound). */
export const DNS_MAX_TCP_BUFFER = 2 + MAX_TCP_MESSAGE;
