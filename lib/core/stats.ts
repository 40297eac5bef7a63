/**
 * Small descriptive statistics shared by every pipeline stage (features, detectors, evaluation).
 */

/**
 * The median of the values (the mean of the two middle ones for an even count), NaN for none.
 * The input is not changed.
 * @example median([3, 1, 2, 10]) // 2.5
 */
export function median(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const s = Float64Array.from(values).sort();
  return n % 2 ? s[(n - 1) >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
