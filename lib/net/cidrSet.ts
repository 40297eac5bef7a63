/**
 * A set of IPv4 and IPv6 prefixes (CIDR blocks) with a value each, answering "which is the longest
 * prefix that contains this address?". Built for per-packet lookups against large lists (threat
 * intelligence, asset inventories): the prefixes sit in a binary trie held in typed arrays, one for
 * each address family; a lookup walks at most 32 (IPv4) or 128 (IPv6) nodes and allocates nothing
 * (text is parsed in place, IPv6 into a buffer the set reuses).
 *
 * IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is the IPv4 address it maps, in addresses and in prefixes of
 * at least /96 under ::ffff:0:0/96, so `10.0.0.0/8` contains `::ffff:10.1.2.3`. Otherwise the two
 * families are apart: `::/0` contains every IPv6 address and no IPv4 one.
 */
import { ParseError } from "../core/errors";
import { ipv4Number, ipv4Text, ipv6Text, isV4Mapped, parseIpv6Into } from "./address";

/** Nodes a trie starts with; it doubles as prefixes are added. */
const INITIAL_NODES = 64;

/** A binary trie over address bits: node 0 is the root; child 0 means none. */
class BitTrie {
  left = new Int32Array(INITIAL_NODES);
  right = new Int32Array(INITIAL_NODES);
  /** Index into the set's values, -1 for none. */
  value = new Int32Array(INITIAL_NODES).fill(-1);
  nodes = 1;

  /** The node for the first `length` bits read by `bit(i)`, created on the way. */
  node(length: number, bit: (i: number) => number): number {
    let n = 0;
    for (let i = 0; i < length; i++) {
      const side = bit(i) ? this.right : this.left;
      let child = side[n];
      if (child === 0) {
        child = this.grow();
        (bit(i) ? this.right : this.left)[n] = child;
      }
      n = child;
    }
    return n;
  }

  private grow(): number {
    if (this.nodes === this.left.length) {
      const size = this.left.length * 2;
      const copy = (a: Int32Array, fill: number): Int32Array => {
        const b = new Int32Array(size).fill(fill);
        b.set(a);
        return b;
      };
      this.left = copy(this.left, 0);
      this.right = copy(this.right, 0);
      this.value = copy(this.value, -1);
    }
    return this.nodes++;
  }
}

/**
 * Prefixes with values and longest-prefix lookup.
 * @example
 * const nets = new CidrSet<string>().add("10.0.0.0/8", "corp").add("10.9.0.0/16", "lab");
 * nets.lookup("10.9.1.2") // "lab";  nets.lookup("192.0.2.1") // undefined
 */
export class CidrSet<T> {
  private readonly v4 = new BitTrie();
  private readonly v6 = new BitTrie();
  private readonly values: T[] = [];
  /** Scratch for parsing IPv6 text in `lookup`. */
  private readonly scratch = new Uint8Array(16);

  /** Prefixes in the set (a prefix added twice counts once). */
  get size(): number {
    return this.values.length;
  }

  /**
   * Adds a prefix (`10.0.0.0/8`, `2001:db8::/32`; an address without `/length` is a host: /32 or
   * /128) with its value; adding a prefix again replaces its value. Bits beyond the prefix length
   * are ignored (`10.1.2.3/8` is `10.0.0.0/8`), as Zeek's subnet type does.
   * @throws ParseError for text that is not an address with an optional length 0-32 (IPv4) or 0-128 (IPv6).
   */
  add(cidr: string, value: T): this {
    const { family, bits, address } = parseCidr(cidr);
    const trie = family === 4 ? this.v4 : this.v6;
    const node = trie.node(bits, (i) => (address[i >> 3] >> (7 - (i & 7))) & 1);
    if (trie.value[node] >= 0) this.values[trie.value[node]] = value;
    else {
      trie.value[node] = this.values.length;
      this.values.push(value);
    }
    return this;
  }

  /**
   * The value of the longest prefix containing `address` (IPv4 or IPv6 text), or undefined when
   * none does or the text is not an address (lookups in the packet path never throw).
   */
  lookup(address: string): T | undefined {
    const i = this.lookupIndex(address);
    return i < 0 ? undefined : this.values[i];
  }

  /** True when a prefix of the set contains `address`. */
  has(address: string): boolean {
    return this.lookupIndex(address) >= 0;
  }

  /** The value of the longest prefix containing the IPv4 address `n` (an unsigned 32-bit number). */
  lookupV4(n: number): T | undefined {
    const i = this.indexV4(n);
    return i < 0 ? undefined : this.values[i];
  }

  /** The value of the longest prefix containing the IPv6 address in `bytes[offset .. offset + 16]`. */
  lookupV6(bytes: Uint8Array, offset = 0): T | undefined {
    const i = this.indexV6(bytes, offset);
    return i < 0 ? undefined : this.values[i];
  }

  private lookupIndex(address: string): number {
    if (address.indexOf(":") < 0) {
      const n = ipv4Number(address);
      return n < 0 ? -1 : this.indexV4(n);
    }
    if (!parseIpv6Into(address, this.scratch)) return -1;
    return this.indexV6(this.scratch, 0);
  }

  private indexV4(n: number): number {
    const { left, right, value } = this.v4;
    let node = 0;
    let best = value[0];
    for (let bit = 31; bit >= 0; bit--) {
      node = (n >>> bit) & 1 ? right[node] : left[node];
      if (node === 0) break;
      if (value[node] >= 0) best = value[node];
    }
    return best;
  }

  private indexV6(bytes: Uint8Array, offset: number): number {
    if (isV4Mapped(bytes, offset)) {
      const o = offset + 12;
      return this.indexV4(
        ((bytes[o] << 24) | (bytes[o + 1] << 16) | (bytes[o + 2] << 8) | bytes[o + 3]) >>> 0,
      );
    }
    const { left, right, value } = this.v6;
    let node = 0;
    let best = value[0];
    for (let i = 0; i < 128; i++) {
      node = (bytes[offset + (i >> 3)] >> (7 - (i & 7))) & 1 ? right[node] : left[node];
      if (node === 0) break;
      if (value[node] >= 0) best = value[node];
    }
    return best;
  }
}

/** A parsed prefix: family, length and the address bytes (4 or 16). */
export interface Cidr {
  readonly family: 4 | 6;
  readonly bits: number;
  readonly address: Uint8Array;
}

/**
 * `10.0.0.0/8`, `2001:db8::/32`, `192.0.2.1` (a host) -> family, length and address, with
 * IPv4-mapped IPv6 prefixes of /96 and longer taken as IPv4 (`::ffff:10.0.0.0/104` is `10.0.0.0/8`).
 * @throws ParseError naming what is wrong.
 */
export function parseCidr(cidr: string): Cidr {
  const slash = cidr.indexOf("/");
  const text = slash < 0 ? cidr : cidr.slice(0, slash);
  const v6 = text.includes(":");
  const max = v6 ? 128 : 32;
  let bits = max;
  if (slash >= 0) {
    const len = cidr.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(len) || Number(len) > max) {
      throw new ParseError(
        `bad prefix "${cidr}": the length after "/" must be a number 0-${max} for an ${v6 ? "IPv6" : "IPv4"} address.`,
      );
    }
    bits = Number(len);
  }
  if (!v6) {
    const n = ipv4Number(text);
    if (n < 0) {
      throw new ParseError(`bad prefix "${cidr}": "${text}" is not an IPv4 address (e.g. 10.0.0.0/8).`);
    }
    return {
      family: 4,
      bits,
      address: Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff),
    };
  }
  const address = new Uint8Array(16);
  if (!parseIpv6Into(text, address)) {
    throw new ParseError(
      `bad prefix "${cidr}": "${text}" is not an IPv6 address (e.g. 2001:db8::/32; no zone id).`,
    );
  }
  if (bits >= 96 && isV4Mapped(address)) return { family: 4, bits: bits - 96, address: address.slice(12) };
  return { family: 6, bits, address };
}

/**
 * The canonical text of a prefix, host bits cleared: `10.1.2.3/8` -> `10.0.0.0/8`,
 * `2001:DB8:0::/32` -> `2001:db8::/32`.
 * @throws ParseError as `parseCidr`.
 */
export function canonicalCidr(cidr: string): string {
  const { family, bits, address } = parseCidr(cidr);
  const masked = address.slice();
  for (let i = 0; i < masked.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    masked[i] &= (0xff << (8 - keep)) & 0xff;
  }
  return `${family === 4 ? ipv4Text(masked) : ipv6Text(masked)}/${bits}`;
}
