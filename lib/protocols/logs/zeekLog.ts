/**
 * Zeek's log formats: the tab-separated one with its header lines (`#separator`, `#fields`,
 * `#types`, ...) and JSON lines, written from rows keyed by Zeek's field names, and the
 * tab-separated one read back (for the parity check against Zeek's own logs). A log's shape is a
 * `LogSchema`: its path (`dns`, `conn`) and its fields with Zeek's types, in Zeek's order.
 * (https://docs.zeek.org/en/current/logs/index.html, and Zeek's ASCII writer for the escaping.)
 */

/** The Zeek types our logs use. */
export type ZeekType =
  | "time"
  | "interval"
  | "double"
  | "count"
  | "int"
  | "port"
  | "addr"
  | "subnet"
  | "enum"
  | "string"
  | "bool"
  | "set[string]"
  | "set[enum]"
  | "set[addr]"
  | "vector[string]"
  | "vector[interval]"
  | "vector[count]"
  | "vector[addr]";

export interface LogField {
  /** Zeek's field name, e.g. `id.orig_h`, `trans_id`. */
  readonly name: string;
  readonly type: ZeekType;
}

/** One log's shape. */
export interface LogSchema {
  /** The log's name (`#path`), also its file name without `.log`. */
  readonly path: string;
  readonly fields: readonly LogField[];
}

/** A field's value: `undefined` is unset (`-`), an array a set or vector. */
export type LogValue = string | number | boolean | readonly (string | number)[] | undefined;

/** One log line, by Zeek field name. */
export type LogRow = Readonly<Record<string, LogValue>>;

/** The fields every connection-bound log starts with. */
export const CONN_ID_FIELDS: readonly LogField[] = [
  { name: "ts", type: "time" },
  { name: "uid", type: "string" },
  { name: "id.orig_h", type: "addr" },
  { name: "id.orig_p", type: "port" },
  { name: "id.resp_h", type: "addr" },
  { name: "id.resp_p", type: "port" },
];

const SEPARATOR = "\t";
const SET_SEPARATOR = ",";
const EMPTY = "(empty)";
const UNSET = "-";

function isContainer(type: ZeekType): boolean {
  return type.startsWith("set[") || type.startsWith("vector[");
}

function elementType(type: ZeekType): ZeekType {
  return (isContainer(type) ? type.slice(type.indexOf("[") + 1, -1) : type) as ZeekType;
}

/** Zeek's ASCII escaping: bytes outside printable ASCII, the backslash, and the separators as `\xNN`. */
function escape(text: string, inSet: boolean): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x5c || (inSet && text[i] === SET_SEPARATOR)) {
      out += `\\x${(c & 0xff).toString(16).padStart(2, "0")}`;
    } else {
      out += text[i];
    }
  }
  // A value that reads as the unset or empty marker is escaped whole.
  if (out === UNSET || out === EMPTY)
    return [...out].map((ch) => `\\x${ch.charCodeAt(0).toString(16)}`).join("");
  return out;
}

function scalarText(type: ZeekType, value: string | number | boolean, inSet: boolean): string {
  switch (type) {
    case "time":
    case "interval":
    case "double":
      return Number(value).toFixed(6);
    case "count":
    case "int":
    case "port":
      return String(Math.trunc(Number(value)));
    case "bool":
      return value ? "T" : "F";
    default:
      return escape(String(value), inSet);
  }
}

/** A field's text in a tab-separated log. */
export function fieldText(type: ZeekType, value: LogValue): string {
  if (value === undefined) return UNSET;
  if (isContainer(type)) {
    const items = Array.isArray(value) ? value : [value as string | number];
    if (items.length === 0) return EMPTY;
    const el = elementType(type);
    return items.map((v) => scalarText(el, v, true)).join(SET_SEPARATOR);
  }
  // An empty string is written as the empty-field marker, as Zeek's ASCII writer does.
  if (value === "") return EMPTY;
  return scalarText(type, value as string | number | boolean, false);
}

/** Zeek's `#open` / `#close` time text, e.g. `2026-12-02-15-53-27`. */
function headerTime(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${date.getUTCFullYear()}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())}-${p(date.getUTCHours())}-${p(date.getUTCMinutes())}-${p(date.getUTCSeconds())}`;
}

/** The header lines of a tab-separated log, each ending in a newline. */
export function tsvHeader(schema: LogSchema, opened: Date): string {
  return (
    [
      "#separator \\x09",
      `#set_separator${SEPARATOR}${SET_SEPARATOR}`,
      `#empty_field${SEPARATOR}${EMPTY}`,
      `#unset_field${SEPARATOR}${UNSET}`,
      `#path${SEPARATOR}${schema.path}`,
      `#open${SEPARATOR}${headerTime(opened)}`,
      `#fields${SEPARATOR}${schema.fields.map((f) => f.name).join(SEPARATOR)}`,
      `#types${SEPARATOR}${schema.fields.map((f) => f.type).join(SEPARATOR)}`,
    ].join("\n") + "\n"
  );
}

/** The closing line of a tab-separated log. */
export function tsvFooter(closed: Date): string {
  return `#close${SEPARATOR}${headerTime(closed)}\n`;
}

/** One row as a tab-separated line (with its newline). */
export function tsvLine(schema: LogSchema, row: LogRow): string {
  let line = "";
  for (let i = 0; i < schema.fields.length; i++) {
    const f = schema.fields[i];
    if (i > 0) line += SEPARATOR;
    line += fieldText(f.type, row[f.name]);
  }
  return line + "\n";
}

function jsonScalar(type: ZeekType, value: string | number | boolean): string | number | boolean {
  switch (type) {
    case "time":
    case "interval":
    case "double":
      return Math.round(Number(value) * 1e6) / 1e6;
    case "count":
    case "int":
    case "port":
      return Math.trunc(Number(value));
    case "bool":
      return Boolean(value);
    default:
      // Parsed text holds bytes as latin1 characters: bytes above 0x7e as `\xNN`, so the line is ASCII (as Zeek does for bytes that are not UTF-8).
      return String(value).replace(/[\x7f-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
  }
}

/** One row as a JSON line (with its newline), as Zeek's `LogAscii::use_json` writes it: unset fields left out. */
export function jsonLine(schema: LogSchema, row: LogRow): string {
  const out: Record<string, unknown> = {};
  for (const f of schema.fields) {
    const v = row[f.name];
    if (v === undefined) continue;
    if (isContainer(f.type)) {
      const el = elementType(f.type);
      out[f.name] = (Array.isArray(v) ? v : [v as string | number]).map((x) => jsonScalar(el, x));
    } else {
      out[f.name] = jsonScalar(f.type, v as string | number | boolean);
    }
  }
  return JSON.stringify(out) + "\n";
}

/** A tab-separated Zeek log read back: its path, fields with types, and rows of typed values. */
export interface ParsedLog {
  readonly path: string;
  readonly fields: readonly LogField[];
  readonly rows: LogRow[];
}

function unescape(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function parseScalar(type: ZeekType, text: string): string | number | boolean {
  switch (type) {
    case "time":
    case "interval":
    case "double":
    case "count":
    case "int":
    case "port":
      return text.startsWith("XXXX") ? text : Number(text);
    case "bool":
      return text === "T";
    default:
      return unescape(text);
  }
}

/**
 * A Zeek tab-separated log's text, parsed. Masked timestamps (`XXXXXXXXXX.XXXXXX` in Zeek's test
 * baselines) stay text.
 * @throws Error when the text has no `#fields` line before its first row.
 */
export function parseTsvLog(text: string): ParsedLog {
  let path = "";
  let names: string[] | undefined;
  let types: ZeekType[] = [];
  const rows: LogRow[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("#")) {
      const [key, ...rest] = line.split(SEPARATOR);
      if (key === "#path") path = rest[0];
      else if (key === "#fields") names = rest;
      else if (key === "#types") types = rest as ZeekType[];
      continue;
    }
    if (!names) throw new Error("a Zeek log row came before its #fields line; is this a Zeek ASCII log?");
    const cells = line.split(SEPARATOR);
    const row: Record<string, LogValue> = {};
    names.forEach((name, i) => {
      const cell = cells[i] ?? UNSET;
      const type = types[i] ?? "string";
      if (cell === UNSET) row[name] = undefined;
      else if (isContainer(type)) {
        row[name] =
          cell === EMPTY
            ? []
            : cell.split(SET_SEPARATOR).map((x) => parseScalar(elementType(type), x) as string | number);
      } else row[name] = cell === EMPTY ? "" : parseScalar(type, cell);
    });
    rows.push(row);
  }
  const fields = (names ?? []).map((name, i) => ({ name, type: types[i] ?? "string" }));
  return { path, fields, rows };
}
