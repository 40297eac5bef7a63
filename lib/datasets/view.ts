/**
 * danfojs-node DataFrames as the notebook view of a `Table` or a feature matrix (head,
 * describe, value counts). danfojs is for display, not loading: its `readCSV` took about 9.5 s
 * and 1.9 GB on the 494,021-row KDD file where `loadKdd` takes about one second.
 */
import type * as DanfoModule from "danfojs-node";
import type { DataFrame } from "danfojs-node";
import type { Matrix } from "../core/matrix";
import type { Table } from "./table";

type Danfo = typeof DanfoModule;

let danfo: Danfo | undefined;
/** danfojs loads TensorFlow.js, so it is required on first use only. */
function loadDanfo(): Danfo {
  danfo ??= require("danfojs-node") as Danfo;
  return danfo;
}

/**
 * A DataFrame of `rows` (default all) and `columns` (default all) of a table; symbolic columns
 * become strings. Keep it to a sample: a DataFrame is far heavier than the table.
 */
export function toDataFrame(table: Table, rows?: ArrayLike<number>, columns?: readonly string[]): DataFrame {
  const names = columns ?? table.columnNames;
  const n = rows ? rows.length : table.rows;
  const data: Record<string, (number | string)[]> = {};
  for (const name of names) {
    const c = table.column(name);
    const out = new Array<number | string>(n);
    for (let k = 0; k < n; k++) {
      const i = rows ? rows[k] : k;
      out[k] = c.kind === "numeric" ? c.values[i] : c.dictionary[c.codes[i]];
    }
    data[name] = out;
  }
  const { DataFrame } = loadDanfo();
  const records = Array.from({ length: Math.min(n, DEFAULT_MAX_ROWS) }, (_, k) =>
    Object.fromEntries(names.map((name) => [name, data[name][k]])),
  );
  return new DataFrame(data, {
    columns: [...names],
    config: displayConfig(names, records, DEFAULT_MAX_ROWS),
  });
}

/** A DataFrame of `rows` (default all) of a feature matrix, with its feature names as columns. */
export function matrixToDataFrame(
  X: Matrix,
  featureNames: readonly string[],
  rows?: ArrayLike<number>,
): DataFrame {
  const n = rows ? rows.length : X.rows;
  const data: number[][] = new Array(n);
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k] : k;
    data[k] = Array.from(X.data.subarray(i * X.cols, (i + 1) * X.cols));
  }
  const { DataFrame } = loadDanfo();
  return new DataFrame(data, { columns: [...featureNames] });
}

export interface FrameOptions {
  /** Round numbers to this many significant digits for display. Default 4. */
  digits?: number;
  /** Rows printed by `DataFrame.print()`. Default 60. */
  maxRows?: number;
}

/**
 * A DataFrame of summary records (one object per row), numbers rounded for reading, ready to
 * `.print()` in a notebook.
 * @example frame(composition({ corrected })).print()
 */
export function frame(records: readonly object[], options: FrameOptions = {}): DataFrame {
  const digits = options.digits ?? 4;
  const rows = records.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [
        k,
        typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(digits)) : v,
      ]),
    ),
  );
  const { DataFrame } = loadDanfo();
  const names = rows.length > 0 ? Object.keys(rows[0]) : [];
  return new DataFrame(rows, { config: displayConfig(names, rows, options.maxRows ?? DEFAULT_MAX_ROWS) });
}

/** Rows `DataFrame.print()` shows unless told otherwise. */
const DEFAULT_MAX_ROWS = 60;
/** Widest column printed; longer text is cut with an ellipsis. */
const MAX_COLUMN_WIDTH = 100;

/**
 * danfojs prints every column 17 characters wide, cutting most names and reasons; size each
 * column to its content instead (danfojs merges `tableDisplayConfig` over its own settings).
 */
function displayConfig(names: readonly string[], rows: readonly Record<string, unknown>[], maxRows: number) {
  const shown = rows.slice(0, maxRows);
  const width = (name: string): number =>
    Math.min(MAX_COLUMN_WIDTH, Math.max(name.length, ...shown.map((r) => String(r[name]).length)));
  const columns: Record<number, { width: number; truncate: number }> = {
    0: { width: Math.max(3, String(maxRows).length), truncate: 10 },
  };
  names.forEach((name, k) => {
    columns[k + 1] = { width: width(name), truncate: MAX_COLUMN_WIDTH };
  });
  return { tableMaxRow: maxRows, tableMaxColInConsole: 40, tableDisplayConfig: { columns } };
}
