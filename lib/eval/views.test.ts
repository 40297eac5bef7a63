import assert from "node:assert/strict";
import { test } from "node:test";
import { parseKddText } from "../datasets/loadKdd";
import { ZScore } from "../detectors/zScore";
import { FeaturePipeline } from "../features/pipeline";
import { kddLine } from "../testing/kddLines";
import { evaluate } from "./evaluate";
import { kddSplit } from "./splits";
import { attackTypeRow, categoryRow, costRow, qualityRow, quickTestRows } from "./views";

test("quickTestRows samples large test sets in quick mode only, the same rows for the same seed", () => {
  const big = { table: { rows: 100 } } as Parameters<ReturnType<typeof quickTestRows>>[0];
  const small = { table: { rows: 5 } } as typeof big;
  const quick = { quick: true, sampleRows: 10 };
  const rows = quickTestRows(3, quick, 10)(big);
  assert.equal(rows?.length, 10);
  assert.deepEqual(Array.from(rows ?? []), Array.from(quickTestRows(3, quick, 10)(big) ?? []));
  assert.equal(quickTestRows(3, quick, 10)(small), undefined);
  assert.equal(quickTestRows(3, { quick: false, sampleRows: 10 }, 10)(big), undefined);
});

test("the notebook rows of an evaluation carry its numbers", () => {
  const lines = [
    ...Array.from({ length: 60 }, (_, k) => kddLine({ src_bytes: 200 + k, count: 5 })),
    kddLine({ src_bytes: 0 }, "neptune"),
  ];
  const train = parseKddText(lines.join("\n")).table;
  const testSet = parseKddText(
    [...lines.slice(0, 20), kddLine({ src_bytes: 0, count: 500, flag: "S0" }, "neptune")].join("\n"),
  ).table;
  const split = kddSplit(train, { toy: testSet }, { seed: 1 });
  const e = evaluate(new ZScore(), split, FeaturePipeline.fit(train, {}, split.train.rows));
  const r = e.results[0];
  assert.deepEqual(qualityRow(r, "z").detector, "z");
  assert.equal(qualityRow(r).rocAuc, r.rocAuc);
  assert.equal(categoryRow(r).DoS, r.DoS);
  assert.equal(costRow(e).scoreRowsPerSecond, r.scoreRowsPerSecond);
  assert.equal(attackTypeRow(r).neptune, r.byAttackType.neptune);
});
