import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { ParseError } from "../core/errors";
import {
  canonicalAddress,
  ipv4Bytes,
  ipv4Number,
  ipv4Text,
  ipv6Bytes,
  ipv6Text,
  parseAddress,
} from "./address";
import { addressKind } from "./addressKind";

describe("IPv4", () => {
  test("dotted quads parse and format; malformed text is refused", () => {
    assert.equal(ipv4Number("0.0.0.0"), 0);
    assert.equal(ipv4Number("255.255.255.255"), 0xffffffff);
    assert.equal(ipv4Number("10.0.0.5"), 0x0a000005);
    assert.deepEqual([...ipv4Bytes("192.0.2.1")], [192, 0, 2, 1]);
    assert.equal(ipv4Text(Uint8Array.of(9, 192, 0, 2, 1), 1), "192.0.2.1");
    for (const bad of [
      "",
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "01.2.3.4",
      "1..2.3",
      "1.2.3.4 ",
      "a.b.c.d",
      "1.2.3.-4",
    ]) {
      assert.equal(ipv4Number(bad), -1, bad);
      assert.throws(
        () => ipv4Bytes(bad),
        (e: Error) => e instanceof ParseError && e.message.includes(`"${bad}"`),
      );
    }
  });
});

describe("IPv6", () => {
  const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
  test("text forms parse to the same bytes; the canonical form is RFC 5952", () => {
    assert.equal(hex(ipv6Bytes("::")), "0".repeat(32));
    assert.equal(hex(ipv6Bytes("::1")), `${"0".repeat(31)}1`);
    assert.equal(hex(ipv6Bytes("2001:DB8:0:0:0:0:0:1")), "20010db8000000000000000000000001");
    assert.equal(hex(ipv6Bytes("2001:db8::")), "20010db8000000000000000000000000");
    assert.equal(hex(ipv6Bytes("::ffff:192.0.2.1")), "00000000000000000000ffffc0000201");
    assert.equal(hex(ipv6Bytes("1:2:3:4:5:6:7:8")), "00010002000300040005000600070008");
    assert.equal(hex(ipv6Bytes("1:2:3:4:5:6:1.2.3.4")), "00010002000300040005000601020304");
    assert.equal(canonicalAddress("2001:0db8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
    assert.equal(canonicalAddress("::FFFF:C000:0201"), "::ffff:192.0.2.1");
    assert.equal(canonicalAddress("fe80:0:0:0:1::"), "fe80::1:0:0:0", "the first of two equal runs");
    assert.equal(canonicalAddress("10.0.0.5"), "10.0.0.5");
    assert.deepEqual(parseAddress("::1").version, 6);
  });

  test("malformed IPv6 is refused with the text quoted", () => {
    for (const bad of [
      ":",
      ":::",
      "1:::2",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8::",
      "12345::",
      "1:",
      ":1",
      "g::1",
      "fe80::1%eth0",
      "::1.2.3",
      "::1.2.3.4:5",
      "1:2:3:4:5:6:7:1.2.3.4",
    ]) {
      assert.throws(
        () => ipv6Bytes(bad),
        (e: Error) => e instanceof ParseError && e.message.includes(`"${bad}"`),
        bad,
      );
    }
  });

  test("format then parse round-trips random addresses", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (address) => {
        assert.deepEqual(ipv6Bytes(ipv6Text(address)), address);
      }),
      { numRuns: 2000, seed: 13 },
    );
  });
});

describe("addressKind", () => {
  test("special-purpose ranges and global addresses", () => {
    const cases: [string, string | undefined][] = [
      ["10.1.2.3", "private"],
      ["172.31.255.255", "private"],
      ["172.32.0.1", "global"],
      ["192.168.0.1", "private"],
      ["100.64.0.1", "private"],
      ["127.0.0.1", "loopback"],
      ["169.254.10.1", "link-local"],
      ["224.0.0.251", "multicast"],
      ["192.0.2.7", "documentation"],
      ["203.0.113.5", "documentation"],
      ["255.255.255.255", "broadcast"],
      ["240.0.0.1", "reserved"],
      ["0.0.0.0", "unspecified"],
      ["8.8.8.8", "global"],
      ["::1", "loopback"],
      ["::", "unspecified"],
      ["fe80::1", "link-local"],
      ["fd00::5", "private"],
      ["ff02::fb", "multicast"],
      ["2001:db8::1", "documentation"],
      ["2606:4700::1111", "global"],
      ["::ffff:10.0.0.1", "private"],
      ["::ffff:8.8.8.8", "global"],
      ["not an address", undefined],
    ];
    for (const [address, kind] of cases) assert.equal(addressKind(address), kind, address);
  });
});
