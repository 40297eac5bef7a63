import assert from "node:assert/strict";
import { test } from "node:test";
import { SchemaError } from "../core/errors";
import { kddLine } from "../testing/kddLines";
import { parseKddText } from "../datasets/loadKdd";
import { attackTypes, kddSplit } from "./splits";

const train = parseKddText(
  [
    ...Array.from({ length: 10 }, (_, i) => kddLine({ src_bytes: i })), // 10 distinct normals
    kddLine({ src_bytes: 0 }), // a duplicate normal
    kddLine({ src_bytes: 3 }), // another
    kddLine({}, "smurf"),
    kddLine({}, "neptune"),
  ].join("\n"),
).table;
const test1 = parseKddText(
  [
    kddLine(),
    kddLine({}, "smurf"),
    kddLine({}, "apache2"),
    kddLine({}, "mscan"),
    kddLine({}, "guess_passwd"),
  ].join("\n"),
).table;

test("training normals are deduplicated and split into train and validation by seed", () => {
  const p = kddSplit(train, { t: test1 }, { seed: 1, validationFraction: 0.2 });
  assert.equal(p.summary.trainNormalRows, 12);
  assert.equal(p.summary.trainNormalDuplicates, 2);
  assert.equal(p.summary.validationRows, 2);
  assert.equal(p.summary.trainRows, 8);
  const all = [...p.train.rows, ...p.validation.rows].sort((a, b) => a - b);
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "first occurrences of the 10 distinct normals");
  const again = kddSplit(train, { t: test1 }, { seed: 1 });
  assert.deepEqual(again.validation.rows, p.validation.rows);
  const other = kddSplit(train, { t: test1 }, { seed: 2 });
  assert.notDeepEqual(Array.from(other.validation.rows), Array.from(p.validation.rows));
});

test("test rows carry binary labels, categories and a novel flag", () => {
  const p = kddSplit(train, { t: test1 }, { seed: 1 });
  const t = p.tests[0];
  assert.deepEqual(Array.from(t.y), [0, 1, 1, 1, 1]);
  assert.deepEqual(Array.from(t.category), [0, 1, 1, 2, 3]); // normal, DoS, DoS, Probe, R2L
  assert.deepEqual(Array.from(t.novel), [0, 0, 1, 1, 1]); // smurf was in training
  assert.equal(t.novelRows, 3);
  assert.deepEqual(t.categoryCounts, { normal: 1, DoS: 2, Probe: 1, R2L: 1, U2R: 0, Data: 0 });
  assert.deepEqual(p.trainAttackTypes, ["neptune", "smurf"]);
  assert.deepEqual(attackTypes(test1), ["apache2", "guess_passwd", "mscan", "smurf"]);
});

test("maxTrainRows caps training rows; bad options and unknown labels are refused", () => {
  const p = kddSplit(train, {}, { seed: 1, maxTrainRows: 3 });
  assert.equal(p.train.rows.length, 3);
  assert.throws(
    () => kddSplit(train, {}, { seed: 1, validationFraction: 1 }),
    /validationFraction must be in \(0, 1\)/,
  );
  const odd = parseKddText(kddLine({}, "zeroday"), { validateLabels: false }).table;
  assert.throws(() => kddSplit(train, { odd }, { seed: 1 }), SchemaError);
});
