import assert from "node:assert/strict";
import { test } from "node:test";
import type { TestResult } from "../eval/evaluate";
import { attackTypeFindings, bullets, recordFindings, seriesFindings } from "./findings";

const result = (detector: string, over: Partial<TestResult>): TestResult => ({
  detector,
  test: "t",
  rows: 100,
  rocAuc: 0.9,
  averagePrecision: 0.9,
  precision: 0.9,
  detectionRate: 0.5,
  f1: 0.6,
  falsePositiveRate: 0.01,
  accuracy: 0.8,
  detectionAt1pctFpr: 0.4,
  DoS: 0.9,
  Probe: 0.8,
  R2L: 0.1,
  U2R: 0.3,
  Data: Number.NaN,
  knownAttacks: 0.6,
  novelAttacks: 0.2,
  scoreRowsPerSecond: 1e5,
  byAttackType: {},
  ...over,
});

test("recordFindings names the detector the numbers favour, for each measure, and the hardest category", () => {
  const [line] = recordFindings([
    result("A", { rocAuc: 0.95, detectionRate: 0.3, detectionAt1pctFpr: 0.2, R2L: 0.05 }),
    result("B", { rocAuc: 0.91, detectionRate: 0.7, detectionAt1pctFpr: 0.6, falsePositiveRate: 0.05, R2L: 0.12 }),
  ]);
  assert.match(line, /highest ROC-AUC A \(0\.950/);
  assert.match(line, /most detected at the validation threshold B \(70\.0% at 5\.00% false positives\)/);
  assert.match(line, /most detected at 1% test FPR B \(60\.0%\)/);
  assert.match(line, /more than twice the target for B:/);
  assert.match(line, /hardest category is R2L: at most 12\.0%/);
});

test("attackTypeFindings and seriesFindings split caught from missed at half", () => {
  const [a] = attackTypeFindings([result("M", { byAttackType: { scan: 1, beacon: 0.49, flood: 0.5 } })]);
  assert.match(a, /catches scan and flood; misses beacon 49%/);
  const [s] = seriesFindings([
    { detector: "E", falseAlarmRate: 0.004, windows: [{ scenario: "flood", intervals: 7, flagged: 7 }, { scenario: "beacon", intervals: 720, flagged: 19 }] },
  ]);
  assert.match(s, /\*\*E\*\* \(false alarms 0\.40%.*catches flood; flags fewer than 50% of the intervals of beacon 19\/720/);
  assert.equal(bullets(["x", "y"]), "* x\n* y");
});
