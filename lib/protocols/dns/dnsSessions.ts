/**
 * From DNS messages to dns.log lines as Zeek pairs them (`base/protocols/dns/main.zeek`): a query
 * waits for the response with its transaction id (one fast-path query, then queues per id), a
 * response waits likewise for its query; a pair is logged when the second of them ends, and what
 * never paired is logged when the flow ends. Queries fill the question, RD, TC and Z; responses
 * the rcode, and each answer Zeek has a handler for sets AA, RA, the rtt and adds to `answers`.
 * Messages to a multicast address (mDNS) are never paired: each is its own line (Zeek 8).
 * Memory is bounded as Zeek bounds it: at most `DNS_MAX_PENDING_MSGS` per id and
 * `DNS_MAX_PENDING_IDS` ids waiting, beyond which the waiting ones are logged unpaired.
 */
import type { FlowProtocol } from "../../flows/connRecord";
import { renderAnswer, renderUpdate } from "./dnsAnswers";
import type { DnsRecord } from "./dnsLog";
import { opcodeName, qclassName, qtypeName, rcodeName } from "./dnsNames";
import type { DnsMessage, DnsResourceRecord } from "./dnsWire";

/** Messages of one transaction id waiting for their other half (Zeek's `max_pending_msgs`). */
export const DNS_MAX_PENDING_MSGS = 50;
/** Transaction ids with messages waiting (Zeek's `max_pending_query_ids`). */
export const DNS_MAX_PENDING_IDS = 50;
/** Answers kept per line; a response has at most 65,535, and a hostile one should not cost more. */
export const DNS_MAX_ANSWERS = 1000;
/** The opcode of dynamic updates (RFC 2136), whose records Zeek writes as pre:/del:/add:. */
const OPCODE_UPDATE = 5;

/** NetBIOS's node status type, which SRV's number took over (Zeek logs it as NBSTAT on port 137). */
const NBSTAT = 33;
/** Characters of a decoded NetBIOS name (the 16th is the name's type suffix). */
const NETBIOS_NAME_CHARS = 15;

/**
 * A NetBIOS name's first-level encoding undone (RFC 1001 14.1), as Zeek's `decode_netbios_name`:
 * 32 letters A-P give 16 bytes; the name is the first 15 up to the first space or control
 * character (the padding). "" when `name` is not such an encoding.
 */
export function decodeNetbiosName(name: string): string {
  if (name.length !== 32) return "";
  let out = "";
  for (let i = 0; i < NETBIOS_NAME_CHARS; i++) {
    const hi = name.charCodeAt(2 * i) - 0x61;
    const lo = name.charCodeAt(2 * i + 1) - 0x61;
    if (hi < 0 || hi > 15 || lo < 0 || lo > 15) return "";
    const c = (hi << 4) | lo;
    // Zeek keeps graphic characters and what its signed char holds below 3 (0-2 and 128-255).
    if ((c >= 3 && c <= 0x20) || c === 0x7f) break;
    out += String.fromCharCode(c);
  }
  return out;
}

/** One line being built (Zeek's `DNS::Info`). */
interface Session {
  ts: number;
  trans_id: number;
  rtt?: number;
  query?: string;
  qclass?: number;
  qtype?: number;
  qtype_name?: string;
  rcode?: number;
  AA: boolean;
  TC: boolean;
  RD: boolean;
  RA: boolean;
  Z: number;
  answers?: string[];
  TTLs?: number[];
  rejected: boolean;
  opcode?: number;
  sawQuery: boolean;
  sawReply: boolean;
}

type Pending = Map<number, Session[]>;

/** Per-flow pairing of messages into lines. */
export class DnsSessions {
  private pendingQuery: Session | undefined;
  private readonly pendingQueries: Pending = new Map();
  private readonly pendingReplies: Pending = new Map();

  /**
   * @param proto the flow's transport (the `proto` field)
   * @param multicast whether the responder address is multicast (mDNS: no pairing)
   * @param netbios whether the responder port is NetBIOS name service's (137): names decoded
   * @param emit where finished lines go
   * @param malformed counts a record that does not parse
   */
  constructor(
    private readonly uid: number,
    private readonly proto: FlowProtocol,
    private readonly multicast: boolean,
    private readonly netbios: boolean,
    private readonly emit: (r: DnsRecord) => void,
    private readonly malformed: (reason: string) => void,
  ) {}

  private message(m: DnsMessage, ts: number): void {
    const h = m.header;
    const s = this.multicast ? this.fresh(h.id, ts) : this.session(h.id, !h.qr, ts);
    s.opcode = h.opcode;
    if (h.qr) {
      s.rcode = h.rcode;
      if (h.rcode !== 0 && h.qdcount === 0) s.rejected = true;
    }
    if (m.error === "too many questions") {
      this.malformed(m.error);
      this.end(s, h.qr);
      return;
    }
    for (const q of m.questions) {
      if (!h.qr) {
        if (h.opcode !== 0) continue;
        s.RD = h.rd;
        s.TC = h.tc;
        s.qclass = q.qclass;
        s.qtype = q.type;
        s.qtype_name = this.netbios && q.type === NBSTAT ? "NBSTAT" : qtypeName(q.type);
        s.Z = h.z;
        const query = q.name.toLowerCase();
        s.query = this.netbios ? decodeNetbiosName(query) || query : query;
      } else if (h.ancount === 0 && h.nscount === 0 && h.arcount === 0) {
        s.rejected = true; // Zeek's dns_rejected: a response without any record
      }
    }
    if (m.error !== undefined && m.questions.length < h.qdcount) {
      this.malformed(m.error);
      this.end(s, h.qr);
      return;
    }
    // Answers (and an update's prerequisites and updates) count only in responses.
    if (h.qr) {
      const update = h.opcode === OPCODE_UPDATE;
      let stopped = this.replies(m, s, ts, m.answers, update ? "answer" : undefined);
      if (!stopped && update) stopped = this.replies(m, s, ts, m.authority, "authority");
      if (!stopped && m.error !== undefined) this.malformed(m.error);
    } else if (m.error !== undefined) {
      this.malformed(m.error);
    }
    this.end(s, h.qr);
  }

  /** Zeek's do_reply for each record; true when one did not parse (the rest are not read). */
  private replies(
    m: DnsMessage,
    s: Session,
    ts: number,
    records: readonly DnsResourceRecord[],
    updateSection: "answer" | "authority" | undefined,
  ): boolean {
    const bytes = this.bytes;
    if (!bytes) return false;
    for (const rr of records) {
      const r = updateSection ? renderUpdate(bytes, rr, updateSection) : renderAnswer(bytes, rr);
      if (typeof r === "string") {
        this.malformed(r);
        return true;
      }
      if (r.text === undefined) continue;
      s.query ??= rr.name.toLowerCase();
      s.AA = m.header.aa;
      s.RA = m.header.ra;
      if (s.rtt === undefined) {
        const rtt = ts - s.ts;
        if (rtt !== 0) s.rtt = rtt;
      }
      if (r.text !== "" && (s.answers?.length ?? 0) < DNS_MAX_ANSWERS) {
        (s.answers ??= []).push(r.text);
        (s.TTLs ??= []).push(rr.ttl);
      }
    }
    return false;
  }

  /** The bytes of the message being read (RDATA is rendered from them). */
  private bytes: Uint8Array | undefined;

  /** One message `msg` (already parsed as `m`) at `ts`. */
  read(msg: Uint8Array, m: DnsMessage, ts: number): void {
    this.bytes = msg;
    try {
      this.message(m, ts);
    } finally {
      this.bytes = undefined;
    }
  }

  /** Zeek's dns_end: a line with both halves (or any multicast message) is written. */
  private end(s: Session, reply: boolean): void {
    if (reply) s.sawReply = true;
    else s.sawQuery = true;
    if (this.multicast || (s.sawQuery && s.sawReply)) this.write(s);
  }

  /** The flow ended: the unpaired are written (Zeek's finalize_dns). */
  finish(): void {
    if (this.pendingQuery) this.write(this.pendingQuery);
    this.pendingQuery = undefined;
    this.flushAll(this.pendingQueries);
    this.flushAll(this.pendingReplies);
  }

  private fresh(id: number, ts: number): Session {
    return {
      ts,
      trans_id: id,
      AA: false,
      TC: false,
      RD: false,
      RA: false,
      Z: 0,
      rejected: false,
      sawQuery: false,
      sawReply: false,
    };
  }

  /** Zeek's set_session: the line a message of `id` belongs to. */
  private session(id: number, isQuery: boolean, ts: number): Session {
    if (isQuery) {
      const waiting = this.pop(this.pendingReplies, id);
      if (waiting) return waiting;
      const s = this.fresh(id, ts);
      if (!this.pendingQuery) this.pendingQuery = s;
      else this.enqueue(this.pendingQueries, id, s);
      return s;
    }
    if (this.pendingQuery && this.pendingQuery.trans_id === id) {
      const s = this.pendingQuery;
      this.pendingQuery = undefined;
      // Keep a waiting query on the fast path, one of this id first (Zeek's order).
      this.pendingQuery = this.pop(this.pendingQueries, id) ?? this.popAny(this.pendingQueries);
      return s;
    }
    const q = this.pop(this.pendingQueries, id);
    if (q) return q;
    const s = this.fresh(id, ts);
    this.enqueue(this.pendingReplies, id, s);
    return s;
  }

  private enqueue(pending: Pending, id: number, s: Session): void {
    let queue = pending.get(id);
    if (!queue) {
      if (pending.size > DNS_MAX_PENDING_IDS) this.flushAll(pending);
      queue = [];
      pending.set(id, queue);
    } else if (queue.length > DNS_MAX_PENDING_MSGS) {
      for (const w of queue) this.write(w);
      queue.length = 0;
    }
    queue.push(s);
  }

  private pop(pending: Pending, id: number): Session | undefined {
    const queue = pending.get(id);
    if (!queue || queue.length === 0) return undefined;
    const s = queue.shift();
    if (queue.length === 0) pending.delete(id);
    return s;
  }

  private popAny(pending: Pending): Session | undefined {
    for (const id of pending.keys()) return this.pop(pending, id);
    return undefined;
  }

  private flushAll(pending: Pending): void {
    for (const queue of pending.values()) for (const s of queue) this.write(s);
    pending.clear();
  }

  private write(s: Session): void {
    // A line is written once: take it out of wherever it still waits.
    if (this.pendingQuery === s) this.pendingQuery = undefined;
    const record: DnsRecord = {
      protocol: "dns",
      uid: this.uid,
      ts: s.ts,
      proto: this.proto,
      trans_id: s.trans_id,
      rtt: s.rtt,
      query: s.query,
      qclass: s.qclass,
      qclass_name: s.qclass === undefined ? undefined : qclassName(s.qclass),
      qtype: s.qtype,
      qtype_name: s.qtype_name,
      rcode: s.rcode,
      rcode_name: s.rcode === undefined ? undefined : rcodeName(s.rcode),
      AA: s.AA,
      TC: s.TC,
      RD: s.RD,
      RA: s.RA,
      Z: s.Z,
      answers: s.answers,
      TTLs: s.TTLs,
      rejected: s.rejected,
      opcode: s.opcode,
      opcode_name: s.opcode === undefined ? undefined : opcodeName(s.opcode),
    };
    this.emit(record);
  }
}
