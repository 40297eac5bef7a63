/**
 * What kind of address a host has, from the IANA special-purpose registries (RFC 6890 and
 * successors): the first question of triage ("is this one of ours? is it even routable?").
 */
import { CidrSet } from "./cidrSet";

/**
 * - `unspecified`: 0.0.0.0/8, ::/128; `loopback`: 127.0.0.0/8, ::1/128;
 * - `private`: RFC 1918 (10/8, 172.16/12, 192.168/16), shared address space 100.64.0.0/10 (carrier NAT),
 *   unique local fc00::/7;
 * - `link-local`: 169.254.0.0/16, fe80::/10; `multicast`: 224.0.0.0/4, ff00::/8;
 * - `documentation`: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, 3fff::/20;
 * - `broadcast`: 255.255.255.255;
 * - `reserved`: 192.0.0.0/24 (protocol assignments), 198.18.0.0/15 (benchmarking), 240.0.0.0/4;
 * - `global`: everything else.
 * IPv4-mapped IPv6 (::ffff:a.b.c.d) is classified as the IPv4 address.
 */
export type AddressKind =
  | "unspecified"
  | "loopback"
  | "private"
  | "link-local"
  | "multicast"
  | "documentation"
  | "broadcast"
  | "reserved"
  | "global";

const RANGES: readonly (readonly [string, AddressKind])[] = [
  ["0.0.0.0/8", "unspecified"],
  ["127.0.0.0/8", "loopback"],
  ["10.0.0.0/8", "private"],
  ["172.16.0.0/12", "private"],
  ["192.168.0.0/16", "private"],
  ["100.64.0.0/10", "private"],
  ["169.254.0.0/16", "link-local"],
  ["224.0.0.0/4", "multicast"],
  ["192.0.2.0/24", "documentation"],
  ["198.51.100.0/24", "documentation"],
  ["203.0.113.0/24", "documentation"],
  ["192.0.0.0/24", "reserved"],
  ["198.18.0.0/15", "reserved"],
  ["240.0.0.0/4", "reserved"],
  ["255.255.255.255/32", "broadcast"],
  ["::/128", "unspecified"],
  ["::1/128", "loopback"],
  ["fc00::/7", "private"],
  ["fe80::/10", "link-local"],
  ["ff00::/8", "multicast"],
  ["2001:db8::/32", "documentation"],
  ["3fff::/20", "documentation"],
];

let ranges: CidrSet<AddressKind> | undefined;

/**
 * The kind of `address` (IPv4 or IPv6 text), or undefined when it is not an address.
 * @example addressKind("10.1.2.3") // "private";  addressKind("::1") // "loopback";  addressKind("8.8.8.8") // "global"
 */
export function addressKind(address: string): AddressKind | undefined {
  if (!ranges) {
    ranges = new CidrSet<AddressKind>();
    for (const [cidr, kind] of RANGES) ranges.add(cidr, kind);
  }
  const kind = ranges.lookup(address);
  if (kind) return kind;
  // Not in a special range: global if it parses at all.
  return isAddress(address) ? "global" : undefined;
}

const probe = new CidrSet<true>().add("0.0.0.0/0", true).add("::/0", true);

/** True when `text` is IPv4 or IPv6 text. */
export function isAddress(text: string): boolean {
  return probe.has(text);
}
