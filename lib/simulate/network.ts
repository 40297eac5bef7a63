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
  readonly web: Host; // intranet HTTP, 10.0.0.10:80
  readonly dns: Host; // resolver, 10.0.0.53:53
  readonly mail: Host; // SMTP relay, 10.0.0.25:25
  readonly ftp: Host; // file server, 10.0.0.21:21
  readonly ssh: Host; // bastion, 10.0.0.22:22
}

export interface Network {
  readonly workstations: readonly Host[];
  /** Workstations whose users also administer servers over SSH. */
  readonly admins: readonly Host[];
  readonly servers: Servers;
  /** External web sites (HTTP), mail exchangers and other peers. */
  readonly externalWeb: readonly Host[];
  readonly externalMail: readonly Host[];
  /** The default gateway: frames to and from outside carry its MAC address. */
  readonly gateway: Host;
  /** Hosts by address, for looking up a spoofed or configured address. */
  host(address: string): Host;
}

export interface NetworkOptions {
  /** Workstations in 10.0.1.0/24 (at most 250). Default 30. */
  workstations?: number;
  /** External peers in the documentation ranges. Default 24. */
  externalPeers?: number;
  /** How many workstations also administer servers over SSH. Default 3. */
  admins?: number;
}

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
  };
  const workstations = Array.from({ length: nWorkstations }, (_, i) =>
    make(`ws${i + 1}`, `10.0.1.${i + 10}`, true),
  );
  const ranges = ["192.0.2", "198.51.100", "203.0.113"];
  const used = new Set<string>();
  const external = (name: string): Host => {
    for (;;) {
      const address = `${ranges[randomInt(rng, ranges.length)]}.${10 + randomInt(rng, 200)}`;
      if (!used.has(address)) {
        used.add(address);
        return make(name, address, false);
      }
    }
  };
  const nMail = Math.max(1, Math.round(nExternal / 6));
  const externalMail = Array.from({ length: nMail }, (_, i) => external(`mx${i + 1}`));
  const externalWeb = Array.from({ length: Math.max(1, nExternal - nMail) }, (_, i) =>
    external(`site${i + 1}`),
  );
  return {
    workstations,
    admins: workstations.slice(0, Math.min(options.admins ?? 3, workstations.length)),
    servers,
    externalWeb,
    externalMail,
    gateway,
    host(address: string): Host {
      return byAddress.get(address) ?? make(address, address, address.startsWith("10."));
    },
  };
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
