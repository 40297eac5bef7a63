/**
 * The transport-level record of one flow, as the flow table emits it when the flow ends: Zeek's
 * conn.log in camelCase (ts, uid, id.orig_h/p -> src/srcPort, id.resp_h/p -> dst/dstPort, proto,
 * service, duration, orig/resp bytes and packets, conn_state, history), plus why it closed and the
 * IP-level facts KDD's features read (urgent and damaged packets). No KDD names here: those are
 * the features stage's.
 */
import type { ConnState } from "./tcpState";

/** Transport of a flow. */
export type FlowProtocol = "tcp" | "udp" | "icmp";

/** One finished flow. */
export interface ConnRecord {
  /**
   * The flow's number, in order of its first packet (0, 1, 2, ... per flow table): stable for a
   * given capture, the key protocol records join on (their `uid`), and the monitor's record id.
   * `zeekUid(uid)` gives Zeek's string form for logs.
   */
  readonly uid: number;
  /**
   * First and last packet, seconds since the epoch; `duration` is `end - ts`. For TCP, as in Zeek,
   * the last packet is the one that closed both sides (packets after it count, but do not extend it).
   */
  readonly ts: number;
  readonly end: number;
  readonly duration: number;
  readonly proto: FlowProtocol;
  /** IP protocol number (6, 17, 1, or 58 for ICMPv6). */
  readonly ipProto: number;
  /** Originator (the side that sent the first packet, or the SYN) and responder; ports 0 for ICMP. */
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  /** ICMP type and code of the flow's first message; -1 for TCP and UDP. */
  readonly icmpType: number;
  readonly icmpCode: number;
  /** The application protocol the protocol layer recognised (`"dns"`, `"http"`, ...), "" when none. */
  readonly service: string;
  /** Zeek's conn_state (UDP: S0 without an answer, else SF; ICMP: OTH). */
  readonly state: ConnState;
  /**
   * Zeek's history: S SYN, H SYN-ACK, A pure ACK, D data, F FIN, R RST, I FIN+RST, Q other
   * multi-flag, T retransmission, G content gap, X analysis partial, ^ flipped; upper case from the
   * originator. Each letter once, except S/H/F/R again at a new sequence number and T/G at their
   * 1st, 10th, 100th ... occurrence. UDP: D/d for each side's first datagram with payload.
   */
  readonly history: string;
  readonly origPackets: number;
  readonly respPackets: number;
  /**
   * Payload bytes (Zeek's orig_bytes / resp_bytes). TCP: from the sequence numbers (the highest
   * sent or acknowledged, less SYN and FIN), so a retransmission counts once and bytes the capture
   * missed but the peer acknowledged count; UDP and ICMP: the sum of the payloads.
   */
  readonly origBytes: number;
  readonly respBytes: number;
  /** IP bytes, headers included (Zeek's orig_ip_bytes / resp_ip_bytes). */
  readonly origIpBytes: number;
  readonly respIpBytes: number;
  /** TCP bytes the reassembly never saw (holes given up on), both directions: Zeek's missed_bytes. 0 when the flow was not reassembled. */
  readonly missedBytes: number;
  /** Packets with the TCP URG flag. */
  readonly urgentPackets: number;
  /** Packets with a damaged IPv4 header, or fragments that would overrun a 65,535-byte datagram. */
  readonly wrongFragments: number;
  /** Why the record was emitted: FIN handshake, RST, idle timeout, end of input, or evicted early. */
  readonly closedBy: "fin" | "rst" | "timeout" | "end";
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** MurmurHash3's 32-bit finaliser: a bijective mix. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Zeek's string form of a flow uid (`C` and 18 base-62 characters, e.g. `CHhAvVGS1DHFjwGM9a`),
 * derived from the numeric uid and `seed` (default 0; give each sensor or run its own to keep their
 * logs apart): the same capture gives the same strings, and distinct uids below 2^32 give distinct
 * strings (the first six characters are a bijection of the uid).
 * @example zeekUid(0) // a fixed 19-character string starting with "C"
 */
export function zeekUid(uid: number, seed = 0): string {
  let text = "C";
  for (let part = 0; part < 3; part++) {
    let h = fmix32(
      (uid >>> 0) ^ fmix32((seed >>> 0) + 0x9e3779b9 * (part + 1)) ^ fmix32(Math.floor(uid / 2 ** 32)),
    );
    for (let i = 0; i < 6; i++) {
      text += BASE62[h % 62];
      h = Math.floor(h / 62);
    }
  }
  return text;
}
