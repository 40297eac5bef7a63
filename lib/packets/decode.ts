/**
 * Decodes one captured frame (link, IP and transport headers) into a `Packet`.
 *
 * Built for the capture reader's hot path: it reads bytes directly (no DataView, no regex),
 * allocates one object per packet (plus the address strings and a payload view), and never
 * throws. A frame it cannot use comes back as a `DecodeFailure` whose short `reason` the capture
 * report counts, so nothing is dropped silently.
 *
 * Lengths follow the headers, not the capture: a frame cut by the snap length still reports the
 * payload length its IP header declares, which is what byte counters such as KDD's `src_bytes` add up.
 */
import {
  internetChecksum,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  LINKTYPE_ETHERNET,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_RAW,
  type Packet,
} from "./packet";
import { ipv4Text, ipv6Text } from "../net/address";

/**
 * Why a frame could not be decoded: a short reason kind that the capture report counts, e.g.
 * `"truncated IPv4 header"`, `"unsupported link type 105"`, `"bad IP version"`.
 */
export interface DecodeFailure {
  readonly reason: string;
}

/** True when `decodeFrame` gave up on the frame. @example isDecodeFailure({ reason: "bad IP version" }) // true */
export function isDecodeFailure(result: Packet | DecodeFailure): result is DecodeFailure {
  return "reason" in result;
}

/** EtherTypes (IEEE 802 numbers). */
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100; // 802.1Q customer tag
const ETHERTYPE_QINQ = 0x88a8; // 802.1ad service tag

const ETHERNET_HEADER = 14;
/** The BSD loopback header (LINKTYPE_NULL / LOOP): the address family, 4 bytes. */
const LOOPBACK_HEADER = 4;
/** Address families of IP on BSD loopback: AF_INET, and AF_INET6 as NetBSD/OpenBSD, FreeBSD and macOS number it. */
const LOOPBACK_IP_FAMILIES: ReadonlySet<number> = new Set([2, 24, 28, 30]);
const SLL_HEADER = 16; // protocol type at offset 14
const SLL2_HEADER = 20; // protocol type at offset 0
const VLAN_TAG = 4;
const IPV4_MIN_HEADER = 20;
const IPV6_HEADER = 40;
const TCP_MIN_HEADER = 20;
const UDP_HEADER = 8;
const ICMP_HEADER = 8; // type, code, checksum and the 4-byte rest-of-header (echo id/seq, ...)

/** IPv6 extension headers walked to reach the upper-layer protocol (RFC 8200, 4.1). */
const IPV6_HOP_BY_HOP = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_DESTINATION = 60;
const IPV6_NO_NEXT_HEADER = 59;

// Failures with a fixed reason are shared, so a stream of bad frames does not allocate.
const fail = (reason: string): DecodeFailure => Object.freeze({ reason });
const TRUNCATED_ETHERNET = fail("truncated Ethernet header");
const TRUNCATED_SLL = fail("truncated Linux SLL header");
const TRUNCATED_SLL2 = fail("truncated Linux SLL2 header");
const TRUNCATED_VLAN = fail("truncated VLAN tag");
const TRUNCATED_IP = fail("truncated IP header");
const TRUNCATED_IPV4 = fail("truncated IPv4 header");
const TRUNCATED_IPV6 = fail("truncated IPv6 header");
const TRUNCATED_IPV6_EXTENSION = fail("truncated IPv6 extension header");
const BAD_IP_VERSION = fail("bad IP version");
const BAD_IPV4_HEADER_LENGTH = fail("bad IPv4 header length");
const BAD_IPV4_TOTAL_LENGTH = fail("bad IPv4 total length");
const TRUNCATED_TCP = fail("truncated TCP header");
const BAD_TCP_OFFSET = fail("bad TCP data offset");
const TRUNCATED_UDP = fail("truncated UDP header");
const TRUNCATED_ICMP = fail("truncated ICMP header");

/** Shared empty values: most packets have no VLAN tag, and many no captured payload. */
const EMPTY = new Uint8Array(0);
const NO_VLAN: readonly number[] = Object.freeze([]);

function be16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/**
 * Decodes one frame of the given libpcap link type.
 *
 * Link types: Ethernet (1, with stacked 802.1Q / 802.1ad tags recorded in `vlan`), raw IP (101),
 * IPv4 (228), IPv6 (229), Linux cooked v1 (113) and v2 (276). IPv4 and IPv6 (with hop-by-hop,
 * routing, fragment and destination-options headers walked) carry TCP, UDP, ICMP and ICMPv6 headers;
 * other IP protocols get ports 0 and their whole IP payload as payload. A frame with a non-IP
 * EtherType (ARP, LLDP, ...) is a valid `Packet` with `ipVersion` 0. Transport headers are read only
 * in the first fragment; a later fragment has ports 0 and its IP payload as `payloadLength`.
 *
 * A snap length that cuts the frame is tolerated: the IP header must be captured whole, a TCP
 * header needs its fixed 20 bytes (options may be cut), UDP its 8 bytes, ICMP its type and code.
 * An IPv4 total length (or IPv6 payload length) of 0, as written by NICs doing segmentation
 * offload, is taken from the frame's wire length.
 *
 * @param linkType libpcap LINKTYPE_* of the interface that captured the frame.
 * @param frame The captured bytes; `payload` in the result is a view into it.
 * @param ts Capture time, seconds since the Unix epoch.
 * @param wireLength Length of the frame on the wire (at least `frame.length` for a sane capture).
 * @returns The packet, or a `DecodeFailure` naming why not. Never throws.
 * @example decodeFrame(LINKTYPE_RAW, Uint8Array.of(0x15), 0, 1) // { reason: "bad IP version" }
 */
export function decodeFrame(
  linkType: number,
  frame: Uint8Array,
  ts: number,
  wireLength: number,
): Packet | DecodeFailure {
  const captured = frame.length;
  let offset: number;
  let etherType: number;
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      if (captured < ETHERNET_HEADER) return TRUNCATED_ETHERNET;
      etherType = be16(frame, 12);
      offset = ETHERNET_HEADER;
      break;
    case LINKTYPE_LINUX_SLL:
      if (captured < SLL_HEADER) return TRUNCATED_SLL;
      etherType = be16(frame, 14);
      offset = SLL_HEADER;
      break;
    case LINKTYPE_LINUX_SLL2:
      if (captured < SLL2_HEADER) return TRUNCATED_SLL2;
      etherType = be16(frame, 0);
      offset = SLL2_HEADER;
      break;
    case LINKTYPE_RAW: {
      if (captured < 1) return TRUNCATED_IP;
      const version = frame[0] >> 4;
      if (version === 4) return decodeIpv4(frame, 0, ts, wireLength, NO_VLAN);
      if (version === 6) return decodeIpv6(frame, 0, ts, wireLength, NO_VLAN);
      return BAD_IP_VERSION;
    }
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      // The address family (AF_INET 2; AF_INET6 24, 28 or 30 by BSD) in either byte order; the IP
      // header after it says its own version.
      if (captured < LOOPBACK_HEADER + 1) return TRUNCATED_IP;
      const le = frame[0] | (frame[1] << 8) | (frame[2] << 16) | (frame[3] << 24);
      const family = le >>> 0 < 256 ? le : be16(frame, 2);
      if (!LOOPBACK_IP_FAMILIES.has(family)) return { reason: `loopback address family ${family} is not IP` };
      const version = frame[LOOPBACK_HEADER] >> 4;
      if (version === 4) return decodeIpv4(frame, LOOPBACK_HEADER, ts, wireLength, NO_VLAN);
      if (version === 6) return decodeIpv6(frame, LOOPBACK_HEADER, ts, wireLength, NO_VLAN);
      return BAD_IP_VERSION;
    }
    case LINKTYPE_IPV4:
      return decodeIpv4(frame, 0, ts, wireLength, NO_VLAN);
    case LINKTYPE_IPV6:
      return decodeIpv6(frame, 0, ts, wireLength, NO_VLAN);
    default:
      return { reason: `unsupported link type ${linkType}` };
  }
  let vlan = NO_VLAN;
  while (etherType === ETHERTYPE_VLAN || etherType === ETHERTYPE_QINQ) {
    if (offset + VLAN_TAG > captured) return TRUNCATED_VLAN;
    const id = be16(frame, offset) & 0x0fff; // the TCI's low 12 bits; the top 4 are priority and DEI
    vlan = vlan === NO_VLAN ? [id] : [...vlan, id];
    etherType = be16(frame, offset + 2);
    offset += VLAN_TAG;
  }
  if (etherType === ETHERTYPE_IPV4) return decodeIpv4(frame, offset, ts, wireLength, vlan);
  if (etherType === ETHERTYPE_IPV6) return decodeIpv6(frame, offset, ts, wireLength, vlan);
  return {
    ts,
    wireLength,
    capturedLength: captured,
    ipVersion: 0,
    src: "",
    dst: "",
    protocol: -1,
    srcPort: 0,
    dstPort: 0,
    icmpType: -1,
    icmpCode: -1,
    tcpFlags: 0,
    tcpSeq: 0,
    tcpAck: 0,
    urgentPointer: 0,
    ttl: 0,
    ipId: 0,
    payloadLength: 0,
    payload: EMPTY,
    fragmentOffset: 0,
    moreFragments: false,
    ipLength: 0,
    ipChecksumOk: true,
    vlan,
  };
}

/** Length of the IP packet when its length field is 0 (segmentation offload): what the wire carried. */
function offloadLength(frame: Uint8Array, offset: number, wireLength: number): number {
  return Math.max(wireLength, frame.length) - offset;
}

function decodeIpv4(
  frame: Uint8Array,
  o: number,
  ts: number,
  wireLength: number,
  vlan: readonly number[],
): Packet | DecodeFailure {
  const captured = frame.length;
  if (o + IPV4_MIN_HEADER > captured) return TRUNCATED_IPV4;
  const first = frame[o];
  if (first >> 4 !== 4) return BAD_IP_VERSION;
  const headerLength = (first & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER) return BAD_IPV4_HEADER_LENGTH;
  // Options cut by the snap length: the checksum cannot be verified, so the header is unreadable.
  if (o + headerLength > captured) return TRUNCATED_IPV4;
  let ipLength = be16(frame, o + 2);
  if (ipLength === 0) ipLength = offloadLength(frame, o, wireLength);
  if (ipLength < headerLength) return BAD_IPV4_TOTAL_LENGTH;
  const flagsFragment = be16(frame, o + 6);
  const fragmentOffset = (flagsFragment & 0x1fff) * 8;
  return finishIp(
    frame,
    ts,
    wireLength,
    4,
    ipv4Text(frame, o + 12),
    ipv4Text(frame, o + 16),
    frame[o + 9],
    frame[o + 8],
    be16(frame, o + 4),
    fragmentOffset,
    (flagsFragment & 0x2000) !== 0,
    ipLength,
    internetChecksum(frame, o, o + headerLength) === 0,
    vlan,
    o + headerLength,
    o + ipLength,
  );
}

function decodeIpv6(
  frame: Uint8Array,
  o: number,
  ts: number,
  wireLength: number,
  vlan: readonly number[],
): Packet | DecodeFailure {
  const captured = frame.length;
  if (o + IPV6_HEADER > captured) return TRUNCATED_IPV6;
  if (frame[o] >> 4 !== 6) return BAD_IP_VERSION;
  let next = frame[o + 6];
  const payloadLength = be16(frame, o + 4);
  const ipLength =
    payloadLength === 0 && next !== IPV6_NO_NEXT_HEADER
      ? Math.max(IPV6_HEADER, offloadLength(frame, o, wireLength)) // offload, or a jumbogram
      : IPV6_HEADER + payloadLength;
  let p = o + IPV6_HEADER;
  let fragmentOffset = 0;
  let moreFragments = false;
  // Each step moves p on by at least 8 bytes, so the walk ends.
  while (
    next === IPV6_HOP_BY_HOP ||
    next === IPV6_ROUTING ||
    next === IPV6_FRAGMENT ||
    next === IPV6_DESTINATION
  ) {
    if (p + 8 > captured) return TRUNCATED_IPV6_EXTENSION;
    if (next === IPV6_FRAGMENT) {
      const field = be16(frame, p + 2);
      fragmentOffset = field & 0xfff8; // 13 bits in 8-byte units, already shifted left by 3
      moreFragments = (field & 1) !== 0;
      next = frame[p];
      p += 8;
      if (fragmentOffset !== 0) break; // what follows is the middle of the fragmented part
    } else {
      next = frame[p];
      p += (frame[p + 1] + 1) * 8;
    }
  }
  return finishIp(
    frame,
    ts,
    wireLength,
    6,
    ipv6Text(frame, o + 8),
    ipv6Text(frame, o + 24),
    next,
    frame[o + 7],
    0,
    fragmentOffset,
    moreFragments,
    ipLength,
    true,
    vlan,
    p,
    o + ipLength,
  );
}

/**
 * Reads the transport header at `t` (when this is a first fragment) and builds the packet.
 * `ipEnd` is where the IP header says the packet ends, which may lie past the captured bytes.
 */
function finishIp(
  frame: Uint8Array,
  ts: number,
  wireLength: number,
  ipVersion: 4 | 6,
  src: string,
  dst: string,
  protocol: number,
  ttl: number,
  ipId: number,
  fragmentOffset: number,
  moreFragments: boolean,
  ipLength: number,
  ipChecksumOk: boolean,
  vlan: readonly number[],
  t: number,
  ipEnd: number,
): Packet | DecodeFailure {
  const end = Math.min(frame.length, ipEnd); // Ethernet padding after the IP packet is not payload
  let srcPort = 0;
  let dstPort = 0;
  let icmpType = -1;
  let icmpCode = -1;
  let tcpFlags = 0;
  let tcpSeq = 0;
  let tcpAck = 0;
  let urgentPointer = 0;
  let payloadStart = t;
  if (fragmentOffset === 0) {
    if (protocol === IPPROTO_TCP) {
      if (t + TCP_MIN_HEADER > end) return TRUNCATED_TCP;
      const dataOffset = (frame[t + 12] >> 4) * 4;
      if (dataOffset < TCP_MIN_HEADER) return BAD_TCP_OFFSET;
      srcPort = be16(frame, t);
      dstPort = be16(frame, t + 2);
      tcpSeq = be32(frame, t + 4);
      tcpAck = be32(frame, t + 8);
      tcpFlags = frame[t + 13];
      urgentPointer = be16(frame, t + 18);
      payloadStart = t + dataOffset;
    } else if (protocol === IPPROTO_UDP) {
      if (t + UDP_HEADER > end) return TRUNCATED_UDP;
      srcPort = be16(frame, t);
      dstPort = be16(frame, t + 2);
      payloadStart = t + UDP_HEADER;
    } else if (protocol === IPPROTO_ICMP || protocol === IPPROTO_ICMPV6) {
      if (t + 2 > end) return TRUNCATED_ICMP;
      icmpType = frame[t];
      icmpCode = frame[t + 1];
      payloadStart = t + ICMP_HEADER;
    }
  }
  return {
    ts,
    wireLength,
    capturedLength: frame.length,
    ipVersion,
    src,
    dst,
    protocol,
    srcPort,
    dstPort,
    icmpType,
    icmpCode,
    tcpFlags,
    tcpSeq,
    tcpAck,
    urgentPointer,
    ttl,
    ipId,
    payloadLength: Math.max(0, ipEnd - payloadStart),
    payload: payloadStart < end ? frame.subarray(payloadStart, end) : EMPTY,
    fragmentOffset,
    moreFragments,
    ipLength,
    ipChecksumOk,
    vlan,
  };
}
