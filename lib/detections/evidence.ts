/**
 * What detection produces, whatever raised it: a piece of **evidence** about one host (a scan from
 * it, a flood on it, a connection the model found odd), and the **host incidents** evidence
 * accumulates into, ranked by risk. The connection model, the volume watch and the protocol
 * detectors (`lib/detections/*.ts`, each a small file over `SumStats`) all speak this shape, and
 * evaluation (`lib/eval/hostEvaluation.ts`) reads it.
 */
import type { Severity } from "../events/event";

/** Who the host is in the evidence: the one acting (a scanner, a guesser) or the one hit (a flood's victim). */
export type HostRole = "attacker" | "victim";

/** One finding about one host, at one time. */
export interface Evidence {
  /** Zeek-style notice name, e.g. `Scan::Port_Scan`, `DNS::Tunnel`; `Model::Connection` for the connection model. */
  readonly note: string;
  /** What raised it: a detection's name (`scan`, `dnsTunnel`), `connection` (the model) or `volume` (the watch). */
  readonly detector: string;
  /** Event time the evidence was raised (seconds since the epoch). */
  readonly time: number;
  /** Earliest activity the evidence covers (its window's first record); `time` when it is one record. */
  readonly firstSeen: number;
  /** The host it is about: the attacker, or the victim for evidence with role `victim`. */
  readonly host: string;
  readonly role: HostRole;
  /** The other side when there is one (the victim of a scan, the registered domain of a DNS tunnel). */
  readonly peer?: string;
  readonly severity: Severity;
  /** Risk points it adds to its host (before decay); see `HostRisk`. */
  readonly points: number;
  /** One sentence for a person, with the measured values and the threshold crossed. */
  readonly message: string;
  /** The measured values behind it (counts, ratios, thresholds), for the analyst and for tests. */
  readonly facts?: Readonly<Record<string, number | string>>;
  /** A connection it concerns, when one (conn uid). */
  readonly uid?: string | number;
}

/**
 * One incident about one host: the evidence about it while its risk stays up, one incident
 * however many detectors, windows or connections it spans (a beacon is one incident, not one per
 * burst). Incidents are ranked by `risk` (the peak of the host's decayed risk while it was open).
 */
export interface HostIncident {
  readonly id: string;
  readonly host: string;
  readonly role: HostRole;
  /** Peak risk while open (the ranking key). */
  readonly risk: number;
  /** Earliest activity and latest evidence, seconds since the epoch. */
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** When the incident opened (its risk first passed the opening level). */
  readonly openedAt: number;
  /** Distinct notes in the order first seen, e.g. ["Scan::Port_Scan", "Model::Connection"]. */
  readonly notes: readonly string[];
  /** Evidence counted (all of it, including what was not kept as a sample). */
  readonly evidence: number;
  /** Model alerts on other hosts this incident caused (a flood's bystanders), counted here instead of opening their own. */
  readonly collateral: number;
  /** The first evidence items, in order (bounded). */
  readonly samples: readonly Evidence[];
  /** Distinct peers (victims of a scan, sources of a flood: at least this many). */
  readonly peers: number;
}
