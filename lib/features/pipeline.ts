/**
 * The preprocessing pipeline as a fitted value: fit on training rows only (no leakage), then
 * transform any table, or one record at a time in the monitor, with exactly the same arithmetic.
 *
 * Steps per input column, in order:
 * - symbolic columns: one-hot encoding with the vocabulary fixed at fit time; a value unseen at
 *   fit time is either encoded as all zeros and counted (`unseen: "ignore"`, the default) or an error;
 * - numeric columns: missing (NaN) values imputed with the training median, then log1p for
 *   heavy-tailed counts, bytes and durations (sign-preserving), then min-max or standard scaling;
 * - constant columns: by default a column constant over the whole training table (every class,
 *   e.g. KDD's num_outbound_cmds) is dropped with its reason; a column constant only over the fitting
 *   rows (the training normals) is kept, centred on its constant, because a departure from it is
 *   exactly what an anomaly detector must see (KDD's wrong_fragment is 0 for every normal record
 *   and non-zero for teardrop and pod). Both kinds are listed in the fitted state.
 * The output is a dense row-major Float32 matrix with one name per feature.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { OptionError, SchemaError, ShapeError } from "../core/errors";
import type { Matrix } from "../core/matrix";
import { check, violation } from "../core/schema";
import { columnVariation } from "../datasets/clean";
import { KDD_FEATURES } from "../datasets/kdd99";
import type { CellValue, Table } from "../datasets/table";

/** Scaling applied after the log transform; fitted on the training rows. */
export type Scaling = "minmax" | "standard" | "none";

export interface PipelineOptions {
  /** Input columns, in output order. Default: the 41 KDD features. */
  columns?: readonly string[];
  /** Numeric columns to log1p. Default: the KDD features marked heavy-tailed (counts, bytes, duration). */
  log1p?: readonly string[];
  /** Default `minmax`: (v - min) / (max - min) over the training rows; test values may leave [0, 1]. */
  scaling?: Scaling;
  /** Unseen categories: `ignore` (default) encodes all zeros and counts them; `error` throws. */
  unseen?: "ignore" | "error";
  /**
   * Which constant columns to drop. `table` (default): constant over every row of the table given to
   * `fit` (the training file, all classes: no test data involved). `rows`: constant over the fitting
   * rows. `none`: keep all. Kept constant columns map to (value - constant), so any departure shows.
   */
  dropConstant?: "table" | "rows" | "none";
  /** A column counts as constant when its most frequent value covers at least this share. Default 1. */
  dropModeShare?: number;
}

/** One fitted step: how one input column becomes one or more output features. */
export type FeatureStep =
  | { readonly kind: "onehot"; readonly column: string; readonly vocabulary: readonly string[] }
  | {
      readonly kind: "numeric";
      readonly column: string;
      readonly log1p: boolean;
      /** Training median of the raw value, used for missing (NaN) input. */
      readonly impute: number;
      readonly center: number;
      readonly scale: number;
    };

/** The fitted state, a plain JSON value. */
export interface PipelineState {
  readonly format: typeof PIPELINE_FORMAT;
  readonly version: typeof PIPELINE_VERSION;
  readonly options: Readonly<Required<PipelineOptions>>;
  readonly fittedRows: number;
  readonly steps: readonly FeatureStep[];
  readonly dropped: readonly { readonly column: string; readonly reason: string }[];
  /** Columns constant over the fitting rows but kept (see `dropConstant`), with their reason. */
  readonly constant?: readonly { readonly column: string; readonly reason: string }[];
  readonly featureNames: readonly string[];
}

/** The output of `transform`: the matrix, its feature names, and what was unusual in the input. */
export interface Transformed {
  readonly X: Matrix;
  readonly featureNames: readonly string[];
  /** Unseen categories per column with their counts (encoded as all zeros). */
  readonly unseen: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Missing numeric values imputed, per column. */
  readonly imputed: Readonly<Record<string, number>>;
}

export const PIPELINE_FORMAT = "detective-feature-pipeline";
export const PIPELINE_VERSION = 1;

/** A fitted preprocessing pipeline. Build one with `FeaturePipeline.fit`, or load a saved one. */
export class FeaturePipeline {
  private readonly index: Map<string, number>[] = [];
  /** `transformRecord`'s hot path, generated from the steps on first use. */
  private fastRecord?: RecordTransform;

  private constructor(readonly state: PipelineState) {
    for (const step of state.steps) {
      this.index.push(
        step.kind === "onehot" ? new Map(step.vocabulary.map((v, k) => [v, k])) : new Map<string, number>(),
      );
    }
  }

  /** Output feature names, e.g. `protocol_type=tcp`, `src_bytes`. */
  get featureNames(): readonly string[] {
    return this.state.featureNames;
  }

  /** Number of output features. */
  get width(): number {
    return this.state.featureNames.length;
  }

  /**
   * Fits the pipeline on `rows` of `table` (default all rows). Pass training rows only.
   * @throws OptionError for unknown options; SchemaError for a column missing from the table.
   * @example const p = FeaturePipeline.fit(train, { scaling: "minmax" }, trainRows); p.width // 118
   */
  static fit(table: Table, options: PipelineOptions = {}, rows?: ArrayLike<number>): FeaturePipeline {
    const opts = resolveOptions(options);
    const n = rows ? rows.length : table.rows;
    if (n === 0) throw new ShapeError("FeaturePipeline.fit: no training rows; pass at least one row.");
    const steps: FeatureStep[] = [];
    const dropped: { column: string; reason: string }[] = [];
    const constant: { column: string; reason: string }[] = [];
    const featureNames: string[] = [];
    const logSet = new Set(opts.log1p);
    const describe = (v: ReturnType<typeof columnVariation>, scope: string): string =>
      v.distinctValues === 1
        ? `constant over ${scope} (always ${v.mode})`
        : `near-constant over ${scope} (${(v.modeShare * 100).toFixed(2)}% are ${v.mode})`;
    for (const name of opts.columns) {
      const column = table.column(name);
      const overRows = columnVariation(table, name, rows);
      if (overRows.modeShare >= opts.dropModeShare) {
        const overTable = rows && opts.dropConstant === "table" ? columnVariation(table, name) : overRows;
        const drop =
          opts.dropConstant === "rows" ||
          (opts.dropConstant === "table" && overTable.modeShare >= opts.dropModeShare);
        if (drop) {
          const scope =
            opts.dropConstant === "table"
              ? `all ${table.rows} rows of the training table`
              : `the ${n} training rows`;
          dropped.push({
            column: name,
            reason: describe(opts.dropConstant === "table" ? overTable : overRows, scope),
          });
          continue;
        }
        constant.push({
          column: name,
          reason: `${describe(overRows, `the ${n} training rows`)}; kept, so a departure from it shows`,
        });
      }
      if (column.kind === "symbolic") {
        const seen = new Uint8Array(column.dictionary.length);
        for (let k = 0; k < n; k++) seen[column.codes[rows ? rows[k] : k]] = 1;
        const vocabulary = column.dictionary.filter((_, code) => seen[code]).sort();
        steps.push({ kind: "onehot", column: name, vocabulary });
        for (const v of vocabulary) featureNames.push(`${name}=${v}`);
        continue;
      }
      const raw = new Float64Array(n);
      let m = 0;
      for (let k = 0; k < n; k++) {
        const v = column.values[rows ? rows[k] : k];
        if (!Number.isNaN(v)) raw[m++] = v;
      }
      const present = raw.subarray(0, m).sort();
      const impute = m === 0 ? 0 : m % 2 ? present[(m - 1) >> 1] : (present[m / 2 - 1] + present[m / 2]) / 2;
      const log1p = logSet.has(name);
      const { center, scale } = fitScale(present, log1p, opts.scaling);
      steps.push({ kind: "numeric", column: name, log1p, impute, center, scale });
      featureNames.push(name);
    }
    return new FeaturePipeline({
      format: PIPELINE_FORMAT,
      version: PIPELINE_VERSION,
      options: opts,
      fittedRows: n,
      steps,
      dropped,
      constant,
      featureNames,
    });
  }

  /**
   * Transforms `rows` of `table` (default all) into a Float32 feature matrix.
   * @throws SchemaError for a missing column; SchemaError for an unseen category with `unseen: "error"`.
   */
  transform(table: Table, rows?: ArrayLike<number>): Transformed {
    const n = rows ? rows.length : table.rows;
    const width = this.width;
    const data = new Float32Array(n * width);
    const unseen: Record<string, Record<string, number>> = {};
    const imputed: Record<string, number> = {};
    let offset = 0;
    this.state.steps.forEach((step, s) => {
      const column = table.column(step.column);
      if (step.kind === "onehot") {
        if (column.kind !== "symbolic")
          throw new SchemaError(`FeaturePipeline: column "${step.column}" must be symbolic.`);
        // Map table codes to one-hot positions once, then the row loop is a lookup.
        const position = column.dictionary.map((v) => this.index[s].get(v) ?? -1);
        for (let k = 0; k < n; k++) {
          const code = column.codes[rows ? rows[k] : k];
          const p = position[code];
          if (p >= 0) data[k * width + offset + p] = 1;
          else this.countUnseen(unseen, step.column, column.dictionary[code]);
        }
        offset += step.vocabulary.length;
      } else {
        if (column.kind !== "numeric")
          throw new SchemaError(`FeaturePipeline: column "${step.column}" must be numeric.`);
        let missing = 0;
        for (let k = 0; k < n; k++) {
          const raw = column.values[rows ? rows[k] : k];
          if (Number.isNaN(raw)) missing++;
          data[k * width + offset] = numericFeature(step, raw);
        }
        if (missing > 0) imputed[step.column] = missing;
        offset += 1;
      }
    });
    return { X: { data, rows: n, cols: width }, featureNames: this.featureNames, unseen, imputed };
  }

  /**
   * Transforms one record (e.g. a connection assembled by the monitor), with the same arithmetic
   * as `transform`. Unseen categories follow the `unseen` option.
   * @throws SchemaError when a column is absent from the record or has the wrong type.
   */
  transformRecord(record: Readonly<Record<string, CellValue | undefined>>): Float32Array {
    const out = new Float32Array(this.width);
    this.fastRecord ??= compileRecordTransform(this.state.steps, this.index, this.state.options.unseen);
    if (this.fastRecord(record, out)) return out;
    out.fill(0);
    // the rare path: a missing value, a value of another type, a refused unseen category
    let offset = 0;
    this.state.steps.forEach((step, s) => {
      const value = record[step.column];
      if (value === undefined) throw new SchemaError(`FeaturePipeline: the record has no "${step.column}".`);
      if (step.kind === "onehot") {
        const p = this.index[s].get(String(value));
        if (p !== undefined) out[offset + p] = 1;
        else if (this.state.options.unseen === "error") throw unseenError(step.column, String(value));
        offset += step.vocabulary.length;
      } else {
        if (typeof value !== "number") {
          throw new SchemaError(`FeaturePipeline: "${step.column}" must be a number, got "${value}".`);
        }
        out[offset++] = numericFeature(step, value);
      }
    });
    return out;
  }

  private countUnseen(unseen: Record<string, Record<string, number>>, column: string, value: string): void {
    if (this.state.options.unseen === "error") throw unseenError(column, value);
    const counts = unseen[column] ?? {};
    counts[value] = (counts[value] ?? 0) + 1;
    unseen[column] = counts;
  }

  /** The fitted state as JSON text. */
  toJSON(): PipelineState {
    return this.state;
  }

  /**
   * Rebuilds a pipeline from its saved state, checking all of it (options, steps, names); `path`
   * names the value in errors (e.g. `bundle.content.pipeline.steps[3].scale`).
   * @throws SchemaError when the value is not a pipeline of this version or a field is malformed.
   */
  static fromJSON(value: unknown, path = "pipeline"): FeaturePipeline {
    const v = value as Partial<PipelineState> | null;
    if (typeof v !== "object" || v === null || Array.isArray(v) || v.format !== PIPELINE_FORMAT) {
      const format = typeof v === "object" && v !== null ? (v as { format?: unknown }).format : v;
      throw new SchemaError(
        `FeaturePipeline.fromJSON: ${path} is not a saved feature pipeline (format ${JSON.stringify(format) ?? "missing"}).`,
      );
    }
    if (v.version !== PIPELINE_VERSION) {
      throw new SchemaError(
        `FeaturePipeline.fromJSON: ${path} saved with version ${JSON.stringify(v.version)}, this code reads version ${PIPELINE_VERSION}. ` +
          "Re-fit the pipeline with this version of Detective.",
      );
    }
    checkState(v, path);
    const width = (v.steps ?? []).reduce((w, s) => w + (s.kind === "onehot" ? s.vocabulary.length : 1), 0);
    if (width !== v.featureNames?.length) {
      throw new SchemaError(
        `FeaturePipeline.fromJSON: steps produce ${width} features but ${v.featureNames?.length} names are saved; the file is damaged.`,
      );
    }
    return new FeaturePipeline(v as PipelineState);
  }

  /** Writes the fitted pipeline to a JSON file. */
  save(path: string): void {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(this.state)}\n`);
  }

  /** Reads a pipeline saved with `save`. */
  static load(path: string): FeaturePipeline {
    return FeaturePipeline.fromJSON(JSON.parse(readFileSync(path, "utf8")));
  }
}

/** Writes one record's features into `out`; false when a value is missing, mistyped or unseen-and-refused. */
type RecordTransform = (
  record: Readonly<Record<string, CellValue | undefined>>,
  out: Float32Array,
) => boolean;

/**
 * `transformRecord`'s hot path as one function generated from the fitted steps: each column read
 * by name (`r["src_bytes"]`, monomorphic when records share a shape, where a loop over the steps
 * does a keyed load of a different name each time), the arithmetic of `numericFeature` with the
 * step's constants, and the one-hot vocabularies' maps. It returns false for anything unusual and
 * `transformRecord` then takes the loop, which says what is wrong; so both give the same output.
 * Only the steps' numbers (as `k[i]`) and JSON-quoted column names reach the generated code.
 */
/** Checks every field of a saved pipeline's state but its format and version (see `fromJSON`). */
function checkState(v: object, path: string): void {
  const state = check.object(v, path);
  const o = check.object(state.options, `${path}.options`);
  const columns = check.strings(o.columns, `${path}.options.columns`);
  // A column is read by name from each record: only the names the options list, none twice, and
  // never a name every object has (`__proto__`, `constructor`), which a record would "have".
  const listed = new Set<string>();
  columns.forEach((name, i) => {
    if (name === "" || name in Object.prototype || listed.has(name))
      violation(`${path}.options.columns[${i}]`, "a column name, non-empty, listed once", name);
    listed.add(name);
  });
  const knownColumn = (value: unknown, at: string): string => {
    const name = check.string(value, at);
    if (!listed.has(name)) violation(at, `one of the columns of ${path}.options.columns`, name);
    return name;
  };
  check.strings(o.log1p, `${path}.options.log1p`);
  check.oneOf(o.scaling, `${path}.options.scaling`, ["minmax", "standard", "none"]);
  check.oneOf(o.unseen, `${path}.options.unseen`, ["ignore", "error"]);
  check.oneOf(o.dropConstant, `${path}.options.dropConstant`, ["table", "rows", "none"]);
  check.number(o.dropModeShare, `${path}.options.dropModeShare`, { min: 0, max: 1 });
  check.integer(state.fittedRows, `${path}.fittedRows`, { min: 0 });
  const reasons = (value: unknown, at: string): void => {
    check.arrayOf(value, at, (item, p) => {
      const r = check.object(item, p);
      knownColumn(r.column, `${p}.column`);
      return check.string(r.reason, `${p}.reason`);
    });
  };
  reasons(state.dropped, `${path}.dropped`);
  check.optional(state.constant, `${path}.constant`, reasons);
  check.arrayOf(state.steps, `${path}.steps`, (item, p) => {
    const step = check.object(item, p);
    knownColumn(step.column, `${p}.column`);
    if (check.oneOf(step.kind, `${p}.kind`, ["onehot", "numeric"]) === "onehot") {
      return check.strings(step.vocabulary, `${p}.vocabulary`);
    }
    check.boolean(step.log1p, `${p}.log1p`);
    check.number(step.impute, `${p}.impute`);
    check.number(step.center, `${p}.center`);
    // A scale of 0 would turn every value into Infinity or NaN.
    return check.number(step.scale, `${p}.scale`, { above: 0 });
  });
  check.strings(state.featureNames, `${path}.featureNames`);
}

function compileRecordTransform(
  steps: readonly FeatureStep[],
  index: readonly Map<string, number>[],
  unseen: PipelineOptions["unseen"],
): RecordTransform {
  const k: number[] = [];
  const constant = (x: number): string => `k[${k.push(x) - 1}]`;
  const lines: string[] = ["let v;"];
  let offset = 0;
  steps.forEach((step, s) => {
    lines.push(`v = r[${JSON.stringify(step.column)}];`);
    if (step.kind === "onehot") {
      lines.push(
        `if (typeof v !== "string") return false;`,
        `{ const p = maps[${s}].get(v); if (p !== undefined) out[${offset} + p] = 1; else if (${unseen === "error"}) return false; }`,
      );
      offset += step.vocabulary.length;
    } else {
      lines.push(
        `if (typeof v !== "number") return false;`,
        `if (v !== v) v = ${constant(step.impute)};`,
        step.log1p ? "v = v < 0 ? -Math.log1p(-v) : Math.log1p(v);" : "",
        `out[${offset++}] = (v - ${constant(step.center)}) / ${constant(step.scale)};`,
      );
    }
  });
  lines.push("return true;");
  const make = new Function(
    "k",
    "maps",
    `return function transformRecord(r, out) {\n${lines.join("\n")}\n};`,
  );
  return make(k, index) as RecordTransform;
}

/** The value of one numeric feature: impute, log1p, scale. Shared by batch and record paths. */
export function numericFeature(step: Extract<FeatureStep, { kind: "numeric" }>, raw: number): number {
  let v = Number.isNaN(raw) ? step.impute : raw;
  if (step.log1p) v = signedLog1p(v);
  return (v - step.center) / step.scale;
}

/** sign(v) * log(1 + |v|): log1p that keeps the sign, so negative input cannot produce -Infinity. */
export function signedLog1p(v: number): number {
  return v < 0 ? -Math.log1p(-v) : Math.log1p(v);
}

function fitScale(
  sortedRaw: Float64Array,
  log1p: boolean,
  scaling: Scaling,
): { center: number; scale: number } {
  if (scaling === "none" || sortedRaw.length === 0) return { center: 0, scale: 1 };
  const t = (v: number): number => (log1p ? signedLog1p(v) : v);
  if (scaling === "minmax") {
    const min = t(sortedRaw[0]);
    const range = t(sortedRaw[sortedRaw.length - 1]) - min;
    return { center: min, scale: range > 0 ? range : 1 };
  }
  let mean = 0;
  for (let k = 0; k < sortedRaw.length; k++) mean += (t(sortedRaw[k]) - mean) / (k + 1);
  let ss = 0;
  for (let k = 0; k < sortedRaw.length; k++) ss += (t(sortedRaw[k]) - mean) ** 2;
  const std = Math.sqrt(ss / sortedRaw.length); // population std, as scikit-learn's StandardScaler
  return { center: mean, scale: std > 0 ? std : 1 };
}

function unseenError(column: string, value: string): SchemaError {
  return new SchemaError(
    `FeaturePipeline: "${column}" has the value "${value}", unseen when the pipeline was fitted. ` +
      `Fit with { unseen: "ignore" } to encode unseen values as all zeros, or re-fit on data that includes it.`,
  );
}

function resolveOptions(options: PipelineOptions): Required<PipelineOptions> {
  const scaling = options.scaling ?? "minmax";
  if (!["minmax", "standard", "none"].includes(scaling)) {
    throw new OptionError(
      `FeaturePipeline: scaling must be "minmax", "standard" or "none", got "${scaling}".`,
    );
  }
  const unseen = options.unseen ?? "ignore";
  if (unseen !== "ignore" && unseen !== "error") {
    throw new OptionError(`FeaturePipeline: unseen must be "ignore" or "error", got "${String(unseen)}".`);
  }
  const dropConstant = options.dropConstant ?? "table";
  if (!["table", "rows", "none"].includes(dropConstant)) {
    throw new OptionError(
      `FeaturePipeline: dropConstant must be "table", "rows" or "none", got "${dropConstant}".`,
    );
  }
  const dropModeShare = options.dropModeShare ?? 1;
  if (!(dropModeShare > 0 && dropModeShare <= 1)) {
    throw new OptionError(`FeaturePipeline: dropModeShare must be in (0, 1], got ${dropModeShare}.`);
  }
  return {
    columns: [...(options.columns ?? KDD_FEATURES.map((f) => f.name))],
    log1p: [...(options.log1p ?? KDD_FEATURES.filter((f) => f.heavyTailed).map((f) => f.name))],
    scaling,
    unseen,
    dropConstant,
    dropModeShare,
  };
}
