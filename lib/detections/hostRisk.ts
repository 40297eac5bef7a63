/**
 * Host risk: evidence from every detector accumulates per host (and role) into a risk score that
 * decays exponentially with event time (half-life `halfLifeSeconds`). An incident opens when a
 * host's risk reaches `openAt` and stays one incident while the risk stays above `closeBelow`, so
 * a beacon that fires every few minutes, a scan over several epochs, or a model that alerts on
 * many of one host's connections each make one incident. Incidents are ranked by their peak risk.
 *
 * Collateral: while a victim incident is open (a flood), the connection model's alerts that
 * involve the victim, or that were driven by the traffic-window features the flood distorts
 * (evidence with `facts.window = 1`), belong to the flood: they are counted in its incident
 * (`collateral`) instead of raising the risk of the bystanders that sent them.
 *
 * Bounded: at most `maxHosts` hosts tracked (the least recently updated host with no open
 * incident goes first) and `maxClosed` closed incidents kept for the ranking (the lowest risk goes).
 */
import { OptionError } from "../core/errors";
import type { Evidence, HostIncident, HostRole } from "./evidence";

/** Options of `HostRisk` (every one defaulted). */
export interface HostRiskOptions {
  /** Risk halves every this many seconds of event time. Default 900 (15 minutes). */
  readonly halfLifeSeconds?: number;
  /** Risk at which an incident opens. Default 10: one protocol detection (20 or more), or several model alerts. */
  readonly openAt?: number;
  /** An open incident closes when the risk decays below this. Default 2. */
  readonly closeBelow?: number;
  /** Evidence items kept per incident. Default 10. */
  readonly sampleSize?: number;
  /** Hosts tracked at most. Default 100,000. */
  readonly maxHosts?: number;
  /** Closed incidents kept for the ranking. Default 10,000. */
  readonly maxClosed?: number;
}

/** Receives an incident when it opens, when its risk grows by half since last told, and when it closes. */
export type HostIncidentSink = (incident: HostIncident, event: "open" | "update" | "close") => void;

interface Incident {
  id: string;
  host: string;
  role: HostRole;
  risk: number;
  firstSeen: number;
  lastSeen: number;
  openedAt: number;
  notes: string[];
  evidence: number;
  collateral: number;
  samples: Evidence[];
  peers: Set<string>;
  reported: number;
}

interface HostState {
  risk: number;
  at: number;
  incident?: Incident;
  /** Evidence before the incident opened (the first ones, kept so the incident shows how it started), and their count. */
  pending: Evidence[];
  pendingCount: number;
}

/** Peers counted per incident (beyond, the count is a floor). */
const MAX_PEERS = 256;

export class HostRisk {
  readonly options: Required<HostRiskOptions>;
  private readonly hosts = new Map<string, HostState>();
  private readonly closed: HostIncident[] = [];
  private counter = 0;
  /** Open victim incidents (floods), by host key: what collateral evidence folds into. */
  private readonly victims = new Map<string, Incident>();
  private lastAdvance = Number.NEGATIVE_INFINITY;
  readonly stats = { evidence: 0, collateral: 0, opened: 0, closed: 0, evictedHosts: 0, droppedIncidents: 0 };

  constructor(
    private readonly sink: HostIncidentSink = () => {},
    options: HostRiskOptions = {},
  ) {
    this.options = {
      halfLifeSeconds: options.halfLifeSeconds ?? 900,
      openAt: options.openAt ?? 10,
      closeBelow: options.closeBelow ?? 2,
      sampleSize: options.sampleSize ?? 10,
      maxHosts: options.maxHosts ?? 100_000,
      maxClosed: options.maxClosed ?? 10_000,
    };
    const o = this.options;
    if (!(o.halfLifeSeconds > 0))
      throw new OptionError(`HostRisk: halfLifeSeconds must be > 0, got ${o.halfLifeSeconds}.`);
    if (!(o.openAt > o.closeBelow && o.closeBelow > 0)) {
      throw new OptionError(`HostRisk: need openAt > closeBelow > 0, got ${o.openAt} and ${o.closeBelow}.`);
    }
  }

  private decay(s: HostState, time: number): void {
    if (time > s.at) {
      s.risk *= Math.pow(0.5, (time - s.at) / this.options.halfLifeSeconds);
      s.at = time;
    }
  }

  /** An open victim incident this evidence is collateral of, if any. */
  private collateralOf(e: Evidence): Incident | undefined {
    if (e.detector !== "connection") return undefined;
    for (const inc of this.victims.values()) {
      if (e.peer === inc.host || e.host === inc.host || e.facts?.window === 1) return inc;
    }
    return undefined;
  }

  /** Adds one piece of evidence (in roughly time order). */
  add(e: Evidence): void {
    this.stats.evidence++;
    const victimIncident = this.victims.size > 0 ? this.collateralOf(e) : undefined;
    if (victimIncident) {
      victimIncident.collateral++;
      this.stats.collateral++;
      return;
    }
    const key = `${e.host}|${e.role}`;
    let s = this.hosts.get(key);
    if (!s) {
      if (this.hosts.size >= this.options.maxHosts) this.evictOne();
      s = { risk: 0, at: e.time, pending: [], pendingCount: 0 };
    } else this.hosts.delete(key);
    this.hosts.set(key, s); // most recently updated last
    this.decay(s, e.time);
    s.risk += e.points;
    let inc = s.incident;
    if (!inc) {
      if (s.pending.length < this.options.sampleSize) s.pending.push(e);
      s.pendingCount++;
      if (s.risk < this.options.openAt) return;
      inc = {
        id: `hostinc-${e.host}-${e.role}-${++this.counter}`,
        host: e.host,
        role: e.role,
        risk: s.risk,
        firstSeen: Math.min(...s.pending.map((p) => p.firstSeen)),
        lastSeen: e.time,
        openedAt: e.time,
        notes: [],
        evidence: 0,
        collateral: 0,
        samples: [],
        peers: new Set(),
        reported: s.risk,
      };
      for (const p of s.pending) this.fold(inc, p);
      inc.evidence = s.pendingCount;
      inc.lastSeen = e.time;
      s.pending = [];
      s.pendingCount = 0;
      s.incident = inc;
      this.stats.opened++;
      if (inc.role === "victim") this.victims.set(key, inc);
      this.sink(this.snapshot(inc), "open");
      return;
    }
    this.fold(inc, e);
    inc.risk = Math.max(inc.risk, s.risk);
    if (inc.risk >= 1.5 * inc.reported) {
      inc.reported = inc.risk;
      this.sink(this.snapshot(inc), "update");
    }
  }

  private fold(inc: Incident, e: Evidence): void {
    inc.evidence++;
    inc.lastSeen = Math.max(inc.lastSeen, e.time);
    inc.firstSeen = Math.min(inc.firstSeen, e.firstSeen);
    if (!inc.notes.includes(e.note)) inc.notes.push(e.note);
    if (inc.samples.length < this.options.sampleSize) inc.samples.push(e);
    if (e.peer !== undefined && inc.peers.size < MAX_PEERS) inc.peers.add(e.peer);
  }

  private snapshot(inc: Incident): HostIncident {
    return {
      id: inc.id,
      host: inc.host,
      role: inc.role,
      risk: Math.round(inc.risk * 100) / 100,
      firstSeen: inc.firstSeen,
      lastSeen: inc.lastSeen,
      openedAt: inc.openedAt,
      notes: [...inc.notes],
      evidence: inc.evidence,
      collateral: inc.collateral,
      samples: [...inc.samples],
      peers: inc.peers.size,
    };
  }

  private evictOne(): void {
    for (const [key, s] of this.hosts) {
      if (s.incident) continue;
      this.hosts.delete(key);
      this.stats.evictedHosts++;
      return;
    }
    // every tracked host has an open incident: close the oldest
    const [key, s] = this.hosts.entries().next().value as [string, HostState];
    this.close(key, s);
  }

  private close(key: string, s: HostState): void {
    const inc = s.incident;
    this.hosts.delete(key);
    if (!inc) return;
    this.victims.delete(key);
    this.stats.closed++;
    const final = this.snapshot(inc);
    this.closed.push(final);
    if (this.closed.length > this.options.maxClosed) {
      this.closed.sort((a, b) => b.risk - a.risk);
      this.closed.length = this.options.maxClosed;
      this.stats.droppedIncidents++;
    }
    this.sink(final, "close");
  }

  /** Decays every host to `time`, closing incidents whose risk fell below `closeBelow`. */
  advance(time: number): void {
    if (time - this.lastAdvance < 1) return; // once per second of event time
    this.lastAdvance = time;
    for (const [key, s] of [...this.hosts]) {
      this.decay(s, time);
      if (s.incident && s.risk < this.options.closeBelow) this.close(key, s);
      else if (!s.incident && s.risk < 0.01) this.hosts.delete(key);
    }
  }

  /** Closes every open incident (end of input). */
  flush(): void {
    for (const [key, s] of [...this.hosts]) if (s.incident) this.close(key, s);
    this.victims.clear();
    this.hosts.clear();
  }

  /** Every incident so far (closed and open), ranked: highest peak risk first, then earliest. */
  ranked(): HostIncident[] {
    const open = [...this.hosts.values()].flatMap((s) => (s.incident ? [this.snapshot(s.incident)] : []));
    return [...this.closed, ...open].sort((a, b) => b.risk - a.risk || a.firstSeen - b.firstSeen);
  }
}
