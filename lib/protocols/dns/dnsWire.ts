/**
 * The DNS wire format (RFC 1035 4.1): the header, names with compression, questions and resource
 * records, read from one message with every offset checked. Nothing here throws: what does not
 * parse comes back as a short fixed reason (counted by the parser as malformed input).
 */

/** Length of the fixed header. */
export const DNS_HEADER_BYTES = 12;
/** Longest label (RFC 1035 2.3.4); longer ones are refused (NetBIOS's longer labels are not read). */
export const DNS_MAX_LABEL = 63;
/** Longest name in text form (RFC 1035 2.3.4 allows 255 octets on the wire); longer names are refused. */
export const DNS_MAX_NAME = 255;
/**
 * Most compression pointers followed in one name. Pointers must point backwards (as Zeek
 * requires), so a loop is impossible anyway; this bounds the work on a hostile message.
 */
export const DNS_MAX_POINTERS = 64;

/** The header of a DNS message (RFC 1035 4.1.1, RFC 2136 for the update counts' meaning). */
export interface DnsHeader {
  readonly id: number;
  /** Response (true) or query. */
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  /** The three reserved bits (Zeek logs them as `Z`, including AD and CD). */
  readonly z: number;
  readonly rcode: number;
  readonly qdcount: number;
  readonly ancount: number;
  readonly nscount: number;
  readonly arcount: number;
}

/** A question: name (as on the wire, case kept), type and class. */
export interface DnsQuestion {
  readonly name: string;
  readonly type: number;
  readonly qclass: number;
}

/** A resource record: owner, type, class, TTL, and where its RDATA lies in the message. */
export interface DnsResourceRecord {
  readonly name: string;
  readonly type: number;
  readonly rclass: number;
  readonly ttl: number;
  /** Offset of RDATA in the message (names inside it may point before it). */
  readonly rdata: number;
  readonly rdlength: number;
}

/** The header of `msg`, or undefined when it is shorter than a header. */
export function readDnsHeader(msg: Uint8Array): DnsHeader | undefined {
  if (msg.length < DNS_HEADER_BYTES) return undefined;
  const flags = (msg[2] << 8) | msg[3];
  return {
    id: (msg[0] << 8) | msg[1],
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    z: (flags >> 4) & 0x7,
    rcode: flags & 0xf,
    qdcount: (msg[4] << 8) | msg[5],
    ancount: (msg[6] << 8) | msg[7],
    nscount: (msg[8] << 8) | msg[9],
    arcount: (msg[10] << 8) | msg[11],
  };
}

/** A name read at some offset: its text (labels joined by dots, bytes as latin1) and where it ends. */
export interface DnsName {
  readonly name: string;
  /** Offset just after the name where it started (after its terminator or first pointer). */
  readonly end: number;
}

/**
 * The name at `offset` of `msg`, following compression pointers (RFC 1035 4.1.4). A pointer must
 * point before itself (a pointer to itself or forward could loop, and Zeek refuses it too), at
 * most `DNS_MAX_POINTERS` are followed, labels are at most 63 bytes and the name at most 255
 * characters. Returns a reason when any of that fails or the name runs past `limit`.
 */
export function readDnsName(msg: Uint8Array, offset: number, limit = msg.length): DnsName | string {
  let text = "";
  let i = offset;
  let bound = Math.min(limit, msg.length);
  let end = -1;
  let pointers = 0;
  for (;;) {
    if (i >= bound) return "name past the end";
    const len = msg[i];
    if (len === 0) {
      if (end < 0) end = i + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (i + 1 >= bound) return "name past the end";
      const target = ((len & 0x3f) << 8) | msg[i + 1];
      if (end < 0) end = i + 2;
      if (target >= i) return target === i ? "compression loop" : "compression pointer forward";
      if (++pointers > DNS_MAX_POINTERS) return "compression loop";
      // Read on from the target, never reaching the pointer again.
      bound = i;
      i = target;
      continue;
    }
    if (len > DNS_MAX_LABEL) return "label too long"; // or the reserved label types 01 and 10
    if (i + 1 + len > bound) return "name past the end";
    if (text.length + len + 1 > DNS_MAX_NAME + 1) return "name too long";
    text += `${Buffer.from(msg.buffer, msg.byteOffset + i + 1, len).toString("latin1")}.`;
    i += 1 + len;
  }
  const name = text.endsWith(".") ? text.slice(0, -1) : text;
  if (name.length > DNS_MAX_NAME) return "name too long";
  return { name, end };
}

/** A question at `offset`, with the offset after it, or a reason. */
export function readQuestionAt(msg: Uint8Array, offset: number): { q: DnsQuestion; end: number } | string {
  const n = readDnsName(msg, offset);
  if (typeof n === "string") return n;
  if (n.end + 4 > msg.length) return "question past the end";
  const i = n.end;
  return {
    q: { name: n.name, type: (msg[i] << 8) | msg[i + 1], qclass: (msg[i + 2] << 8) | msg[i + 3] },
    end: i + 4,
  };
}

/** A resource record at `offset`, with the offset after its RDATA, or a reason. */
export function readRecordAt(
  msg: Uint8Array,
  offset: number,
): { rr: DnsResourceRecord; end: number } | string {
  const n = readDnsName(msg, offset);
  if (typeof n === "string") return n;
  const i = n.end;
  if (i + 10 > msg.length) return "record past the end";
  const rdlength = (msg[i + 8] << 8) | msg[i + 9];
  if (i + 10 + rdlength > msg.length) return "record data past the end";
  return {
    rr: {
      name: n.name,
      type: (msg[i] << 8) | msg[i + 1],
      rclass: (msg[i + 2] << 8) | msg[i + 3],
      ttl: ((msg[i + 4] << 24) | (msg[i + 5] << 16) | (msg[i + 6] << 8) | msg[i + 7]) >>> 0,
      rdata: i + 10,
      rdlength,
    },
    end: i + 10 + rdlength,
  };
}

/** The sections of a record (RFC 1035 4.1; for an update, RFC 2136 2: prerequisites, updates). */
export type DnsSection = "answer" | "authority" | "additional";

/** A parsed message: header, questions, and the records of each section read before any failure. */
export interface DnsMessage {
  readonly header: DnsHeader;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsResourceRecord[];
  readonly authority: readonly DnsResourceRecord[];
  /** Why parsing stopped early (the records before are kept), or undefined. */
  readonly error?: string;
}

/** Most questions read from one message (Zeek's `dns_max_queries` is 25 as well). */
export const DNS_MAX_QUESTIONS = 25;

/**
 * Reads a message: header, questions, answer and authority records (the additional section is
 * not logged and so not read). Parsing stops at the first record that does not parse; what came
 * before is kept, as Zeek keeps the answers before a truncated record. Only a message shorter
 * than a header gives a bare reason.
 */
export function readDnsMessage(msg: Uint8Array): DnsMessage | string {
  const header = readDnsHeader(msg);
  if (!header) return "message too short";
  const questions: DnsQuestion[] = [];
  const answers: DnsResourceRecord[] = [];
  const authority: DnsResourceRecord[] = [];
  if (header.qdcount > DNS_MAX_QUESTIONS)
    return { header, questions, answers, authority, error: "too many questions" };
  let o = DNS_HEADER_BYTES;
  for (let k = 0; k < header.qdcount; k++) {
    const r = readQuestionAt(msg, o);
    if (typeof r === "string") return { header, questions, answers, authority, error: r };
    questions.push(r.q);
    o = r.end;
  }
  for (const [count, into] of [
    [header.ancount, answers],
    [header.nscount, authority],
  ] as const) {
    for (let k = 0; k < count; k++) {
      const r = readRecordAt(msg, o);
      if (typeof r === "string") return { header, questions, answers, authority, error: r };
      into.push(r.rr);
      o = r.end;
    }
  }
  return { header, questions, answers, authority };
}
