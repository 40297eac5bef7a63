import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ja3, ja3String, ja4 } from "./fingerprints";
import { alpnBody, clientHelloBody, sniBody, tlsExtension, u16Vector } from "./tlsBuild";
import { type ClientHello, parseClientHello } from "./tlsHello";

const SIGNATURE_ALGORITHMS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];

/** The body a test gives an extension: what the parser reads for those it reads, else empty. */
function extensionOf(type: number, groups: readonly number[], versions: readonly number[]): number[] {
  switch (type) {
    case 0:
      return tlsExtension(0, sniBody("example.org"));
    case 10:
      return tlsExtension(10, u16Vector(groups));
    case 11:
      return tlsExtension(11, [1, 0]);
    case 13:
      return tlsExtension(13, u16Vector(SIGNATURE_ALGORITHMS));
    case 16:
      return tlsExtension(16, alpnBody(["h2", "http/1.1"]));
    case 43:
      return tlsExtension(43, [versions.length * 2, ...versions.flatMap((v) => [v >> 8, v & 0xff])]);
    default:
      return tlsExtension(type);
  }
}

function hello(ciphers: number[], extensions: number[], groups: number[], versions: number[]): ClientHello {
  const body = clientHelloBody({
    ciphers,
    sessionId: new Array<number>(32).fill(7),
    extensions: extensions.map((e) => extensionOf(e, groups, versions)),
  });
  const parsed = parseClientHello(Uint8Array.from(body));
  assert.ok(parsed, "the test's ClientHello parses");
  return parsed;
}

describe("JA3 and JA4", () => {
  test("FoxIO's published example (technical_details/JA4.md): t13d1516h2_8daaf6152771_e5627efa2ab1", () => {
    // The example's suites and extensions in their original order, with GREASE values added that
    // the fingerprint must ignore.
    const h = hello(
      [0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014].concat(
        [0x009c, 0x009d, 0x002f, 0x0035],
      ),
      [0x3a3a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012].concat(
        [0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0xfafa],
      ),
      [0x2a2a, 0x001d, 0x0017, 0x0018],
      [0x5a5a, 0x0304, 0x0303],
    );
    assert.equal(ja4(h), "t13d1516h2_8daaf6152771_e5627efa2ab1");
  });

  test("a published Chrome ClientHello: JA3 98487aa16281980e7d1120d399efb6a4, JA4 t13d1516h2_8daaf6152771_d8a2da3f94cd", () => {
    // From a browserleaks report (JA3 text, JA4 and JA4_ro given together), GREASE added.
    const h = hello(
      [0x1a1a, 4865, 4866, 4867, 49195, 49199, 49196, 49200, 52393, 52392, 49171, 49172, 156, 157, 47, 53],
      [0x0a0a, 45, 51, 16, 65037, 23, 17613, 0, 11, 10, 43, 65281, 35, 18, 5, 13, 27, 0x8a8a],
      [0xdada, 4588, 29, 23, 24],
      [0x9a9a, 0x0304, 0x0303],
    );
    assert.equal(
      ja3String(h),
      "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53," +
        "45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0",
      "GREASE values are not in the JA3 string",
    );
    assert.equal(ja3(h), "98487aa16281980e7d1120d399efb6a4");
    assert.equal(ja4(h), "t13d1516h2_8daaf6152771_d8a2da3f94cd");
  });

  test("JA4 without SNI, ALPN, supported_versions or signature algorithms; counts capped at 99", () => {
    const h = hello([0x002f, 0x0035], [0x000a, 0x000b], [0x0017], []);
    // No SNI: "i"; version from the legacy field (TLS 1.2); no ALPN: "00"; extensions without
    // signature algorithms are hashed without the underscore.
    assert.match(ja4(h), /^t12i020200_/);
    const many = hello(
      Array.from({ length: 120 }, (_, i) => i + 1),
      [0x000a],
      [0x0017],
      [],
    );
    assert.match(ja4(many), /^t12i9901/);
    const none = hello([0x002f], [], [], []);
    assert.equal(ja4(none).split("_")[2], "000000000000", "no extensions: zeros");
  });

  test("JA4's ALPN part: first and last characters, hex digits when not alphanumeric", () => {
    const base = parseClientHello(Uint8Array.from(clientHelloBody({ ciphers: [0x1301] })));
    assert.ok(base);
    assert.equal(ja4({ ...base, alpn: ["http/1.1"] }).slice(8, 10), "h1");
    assert.equal(ja4({ ...base, alpn: ["x"] }).slice(8, 10), "xx");
    assert.equal(ja4({ ...base, alpn: ["0\xab"] }).slice(8, 10), "3b");
    assert.equal(ja4({ ...base, alpn: [] }).slice(8, 10), "00");
  });
});
