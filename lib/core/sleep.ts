/**
 * Waiting on Node's timers, within what they can hold.
 */

/** Longest timer Node keeps: 2^31 - 1 ms (24.8 days). A longer one fires at once, with a warning. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Resolves after `ms` milliseconds, at most `MAX_TIMER_MS` (a longer wait is cut to it).
 * @example await sleep(250)
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(ms, MAX_TIMER_MS)));
}
