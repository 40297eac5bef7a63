/**
 * Streaming loader for KDD Cup 99 and NSL-KDD files (gzip or plain) into a columnar `Table`.
 *
 * The parser works on bytes: numbers are parsed in place without building strings, symbolic
 * values go through a small dictionary, and rows are written straight into typed arrays. Bad
 * lines are never dropped silently: each one is counted by reason in the `LoadReport`, with the
 * first examples (line number, reason, text) kept for the cleaning report.
 */
import { createReadStream, promises as fsp } from "node:fs";
import { createGunzip } from "node:zlib";
import { OptionError, ParseError, SchemaError } from "../core/errors";
import {
  ATTACK_CATEGORY,
  DIFFICULTY_COLUMN,
  FIELDS_PER_LINE,
  KDD_FEATURES,
  type KddFormat,
  LABEL_COLUMN,
} from "./kdd99";
import { type Column, Table } from "./table";

/** What to do with an empty or `?` field. */
export type MissingPolicy = "reject" | "keep";

export interface LoadKddOptions {
  /** File layout; `auto` (default) tells KDD99 (42 fields) from NSL-KDD (43) by the first line. */
  format?: KddFormat | "auto";
  /**
   * Missing values (empty field or `?`). `reject` (default): the row goes to the reject report.
   * `keep`: numeric cells become NaN (the preprocessing pipeline imputes them) and symbolic cells
   * keep the literal `?`. A missing label is always rejected: the row cannot be evaluated.
   */
  missing?: MissingPolicy;
  /** Reject examples kept in the report (all rejects are counted). Default 100. */
  maxRejectExamples?: number;
  /** A line longer than this many bytes is rejected without being buffered whole. Default 65,536. */
  maxLineBytes?: number;
  /** Throw `SchemaError` when a label is not in `ATTACK_CATEGORY`. Default true. */
  validateLabels?: boolean;
  /** Rows to pre-allocate (e.g. the manifest's row count); avoids re-allocation while growing. */
  expectedRows?: number;
  /**
   * Decompressed size of the input, if known. Without `expectedRows`, the parser estimates the
   * row count from it after the first chunk and allocates once, instead of doubling its columns
   * (whose last doubling would hold 1.5x the final size in memory at once).
   */
  expectedBytes?: number;
  /** Called about every 4 MiB of input with bytes read so far and the file size (0 if unknown). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/** One rejected line, kept as an example in the report. */
export interface RejectedLine {
  /** 1-based line number in the (decompressed) file. */
  readonly line: number;
  readonly reason: string;
  /** The line, cut to 200 characters. */
  readonly text: string;
}

/** What the loader did, for the cleaning report: nothing happens without a count here. */
export interface LoadReport {
  readonly source: string;
  readonly format: KddFormat;
  /** Lines seen, including blank and rejected ones. */
  readonly lines: number;
  readonly rows: number;
  readonly blankLines: number;
  readonly rejected: number;
  /** Rejected lines by reason kind, e.g. `{ "field count": 2, "non-numeric": 1 }`. */
  readonly rejectedByReason: Readonly<Record<string, number>>;
  readonly rejectExamples: readonly RejectedLine[];
  /** Missing cells kept (policy `keep`) per column. */
  readonly missingByColumn: Readonly<Record<string, number>>;
  readonly bytes: number;
}

export interface LoadResult {
  readonly table: Table;
  readonly report: LoadReport;
}

const COMMA = 44;
const NEWLINE = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const DOT = 46;
const MINUS = 45;
const PLUS = 43;
const QUESTION = 63;
const ZERO = 48;
const NINE = 57;
/** 10^k for k <= 22 are exact doubles, so (digits / 10^k) is correctly rounded like parseFloat. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Head-room over the estimated row count, for lines longer than those of the first chunk. */
const ESTIMATE_MARGIN = 1.1;

/** What a field of the line is: a numeric column, a symbolic column, or the label. */
const NUMERIC = 0;
const SYMBOLIC = 1;

/**
 * The values of one symbolic column, looked up by their bytes: a known value costs a hash and a
 * byte comparison, and a string is built only the first time a value is seen.
 */
class ByteDictionary {
  readonly values: string[] = [];
  /** Line number where each value first appeared (for error messages). */
  readonly firstLine: number[] = [];
  private bytes: Buffer[] = [];
  private slots = new Int32Array(64); // code + 1, 0 = empty
  private hashes: number[] = [];

  /** The code of buf[s, e), or -1 when the value is new. */
  find(buf: Buffer, s: number, e: number): number {
    const h = hashBytes(buf, s, e);
    const mask = this.slots.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot];
      if (entry === 0) return -1;
      const code = entry - 1;
      if (this.hashes[code] === h && sameBytes(this.bytes[code], buf, s, e)) return code;
    }
  }

  /** The code of buf[s, e), adding the value if it is new. */
  findOrAdd(buf: Buffer, s: number, e: number, line: number, source: string): number {
    const found = this.find(buf, s, e);
    if (found >= 0) return found;
    const code = this.values.length;
    if (code > 0xffff) throw new ParseError(`${source}: more than 65,536 distinct values in one column.`);
    this.values.push(buf.toString("latin1", s, e));
    this.bytes.push(Buffer.from(buf.subarray(s, e)));
    this.hashes.push(hashBytes(buf, s, e));
    this.firstLine.push(line);
    if ((code + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(code);
    return code;
  }

  private place(code: number): void {
    const mask = this.slots.length - 1;
    let slot = this.hashes[code] & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = code + 1;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    for (let code = 0; code < this.values.length; code++) this.place(code);
  }
}

function hashBytes(buf: Buffer, s: number, e: number): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  return h >>> 0;
}

function sameBytes(known: Buffer, buf: Buffer, s: number, e: number): boolean {
  if (known.length !== e - s) return false;
  for (let i = 0; i < known.length; i++) if (known[i] !== buf[s + i]) return false;
  return true;
}

/**
 * The incremental parser: feed it chunks of bytes in order, then call `finish`. `loadKdd` drives it
 * from a file; tests and the monitor can drive it from strings or sockets.
 */
export class KddParser {
  private readonly opts: Required<
    Omit<LoadKddOptions, "onProgress" | "expectedRows" | "expectedBytes" | "format">
  >;
  private readonly expectedBytes: number | undefined;
  private estimated: boolean;
  private format: KddFormat | undefined;
  // Per field of the line: NUMERIC or SYMBOLIC, and the index of its column. The label is the
  // last symbolic column.
  private fieldKind = new Uint8Array(0);
  private fieldColumn = new Int32Array(0);
  private numericNames: string[] = [];
  private symbolicNames: string[] = [];
  private numeric: Float64Array[] = [];
  private codes: Uint16Array[] = [];
  private dictionaries: ByteDictionary[] = [];
  // Where each symbolic field of the current line starts and ends, committed when the line parses.
  private pendingStart = new Int32Array(0);
  private pendingEnd = new Int32Array(0);
  private capacity: number;
  private n = 0;
  private lineNo = 0;
  private blank = 0;
  private rejected = 0;
  private readonly rejectedByReason: Record<string, number> = {};
  private readonly rejectExamples: RejectedLine[] = [];
  private missingByColumn: Record<string, number> = {};
  private carry: Buffer | null = null;
  private skippingLongLine = false;
  private bytes = 0;

  constructor(
    private readonly source: string,
    options: LoadKddOptions = {},
  ) {
    this.opts = {
      missing: options.missing ?? "reject",
      maxRejectExamples: options.maxRejectExamples ?? 100,
      maxLineBytes: options.maxLineBytes ?? 65_536,
      validateLabels: options.validateLabels ?? true,
    };
    if (this.opts.missing !== "reject" && this.opts.missing !== "keep") {
      throw new OptionError(
        `loadKdd: missing must be "reject" or "keep", got "${String(this.opts.missing)}".`,
      );
    }
    // Capacity first: setFormat allocates the columns with it.
    this.capacity = Math.max(1024, options.expectedRows ?? 65_536);
    this.expectedBytes = options.expectedBytes;
    this.estimated = options.expectedRows !== undefined;
    if (options.format && options.format !== "auto") this.setFormat(options.format);
  }

  private setFormat(format: KddFormat): void {
    if (!(format in FIELDS_PER_LINE)) {
      throw new OptionError(`loadKdd: format must be "kdd99", "nsl-kdd" or "auto", got "${format}".`);
    }
    this.format = format;
    const fields = FIELDS_PER_LINE[format];
    this.fieldKind = new Uint8Array(fields);
    this.fieldColumn = new Int32Array(fields);
    const add = (field: number, kind: number, name: string): void => {
      const names = kind === NUMERIC ? this.numericNames : this.symbolicNames;
      this.fieldKind[field] = kind;
      this.fieldColumn[field] = names.length;
      names.push(name);
    };
    KDD_FEATURES.forEach((feature, field) =>
      add(field, feature.kind === "symbolic" ? SYMBOLIC : NUMERIC, feature.name),
    );
    add(KDD_FEATURES.length, SYMBOLIC, LABEL_COLUMN);
    if (format === "nsl-kdd") add(KDD_FEATURES.length + 1, NUMERIC, DIFFICULTY_COLUMN);
    this.numeric = this.numericNames.map(() => new Float64Array(this.capacity));
    this.codes = this.symbolicNames.map(() => new Uint16Array(this.capacity));
    this.dictionaries = this.symbolicNames.map(() => new ByteDictionary());
    this.pendingStart = new Int32Array(this.symbolicNames.length);
    this.pendingEnd = new Int32Array(this.symbolicNames.length);
  }

  /** Feeds the next chunk of bytes. */
  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    let start = 0;
    let buf = chunk;
    if (this.carry) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl < 0) {
        this.appendCarry(chunk);
        return;
      }
      buf = Buffer.concat([this.carry, chunk.subarray(0, nl + 1)]);
      this.carry = null;
      this.parseLines(buf, 0, buf.length);
      start = nl + 1;
      buf = chunk;
    } else if (this.skippingLongLine) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl < 0) return;
      this.skippingLongLine = false;
      start = nl + 1;
    }
    const last = buf.lastIndexOf(NEWLINE);
    if (last < start) {
      this.appendCarry(buf.subarray(start));
      return;
    }
    this.parseLines(buf, start, last + 1);
    if (last + 1 < buf.length) this.appendCarry(buf.subarray(last + 1));
    if (!this.estimated) this.estimateCapacity();
  }

  /** Sizes the columns once from the bytes per line seen so far and the expected input size. */
  private estimateCapacity(): void {
    this.estimated = true;
    if (!this.expectedBytes || this.lineNo === 0 || !this.format) return;
    const bytesPerLine = this.bytes / this.lineNo;
    const rows = Math.ceil((this.expectedBytes / bytesPerLine) * ESTIMATE_MARGIN);
    if (rows > this.capacity) this.resize(rows);
  }

  private appendCarry(part: Buffer): void {
    const length = (this.carry?.length ?? 0) + part.length;
    if (length > this.opts.maxLineBytes) {
      // An oversized line (e.g. a binary or newline-less file): reject it without buffering it whole.
      this.lineNo++;
      const head = (this.carry ?? part).subarray(0, 200).toString("latin1");
      this.reject("oversized line", `line longer than ${this.opts.maxLineBytes} bytes`, head);
      this.carry = null;
      this.skippingLongLine = true;
      return;
    }
    this.carry = this.carry ? Buffer.concat([this.carry, part]) : Buffer.from(part);
  }

  /** Parses the complete lines in buf[start, end); end is just past a newline. */
  private parseLines(buf: Buffer, start: number, end: number): void {
    let lineStart = start;
    while (lineStart < end) {
      let nl = buf.indexOf(NEWLINE, lineStart);
      if (nl < 0 || nl >= end) nl = end;
      this.lineNo++;
      let lineEnd = nl;
      if (lineEnd > lineStart && buf[lineEnd - 1] === CR) lineEnd--;
      if (lineEnd - lineStart > this.opts.maxLineBytes) {
        this.reject(
          "oversized line",
          `line longer than ${this.opts.maxLineBytes} bytes`,
          buf.toString("latin1", lineStart, lineStart + 200),
        );
      } else {
        this.parseLine(buf, lineStart, lineEnd);
      }
      lineStart = nl + 1;
    }
  }

  private parseLine(buf: Buffer, start: number, end: number): void {
    if (isBlank(buf, start, end)) {
      this.blank++;
      return;
    }
    if (!this.format) {
      const fields = countFields(buf, start, end);
      const format = (Object.keys(FIELDS_PER_LINE) as KddFormat[]).find((k) => FIELDS_PER_LINE[k] === fields);
      if (!format) {
        throw new ParseError(
          `${this.source}: cannot tell the format from line ${this.lineNo}, which has ${fields} fields; ` +
            `KDD99 lines have 42 and NSL-KDD lines 43. Check the file, or pass { format } explicitly.`,
        );
      }
      this.setFormat(format);
    }
    if (this.n === this.capacity) this.grow();
    const fieldKind = this.fieldKind;
    const fieldColumn = this.fieldColumn;
    const numeric = this.numeric;
    const expected = fieldKind.length;
    const labelColumn = this.symbolicNames.length - 1;
    const keepMissing = this.opts.missing === "keep";
    const row = this.n;
    let field = 0;
    let pos = start;
    let missingInRow = false;
    for (;;) {
      let s = pos;
      while (pos < end && buf[pos] !== COMMA) pos++;
      if (field >= expected) {
        this.rejectFieldCount(buf, start, end);
        return;
      }
      // Trim blanks around the field.
      let e = pos;
      while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++;
      while (e > s && (buf[e - 1] === SPACE || buf[e - 1] === TAB)) e--;
      const column = fieldColumn[field];
      const isNumeric = fieldKind[field] === NUMERIC;
      if (s === e || (e - s === 1 && buf[s] === QUESTION)) {
        if (!keepMissing || (!isNumeric && column === labelColumn)) {
          const name = this.fieldName(field);
          this.reject(
            "missing value",
            `missing value in column ${field + 1} (${name})`,
            lineText(buf, start, end),
          );
          return;
        }
        missingInRow = true;
        if (isNumeric) numeric[column][row] = Number.NaN;
      } else if (isNumeric) {
        const v = parseNumber(buf, s, e);
        if (v !== v) {
          // NaN: not a number. A shifted line (a field missing or extra) shows first as a
          // non-number: name the real cause.
          if (countFields(buf, start, end) !== expected) {
            this.rejectFieldCount(buf, start, end);
            return;
          }
          this.reject(
            "non-numeric",
            `column ${field + 1} (${this.numericNames[column]}) is "${buf.toString("latin1", s, Math.min(e, s + 40))}", not a number`,
            lineText(buf, start, end),
          );
          return;
        }
        numeric[column][row] = v;
      }
      if (!isNumeric) {
        if (column === labelColumn && e > s && buf[e - 1] === DOT) e--; // KDD99 writes "normal.", NSL-KDD "normal"
        this.pendingStart[column] = s;
        this.pendingEnd[column] = e;
      }
      field++;
      if (pos >= end) break;
      pos++;
    }
    if (field !== expected) {
      this.rejectFieldCount(buf, start, end);
      return;
    }
    // The whole line parsed: commit its symbolic values.
    for (let k = 0; k < this.codes.length; k++) {
      this.codes[k][row] = this.dictionaries[k].findOrAdd(
        buf,
        this.pendingStart[k],
        this.pendingEnd[k],
        this.lineNo,
        this.source,
      );
    }
    if (missingInRow) this.countMissing(row);
    this.n++;
  }

  private countMissing(row: number): void {
    for (let k = 0; k < this.numeric.length; k++) {
      if (Number.isNaN(this.numeric[k][row])) {
        const name = this.numericNames[k];
        this.missingByColumn[name] = (this.missingByColumn[name] ?? 0) + 1;
      }
    }
    for (let k = 0; k < this.codes.length; k++) {
      const v = this.dictionaries[k].values[this.codes[k][row]];
      if (v === "" || v === "?") {
        const name = this.symbolicNames[k];
        this.missingByColumn[name] = (this.missingByColumn[name] ?? 0) + 1;
      }
    }
  }

  private fieldName(field: number): string {
    return this.fieldKind[field] === NUMERIC
      ? this.numericNames[this.fieldColumn[field]]
      : this.symbolicNames[this.fieldColumn[field]];
  }

  private rejectFieldCount(buf: Buffer, start: number, end: number): void {
    const got = countFields(buf, start, end);
    this.reject(
      "field count",
      `expected ${this.fieldKind.length} fields, got ${got}`,
      lineText(buf, start, end),
    );
  }

  private reject(kind: string, reason: string, text: string): void {
    this.rejected++;
    this.rejectedByReason[kind] = (this.rejectedByReason[kind] ?? 0) + 1;
    if (this.rejectExamples.length < this.opts.maxRejectExamples) {
      this.rejectExamples.push({ line: this.lineNo, reason, text });
    }
  }

  private grow(): void {
    this.resize(this.capacity * 2);
  }

  private resize(capacity: number): void {
    this.capacity = capacity;
    this.numeric = this.numeric.map((a) => growArray(new Float64Array(capacity), a));
    this.codes = this.codes.map((a) => growArray(new Uint16Array(capacity), a));
  }

  /**
   * Ends the input and returns the table and report.
   * @throws SchemaError naming every label outside the attack map, with counts and first lines.
   */
  finish(): LoadResult {
    if (this.carry) {
      const tail = this.carry;
      this.carry = null;
      this.parseLines(tail, 0, tail.length);
    }
    if (!this.format) {
      throw new ParseError(`${this.source}: no data lines (${this.blank} blank lines); the file is empty.`);
    }
    const n = this.n;
    const trim = <T extends Float64Array | Uint16Array>(a: T): T =>
      (a.length === n ? a : a.length > n * 1.25 ? a.slice(0, n) : a.subarray(0, n)) as T;
    const labelColumn = this.symbolicNames.length - 1;
    if (this.opts.validateLabels)
      this.checkLabels(trim(this.codes[labelColumn]), this.dictionaries[labelColumn]);
    const columns: Column[] = [];
    for (let field = 0; field < this.fieldKind.length; field++) {
      const k = this.fieldColumn[field];
      if (this.fieldKind[field] === NUMERIC) {
        columns.push({ kind: "numeric", name: this.numericNames[k], values: trim(this.numeric[k]) });
      } else {
        const dictionary = this.dictionaries[k].values;
        columns.push({
          kind: "symbolic",
          name: this.symbolicNames[k],
          codes: trim(this.codes[k]),
          dictionary,
        });
      }
    }
    return {
      table: new Table(columns),
      report: {
        source: this.source,
        format: this.format,
        lines: this.lineNo,
        rows: n,
        blankLines: this.blank,
        rejected: this.rejected,
        rejectedByReason: { ...this.rejectedByReason },
        rejectExamples: [...this.rejectExamples],
        missingByColumn: { ...this.missingByColumn },
        bytes: this.bytes,
      },
    };
  }

  private checkLabels(labels: Uint16Array, dictionary: ByteDictionary): void {
    const unknown = dictionary.values
      .map((name, code) => ({ name, code }))
      .filter(({ name }) => ATTACK_CATEGORY[name] === undefined);
    if (unknown.length === 0) return;
    const counts = new Float64Array(dictionary.values.length);
    for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
    const list = unknown
      .map(
        ({ name, code }) => `"${name}" (${counts[code]} rows, first at line ${dictionary.firstLine[code]})`,
      )
      .join(", ");
    throw new SchemaError(
      `${this.source}: unknown attack label(s) ${list}. Add each with its category to ATTACK_CATEGORY ` +
        `in lib/datasets/kdd99.ts, or pass { validateLabels: false } to load the file anyway.`,
    );
  }
}

function growArray<T extends Float64Array | Uint16Array>(target: T, source: T): T {
  target.set(source);
  return target;
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== SPACE && buf[i] !== TAB && buf[i] !== CR) return false;
  return true;
}

function countFields(buf: Buffer, start: number, end: number): number {
  let fields = 1;
  for (let i = start; i < end; i++) if (buf[i] === COMMA) fields++;
  return fields;
}

function lineText(buf: Buffer, start: number, end: number): string {
  return buf.toString("latin1", start, Math.min(end, start + 200));
}

/**
 * Parses a decimal number from bytes without allocating: [+-]digits[.digits]. Anything else
 * (exponents, more digits than a double holds exactly) goes through `Number()` on the text, so the
 * result always equals what `Number(text)` gives; text that is not a number returns NaN (decimal
 * text never parses to NaN, so NaN is a safe failure signal on the hot path).
 */
function parseNumber(buf: Buffer, s: number, e: number): number {
  let i = s;
  const negative = buf[i] === MINUS;
  if (negative || buf[i] === PLUS) i++;
  let mantissa = 0;
  let fractionDigits = 0;
  let sawDigit = false;
  let seenDot = false;
  for (; i < e; i++) {
    const b = buf[i];
    if (b >= ZERO && b <= NINE) {
      mantissa = mantissa * 10 + (b - ZERO);
      sawDigit = true;
      if (seenDot) fractionDigits++;
    } else if (b === DOT && !seenDot) {
      seenDot = true;
    } else {
      return parseSlow(buf, s, e);
    }
  }
  if (!sawDigit) return Number.NaN;
  // Beyond 2^53 the running mantissa is no longer exact: let Number() round it properly.
  if (mantissa > Number.MAX_SAFE_INTEGER || fractionDigits >= POW10.length) return parseSlow(buf, s, e);
  const v = fractionDigits === 0 ? mantissa : mantissa / POW10[fractionDigits];
  return negative ? -v : v;
}

function parseSlow(buf: Buffer, s: number, e: number): number {
  const text = buf.toString("latin1", s, e);
  // Number("") is 0 and Number("0x10") is 16: accept only decimal notation.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number.NaN;
  return Number(text);
}

/**
 * Parses KDD text already in memory (tests, small inputs).
 * @example parseKddText("0,tcp,http,SF,181,5450,0,...,normal.\n").table.rows // 1
 */
export function parseKddText(text: string, options: LoadKddOptions = {}, source = "<text>"): LoadResult {
  const parser = new KddParser(source, options);
  parser.push(Buffer.from(text, "latin1"));
  return parser.finish();
}

/**
 * Loads a KDD99 or NSL-KDD file, plain or gzip-compressed (detected by its magic bytes),
 * streaming it so memory holds only the resulting columns.
 * @throws ParseError for a truncated or corrupt gzip stream (with the compressed byte offset),
 *   or a file whose format cannot be told; SchemaError for labels outside the attack map.
 * @example const { table, report } = await loadKdd("data/kdd99/corrected.gz"); table.rows // 311029
 */
export async function loadKdd(path: string, options: LoadKddOptions = {}): Promise<LoadResult> {
  const { size } = await fsp.stat(path);
  const head = Buffer.alloc(2);
  const fh = await fsp.open(path, "r");
  try {
    await fh.read(head, 0, 2, 0);
  } finally {
    await fh.close();
  }
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  const parser = new KddParser(path, {
    expectedBytes: gzip ? await gzipContentSize(path, size) : size,
    ...options,
  });
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  let compressedRead = 0;
  let lastReport = 0;
  file.on("data", (chunk) => {
    compressedRead += chunk.length;
    if (options.onProgress && compressedRead - lastReport >= 1 << 22) {
      lastReport = compressedRead;
      options.onProgress(compressedRead, size);
    }
  });
  const input = gzip ? file.pipe(createGunzip({ chunkSize: 1 << 20 })) : file;
  try {
    for await (const chunk of input) parser.push(chunk as Buffer);
  } catch (err) {
    file.destroy();
    if (err instanceof ParseError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new ParseError(
      `${path}: could not read ${gzip ? "gzip " : ""}data at compressed byte ${compressedRead} of ${size} (${message}). ` +
        `The file is truncated or corrupt: delete it and run \`npm run fetch-data\` again.`,
    );
  }
  options.onProgress?.(size, size);
  return parser.finish();
}

/**
 * The decompressed size a gzip file declares in its last four bytes (ISIZE, RFC 1952: the size
 * modulo 2^32), or undefined when that cannot be right (files over 4 GiB, multi-member files).
 */
async function gzipContentSize(path: string, size: number): Promise<number | undefined> {
  if (size < 18) return undefined;
  const fh = await fsp.open(path, "r");
  try {
    const tail = Buffer.alloc(4);
    await fh.read(tail, 0, 4, size - 4);
    const isize = tail.readUInt32LE(0);
    return isize >= size ? isize : undefined; // text compresses; a smaller ISIZE means it wrapped
  } finally {
    await fh.close();
  }
}
