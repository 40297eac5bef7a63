/**
 * Numbers in words, for sentences computed from results (the report, notebook findings): a
 * percentage, a range, a ratio, and the comparative word a pair of numbers calls for, so a sentence
 * can never say "more" where the numbers say "fewer".
 */

/** `0.9371` -> "93.7%"; NaN -> "–". */
export function percent(value: number, digits = 1): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(digits)}%` : "–";
}

/** `[0.03, 0.045]` -> "3.0–4.5%" (one value: "3.0%"); empty or non-finite -> "–". */
export function percentRange(values: readonly number[], digits = 1): string {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return "–";
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  const a = (lo * 100).toFixed(digits);
  const b = (hi * 100).toFixed(digits);
  return a === b ? `${a}%` : `${a}–${b}%`;
}

/** A number with thousands separators and at most `digits` decimals: 61929 -> "61,929". */
export function num(value: number, digits = 0): string {
  return Number.isFinite(value)
    ? value.toLocaleString("en", { minimumFractionDigits: 0, maximumFractionDigits: digits })
    : "–";
}

/** A factor: 4.31 -> "4.3×", 544.2 -> "544×". */
export function times(value: number): string {
  return Number.isFinite(value) ? `${value < 10 ? value.toFixed(1) : value.toFixed(0)}×` : "–";
}

/**
 * The word that compares `a` with `b`, where values within `tolerance` of each other count as equal.
 * @example compare(0.58, 0.26, ["more", "fewer", "as many"]) // "more"
 */
export function compare(
  a: number,
  b: number,
  words: readonly [string, string, string],
  tolerance = 0,
): string {
  if (Math.abs(a - b) <= tolerance) return words[2];
  return a > b ? words[0] : words[1];
}

/** "a, b and c". */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/**
 * The item with the largest finite `metric` (NaN and infinite values never win); the first item
 * when none is finite.
 * @example argmaxBy(runs, (r) => r.rocAuc)
 */
export function argmaxBy<T>(items: readonly T[], metric: (item: T) => number): T {
  let best = items[0];
  let bestValue = Number.NEGATIVE_INFINITY;
  for (const item of items) {
    const v = metric(item);
    if (Number.isFinite(v) && v > bestValue) {
      best = item;
      bestValue = v;
    }
  }
  return best;
}
