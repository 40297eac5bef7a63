import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { ParseError } from "../core/errors";
import { ipv4Text, ipv6Text } from "./address";
import { CidrSet, canonicalCidr, parseCidr } from "./cidrSet";

describe("CidrSet", () => {
  test("longest prefix wins, IPv4", () => {
    const s = new CidrSet<string>()
      .add("10.0.0.0/8", "corp")
      .add("10.9.0.0/16", "lab")
      .add("10.9.8.7/32", "host")
      .add("10.9.8.7", "host2"); // the same /32: replaces
    assert.equal(s.size, 3);
    assert.equal(s.lookup("10.1.2.3"), "corp");
    assert.equal(s.lookup("10.9.1.1"), "lab");
    assert.equal(s.lookup("10.9.8.7"), "host2");
    assert.equal(s.lookup("10.9.8.6"), "lab");
    assert.equal(s.lookup("11.0.0.0"), undefined);
    assert.equal(s.lookup("9.255.255.255"), undefined);
    assert.equal(s.lookup("10.255.255.255"), "corp");
    assert.equal(s.lookup("garbage"), undefined, "a lookup never throws");
    assert.equal(s.lookupV4(0x0a090101), "lab");
  });

  test("/0 contains every address of its family only; /32 and /128 one address", () => {
    const s = new CidrSet<string>().add("0.0.0.0/0", "any4").add("::/0", "any6");
    assert.equal(s.lookup("1.2.3.4"), "any4");
    assert.equal(s.lookup("255.255.255.255"), "any4");
    assert.equal(s.lookup("2001:db8::1"), "any6");
    assert.equal(s.lookup("::ffff:1.2.3.4"), "any4", "v4-mapped is IPv4");
    const h = new CidrSet<number>().add("2001:db8::1/128", 1).add("192.0.2.1/32", 2);
    assert.equal(h.lookup("2001:db8::1"), 1);
    assert.equal(h.lookup("2001:db8::2"), undefined);
    assert.equal(h.lookup("2001:db8::"), undefined);
    assert.equal(h.lookup("192.0.2.1"), 2);
    assert.equal(h.lookup("192.0.2.0"), undefined);
    assert.equal(h.lookup("0.0.0.0"), undefined);
  });

  test("IPv6 prefixes and IPv4-mapped prefixes", () => {
    const s = new CidrSet<string>()
      .add("2001:db8::/32", "doc")
      .add("2001:db8:1::/48", "site")
      .add("fe80::/10", "ll")
      .add("::ffff:10.0.0.0/104", "ten");
    assert.equal(s.lookup("2001:db8:1:2::3"), "site");
    assert.equal(s.lookup("2001:db8:2::3"), "doc");
    assert.equal(s.lookup("2001:db9::"), undefined);
    assert.equal(s.lookup("febf:ffff::1"), "ll");
    assert.equal(s.lookup("fec0::1"), undefined);
    assert.equal(s.lookup("10.200.0.1"), "ten", "::ffff:10.0.0.0/104 is 10.0.0.0/8");
    assert.equal(s.lookup("::ffff:10.200.0.1"), "ten");
    assert.deepEqual(parseCidr("::ffff:0:0/96"), { family: 4, bits: 0, address: Uint8Array.of(0, 0, 0, 0) });
  });

  test("host bits beyond the length are ignored; canonical prefix text", () => {
    const s = new CidrSet<string>().add("10.1.2.3/8", "x");
    assert.equal(s.lookup("10.200.0.0"), "x");
    assert.equal(canonicalCidr("10.1.2.3/8"), "10.0.0.0/8");
    assert.equal(canonicalCidr("2001:DB8:ffff::1/33"), "2001:db8:8000::/33");
    assert.equal(canonicalCidr("192.0.2.1"), "192.0.2.1/32");
    assert.equal(canonicalCidr("::/0"), "::/0");
  });

  test("malformed prefixes are refused with a message naming the fix", () => {
    for (const [bad, hint] of [
      ["10.0.0.0/33", "0-32"],
      ["2001:db8::/129", "0-128"],
      ["10.0.0.0/", "0-32"],
      ["10.0.0.0/08", "0-32"],
      ["10.0.0.0/-1", "0-32"],
      ["10.0.0/8", "not an IPv4 address"],
      ["2001:db8:::/32", "not an IPv6 address"],
      ["fe80::1%eth0/64", "no zone id"],
      ["", "not an IPv4 address"],
    ]) {
      assert.throws(
        () => new CidrSet<number>().add(bad, 1),
        (e: Error) => e instanceof ParseError && e.message.includes(`"${bad}"`) && e.message.includes(hint),
        bad,
      );
    }
  });

  test("agrees with a linear scan on random prefixes and addresses (v4 and v6)", () => {
    const inPrefix = (addr: Uint8Array, net: Uint8Array, bits: number): boolean => {
      for (let i = 0; i < bits; i++) {
        const bit = (b: Uint8Array): number => (b[i >> 3] >> (7 - (i & 7))) & 1;
        if (bit(addr) !== bit(net)) return false;
      }
      return true;
    };
    for (const family of [4, 6] as const) {
      const bytes = family === 4 ? 4 : 16;
      const text = family === 4 ? ipv4Text : ipv6Text;
      fc.assert(
        fc.property(
          fc.array(
            fc.record({
              // Few distinct leading bytes so prefixes nest and overlap.
              net: fc
                .uint8Array({ minLength: bytes, maxLength: bytes })
                .map((b) => ((b[0] &= 3), (b[1] &= 1), b)),
              bits: fc.integer({ min: 0, max: bytes * 8 }),
            }),
            { maxLength: 30 },
          ),
          fc.array(
            fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => ((b[0] &= 3), (b[1] &= 1), b)),
            { maxLength: 30 },
          ),
          (prefixes, addresses) => {
            const set = new CidrSet<number>();
            prefixes.forEach((p, i) => set.add(`${text(p.net)}/${p.bits}`, i));
            for (const a of addresses) {
              if (family === 6 && text(a).startsWith("::ffff:")) continue; // mapped: IPv4 rules
              let best = -1;
              let bestBits = -1;
              prefixes.forEach((p, i) => {
                if (inPrefix(a, p.net, p.bits) && p.bits >= bestBits) {
                  // The same prefix added later replaces the earlier value.
                  best = i;
                  bestBits = p.bits;
                }
              });
              assert.equal(set.lookup(text(a)), best < 0 ? undefined : best);
            }
          },
        ),
        { numRuns: 300, seed: 21 },
      );
    }
  });
});
