/**
 * What each protocol looks like in normal traffic and under each attack: a simulated capture's
 * protocol logs (the same `ProtocolLogs` as `detective logs`), every row labelled with the
 * scenario of its connection (the simulator's ground truth, as for connection records), and one
 * summary row per scenario and protocol: DNS query names and lengths, the HTTP status mix, TLS
 * server names and fingerprints, SSH sessions and logins, FTP replies, SMTP recipients.
 */
import { NORMAL_LABEL } from "../datasets/kdd99";
import { loadSimulated } from "../datasets/generated";
import { readCapture } from "../packets/capture";
import { createFtpParser } from "../protocols/ftp/ftpParser";
import { ZEEK_LOGGED_COMMANDS } from "../protocols/ftp/ftpLog";
import { ProtocolLogs, type ProtocolLogsOptions } from "../protocols/logs/protocolLogs";
import { defaultRegistry, type ParserRegistry } from "../protocols/registry";
import type { LogRow, LogValue } from "../protocols/logs/zeekLog";
import type { SimulationLabels } from "../simulate/simulate";
import { labelRecords, type LabelTarget } from "./groundTruth";

/** A capture's protocol logs with each row's scenario. */
export interface LabelledLogs {
  /** Rows per log path (`conn`, `dns`, `http`, `ssl`, `ssh`, `ftp`, `smtp`, `weird`). */
  readonly rows: Readonly<Record<string, readonly LogRow[]>>;
  /** Per log path, the scenario of each row (same order), `normal` when none. */
  readonly scenarios: Readonly<Record<string, readonly string[]>>;
  readonly packets: number;
}

function connTarget(r: LogRow): LabelTarget {
  const start = r.ts as number;
  return {
    protocol: r.proto as LabelTarget["protocol"],
    src: r["id.orig_h"] as string,
    srcPort: r["id.orig_p"] as number,
    dst: r["id.resp_h"] as string,
    dstPort: r["id.resp_p"] as number,
    start,
    end: start + ((r.duration as number | undefined) ?? 0),
  };
}

/**
 * FTP commands the profiles log besides Zeek's default `FTP::logged_commands` (file transfers and
 * data channels): the login commands, so accepted and refused logins show in ftp.log (as a site
 * would add them with `redef FTP::logged_commands += { "USER", "PASS", "ACCT" }`).
 */
export const PROFILE_FTP_COMMANDS: readonly string[] = [...ZEEK_LOGGED_COMMANDS, "USER", "PASS", "ACCT"];

/** The parsers the profiles use: Detective's, with FTP logging `PROFILE_FTP_COMMANDS`. */
export function profileRegistry(): ParserRegistry {
  return defaultRegistry({ ftp: createFtpParser({ loggedCommands: PROFILE_FTP_COMMANDS }) });
}

/**
 * The protocol logs of a capture, each row labelled through its connection (`uid`) from `labels`.
 * `options` default to `profileRegistry()`'s parsers.
 */
export async function labelledLogs(
  pcap: string,
  labels: SimulationLabels,
  options: ProtocolLogsOptions = { registry: profileRegistry() },
): Promise<LabelledLogs> {
  const rows: Record<string, LogRow[]> = {};
  const logs = new ProtocolLogs({ write: (schema, row) => (rows[schema.path] ??= []).push(row) }, options);
  const report = await readCapture(pcap, (p) => logs.add(p));
  logs.flush();
  const conn = rows.conn ?? [];
  const connScenario = labelRecords(conn.map(connTarget), labels);
  const byUid = new Map(conn.map((r, i) => [r.uid as string, connScenario[i]]));
  const scenarios: Record<string, string[]> = {};
  for (const [path, list] of Object.entries(rows)) {
    scenarios[path] =
      path === "conn" ? connScenario : list.map((r) => byUid.get(r.uid as string) ?? NORMAL_LABEL);
  }
  return { rows, scenarios, packets: report.packets };
}

/** A generated capture of the manifest (`sim-normal`, `sim-mixed`) as labelled protocol logs. */
export async function simulatedLogs(id: string): Promise<LabelledLogs> {
  const { pcap, labels } = loadSimulated(id);
  return labelledLogs(pcap, labels);
}

/** The rows of one log grouped by scenario, normal first, then in order of first appearance. */
export function rowsByScenario(logs: LabelledLogs, path: string): Map<string, LogRow[]> {
  const groups = new Map<string, LogRow[]>([[NORMAL_LABEL, []]]);
  const list = logs.rows[path] ?? [];
  const labels = logs.scenarios[path] ?? [];
  list.forEach((r, i) => {
    const s = labels[i] ?? NORMAL_LABEL;
    const g = groups.get(s) ?? [];
    g.push(r);
    groups.set(s, g);
  });
  if ((groups.get(NORMAL_LABEL) ?? []).length === 0) groups.delete(NORMAL_LABEL);
  return groups;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The most frequent value and its share, e.g. ["example.com", 0.4]. */
function top(values: readonly string[]): [string, number] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: [string, number] = ["", 0];
  for (const [v, n] of counts) if (n > best[1]) best = [v, n];
  return [best[0], values.length === 0 ? 0 : best[1] / values.length];
}

function distinct(values: readonly LogValue[]): number {
  return new Set(values.filter((v) => v !== undefined).map(String)).size;
}

function share(rows: readonly LogRow[], test: (r: LogRow) => boolean): number {
  return rows.length === 0 ? 0 : rows.filter(test).length / rows.length;
}

/** The registered domain as a reader would name it: the last two labels (three under a two-letter country's second level). */
export function baseDomain(name: string): string {
  const labels = name.split(".").filter(Boolean);
  const keep = labels.length >= 3 && labels.at(-1)?.length === 2 && (labels.at(-2)?.length ?? 0) <= 3 ? 3 : 2;
  return labels.slice(-keep).join(".");
}

/** DNS per scenario: queries, distinct names, name length (median, 95th percentile, longest), record types, NXDOMAIN share, the busiest domain. */
export function dnsProfile(logs: LabelledLogs): Record<string, string | number>[] {
  return [...rowsByScenario(logs, "dns")].map(([scenario, rows]) => {
    const names = rows.map((r) => String(r.query ?? ""));
    const lengths = names.map((n) => n.length).sort((a, b) => a - b);
    const [domain, domainShare] = top(names.map(baseDomain));
    const [qtype, qtypeShare] = top(rows.map((r) => String(r.qtype_name ?? "-")));
    return {
      scenario,
      queries: rows.length,
      distinctNames: distinct(names),
      medianLength: quantile(lengths, 0.5),
      p95Length: quantile(lengths, 0.95),
      longest: lengths.at(-1) ?? 0,
      topType: qtype,
      topTypeShare: qtypeShare,
      nxdomainShare: share(rows, (r) => r.rcode_name === "NXDOMAIN"),
      topDomain: domain,
      topDomainShare: domainShare,
    };
  });
}

/** HTTP per scenario: requests, the status-class mix, the median response body, the busiest host. */
export function httpProfile(logs: LabelledLogs): Record<string, string | number>[] {
  return [...rowsByScenario(logs, "http")].map(([scenario, rows]) => {
    const status = (lo: number): number =>
      share(
        rows,
        (r) => typeof r.status_code === "number" && r.status_code >= lo && r.status_code < lo + 100,
      );
    const bodies = rows.map((r) => Number(r.response_body_len ?? 0)).sort((a, b) => a - b);
    const [host, hostShare] = top(rows.map((r) => String(r.host ?? "-")));
    const [method] = top(rows.map((r) => String(r.method ?? "-")));
    return {
      scenario,
      requests: rows.length,
      topMethod: method,
      "2xx": status(200),
      "3xx": status(300),
      "4xx": status(400),
      "5xx": status(500),
      noResponse: share(rows, (r) => r.status_code === undefined),
      medianResponseBytes: quantile(bodies, 0.5),
      topHost: host,
      topHostShare: hostShare,
    };
  });
}

/** TLS per scenario: handshakes, established share, server names, client fingerprints (JA3), versions. */
export function tlsProfile(logs: LabelledLogs): Record<string, string | number>[] {
  return [...rowsByScenario(logs, "ssl")].map(([scenario, rows]) => {
    const [sni, sniShare] = top(rows.map((r) => String(r.server_name ?? "(none)")));
    const [version] = top(rows.map((r) => String(r.version ?? "-")));
    return {
      scenario,
      handshakes: rows.length,
      established: share(rows, (r) => r.established === true),
      distinctServerNames: distinct(rows.map((r) => r.server_name)),
      topServerName: sni,
      topServerNameShare: sniShare,
      distinctJa3: distinct(rows.map((r) => r.ja3)),
      topVersion: version,
    };
  });
}

/** SSH per scenario: sessions, logins that succeeded, failed, or could not be told, and attempts per session. */
export function sshProfile(logs: LabelledLogs): Record<string, string | number>[] {
  return [...rowsByScenario(logs, "ssh")].map(([scenario, rows]) => {
    const attempts = rows.map((r) => Number(r.auth_attempts ?? 0)).sort((a, b) => a - b);
    const [client] = top(rows.map((r) => String(r.client ?? "-")));
    return {
      scenario,
      sessions: rows.length,
      succeeded: rows.filter((r) => r.auth_success === true).length,
      failed: rows.filter((r) => r.auth_success === false).length,
      unknown: rows.filter((r) => r.auth_success === undefined).length,
      medianAttempts: quantile(attempts, 0.5),
      maxAttempts: attempts.at(-1) ?? 0,
      topClient: client,
    };
  });
}

/** FTP per scenario: commands, logins accepted (230) and refused (530), distinct users, the commonest reply (logins show with `profileRegistry()`). */
export function ftpProfile(logs: LabelledLogs): Record<string, string | number>[] {
  return [...rowsByScenario(logs, "ftp")].map(([scenario, rows]) => {
    const [reply, replyShare] = top(rows.map((r) => String(r.reply_code ?? "-")));
    return {
      scenario,
      commands: rows.length,
      loginsOk: rows.filter((r) => r.reply_code === 230).length,
      loginsFailed: rows.filter((r) => r.reply_code === 530).length,
      distinctUsers: distinct(rows.map((r) => r.user)),
      topReply: reply,
      topReplyShare: replyShare,
    };
  });
}

/** SMTP per scenario: messages, recipients per message (median, largest), distinct senders. */
export function smtpProfile(logs: LabelledLogs): Record<string, string | number>[] {
  return [...rowsByScenario(logs, "smtp")].map(([scenario, rows]) => {
    const recipients = rows.map((r) => (Array.isArray(r.rcptto) ? r.rcptto.length : 0)).sort((a, b) => a - b);
    return {
      scenario,
      messages: rows.length,
      medianRecipients: quantile(recipients, 0.5),
      mostRecipients: recipients.at(-1) ?? 0,
      distinctSenders: distinct(rows.map((r) => r.mailfrom)),
      withSubject: share(rows, (r) => r.subject !== undefined),
    };
  });
}
