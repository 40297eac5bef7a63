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

/** What `showTable` needs of a notebook's display (tslab's `display` has it). */
export interface HtmlDisplay {
  html(text: string): void;
}

/** A danfojs DataFrame or Series, as far as `tableRecords` reads one. */
interface DanfoLike {
  readonly index: readonly (string | number)[];
  readonly values: readonly unknown[];
  readonly columns?: readonly string[];
}

function isDanfo(value: unknown): value is DanfoLike {
  return (
    typeof value === "object" &&
    value !== null &&
    "index" in value &&
    "values" in value &&
    !Array.isArray(value)
  );
}

/**
 * Plain records from summary records, a danfojs DataFrame (its index as a first column when it is
 * not 0..n-1, as after `describe()`) or a danfojs Series (index and value, as after `valueCounts()`).
 */
export function tableRecords(data: readonly object[] | DanfoLike): Record<string, unknown>[] {
  if (!isDanfo(data)) return data.map((r) => ({ ...r }) as Record<string, unknown>);
  const index = [...data.index];
  const plainIndex = index.every((v, k) => v === k);
  if (data.columns === undefined || !Array.isArray(data.values[0])) {
    return index.map((v, k) => ({ [plainIndex ? "row" : "value"]: v, count: data.values[k] }));
  }
  const columns = data.columns;
  return (data.values as unknown[][]).map((row, k) => ({
    ...(plainIndex ? {} : { "": index[k] }),
    ...Object.fromEntries(columns.map((c, j) => [c, row[j]])),
  }));
}

/**
 * A number for reading: integers with thousands separators (`61,929`), others to `digits`
 * significant digits, also separated (`1,234.6`, `0.9771`); NaN, null and undefined as "–".
 */
export function formatCell(value: unknown, digits = 4): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "–";
    if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
    if (Number.isInteger(value)) return value.toLocaleString("en");
    const magnitude = Math.floor(Math.log10(Math.abs(value)));
    const decimals = Math.max(0, Math.min(12, digits - 1 - magnitude));
    return value.toLocaleString("en", { minimumFractionDigits: 0, maximumFractionDigits: decimals });
  }
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * An HTML table of summary records, a danfojs DataFrame or Series: numbers right-aligned with
 * thousands separators and `digits` significant digits, at most `maxRows` rows (the count of the
 * rest is said), text cells escaped. What `showTable` displays.
 */
export function tableHtml(data: readonly object[] | DanfoLike, options: FrameOptions = {}): string {
  const records = tableRecords(data);
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const numeric = columns.map((c) =>
    records.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === "number"),
  );
  const align = (k: number): string =>
    numeric[k] ? ' style="text-align:right"' : ' style="text-align:left"';
  const head = columns.map((c, k) => `<th${align(k)}>${escapeHtml(c)}</th>`).join("");
  const body = records
    .slice(0, maxRows)
    .map(
      (r) =>
        `<tr>${columns.map((c, k) => `<td${align(k)}>${escapeHtml(formatCell(r[c], options.digits))}</td>`).join("")}</tr>`,
    )
    .join("\n");
  const more =
    records.length > maxRows
      ? `\n<p class="detective-table-more">${(records.length - maxRows).toLocaleString("en")} more rows not shown (of ${records.length.toLocaleString("en")}).</p>`
      : "";
  return `<table class="detective-table">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>${more}`;
}

/**
 * Shows a table in a notebook as HTML (what Jupyter, nbconvert and GitHub render as a table):
 * summary records, a danfojs DataFrame (e.g. `describe()`) or Series (e.g. `valueCounts()`).
 * @example showTable(tslab.display, composition({ corrected }))
 */
export function showTable(
  display: HtmlDisplay,
  data: readonly object[] | DanfoLike,
  options: FrameOptions = {},
): void {
  display.html(tableHtml(data, options));
}
