/**
 * Parity with Zeek: run our protocol logs on a capture from Zeek's regression suite and compare
 * them, field by field, with the logs Zeek wrote for it (`shared/zeek-corpus`). Records are
 * matched per connection (the `id.*` four-tuple and transport): each of Zeek's records takes the
 * one of ours on the same connection that agrees with it on the most key fields. A field agrees
 * when both are unset, or equal (numbers within 1e-5 s for times and intervals, sets in any
 * order). Zeek's records we did not produce count as all key fields disagreeing, and so do ours
 * that Zeek did not write, so a missing or an extra record lowers the agreement.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readCapture } from "../../packets/capture";
import { createFtpParser } from "../ftp/ftpParser";
import { ftpOptionsFromZeekScript } from "../ftp/zeekScript";
import type { ProtocolParser } from "../parser";
import { createSmtpParser } from "../smtp/smtpParser";
import { smtpOptionsFromZeekScript } from "../smtp/zeekScript";
import { defaultRegistry, type ParserRegistry } from "../registry";
import { ProtocolLogs, type ProtocolLogsOptions } from "./protocolLogs";
import { type LogRow, type LogSchema, type LogValue, parseTsvLog, type ZeekType } from "./zeekLog";

/**
 * The fields compared per log: the connection's time and the key fields. `ts` is skipped
 * where Zeek's baseline masks it. The `id.*` fields and `proto` decide the match.
 */
export const KEY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  conn: [
    "ts",
    "service",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "conn_state",
    "history",
    "orig_pkts",
    "resp_pkts",
  ],
  dns: ["ts", "trans_id", "query", "qtype", "rcode", "answers"],
  http: ["ts", "method", "host", "uri", "status_code", "request_body_len", "response_body_len", "user_agent"],
  ssl: ["ts", "version", "cipher", "server_name", "established"],
  ssh: ["ts", "client", "server", "auth_success", "auth_attempts"],
  ftp: ["ts", "user", "command", "arg", "reply_code"],
  smtp: ["ts", "helo", "mailfrom", "rcptto", "subject"],
};

/** The logs the parity check compares (those with key fields). */
export const PARITY_LOGS = Object.keys(KEY_FIELDS);

/** One case of the corpus (`index.json`). */
export interface CorpusCase {
  readonly dir: string;
  readonly trace: string;
  readonly logs: readonly string[];
  readonly zeek_test: string;
}

/** A disagreement, for the report of what is left. */
export interface Disagreement {
  readonly log: string;
  readonly case: string;
  readonly field: string;
  readonly zeek: LogValue;
  readonly ours: LogValue;
}

/** Per log type: Zeek's records, ours, those matched, and the share of key fields that agree. */
export interface LogParity {
  records_zeek: number;
  records_ours: number;
  matched: number;
  /** Agreeing key-field values / all key-field values compared (unmatched records count as disagreeing). */
  field_agreement: number;
  /** Agreement per key field over matched records; null for a field never compared (masked in every baseline). */
  fields: Record<string, number | null>;
  /** Per key field: [agreeing, compared] over matched records (what `fields` is computed from). */
  fieldCounts: Record<string, [number, number]>;
  agree: number;
  compared: number;
}

/** The result of one case: its rows per log (ours), and the comparison per log Zeek wrote. */
export interface CaseResult {
  readonly case: string;
  readonly ours: Record<string, LogRow[]>;
  readonly parity: Record<string, LogParity>;
  readonly disagreements: Disagreement[];
  /** Malformed input our parsers counted, by `protocol: reason`. */
  readonly malformed: Record<string, number>;
  /** Milliseconds the case took. */
  readonly ms: number;
}

/** The corpus's cases (`index.json` of `dir`). */
export function corpusCases(dir: string): CorpusCase[] {
  return JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as CorpusCase[];
}

/** Our logs for a capture, as rows per log path. */
export async function logsOf(
  trace: string,
  options: ProtocolLogsOptions = {},
): Promise<{ rows: Record<string, LogRow[]>; logs: ProtocolLogs }> {
  const rows: Record<string, LogRow[]> = {};
  const schemas: Record<string, LogSchema> = {};
  const logs = new ProtocolLogs(
    {
      write(schema, row) {
        schemas[schema.path] = schema;
        (rows[schema.path] ??= []).push(row);
      },
    },
    options,
  );
  await readCapture(trace, (p) => logs.add(p));
  logs.flush();
  return { rows, logs };
}

const TIME_TYPES = new Set<ZeekType>(["time", "interval", "double", "vector[interval]"]);

function masked(v: LogValue): boolean {
  return typeof v === "string" && v.startsWith("XXXX");
}

function scalarEqual(a: string | number | boolean, b: string | number | boolean, timeLike: boolean): boolean {
  if (typeof a === "number" && typeof b === "number") {
    return timeLike ? Math.abs(a - b) <= 1e-5 : a === b;
  }
  return a === b;
}

/** Whether two values of a field of `type` agree. */
export function valuesAgree(type: ZeekType, zeek: LogValue, ours: LogValue): boolean {
  if (zeek === undefined || ours === undefined) return zeek === ours;
  const timeLike = TIME_TYPES.has(type);
  if (Array.isArray(zeek) || Array.isArray(ours)) {
    const a = Array.isArray(zeek) ? [...zeek] : [zeek as string];
    const b = Array.isArray(ours) ? [...ours] : [ours as string];
    if (a.length !== b.length) return false;
    if (type.startsWith("set[")) {
      a.sort();
      b.sort();
    }
    return a.every((x, i) => scalarEqual(x, b[i], timeLike));
  }
  // A count Zeek wrote and a number we hold agree numerically; Zeek's text and ours as text.
  if (typeof zeek === "number" && typeof ours === "string") return String(zeek) === ours;
  if (typeof zeek === "string" && typeof ours === "number") return zeek === String(ours);
  return scalarEqual(zeek as string | number | boolean, ours as string | number | boolean, timeLike);
}

/** The connection a row belongs to: the four-tuple, and the transport where the log has one (conn, dns). */
function connKey(r: LogRow): string {
  return `${String(r.proto ?? "")}|${String(r["id.orig_h"])}|${String(r["id.orig_p"])}|${String(r["id.resp_h"])}|${String(r["id.resp_p"])}`;
}

/**
 * Compares our rows of one log with Zeek's (`zeekText` is Zeek's log file). Returns the parity
 * counts and the disagreeing fields.
 */
export function compareLog(
  log: string,
  caseName: string,
  zeekText: string,
  ours: readonly LogRow[],
): { parity: LogParity; disagreements: Disagreement[] } {
  const zeek = parseTsvLog(zeekText);
  const types = new Map(zeek.fields.map((f) => [f.name, f.type]));
  const keys = (KEY_FIELDS[log] ?? []).filter((k) => types.has(k));
  const byConn = new Map<string, LogRow[]>();
  for (const r of ours) {
    const k = connKey(r);
    const list = byConn.get(k) ?? [];
    list.push(r);
    byConn.set(k, list);
  }
  const fieldAgree: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
  const fieldCompared: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
  const disagreements: Disagreement[] = [];
  let matched = 0;
  let agree = 0;
  let compared = 0;
  for (const z of zeek.rows) {
    const fields = keys.filter((k) => !masked(z[k]));
    const candidates = byConn.get(connKey(z)) ?? [];
    let best = -1;
    let bestScore = -1;
    candidates.forEach((o, i) => {
      const score = fields.filter((k) => valuesAgree(types.get(k) as ZeekType, z[k], o[k])).length;
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    });
    compared += fields.length;
    if (best < 0) {
      for (const k of fields)
        disagreements.push({ log, case: caseName, field: k, zeek: z[k], ours: "(no record)" });
      continue;
    }
    const o = candidates.splice(best, 1)[0];
    matched++;
    for (const k of fields) {
      fieldCompared[k]++;
      if (valuesAgree(types.get(k) as ZeekType, z[k], o[k])) {
        fieldAgree[k]++;
        agree++;
      } else {
        disagreements.push({ log, case: caseName, field: k, zeek: z[k], ours: o[k] });
      }
    }
  }
  // Ours that Zeek did not write: every key field of each disagrees (but one Zeek's baseline masks everywhere).
  const comparable = keys.filter((k) => !zeek.rows.every((z) => masked(z[k])));
  for (const rest of byConn.values()) {
    for (const o of rest) {
      compared += comparable.length;
      disagreements.push({
        log,
        case: caseName,
        field: "(record)",
        zeek: "(no record)",
        ours: keys.map((k) => String(o[k])).join(" "),
      });
    }
  }
  const fieldsShare = Object.fromEntries(
    keys.map((k) => [k, fieldCompared[k] === 0 ? null : fieldAgree[k] / fieldCompared[k]]),
  );
  const fieldCounts = Object.fromEntries(
    keys.map((k) => [k, [fieldAgree[k], fieldCompared[k]] as [number, number]]),
  );
  return {
    parity: {
      records_zeek: zeek.rows.length,
      records_ours: ours.length,
      matched,
      field_agreement: compared === 0 ? 1 : agree / compared,
      fields: fieldsShare,
      fieldCounts,
      agree,
      compared,
    },
    disagreements,
  };
}

/**
 * Our equivalent of the settings a case's `test.zeek` gives Zeek, where our parsers have them
 * (today FTP's logged commands, password capture, length and pending-command limits, and SMTP's
 * invalid-transaction limit): the
 * registry to analyse the case with, and the settings applied (empty when none).
 */
export function caseSettings(corpus: string, c: CorpusCase): { registry: ParserRegistry; applied: string[] } {
  let script = "";
  try {
    script = readFileSync(join(corpus, c.dir, "test.zeek"), "utf8");
  } catch {
    // no test.zeek: Zeek's defaults
  }
  const ftp = ftpOptionsFromZeekScript(script);
  const smtp = smtpOptionsFromZeekScript(script);
  const applied = [...Object.keys(ftp).map((k) => `ftp.${k}`), ...Object.keys(smtp).map((k) => `smtp.${k}`)];
  const replace: Record<string, ProtocolParser> = {};
  if (Object.keys(ftp).length > 0) replace.ftp = createFtpParser(ftp);
  if (Object.keys(smtp).length > 0) replace.smtp = createSmtpParser(smtp);
  return { registry: defaultRegistry(replace), applied };
}

/**
 * Runs one corpus case and compares each of Zeek's logs we have key fields for. With `settings`
 * "case", the case's `test.zeek` settings are applied where we have their equivalent
 * (`caseSettings`); with "default", every case runs with our defaults.
 */
export async function runCase(
  corpus: string,
  c: CorpusCase,
  settings: "case" | "default" = "case",
): Promise<CaseResult> {
  const started = performance.now();
  const options: ProtocolLogsOptions =
    settings === "case" ? { registry: caseSettings(corpus, c).registry } : {};
  const { rows, logs } = await logsOf(join(corpus, c.dir, c.trace), options);
  const parity: Record<string, LogParity> = {};
  const disagreements: Disagreement[] = [];
  for (const file of c.logs) {
    const log = file.replace(/\.log$/, "");
    if (!KEY_FIELDS[log]) continue;
    const result = compareLog(log, c.dir, readFileSync(join(corpus, c.dir, file), "latin1"), rows[log] ?? []);
    parity[log] = result.parity;
    disagreements.push(...result.disagreements);
  }
  return {
    case: c.dir,
    ours: rows,
    parity,
    disagreements,
    malformed: { ...logs.stats.malformed },
    ms: performance.now() - started,
  };
}

/** Sums per-case parity into one line per log type. */
export function summarise(results: readonly CaseResult[]): Record<string, LogParity> {
  const total: Record<string, LogParity> = {};
  const fieldSums: Record<string, Record<string, [number, number]>> = {};
  for (const r of results) {
    for (const [log, p] of Object.entries(r.parity)) {
      const t = (total[log] ??= {
        records_zeek: 0,
        records_ours: 0,
        matched: 0,
        field_agreement: 0,
        fields: {},
        fieldCounts: {},
        agree: 0,
        compared: 0,
      });
      t.records_zeek += p.records_zeek;
      t.records_ours += p.records_ours;
      t.matched += p.matched;
      t.agree += p.agree;
      t.compared += p.compared;
      const fs = (fieldSums[log] ??= {});
      for (const [k, [a, n]] of Object.entries(p.fieldCounts)) {
        const s = (fs[k] ??= [0, 0]);
        s[0] += a;
        s[1] += n;
      }
    }
  }
  for (const [log, t] of Object.entries(total)) {
    t.field_agreement = t.compared === 0 ? 1 : t.agree / t.compared;
    t.fieldCounts = fieldSums[log];
    t.fields = Object.fromEntries(
      Object.entries(fieldSums[log]).map(([k, [a, n]]) => [k, n === 0 ? null : a / n]),
    );
  }
  return total;
}
