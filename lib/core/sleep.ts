/**
 * Waiting on Node's timers, within what they can hold.
 */

/** Longest timer Node keeps: 2^31 - 1 ms (24.8 days). A longer one fires at once, with a warning. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Resolves after `ms` milliseconds, at most `MAX_TIMER_MS` (a longer wait is cut to it), or as
 * soon as `signal` aborts (without throwing: the caller checks the signal).
 * @example await sleep(250)
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS));
    signal?.addEventListener("abort", done, { once: true });
  });
}
