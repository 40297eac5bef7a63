/**
 * Hostile bundles: files whose checksum (and signature) were recomputed after an edit, so only the
 * check of the content's schema can refuse them. Each wrong field is named in one IntegrityError
 * that says to retrain; seeded random edits either load and score or are refused with a
 * DetectiveError, never a TypeError or RangeError.
 */
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { DetectiveError, IntegrityError, SchemaError } from "../core/errors";
import { seeded } from "../core/random";
import { parseKddText } from "../datasets/loadKdd";
import { EwmaChart } from "../detectors/controlCharts";
import { IsolationForest } from "../detectors/isolationForest";
import { Mahalanobis } from "../detectors/mahalanobis";
import type { Detector } from "../detectors/types";
import { makeBundle } from "../eval/trainBundle";
import { FeaturePipeline } from "../features/pipeline";
import { SERIES_METRICS } from "../features/timeSeries";
import { kddLine, officeRecord, type RecordValues } from "../testing/kddLines";
import { type ModelBundle, readBundle, saveBundle } from "./bundle";

const rng = seeded(11);
const normal = (): RecordValues => officeRecord(rng);
const table = (n: number) =>
  parseKddText(Array.from({ length: n }, () => kddLine(normal())).join("\n")).table;

/** A small bundle with `detector`'s kind of record detector and an EWMA volume watch. */
function toyBundle(detector: Detector): ModelBundle {
  const train = table(300);
  const pipeline = FeaturePipeline.fit(train);
  const X = pipeline.transform(train).X;
  const validation = pipeline.transform(table(100)).X;
  const bundle = makeBundle(
    pipeline,
    detector.fit(X),
    { train: X, validation },
    { benchmark: "toy", seed: 11, fpr: 0.01 },
  );
  const m = SERIES_METRICS.length;
  const series = Float32Array.from({ length: 60 * m }, () => 3 + rng());
  return {
    ...bundle,
    series: {
      detector: new EwmaChart({ window: 5 }).fit({ data: series, rows: 60, cols: m }),
      threshold: 4,
      intervalSeconds: 10,
      metrics: SERIES_METRICS,
      metricMean: new Array<number>(m).fill(3.5),
      metricSd: new Array<number>(m).fill(0.3),
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), "detective-bundle-schema-"));
after(() => rmSync(dir, { recursive: true, force: true }));
type Json = Record<string, unknown>;

function saved(bundle: ModelBundle, name: string): Json {
  const path = join(dir, name);
  saveBundle(bundle, path);
  return JSON.parse(readFileSync(path, "utf8")) as Json;
}

const SECRET = "a signing key of enough length";
/** The file with `content` replaced, its checksum (and, with `sign`, its HMAC) recomputed as bundle.ts does. */
function resealed(file: Json, content: unknown, sign = false): Json {
  const text = JSON.stringify(content) ?? "";
  return {
    ...file,
    content,
    sha256: createHash("sha256").update(text).digest("hex"),
    ...(sign && {
      signature: { alg: "HMAC-SHA-256", value: createHmac("sha256", SECRET).update(text).digest("hex") },
    }),
  };
}

let written = 0;
function write(value: unknown): string {
  const path = join(dir, `case-${written++}.json`);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

const mahalanobis = saved(toyBundle(new Mahalanobis()), "mahalanobis.json");
const forest = saved(toyBundle(new IsolationForest({ nTrees: 4, sampleSize: 32, seed: 2 })), "forest.json");
const clone = <T>(v: T): T => structuredClone(v);

/** Sets the value at a dotted path (`a.b.0.c`) of a clone of the content; `undefined` deletes it. */
function edited(content: unknown, path: string, value: unknown): unknown {
  const copy = clone(content) as Json;
  const keys = path.split(".");
  let node = copy as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

test("a bundle that is null, an array, a number, a string or an empty object: one SchemaError line, no TypeError", () => {
  for (const value of [null, [], 42, "bundle", {}, { format: "detective-model-bundle" }]) {
    assert.throws(
      () => readBundle(write(value)),
      (err: Error) =>
        err instanceof SchemaError &&
        /^model bundle .*: (not a Detective model bundle|version missing).*detective train/.test(
          err.message,
        ) &&
        !err.message.includes("\n"),
      JSON.stringify(value),
    );
  }
  const file = mahalanobis;
  for (const content of [null, 5, [], "x"]) {
    assert.throws(
      () => readBundle(write(resealed(file, content))),
      (err: Error) => err instanceof IntegrityError && /bundle\.content must be an object/.test(err.message),
    );
  }
  assert.throws(
    () => readBundle(write({ ...file, content: undefined })),
    /bundle\.content must be the bundle's content \(an object\), got nothing/,
  );
  assert.throws(
    () => readBundle(write({ ...file, sha256: 7 })),
    /bundle\.sha256 must be a string, got number 7/,
  );
});

/** [field path in the content, the wrong value (undefined: removed), what the message must name]. */
const MUTATIONS: readonly [string, unknown, RegExp][] = [
  ["threshold", "0.5", /bundle\.content\.threshold must be a finite number, got string "0\.5"/],
  ["threshold", null, /bundle\.content\.threshold must be a finite number, got null/],
  ["threshold", undefined, /bundle\.content\.threshold must be a finite number, got nothing/],
  ["threshold", [1], /bundle\.content\.threshold must be a finite number, got an array of 1/],
  ["training", null, /bundle\.content\.training must be an object, got null/],
  ["training.benchmark", 3, /bundle\.content\.training\.benchmark must be a string, got number 3/],
  ["training.seed", 1.5, /bundle\.content\.training\.seed must be an integer, got number 1\.5/],
  ["training.trainRows", -1, /bundle\.content\.training\.trainRows must be an integer >= 0, got number -1/],
  ["training.fpr", 2, /bundle\.content\.training\.fpr must be a finite number > 0 and < 1, got number 2/],
  ["training.createdAt", undefined, /bundle\.content\.training\.createdAt must be a string, got nothing/],
  ["featureMean", [1, 2], /bundle\.content\.featureMean must be an array of \d+, got an array of 2/],
  ["featureSd.0", -1, /bundle\.content\.featureSd\[0\] must be a finite number >= 0, got number -1/],
  ["featureSd.1", "1", /bundle\.content\.featureSd\[1\] must be a finite number >= 0, got string "1"/],
  ["validationScores", 1, /bundle\.content\.validationScores must be an object, got number 1/],
  ["validationScores.p99", null, /bundle\.content\.validationScores\.p99 must be a finite number, got null/],
  ["pipeline", null, /bundle\.content\.pipeline is not a saved feature pipeline/],
  ["pipeline.version", 2, /bundle\.content\.pipeline saved with version 2/],
  ["pipeline.steps", {}, /bundle\.content\.pipeline\.steps must be an array, got an object/],
  [
    "pipeline.steps.0.kind",
    "cubic",
    /bundle\.content\.pipeline\.steps\[0\]\.kind must be one of "onehot", "numeric"/,
  ],
  [
    "pipeline.steps.0.vocabulary",
    [1],
    /bundle\.content\.pipeline\.steps\[0\]\.vocabulary\[0\] must be a string/,
  ],
  [
    "pipeline.steps.1.scale",
    0,
    /bundle\.content\.pipeline\.steps\[1\]\.scale must be a finite number > 0, got number 0/,
  ],
  ["pipeline.steps.1.center", "1", /bundle\.content\.pipeline\.steps\[1\]\.center must be a finite number/],
  [
    "pipeline.steps.1.log1p",
    1,
    /bundle\.content\.pipeline\.steps\[1\]\.log1p must be true or false, got number 1/,
  ],
  ["pipeline.options.scaling", "robust", /bundle\.content\.pipeline\.options\.scaling must be one of/],
  ["pipeline.featureNames", ["a"], /steps produce \d+ features but 1 names are saved/],
  ["detector", null, /bundle\.content\.detector: not a saved detector/],
  ["detector", [], /bundle\.content\.detector: not a saved detector/],
  ["detector.name", "Nope", /bundle\.content\.detector: unknown detector "Nope"; known: ZScore/],
  ["detector.version", "1", /bundle\.content\.detector: Mahalanobis saved with version "1"/],
  ["detector.options", null, /bundle\.content\.detector\.options must be an object, got null/],
  [
    "detector.options.shrinkage",
    "0.1",
    /bundle\.content\.detector\.options\.shrinkage must be a finite number/,
  ],
  [
    "detector.options.shrinkage",
    5,
    /bundle\.content\.detector\.options are not valid: Mahalanobis: shrinkage/,
  ],
  ["detector.options.extra", 1, /bundle\.content\.detector\.options are not valid: .*unknown option "extra"/],
  ["detector.state", undefined, /bundle\.content\.detector\.state must be an object, got nothing/],
  ["detector.state.mean", "x", /bundle\.content\.detector\.state\.mean must be an array, got string "x"/],
  [
    "detector.state.mean.2",
    null,
    /bundle\.content\.detector\.state\.mean\[2\] must be a finite number, got null/,
  ],
  [
    "detector.state.whiten",
    [1],
    /bundle\.content\.detector\.state\.whiten must be an array of \d+, got an array of 1/,
  ],
  ["series", 1, /bundle\.content\.series must be an object, got number 1/],
  ["series.threshold", "4", /bundle\.content\.series\.threshold must be a finite number, got string "4"/],
  [
    "series.intervalSeconds",
    0,
    /bundle\.content\.series\.intervalSeconds must be a finite number >= 1 and <= 86400, got number 0/,
  ],
  [
    "series.intervalSeconds",
    1e-9,
    /bundle\.content\.series\.intervalSeconds must be .*>= 1 .*, got number 1e-9/,
  ],
  [
    "series.intervalSeconds",
    1e9,
    /bundle\.content\.series\.intervalSeconds must be .*<= 86400, got number 1000000000/,
  ],
  [
    "series.detector.options.window",
    1e9,
    /bundle\.content\.series\.detector\.options are not valid: .*window must be an integer in \[2, 100000\], got 1000000000/,
  ],
  [
    "training.createdAt",
    "not a date",
    /bundle\.content\.training\.createdAt must be an ISO 8601 time .*, got string "not a date"/,
  ],
  [
    "training.createdAt",
    "2026-13-45T99:00:00Z",
    /bundle\.content\.training\.createdAt must be an ISO 8601 time/,
  ],
  ["training.createdAt", 1764662400000, /bundle\.content\.training\.createdAt must be a string/],
  ["training.benchmark", "", /bundle\.content\.training\.benchmark must be a benchmark's name/],
  ["training.benchmark", "x".repeat(65), /bundle\.content\.training\.benchmark must be a benchmark's name/],
  [
    "training.benchmark",
    "sim\u001b[2Julated",
    /bundle\.content\.training\.benchmark must be a benchmark's name/,
  ],
  [
    "pipeline.steps.0.column",
    "__proto__",
    /bundle\.content\.pipeline\.steps\[0\]\.column must be one of the columns of bundle\.content\.pipeline\.options\.columns, got string "__proto__"/,
  ],
  [
    "pipeline.steps.1.column",
    "src_bytez",
    /bundle\.content\.pipeline\.steps\[1\]\.column must be one of the columns of .*, got string "src_bytez"/,
  ],
  [
    "pipeline.options.columns.0",
    "__proto__",
    /bundle\.content\.pipeline\.options\.columns\[0\] must be a column name, non-empty, listed once, got string "__proto__"/,
  ],
  [
    "pipeline.options.columns.1",
    "constructor",
    /bundle\.content\.pipeline\.options\.columns\[1\] must be a column name, non-empty, listed once/,
  ],
  [
    "pipeline.dropped.0.column",
    "__proto__",
    /bundle\.content\.pipeline\.dropped\[0\]\.column must be one of the columns of/,
  ],
  ["series.metrics.0", "cpu", /bundle\.content\.series\.metrics\[0\] must be one of "packets", "bytes"/],
  ["series.metrics", [], /bundle\.content\.series\.metrics must be a non-empty array/],
  ["series.metricSd", [1], /bundle\.content\.series\.metricSd must be an array of 6, got an array of 1/],
  ["series.detector.name", "EwmaChartt", /bundle\.content\.series\.detector: unknown detector "EwmaChartt"/],
  ["series.detector.options.alpha", 3, /bundle\.content\.series\.detector\.options are not valid: .*alpha/],
  [
    "series.detector.state.cols",
    2,
    /bundle\.content\.series\.detector\.state\.recent must be an array of 2, got an array of 6/,
  ],
  [
    "series.detector.state.scale.0",
    -1,
    /bundle\.content\.series\.detector\.state\.scale\[0\] must be a finite number >= 0/,
  ],
  [
    "series.detector.state.level.0",
    "x",
    /bundle\.content\.series\.detector\.state\.level\[0\] must be a finite number/,
  ],
];

test("each field of the wrong type, out of range or missing is refused naming it, with the checksum and signature recomputed", () => {
  const content = mahalanobis.content;
  for (const [path, value, expected] of MUTATIONS) {
    for (const sign of [false, true]) {
      const file = write(resealed(mahalanobis, edited(content, path, value), sign));
      assert.throws(
        () => readBundle(file, sign ? { key: { secret: SECRET } } : {}),
        (err: Error) =>
          err instanceof IntegrityError &&
          expected.test(err.message) &&
          /Refusing to load it; re-create it with `detective train`\.$/.test(err.message) &&
          !err.message.includes("\n") &&
          !/checksum|signature/.test(err.message),
        `${path} = ${JSON.stringify(value)}: ${(() => {
          try {
            readBundle(file);
            return "loaded";
          } catch (err) {
            return (err as Error).message;
          }
        })()}`,
      );
    }
  }
  // The unedited files load (with and without their signature) and score.
  assert.equal(
    readBundle(write(resealed(mahalanobis, content, true)), { key: { secret: SECRET } }).signature,
    "verified",
  );
  assert.ok(readBundle(write(forest)).bundle.series);
});

test("detector-specific state: a forest whose child indexes loop, a feature out of range, a detector of another width", () => {
  const content = forest.content;
  const refused = (path: string, value: unknown, expected: RegExp): void =>
    assert.throws(
      () => readBundle(write(resealed(forest, edited(content, path, value)))),
      (err: Error) => err instanceof IntegrityError && expected.test(err.message),
      path,
    );
  const state = (content as { detector: { state: { feature: number[]; left: number[]; nFeatures: number } } })
    .detector.state;
  const split = state.feature.findIndex((f) => f >= 0);
  refused(
    `detector.state.left.${split}`,
    split,
    new RegExp(`state\\.left\\[${split}\\] must be a child index`),
  );
  refused(
    `detector.state.feature.${split}`,
    state.nFeatures,
    /state\.feature\[\d+\] must be an integer >= -1 and < \d+/,
  );
  refused("detector.state.sampleSize", 1, /state\.sampleSize must be an integer >= 2, got number 1/);
  refused("detector.state.feature", [], /state\.feature must be an array of \d+, got an array of 0/);
  // A forest fitted on fewer columns than the pipeline gives: refused on load, not when traffic comes.
  refused(
    "detector.state.nFeatures",
    2,
    /bundle\.content\.detector does not fit its \d+ input features|feature\[\d+\] must be/,
  );
  const narrow = new Mahalanobis().fit({
    data: Float32Array.from({ length: 40 }, () => rng()),
    rows: 20,
    cols: 2,
  });
  refused(
    "detector",
    narrow.toJSON(),
    /bundle\.content\.detector does not fit its \d+ input features: Mahalanobis: fitted on 2 columns/,
  );
});

/** A random JSON value of the kinds an attacker would try. */
function randomValue(r: () => number): unknown {
  const pool: unknown[] = [
    null,
    true,
    0,
    -1,
    1,
    0.5,
    -0,
    1e308,
    -1e308,
    2 ** 31,
    "0.5",
    "",
    "NaN",
    [],
    [null],
    [1, 2, 3],
    {},
    { format: "x" },
  ];
  return pool[Math.floor(r() * pool.length)];
}

/** Walks to a random node (stopping early at each level so top-level fields are hit often) and edits it. */
function mutate(content: unknown, r: () => number): unknown {
  const wrapper: Record<string, unknown> = { root: clone(content) };
  let parent: Record<string, unknown> | unknown[] = wrapper;
  let key: string | number = "root";
  for (;;) {
    const node: unknown = (parent as Record<string | number, unknown>)[key];
    if (typeof node !== "object" || node === null || r() < 0.25) break;
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    parent = node as Record<string, unknown>;
    key = Array.isArray(node)
      ? Math.floor(r() * node.length)
      : (keys[Math.floor(r() * keys.length)] as string);
  }
  const target = parent as Record<string | number, unknown>;
  const old = target[key];
  const roll = r();
  if (roll < 0.15 && !Array.isArray(target)) delete target[key];
  else if (roll < 0.3 && typeof old === "number") target[key] = old * (r() < 0.5 ? -1 : 1e6);
  else if (roll < 0.4 && Array.isArray(old)) old.pop();
  else if (roll < 0.45 && Array.isArray(old)) old.push(randomValue(r));
  else target[key] = randomValue(r);
  return wrapper.root;
}

test("fuzz: 400 seeded random edits with the checksum recomputed load and score, or are refused with a DetectiveError", () => {
  const r = seeded(20260302);
  const record = table(1).record(0);
  const outcomes = { loaded: 0, refused: 0 };
  for (let i = 0; i < 400; i++) {
    const base = i % 2 === 0 ? mahalanobis : forest;
    const before = clone(base.content);
    let content = mutate(base.content, r);
    if (r() < 0.3) content = mutate(content, r);
    assert.deepEqual(base.content, before, "the base is not edited");
    const path = write(resealed(base, content));
    try {
      const { bundle } = readBundle(path);
      const x = bundle.pipeline.transformRecord(record);
      const score = bundle.detector.score({ data: x, rows: 1, cols: x.length })[0];
      assert.equal(typeof score, "number");
      if (bundle.series) {
        const m = bundle.series.metrics.length;
        bundle.series.detector.score({ data: new Float32Array(m).fill(4), rows: 1, cols: m });
      }
      outcomes.loaded++;
    } catch (err) {
      if (!(err instanceof DetectiveError)) {
        assert.fail(`case ${i} (${path}): ${(err as Error).name}: ${(err as Error).message}`);
      }
      assert.ok(!err.message.includes("\n"), err.message);
      outcomes.refused++;
    }
  }
  assert.ok(outcomes.refused > 100, `most edits are refused: ${JSON.stringify(outcomes)}`);
  assert.ok(outcomes.loaded > 10, `edits of harmless fields load: ${JSON.stringify(outcomes)}`);
});

test("a pipeline that reads a column other than the 41 KDD features is refused, the column named", () => {
  const content = clone(mahalanobis.content) as {
    pipeline: { options: { columns: string[] }; steps: { column: string }[] };
  };
  const first = content.pipeline.steps[0].column;
  const at = content.pipeline.options.columns.indexOf(first);
  content.pipeline.options.columns[at] = "my_feature";
  content.pipeline.steps[0].column = "my_feature";
  assert.throws(
    () => readBundle(write(resealed(mahalanobis, content))),
    (err: Error) =>
      err instanceof IntegrityError &&
      err.message.includes(
        `bundle.content.pipeline.options.columns[${at}] must be the name of one of the 41 KDD features, got string "my_feature"`,
      ),
  );
});
