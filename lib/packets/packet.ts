/**
 * A decoded packet: the fields the connection assembler, the features and the monitor need,
 * taken from the link, IP and transport headers. The capture reader (`capture.ts`) and the
 * decoder (`decode.ts`) produce it; the simulator's frames (`frames.ts`) decode to it.
 */

/** libpcap link-layer types we read (https://www.tcpdump.org/linktypes.html). */
export const LINKTYPE_NULL = 0; // BSD loopback: a 4-byte address family in the capturing host's byte order
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_LOOP = 108; // OpenBSD loopback: the same, in network byte order
export const LINKTYPE_RAW = 101; // raw IPv4 or IPv6, version from the first nibble
export const LINKTYPE_LINUX_SLL = 113; // Linux "cooked" capture v1 (tcpdump -i any)
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276; // Linux "cooked" capture v2

/** IP protocol numbers. */
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

/** TCP flag bits, as in the 13th byte of the TCP header. */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;

/** One decoded packet. Fields that do not apply are 0 (or -1 where 0 is a valid value). */
export interface Packet {
  /** Capture time, seconds since the Unix epoch (microsecond or finer resolution). */
  readonly ts: number;
  /** Length of the frame on the wire. */
  readonly wireLength: number;
  /** Bytes captured (at most `wireLength`, less when the snap length cut the frame). */
  readonly capturedLength: number;
  /** 4 or 6; 0 for a frame that carries no IP packet (ARP, LLDP, ...). */
  readonly ipVersion: 0 | 4 | 6;
  /** Source and destination address in text form (`10.0.0.5`, `2001:db8::1`); "" when not IP. */
  readonly src: string;
  readonly dst: string;
  /** IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...); -1 when not IP. */
  readonly protocol: number;
  /** TCP or UDP ports; 0 otherwise. */
  readonly srcPort: number;
  readonly dstPort: number;
  /** ICMP / ICMPv6 type and code; -1 when not ICMP. */
  readonly icmpType: number;
  readonly icmpCode: number;
  /** TCP flags byte (TCP_SYN | TCP_ACK ...); 0 when not TCP. */
  readonly tcpFlags: number;
  readonly tcpSeq: number;
  readonly tcpAck: number;
  /** TCP urgent pointer (meaningful when TCP_URG is set). */
  readonly urgentPointer: number;
  /** IPv4 TTL or IPv6 hop limit. */
  readonly ttl: number;
  /** IPv4 identification (0 for IPv6). */
  readonly ipId: number;
  /**
   * Transport payload length from the headers (IP payload minus the TCP/UDP/ICMP header): what
   * KDD's src_bytes / dst_bytes add up. Counted from the headers, so a cut capture still counts it.
   */
  readonly payloadLength: number;
  /** The captured transport payload (a view; shorter than payloadLength when the capture was cut). */
  readonly payload: Uint8Array;
  /** IPv4 fragment offset in bytes and the more-fragments flag (0 / false when not fragmented). */
  readonly fragmentOffset: number;
  readonly moreFragments: boolean;
  /** Total length field of the IP packet (IPv4 total length, IPv6 40 + payload length). */
  readonly ipLength: number;
  /** IPv4 header checksum verified (always true for IPv6, which has none). */
  readonly ipChecksumOk: boolean;
  /** 802.1Q / 802.1ad VLAN ids, outermost first. */
  readonly vlan: readonly number[];
}

/**
 * The Internet checksum (RFC 1071): one's-complement sum of 16-bit big-endian words, folded,
 * complemented. `initial` lets a caller add a pseudo-header sum first.
 * @example internetChecksum(Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7)) // 0x220d (RFC 1071, 4.1)
 */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (i < end) sum += bytes[i] << 8; // odd length: pad with a zero byte
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Sum (not yet folded or complemented) of the TCP/UDP pseudo-header for IPv4 (RFC 793, 768). */
export function ipv4PseudoHeaderSum(
  src: Uint8Array,
  dst: Uint8Array,
  protocol: number,
  length: number,
): number {
  return (
    ((src[0] << 8) | src[1]) +
    ((src[2] << 8) | src[3]) +
    ((dst[0] << 8) | dst[1]) +
    ((dst[2] << 8) | dst[3]) +
    protocol +
    length
  );
}
