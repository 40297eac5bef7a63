/**
 * IP addresses as text and bytes: strict parsing of IPv4 and IPv6 text, the canonical text form
 * (dotted quad; RFC 5952 for IPv6, which the packet decoder writes into every `Packet`), and the
 * special-purpose ranges an analyst tells apart (private, loopback, link-local, multicast,
 * documentation, ...). Malformed text is refused with a `ParseError` that quotes it.
 */
import { ParseError } from "../core/errors";

/** Two bytes big-endian at `offset`. */
function be16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] << 8) | bytes[offset + 1];
}

/**
 * Four bytes -> `10.0.0.5`.
 * @example ipv4Text(Uint8Array.of(192, 0, 2, 1)) // "192.0.2.1"
 */
export function ipv4Text(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/**
 * Sixteen bytes -> IPv6 text in the RFC 5952 form: lowercase hex without leading zeros, the
 * longest run of two or more zero groups (the first on a tie) written `::`, and IPv4-mapped
 * addresses as `::ffff:192.0.2.1`.
 * @example ipv6Text(Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)) // "2001:db8::1"
 */
export function ipv6Text(bytes: Uint8Array, offset = 0): string {
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not shortened (RFC 5952, 4.2.2)
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    if (bytes[offset + 2 * i] === 0 && bytes[offset + 2 * i + 1] === 0) {
      if (runStart < 0) runStart = i;
      if (i - runStart + 1 > bestLength) {
        bestLength = i - runStart + 1;
        bestStart = runStart;
      }
    } else {
      runStart = -1;
    }
  }
  if (bestStart === 0 && bestLength === 5 && be16(bytes, offset + 10) === 0xffff) {
    return `::ffff:${ipv4Text(bytes, offset + 12)}`;
  }
  if (bestStart < 0) bestLength = 0;
  let text = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += "::";
      i += bestLength - 1;
      continue;
    }
    if (i > 0 && i !== bestStart + bestLength) text += ":";
    text += be16(bytes, offset + 2 * i).toString(16);
  }
  return text;
}

/**
 * IPv4 text -> the address as an unsigned 32-bit number, or -1 when `text` is not a dotted quad
 * of four decimal numbers 0-255 without leading zeros (`010.0.0.1` is octal to some tools, so it is
 * refused rather than guessed). Reads characters in place: no allocation (CIDR lookups call it).
 */
export function ipv4Number(text: string, from = 0, to = text.length): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // a leading zero
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

/**
 * IPv4 text -> four bytes.
 * @throws ParseError when `address` is not a dotted quad (0-255 each, no leading zeros).
 * @example ipv4Bytes("10.0.0.5") // Uint8Array [10, 0, 0, 5]
 */
export function ipv4Bytes(address: string): Uint8Array {
  const n = ipv4Number(address);
  if (n < 0)
    throw new ParseError(`not an IPv4 address: "${address}" (write four numbers 0-255, e.g. 10.0.0.5).`);
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/**
 * IPv6 text -> sixteen bytes written into `out` (at `offset`); false when `text` is not IPv6: up to
 * eight groups of 1-4 hex digits, at most one `::`, optionally ending in a dotted IPv4 address
 * (`::ffff:192.0.2.1`). Zone ids (`fe80::1%eth0`) are refused: an address in a packet has none.
 * Allocates nothing, so a CIDR lookup can parse into a reused buffer.
 */
export function parseIpv6Into(
  text: string,
  out: Uint8Array,
  offset = 0,
  from = 0,
  to = text.length,
): boolean {
  let group = 0; // groups written before the `::`
  let gap = -1; // group index where `::` stands
  let i = from;
  if (to - from < 2) return false;
  if (text.charCodeAt(i) === 58 /* : */) {
    if (text.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
    if (i === to) {
      out.fill(0, offset, offset + 16);
      return true;
    }
  }
  while (i < to) {
    if (group >= 8) return false;
    // A dotted IPv4 tail takes the last two groups.
    let end = i;
    let dotted = false;
    while (end < to && text.charCodeAt(end) !== 58) {
      if (text.charCodeAt(end) === 46) dotted = true;
      end++;
    }
    if (dotted) {
      if (end !== to || group > 6) return false;
      const v4 = ipv4Number(text, i, end);
      if (v4 < 0) return false;
      out[offset + 2 * group] = v4 >>> 24;
      out[offset + 2 * group + 1] = (v4 >>> 16) & 0xff;
      out[offset + 2 * group + 2] = (v4 >>> 8) & 0xff;
      out[offset + 2 * group + 3] = v4 & 0xff;
      group += 2;
      break; // the tail ends the text (checked above)
    }
    const digits = end - i;
    if (digits < 1 || digits > 4) return false;
    let v = 0;
    for (let k = i; k < end; k++) {
      const h = hexValue(text.charCodeAt(k));
      if (h < 0) return false;
      v = (v << 4) | h;
    }
    out[offset + 2 * group] = v >> 8;
    out[offset + 2 * group + 1] = v & 0xff;
    group++;
    i = end;
    if (i === to) break;
    // At a colon: one separates groups, two are the gap (once), and the text may not end in one.
    i++;
    if (i === to) return false;
    if (text.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = group;
      i++;
    }
  }
  if (gap < 0) return group === 8;
  if (group > 7) return false; // `::` stands for at least one zero group
  // Move the groups after the gap to the end and zero the gap.
  const tail = group - gap;
  for (let k = tail - 1; k >= 0; k--) {
    out[offset + 2 * (8 - tail + k)] = out[offset + 2 * (gap + k)];
    out[offset + 2 * (8 - tail + k) + 1] = out[offset + 2 * (gap + k) + 1];
  }
  out.fill(0, offset + 2 * gap, offset + 2 * (8 - tail));
  return true;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * IPv6 text -> sixteen bytes.
 * @throws ParseError when `address` is not IPv6 text.
 * @example ipv6Bytes("2001:db8::1")
 */
export function ipv6Bytes(address: string): Uint8Array {
  const out = new Uint8Array(16);
  if (!parseIpv6Into(address, out)) {
    throw new ParseError(
      `not an IPv6 address: "${address}" (write up to eight hex groups with at most one "::", e.g. 2001:db8::1; no zone id).`,
    );
  }
  return out;
}

/** A parsed address: its version and bytes (4 or 16). */
export interface IpAddress {
  readonly version: 4 | 6;
  readonly bytes: Uint8Array;
}

/**
 * IPv4 or IPv6 text -> version and bytes.
 * @throws ParseError when `address` is neither.
 */
export function parseAddress(address: string): IpAddress {
  if (address.includes(":")) return { version: 6, bytes: ipv6Bytes(address) };
  return { version: 4, bytes: ipv4Bytes(address) };
}

/**
 * The canonical text of an address (what the packet decoder writes): `::FFFF:C000:0201` ->
 * `::ffff:192.0.2.1`, `2001:0db8:0:0::1` -> `2001:db8::1`.
 * @throws ParseError when `address` is neither IPv4 nor IPv6 text.
 */
export function canonicalAddress(address: string): string {
  const { version, bytes } = parseAddress(address);
  return version === 4 ? ipv4Text(bytes) : ipv6Text(bytes);
}

/** True for sixteen bytes of the IPv4-mapped form ::ffff:a.b.c.d (RFC 4291 2.5.5.2). */
export function isV4Mapped(bytes: Uint8Array, offset = 0): boolean {
  for (let i = 0; i < 10; i++) if (bytes[offset + i] !== 0) return false;
  return bytes[offset + 10] === 0xff && bytes[offset + 11] === 0xff;
}
