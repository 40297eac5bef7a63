/**
 * The traffic simulator: a seeded, reproducible small enterprise network over a chosen period,
 * with daily and hourly rhythms, normal application traffic and injected attacks, written as a
 * standard libpcap file plus ground-truth labels (per connection and per time window).
 * docs/simulator.md says the same at length, with the rates and sources.
 *
 * What it models. An office of workstations (10.0.1.0/24) with an intranet web server, a DNS
 * resolver, a mail server, a file server, an SSH bastion and an NTP server, and named hosts outside
 * (RFC 5737 addresses, names under example.com/.net/.org). User-driven sessions are Poisson
 * processes thinned by the office's rhythm (`activity`), per user scaled by a busyness and an
 * upload habit: page visits over HTTPS (TLS 1.3, or 1.2 resumed, with SNI) to Zipf-popular sites
 * and shared third-party hosts, some plain HTTP and OCSP, web-application calls, cloud-storage
 * uploads (200 kB-60 MB), file downloads, mail (submission 465, IMAPS 993, relaying over SMTP in
 * and out with SPF/DKIM TXT lookups), FTP and SSH/SCP (with mistyped passwords; teleworkers and
 * partners from outside), antivirus hash lookups and ping. Periodic traffic runs by the clock:
 * NTP every 1024 s, telemetry every 15 min, update checks hourly (some download an update), and
 * while users are logged in chat presence every minute and cloud sync every 5 min. Connections to
 * named hosts follow a DNS lookup unless the host's cache holds an unexpired answer. TCP has
 * delayed ACKs and slow start (10 to 40 segments per round trip); bulk segments are captured cut
 * to 96 bytes with their true wire length. The attacks hide among their own kind: C2 beacons over
 * HTTPS to an ordinary name, sized like the pollers; exfiltration as cloud uploads of benign size;
 * brute force among normal logins; DNS tunnelling among TXT and long-label lookups.
 *
 * What it does not model. Loss, retransmission, congestion and TCP options beyond MSS; IPv6,
 * ARP, DHCP, Windows-domain protocols (SMB, Kerberos, LDAP, NetBIOS), printing, VoIP, QUIC, DNS
 * over HTTPS, AAAA and NXDOMAIN, the resolver's own queries; the many failed or unanswered flows
 * of real hosts (about a third in Guha et al., IMC 2008); long-lived connections (pollers and mail
 * clients reconnect each time); today's page weights (a page visit moves about 100 kB, the real
 * web more like megabytes); real content (payloads are random bytes); different operating
 * systems, laptops, time zones; mail password guessing and lateral movement.
 *
 * Rates. No published measurement gives per-workstation rates by service that could be copied,
 * so the rates (NORMAL_SESSIONS_PER_HOUR, pollersOf) are assumptions: a busy workstation opens a
 * few hundred connections an hour, mostly HTTPS and DNS. Shapes follow Pang et al., "A First Look
 * at Modern Enterprise Traffic", IMC 2005 (internal services besides the web); Crovella and
 * Bestavros, IEEE/ACM ToN 1997 (heavy-tailed sizes); Breslau et al., INFOCOM 1999 (Zipf-like
 * popularity); Jung et al., IEEE/ACM ToN 2002 (DNS caching under TTLs).
 */
import { OptionError } from "../core/errors";
import { writeOutputFile } from "../core/outputFile";
import { type Rng, seeded } from "../core/random";
import { wireLengthOf } from "../packets/frames";
import { PcapWriter } from "../packets/writer";
import { type AttackSpec, type AttackWindow, planAttack, type SessionStart } from "./attacks";
import { type ConnectionLabel, type PacketSink, SimContext } from "./conversation";
import { FrameHeap } from "./heap";
import {
  activity,
  buildNetwork,
  type Host,
  MAX_ACTIVITY,
  type Network,
  type NetworkOptions,
} from "./network";
import {
  apiCall,
  backgroundLookup,
  cloudUpload,
  ftpSession,
  imapCheck,
  inboundMail,
  mailSession,
  NORMAL_SESSIONS_PER_HOUR,
  NTP_POLL_SECONDS,
  ntpSync,
  pageVisit,
  pingSession,
  poll,
  type Poller,
  pollersOf,
  scpSession,
  sshSession,
} from "./sessions";

export interface SimulationOptions extends NetworkOptions {
  /** Seed of every random choice: the same seed gives the same capture, byte for byte. */
  seed: number;
  /** Capture start (UTC), ISO 8601. Default "2026-03-02T08:00:00Z" (a Monday morning). */
  start?: string;
  /** Capture length in seconds. Default 3600. */
  durationSeconds?: number;
  /**
   * Scales every user-driven session rate (1 = the rates of NORMAL_SESSIONS_PER_HOUR); pollers and
   * NTP keep their periods. Default 1.
   */
  intensity?: number;
  /** Attacks to inject; default none (a normal-only capture). */
  attacks?: readonly AttackSpec[];
}

/** What a simulation produced. */
export interface SimulationResult {
  readonly pcap: string;
  readonly labels: string;
  readonly packets: number;
  readonly bytes: number;
  readonly sessions: number;
  /** Capture start and end, seconds since the epoch. */
  readonly start: number;
  readonly end: number;
  readonly windows: readonly AttackWindow[];
  /** Labelled (attack) connections per scenario. */
  readonly attackConnections: Readonly<Record<string, number>>;
}

/** The labels file written beside the capture. */
export interface SimulationLabels {
  readonly format: "detective-simulation-labels";
  readonly version: 1;
  readonly options: SimulationOptions;
  readonly start: number;
  readonly end: number;
  readonly windows: readonly AttackWindow[];
  readonly connections: readonly ConnectionLabel[];
}

/** Bumped whenever the simulator's output changes for the same options (so stored captures are regenerated). */
export const SIMULATOR_VERSION = 4;

/**
 * Session starts of one kind for one host: a Poisson process with rate `perHour` at full activity,
 * thinned by the office's rhythm (Lewis and Shedler 1979).
 */
function poissonStarts(rng: Rng, t0: number, t1: number, perHour: number, out: (t: number) => void): void {
  if (perHour <= 0) return;
  const peak = (perHour * MAX_ACTIVITY) / 3600;
  for (let t = t0 - Math.log(1 - rng()) / peak; t < t1; t -= Math.log(1 - rng()) / peak) {
    if (rng() * MAX_ACTIVITY < activity(t)) out(t);
  }
}

/** Starts of a periodic activity in [from, to): a random phase, then `period` ± `jitter` × period. */
function periodicStarts(
  rng: Rng,
  from: number,
  to: number,
  period: number,
  jitter: number,
  out: (t: number) => void,
): void {
  for (let t = from + rng() * period; t < to; t += period * (1 + jitter * (2 * rng() - 1))) out(t);
}

/** Users log in between 07:30 and 09:30 and out between 17:00 and 19:00 (UTC) on weekdays. */
const LOGIN_HOURS: readonly [number, number] = [7.5, 9.5];
const LOGOUT_HOURS: readonly [number, number] = [17, 19];
/** Chance that a user works a while on a weekend day (logged in 1-3 hours from 10:00-14:00). */
const WEEKEND_LOGIN_SHARE = 0.1;

/** The intervals a workstation's user is logged in (their chat and sync clients run) within [t0, t1). */
function loginIntervals(rng: Rng, t0: number, t1: number): [number, number][] {
  const out: [number, number][] = [];
  for (let day = Math.floor(t0 / 86_400) * 86_400; day < t1; day += 86_400) {
    const weekday = new Date(day * 1000).getUTCDay();
    const u = [rng(), rng(), rng()];
    let from: number;
    let to: number;
    if (weekday === 0 || weekday === 6) {
      if (u[0] >= WEEKEND_LOGIN_SHARE) continue;
      from = day + (10 + 4 * u[1]) * 3600;
      to = from + (1 + 2 * u[2]) * 3600;
    } else {
      from = day + (LOGIN_HOURS[0] + (LOGIN_HOURS[1] - LOGIN_HOURS[0]) * u[1]) * 3600;
      to = day + (LOGOUT_HOURS[0] + (LOGOUT_HOURS[1] - LOGOUT_HOURS[0]) * u[2]) * 3600;
    }
    if (to > t0 && from < t1) out.push([Math.max(from, t0), Math.min(to, t1)]);
  }
  return out;
}

function normalStarts(net: Network, rng: Rng, t0: number, t1: number, intensity: number): SessionStart[] {
  const starts: SessionStart[] = [];
  const rates = NORMAL_SESSIONS_PER_HOUR;
  const at = (t: number, play: (ctx: SimContext) => void): void => {
    starts.push({ t, play });
  };
  const add = (host: Host, perHour: number, play: (ctx: SimContext, host: Host, t: number) => void): void =>
    poissonStarts(rng, t0, t1, perHour * intensity, (t) => at(t, (ctx) => play(ctx, host, t)));
  const periodic = (from: number, to: number, poller: Poller, host: Host): void =>
    periodicStarts(rng, from, to, poller.periodSeconds, poller.jitter, (t) =>
      at(t, (ctx) => poll(ctx, net, host, poller, t)),
    );
  const pollers = pollersOf(net);
  for (const host of net.workstations) {
    const profile = net.profile(host);
    const busy = profile.busyness;
    add(host, rates.pageVisits * busy, (ctx, h, t) => pageVisit(ctx, net, h, t));
    add(host, rates.apiCalls * busy, (ctx, h, t) => apiCall(ctx, net, h, t));
    add(host, rates.cloudUploads * profile.uploads, (ctx, h, t) => void cloudUpload(ctx, net, h, t));
    add(host, rates.mail * busy, (ctx, h, t) => mailSession(ctx, net, h, t));
    add(host, rates.imap * busy, (ctx, h, t) => imapCheck(ctx, net, h, t));
    add(host, rates.ftp, (ctx, h, t) => ftpSession(ctx, net, h, t));
    add(host, rates.ping, (ctx, h, t) => pingSession(ctx, net, h, t));
    add(host, rates.dns * busy, (ctx, h, t) => backgroundLookup(ctx, net, h, t));
    // Machine pollers and NTP run day and night; the user's clients while the user is logged in.
    for (const poller of pollers.machine) periodic(t0, t1, poller, host);
    periodicStarts(rng, t0, t1, NTP_POLL_SECONDS, 0.02, (t) =>
      at(t, (ctx) => ntpSync(ctx, host, net.servers.ntp, t, 3)),
    );
    for (const [from, to] of loginIntervals(rng, t0, t1)) {
      if (profile.chat) periodic(from, to, pollers.chat, host);
      if (profile.cloudSync) periodic(from, to, pollers.sync, host);
    }
  }
  for (const admin of net.admins) {
    add(admin, rates.ssh, (ctx, h, t) => sshSession(ctx, net, h, t));
    add(admin, rates.scp, (ctx, h, t) => scpSession(ctx, net, h, t));
  }
  // Teleworkers log in to the bastion from outside; partners drop files on the file server.
  const teleworkers = net.remote.slice(0, Math.ceil(net.remote.length / 2));
  for (const r of teleworkers) add(r, rates.remoteSsh, (ctx, h, t) => sshSession(ctx, net, h, t));
  for (const r of net.remote.slice(teleworkers.length))
    add(r, rates.remoteFtp, (ctx, h, t) => ftpSession(ctx, net, h, t));
  poissonStarts(rng, t0, t1, rates.inboundMail * net.workstations.length * intensity, (t) =>
    at(t, (ctx) => inboundMail(ctx, net, t)),
  );
  for (const upstream of net.timeServers) {
    periodicStarts(rng, t0, t1, NTP_POLL_SECONDS, 0.02, (t) =>
      at(t, (ctx) => ntpSync(ctx, net.servers.ntp, upstream, t, 2)),
    );
  }
  return starts;
}

/**
 * Simulates a capture and writes `pcapPath` and `labelsPath` (default: the pcap path with
 * `.labels.json`).
 * @throws OptionError for a bad start time, duration or attack window outside the capture.
 * @example
 * simulateTraffic({ seed: 1, durationSeconds: 600, attacks: [{ scenario: "port_scan", startSeconds: 120, durationSeconds: 60 }] }, "scan.pcap")
 */
export function simulateTraffic(
  options: SimulationOptions,
  pcapPath: string,
  labelsPath?: string,
): SimulationResult {
  const startText = options.start ?? "2026-03-02T08:00:00Z";
  const t0 = Date.parse(startText) / 1000;
  if (!Number.isFinite(t0))
    throw new OptionError(`simulateTraffic: start "${startText}" is not an ISO 8601 time.`);
  const duration = options.durationSeconds ?? 3600;
  if (!(duration > 0))
    throw new OptionError(`simulateTraffic: durationSeconds must be positive, got ${duration}.`);
  const t1 = t0 + duration;
  const rng = seeded(options.seed);
  const net = buildNetwork(options, rng);
  const starts = normalStarts(net, rng, t0, t1, options.intensity ?? 1);
  const windows: AttackWindow[] = [];
  for (const spec of options.attacks ?? []) {
    if (spec.startSeconds < 0 || spec.startSeconds + spec.durationSeconds > duration) {
      throw new OptionError(
        `simulateTraffic: attack ${spec.scenario} runs ${spec.startSeconds}-${spec.startSeconds + spec.durationSeconds} s, ` +
          `outside the ${duration} s capture.`,
      );
    }
    const plan = planAttack(spec, net, t0, (n) => Math.floor(rng() * n));
    windows.push(plan.window);
    starts.push(...plan.starts);
  }
  // Stable sort: equal start times keep their creation order, so runs repeat exactly.
  const order = starts.map((s, i) => i).sort((a, b) => starts[a].t - starts[b].t || a - b);

  const writer = new PcapWriter(pcapPath);
  const heap = new FrameHeap();
  const connections: ConnectionLabel[] = [];
  const attackConnections: Record<string, number> = {};
  const sink: PacketSink = {
    emit: (ts, frame) => {
      if (ts < t1) heap.push(ts, frame); // the capture stops at its end time
    },
    label: (label) => {
      connections.push(label);
      attackConnections[label.scenario] = (attackConnections[label.scenario] ?? 0) + 1;
    },
  };
  const ctx = new SimContext(sink, rng);
  const write = (ts: number, frame: Uint8Array): void => writer.write(ts, frame, wireLengthOf(frame));
  try {
    for (const i of order) {
      const s = starts[i];
      while (heap.peekTime() < s.t) heap.pop(write);
      s.play(ctx);
    }
    while (heap.size > 0) heap.pop(write);
  } finally {
    writer.close();
  }
  const labels: SimulationLabels = {
    format: "detective-simulation-labels",
    version: 1,
    options,
    start: t0,
    end: t1,
    windows,
    connections,
  };
  const labelsFile = labelsPath ?? pcapPath.replace(/\.pcap$/, "") + ".labels.json";
  writeOutputFile(labelsFile, `${JSON.stringify(labels)}\n`, { what: "labels file" });
  return {
    pcap: pcapPath,
    labels: labelsFile,
    packets: writer.packets,
    bytes: writer.bytes,
    sessions: starts.length,
    start: t0,
    end: t1,
    windows,
    attackConnections,
  };
}
