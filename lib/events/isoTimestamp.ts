/**
 * ISO-8601 text of an epoch time in seconds, fast: events come many per second, and formatting a
 * Date each time cost more than the rest of an alert.
 */

let cachedSecond = Number.NaN;
let cachedPrefix = "";

/**
 * `new Date(seconds * 1000).toISOString()`, with the date and time up to the second cached (one
 * Date per second of event time, not one per event).
 * @throws RangeError for a time outside Date's range, as Date does.
 * @example isoTimestamp(1772529888.25002) // "2026-03-03T09:24:48.250Z"
 */
export function isoTimestamp(seconds: number): string {
  const ms = Math.trunc(seconds * 1000); // as Date's TimeClip does
  if (!(Math.abs(ms) <= 8.64e15)) return new Date(ms).toISOString(); // throws RangeError, as Date does
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, -4); // up to and with the "."
  }
  const rest = ms - second * 1000;
  return `${cachedPrefix}${rest < 10 ? "00" : rest < 100 ? "0" : ""}${rest}Z`;
}
