/**
 * The flow table: packets in (in capture order), one `ConnRecord` out per flow when it ends (FIN
 * handshake, RST, an idle timeout, end of input, or eviction), so the same code serves a file and a
 * live stream. TCP flows follow Zeek's endpoint states and conn_state; UDP and ICMP become
 * pseudo-connections closed after an idle timeout; IPv4 fragments after the first join the flow of
 * their first fragment.
 *
 * Payloads go to the protocol layer through `FlowHooks.payload`, per direction: UDP and ICMP
 * payloads as they come, TCP streams reassembled in sequence order (`reassembly.ts`: retransmissions
 * dropped, overlaps trimmed, holes reported through `FlowHooks.gap`), from the first
 * `payloadPackets` packets of each flow.
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
import type { ConnRecord, FlowProtocol } from "./connRecord";
import {
  emptyReassemblyStats,
  type ReassemblyBudget,
  type ReassemblyOptions,
  type ReassemblyStats,
  type StreamSink,
  StreamReassembler,
} from "./reassembly";
import {
  acked,
  type ConnState,
  emptySeqSpace,
  type EndpointState,
  endpointSize,
  initSeqSpace,
  nextEndpointState,
  placeByAck,
  type SeqSpace,
  sent,
  seqDelta,
  tcpState,
} from "./tcpState";

/** Which side sent a packet: the originator or the responder. */
export type Direction = "orig" | "resp";

export interface FlowTableOptions extends ReassemblyOptions {
  /** Idle time after which an established TCP connection is closed (state S1 and friends), seconds. Default 120. */
  tcpIdleSeconds?: number;
  /**
   * A TCP attempt without answer (S0) closes this long after its SYN, and a flow with one side
   * closed and the other silent this long after its last packet, seconds. Default 5 (Zeek's
   * tcp_attempt_delay and tcp_connection_linger).
   */
  tcpAttemptSeconds?: number;
  /**
   * After both FINs, a RST, or a FIN to a silent peer, late packets (the final ACK) still join the
   * flow for this long, seconds. Default 1 (Zeek's tcp_close_delay is 5 s: shorter here so records
   * are released sooner; the corpus has no packet between 1 and 5 s after a close).
   */
  tcpLingerSeconds?: number;
  /** Idle time of UDP and ICMP pseudo-connections, seconds. Default 10. */
  udpIdleSeconds?: number;
  /** Open flows at most; beyond it the least recently active is closed early (and counted). Default 1,000,000. */
  maxConnections?: number;
  /**
   * Payloads of a flow's first this-many packets (both directions, with or without payload, IPv4
   * fragments included) are handed to `FlowHooks.payload`; later ones are not. Bounds the protocol
   * layer's work per flow. Default Infinity (every packet).
   */
  payloadPackets?: number;
}

/** What the flow table did with the packets, for the report; nothing is dropped without a count. */
export interface FlowTableStats {
  packets: number;
  /** Packets that carried no IP (ARP, ...) or another transport (GRE, ESP, ...): not flows. */
  ignoredNonIp: number;
  ignoredOtherProtocol: number;
  /** Flows opened. */
  connections: number;
  /** Flows closed early because `maxConnections` were open. */
  evicted: number;
  /** Packets with a time earlier than the previous one (taken as if at the previous time). */
  outOfOrder: number;
  /** TCP reassembly: held segments, gaps, retransmissions, what the memory bounds cut. */
  reassembly: ReassemblyStats;
}

/**
 * An open flow as the hooks see it. The counters are live; `state` is the protocol layer's slot
 * (the flow table never reads it), `inspect` turns payload delivery off for the rest of the flow
 * (set it false when no parser wants more), `service` is copied into the conn record.
 */
export interface Flow<S> {
  readonly uid: number;
  readonly proto: FlowProtocol;
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  readonly start: number;
  readonly origPackets: number;
  readonly respPackets: number;
  state: S | undefined;
  inspect: boolean;
  service: string;
  /** Zeek's history letters so far; the protocol layer may add one (X: analysis partial). */
  history: string;
}

/** Where the flow table hands on what it sees. */
export interface FlowHooks<S> {
  /** A packet with payload (not a non-first fragment), in capture order, from `dir`; `ts` never goes backwards. */
  payload?(flow: Flow<S>, dir: Direction, bytes: Uint8Array, ts: number): void;
  /**
   * `length` bytes of a TCP direction are missing before its next `payload` (lost, not captured,
   * or given up on by the reassembly bounds); the stream goes on after them.
   */
  gap?(flow: Flow<S>, dir: Direction, length: number, ts: number): void;
  /** The flow ends (its last packet at `ts`): called just before its conn record is emitted. */
  end?(flow: Flow<S>, ts: number): void;
}

/** The table's own view of a flow: the public fields and the bookkeeping. */
interface FlowEntry<S> extends Flow<S> {
  key: string;
  ipProto: number;
  icmpType: number;
  icmpCode: number;
  start: number;
  last: number;
  origPackets: number;
  respPackets: number;
  origBytes: number;
  respBytes: number;
  urgent: number;
  wrongFragment: number;
  history: string;
  /** History letters seen once (Zeek's hist_seen), one bit per letter and case (`historyBit`). */
  seen: number;
  /** Scaled letters (T, G): count so far and the count at which the letter is written next. */
  scaled: Map<string, [count: number, next: number]>;
  orig: EndpointState;
  resp: EndpointState;
  /** Sequence spaces of the two ends (Zeek's byte counts) and where their last SYN/FIN/RST were. */
  origSeq: SeqSpace;
  respSeq: SeqSpace;
  marks: { orig: [syn: number, fin: number, rst: number]; resp: [syn: number, fin: number, rst: number] };
  /** The end sent a FIN or RST (Zeek's did_close): once both have, the flow's last time stands still. */
  origClosed: boolean;
  respClosed: boolean;
  /** Time of the originator's first SYN (the attempt timer's start), or NaN. */
  attemptAt: number;
  /** The flow is being closed (what its streams still hold is flushed). */
  closing: boolean;
  /** When the connection is done (both FINs or a RST): close at this time. */
  closingAt: number;
  closedBy: ConnRecord["closedBy"];
  /** Keys (src|dst|IP id) under which later fragments find this flow; at most MAX_FRAGMENT_IDS. */
  fragmentKeys: string[];
  /** IP bytes (headers included) per direction: Zeek's orig_ip_bytes / resp_ip_bytes. */
  origIpBytes: number;
  respIpBytes: number;
  /** Bytes the reassembly missed in streams already let go (`dropStreams`). */
  missedBytes: number;
  /** TCP reassembly per direction, made at the first payload while the flow is inspected. */
  streams: [Stream<S>, Stream<S>] | undefined;
}

/** One direction's reassembler and the sink that hands its bytes to the hooks. */
interface Stream<S> {
  reassembler: StreamReassembler;
  sink: StreamSink;
  readonly flow: FlowEntry<S>;
}

/** Share of a full table evicted at once (at least one flow): 1% of the default million is 10,000. */
const EVICT_FRACTION = 0.01;
/** IPv4 ids remembered per flow for its later fragments; a flow that fragments more forgets the oldest. */
const MAX_FRAGMENT_IDS = 64;

/** How often (in capture seconds) idle flows are swept. */
const SWEEP_INTERVAL_SECONDS = 1;
/** Largest datagram an IPv4 fragment may extend to; beyond it is the "ping of death" (CVE-1999-0128). */
const MAX_IPV4_DATAGRAM = 65_535;

/**
 * The flow table. Call `add(packet, emit)` for every packet in capture order and `flush(emit)` at
 * the end of the input; `emit` receives each finished flow's record.
 * @example
 * const table = new FlowTable(); for (const p of packets) table.add(p, (c) => log.push(c)); table.flush((c) => log.push(c));
 */
export class FlowTable<S = unknown> {
  private readonly opts: Required<FlowTableOptions>;
  private readonly open = new Map<string, FlowEntry<S>>();
  /** IPv4 fragments after the first carry no ports: find their flow by (src, dst, id). */
  private readonly fragments = new Map<string, FlowEntry<S>>();
  private nextUid = 0;
  private now = Number.NEGATIVE_INFINITY;
  private lastSweep = Number.NEGATIVE_INFINITY;
  private evicted: ConnRecord[] = [];
  private readonly budget: ReassemblyBudget;
  readonly stats: FlowTableStats = {
    packets: 0,
    ignoredNonIp: 0,
    ignoredOtherProtocol: 0,
    connections: 0,
    evicted: 0,
    outOfOrder: 0,
    reassembly: emptyReassemblyStats(),
  };

  constructor(
    options: FlowTableOptions = {},
    private readonly hooks: FlowHooks<S> = {},
  ) {
    this.opts = {
      tcpIdleSeconds: options.tcpIdleSeconds ?? 120,
      tcpAttemptSeconds: options.tcpAttemptSeconds ?? 5,
      tcpLingerSeconds: options.tcpLingerSeconds ?? 1,
      udpIdleSeconds: options.udpIdleSeconds ?? 10,
      maxConnections: options.maxConnections ?? 1_000_000,
      payloadPackets: options.payloadPackets ?? Number.POSITIVE_INFINITY,
      maxFlowBufferBytes: options.maxFlowBufferBytes ?? 1 << 20,
      maxTotalBufferBytes: options.maxTotalBufferBytes ?? 256 << 20,
    };
    this.budget = { held: 0, max: this.opts.maxTotalBufferBytes };
    for (const [k, v] of Object.entries(this.opts)) {
      if (!(v > 0)) throw new OptionError(`FlowTable: ${k} must be positive, got ${v}.`);
    }
  }

  /** Start time of the oldest open flow (Infinity when none): no record will start earlier. */
  oldestOpenStart(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const c of this.open.values()) if (c.start < oldest) oldest = c.start;
    return oldest;
  }

  /** The capture time of the latest packet. */
  get time(): number {
    return this.now;
  }

  /** Open flows now. */
  get openFlows(): number {
    return this.open.size;
  }

  /** Feeds one packet; records of flows that ended before it are passed to `emit` first. */
  add(p: Packet, emit: (r: ConnRecord) => void): void {
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
    // A non-first fragment has no transport header: it belongs to the first fragment's flow.
    if (p.fragmentOffset > 0) {
      const flow = this.fragments.get(`${p.src}|${p.dst}|${p.ipId}`);
      if (flow) this.account(flow, flow.src === p.src, p, ts);
      return;
    }
    let key: string;
    let fromOrig = true;
    let flow: FlowEntry<S> | undefined;
    if (icmp) {
      // Echo request and its replies form one flow; other messages are their own.
      const echoReply = p.icmpType === 0 || p.icmpType === 129;
      const echo = p.icmpType === 8 || p.icmpType === 128 || echoReply;
      key = echo ? `icmp|echo|${pair(p.src, p.dst)}` : `icmp|${p.icmpType}|${p.src}|${p.dst}`;
      flow = this.open.get(key);
      if (flow) fromOrig = flow.src === p.src;
      else flow = this.create(key, "icmp", p, ts);
    } else {
      const proto = tcp ? "tcp" : "udp";
      key = `${proto}|${endpointPair(p.src, p.srcPort, p.dst, p.dstPort)}`;
      flow = this.open.get(key);
      if (flow && this.deadline(flow) <= ts) {
        // Its time ran out before this packet (the sweep runs once a second): this one starts anew.
        this.close(flow, emit);
        flow = undefined;
      }
      if (
        flow &&
        tcp &&
        flow.closingAt < Number.POSITIVE_INFINITY &&
        p.tcpFlags & TCP_SYN &&
        !(p.tcpFlags & TCP_ACK)
      ) {
        // A new SYN on a finished connection's ports starts a new connection.
        this.close(flow, emit);
        flow = undefined;
      }
      if (flow) {
        fromOrig = flow.src === p.src && flow.srcPort === p.srcPort;
      } else {
        // A SYN-ACK first means we missed the SYN: its receiver is the originator (as Zeek does).
        const flipped = tcp && (p.tcpFlags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
        flow = this.create(key, proto, p, ts, flipped);
        if (flipped) flow.history = "^"; // Zeek's mark of a flipped connection
        fromOrig = !flipped;
      }
    }
    if (p.moreFragments) {
      const fragmentKey = `${p.src}|${p.dst}|${p.ipId}`;
      this.fragments.set(fragmentKey, flow);
      if (!flow.fragmentKeys.includes(fragmentKey)) {
        flow.fragmentKeys.push(fragmentKey);
        if (flow.fragmentKeys.length > MAX_FRAGMENT_IDS) {
          this.forgetFragments(flow, flow.fragmentKeys.shift() as string);
        }
      }
    }
    this.account(flow, fromOrig, p, ts);
    if (tcp) this.tcpEvents(flow, fromOrig, p, ts);
    else {
      flow.last = ts;
      // Zeek's UDP analyzer writes D/d for the first datagram with payload of each side.
      if (udp && p.payloadLength > 0) this.check(flow, fromOrig ? "D" : "d");
    }
    if (!flow.inspect || !this.hooks.payload) {
      if (flow.streams) this.dropStreams(flow);
      return;
    }
    if (flow.origPackets + flow.respPackets > this.opts.payloadPackets) {
      // Past the packets the parsers read: what the streams hold is let go (its budget returned).
      if (flow.streams) this.dropStreams(flow);
      return;
    }
    if (tcp) this.reassemble(flow, fromOrig, p, ts);
    else if (p.payload.length > 0) this.hooks.payload(flow, fromOrig ? "orig" : "resp", p.payload, ts);
  }

  /** A TCP segment into its direction's reassembler; its ACK tells the other direction what was sent. */
  private reassemble(flow: FlowEntry<S>, fromOrig: boolean, p: Packet, ts: number): void {
    if (p.fragmentOffset > 0 || p.moreFragments) return; // a fragmented segment: not reassembled (rare; counted as a gap by the ACKs)
    let streams = flow.streams;
    if (!streams) {
      if (p.payloadLength === 0 && !(p.tcpFlags & TCP_SYN)) {
        // Nothing to deliver yet; the ACK matters only once the peer has a stream.
        return;
      }
      streams = [this.stream(flow, "orig"), this.stream(flow, "resp")];
      flow.streams = streams;
    }
    const self = fromOrig ? streams[0] : streams[1];
    const peer = fromOrig ? streams[1] : streams[0];
    if (p.tcpFlags & TCP_ACK) peer.reassembler.acked(p.tcpAck, ts, peer.sink);
    if (!flow.inspect) return;
    if (p.payloadLength > 0 || p.tcpFlags & TCP_SYN) {
      self.reassembler.segment(
        p.tcpSeq,
        (p.tcpFlags & TCP_SYN) !== 0,
        p.payload,
        p.payloadLength,
        ts,
        self.sink,
      );
    }
  }

  private stream(flow: FlowEntry<S>, dir: Direction): Stream<S> {
    const hooks = this.hooks;
    const reassembler = new StreamReassembler(
      this.stats.reassembly,
      this.budget,
      this.opts.maxFlowBufferBytes,
    );
    return {
      reassembler,
      flow,
      sink: {
        data(bytes: Uint8Array, ts: number): void {
          if (flow.inspect) hooks.payload?.(flow, dir, bytes, ts);
        },
        gap: (length: number, ts: number): void => {
          // A content gap (Zeek's G, scaled); not those found at the close, which Zeek leaves out too.
          if (!flow.closing) this.scaled(flow, dir === "orig" ? "G" : "g");
          if (flow.inspect) hooks.gap?.(flow, dir, length, ts);
        },
      },
    };
  }

  /** Payloads are no longer wanted: what the streams hold is let go (its memory returned). */
  private dropStreams(flow: FlowEntry<S>): void {
    if (!flow.streams) return;
    for (const s of flow.streams) {
      flow.missedBytes += s.reassembler.missedBytes;
      s.reassembler.discard();
    }
    flow.streams = undefined; // nothing more is reassembled: no gaps reported for what was not read
  }

  private create(key: string, proto: FlowProtocol, p: Packet, ts: number, flipped = false): FlowEntry<S> {
    if (this.open.size >= this.opts.maxConnections) this.evictOldest();
    const flow: FlowEntry<S> = {
      uid: this.nextUid++,
      key,
      proto,
      ipProto: p.protocol,
      icmpType: proto === "icmp" ? p.icmpType : -1,
      icmpCode: proto === "icmp" ? p.icmpCode : -1,
      src: flipped ? p.dst : p.src,
      srcPort: flipped ? p.dstPort : p.srcPort,
      dst: flipped ? p.src : p.dst,
      dstPort: flipped ? p.srcPort : p.dstPort,
      start: ts,
      last: ts,
      origPackets: 0,
      respPackets: 0,
      origBytes: 0,
      respBytes: 0,
      urgent: 0,
      wrongFragment: 0,
      history: "",
      seen: 0,
      scaled: new Map(),
      orig: "INACTIVE",
      resp: "INACTIVE",
      origSeq: emptySeqSpace(),
      respSeq: emptySeqSpace(),
      marks: { orig: [0, 0, 0], resp: [0, 0, 0] },
      origClosed: false,
      respClosed: false,
      attemptAt: Number.NaN,
      closing: false,
      closingAt: Number.POSITIVE_INFINITY,
      closedBy: "timeout",
      fragmentKeys: [],
      origIpBytes: 0,
      respIpBytes: 0,
      streams: undefined,
      missedBytes: 0,
      state: undefined,
      inspect: true,
      service: "",
    };
    this.open.set(key, flow);
    this.stats.connections++;
    return flow;
  }

  /**
   * The table is full: the least recently active flows are closed early (and counted), the
   * `EVICT_FRACTION` of the table at once, so a flood of new flows against a full table costs one
   * scan per batch, not one per packet.
   */
  private evictOldest(): void {
    const batch = Math.max(1, Math.floor(this.opts.maxConnections * EVICT_FRACTION));
    let victims: FlowEntry<S>[];
    if (batch === 1) {
      let oldest: FlowEntry<S> | undefined;
      for (const c of this.open.values()) if (!oldest || c.last < oldest.last) oldest = c;
      victims = oldest ? [oldest] : [];
    } else {
      victims = [...this.open.values()].sort((a, b) => a.last - b.last || a.uid - b.uid).slice(0, batch);
    }
    for (const c of victims) {
      this.stats.evicted++;
      this.close(c, (r) => this.evicted.push(r));
    }
  }

  /** Drops a fragment entry if it still points at `flow` (a newer flow may reuse the IP id). */
  private forgetFragments(flow: FlowEntry<S>, key: string): void {
    if (this.fragments.get(key) === flow) this.fragments.delete(key);
  }

  private account(flow: FlowEntry<S>, fromOrig: boolean, p: Packet, ts: number): void {
    if (p.fragmentOffset > 0) flow.last = ts;
    if (fromOrig) {
      flow.origPackets++;
      flow.origBytes += p.payloadLength;
      flow.origIpBytes += p.ipLength;
    } else {
      flow.respPackets++;
      flow.respBytes += p.payloadLength;
      flow.respIpBytes += p.ipLength;
    }
    if (p.tcpFlags & TCP_URG) flow.urgent++;
    // KDD's wrong_fragment: a damaged header, or a fragment that would overrun the largest datagram.
    if (!p.ipChecksumOk || (p.ipVersion === 4 && p.fragmentOffset + p.ipLength > MAX_IPV4_DATAGRAM + 20)) {
      flow.wrongFragment++;
    }
  }

  /** Adds `letter` once per flow (Zeek's CheckHistory); true when it was seen before. */
  private check(flow: FlowEntry<S>, letter: string): boolean {
    const bit = historyBit(letter);
    if (flow.seen & bit) return true;
    flow.seen |= bit;
    flow.history += letter;
    return false;
  }

  /** Adds `letter` at its 1st, 10th, 100th ... occurrence (Zeek's ScaledHistoryEntry: T, G). */
  private scaled(flow: FlowEntry<S>, letter: string): void {
    const c = flow.scaled.get(letter) ?? [0, 1];
    c[0]++;
    if (c[0] === c[1]) {
      flow.history += letter;
      c[1] *= 10;
    }
    flow.scaled.set(letter, c);
  }

  /**
   * A TCP segment, as Zeek's TCP analyzer takes it (TCPSessionAdapter::Process): the sender's
   * sequence space is started or moved on, the history gets its letters (SYN, FIN and RST again
   * when at a new sequence number, data and pure ACKs once, retransmissions scaled), the flow's
   * last time moves unless both ends had closed, the peer's acknowledged point moves, and the
   * endpoint states decide when the flow is done.
   */
  private tcpEvents(flow: FlowEntry<S>, fromOrig: boolean, p: Packet, ts: number): void {
    const flags = p.tcpFlags;
    const payload = p.payloadLength;
    const syn = (flags & TCP_SYN) !== 0;
    const fin = (flags & TCP_FIN) !== 0;
    const rst = (flags & TCP_RST) !== 0;
    const self = fromOrig ? "orig" : "resp";
    const peer = fromOrig ? "resp" : "orig";
    const seq = fromOrig ? flow.origSeq : flow.respSeq;
    const peerSeq = fromOrig ? flow.respSeq : flow.origSeq;
    const segment = (rst ? 0 : payload) + (syn ? 1 : 0) + (fin ? 1 : 0);
    const end = (p.tcpSeq + segment) >>> 0;
    if (!seq.sent || (syn && p.tcpSeq >>> 0 !== seq.start && flow[self] !== "RESET")) {
      initSeqSpace(seq, syn, p.tcpSeq, end);
    }
    const rel = seqDelta(p.tcpSeq, seq.start);
    const up = fromOrig ? SAME : LOWER;
    const marks = flow.marks[self];
    const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
    if (bits > 1) {
      this.check(flow, up(fin && rst ? "I" : "Q"));
    } else if (syn) {
      const code = up(flags & TCP_ACK ? "H" : "S");
      if (this.check(flow, code) && rel !== marks[0]) flow.history += code;
      marks[0] = rel;
    } else if (fin) {
      if (this.check(flow, up("F")) && rel + payload !== marks[1]) flow.history += up("F");
      marks[1] = rel + payload;
    } else if (rst) {
      if (this.check(flow, up("R")) && rel !== marks[2]) flow.history += up("R");
      marks[2] = rel;
    } else if (payload > 0) {
      this.check(flow, up("D"));
    } else if (flags & TCP_ACK) {
      this.check(flow, up("A"));
    }
    if (!(flow.origClosed && flow.respClosed)) flow.last = ts;
    if (syn && !(flags & TCP_ACK) && fromOrig && flow.orig === "INACTIVE") flow.attemptAt = ts;
    if (fin) seq.fins++;
    if (flags & TCP_ACK) {
      if (!peerSeq.sent) placeByAck(peerSeq, p.tcpAck);
      else if (!rst) acked(peerSeq, p.tcpAck);
    }
    if (sent(seq, end, syn, rst, flow[self] === "RESET", payload)) this.scaled(flow, up("T"));
    flow[self] = nextEndpointState(flow[self], flow[peer], flags, payload);
    // The ACK that completes the handshake establishes both ends.
    if (flow[self] === "ESTABLISHED" && flow[peer] === "SYN_ACK_SENT") flow[peer] = "ESTABLISHED";
    if (fin || rst) {
      if (fromOrig) flow.origClosed = true;
      else flow.respClosed = true;
    }
    // Zeek's close_complete: a RST, both ends closed, or a close towards a silent peer.
    const peerClosed = fromOrig ? flow.respClosed : flow.origClosed;
    if (
      (rst || ((fin || flow[self] === "CLOSED") && (peerClosed || flow[peer] === "INACTIVE"))) &&
      flow.closingAt === Number.POSITIVE_INFINITY
    ) {
      flow.closedBy = rst || flow[peer] === "RESET" ? "rst" : "fin";
      flow.closingAt = flow.last + this.opts.tcpLingerSeconds;
    }
  }

  /** Closes what has ended or idled by `now`. */
  private sweep(now: number, emit: (r: ConnRecord) => void): void {
    this.lastSweep = now;
    for (const r of this.evicted.splice(0)) emit(r);
    const due: FlowEntry<S>[] = [];
    for (const c of this.open.values()) if (this.deadline(c) <= now) due.push(c);
    // Emit in order of end time, then start, so a replay gives the same sequence.
    due.sort((a, b) => this.deadline(a) - this.deadline(b) || a.uid - b.uid);
    for (const c of due) this.close(c, emit);
  }

  /**
   * When a flow is closed (Zeek's TCP timers): after a close, the linger; an attempt nobody answered,
   * `tcpAttemptSeconds` after its SYN (even if the originator goes on sending), or after its last
   * packet when answered by a SYN-ACK only; other TCP flows (established, or seen mid-stream), and
   * UDP and ICMP ones, after their idle timeout.
   */
  private deadline(c: FlowEntry<S>): number {
    if (c.closingAt < Number.POSITIVE_INFINITY) return c.closingAt;
    if (c.proto !== "tcp") return c.last + this.opts.udpIdleSeconds;
    const attempting = c.orig === "SYN_SENT" || c.orig === "SYN_ACK_SENT";
    if (attempting && c.resp === "INACTIVE" && !Number.isNaN(c.attemptAt)) {
      return c.attemptAt + this.opts.tcpAttemptSeconds;
    }
    // An originator whose handshake never completed: given up soon after its last packet (Zeek
    // waits its 5-minute inactivity timeout once the SYN-ACK came; records come out sooner here).
    if (attempting || (c.orig === "INACTIVE" && c.resp === "INACTIVE"))
      return c.last + this.opts.tcpAttemptSeconds;
    return c.last + this.opts.tcpIdleSeconds;
  }

  private close(c: FlowEntry<S>, emit: (r: ConnRecord) => void): void {
    this.open.delete(c.key);
    for (const key of c.fragmentKeys) this.forgetFragments(c, key);
    c.closing = true;
    if (c.streams) {
      // What the streams still hold is delivered after its holes, before the parsers end.
      for (const s of c.streams) {
        if (c.inspect) s.reassembler.finish(c.last, s.sink);
        else s.reassembler.discard();
      }
    }
    this.hooks.end?.(c, c.last);
    emit(toRecord(c));
  }

  /** Ends the input (end of a file): every open flow is emitted, oldest first. */
  flush(emit: (r: ConnRecord) => void): void {
    for (const r of this.evicted.splice(0)) emit(r);
    const rest = [...this.open.values()].sort((a, b) => a.start - b.start || a.uid - b.uid);
    for (const c of rest) {
      if (c.closingAt === Number.POSITIVE_INFINITY) c.closedBy = "end";
      this.close(c, emit);
    }
  }
}

/** The letters of Zeek's history (upper case: the originator's), one bit each in `FlowEntry.seen`. */
const HISTORY_LETTERS = "SHADFRIQTGCWX^";
const HISTORY_BITS = new Int32Array(128);
for (let i = 0; i < HISTORY_LETTERS.length; i++) {
  const letter = HISTORY_LETTERS[i];
  HISTORY_BITS[letter.charCodeAt(0)] = 1 << i;
  const lower = letter.toLowerCase();
  if (lower !== letter) HISTORY_BITS[lower.charCodeAt(0)] = 1 << (i + HISTORY_LETTERS.length);
}

/** The bit of a history letter (0 for one Zeek does not write, which is then never "seen"). */
function historyBit(letter: string): number {
  return HISTORY_BITS[letter.charCodeAt(0) & 127];
}

/** A history letter as the originator writes it, and as the responder does (no allocation per packet). */
const SAME = (letter: string): string => letter;
const LOWER_CASE: Record<string, string> = Object.fromEntries(
  [...HISTORY_LETTERS].map((l) => [l, l.toLowerCase()]),
);
const LOWER = (letter: string): string => LOWER_CASE[letter] ?? letter.toLowerCase();

function pair(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

function endpointPair(a: string, ap: number, b: string, bp: number): string {
  return a < b || (a === b && ap <= bp) ? `${a}|${ap}|${b}|${bp}` : `${b}|${bp}|${a}|${ap}`;
}

function toRecord<S>(c: FlowEntry<S>): ConnRecord {
  // Zeek calls a UDP flow without an answer S0 and every ICMP flow OTH.
  const state: ConnState =
    c.proto === "tcp"
      ? tcpState(c.orig, c.resp, c.history)
      : c.proto === "udp" && c.respPackets === 0
        ? "S0"
        : c.proto === "udp"
          ? "SF"
          : "OTH";
  return {
    uid: c.uid,
    ts: c.start,
    end: c.last,
    duration: c.last - c.start,
    proto: c.proto,
    ipProto: c.ipProto,
    src: c.src,
    srcPort: c.srcPort,
    dst: c.dst,
    dstPort: c.dstPort,
    icmpType: c.icmpType,
    icmpCode: c.icmpCode,
    service: c.service,
    state,
    history: c.history,
    origPackets: c.origPackets,
    respPackets: c.respPackets,
    origBytes: c.proto === "tcp" ? endpointSize(c.origSeq) : c.origBytes,
    respBytes: c.proto === "tcp" ? endpointSize(c.respSeq) : c.respBytes,
    urgentPackets: c.urgent,
    wrongFragments: c.wrongFragment,
    origIpBytes: c.origIpBytes,
    respIpBytes: c.respIpBytes,
    missedBytes:
      c.missedBytes +
      (c.streams ? c.streams[0].reassembler.missedBytes + c.streams[1].reassembler.missedBytes : 0),
    closedBy: c.closedBy,
  };
}
