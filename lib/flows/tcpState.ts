/**
 * TCP state as Zeek's TCP analyzer tracks it: the state of each endpoint, moved on by the segments
 * it sends, and the connection state (`conn_state` of Zeek's conn.log) read from the two.
 */
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from "../packets/packet";

/** Zeek's connection states (https://docs.zeek.org/en/current/scripts/base/protocols/conn/main.zeek.html). */
export type ConnState =
  "S0" | "S1" | "SF" | "REJ" | "S2" | "S3" | "RSTO" | "RSTR" | "RSTOS0" | "RSTRH" | "SH" | "SHR" | "OTH";

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
export function tcpState(orig: EndpointState, resp: EndpointState, history: string): ConnState {
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

/** Largest jump of a SYN's or RST's sequence number still believed (Zeek's TOO_LARGE_SEQ_DELTA). */
export const TOO_LARGE_SEQ_DELTA = 1_048_576;

/** The signed distance from `b` to `a` in 32-bit sequence space. */
export function seqDelta(a: number, b: number): number {
  return (a - b) | 0;
}

/**
 * One endpoint's sequence space, as Zeek's TCP_Endpoint keeps it: where its stream starts (its SYN,
 * or one before its first byte seen), the highest sequence number it sent and the highest its peer
 * acknowledged (both also relative to the start, so wraps are followed), and its FINs. Zeek's
 * orig_bytes/resp_bytes come from these (`endpointSize`), so a retransmission counts once and bytes
 * the capture missed but the peer acknowledged count too.
 */
export interface SeqSpace {
  /** The endpoint sent a packet (Zeek: left INACTIVE); before that the peer's ACKs place it. */
  sent: boolean;
  start: number;
  last: number;
  lastRel: number;
  ack: number;
  ackRel: number;
  fins: number;
}

/** A sequence space before any packet. */
export function emptySeqSpace(): SeqSpace {
  return { sent: false, start: 0, last: 0, lastRel: 0, ack: 0, ackRel: 0, fins: 0 };
}

/** Starts (or restarts) the space at a segment `[seq, end)` (Zeek's init_endpoint). */
export function initSeqSpace(s: SeqSpace, syn: boolean, seq: number, end: number): void {
  s.sent = true;
  if (syn) {
    s.start = seq >>> 0;
    s.last = end >>> 0;
    s.lastRel = seqDelta(end, seq);
  } else {
    // Seen mid-stream: numbered as if a SYN had come just before.
    s.start = (seq - 1) >>> 0;
    s.last = seq >>> 0;
    s.lastRel = 1;
  }
  s.ack = s.start;
  s.ackRel = 0;
}

/** The peer acknowledged `ack` while this endpoint was not yet seen (Zeek's init_peer). */
export function placeByAck(s: SeqSpace, ack: number): void {
  s.start = (ack - 1) >>> 0;
  s.last = s.start;
  s.ack = s.start;
  s.lastRel = 0;
  s.ackRel = 0;
}

/** The peer acknowledged up to `ack` (Zeek's update_ack_seq; not called for RST packets). */
export function acked(s: SeqSpace, ack: number): void {
  const d = seqDelta(ack, s.ack);
  if (ack === 0 && d > TOO_LARGE_SEQ_DELTA) return; // a broken ACK, more likely than landing on 0
  if (d > 0) {
    s.ack = ack >>> 0;
    s.ackRel += d;
  }
}

/**
 * The endpoint sent a segment ending at `end` (Zeek's update_last_seq). Returns true when it carried
 * payload but did not advance the stream: a retransmission.
 */
export function sent(
  s: SeqSpace,
  end: number,
  syn: boolean,
  rst: boolean,
  reset: boolean,
  payload: number,
): boolean {
  const d = seqDelta(end, s.last);
  if ((syn || rst) && (d > TOO_LARGE_SEQ_DELTA || d < -TOO_LARGE_SEQ_DELTA)) return false;
  if (reset) return false; // after its RST an endpoint's sequence numbers are not trusted
  if (d > 0) {
    s.last = end >>> 0;
    s.lastRel += d;
    return false;
  }
  return payload > 0;
}

/** Payload bytes the endpoint sent, from its sequence space (Zeek's TCP_Endpoint::Size). */
export function endpointSize(s: SeqSpace): number {
  let size = Math.max(s.lastRel, s.ackRel);
  if (size > 0) size--; // the SYN's octet
  if (s.fins > 0 && size > 0) size--; // the FIN's octet
  return size;
}
