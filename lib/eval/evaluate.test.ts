import assert from "node:assert/strict";
import { test } from "node:test";
import { parseKddText } from "../datasets/loadKdd";
import { kddSplit } from "./splits";
import { ZScore } from "../detectors/zScore";
import { FeaturePipeline } from "../features/pipeline";
import { kddLine } from "../testing/kddLines";
import { seeded } from "../core/random";
import { evaluate } from "./evaluate";

test("evaluate: fit on training normals, threshold on validation normals, metrics per test set and category", () => {
  const rng = seeded(4);
  const normal = () =>
    kddLine({ src_bytes: 200 + Math.round(rng() * 50), dst_bytes: 1000 + Math.round(rng() * 200), count: 5 });
  const train = parseKddText(
    [...Array.from({ length: 400 }, normal), kddLine({ src_bytes: 0 }, "neptune")].join("\n"),
  ).table;
  const test = parseKddText(
    [
      ...Array.from({ length: 200 }, normal),
      ...Array.from({ length: 20 }, () =>
        kddLine({ src_bytes: 0, dst_bytes: 0, count: 500, flag: "S0" }, "neptune"),
      ), // DoS, known
      ...Array.from({ length: 10 }, () => kddLine({ src_bytes: 99999, count: 1 }, "mscan")), // Probe, novel
    ].join("\n"),
  ).table;
  const split = kddSplit(train, { toy: test }, { seed: 1 });
  const pipeline = FeaturePipeline.fit(train, {}, split.train.rows);
  const e = evaluate(new ZScore(), split, pipeline, { fpr: 0.05 });
  assert.ok(e.validationFpr <= 0.05);
  assert.equal(e.results.length, 1);
  const r = e.results[0];
  assert.equal(r.rows, 230);
  assert.ok(r.rocAuc > 0.99, String(r.rocAuc));
  assert.equal(r.DoS, 1);
  assert.equal(r.Probe, 1);
  assert.ok(Number.isNaN(r.R2L), "no R2L rows: undefined, not 0");
  assert.deepEqual(r.byAttackType, { neptune: 1, mscan: 1 });
  assert.equal(r.knownAttacks, 1);
  assert.equal(r.novelAttacks, 1);
  assert.ok(r.falsePositiveRate < 0.15);
  assert.ok(e.modelBytes > 100 && e.fitSeconds >= 0 && r.scoreRowsPerSecond > 0);
  assert.equal(e.scores.toy.scores.length, 230);
  // scoring a sample of the test rows
  const sampled = evaluate(new ZScore(), split, pipeline, { testRows: () => [0, 1, 2, 220, 221] });
  assert.equal(sampled.results[0].rows, 5);
});
