/**
 * A small validator for JSON read from files (model bundles, saved detectors and pipelines): each
 * check takes a value and its path (`bundle.content.threshold`), returns the value typed when it
 * passes, and otherwise throws a `SchemaViolation` whose message names the path, what was expected
 * and what was found (`bundle.content.threshold must be a finite number, got string "0.5"`). The
 * caller that knows the file adds what to do (retrain, re-fit). No check coerces: a number written
 * as a string is refused.
 */
import { SchemaError } from "./errors";

/** A value at `path` that is not what the schema says. */
export class SchemaViolation extends SchemaError {
  constructor(
    /** Where in the value, e.g. `bundle.content.detector.state.mean[3]`. */
    readonly path: string,
    /** What it should be, e.g. "a finite number". */
    readonly expected: string,
    /** What it is, in words (see `describeValue`). */
    readonly got: string,
  ) {
    super(`${path} must be ${expected}, got ${got}`);
  }
}

/** A short description of a JSON value for an error message: `string "0.5"`, `null`, `an array of 3`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing (the field is missing)";
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  switch (typeof value) {
    case "string":
      return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
    case "number":
      return `number ${value}`;
    case "object":
      return "an object";
    default:
      return `${typeof value} ${String(value)}`;
  }
}

/** Throws the violation of `value` at `path`. */
export function violation(path: string, expected: string, value: unknown): never {
  throw new SchemaViolation(path, expected, describeValue(value));
}

/** Bounds of a number: inclusive `min`/`max`, exclusive `above`/`below`. */
export interface NumberBounds {
  readonly min?: number;
  readonly max?: number;
  readonly above?: number;
  readonly below?: number;
  readonly integer?: boolean;
}

function numberText(bounds: NumberBounds): string {
  const parts: string[] = [];
  if (bounds.min !== undefined) parts.push(`>= ${bounds.min}`);
  if (bounds.above !== undefined) parts.push(`> ${bounds.above}`);
  if (bounds.max !== undefined) parts.push(`<= ${bounds.max}`);
  if (bounds.below !== undefined) parts.push(`< ${bounds.below}`);
  const kind = bounds.integer ? "an integer" : "a finite number";
  return parts.length ? `${kind} ${parts.join(" and ")}` : kind;
}

function inBounds(n: number, b: NumberBounds): boolean {
  return (
    Number.isFinite(n) &&
    (!b.integer || Number.isInteger(n)) &&
    (b.min === undefined || n >= b.min) &&
    (b.max === undefined || n <= b.max) &&
    (b.above === undefined || n > b.above) &&
    (b.below === undefined || n < b.below)
  );
}

/** The checks, each `(value, path, ...) => typed value`. */
export const check = {
  /** A plain object (not null, not an array). */
  object(value: unknown, path: string): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value))
      violation(path, "an object", value);
    return value as Record<string, unknown>;
  },

  /** A finite number within the bounds (an integer with `integer`). */
  number(value: unknown, path: string, bounds: NumberBounds = {}): number {
    if (typeof value !== "number" || !inBounds(value, bounds)) violation(path, numberText(bounds), value);
    return value;
  },

  /** An integer within the bounds. */
  integer(value: unknown, path: string, bounds: NumberBounds = {}): number {
    return check.number(value, path, { ...bounds, integer: true });
  },

  string(value: unknown, path: string, options: { readonly nonEmpty?: boolean } = {}): string {
    if (typeof value !== "string" || (options.nonEmpty && value === ""))
      violation(path, options.nonEmpty ? "a non-empty string" : "a string", value);
    return value;
  },

  boolean(value: unknown, path: string): boolean {
    if (typeof value !== "boolean") violation(path, "true or false", value);
    return value;
  },

  /** One of `choices` (compared with ===). */
  oneOf<T extends string | number>(value: unknown, path: string, choices: readonly T[]): T {
    if (!choices.includes(value as T))
      violation(path, `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`, value);
    return value as T;
  },

  /** An array, of exactly `length` items when given. */
  array(value: unknown, path: string, length?: number): unknown[] {
    if (!Array.isArray(value))
      violation(path, length === undefined ? "an array" : `an array of ${length}`, value);
    if (length !== undefined && value.length !== length) violation(path, `an array of ${length}`, value);
    return value;
  },

  /** An array whose items each pass `item` (called with the item and its path `path[i]`). */
  arrayOf<T>(value: unknown, path: string, item: (v: unknown, path: string) => T, length?: number): T[] {
    return check.array(value, path, length).map((v, i) => item(v, `${path}[${i}]`));
  },

  /** An array of numbers within the bounds, of exactly `length` when given (the common case: fitted state). */
  numbers(value: unknown, path: string, length?: number, bounds: NumberBounds = {}): number[] {
    const items = check.array(value, path, length);
    for (let i = 0; i < items.length; i++) {
      const v = items[i];
      if (typeof v !== "number" || !inBounds(v, bounds)) violation(`${path}[${i}]`, numberText(bounds), v);
    }
    return items as number[];
  },

  /** An array of strings, of exactly `length` when given. */
  strings(value: unknown, path: string, length?: number): string[] {
    return check.arrayOf(value, path, (v, p) => check.string(v, p), length);
  },

  /** `undefined` stays undefined; anything else must pass `then`. */
  optional<T>(value: unknown, path: string, then: (v: unknown, path: string) => T): T | undefined {
    return value === undefined ? undefined : then(value, path);
  },
} as const;
