/**
 * The one detector contract, in the spirit of scikit-learn / PyOD (batch) and River (streaming):
 * options are fixed at construction, `fit(X)` learns from (mostly) normal traffic, `score(X)` gives
 * one anomaly score per row, **higher = more anomalous**, for every detector. Fitted state is kept
 * apart from the options and saves to JSON, so the real-time monitor reuses what the study trained.
 * Thresholds are not part of detectors: see `lib/eval/threshold.ts`.
 */
import { NotFittedError, OptionError, ShapeError } from "../core/errors";
import type { Matrix } from "../core/matrix";
import { check, violation } from "../core/schema";

/** A batch detector. */
export interface Detector {
  /** The detector's kind, e.g. "IsolationForest"; also its key when loading a saved model. */
  readonly name: string;
  /** Learns from the rows of X (training traffic, normal or mostly normal). Returns itself. */
  fit(X: Matrix): this;
  /** One anomaly score per row of X; higher means more anomalous. @throws NotFittedError, ShapeError */
  score(X: Matrix): Float64Array;
  /** Options and fitted state as a JSON value (`saveDetector` writes it, `loadDetector` reads it). */
  toJSON(): DetectorJSON;
}

/** A detector that can also score (and possibly learn) one record at a time, as the monitor does. */
export interface StreamingDetector extends Detector {
  /** The score of one row, without learning from it (score first, learn second, as in River). */
  scoreOne(x: ArrayLike<number>): number;
  /** Updates the fitted state with one row, where the method allows it. */
  learnOne?(x: ArrayLike<number>): this;
}

/** A saved detector. */
export interface DetectorJSON {
  readonly format: typeof DETECTOR_FORMAT;
  readonly version: number;
  readonly name: string;
  readonly options: unknown;
  readonly state: unknown;
}

export const DETECTOR_FORMAT = "detective-detector";

/** Returns the fitted state or throws a NotFittedError naming what to do. */
export function fitted<S>(name: string, state: S | undefined): S {
  if (state === undefined) throw new NotFittedError(`${name}: call fit(X) before scoring.`);
  return state;
}

/** Checks that X has the column count the detector was fitted on. */
export function checkColumns(name: string, expected: number, X: { cols: number } | ArrayLike<number>): void {
  const got = "cols" in X ? X.cols : X.length;
  if (got !== expected) {
    throw new ShapeError(
      `${name}: fitted on ${expected} columns, got ${got}. Pass the data through the same feature pipeline used for fit().`,
    );
  }
}

/** Checks that X has rows to learn from. */
export function checkTrainable(name: string, X: Matrix, minRows = 2): void {
  if (X.rows < minRows) throw new ShapeError(`${name}.fit: needs at least ${minRows} rows, got ${X.rows}.`);
  if (X.cols < 1) throw new ShapeError(`${name}.fit: X has no columns.`);
}

/**
 * A saved per-feature array (means, scales): finite numbers, at least one.
 * @throws SchemaViolation naming `path`.
 */
export function featureArray(value: unknown, path: string): number[] {
  const values = check.numbers(value, path);
  if (values.length === 0) violation(path, "a non-empty array of numbers (one per feature)", values);
  return values;
}

/** The saved form of a detector: its name, options and fitted state under the common envelope. */
export function detectorJSON(name: string, options: unknown, state: unknown): DetectorJSON {
  return { format: DETECTOR_FORMAT, version: 1, name, options, state };
}

/** One constructor option of a detector: its name, default and what it does (one line, with its unit). */
export interface OptionInfo {
  readonly name: string;
  /** The value used when the option is left out (`undefined`: a rule, described in `doc`, decides). */
  readonly default: unknown;
  readonly doc: string;
}

/**
 * The documentation of every key of an options interface `T`, keyed by option name. The type
 * checker requires an entry for each key of `T` and refuses any other, so the table cannot drift
 * from the interface; `optionList` turns it into the `OptionInfo` list the registry publishes.
 */
export type OptionTable<T> = {
  readonly [K in keyof Required<T>]: { readonly default: Required<T>[K] | undefined; readonly doc: string };
};

/** An option table as a list, in the table's order. */
export function optionList<T>(table: OptionTable<T>): readonly OptionInfo[] {
  return Object.freeze(
    Object.entries(table as Record<string, { default: unknown; doc: string }>).map(([name, o]) =>
      Object.freeze({ name, default: o.default, doc: o.doc }),
    ),
  );
}

/**
 * Refuses option keys a detector does not have, so a misspelt option (`{ nTree: 50 }`) is an error
 * instead of a silent default.
 * @throws OptionError naming the unknown key and the valid ones.
 */
export function checkOptionKeys(who: string, options: object, table: object): void {
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(table, key)) {
      throw new OptionError(
        `${who}: unknown option "${key}"; valid options: ${Object.keys(table).join(", ")}.`,
      );
    }
  }
}
