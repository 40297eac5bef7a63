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
