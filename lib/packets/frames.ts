/**
 * Building real frames: Ethernet II / IPv4 / TCP, UDP or ICMP, with correct lengths and
 * checksums (IPv4 header, and TCP / UDP over the RFC 793 / 768 pseudo-header). The simulator
 * writes these into pcap files that Wireshark and tshark read without warnings.
 */
import {
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  TCP_SYN,
  internetChecksum,
  ipv4PseudoHeaderSum,
} from "./packet";

/** One end of a conversation: link-layer and IPv4 address. */
export interface Endpoint {
  readonly mac: Uint8Array;
  readonly ip: Uint8Array;
}

/** Per-packet IP options of the builders. */
export interface IpOptions {
  /** IPv4 identification. Default 0. */
  readonly ipId?: number;
  /** Default 64. */
  readonly ttl?: number;
  /** Set the don't-fragment flag. Default true (as Linux does for TCP). */
  readonly dontFragment?: boolean;
}

const ETH_HEADER = 14;
const IPV4_HEADER = 20;
const TCP_HEADER = 20;
const UDP_HEADER = 8;
const ICMP_HEADER = 8;
/** MSS option on SYN segments: kind 2, length 4, value (RFC 879). */
const MSS_OPTION_BYTES = 4;
/** Ethernet's minimum frame (without FCS): shorter frames are zero-padded, as NICs do. */
const ETH_MIN_FRAME = 60;

function writeEthernet(frame: Uint8Array, src: Endpoint, dst: Endpoint): void {
  frame.set(dst.mac, 0);
  frame.set(src.mac, 6);
  frame[12] = 0x08; // EtherType IPv4
  frame[13] = 0x00;
}

function writeIpv4(
  frame: Uint8Array,
  src: Endpoint,
  dst: Endpoint,
  protocol: number,
  totalLength: number,
  opts: IpOptions,
): void {
  const o = ETH_HEADER;
  frame[o] = 0x45; // version 4, IHL 5
  frame[o + 1] = 0;
  frame[o + 2] = totalLength >>> 8;
  frame[o + 3] = totalLength & 0xff;
  const id = opts.ipId ?? 0;
  frame[o + 4] = (id >>> 8) & 0xff;
  frame[o + 5] = id & 0xff;
  frame[o + 6] = (opts.dontFragment ?? true) ? 0x40 : 0;
  frame[o + 7] = 0;
  frame[o + 8] = opts.ttl ?? 64;
  frame[o + 9] = protocol;
  frame.set(src.ip, o + 12);
  frame.set(dst.ip, o + 16);
  const sum = internetChecksum(frame, o, o + IPV4_HEADER);
  frame[o + 10] = sum >>> 8;
  frame[o + 11] = sum & 0xff;
}

function allocate(ipPacketLength: number): Uint8Array {
  return new Uint8Array(Math.max(ETH_MIN_FRAME, ETH_HEADER + ipPacketLength));
}

/**
 * An Ethernet + IPv4 + TCP frame. SYN segments carry an MSS option.
 * @param window receive window; default 64,240.
 * @param wirePayloadLength the payload's length on the wire when only its first bytes are captured
 *   (a frame cut by a snap length): the IP and TCP headers describe `wirePayloadLength` bytes, the
 *   frame holds only `payload`, and the checksum is that of a segment whose uncaptured tail is zero
 *   bytes (zeros add nothing to the Internet checksum). Default `payload.length`.
 */
export function tcpFrame(
  src: Endpoint,
  dst: Endpoint,
  srcPort: number,
  dstPort: number,
  seq: number,
  ack: number,
  flags: number,
  payload: Uint8Array = EMPTY,
  opts: IpOptions & {
    window?: number;
    mss?: number;
    urgentPointer?: number;
    wirePayloadLength?: number;
  } = {},
): Uint8Array {
  const options = flags & TCP_SYN ? MSS_OPTION_BYTES : 0;
  const wirePayload = Math.max(payload.length, opts.wirePayloadLength ?? payload.length);
  const tcpLength = TCP_HEADER + options + wirePayload;
  const capturedTcpLength = TCP_HEADER + options + payload.length;
  const frame = allocate(IPV4_HEADER + capturedTcpLength);
  writeEthernet(frame, src, dst);
  writeIpv4(frame, src, dst, IPPROTO_TCP, IPV4_HEADER + tcpLength, opts);
  const t = ETH_HEADER + IPV4_HEADER;
  frame[t] = srcPort >>> 8;
  frame[t + 1] = srcPort & 0xff;
  frame[t + 2] = dstPort >>> 8;
  frame[t + 3] = dstPort & 0xff;
  writeU32(frame, t + 4, seq);
  writeU32(frame, t + 8, ack);
  frame[t + 12] = ((TCP_HEADER + options) / 4) << 4;
  frame[t + 13] = flags;
  const window = opts.window ?? 64_240;
  frame[t + 14] = window >>> 8;
  frame[t + 15] = window & 0xff;
  const urgent = opts.urgentPointer ?? 0;
  frame[t + 18] = urgent >>> 8;
  frame[t + 19] = urgent & 0xff;
  if (options) {
    const mss = opts.mss ?? 1460;
    frame[t + 20] = 2;
    frame[t + 21] = 4;
    frame[t + 22] = mss >>> 8;
    frame[t + 23] = mss & 0xff;
  }
  frame.set(payload, t + TCP_HEADER + options);
  const sum = internetChecksum(
    frame,
    t,
    t + capturedTcpLength,
    ipv4PseudoHeaderSum(src.ip, dst.ip, IPPROTO_TCP, tcpLength),
  );
  frame[t + 16] = sum >>> 8;
  frame[t + 17] = sum & 0xff;
  return frame;
}

/** An Ethernet + IPv4 + UDP frame. */
export function udpFrame(
  src: Endpoint,
  dst: Endpoint,
  srcPort: number,
  dstPort: number,
  payload: Uint8Array,
  opts: IpOptions = {},
): Uint8Array {
  const udpLength = UDP_HEADER + payload.length;
  const frame = allocate(IPV4_HEADER + udpLength);
  writeEthernet(frame, src, dst);
  writeIpv4(frame, src, dst, IPPROTO_UDP, IPV4_HEADER + udpLength, { dontFragment: false, ...opts });
  const u = ETH_HEADER + IPV4_HEADER;
  frame[u] = srcPort >>> 8;
  frame[u + 1] = srcPort & 0xff;
  frame[u + 2] = dstPort >>> 8;
  frame[u + 3] = dstPort & 0xff;
  frame[u + 4] = udpLength >>> 8;
  frame[u + 5] = udpLength & 0xff;
  frame.set(payload, u + UDP_HEADER);
  let sum = internetChecksum(
    frame,
    u,
    u + udpLength,
    ipv4PseudoHeaderSum(src.ip, dst.ip, IPPROTO_UDP, udpLength),
  );
  if (sum === 0) sum = 0xffff; // RFC 768: a computed zero is sent as all ones
  frame[u + 6] = sum >>> 8;
  frame[u + 7] = sum & 0xff;
  return frame;
}

/**
 * An Ethernet + IPv4 + ICMP frame. `rest` is the 4 bytes after the checksum (identifier and
 * sequence for echo; unused for destination-unreachable, whose payload quotes the offending packet).
 */
export function icmpFrame(
  src: Endpoint,
  dst: Endpoint,
  type: number,
  code: number,
  rest: number,
  payload: Uint8Array = EMPTY,
  opts: IpOptions = {},
): Uint8Array {
  const icmpLength = ICMP_HEADER + payload.length;
  const frame = allocate(IPV4_HEADER + icmpLength);
  writeEthernet(frame, src, dst);
  writeIpv4(frame, src, dst, IPPROTO_ICMP, IPV4_HEADER + icmpLength, { dontFragment: false, ...opts });
  const c = ETH_HEADER + IPV4_HEADER;
  frame[c] = type;
  frame[c + 1] = code;
  writeU32(frame, c + 4, rest);
  frame.set(payload, c + ICMP_HEADER);
  const sum = internetChecksum(frame, c, c + icmpLength);
  frame[c + 2] = sum >>> 8;
  frame[c + 3] = sum & 0xff;
  return frame;
}

/**
 * The length on the wire of an Ethernet + IPv4 frame built here (more than `frame.length` when the
 * frame was built cut, with `wirePayloadLength`), at least Ethernet's minimum frame.
 */
export function wireLengthOf(frame: Uint8Array): number {
  const total = (frame[ETH_HEADER + 2] << 8) | frame[ETH_HEADER + 3];
  return Math.max(frame.length, ETH_MIN_FRAME, ETH_HEADER + total);
}

/** The IP packet inside an Ethernet frame built here (for ICMP errors that quote it). */
export function ipPacketOf(frame: Uint8Array): Uint8Array {
  const total = (frame[ETH_HEADER + 2] << 8) | frame[ETH_HEADER + 3];
  return frame.subarray(ETH_HEADER, ETH_HEADER + total);
}

function writeU32(frame: Uint8Array, o: number, v: number): void {
  frame[o] = (v >>> 24) & 0xff;
  frame[o + 1] = (v >>> 16) & 0xff;
  frame[o + 2] = (v >>> 8) & 0xff;
  frame[o + 3] = v & 0xff;
}

const EMPTY = new Uint8Array(0);

/** Header bytes before a TCP payload in frames built here (without the SYN MSS option). */
export const TCP_FRAME_OVERHEAD = ETH_HEADER + IPV4_HEADER + TCP_HEADER;
