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

/**
 * A plausible normal connection (mostly HTTP, some SMTP, modest sizes and counts), drawn from
 * `rng`: the records the bundle tests train on.
 */
export function officeRecord(rng: () => number): RecordValues {
  return {
    service: rng() < 0.7 ? "http" : "smtp",
    src_bytes: 200 + Math.round(rng() * 300),
    dst_bytes: 1000 + Math.round(rng() * 4000),
    count: 1 + Math.round(rng() * 8),
    dst_host_count: 50 + Math.round(rng() * 200),
  };
}
