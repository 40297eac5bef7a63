/**
 * danfojs-node DataFrames as the notebook view of a `Table` or a feature matrix (head,
 * describe, value counts). danfojs is for display, not loading: its `readCSV` took about 9.5 s
 * and 1.9 GB on the 494,021-row KDD file where `loadKdd` takes about one second.
 */
import type { DataFrame } from "danfojs-node";
import type { Matrix } from "../matrix";
import type { Table } from "./table";

type Danfo = typeof import("danfojs-node");

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
  return new DataFrame(data, { columns: [...names] });
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
