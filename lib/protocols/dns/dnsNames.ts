/**
 * The names Zeek's dns.log gives to DNS numbers (its `base/protocols/dns/consts.zeek`): record
 * types (`qtype_name`), classes (`qclass_name`), response codes (`rcode_name`) and opcodes
 * (`opcode_name`), with Zeek's fallbacks for numbers it has no name for (`query-65534`, ...).
 */

/** Record type names (IANA's registry as Zeek lists it). */
const QUERY_TYPES: Readonly<Record<number, string>> = {
  1: "A",
  2: "NS",
  3: "MD",
  4: "MF",
  5: "CNAME",
  6: "SOA",
  7: "MB",
  8: "MG",
  9: "MR",
  10: "NULL",
  11: "WKS",
  12: "PTR",
  13: "HINFO",
  14: "MINFO",
  15: "MX",
  16: "TXT",
  17: "RP",
  18: "AFSDB",
  19: "X25",
  20: "ISDN",
  21: "RT",
  22: "NSAP",
  23: "NSAP-PTR",
  24: "SIG",
  25: "KEY",
  26: "PX",
  27: "GPOS",
  28: "AAAA",
  29: "LOC",
  30: "NXT",
  31: "EID",
  32: "NIMLOC",
  33: "SRV",
  34: "ATMA",
  35: "NAPTR",
  36: "KX",
  37: "CERT",
  38: "A6",
  39: "DNAME",
  40: "SINK",
  41: "OPT",
  42: "APL",
  43: "DS",
  44: "SSHFP",
  45: "IPSECKEY",
  46: "RRSIG",
  47: "NSEC",
  48: "DNSKEY",
  49: "DHCID",
  50: "NSEC3",
  51: "NSEC3PARAM",
  52: "TLSA",
  53: "SMIMEA",
  55: "HIP",
  56: "NINFO",
  57: "RKEY",
  58: "TALINK",
  59: "CDS",
  60: "CDNSKEY",
  61: "OPENPGPKEY",
  62: "CSYNC",
  63: "ZONEMD",
  64: "SVCB",
  65: "HTTPS",
  99: "SPF",
  100: "UINFO",
  101: "UID",
  102: "GID",
  103: "UNSPEC",
  104: "NID",
  105: "L32",
  106: "L64",
  107: "LP",
  108: "EUI48",
  109: "EUI64",
  249: "TKEY",
  250: "TSIG",
  251: "IXFR",
  252: "AXFR",
  253: "MAILB",
  254: "MAILA",
  255: "*",
  256: "URI",
  257: "CAA",
  32768: "TA",
  32769: "DLV",
  65281: "WINS",
  65282: "WINS-R",
};

/** Class names (Zeek's `classes`). */
const CLASSES: Readonly<Record<number, string>> = {
  1: "C_INTERNET",
  2: "C_CSNET",
  3: "C_CHAOS",
  4: "C_HESOD",
  254: "C_NONE",
  255: "C_ANY",
};

/** Response code names (Zeek's `base_errors`, RFC 1035, 2136, 2845). */
const RCODES: Readonly<Record<number, string>> = {
  0: "NOERROR",
  1: "FORMERR",
  2: "SERVFAIL",
  3: "NXDOMAIN",
  4: "NOTIMP",
  5: "REFUSED",
  6: "YXDOMAIN",
  7: "YXRRSET",
  8: "NXRRSet",
  9: "NOTAUTH",
  10: "NOTZONE",
};

/** Opcode names (Zeek's `opcodes`). */
const OPCODES: Readonly<Record<number, string>> = {
  0: "query",
  1: "inverse-query",
  2: "status",
  4: "notify",
  5: "dynamic-update",
};

/** The name Zeek logs for record type `n` (`query-<n>` when it has none). */
export function qtypeName(n: number): string {
  return QUERY_TYPES[n] ?? `query-${n}`;
}

/** The name Zeek logs for class `n` (`qclass-<n>` when it has none). */
export function qclassName(n: number): string {
  return CLASSES[n] ?? `qclass-${n}`;
}

/** The name Zeek logs for response code `n`. */
export function rcodeName(n: number): string {
  return RCODES[n] ?? `unassigned-${n}`;
}

/** The name Zeek logs for opcode `n`. */
export function opcodeName(n: number): string {
  return OPCODES[n] ?? `opcode-${n}`;
}

/** Record types by name, for rendering (RFC numbers). */
export const RR = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  WKS: 11,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  LOC: 29,
  NBS: 32,
  SRV: 33,
  A6: 38,
  OPT: 41,
  DS: 43,
  SSHFP: 44,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  NSEC3: 50,
  NSEC3PARAM: 51,
  SVCB: 64,
  HTTPS: 65,
  SPF: 99,
  TKEY: 249,
  TSIG: 250,
  ANY: 255,
  CAA: 257,
  BINDS: 65534,
} as const;

/** Class NONE: in an update, "RRset does not exist" (prerequisite) or "delete this RR" (RFC 2136). */
export const CLASS_NONE = 254;
/** Class ANY: in an update, "RRset exists" (prerequisite) or "delete the RRset" (RFC 2136). */
export const CLASS_ANY = 255;
