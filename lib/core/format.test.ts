import assert from "node:assert/strict";
import { test } from "node:test";
import { argmaxBy, compare, listWords, num, percent, percentRange, times } from "./format";

test("numbers in words: percentages, ranges, separators, factors, lists", () => {
  assert.equal(percent(0.93712), "93.7%");
  assert.equal(percent(Number.NaN), "–");
  assert.equal(percentRange([0.045, 0.03, Number.NaN]), "3.0–4.5%");
  assert.equal(percentRange([0.5]), "50.0%");
  assert.equal(num(61929), "61,929");
  assert.equal(num(1234.567, 1), "1,234.6");
  assert.equal(times(4.31), "4.3×");
  assert.equal(times(544.2), "544×");
  assert.equal(listWords(["a", "b", "c"]), "a, b and c");
  assert.equal(listWords(["a"]), "a");
});

test("compare picks the word the numbers call for", () => {
  const words = ["more", "fewer", "as many"] as const;
  assert.equal(compare(0.58, 0.26, words), "more");
  assert.equal(compare(0.26, 0.58, words), "fewer");
  assert.equal(compare(0.5, 0.504, words, 0.005), "as many");
});

test("argmaxBy skips values that are not finite", () => {
  assert.equal(
    argmaxBy([Number.NaN, 0.9, 0.5], (v) => v),
    0.9,
  );
  assert.equal(
    argmaxBy([0.2, Number.NaN], (v) => v),
    0.2,
  );
  assert.ok(Number.isNaN(argmaxBy([Number.NaN], (v) => v)));
});
