/**
 * Findings in words, computed from evaluations, for the notebooks' "What we learned" cells: each
 * sentence that compares detectors is built from the numbers, so it cannot say what they do not.
 * The report builds its own sentences the same way from the study's results (report.ts).
 */
import { argmaxBy, listWords, percent, percentRange } from "../core/format";
import type { TestResult } from "../eval/evaluate";
import { CAUGHT_SHARE } from "./report";

const FEWER = `fewer than ${percent(CAUGHT_SHARE, 0)} of`;

const KDD_CATEGORIES = ["DoS", "Probe", "R2L", "U2R"] as const;

const bestBy = argmaxBy<TestResult>;

/**
 * One bullet per test set: which detector ranks best (ROC-AUC), which detects the most at the
 * validation threshold and at 1% test FPR, the false-positive rates measured at the threshold, and
 * (KDD test sets) the category every detector finds hardest.
 * @example recordFindings(evaluations.flatMap((e) => e.results), 0.01)
 */
export function recordFindings(results: readonly TestResult[], targetFpr = 0.01): string[] {
  const tests = [...new Set(results.map((r) => r.test))];
  return tests.map((test) => {
    const rs = results.filter((r) => r.test === test);
    const auc = bestBy(rs, (r) => r.rocAuc);
    const atThreshold = bestBy(rs, (r) => r.detectionRate);
    const at1 = bestBy(rs, (r) => r.detectionAt1pctFpr);
    const parts = [
      `highest ROC-AUC ${auc.detector} (${auc.rocAuc.toFixed(3)}; all: ${rs.map((r) => r.rocAuc.toFixed(3)).join(", ")})`,
      `most detected at the validation threshold ${atThreshold.detector} (${percent(atThreshold.detectionRate)} at ${percent(atThreshold.falsePositiveRate, 2)} false positives)`,
      `most detected at 1% test FPR ${at1.detector} (${percent(at1.detectionAt1pctFpr)})`,
    ];
    const fprs = rs.map((r) => r.falsePositiveRate);
    const over = rs.filter((r) => r.falsePositiveRate > 2 * targetFpr);
    const fprNote =
      ` False-positive rates on its normals: ${percentRange(fprs, 2)} (target ${percent(targetFpr, 0)})` +
      (over.length
        ? `; more than twice the target for ${listWords(over.map((r) => r.detector))}: these test normals differ from the training normals.`
        : ".");
    const categories = KDD_CATEGORIES.filter((c) => rs.some((r) => Number.isFinite(r[c])));
    let categoryNote = "";
    if (categories.length) {
      const bestIn = (c: (typeof categories)[number]): number => Math.max(-1, ...rs.map((r) => r[c]).filter(Number.isFinite));
      const hardest = categories.reduce((a, b) => (bestIn(b) < bestIn(a) ? b : a));
      categoryNote = ` The hardest category is ${hardest}: at most ${percent(bestIn(hardest))} detected by any of them.`;
    }
    const novel = rs.filter((r) => Number.isFinite(r.novelAttacks) && Number.isFinite(r.knownAttacks));
    const novelNote = novel.length
      ? ` Novel attack types: ${percentRange(novel.map((r) => r.novelAttacks))} detected, known types ${percentRange(novel.map((r) => r.knownAttacks))}.`
      : "";
    return `**${test}**: ${parts.join("; ")}.${fprNote}${categoryNote}${novelNote}`;
  });
}

/**
 * For a test set with attack types (the simulated scenarios): per detector, the types it detects
 * at least `CAUGHT_SHARE` of at its threshold, and those it misses.
 */
export function attackTypeFindings(results: readonly TestResult[]): string[] {
  return results.map((r) => {
    const types = Object.entries(r.byAttackType);
    const caught = types.filter(([, v]) => v >= CAUGHT_SHARE).map(([t]) => t);
    const missed = types.filter(([, v]) => v < CAUGHT_SHARE).map(([t, v]) => `${t} ${percent(v, 0)}`);
    return `**${r.detector}** on ${r.test} (ROC-AUC ${r.rocAuc.toFixed(3)}, ${percent(r.detectionRate)} of attack connections at ${percent(r.falsePositiveRate, 2)} false positives): ${
      caught.length ? `catches ${listWords(caught)}` : "catches no attack type"
    }${missed.length ? `; misses ${listWords(missed)}` : ""}.`;
  });
}

/** A time-series detector's evaluation, named. */
export interface NamedSeriesEvaluation {
  readonly detector: string;
  readonly falseAlarmRate: number;
  readonly windows: readonly { scenario: string; intervals: number; flagged: number }[];
}

/**
 * Per time-series detector: its false alarms against the target, and the attack windows it caught
 * (at least `CAUGHT_SHARE` of their intervals flagged), with the flagged counts of the rest.
 */
export function seriesFindings(evaluations: readonly NamedSeriesEvaluation[], targetFpr = 0.01): string[] {
  return evaluations.map((e) => {
    const caught = e.windows.filter((w) => w.intervals > 0 && w.flagged / w.intervals >= CAUGHT_SHARE).map((w) => w.scenario);
    const rest = e.windows
      .filter((w) => !(w.intervals > 0 && w.flagged / w.intervals >= CAUGHT_SHARE))
      .map((w) => `${w.scenario} ${w.flagged}/${w.intervals}`);
    return `**${e.detector}** (false alarms ${percent(e.falseAlarmRate, 2)} of normal intervals, target ${percent(targetFpr, 0)}): ${
      caught.length ? `catches ${listWords(caught)}` : "catches no attack window"
    }${rest.length ? `; flags ${FEWER} the intervals of ${listWords(rest)}` : ""}.`;
  });
}

/** Bullets as Markdown. */
export function bullets(lines: readonly string[]): string {
  return lines.map((l) => `* ${l}`).join("\n");
}
