/**
 * A columnar table: numeric columns in Float64Arrays, symbolic columns dictionary-encoded
 * (a Uint16Array of codes indexing a string dictionary). Lean and fast to scan; danfojs
 * DataFrames are only a view for notebooks (see `toDataFrame`).
 */
import { ShapeError, SchemaError } from "../core/errors";

/** A numeric column; a missing value (when the loader keeps them) is NaN. */
export interface NumericColumn {
  readonly kind: "numeric";
  readonly name: string;
  readonly values: Float64Array;
}

/** A symbolic column: `dictionary[codes[i]]` is the value of row i. */
export interface SymbolicColumn {
  readonly kind: "symbolic";
  readonly name: string;
  readonly codes: Uint16Array;
  readonly dictionary: readonly string[];
}

export type Column = NumericColumn | SymbolicColumn;

/** A value of one cell, as returned by `Table.value`. */
export type CellValue = number | string;

/** An immutable set of equally long columns. */
export class Table {
  readonly rows: number;
  readonly columns: readonly Column[];
  private readonly byName: Map<string, Column>;

  /** @throws ShapeError when columns differ in length or repeat a name. */
  constructor(columns: readonly Column[]) {
    this.columns = columns;
    this.rows = columns.length === 0 ? 0 : columnLength(columns[0]);
    this.byName = new Map();
    for (const c of columns) {
      if (columnLength(c) !== this.rows) {
        throw new ShapeError(`Table: column "${c.name}" has ${columnLength(c)} rows, expected ${this.rows}.`);
      }
      if (this.byName.has(c.name)) throw new ShapeError(`Table: column name "${c.name}" appears twice.`);
      this.byName.set(c.name, c);
    }
  }

  /** Column names in order. */
  get columnNames(): string[] {
    return this.columns.map((c) => c.name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** @throws SchemaError naming the missing column and the ones that exist. */
  column(name: string): Column {
    const c = this.byName.get(name);
    if (!c) throw new SchemaError(`Table: no column "${name}"; columns are ${this.columnNames.join(", ")}.`);
    return c;
  }

  /** The values of a numeric column. @throws SchemaError when it is symbolic. */
  numeric(name: string): Float64Array {
    const c = this.column(name);
    if (c.kind !== "numeric") throw new SchemaError(`Table: column "${name}" is symbolic, not numeric.`);
    return c.values;
  }

  /** A symbolic column. @throws SchemaError when it is numeric. */
  symbolic(name: string): SymbolicColumn {
    const c = this.column(name);
    if (c.kind !== "symbolic") throw new SchemaError(`Table: column "${name}" is numeric, not symbolic.`);
    return c;
  }

  /** The value of one cell (a string for symbolic columns). */
  value(name: string, row: number): CellValue {
    const c = this.column(name);
    return c.kind === "numeric" ? c.values[row] : c.dictionary[c.codes[row]];
  }

  /** Row `i` as a plain object, e.g. for an alert or a test. */
  record(i: number): Record<string, CellValue> {
    const out: Record<string, CellValue> = {};
    for (const c of this.columns) out[c.name] = c.kind === "numeric" ? c.values[i] : c.dictionary[c.codes[i]];
    return out;
  }

  /** A new table with the given rows, in the given order (dictionaries are shared). */
  take(indices: ArrayLike<number>): Table {
    const n = indices.length;
    return new Table(
      this.columns.map((c): Column => {
        if (c.kind === "numeric") {
          const values = new Float64Array(n);
          for (let i = 0; i < n; i++) values[i] = c.values[indices[i]];
          return { kind: "numeric", name: c.name, values };
        }
        const codes = new Uint16Array(n);
        for (let i = 0; i < n; i++) codes[i] = c.codes[indices[i]];
        return { kind: "symbolic", name: c.name, codes, dictionary: c.dictionary };
      }),
    );
  }

  /** A new table with only the named columns. */
  select(names: readonly string[]): Table {
    return new Table(names.map((n) => this.column(n)));
  }

  /** Row indices where `predicate(i)` holds. */
  where(predicate: (i: number) => boolean): Int32Array {
    const out: number[] = [];
    for (let i = 0; i < this.rows; i++) if (predicate(i)) out.push(i);
    return Int32Array.from(out);
  }
}

function columnLength(c: Column): number {
  return c.kind === "numeric" ? c.values.length : c.codes.length;
}

/**
 * How often each value of a symbolic column occurs, most frequent first.
 * @param rows optional subset of rows to count.
 * @example valueCounts(table, "protocol_type") // [["icmp", 283602], ["tcp", 190065], ["udp", 20354]]
 */
export function valueCounts(table: Table, name: string, rows?: ArrayLike<number>): [string, number][] {
  const c = table.symbolic(name);
  const counts = new Float64Array(c.dictionary.length);
  if (rows) for (let i = 0; i < rows.length; i++) counts[c.codes[rows[i]]]++;
  else for (let i = 0; i < c.codes.length; i++) counts[c.codes[i]]++;
  const out: [string, number][] = [];
  for (let k = 0; k < counts.length; k++) if (counts[k] > 0) out.push([c.dictionary[k], counts[k]]);
  return out.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}
