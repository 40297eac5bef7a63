/**
 * Hand-made KDD lines for tests: one generator, so every test builds records the same way.
 */
import { KDD_FEATURES } from "../datasets/kdd99";

/** Feature values of one connection; anything not given is 0 (or tcp/http/SF for symbols). */
export type RecordValues = Partial<Record<string, number | string>>;

const SYMBOL_DEFAULTS: Record<string, string> = { protocol_type: "tcp", service: "http", flag: "SF" };

/**
 * One KDD99 line (label with the trailing dot), or an NSL-KDD line with `difficulty`.
 * @example kddLine({ src_bytes: 181 }, "normal") // "0,tcp,http,SF,181,0,...,normal."
 */
export function kddLine(values: RecordValues = {}, label = "normal", difficulty?: number): string {
  const fields = KDD_FEATURES.map((f) => String(values[f.name] ?? SYMBOL_DEFAULTS[f.name] ?? 0));
  if (difficulty === undefined) return [...fields, `${label}.`].join(",");
  return [...fields, label, String(difficulty)].join(",");
}
