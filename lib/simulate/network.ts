/**
 * The simulated enterprise network: who is where, and how busy they are at a given time.
 * Addresses come from private and documentation ranges only: 10.0.0.0/8 inside;
 * 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24 (RFC 5737) outside.
 */
import { type Rng, randomInt } from "../core/random";
import type { Endpoint } from "../packets/frames";
import { ipv4Bytes } from "../net/address";

/** A host of the simulation. */
export interface Host extends Endpoint {
  readonly name: string;
  readonly address: string;
  readonly inside: boolean;
  /** Round-trip time to the capture point's other side, seconds. */
  readonly rtt: number;
}

/** The servers every simulated network has. */
export interface Servers {
  readonly web: Host; // intranet web server, 10.0.0.10: HTTPS 443 and legacy HTTP 80
  readonly dns: Host; // resolver, 10.0.0.53:53
  readonly mail: Host; // mail server, 10.0.0.25: SMTP relay 25, submission 465, IMAPS 993
  readonly ftp: Host; // file server, 10.0.0.21:21
  readonly ssh: Host; // bastion, 10.0.0.22:22 (reachable from outside)
  readonly ntp: Host; // time server, 10.0.0.123:123 (synchronises with outside time servers)
}

/** A host reached by name: its DNS name and how long resolvers may cache its address. */
export interface NamedHost extends Host {
  readonly hostName: string;
  /** TTL of its A record, seconds. */
  readonly ttl: number;
}

/** A web site: HTTPS unless `plainHttp`. */
export interface Site extends NamedHost {
  readonly plainHttp: boolean;
}

/** What a workstation's user does, drawn once per workstation. */
export interface Profile {
  /** Multiplies the user's session rates (people differ): log-normal, median 1. */
  readonly busyness: number;
  /** Multiplies the rate of cloud-storage uploads: most users rarely upload, a few often. */
  readonly uploads: number;
  /** Runs a chat client (a presence poll every minute while logged in). */
  readonly chat: boolean;
  /** Runs a cloud-storage sync client (a poll every few minutes while logged in). */
  readonly cloudSync: boolean;
}

export interface Network {
  readonly workstations: readonly Host[];
  /** Workstations whose users also administer servers over SSH. */
  readonly admins: readonly Host[];
  readonly servers: Servers;
  /** The intranet web server by name (intranet.corp.example). */
  readonly intranet: NamedHost;
  /** External web sites, most popular first (visits follow a Zipf law). */
  readonly sites: readonly Site[];
  /** Shared third-party hosts pages pull resources from (CDNs, fonts, analytics). */
  readonly cdns: readonly NamedHost[];
  /** Web applications' API hosts (mail, documents, chat, calendars). */
  readonly saas: readonly NamedHost[];
  /** Cloud-storage upload endpoints. */
  readonly cloud: readonly NamedHost[];
  /** Software-update download hosts. */
  readonly updates: readonly NamedHost[];
  /** Hosts of the periodic benign pollers (telemetry, update checks, chat presence, sync, OCSP). */
  readonly pollers: Readonly<Record<PollerHost, NamedHost>>;
  /** Outside time servers the internal NTP server follows. */
  readonly timeServers: readonly Host[];
  /** External mail exchangers (outgoing and incoming mail). */
  readonly externalMail: readonly Host[];
  /** Teleworkers' home addresses and partners outside: SSH to the bastion, FTP to the file server. */
  readonly remote: readonly Host[];
  /** The default gateway: frames to and from outside carry its MAC address. */
  readonly gateway: Host;
  /** A workstation's user profile. */
  profile(host: Host): Profile;
  /** Hosts by address, for looking up a spoofed or configured address. */
  host(address: string): Host;
}

/** The benign pollers' hosts. */
export type PollerHost = "telemetry" | "updateCheck" | "presence" | "sync" | "ocsp";

export interface NetworkOptions {
  /** Workstations in 10.0.1.0/24 (at most 250). Default 30. */
  workstations?: number;
  /** External web sites in the documentation ranges (besides CDNs, cloud, update and poller hosts). Default 24. */
  externalPeers?: number;
  /** How many workstations also administer servers over SSH. Default 3. */
  admins?: number;
}

/**
 * Outside addresses the attack scenarios use by default (lib/simulate/attacks.ts): never given to
 * a benign host, so an attack's default peer is its own.
 */
export const ATTACK_ADDRESSES: ReadonlySet<string> = new Set([
  "203.0.113.66",
  "198.51.100.23",
  "203.0.113.99",
  "198.51.100.45",
  "198.51.100.77",
]);
/** Share of web sites still on plain HTTP. An assumption (most page loads are HTTPS today). */
const PLAIN_HTTP_SITE_SHARE = 0.1;
/** Share of users running a chat client and a cloud-sync client. Assumptions. */
const CHAT_SHARE = 0.5;
const CLOUD_SYNC_SHARE = 0.6;
/** Spread (sigma of the log) of users' busyness and upload habits. Assumptions. */
const BUSYNESS_SIGMA = 0.35;
const UPLOAD_SIGMA = 1.2;
/** Teleworkers and partners outside. */
const REMOTE_PEERS = 5;

/** Internal round-trip times: a switched LAN, a fraction of a millisecond. */
const INSIDE_RTT_SECONDS: readonly [number, number] = [0.0002, 0.0012];
/** External round-trip times: 15-120 ms over the internet. */
const OUTSIDE_RTT_SECONDS: readonly [number, number] = [0.015, 0.12];

/** A locally administered MAC address derived from an IPv4 address (02:00:a:b:c:d). */
export function macFor(address: Uint8Array): Uint8Array {
  return Uint8Array.of(0x02, 0x00, address[0], address[1], address[2], address[3]);
}

/** Builds the network; every random choice comes from `rng`. */
export function buildNetwork(options: NetworkOptions, rng: Rng): Network {
  const nWorkstations = options.workstations ?? 30;
  const nExternal = options.externalPeers ?? 24;
  if (nWorkstations < 1 || nWorkstations > 250)
    throw new RangeError(`workstations must be in [1, 250], got ${nWorkstations}`);
  const gatewayIp = ipv4Bytes("10.0.0.1");
  const gateway: Host = {
    name: "gateway",
    address: "10.0.0.1",
    ip: gatewayIp,
    mac: macFor(gatewayIp),
    inside: true,
    rtt: 0.0002,
  };
  const byAddress = new Map<string, Host>();
  const make = (name: string, address: string, inside: boolean): Host => {
    const ip = ipv4Bytes(address);
    const [lo, hi] = inside ? INSIDE_RTT_SECONDS : OUTSIDE_RTT_SECONDS;
    // Outside hosts are reached through the gateway: their frames carry its MAC address.
    const host: Host = {
      name,
      address,
      ip,
      mac: inside ? macFor(ip) : gateway.mac,
      inside,
      rtt: lo + rng() * (hi - lo),
    };
    byAddress.set(address, host);
    return host;
  };
  byAddress.set(gateway.address, gateway);
  const servers: Servers = {
    web: make("intranet", "10.0.0.10", true),
    dns: make("resolver", "10.0.0.53", true),
    mail: make("mail", "10.0.0.25", true),
    ftp: make("files", "10.0.0.21", true),
    ssh: make("bastion", "10.0.0.22", true),
    ntp: make("timeserver", "10.0.0.123", true),
  };
  const workstations = Array.from({ length: nWorkstations }, (_, i) =>
    make(`ws${i + 1}`, `10.0.1.${i + 10}`, true),
  );
  const ranges = ["192.0.2", "198.51.100", "203.0.113"];
  const used = new Set<string>(ATTACK_ADDRESSES);
  const external = (name: string): Host => {
    for (;;) {
      const address = `${ranges[randomInt(rng, ranges.length)]}.${10 + randomInt(rng, 200)}`;
      if (!used.has(address)) {
        used.add(address);
        return make(name, address, false);
      }
    }
  };
  const named = (name: string, hostName: string, ttl: number, host = external(name)): NamedHost => {
    const n: NamedHost = { ...host, hostName, ttl };
    byAddress.set(n.address, n);
    return n;
  };
  const pick = <T>(values: readonly T[]): T => values[randomInt(rng, values.length)];
  const tlds = ["com", "net", "org"];
  const sites: Site[] = Array.from({ length: Math.max(1, nExternal) }, (_, i) => ({
    ...named(`site${i + 1}`, `www.site${i + 1}.example.${tlds[i % 3]}`, pick([60, 300, 300, 3600])),
    plainHttp: rng() < PLAIN_HTTP_SITE_SHARE,
  }));
  const cdnNames = [
    "cdn1.example.net",
    "cdn2.example.net",
    "static.example.com",
    "fonts.example.org",
    "img.example.com",
    "api.example.com",
    "metrics.example.org",
    "js.example.net",
  ];
  const cdns = cdnNames.map((h, i) => named(`cdn${i + 1}`, h, pick([60, 300])));
  const saas = [
    "api.mail.example.com",
    "docs.example.com",
    "api.chat.example.org",
    "calendar.example.net",
    "crm.example.com",
    "wiki.example.org",
  ].map((h, i) => named(`saas${i + 1}`, h, pick([60, 300])));
  const cloud = ["upload.files.example.com", "drive.example.net", "share.example.org"].map((h, i) =>
    named(`cloud${i + 1}`, h, 300),
  );
  const updates = ["dl.updates.example.com", "download.example.org"].map((h, i) =>
    named(`updates${i + 1}`, h, 3600),
  );
  const pollers: Record<PollerHost, NamedHost> = {
    telemetry: named("telemetry", "telemetry.example.net", 300),
    updateCheck: named("update-check", "check.updates.example.com", 3600),
    presence: named("presence", "presence.chat.example.org", 300),
    sync: named("sync", "sync.files.example.com", 300),
    ocsp: named("ocsp", "ocsp.example.net", 3600),
  };
  const timeServers = [external("ntp1"), external("ntp2")];
  const externalMail = Array.from({ length: Math.max(1, Math.round(nExternal / 6)) }, (_, i) =>
    external(`mx${i + 1}`),
  );
  const remote = Array.from({ length: REMOTE_PEERS }, (_, i) => external(`remote${i + 1}`));
  const profiles = new Map<string, Profile>();
  for (const w of workstations) {
    profiles.set(w.address, {
      busyness: Math.exp(BUSYNESS_SIGMA * gaussian(rng)),
      uploads: Math.exp(UPLOAD_SIGMA * gaussian(rng) - 0.5),
      chat: rng() < CHAT_SHARE,
      cloudSync: rng() < CLOUD_SYNC_SHARE,
    });
  }
  const idle: Profile = { busyness: 1, uploads: 1, chat: false, cloudSync: false };
  return {
    workstations,
    admins: workstations.slice(0, Math.min(options.admins ?? 3, workstations.length)),
    servers,
    intranet: named("intranet", "intranet.corp.example", 3600, servers.web),
    sites,
    cdns,
    saas,
    cloud,
    updates,
    pollers,
    timeServers,
    externalMail,
    remote,
    gateway,
    profile: (host) => profiles.get(host.address) ?? idle,
    host(address: string): Host {
      return byAddress.get(address) ?? make(address, address, address.startsWith("10."));
    },
  };
}

/** A standard normal draw (Box-Muller). */
function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(Math.max(rng(), 1e-12))) * Math.cos(2 * Math.PI * rng());
}

/**
 * How busy the office is at `epochSeconds` (UTC), relative to a weekday working hour (1.0):
 * a daily rhythm (night 5%, early morning and evening 40%, a lunch dip to 60%, weekends 15%)
 * and an hourly one (a ±20% swing within the hour, busiest just after the hour starts).
 * @example activity(Date.UTC(2026, 2, 2, 10, 15) / 1000) // about 1.2 (Monday 10:15)
 */
export function activity(epochSeconds: number): number {
  const date = new Date(epochSeconds * 1000);
  const hour = date.getUTCHours();
  const minute = date.getUTCMinutes() + date.getUTCSeconds() / 60;
  const weekend = date.getUTCDay() === 0 || date.getUTCDay() === 6;
  let daily: number;
  if (hour >= 8 && hour < 18) daily = hour === 12 ? 0.6 : 1.0;
  else if (hour === 7 || (hour >= 18 && hour < 20)) daily = 0.4;
  else daily = 0.05;
  if (weekend) daily *= 0.15;
  const hourly = 1 + 0.2 * Math.cos((2 * Math.PI * minute) / 60);
  return daily * hourly;
}

/** The largest value `activity` takes, for thinning a Poisson process. */
export const MAX_ACTIVITY = 1.2;
