/**
 * Summaries for the data notebook and the report: class composition, attack types, duplicates,
 * and distributions of raw columns or transformed features. They return plain records (one per
 * row of a summary table) so a notebook can display them and a test can check them.
 */
import type { Matrix } from "../core/matrix";
import { findDuplicates } from "./clean";
import { ATTACK_CATEGORIES, type AttackCategory, attackCategory, LABEL_COLUMN } from "./kdd99";
import { type Table, valueCounts } from "./table";

/** Rows per attack category, with the dataset's name and size. */
export type CompositionRow = { dataset: string; rows: number; attackTypes: number } & Record<
  AttackCategory,
  number
>;

/**
 * Class and attack-category composition of each table.
 * @example composition({ corrected })[0].normal // 60593
 */
export function composition(tables: Readonly<Record<string, Table>>): CompositionRow[] {
  return Object.entries(tables).map(([dataset, table]) => {
    const row = { dataset, rows: table.rows, attackTypes: 0 } as CompositionRow;
    for (const c of ATTACK_CATEGORIES) row[c] = 0;
    for (const [label, count] of valueCounts(table, LABEL_COLUMN)) {
      const category = attackCategory(label);
      row[category] += count;
      if (category !== "normal") row.attackTypes++;
    }
    return row;
  });
}

/** One attack type: its category, and its rows in each table. */
export type AttackTypeRow = { attack: string; category: AttackCategory } & Record<string, number | string>;

/**
 * Rows per attack type in each table, sorted by category then name; 0 where a type is absent.
 * Types absent from the first table (the training file) are the novel attacks of the others.
 */
export function attackTypeCounts(tables: Readonly<Record<string, Table>>): AttackTypeRow[] {
  const counts = new Map<string, Record<string, number>>();
  const names = Object.keys(tables);
  for (const [dataset, table] of Object.entries(tables)) {
    for (const [label, count] of valueCounts(table, LABEL_COLUMN)) {
      if (label === "normal") continue;
      const row = counts.get(label) ?? Object.fromEntries(names.map((n) => [n, 0]));
      row[dataset] = count;
      counts.set(label, row);
    }
  }
  const order = (c: AttackCategory): number => ATTACK_CATEGORIES.indexOf(c);
  return [...counts.entries()]
    .map(([attack, row]) => ({ attack, category: attackCategory(attack), ...row }) as AttackTypeRow)
    .sort((a, b) => order(a.category) - order(b.category) || (a.attack < b.attack ? -1 : 1));
}

/** Exact duplicates per table, overall and among normal records. */
export interface DuplicateRow {
  dataset: string;
  rows: number;
  duplicates: number;
  duplicateShare: number;
  distinct: number;
  normalRows: number;
  normalDuplicates: number;
}

/** Counts exact duplicate records in each table (see `findDuplicates`). */
export function duplicateSummary(tables: Readonly<Record<string, Table>>): DuplicateRow[] {
  return Object.entries(tables).map(([dataset, table]) => {
    const report = findDuplicates(table);
    const label = table.symbolic(LABEL_COLUMN);
    const normal = label.dictionary.indexOf("normal");
    let normalRows = 0;
    let normalDuplicates = 0;
    for (let i = 0; i < table.rows; i++) {
      if (label.codes[i] === normal) {
        normalRows++;
        normalDuplicates += report.isDuplicate[i];
      }
    }
    return {
      dataset,
      rows: table.rows,
      duplicates: report.duplicates,
      duplicateShare: report.duplicates / table.rows,
      distinct: report.distinct,
      normalRows,
      normalDuplicates,
    };
  });
}

/** Distribution of one column or feature. */
export interface DistributionRow {
  name: string;
  mean: number;
  std: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Share of values equal to zero, in [0, 1]: most KDD counts are zero most of the time. */
  zeros: number;
}

/**
 * Distribution summary of values (NaN ignored), with quantiles by the nearest-rank method.
 * @example distribution("x", Float64Array.of(0, 1, 2, 3)).p50 // 1
 */
export function distribution(name: string, values: ArrayLike<number>): DistributionRow {
  const v = Float64Array.from(values).filter((x) => !Number.isNaN(x));
  v.sort();
  const n = v.length;
  let mean = 0;
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    mean += (v[i] - mean) / (i + 1);
    if (v[i] === 0) zeros++;
  }
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (v[i] - mean) ** 2;
  const q = (p: number): number =>
    n === 0 ? Number.NaN : v[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))];
  return {
    name,
    mean,
    std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0,
    min: n ? v[0] : Number.NaN,
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    max: n ? v[n - 1] : Number.NaN,
    zeros: n ? zeros / n : Number.NaN,
  };
}

/** Distributions of numeric table columns over `rows` (default all). */
export function columnDistributions(
  table: Table,
  names: readonly string[],
  rows?: ArrayLike<number>,
): DistributionRow[] {
  return names.map((name) => {
    const values = table.numeric(name);
    return distribution(name, rows ? Float64Array.from(rows, (i) => values[i]) : values);
  });
}

/** Distributions of named features (columns) of a feature matrix. */
export function featureDistributions(
  X: Matrix,
  featureNames: readonly string[],
  names: readonly string[],
): DistributionRow[] {
  return names.map((name) => {
    const j = featureNames.indexOf(name);
    if (j < 0)
      throw new RangeError(
        `featureDistributions: no feature "${name}"; features are ${featureNames.join(", ")}.`,
      );
    const values = new Float64Array(X.rows);
    for (let i = 0; i < X.rows; i++) values[i] = X.data[i * X.cols + j];
    return distribution(name, values);
  });
}
