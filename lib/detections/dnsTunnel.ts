/**
 * DNS tunnelling and exfiltration, per client and registered domain (the Public Suffix List,
 * through `tldts`): a tunnel encodes data in the names it looks up, so one client asks one domain
 * for many distinct, long, random-looking subdomains, often with TXT or NULL queries (whose
 * answers carry the return channel) or names that do not exist.
 * - `DNS::Tunnel`: within `DNS_TUNNEL_EPOCH_SECONDS`, distinct subdomains of one domain from one
 *   client reach the threshold while the queries look like data (mean subdomain length at least
 *   `DNS_TUNNEL_MIN_LENGTH`, or at least `DNS_TUNNEL_ODD_SHARE` of them TXT/NULL/ANY or NXDOMAIN);
 * - `DNS::Exfiltration`: the subdomain bytes one client sends one domain in a day reach the
 *   threshold (slow exfiltration below the tunnel's rate).
 * Known CDN, cloud and security-vendor domains (`DNS_QUIET_DOMAINS`: their names are hashes by
 * design) and every domain that reached the thresholds in the normal capture are left out, and so
 * are clients that are themselves DNS servers (a resolver forwards its clients' queries: the
 * clients are the ones to find). Thresholds: the normal capture's largest value times
 * `DNS_TUNNEL_MARGIN`, never below the minimums.
 */
import { getDomain } from "tldts";
import type { Flow } from "../flows/flowTable";
import type { ProtocolRecord } from "../protocols/parser";
import {
  type Detection,
  type DetectionContext,
  type DetectionInfo,
  DETECTION_POINTS,
  learnedThreshold,
  MaxTracker,
  severityOf,
} from "./detection";
import { type KeyResult, SumStats } from "./sumStats";

/** Epoch of the tunnel count, seconds. */
export const DNS_TUNNEL_EPOCH_SECONDS = 300;
/** Distinct subdomains of one domain from one client per epoch at least. */
export const DNS_TUNNEL_MIN_UNIQUE = 40;
/** Mean subdomain length (characters) from which queries look like data. */
export const DNS_TUNNEL_MIN_LENGTH = 20;
/** Share of TXT/NULL/ANY or NXDOMAIN queries from which queries look like data. */
export const DNS_TUNNEL_ODD_SHARE = 0.5;
/** Subdomain bytes one client sends one domain per day at least (`DNS::Exfiltration`). */
export const DNS_EXFIL_MIN_BYTES = 65_536;
/** Learned thresholds are the normal capture's largest value times this. */
export const DNS_TUNNEL_MARGIN = 2;
/** Domains learned as noisy in the normal capture, kept at most. */
export const DNS_LEARNED_DOMAINS_MAX = 1000;

/**
 * Registered domains whose names are machine-made by design (CDN edge names, cloud endpoints,
 * security vendors' reputation lookups, reverse lookups): never a tunnel here.
 */
export const DNS_QUIET_DOMAINS: readonly string[] = Object.freeze([
  "in-addr.arpa",
  "ip6.arpa",
  "akamaiedge.net",
  "akamai.net",
  "akamaihd.net",
  "edgekey.net",
  "edgesuite.net",
  "cloudfront.net",
  "amazonaws.com",
  "azureedge.net",
  "azurefd.net",
  "trafficmanager.net",
  "cloudapp.net",
  "googleusercontent.com",
  "googlevideo.com",
  "gvt1.com",
  "1e100.net",
  "fastly.net",
  "cdn77.org",
  "llnwd.net",
  "spamhaus.org",
  "spamcop.net",
  "sorbs.net",
  "surbl.org",
  "uribl.com",
  "barracudacentral.org",
  "mcafee.com",
  "sophosxl.net",
  "trendmicro.com",
  "kaspersky-labs.com",
  "avast.com",
  "avg.com",
  "eset.com",
  "e5.sk",
  "senderbase.org",
  "apple-dns.net",
  "icloud.com",
  "windowsupdate.com",
  "msftncsi.com",
]);

/** DNS servers remembered at most (the responders of DNS records). */
export const DNS_SERVERS_MAX = 10_000;

/** Query types whose answers can carry a tunnel's return channel. */
const ODD_TYPES = new Set(["TXT", "NULL", "ANY", "CNAME", "MX", "SRV", "PRIVATE"]);

/** The registered domain of a name (Public Suffix List); the last two labels when it has none. */
export function registeredDomain(name: string): string {
  const n = name.toLowerCase().replace(/\.$/, "");
  const d = getDomain(n, { allowPrivateDomains: false });
  if (d) return d;
  const labels = n.split(".");
  return labels.slice(-2).join(".");
}

/** Shannon entropy of a string's characters, bits per character. */
export function entropy(text: string): number {
  if (!text) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Odd-type and NXDOMAIN observations of an epoch (its tags are "<odd><nx>" bits). */
function oddShare(r: KeyResult): number {
  const t = r.tags;
  const odd = (t["10"] ?? 0) + (t["01"] ?? 0) + (t["11"] ?? 0);
  return r.count ? odd / r.count : 0;
}

/** The tunnel metric: distinct subdomains, when the queries look like data; else 0. */
function tunnelMetric(r: KeyResult): number {
  return r.mean >= DNS_TUNNEL_MIN_LENGTH || oddShare(r) >= DNS_TUNNEL_ODD_SHARE ? r.unique : 0;
}

class DnsTunnelDetection implements Detection {
  readonly name = "dnsTunnel";
  private readonly tunnel: SumStats;
  private readonly volume: SumStats;
  private readonly seen = new MaxTracker();
  private readonly uniqueLimit: number;
  private readonly bytesLimit: number;
  /** Domains never alerted on: the quiet list and what the normal capture taught. */
  private readonly quiet: Set<string>;
  /** Domains that reached the minimums while learning. */
  private readonly learned = new Set<string>();
  /** DNS servers seen answering (their own lookups are their clients'). */
  private readonly servers = new Set<string>();

  constructor(private readonly ctx: DetectionContext) {
    const b = ctx.baseline ?? {};
    this.uniqueLimit = learnedThreshold(DNS_TUNNEL_MIN_UNIQUE, b.uniqueMax, DNS_TUNNEL_MARGIN);
    this.bytesLimit = learnedThreshold(DNS_EXFIL_MIN_BYTES, b.bytesPerDayMax, DNS_TUNNEL_MARGIN);
    const learnedDomains = Array.isArray(b.quietDomains)
      ? b.quietDomains.filter((d) => typeof d === "string")
      : [];
    const servers = Array.isArray(b.servers) ? b.servers.filter((d) => typeof d === "string") : [];
    for (const s of servers) this.servers.add(s);
    this.quiet = new Set([...DNS_QUIET_DOMAINS, ...learnedDomains]);
    const learning = ctx.learning;
    this.tunnel = new SumStats({
      epochSeconds: DNS_TUNNEL_EPOCH_SECONDS,
      metric: tunnelMetric,
      threshold: learning ? undefined : this.uniqueLimit,
      onThreshold: (r, time) => this.raise("DNS::Tunnel", r, time),
      onEpochEnd: (r) => {
        if (!learning) return;
        const m = tunnelMetric(r);
        if (m >= DNS_TUNNEL_MIN_UNIQUE) this.learn(r.key);
        else this.seen.see("uniqueMax", m);
      },
    });
    this.volume = new SumStats({
      epochSeconds: 86_400,
      metric: (r) => r.sum,
      threshold: learning ? undefined : this.bytesLimit,
      onThreshold: (r, time) => this.raise("DNS::Exfiltration", r, time),
      onEpochEnd: (r) => {
        if (!learning) return;
        if (r.sum >= DNS_EXFIL_MIN_BYTES) this.learn(r.key);
        else this.seen.see("bytesPerDayMax", r.sum);
      },
      maxUnique: 1,
    });
  }

  private learn(key: string): void {
    if (this.learned.size < DNS_LEARNED_DOMAINS_MAX) this.learned.add(key.slice(key.indexOf("|") + 1));
  }

  private raise(note: string, r: KeyResult, time: number): void {
    const [client, domain] = r.key.split("|");
    if (this.servers.has(client)) return;
    const h = entropy(r.samples.join(""));
    const share = oddShare(r);
    const isTunnel = note === "DNS::Tunnel";
    const value = isTunnel ? r.unique : r.sum;
    const limit = isTunnel ? this.uniqueLimit : this.bytesLimit;
    const severity = severityOf(value, limit);
    const seconds = Math.max(1, r.last - r.first).toFixed(0);
    this.ctx.raise({
      note,
      detector: this.name,
      time,
      firstSeen: r.first,
      host: client,
      role: "attacker",
      peer: domain,
      severity,
      points: DETECTION_POINTS[severity],
      message: isTunnel
        ? `${client} looked up ${r.unique} distinct names under ${domain} in ${seconds} s (threshold ${limit}), mean subdomain length ${r.mean.toFixed(1)}, ${(share * 100).toFixed(0)}% TXT/NULL or NXDOMAIN, entropy ${h.toFixed(2)} bits/char`
        : `${client} sent ${r.sum} bytes of subdomain names to ${domain} in ${seconds} s (threshold ${limit} per day)`,
      facts: {
        distinct: r.unique,
        queries: r.count,
        meanLength: Math.round(r.mean * 10) / 10,
        oddShare: Math.round(share * 1000) / 1000,
        entropy: Math.round(h * 100) / 100,
        bytes: r.sum,
        threshold: limit,
        sample: r.samples[0] ?? "",
      },
    });
  }

  protocol(r: ProtocolRecord, flow: Readonly<Flow<unknown>>): void {
    if (r.protocol !== "dns") return;
    const f = r as unknown as { query?: string; qtype_name?: string; rcode_name?: string };
    if (this.servers.size < DNS_SERVERS_MAX) this.servers.add(flow.dst);
    const query = f.query;
    if (!query) return;
    const domain = registeredDomain(query);
    if (this.quiet.has(domain)) return;
    const q = query.toLowerCase();
    const sub = q.length > domain.length ? q.slice(0, q.length - domain.length - 1) : "";
    const odd = f.qtype_name !== undefined && ODD_TYPES.has(f.qtype_name) ? "1" : "0";
    const nx = f.rcode_name === "NXDOMAIN" ? "1" : "0";
    const key = `${flow.src}|${domain}`;
    this.tunnel.observe(key, r.ts, { text: sub, value: sub.length, tag: odd + nx });
    if (sub) this.volume.observe(key, r.ts, { value: sub.length });
  }

  advance(time: number): void {
    this.tunnel.advance(time);
    this.volume.advance(time);
  }

  flush(): void {
    this.tunnel.flush();
    this.volume.flush();
  }

  baseline(): Record<string, unknown> {
    return {
      ...this.seen.toJSON(),
      quietDomains: [...this.learned].sort(),
      servers: [...this.servers].sort().slice(0, 1000),
    };
  }

  thresholds(): Record<string, number> {
    return { tunnelDistinctNames: this.uniqueLimit, exfilBytesPerDay: this.bytesLimit };
  }
}

export const dnsTunnelDetection: DetectionInfo = {
  name: "dnsTunnel",
  notes: ["DNS::Tunnel", "DNS::Exfiltration"],
  description:
    "Per client and registered domain: many distinct, long or TXT/NULL/NXDOMAIN subdomains within 5 minutes, or many subdomain bytes in a day; CDN, security-vendor and the baseline's own noisy domains excepted.",
  create: (ctx) => new DnsTunnelDetection(ctx),
};
