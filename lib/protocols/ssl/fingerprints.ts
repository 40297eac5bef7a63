/**
 * TLS client fingerprints of a ClientHello: JA3 (Salesforce: the MD5 of
 * "SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats" in decimal, GREASE
 * values left out) and JA4 (FoxIO's technical_details/JA4.md: protocol, version, SNI, counts and
 * first ALPN in clear, then truncated SHA-256 of the sorted suites and of the sorted extensions
 * with the signature algorithms). Both identify client software (a browser, a malware family's
 * TLS library) whatever server it talks to.
 */
import { createHash } from "node:crypto";
import { EXT_ALPN, EXT_SERVER_NAME, type ClientHello } from "./tlsHello";
import { isGrease } from "./tlsNames";

/** Hex characters of a JA4 hash part (its SHA-256 truncated). */
export const JA4_HASH_CHARS = 12;

const JA4_EMPTY_HASH = "0".repeat(JA4_HASH_CHARS);

const noGrease = (values: readonly number[]): number[] => values.filter((v) => !isGrease(v));

/** The JA3 string (before hashing) of a ClientHello. */
export function ja3String(hello: ClientHello): string {
  return [
    String(hello.version),
    noGrease(hello.ciphers).join("-"),
    noGrease(hello.extensions).join("-"),
    noGrease(hello.groups).join("-"),
    hello.pointFormats.join("-"),
  ].join(",");
}

/** The JA3 fingerprint: the lowercase MD5 of `ja3String`. */
export function ja3(hello: ClientHello): string {
  return createHash("md5").update(ja3String(hello)).digest("hex");
}

const JA4_VERSIONS = new Map<number, string>([
  [0x0304, "13"],
  [0x0303, "12"],
  [0x0302, "11"],
  [0x0301, "10"],
  [0x0300, "s3"],
  [0x0002, "s2"],
  [0xfeff, "d1"],
  [0xfefd, "d2"],
  [0xfefc, "d3"],
]);

const hex4 = (v: number): string => v.toString(16).padStart(4, "0");

function isAlphanumeric(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** First and last characters of the first ALPN value ("00" when none; hex digits when not alphanumeric). */
function ja4Alpn(alpn: readonly string[]): string {
  const first = alpn[0];
  if (!first) return "00";
  const a = first.charCodeAt(0);
  const z = first.charCodeAt(first.length - 1);
  if (isAlphanumeric(a) && isAlphanumeric(z)) return first[0] + first[first.length - 1];
  const h = Buffer.from(first, "latin1").toString("hex");
  return h[0] + h[h.length - 1];
}

function truncatedSha256(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, JA4_HASH_CHARS);
}

const twoDigits = (n: number): string => String(Math.min(n, 99)).padStart(2, "0");

/** The JA4 fingerprint of a ClientHello seen over `transport` ("t" for TCP, "q" QUIC, "d" DTLS). */
export function ja4(hello: ClientHello, transport: "t" | "q" | "d" = "t"): string {
  const versions = noGrease(hello.supportedVersions);
  const version = versions.length > 0 ? Math.max(...versions) : hello.version;
  const ciphers = noGrease(hello.ciphers);
  const extensions = noGrease(hello.extensions);
  const a =
    transport +
    (JA4_VERSIONS.get(version) ?? "00") +
    (extensions.includes(EXT_SERVER_NAME) ? "d" : "i") +
    twoDigits(ciphers.length) +
    twoDigits(extensions.length) +
    ja4Alpn(hello.alpn);
  const sortedCiphers = ciphers.map(hex4).sort();
  const b = sortedCiphers.length === 0 ? JA4_EMPTY_HASH : truncatedSha256(sortedCiphers.join(","));
  const sortedExtensions = extensions
    .filter((e) => e !== EXT_SERVER_NAME && e !== EXT_ALPN)
    .map(hex4)
    .sort();
  const algorithms = noGrease(hello.signatureAlgorithms).map(hex4);
  const c =
    sortedExtensions.length === 0
      ? JA4_EMPTY_HASH
      : truncatedSha256(
          algorithms.length === 0
            ? sortedExtensions.join(",")
            : `${sortedExtensions.join(",")}_${algorithms.join(",")}`,
        );
  return `${a}_${b}_${c}`;
}
