/**
 * How ssl.log names TLS's numbers: protocol versions (`TLSv12`, `TLSv13-draft23`), cipher suites
 * (IANA's names), named groups (`secp256r1`, `x25519`) and alert descriptions
 * (`handshake_failure`), each from the IANA registries (RFC 8446, RFC 8422, RFC 7919), spelled as
 * Zeek writes them, `unknown-N` for a number not listed.
 */
import { CIPHER_SUITES } from "./cipherSuites";

/** Protocol versions (RFC 8446 section 4.2.1, RFC 6347 for DTLS). */
export const SSL_V2 = 0x0002;
export const SSL_V3 = 0x0300;
export const TLS_V10 = 0x0301;
export const TLS_V11 = 0x0302;
export const TLS_V12 = 0x0303;
export const TLS_V13 = 0x0304;

const VERSION_NAMES = new Map<number, string>([
  [SSL_V2, "SSLv2"],
  [SSL_V3, "SSLv3"],
  [TLS_V10, "TLSv10"],
  [TLS_V11, "TLSv11"],
  [TLS_V12, "TLSv12"],
  [TLS_V13, "TLSv13"],
  [0xfeff, "DTLSv10"],
  [0xfefd, "DTLSv12"],
  [0xfefc, "DTLSv13"],
]);

/** A version's name: `TLSv12`; a TLS 1.3 draft (0x7fNN) as `TLSv13-draftNN`; else `unknown-N`. */
export function versionName(version: number): string {
  const name = VERSION_NAMES.get(version);
  if (name) return name;
  // Zeek's rule, kept to the letter: draft versions are 0x7f00 + draft number.
  if (Math.floor(version / 0xff) === 0x7f) return `TLSv13-draft${version % 0x7f}`;
  return `unknown-${version}`;
}

/** True for the versions a TLS record layer may carry (SSLv3 to TLS 1.2). */
export function isRecordVersion(version: number): boolean {
  return version >= SSL_V3 && version <= TLS_V12;
}

/**
 * True when a negotiated version is TLS 1.3 or a draft of it, or not known yet: Zeek's rule for
 * treating application data seen before a ChangeCipherSpec as encrypted.
 */
export function encryptsWithoutCcs(negotiated: number): boolean {
  return negotiated !== SSL_V2 && !isRecordVersion(negotiated);
}

const CIPHER_NAMES = new Map<number, string>(CIPHER_SUITES);

/** A cipher suite's IANA name, e.g. `TLS_AES_128_GCM_SHA256`; `unknown-N` when not listed. */
export function cipherName(code: number): string {
  return CIPHER_NAMES.get(code) ?? `unknown-${code}`;
}

/** TLS Supported Groups (IANA), the names Zeek logs as `curve`. */
const GROUP_NAMES = new Map<number, string>([
  ...[
    "sect163k1",
    "sect163r1",
    "sect163r2",
    "sect193r1",
    "sect193r2",
    "sect233k1",
    "sect233r1",
    "sect239k1",
    "sect283k1",
    "sect283r1",
    "sect409k1",
    "sect409r1",
    "sect571k1",
    "sect571r1",
    "secp160k1",
    "secp160r1",
    "secp160r2",
    "secp192k1",
    "secp192r1",
    "secp224k1",
    "secp224r1",
    "secp256k1",
    "secp256r1",
    "secp384r1",
    "secp521r1",
    "brainpoolP256r1",
    "brainpoolP384r1",
    "brainpoolP512r1",
    "x25519",
    "x448",
    "brainpoolP256r1tls13",
    "brainpoolP384r1tls13",
    "brainpoolP512r1tls13",
    "GC256A",
    "GC256B",
    "GC256C",
    "GC256D",
    "GC512A",
    "GC512B",
    "GC512C",
    "curveSM2",
  ].map((name, i): [number, string] => [i + 1, name]),
  [256, "ffdhe2048"],
  [257, "ffdhe3072"],
  [258, "ffdhe4096"],
  [259, "ffdhe6144"],
  [260, "ffdhe8192"],
  [512, "MLKEM512"],
  [513, "MLKEM768"],
  [514, "MLKEM1024"],
  [4587, "SecP256r1MLKEM768"],
  [4588, "X25519MLKEM768"],
  [4589, "SecP384r1MLKEM1024"],
  [4590, "curveSM2MLKEM768"],
  [16696, "CECPQ2"],
  [25497, "X25519Kyber768Draft00"],
  [25498, "SecP256r1Kyber768Draft00"],
  [0xff01, "arbitrary_explicit_prime_curves"],
  [0xff02, "arbitrary_explicit_char2_curves"],
]);

/** True for a GREASE value (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa. */
export function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && value >> 8 === (value & 0xff);
}

/** A named group's name (`secp256r1`, `x25519`, `grease_0x0A0A`), `unknown-N` when not listed. */
export function groupName(group: number): string {
  const name = GROUP_NAMES.get(group);
  if (name) return name;
  if (isGrease(group)) return `grease_0x${group.toString(16).toUpperCase().padStart(4, "0")}`;
  return `unknown-${group}`;
}

/** TLS alert descriptions (RFC 8446 section 6, IANA). */
const ALERT_NAMES = new Map<number, string>([
  [0, "close_notify"],
  [10, "unexpected_message"],
  [20, "bad_record_mac"],
  [21, "decryption_failed"],
  [22, "record_overflow"],
  [30, "decompression_failure"],
  [40, "handshake_failure"],
  [41, "no_certificate"],
  [42, "bad_certificate"],
  [43, "unsupported_certificate"],
  [44, "certificate_revoked"],
  [45, "certificate_expired"],
  [46, "certificate_unknown"],
  [47, "illegal_parameter"],
  [48, "unknown_ca"],
  [49, "access_denied"],
  [50, "decode_error"],
  [51, "decrypt_error"],
  [60, "export_restriction"],
  [70, "protocol_version"],
  [71, "insufficient_security"],
  [80, "internal_error"],
  [86, "inappropriate_fallback"],
  [90, "user_canceled"],
  [100, "no_renegotiation"],
  [110, "unsupported_extension"],
  [111, "certificate_unobtainable"],
  [112, "unrecognized_name"],
  [113, "bad_certificate_status_response"],
  [114, "bad_certificate_hash_value"],
  [115, "unknown_psk_identity"],
  [116, "certificate_required"],
  [117, "general_error"],
  [120, "no_application_protocol"],
  [121, "ech_required"],
]);

/** An alert description's name, e.g. `handshake_failure`; `unknown-N` when not listed. */
export function alertName(description: number): string {
  return ALERT_NAMES.get(description) ?? `unknown-${description}`;
}
