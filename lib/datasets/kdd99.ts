/**
 * The KDD Cup 1999 / NSL-KDD schema: the 41 connection features, their kinds, the label,
 * NSL-KDD's difficulty column, and the attack -> category map. One place for all of it.
 *
 * Sources: the `kddcup.names` file of the UCI KDD archive (feature names and kinds), Stolfo et al.
 * "Cost-based modeling for fraud and intrusion detection" (2000) for the feature groups, and the
 * DARPA 1998/1999 attack taxonomy (Kendall 1999; Lippmann et al. 2000) for the categories.
 */
import { SchemaError } from "../core/errors";

/**
 * How a feature is stored and preprocessed.
 * - `symbolic`: a string (protocol, service, flag), dictionary-encoded, one-hot encoded later.
 * - `binary`: 0/1; listed as "symbolic" in `kddcup.names` but already numeric, so never one-hot.
 * - `continuous`: a count, a byte total, a duration or a rate.
 */
export type FeatureKind = "symbolic" | "binary" | "continuous";

/** The feature groups of Stolfo et al.: what part of the connection a feature describes. */
export type FeatureGroup = "basic" | "content" | "time-traffic" | "host-traffic";

/** One of the 41 KDD features. */
export interface KddFeature {
  readonly name: string;
  readonly kind: FeatureKind;
  readonly group: FeatureGroup;
  /** Heavy-tailed counts, bytes and durations, for which log1p is the default transform. */
  readonly heavyTailed: boolean;
  readonly description: string;
}

const f = (
  name: string,
  kind: FeatureKind,
  group: FeatureGroup,
  heavyTailed: boolean,
  description: string,
): KddFeature => Object.freeze({ name, kind, group, heavyTailed, description });

/** The 41 features, in file order. */
export const KDD_FEATURES: readonly KddFeature[] = Object.freeze([
  f("duration", "continuous", "basic", true, "length of the connection (seconds)"),
  f("protocol_type", "symbolic", "basic", false, "transport protocol (tcp, udp, icmp)"),
  f("service", "symbolic", "basic", false, "network service on the destination (http, telnet, ...)"),
  f("flag", "symbolic", "basic", false, "normal or error status of the connection (SF, S0, REJ, ...)"),
  f("src_bytes", "continuous", "basic", true, "data bytes from source to destination"),
  f("dst_bytes", "continuous", "basic", true, "data bytes from destination to source"),
  f("land", "binary", "basic", false, "1 if source and destination address and port are equal"),
  f("wrong_fragment", "continuous", "basic", true, "number of wrong fragments"),
  f("urgent", "continuous", "basic", true, "number of urgent packets"),
  f("hot", "continuous", "content", true, "number of 'hot' indicators"),
  f("num_failed_logins", "continuous", "content", true, "number of failed login attempts"),
  f("logged_in", "binary", "content", false, "1 if successfully logged in"),
  f("num_compromised", "continuous", "content", true, "number of 'compromised' conditions"),
  f("root_shell", "continuous", "content", false, "1 if a root shell is obtained"),
  f("su_attempted", "continuous", "content", false, "1 if 'su root' was attempted (2 appears in the data)"),
  f("num_root", "continuous", "content", true, "number of 'root' accesses"),
  f("num_file_creations", "continuous", "content", true, "number of file creation operations"),
  f("num_shells", "continuous", "content", true, "number of shell prompts"),
  f("num_access_files", "continuous", "content", true, "number of operations on access control files"),
  f("num_outbound_cmds", "continuous", "content", true, "number of outbound commands in an ftp session"),
  f("is_host_login", "binary", "content", false, "1 if the login belongs to the 'hot' list"),
  f("is_guest_login", "binary", "content", false, "1 if the login is a 'guest' login"),
  f("count", "continuous", "time-traffic", true, "connections to the same host in the past two seconds"),
  f(
    "srv_count",
    "continuous",
    "time-traffic",
    true,
    "connections to the same service in the past two seconds",
  ),
  f("serror_rate", "continuous", "time-traffic", false, "% of same-host connections with SYN errors"),
  f("srv_serror_rate", "continuous", "time-traffic", false, "% of same-service connections with SYN errors"),
  f("rerror_rate", "continuous", "time-traffic", false, "% of same-host connections with REJ errors"),
  f("srv_rerror_rate", "continuous", "time-traffic", false, "% of same-service connections with REJ errors"),
  f("same_srv_rate", "continuous", "time-traffic", false, "% of same-host connections to the same service"),
  f("diff_srv_rate", "continuous", "time-traffic", false, "% of same-host connections to different services"),
  f(
    "srv_diff_host_rate",
    "continuous",
    "time-traffic",
    false,
    "% of same-service connections to different hosts",
  ),
  f("dst_host_count", "continuous", "host-traffic", true, "connections to the same host (last 100)"),
  f("dst_host_srv_count", "continuous", "host-traffic", true, "connections to the same service (last 100)"),
  f("dst_host_same_srv_rate", "continuous", "host-traffic", false, "% same service among dst_host_count"),
  f(
    "dst_host_diff_srv_rate",
    "continuous",
    "host-traffic",
    false,
    "% different services among dst_host_count",
  ),
  f("dst_host_same_src_port_rate", "continuous", "host-traffic", false, "% same source port"),
  f("dst_host_srv_diff_host_rate", "continuous", "host-traffic", false, "% different hosts, same service"),
  f("dst_host_serror_rate", "continuous", "host-traffic", false, "% SYN errors to the same host"),
  f("dst_host_srv_serror_rate", "continuous", "host-traffic", false, "% SYN errors to the same service"),
  f("dst_host_rerror_rate", "continuous", "host-traffic", false, "% REJ errors to the same host"),
  f("dst_host_srv_rerror_rate", "continuous", "host-traffic", false, "% REJ errors to the same service"),
]);

/** Name of the label column (attack type, or `normal`), stored without KDD99's trailing dot. */
export const LABEL_COLUMN = "label";
/** Name of NSL-KDD's difficulty column: how many of 21 learners classified the record correctly. */
export const DIFFICULTY_COLUMN = "difficulty";
/** The label of normal traffic. */
export const NORMAL_LABEL = "normal";

/**
 * The attack families of the DARPA taxonomy, plus `normal`. KDD Cup 99 uses the first four; the
 * DARPA 1999 evaluation added **Data** (a user moving secret data out; Lippmann et al. 2000), which
 * our simulated DNS tunnelling, bulk exfiltration and C2 beaconing belong to.
 */
export type AttackCategory = "normal" | "DoS" | "Probe" | "R2L" | "U2R" | "Data";
/** Categories in a fixed order, so codes (index into this list) mean the same everywhere. */
export const ATTACK_CATEGORIES: readonly AttackCategory[] = Object.freeze([
  "normal",
  "DoS",
  "Probe",
  "R2L",
  "U2R",
  "Data",
]);

/**
 * Every attack type in the KDD99 and NSL-KDD training and test files, mapped to its category.
 * The 22 training attacks come from `training_attack_types` of the UCI archive; the 17 that
 * appear only in `corrected` and `KDDTest+` follow the DARPA 1999 taxonomy as used by NSL-KDD
 * work (httptunnel is a U2R attack there: a user tunnels a shell out through HTTP).
 */
export const ATTACK_CATEGORY: Readonly<Record<string, AttackCategory>> = Object.freeze({
  normal: "normal",
  // DoS: denial of service
  back: "DoS",
  land: "DoS",
  neptune: "DoS",
  pod: "DoS",
  smurf: "DoS",
  teardrop: "DoS",
  apache2: "DoS",
  mailbomb: "DoS",
  processtable: "DoS",
  udpstorm: "DoS",
  // Probe: surveillance and scanning
  ipsweep: "Probe",
  nmap: "Probe",
  portsweep: "Probe",
  satan: "Probe",
  mscan: "Probe",
  saint: "Probe",
  // R2L: remote to local, unauthorised access from a remote machine
  ftp_write: "R2L",
  guess_passwd: "R2L",
  imap: "R2L",
  multihop: "R2L",
  phf: "R2L",
  spy: "R2L",
  warezclient: "R2L",
  warezmaster: "R2L",
  named: "R2L",
  sendmail: "R2L",
  snmpgetattack: "R2L",
  snmpguess: "R2L",
  worm: "R2L",
  xlock: "R2L",
  xsnoop: "R2L",
  // U2R: user to root, privilege escalation
  buffer_overflow: "U2R",
  loadmodule: "U2R",
  perl: "U2R",
  rootkit: "U2R",
  httptunnel: "U2R",
  ps: "U2R",
  sqlattack: "U2R",
  xterm: "U2R",
  // The simulator's scenarios (lib/simulate/attacks.ts): floods are DoS, the SYN scan is a
  // Probe, password guessing is R2L (as KDD's guess_passwd), and traffic that moves data or
  // control out of the network is Data.
  syn_flood: "DoS",
  udp_flood: "DoS",
  port_scan: "Probe",
  ssh_bruteforce: "R2L",
  ftp_bruteforce: "R2L",
  dns_tunnel: "Data",
  exfiltration: "Data",
  c2_beacon: "Data",
});

/** Strips KDD99's trailing dot: `smurf.` -> `smurf`. */
export function normaliseLabel(label: string): string {
  return label.endsWith(".") ? label.slice(0, -1) : label;
}

/**
 * The category of an attack label (with or without the trailing dot).
 * @throws SchemaError naming the label when it is not in the map: never a silent "unknown".
 * @example attackCategory("smurf.") // "DoS"
 */
export function attackCategory(label: string): AttackCategory {
  const name = normaliseLabel(label);
  const category = ATTACK_CATEGORY[name];
  if (category === undefined) {
    throw new SchemaError(
      `attackCategory: unknown attack label "${name}". Add it with its category to ATTACK_CATEGORY in lib/datasets/kdd99.ts.`,
    );
  }
  return category;
}

/** The file layouts the loader knows. */
export type KddFormat = "kdd99" | "nsl-kdd";

/** Fields per line: 41 features + label, plus the difficulty column for NSL-KDD. */
export const FIELDS_PER_LINE: Readonly<Record<KddFormat, number>> = Object.freeze({
  kdd99: 42,
  "nsl-kdd": 43,
});

/** The feature with this name. @throws SchemaError for a name outside the 41 features. */
export function kddFeature(name: string): KddFeature {
  const feature = KDD_FEATURES.find((x) => x.name === name);
  if (!feature) {
    throw new SchemaError(`kddFeature: "${name}" is not one of the 41 KDD features (see KDD_FEATURES).`);
  }
  return feature;
}
