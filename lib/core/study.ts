/**
 * Study-wide settings read from the environment, so a notebook runs unchanged in the test
 * suite's quick mode and in the full study.
 */

/** Quick mode (small samples, for the test suite) or the full study. */
export interface StudyMode {
  readonly quick: boolean;
  /** Rows to sample for expensive steps (plots, describe) in this mode. */
  readonly sampleRows: number;
}

/** Sample size for summaries and figures in quick mode (enough for stable quantiles). */
export const QUICK_SAMPLE_ROWS = 5_000;
/** Sample size for summaries and figures in the full study. */
export const FULL_SAMPLE_ROWS = 50_000;

/**
 * The mode set by `DETECTIVE_QUICK` (`1` or `true` = quick). The test suite sets it; the study does not.
 * @example studyMode().quick // false in `npm run study`, true in `npm test`
 */
export function studyMode(env: NodeJS.ProcessEnv = process.env): StudyMode {
  const flag = (env.DETECTIVE_QUICK ?? "").toLowerCase();
  const quick = flag === "1" || flag === "true" || flag === "yes";
  return { quick, sampleRows: quick ? QUICK_SAMPLE_ROWS : FULL_SAMPLE_ROWS };
}
