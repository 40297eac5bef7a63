import assert from "node:assert/strict";
import { test } from "node:test";
import { kddLine } from "../testing/kddLines";
import { parseKddText } from "./loadKdd";
import {
  attackTypeCounts,
  composition,
  distribution,
  duplicateSummary,
  featureDistributions,
} from "./summary";

const train = parseKddText(
  [kddLine(), kddLine(), kddLine({}, "smurf"), kddLine({}, "neptune")].join("\n"),
).table;
const test1 = parseKddText([kddLine(), kddLine({}, "mscan"), kddLine({}, "smurf")].join("\n")).table;

test("composition counts rows per category and attack types", () => {
  assert.deepEqual(composition({ train }), [
    { dataset: "train", rows: 4, attackTypes: 2, normal: 2, DoS: 2, Probe: 0, R2L: 0, U2R: 0, Data: 0 },
  ]);
});

test("attackTypeCounts lists each type per table, zero where absent, by category", () => {
  assert.deepEqual(attackTypeCounts({ train, test: test1 }), [
    { attack: "neptune", category: "DoS", train: 1, test: 0 },
    { attack: "smurf", category: "DoS", train: 1, test: 1 },
    { attack: "mscan", category: "Probe", train: 0, test: 1 },
  ]);
});

test("duplicateSummary counts duplicates overall and among normals", () => {
  assert.deepEqual(duplicateSummary({ train }), [
    {
      dataset: "train",
      rows: 4,
      duplicates: 1,
      duplicateShare: 0.25,
      distinct: 3,
      normalRows: 2,
      normalDuplicates: 1,
    },
  ]);
});

test("distribution: nearest-rank quantiles, sample std, zero share, NaN ignored", () => {
  const d = distribution("x", Float64Array.of(0, 1, 2, 3, Number.NaN));
  assert.equal(d.mean, 1.5);
  assert.ok(Math.abs(d.std - Math.sqrt(5 / 3)) < 1e-12);
  assert.deepEqual([d.min, d.p50, d.p90, d.p99, d.max, d.zeros], [0, 1, 3, 3, 3, 0.25]);
  const X = { data: Float32Array.of(1, 10, 2, 20), rows: 2, cols: 2 };
  assert.equal(featureDistributions(X, ["a", "b"], ["b"])[0].mean, 15);
  assert.throws(() => featureDistributions(X, ["a", "b"], ["c"]), /no feature "c"/);
});
