/**
 * Parsing of incoming connection records, one text line each, as the live monitor receives them.
 *
 * Two formats, told apart per line (a line starting with `{` is JSON, anything else is CSV):
 * - **JSON**: an object with the 41 KDD feature names as keys (numbers for numeric features,
 *   strings for `protocol_type`, `service`, `flag`), optionally `label` and `difficulty`, and
 *   optional metadata: `time` (seconds since the epoch, or an ISO 8601 string), `src`, `srcPort`,
 *   `dst`, `dstPort`, `protocol`, `id`. Other keys are ignored.
 * - **CSV**: a KDD Cup 99 / NSL-KDD line: the 41 features, then optionally the label (trailing dot
 *   allowed, as in KDD99) and, for NSL-KDD, the difficulty. Numbers follow the batch loader
 *   (`lib/datasets/loadKdd.ts`): decimal notation only, blanks around a field trimmed, `?` or an empty
 *   field is a missing value and rejected (the loader's default `missing: "reject"`).
 *
 * Fields with a shape are checked against it, and strings are bounded, so that one record costs a
 * bounded amount in the alert log whatever the sender puts in it (a red team's 30,000 records with
 * 1 KB "addresses" grew the log by 423 MB): `src` and `dst` are IP addresses (v4 or v6) or host
 * names (at most 253 characters of hostname syntax), ports integers 0-65535, `time` between 1970
 * and 2200, `protocol` a short token; the symbolic features and the label at most
 * `MAX_SYMBOL_CHARS` characters, `id` at most `MAX_ID_CHARS`.
 *
 * Bad input never throws: `parseLine` returns `{ ok: false, kind, reason }`, where `kind` is a
 * short stable key to count rejects by (the same keys as the batch loader's `rejectedByReason`
 * where the causes agree) and `reason` says what is wrong and what to send instead.
 * A symbolic value never seen in training (e.g. a new `service`) is *not* rejected here: the
 * fitted `FeaturePipeline` encodes and counts it.
 *
 * Why not the batch `KddParser`: it writes whole files into columnar typed arrays (1,024-row
 * blocks) and has no single-line entry point, so the monitor would pay an allocation per record;
 * this module keeps its number grammar and reject keys instead.
 */
import { isIP } from "node:net";
import { OptionError } from "../core/errors";
import { DIFFICULTY_COLUMN, KDD_FEATURES, LABEL_COLUMN, normaliseLabel } from "../datasets/kdd99";
import type { KddFeatures } from "../features/connections";

/** A line longer than this many bytes (UTF-8, before the newline) is rejected. 64 KiB. */
export const DEFAULT_MAX_LINE_BYTES = 65_536;

/** Fields in a CSV line: the 41 features; plus the label; plus NSL-KDD's difficulty. */
export const CSV_FIELD_COUNTS: readonly number[] = Object.freeze([
  KDD_FEATURES.length,
  KDD_FEATURES.length + 1,
  KDD_FEATURES.length + 2,
]);

/** Latest accepted `time`: 2200-01-01T00:00:00Z in seconds since the epoch (earliest: 0, 1970). */
export const MAX_RECORD_TIME = 7_258_118_400;
/** Longest symbolic feature (`protocol_type`, `service`, `flag`) or label, in characters. */
export const MAX_SYMBOL_CHARS = 64;
/** Longest `id` string, in characters. */
export const MAX_ID_CHARS = 128;
/** Longest host name in `src` or `dst` (the DNS limit), in characters. */
export const MAX_HOST_CHARS = 253;
/** Longest ISO 8601 `time` string, in characters. */
const MAX_TIME_TEXT_CHARS = 64;
/** Host name syntax: dot-separated labels of letters, digits, `_` and inner `-`, each 1-63 characters. */
const HOST_NAME =
  /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;
/** A transport protocol's name, e.g. "tcp", "ipv6-icmp": a short token. */
const PROTOCOL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

/** Characters of an offending value quoted in a reject reason. */
const QUOTE_CHARS = 40;

/** Why a line was rejected: a short, stable key for counting (`rejectedByReason`). */
export type RejectKind =
  | "oversized line"
  | "blank line"
  | "invalid json"
  | "missing feature"
  | "missing value"
  | "non-numeric"
  | "non-string symbol"
  | "field count"
  | "bad label"
  | "bad metadata"
  | "bad address"
  | "oversized field";

/** The format a line was read as. */
export type LineFormat = "json" | "csv";

/** One connection record read from a line: the 41 features, the optional label and metadata. */
export interface LineRecord {
  readonly format: LineFormat;
  /** The 41 KDD features by name: numbers, and strings for protocol_type, service and flag. */
  readonly features: KddFeatures;
  /** Ground truth when the sender knows it (replays of labelled data); trailing dot removed. */
  readonly label?: string;
  /** NSL-KDD's difficulty (0-21), when present. */
  readonly difficulty?: number;
  /** Event time, seconds since the epoch (JSON only). */
  readonly time?: number;
  /** Source and destination address and port, transport protocol, and the sender's record id (JSON only). */
  readonly src?: string;
  readonly srcPort?: number;
  readonly dst?: string;
  readonly dstPort?: number;
  readonly protocol?: string;
  readonly id?: string | number;
}

/** The outcome of parsing one line: a record, or why the line was rejected. */
export type LineResult =
  | { readonly ok: true; readonly record: LineRecord }
  | { readonly ok: false; readonly kind: RejectKind; readonly reason: string };

/** Options of `parseLine`. */
export interface LineOptions {
  /** Longest accepted line in UTF-8 bytes, without the newline. Default 65,536 (64 KiB). */
  maxLineBytes?: number;
}

const NUMERIC_FEATURE = KDD_FEATURES.map((f) => f.kind !== "symbolic");
const FEATURE_NAMES = KDD_FEATURES.map((f) => f.name);
const N_FEATURES = KDD_FEATURES.length;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const reject = (kind: RejectKind, reason: string): LineResult => ({ ok: false, kind, reason });

/**
 * The features object of both formats is built as one object literal with the 41 names as fixed
 * keys, by functions generated once from `KDD_FEATURES`. Filling an empty object key by key (41
 * keyed stores) leaves V8 a dictionary-mode object, slow to read in the pipeline and to serialise
 * into an alert; a literal has one hidden class and in-object properties (measured on the socket
 * benchmark: JSON parsing and validation 4.5 -> 2.9 µs per record, alert serialisation about half).
 */
const literal = (get: (name: string, k: number) => string): string =>
  `{${FEATURE_NAMES.map((n, k) => `${JSON.stringify(n)}: ${get(n, k)}`).join(", ")}}`;
/** The JSON object's features, or `undefined` when one fails its check (`jsonFeatureProblem` says which). */
// Generated from KDD_FEATURES only (no input reaches the code).
const pickJsonFeatures = new Function(
  "o",
  `const r = ${literal((n) => `o[${JSON.stringify(n)}]`)};\n` +
    `return ${FEATURE_NAMES.map((n, k) => {
      const v = `r[${JSON.stringify(n)}]`;
      return NUMERIC_FEATURE[k]
        ? `typeof ${v} === "number" && ${v} - ${v} === 0`
        : `typeof ${v} === "string" && ${v} !== "" && ${v} !== "?"`;
    }).join(" && ")} ? r : undefined;`,
) as (obj: Record<string, unknown>) => KddFeatures | undefined;
/** The features of CSV values already checked, in `KDD_FEATURES` order. */
// Generated from KDD_FEATURES only (no input reaches the code).
const csvFeatures = new Function("v", `return ${literal((_n, k) => `v[${k}]`)};`) as (
  values: readonly (number | string)[],
) => KddFeatures;

/**
 * Parses one line (without its newline; a trailing `\r` is ignored) into a record, auto-detecting
 * JSON or CSV. Never throws for bad input.
 *
 * @throws OptionError only for an invalid `maxLineBytes` (a programming error, not bad input).
 * @example
 * parseLine('{"duration":0,"protocol_type":"tcp", ...41 features..., "src":"10.0.0.5"}')
 * // { ok: true, record: { format: "json", features: {...}, src: "10.0.0.5" } }
 * parseLine("0,tcp,http,SF,181,5450,0,...,normal.").ok // true (label "normal")
 * parseLine("0,tcp,http") // { ok: false, kind: "field count", reason: "CSV line has 3 fields; expected 41, 42 or 43 ..." }
 */
export function parseLine(line: string, options: LineOptions = {}): LineResult {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (!(maxLineBytes > 0)) {
    throw new OptionError(`parseLine: maxLineBytes must be a positive number of bytes, got ${maxLineBytes}.`);
  }
  let text = line;
  if (text.length > 0 && text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
  // A UTF-16 unit is at most 3 UTF-8 bytes: count bytes only when the length alone cannot decide.
  if (
    text.length > maxLineBytes ||
    (text.length * 3 > maxLineBytes && Buffer.byteLength(text) > maxLineBytes)
  ) {
    return reject(
      "oversized line",
      `line of ${Buffer.byteLength(text)} bytes is longer than the limit of ${maxLineBytes}; ` +
        `send one record per line, or raise maxLineBytes.`,
    );
  }
  let start = 0;
  while (start < text.length && isBlankChar(text.charCodeAt(start))) start++;
  if (start === text.length) {
    return reject("blank line", "blank line; send one record per line, with no empty lines between records.");
  }
  return text.charCodeAt(start) === 123 /* { */ ? parseJsonLine(text) : parseCsvLine(text);
}

function isBlankChar(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** Quotes a value for a reject reason, cut to a few dozen characters. */
function quote(value: unknown): string {
  const s = typeof value === "string" ? value : JSON.stringify(value);
  return JSON.stringify(s.length > QUOTE_CHARS ? `${s.slice(0, QUOTE_CHARS)}...` : s);
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `the ${typeof value} ${quote(value)}`;
}

// ---------------------------------------------------------------------------------------------
// JSON

function parseJsonLine(text: string): LineResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return reject("invalid json", `invalid JSON (${message}); send one complete JSON object per line.`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    // Unreachable for text starting with "{", kept so the cast below stays sound.
    return reject("invalid json", `JSON line is ${describeValue(value)}, not an object of KDD features.`);
  }
  const obj = value as Record<string, unknown>;
  const features = pickJsonFeatures(obj);
  if (!features) return jsonFeatureProblem(obj);
  const long = longSymbol(features);
  if (long !== undefined) return long;
  const record: Mutable<LineRecord> = { format: "json", features };
  const label = obj[LABEL_COLUMN];
  if (label !== undefined) {
    if (typeof label !== "string" || label === "") {
      return reject(
        "bad label",
        `"label" is ${describeValue(label)}; send a non-empty string (e.g. "normal") or omit it.`,
      );
    }
    if (label.length > MAX_SYMBOL_CHARS) return oversizedField("label", label, MAX_SYMBOL_CHARS);
    record.label = normaliseLabel(label);
  }
  const difficulty = obj[DIFFICULTY_COLUMN];
  if (difficulty !== undefined) {
    if (typeof difficulty !== "number" || !Number.isFinite(difficulty)) {
      return reject(
        "bad metadata",
        `"difficulty" is ${describeValue(difficulty)}; send a number or omit it.`,
      );
    }
    record.difficulty = difficulty;
  }
  const problem = readMetadata(obj, record);
  return problem ?? { ok: true, record };
}

/** The reject of a string field longer than its bound. */
function oversizedField(name: string, value: string, max: number): LineResult {
  return reject(
    "oversized field",
    `"${name}" is ${value.length} characters long, more than the limit of ${max} (starts ${quote(value)}); send a shorter value.`,
  );
}

const SYMBOL_NAMES = KDD_FEATURES.filter((f) => f.kind === "symbolic").map((f) => f.name);

/** The reject of the first symbolic feature longer than `MAX_SYMBOL_CHARS`, if any. */
function longSymbol(f: KddFeatures): LineResult | undefined {
  for (const name of SYMBOL_NAMES) {
    const v = f[name];
    if (typeof v === "string" && v.length > MAX_SYMBOL_CHARS)
      return oversizedField(name, v, MAX_SYMBOL_CHARS);
  }
  return undefined;
}

/**
 * Whether `value` can be a record's `src` or `dst`: an IPv4 or IPv6 address, or a host name of
 * at most 253 characters in hostname syntax (letters, digits, `_`, inner `-`, dots between labels).
 * @example isHostOrAddress("10.0.0.5") // true
 * isHostOrAddress("db-1.example.org") // true
 * isHostOrAddress("<script>") // false
 */
export function isHostOrAddress(value: string): boolean {
  if (value.length === 0 || value.length > MAX_HOST_CHARS + 1) return false;
  return isIP(value) !== 0 || (value.length <= MAX_HOST_CHARS && HOST_NAME.test(value));
}

/** Why the features of a parsed JSON object failed the fast path's checks: the first bad one. */
function jsonFeatureProblem(obj: Record<string, unknown>): LineResult {
  for (let k = 0; k < N_FEATURES; k++) {
    const name = FEATURE_NAMES[k];
    const v = obj[name];
    if (v === undefined) {
      return reject(
        "missing feature",
        `missing feature "${name}"; every JSON record needs all 41 KDD features (see KDD_FEATURES).`,
      );
    }
    if (v === null) {
      return reject(
        "missing value",
        `feature "${name}" is null; missing values are not accepted, send a value.`,
      );
    }
    if (NUMERIC_FEATURE[k]) {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        return reject(
          "non-numeric",
          `feature "${name}" is ${describeValue(v)}; it must be a finite JSON number (e.g. 0, 181, 0.05).`,
        );
      }
    } else if (typeof v !== "string") {
      return reject(
        "non-string symbol",
        `feature "${name}" is ${describeValue(v)}; it must be a JSON string (e.g. "tcp", "http", "SF").`,
      );
    } else if (v === "" || v === "?") {
      return reject(
        "missing value",
        `feature "${name}" is ${quote(v)}; missing values are not accepted, send a value.`,
      );
    }
  }
  // Unreachable: the fast path's checks reject exactly what the loop above rejects.
  return reject("invalid json", "the record's features failed validation; send the 41 KDD features.");
}

/** Copies the optional metadata into `record`; returns the reject of the first bad field. */
function readMetadata(obj: Record<string, unknown>, record: Mutable<LineRecord>): LineResult | undefined {
  const time = obj.time;
  if (time !== undefined) {
    const seconds =
      typeof time === "number"
        ? time
        : typeof time === "string" && time.length <= MAX_TIME_TEXT_CHARS
          ? Date.parse(time) / 1000
          : Number.NaN;
    // 1970 to 2200: a time outside is a mistake or a lie, and beyond Date's range no alert could be written.
    if (!(seconds >= 0 && seconds <= MAX_RECORD_TIME)) {
      return reject(
        "bad metadata",
        `"time" is ${describeValue(time)}; send seconds since the epoch between 1970 and 2200 (e.g. 1700000000.25) ` +
          `or an ISO 8601 string, or omit it.`,
      );
    }
    record.time = seconds;
  }
  for (const key of ["src", "dst"] as const) {
    const v = obj[key];
    if (v === undefined) continue;
    if (typeof v !== "string" || !isHostOrAddress(v)) {
      return reject(
        "bad address",
        `"${key}" is ${describeValue(v)}; send an IPv4 or IPv6 address or a host name ` +
          `(at most ${MAX_HOST_CHARS} characters: letters, digits, "-", "_", dots), or omit it.`,
      );
    }
    record[key] = v;
  }
  const protocol = obj.protocol;
  if (protocol !== undefined) {
    if (typeof protocol !== "string" || !PROTOCOL_NAME.test(protocol)) {
      return reject(
        "bad metadata",
        `"protocol" is ${describeValue(protocol)}; send a protocol name such as "tcp" (at most 32 letters, digits, ".", "_", "-"), or omit it.`,
      );
    }
    record.protocol = protocol;
  }
  for (const key of ["srcPort", "dstPort"] as const) {
    const v = obj[key];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 65_535) {
      return reject(
        "bad metadata",
        `"${key}" is ${describeValue(v)}; send an integer port from 0 to 65535 or omit it.`,
      );
    }
    record[key] = v;
  }
  const id = obj.id;
  if (id !== undefined) {
    if (!(typeof id === "string" || (typeof id === "number" && Number.isFinite(id)))) {
      return reject(
        "bad metadata",
        `"id" is ${describeValue(id)}; send a string or a finite number, or omit it.`,
      );
    }
    if (typeof id === "string" && id.length > MAX_ID_CHARS) return oversizedField("id", id, MAX_ID_CHARS);
    record.id = id;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// CSV

/** The batch loader's number grammar (loadKdd.ts `parseSlow`): decimal notation only, no hex, no Infinity. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The number a CSV field holds, or NaN when it is not decimal notation. Equal to `Number(text)`
 * for every accepted text (so the monitor and the batch loader agree to the last bit).
 * @example parseDecimal("0.05") // 0.05
 * parseDecimal("0x10") // NaN (Number("0x10") would give 16)
 */
export function parseDecimal(text: string): number {
  const n = text.length;
  let i = 0;
  let c = text.charCodeAt(0);
  if (c === 43 || c === 45) i++;
  let digits = 0;
  let dot = false;
  // Plain digits with at most one dot are the common case: check them without a regex.
  for (; i < n; i++) {
    c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot) dot = true;
    else return DECIMAL.test(text) ? Number(text) : Number.NaN;
  }
  return digits > 0 ? Number(text) : Number.NaN;
}

function trimField(s: string): string {
  const n = s.length;
  if (n === 0) return s;
  const a = s.charCodeAt(0);
  const b = s.charCodeAt(n - 1);
  return a === 32 || a === 9 || b === 32 || b === 9 ? s.replace(/^[ \t]+|[ \t]+$/g, "") : s;
}

function parseCsvLine(text: string): LineResult {
  const fields = text.split(",");
  const n = fields.length;
  if (n !== N_FEATURES && n !== N_FEATURES + 1 && n !== N_FEATURES + 2) {
    return reject(
      "field count",
      `CSV line has ${n} fields; expected ${CSV_FIELD_COUNTS.join(", ").replace(/, (\d+)$/, " or $1")} ` +
        `(the 41 KDD features, then optionally the label, then optionally NSL-KDD's difficulty).`,
    );
  }
  const values: (number | string)[] = new Array<number | string>(N_FEATURES);
  for (let k = 0; k < N_FEATURES; k++) {
    const s = trimField(fields[k]);
    const name = FEATURE_NAMES[k];
    if (s === "" || s === "?") {
      return reject(
        "missing value",
        `missing value in column ${k + 1} (${name}); missing values are not accepted, send a value.`,
      );
    }
    if (NUMERIC_FEATURE[k]) {
      const v = parseDecimal(s);
      if (v !== v) {
        return reject(
          "non-numeric",
          `column ${k + 1} (${name}) is ${quote(s)}, not a decimal number; send digits such as 0, 181 or 0.05.`,
        );
      }
      if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) {
        return reject(
          "non-numeric",
          `column ${k + 1} (${name}) is ${quote(s)}, beyond the largest number (about 1.8e308); send a finite value.`,
        );
      }
      values[k] = v;
    } else {
      if (s.length > MAX_SYMBOL_CHARS) return oversizedField(name, s, MAX_SYMBOL_CHARS);
      values[k] = s;
    }
  }
  const record: Mutable<LineRecord> = { format: "csv", features: csvFeatures(values) };
  if (n > N_FEATURES) {
    const label = normaliseLabel(trimField(fields[N_FEATURES]));
    if (label === "" || label === "?") {
      return reject(
        "missing value",
        `missing value in column ${N_FEATURES + 1} (label); send the label or leave the column out entirely.`,
      );
    }
    if (label.length > MAX_SYMBOL_CHARS) return oversizedField("label", label, MAX_SYMBOL_CHARS);
    record.label = label;
  }
  if (n > N_FEATURES + 1) {
    const s = trimField(fields[N_FEATURES + 1]);
    const v = parseDecimal(s);
    if (v !== v) {
      return reject(
        "non-numeric",
        `column ${N_FEATURES + 2} (difficulty) is ${quote(s)}, not a decimal number; send NSL-KDD's 0-21 or leave it out.`,
      );
    }
    record.difficulty = v;
  }
  return { ok: true, record };
}
