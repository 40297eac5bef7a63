/**
 * Hand-made packets for tests: real frames from `frames.ts`, decoded by `decodeFrame`, so tests go
 * through the same bytes a capture would.
 */
import { decodeFrame, isDecodeFailure } from "../packets/decode";
import { type Endpoint, icmpFrame, tcpFrame, udpFrame } from "../packets/frames";
import { ipv4Bytes } from "../net/address";
import { LINKTYPE_ETHERNET, type Packet } from "../packets/packet";

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

/** A TCP segment as a decoded packet. */
export function tcp(
  ts: number,
  src: string,
  sport: number,
  dst: string,
  dport: number,
  flags: number,
  payloadBytes = 0,
): Packet {
  return decode(
    tcpFrame(host(src), host(dst), sport, dport, 1000, 2000, flags, new Uint8Array(payloadBytes)),
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
  text: string,
): Packet {
  return decode(
    tcpFrame(host(src), host(dst), sport, dport, 1000, 2000, flags, Buffer.from(text, "latin1")),
    ts,
  );
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
