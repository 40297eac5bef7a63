import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseKddText } from "../datasets/loadKdd";
import { Mahalanobis } from "../detectors/mahalanobis";
import { FeaturePipeline } from "../features/pipeline";
import { loadBundle, saveBundle } from "../model/bundle";
import { kddLine } from "../testing/kddLines";
import { makeBundle } from "./trainBundle";

test("makeBundle records the benchmark; a bundle saved before the rename (training.protocol) still loads", () => {
  const lines = Array.from({ length: 200 }, (_, i) => kddLine({ src_bytes: 100 + (i % 17), count: i % 5 }));
  const train = parseKddText(lines.join("\n")).table;
  const pipeline = FeaturePipeline.fit(train);
  const X = pipeline.transform(train).X;
  const bundle = makeBundle(
    pipeline,
    new Mahalanobis().fit(X),
    { train: X, validation: X },
    {
      benchmark: "toy",
      seed: 3,
      fpr: 0.05,
    },
  );
  const path = join(mkdtempSync(join(tmpdir(), "detective-bundle-")), "bundle.json");
  saveBundle(bundle, path);
  assert.equal(loadBundle(path).training.benchmark, "toy");

  // The same file as an older version wrote it: `protocol` in place of `benchmark`, checksum recomputed.
  const file = JSON.parse(readFileSync(path, "utf8"));
  const { benchmark, ...rest } = file.content.training;
  file.content.training = { protocol: benchmark, ...rest };
  file.sha256 = createHash("sha256").update(JSON.stringify(file.content)).digest("hex");
  writeFileSync(path, JSON.stringify(file));
  const old = loadBundle(path);
  assert.equal(old.training.benchmark, "toy");
  assert.ok(!("protocol" in old.training));
  assert.equal(old.training.seed, 3);
});
