/**
 * Resource records as Zeek's dns.log writes them in `answers` (the `dns_*_reply` handlers of its
 * `base/protocols/dns/main.zeek`): addresses for A/AAAA, the name for CNAME/NS/PTR/MX/SRV/SOA,
 * `TXT <len> <text>` per string, short `RRSIG <type> <signer>`-style forms for the DNSSEC types,
 * `<unknown type=N>` for types Zeek does not parse; and, for dynamic updates (RFC 2136), the
 * prerequisite and update forms (`pre: NoRRSet CNAME name`, `del: RRSet A`, `add: A name addr`).
 */
import { CLASS_ANY, CLASS_NONE, qtypeName, RR } from "./dnsNames";
import { type DnsResourceRecord, readDnsName } from "./dnsWire";

/**
 * What an answer contributes to the log: `text` (undefined when Zeek logs nothing for the type,
 * "" when Zeek's handler passes an empty reply, which sets `rtt` but adds no answer), or a
 * reason when the RDATA does not parse (Zeek then stops reading the message's records).
 */
export type Rendered = { readonly text: string | undefined } | string;

const NOTHING: Rendered = { text: undefined };
/** Types Zeek parses without a log handler (HINFO, CAA, NetBIOS, EDNS, TSIG, TKEY, SVCB, HTTPS). */
const SILENT = new Set<number>([RR.HINFO, RR.CAA, RR.NBS, RR.OPT, RR.TSIG, RR.TKEY, RR.SVCB, RR.HTTPS]);

/** An IPv6 address in RFC 5952 form (as inet_ntop writes it, which Zeek uses). */
export function ipv6Text(b: Uint8Array, at: number): string {
  const words: number[] = [];
  for (let k = 0; k < 8; k++) words.push((b[at + 2 * k] << 8) | b[at + 2 * k + 1]);
  // The longest run of two or more zero words becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let k = 0; k < 8;) {
    if (words[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && words[e] === 0) e++;
    if (e - k > bestLen) {
      best = k;
      bestLen = e - k;
    }
    k = e;
  }
  // IPv4-mapped and -compatible forms keep the dotted quad.
  if (best === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
    const v4 = `${b[at + 12]}.${b[at + 13]}.${b[at + 14]}.${b[at + 15]}`;
    return bestLen === 5 ? `::ffff:${v4}` : `::${v4}`;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(":");
  if (best < 0) return hex(words);
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

/** Character strings (RFC 1035 3.3) of `[from, to)`, as Zeek's TXT reader takes them. */
function characterStrings(msg: Uint8Array, from: number, to: number): string[] {
  const out: string[] = [];
  let i = from;
  while (i < to) {
    const n = Math.min(msg[i], to - i - 1);
    out.push(Buffer.from(msg.buffer, msg.byteOffset + i + 1, n).toString("latin1"));
    i += 1 + n;
  }
  return out;
}

/** A name inside RDATA, lower-cased as Zeek's ExtractName does. */
function nameAt(msg: Uint8Array, at: number, end: number): string | { name: string } {
  const n = readDnsName(msg, at, end);
  return typeof n === "string" ? n : { name: n.name.toLowerCase() };
}

/** The text Zeek logs for the RDATA of `rr` in a standard query's response. */
export function renderAnswer(msg: Uint8Array, rr: DnsResourceRecord): Rendered {
  const at = rr.rdata;
  const end = at + rr.rdlength;
  const len = rr.rdlength;
  const named = (offset: number): Rendered => {
    if (offset > end) return "record data too short";
    const n = nameAt(msg, offset, end);
    return typeof n === "string" ? n : { text: n.name };
  };
  switch (rr.type) {
    case RR.A:
      return len === 4 ? { text: `${msg[at]}.${msg[at + 1]}.${msg[at + 2]}.${msg[at + 3]}` } : "bad A length";
    case RR.AAAA:
    case RR.A6:
      return len >= 16 ? { text: ipv6Text(msg, at) } : "bad AAAA length";
    case RR.NS:
    case RR.CNAME:
    case RR.PTR:
    case RR.SOA:
      return named(at);
    case RR.MX:
      return named(at + 2);
    case RR.SRV:
      return named(at + 6);
    case RR.WKS:
      return { text: "" };
    case RR.TXT:
    case RR.SPF: {
      const tag = rr.type === RR.TXT ? "TXT" : "SPF";
      const parts = characterStrings(msg, at, end).map((s) => `${tag} ${s.length} ${s}`);
      return { text: parts.join(" ") };
    }
    case RR.RRSIG: {
      if (len < 18) return "record data too short";
      const signer = nameAt(msg, at + 18, end);
      if (typeof signer === "string") return signer;
      return { text: `RRSIG ${(msg[at] << 8) | msg[at + 1]} ${signer.name === "" ? "<Root>" : signer.name}` };
    }
    case RR.DNSKEY:
      return len < 4 ? "record data too short" : { text: `DNSKEY ${msg[at + 3]}` };
    case RR.NSEC: {
      const next = nameAt(msg, at, end);
      return typeof next === "string" ? next : { text: `NSEC ${rr.name.toLowerCase()} ${next.name}` };
    }
    case RR.NSEC3:
      return len < 6 ? "record data too short" : { text: "NSEC3" };
    case RR.NSEC3PARAM:
      return { text: "NSEC3PARAM" };
    case RR.DS:
      return len < 4 ? "record data too short" : { text: `DS ${msg[at + 2]} ${msg[at + 3]}` };
    case RR.BINDS:
      return { text: "BIND9 signing signal" };
    case RR.SSHFP:
      return len < 2
        ? "record data too short"
        : { text: `SSHFP: ${Buffer.from(msg.subarray(at + 2, end)).toString("hex")}` };
    case RR.LOC:
      return len < 4
        ? "record data too short"
        : { text: `LOC:  ${msg[at + 1]} ${msg[at + 2]} ${msg[at + 3]}` };
    default:
      return SILENT.has(rr.type) ? NOTHING : { text: `<unknown type=${rr.type}>` };
  }
}

/**
 * A record of a dynamic update (RFC 2136 2.4, 2.5): `section` "answer" holds prerequisites,
 * "authority" the updates. Class NONE/ANY carry the operation; the zone's class adds records.
 */
export function renderUpdate(
  msg: Uint8Array,
  rr: DnsResourceRecord,
  section: "answer" | "authority",
): Rendered {
  const name = rr.name.toLowerCase();
  const type = qtypeName(rr.type);
  const data = (): string => {
    if (rr.rdlength === 0) return "";
    const r = renderAnswer(msg, rr);
    return typeof r === "string" || !r.text ? "" : ` ${r.text}`;
  };
  if (section === "answer") {
    if (rr.rclass === CLASS_ANY)
      return { text: rr.type === RR.ANY ? `pre: NameInUse ${name}` : `pre: RRSet ${type} ${name}` };
    if (rr.rclass === CLASS_NONE)
      return { text: rr.type === RR.ANY ? `pre: NameNotInUse ${name}` : `pre: NoRRSet ${type} ${name}` };
    return { text: `pre: RRSet ${type} ${name}${data()}` };
  }
  if (rr.rclass === CLASS_ANY)
    return { text: rr.type === RR.ANY ? `del: All ${name}` : `del: RRSet ${type}` };
  if (rr.rclass === CLASS_NONE) return { text: `del: ${type} ${name}${data()}` };
  return { text: `add: ${type} ${name}${data()}` };
}
