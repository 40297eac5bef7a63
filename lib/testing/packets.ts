/**
 * Hand-made packets for tests: real frames from `frames.ts`, decoded by `decodeFrame`, so tests go
 * through the same bytes a capture would.
 */
import { decodeFrame, isDecodeFailure } from "../packets/decode";
import { type Endpoint, icmpFrame, tcpFrame, udpFrame } from "../packets/frames";
import { ipv4Bytes } from "../net/address";
import { LINKTYPE_ETHERNET, type Packet, TCP_ACK, TCP_FIN, TCP_SYN } from "../packets/packet";

/** A host by address (MAC derived from it). */
export function host(address: string): Endpoint {
  const ip = ipv4Bytes(address);
  return { ip, mac: Uint8Array.of(2, 0, ip[0], ip[1], ip[2], ip[3]) };
}

function decode(frame: Uint8Array, ts: number): Packet {
  const p = decodeFrame(LINKTYPE_ETHERNET, frame, ts, frame.length);
  if (isDecodeFailure(p)) throw new Error(`test frame did not decode: ${p.reason}`);
  return p;
}

/**
 * Sequence numbers per direction (src|sport|dst|dport -> next), so the segments a test makes in
 * order form a real stream: a SYN starts a direction afresh, data and FIN advance it, and every
 * segment acknowledges what its peer sent.
 */
const nextSeq = new Map<string, number>();
let freshIsn = 1000;

/** Where a test wants a segment placed instead: its own sequence and acknowledgement numbers. */
export interface SegmentAt {
  seq?: number;
  ack?: number;
}

function sequence(
  src: string,
  sport: number,
  dst: string,
  dport: number,
  flags: number,
  length: number,
  at: SegmentAt,
): [number, number] {
  const key = `${src}|${sport}|${dst}|${dport}`;
  const peer = `${dst}|${dport}|${src}|${sport}`;
  let seq = nextSeq.get(key);
  if (seq === undefined || flags & TCP_SYN) {
    freshIsn = (freshIsn + 100_000) >>> 0;
    seq = freshIsn;
  }
  if (at.seq !== undefined) seq = at.seq;
  const advance = length + (flags & TCP_SYN ? 1 : 0) + (flags & TCP_FIN ? 1 : 0);
  const next = (seq + advance) >>> 0;
  if (at.seq === undefined || next > (nextSeq.get(key) ?? 0)) nextSeq.set(key, next);
  const ack = at.ack ?? (flags & TCP_ACK ? (nextSeq.get(peer) ?? 0) : 0);
  return [seq, ack];
}

/** A TCP segment as a decoded packet. */
export function tcp(
  ts: number,
  src: string,
  sport: number,
  dst: string,
  dport: number,
  flags: number,
  payloadBytes = 0,
  at: SegmentAt = {},
): Packet {
  const [seq, ack] = sequence(src, sport, dst, dport, flags, payloadBytes, at);
  return decode(
    tcpFrame(host(src), host(dst), sport, dport, seq, ack, flags, new Uint8Array(payloadBytes)),
    ts,
  );
}

/** A TCP segment carrying text (for clear-text content tests). */
export function tcpText(
  ts: number,
  src: string,
  sport: number,
  dst: string,
  dport: number,
  flags: number,
  text: string | Uint8Array,
  at: SegmentAt = {},
): Packet {
  const bytes = typeof text === "string" ? Buffer.from(text, "latin1") : text;
  const [seq, ack] = sequence(src, sport, dst, dport, flags, bytes.length, at);
  return decode(tcpFrame(host(src), host(dst), sport, dport, seq, ack, flags, bytes), ts);
}

/** A UDP datagram as a decoded packet. */
export function udp(
  ts: number,
  src: string,
  sport: number,
  dst: string,
  dport: number,
  payload: Uint8Array | number = 0,
): Packet {
  const bytes = typeof payload === "number" ? new Uint8Array(payload) : payload;
  return decode(udpFrame(host(src), host(dst), sport, dport, bytes), ts);
}

/** An ICMP message as a decoded packet. */
export function icmp(ts: number, src: string, dst: string, type: number, code = 0, payloadBytes = 8): Packet {
  return decode(icmpFrame(host(src), host(dst), type, code, 0x00010001, new Uint8Array(payloadBytes)), ts);
}
