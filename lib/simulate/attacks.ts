/**
 * Attack scenarios injected into the simulated traffic, each labelled per connection (with its
 * scenario name) and per time window. Each scenario function returns the session starts it
 * wants, so the simulator can merge them with normal traffic in time order.
 */
import { randomInt } from "../core/random";
import { icmpFrame, ipPacketOf, udpFrame } from "../packets/frames";
import { ipv4Bytes } from "../net/address";
import { ascii, type SimContext, TcpConversation, udpExchange } from "./conversation";
import type { Host, Network } from "./network";
import type { NamedHost } from "./network";
import {
  DNS_TYPE,
  dnsMessage,
  logNormal,
  PAM_FAIL_DELAY_SECONDS,
  pick,
  resolve,
  sshHandshake,
  tlsConnection,
  UPLOAD_BYTES,
  cloudUpload,
} from "./sessions";

/** The scenarios the simulator knows. */
export const ATTACK_SCENARIOS = [
  "syn_flood",
  "udp_flood",
  "port_scan",
  "ssh_bruteforce",
  "ftp_bruteforce",
  "dns_tunnel",
  "exfiltration",
  "c2_beacon",
] as const;
export type AttackScenario = (typeof ATTACK_SCENARIOS)[number];

/** One attack to inject. Times are seconds from the start of the capture. */
export interface AttackSpec {
  readonly scenario: AttackScenario;
  readonly startSeconds: number;
  readonly durationSeconds: number;
  /** Attacker address; default depends on the scenario (an outside host, or an infected workstation). */
  readonly attacker?: string;
  /** Victim address; default depends on the scenario. */
  readonly victim?: string;
  /** Scenario intensity: packets, probes or attempts per second (or beacons per minute). Default per scenario. */
  readonly rate?: number;
}

/** Ground truth of an attack as a time window. */
export interface AttackWindow {
  readonly scenario: AttackScenario;
  readonly attacker: string;
  readonly victim: string;
  /** Seconds since the epoch. */
  readonly start: number;
  readonly end: number;
  readonly description: string;
}

/** A session to play at `t`. */
export interface SessionStart {
  readonly t: number;
  readonly play: (ctx: SimContext) => void;
}

/** Default rates: per second, except c2_beacon (beacons per minute). */
export const DEFAULT_RATES: Readonly<Record<AttackScenario, number>> = {
  syn_flood: 400,
  udp_flood: 300,
  port_scan: 80,
  ssh_bruteforce: 0.8,
  ftp_bruteforce: 0.5,
  dns_tunnel: 4,
  exfiltration: 200_000, // bytes per second (the simulated TCP carries about 290 kB/s to the outside)
  c2_beacon: 1,
};

const SPOOF_RANGES = ["192.0.2", "198.51.100", "203.0.113"];
/** Ports the victim servers listen on (answer a SYN with SYN-ACK); others answer RST. */
const OPEN_PORTS = new Set([21, 22, 25, 53, 80, 443, 465, 993]);
/**
 * The C2 server's name: ordinary-looking, under a reserved domain (RFC 2606), beside the benign
 * pollers' telemetry.example.net and presence.chat.example.org.
 */
export const C2_HOST_NAME = "edge-api.example.net";
/** TTL of the C2 name's A record, seconds (short, as fast-moving infrastructure uses). */
const C2_TTL_SECONDS = 300;
/**
 * Each exfiltration upload is drawn from the benign upload sizes' upper half (median 8 MB, up to
 * UPLOAD_BYTES.max): one such upload is ordinary, the total and the uploader are not.
 */
const EXFIL_PIECE_MEDIAN_BYTES = 8_000_000;
/** The tunnelling domain: .example is reserved for documentation (RFC 2606). */
const TUNNEL_DOMAIN = "t.cdn-sync.example";
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
/** The victim's SYN backlog (Linux's default net.ipv4.tcp_max_syn_backlog on small hosts, without SYN cookies). */
const SYN_BACKLOG = 256;
/** How long a half-open connection holds a backlog slot: five SYN-ACK retransmissions, 1+2+4+8+16+32 s. */
const SYN_RECEIVED_SECONDS = 63;
/** First port of the dynamic range (RFC 6335). */
const DYNAMIC_PORTS = 49_152;
/** The one dynamic port Wireshark decodes by default (Elasticsearch discovery): skipped. */
const ELASTICSEARCH_UDP_PORT = 54_328;
/**
 * A port of the dynamic range (RFC 6335), where Wireshark's dissectors do not mistake flood
 * junk for a protocol.
 */
function dynamicPort(ctx: SimContext): number {
  const port = DYNAMIC_PORTS + randomInt(ctx.rng, 65_536 - DYNAMIC_PORTS);
  return port === ELASTICSEARCH_UDP_PORT ? port + 1 : port;
}

/**
 * Expands an attack into its window and session starts.
 * @param t0 capture start, seconds since the epoch.
 */
export function planAttack(
  spec: AttackSpec,
  net: Network,
  t0: number,
  rngInt: (n: number) => number,
): {
  window: AttackWindow;
  starts: SessionStart[];
} {
  const start = t0 + spec.startSeconds;
  const end = start + spec.durationSeconds;
  const rate = spec.rate ?? DEFAULT_RATES[spec.scenario];
  const ws = net.workstations;
  const insider = (fallback: number): Host => net.host(spec.attacker ?? ws[fallback % ws.length].address);
  const outsider = (fallback: string): Host => net.host(spec.attacker ?? fallback);
  const target = (fallback: Host): Host => net.host(spec.victim ?? fallback.address);
  const starts: SessionStart[] = [];
  const every = (interval: number, play: (t: number) => (ctx: SimContext) => void): void => {
    for (let t = start; t < end; t += interval) starts.push({ t, play: play(t) });
  };
  let attackerName: string;
  let victim: Host;
  let description: string;
  switch (spec.scenario) {
    case "syn_flood": {
      victim = target(net.servers.web);
      attackerName = "spoofed";
      description = `SYN flood on ${victim.address}:80 from spoofed sources in the documentation ranges, ${rate} SYN/s`;
      // Half-open connections the victim holds (expiry times): once its SYN backlog is full it stops
      // answering, so most flood connections see no SYN-ACK at all (S0, as KDD's neptune).
      const backlog: number[] = [];
      every(1 / rate, (t) => (ctx) => {
        while (backlog.length > 0 && backlog[0] <= t) backlog.shift();
        const answered = backlog.length < SYN_BACKLOG;
        if (answered) backlog.push(t + SYN_RECEIVED_SECONDS);
        const address = `${pick(ctx.rng, SPOOF_RANGES)}.${1 + randomInt(ctx.rng, 254)}`;
        const ip = ipv4Bytes(address);
        const spoofed: Host = {
          name: "spoofed",
          address,
          ip,
          mac: net.gateway.mac,
          inside: false,
          rtt: 0.05,
        };
        const c = new TcpConversation(
          ctx,
          spoofed,
          victim,
          1024 + randomInt(ctx.rng, 64_000),
          80,
          t,
          "syn_flood",
        );
        c.synOnly(); // the spoofed source never completes the handshake
        if (answered) c.synAck();
      });
      break;
    }
    case "udp_flood": {
      victim = target(net.servers.dns);
      const attacker = outsider("203.0.113.66");
      attackerName = attacker.address;
      description = `UDP flood on ${victim.address}, random ports, ${rate} datagrams/s`;
      every(1 / rate, (t) => (ctx) => {
        const port = dynamicPort(ctx);
        const datagram = udpFrame(
          attacker,
          victim,
          dynamicPort(ctx),
          port,
          new Uint8Array(512 + randomInt(ctx.rng, 900)),
          { ipId: ctx.ipId(attacker) },
        ); // zero-filled, like hping3's default
        ctx.sink.label({
          scenario: "udp_flood",
          protocol: "udp",
          src: attacker.address,
          srcPort: (datagram[34] << 8) | datagram[35],
          dst: victim.address,
          dstPort: port,
          start: t,
        });
        ctx.sink.emit(t, datagram);
        // Closed ports answer ICMP port unreachable, rate-limited by the kernel (about 1 in 10 here).
        if (ctx.rng() < 0.1) {
          const quoted = ipPacketOf(datagram).subarray(0, 28);
          ctx.sink.emit(t + 0.0001, icmpFrame(victim, attacker, 3, 3, 0, quoted, { ipId: ctx.ipId(victim) }));
        }
      });
      break;
    }
    case "port_scan": {
      victim = target(net.servers.web);
      const attacker = outsider("198.51.100.23");
      attackerName = attacker.address;
      description = `TCP SYN scan of ports 1-1024 on ${victim.address}, ${rate} probes/s, repeated`;
      const ports = Array.from({ length: 1024 }, (_, i) => i + 1);
      for (let i = ports.length - 1; i > 0; i--) {
        const j = rngInt(i + 1);
        [ports[i], ports[j]] = [ports[j], ports[i]];
      }
      let k = 0;
      const sourcePort = 40_000 + rngInt(20_000);
      every(1 / rate, (t) => {
        const port = ports[k++ % ports.length];
        return (ctx) => {
          const c = new TcpConversation(ctx, attacker, victim, sourcePort, port, t, "port_scan").synOnly();
          if (OPEN_PORTS.has(port))
            c.synAck().reset("client"); // nmap -sS tears down with RST
          else c.refuse();
        };
      });
      break;
    }
    case "ssh_bruteforce": {
      victim = target(net.servers.ssh);
      const attacker = outsider("203.0.113.99");
      attackerName = attacker.address;
      description = `SSH password guessing on ${victim.address}:22, ${rate} attempts/s`;
      every(1 / rate, (t) => (ctx) => {
        const c = sshHandshake(ctx, attacker, victim, t + ctx.rng() * 0.2, "ssh_bruteforce")
          .send("client", ctx.opaque(52))
          .send("server", ctx.opaque(52));
        for (let attempt = 0; attempt < 3; attempt++) {
          c.send("client", ctx.opaque(84), 0.05).send("server", ctx.opaque(36), PAM_FAIL_DELAY_SECONDS); // password; failure after PAM's delay
        }
        c.close("server");
      });
      break;
    }
    case "ftp_bruteforce": {
      victim = target(net.servers.ftp);
      const attacker = outsider("198.51.100.45");
      attackerName = attacker.address;
      description = `FTP password guessing on ${victim.address}:21, ${rate} connections/s, three guesses each`;
      const users = ["admin", "root", "ftp", "test", "backup"];
      every(1 / rate, (t) => (ctx) => {
        const c = new TcpConversation(
          ctx,
          attacker,
          victim,
          ctx.ephemeralPort(attacker),
          21,
          t,
          "ftp_bruteforce",
        )
          .handshake()
          .send("server", ascii("220 (vsFTPd 3.0.3)\r\n"), 0.001);
        for (let attempt = 0; attempt < 3; attempt++) {
          c.send("client", ascii(`USER ${pick(ctx.rng, users)}\r\n`), 0.05)
            .send("server", ascii("331 Please specify the password.\r\n"))
            .send("client", ascii(`PASS ${ctx.opaque(4).join("")}\r\n`), 0.05)
            .send("server", ascii("530 Login incorrect.\r\n"), 1);
        }
        c.close("server");
      });
      break;
    }
    case "dns_tunnel": {
      victim = target(net.servers.dns);
      const attacker = insider(7);
      attackerName = attacker.address;
      description = `DNS tunnelling from ${attacker.address}: ${rate} TXT queries/s with long high-entropy labels under ${TUNNEL_DOMAIN}`;
      let sequence = 0;
      every(1 / rate, (t) => {
        const n = sequence++;
        return (ctx) => {
          const chunk = Array.from({ length: 2 }, () =>
            Array.from({ length: 60 }, () => BASE32[randomInt(ctx.rng, 32)]).join(""),
          );
          const name = `${chunk.join(".")}.${n.toString(36)}.${TUNNEL_DOMAIN}`;
          const id = randomInt(ctx.rng, 65_536);
          const reply = Buffer.from(ctx.opaque(150)).toString("base64");
          udpExchange(
            ctx,
            attacker,
            victim,
            ctx.ephemeralPort(attacker),
            53,
            t,
            dnsMessage(id, name, DNS_TYPE.TXT),
            dnsMessage(id, name, DNS_TYPE.TXT, [reply]),
            0.03,
            "dns_tunnel",
          );
        };
      });
      break;
    }
    case "exfiltration": {
      const attacker = insider(11);
      attackerName = attacker.address;
      // Default: the least popular of the cloud-storage hosts the office uses for benign uploads.
      const cloud: NamedHost = net.cloud[net.cloud.length - 1];
      victim = spec.victim ? net.host(spec.victim) : cloud;
      const hostName = "hostName" in victim ? (victim as NamedHost).hostName : cloud.hostName;
      const destination: NamedHost = { ...victim, hostName, ttl: cloud.ttl };
      const bytes = Math.round(rate * spec.durationSeconds);
      description =
        `HTTPS uploads of ${(bytes / 1e6).toFixed(0)} MB in all from ${attacker.address} to the cloud-storage host ` +
        `${hostName} (${victim.address}:443), each upload of benign size`;
      // Uploads of benign sizes one after another, spread over the window, until `bytes` are out.
      const pieces: number[] = [];
      for (let left = bytes; left > 0;) {
        const draw = Math.round(
          Math.exp(Math.log(EXFIL_PIECE_MEDIAN_BYTES) + 0.5 * (rngInt(2001) / 1000 - 1)),
        );
        const piece = Math.min(left, Math.max(UPLOAD_BYTES.min, Math.min(UPLOAD_BYTES.max, draw)));
        pieces.push(piece);
        left -= piece;
      }
      const gap = spec.durationSeconds / pieces.length;
      pieces.forEach((piece, k) => {
        const at = start + k * gap + (rngInt(1000) / 1000) * gap * 0.2;
        starts.push({
          t: at,
          play: (ctx) => void cloudUpload(ctx, net, attacker, at, destination, piece, "exfiltration"),
        });
      });
      break;
    }
    case "c2_beacon": {
      const attacker = insider(15);
      attackerName = attacker.address;
      const server = outsider("198.51.100.77");
      victim = server;
      const c2: NamedHost = { ...server, hostName: C2_HOST_NAME, ttl: C2_TTL_SECONDS };
      const interval = 60 / rate;
      description =
        `C2 beaconing from ${attacker.address} over HTTPS to ${C2_HOST_NAME} (${victim.address}:443) ` +
        `every ${interval.toFixed(0)} s with 10% jitter, sized like the benign pollers`;
      for (let t = start; t < end; t += interval * (0.9 + (rngInt(2001) / 2000) * 0.2)) {
        const at = t;
        starts.push({
          t: at,
          play: (ctx) => {
            const ready = resolve(ctx, net, attacker, c2, at, "c2_beacon");
            // A check-in like a telemetry poll; now and then a task comes back and its output goes up.
            const tasked = ctx.rng() < 0.05;
            tlsConnection(
              ctx,
              attacker,
              c2,
              C2_HOST_NAME,
              ready + 0.001,
              [
                {
                  up: Math.round(logNormal(ctx.rng, 600, 0.2)),
                  down: Math.round(logNormal(ctx.rng, tasked ? 4_000 : 300, 0.3)),
                },
                ...(tasked ? [{ up: Math.round(logNormal(ctx.rng, 20_000, 1)), down: 200, think: 2 }] : []),
              ],
              { label: "c2_beacon", idleSeconds: 0.05 + ctx.rng() * 0.5 },
            );
          },
        });
      }
      break;
    }
    default: {
      const never: never = spec.scenario;
      throw new RangeError(
        `unknown attack scenario "${String(never)}"; known: ${ATTACK_SCENARIOS.join(", ")}`,
      );
    }
  }
  return {
    window: {
      scenario: spec.scenario,
      attacker: attackerName,
      victim: victim.address,
      start,
      end,
      description,
    },
    starts,
  };
}

/**
 * Every scenario once in a capture of `durationSeconds` (the default mixed capture): C2 beaconing
 * through the middle half, the other attacks one after another in equal slots, none overlapping.
 * @throws RangeError when the capture is too short to hold them (under 40 minutes).
 */
export function everyAttack(durationSeconds: number): AttackSpec[] {
  const lengths: Record<Exclude<AttackScenario, "c2_beacon">, number> = {
    syn_flood: 60,
    udp_flood: 60,
    port_scan: 120,
    ssh_bruteforce: 300,
    ftp_bruteforce: 300,
    dns_tunnel: 300,
    exfiltration: 120,
  };
  const others = Object.keys(lengths) as (keyof typeof lengths)[];
  const slot = durationSeconds / others.length;
  if (slot < 300)
    throw new RangeError(
      `everyAttack: ${durationSeconds} s is too short; use at least ${300 * others.length} s.`,
    );
  const specs: AttackSpec[] = others.map((scenario, i) => ({
    scenario,
    startSeconds: Math.round(slot * i + (slot - lengths[scenario]) / 2),
    durationSeconds: lengths[scenario],
  }));
  specs.push({
    scenario: "c2_beacon",
    startSeconds: Math.round(durationSeconds / 4),
    durationSeconds: Math.round(durationSeconds / 2),
  });
  return specs;
}
