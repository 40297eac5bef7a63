/**
 * Cleaning steps with counts: exact duplicate records, and constant or near-constant columns.
 * Nothing is removed silently: each function returns what it found so the notebook and the
 * study can report it (KDD99's 10% file is about three quarters duplicates: McHugh 2000,
 * Tavallaee et al. 2009).
 */
import type { Table } from "./table";

/** Which rows repeat an earlier row exactly. */
export interface DuplicateReport {
  /** 1 where the row is identical (every column, label included) to an earlier row. */
  readonly isDuplicate: Uint8Array;
  /** How many rows are duplicates of an earlier row. */
  readonly duplicates: number;
  /** Rows left after removing duplicates (the distinct records). */
  readonly distinct: number;
}

/**
 * Finds exact duplicate rows: equal in every column (by value, so `0.0` equals `0.00`).
 * Uses an open-addressing hash table over a 32-bit row hash and confirms every match by
 * comparing the rows, so a hash collision can never merge two different records.
 * @param columns the columns that must agree; default all.
 * @example findDuplicates(table).duplicates // 348,435 on kddcup.data_10_percent
 */
export function findDuplicates(
  table: Table,
  columns: readonly string[] = table.columnNames,
): DuplicateReport {
  const n = table.rows;
  const numeric: Float64Array[] = [];
  const codes: Uint16Array[] = [];
  for (const name of columns) {
    const c = table.column(name);
    if (c.kind === "numeric") numeric.push(c.values);
    else codes.push(c.codes);
  }
  const hashes = new Uint32Array(n);
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  for (let i = 0; i < n; i++) {
    let h = 0x811c9dc5;
    for (const col of numeric) {
      const v = col[i];
      bits[0] = v === 0 ? 0 : v; // -0 and 0 are the same value
      h = mix(h, words[0]);
      h = mix(h, words[1]);
    }
    for (const col of codes) h = mix(h, col[i]);
    hashes[i] = h;
  }
  const sameRow = (a: number, b: number): boolean => {
    for (const col of numeric) {
      const x = col[a];
      const y = col[b];
      if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return false;
    }
    for (const col of codes) if (col[a] !== col[b]) return false;
    return true;
  };
  let size = 1;
  while (size < n * 2) size <<= 1;
  const mask = size - 1;
  const slots = new Int32Array(size).fill(-1);
  const isDuplicate = new Uint8Array(n);
  let duplicates = 0;
  for (let i = 0; i < n; i++) {
    const h = hashes[i];
    let slot = h & mask;
    for (;;) {
      const j = slots[slot];
      if (j < 0) {
        slots[slot] = i;
        break;
      }
      if (hashes[j] === h && sameRow(i, j)) {
        isDuplicate[i] = 1;
        duplicates++;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return { isDuplicate, duplicates, distinct: n - duplicates };
}

// Murmur3's 32-bit mixing step.
function mix(h: number, k: number): number {
  let x = Math.imul(k, 0xcc9e2d51);
  x = (x << 15) | (x >>> 17);
  x = Math.imul(x, 0x1b873593);
  let y = h ^ x;
  y = (y << 13) | (y >>> 19);
  return (Math.imul(y, 5) + 0xe6546b64) | 0;
}

/** Indices of the rows to keep: every row once, first occurrence kept, original order. */
export function distinctRows(report: DuplicateReport): Int32Array {
  const out = new Int32Array(report.distinct);
  let k = 0;
  for (let i = 0; i < report.isDuplicate.length; i++) if (!report.isDuplicate[i]) out[k++] = i;
  return out;
}

/** How a column varies over a set of rows. */
export interface ColumnVariation {
  readonly name: string;
  readonly distinctValues: number;
  /** The most frequent value and its share of the rows, in [0, 1]. */
  readonly mode: number | string;
  readonly modeShare: number;
}

/**
 * Constant (one value) or near-constant columns over `rows` (default all): the columns whose most
 * frequent value covers at least `minModeShare` of the rows (default 1, i.e. only constant ones).
 * @example constantColumns(table, 1)[0].name // "num_outbound_cmds" on KDD99 (always 0)
 */
export function constantColumns(
  table: Table,
  minModeShare = 1,
  rows?: ArrayLike<number>,
  columns: readonly string[] = table.columnNames,
): ColumnVariation[] {
  const out: ColumnVariation[] = [];
  for (const name of columns) {
    const v = columnVariation(table, name, rows);
    if (v.modeShare >= minModeShare) out.push(v);
  }
  return out;
}

/** Distinct values and the mode of one column over `rows` (default all). */
export function columnVariation(table: Table, name: string, rows?: ArrayLike<number>): ColumnVariation {
  const c = table.column(name);
  const n = rows ? rows.length : table.rows;
  const counts = new Map<number, number>();
  if (c.kind === "numeric") {
    for (let k = 0; k < n; k++) {
      const v = c.values[rows ? rows[k] : k];
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
  } else {
    for (let k = 0; k < n; k++) {
      const v = c.codes[rows ? rows[k] : k];
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
  }
  let mode = 0;
  let modeCount = -1;
  for (const [v, count] of counts) {
    if (count > modeCount) {
      mode = v;
      modeCount = count;
    }
  }
  return {
    name,
    distinctValues: counts.size,
    mode: c.kind === "numeric" ? mode : c.dictionary[mode],
    modeShare: n === 0 ? 1 : modeCount / n,
  };
}
