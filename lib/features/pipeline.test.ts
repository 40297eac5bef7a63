import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { OptionError, SchemaError } from "../core/errors";
import { parseKddText } from "../datasets/loadKdd";
import { Table } from "../datasets/table";
import { kddLine } from "../testing/kddLines";
import { FeaturePipeline, signedLog1p } from "./pipeline";

const table = new Table([
  { kind: "numeric", name: "bytes", values: Float64Array.of(0, 9, 99, Number.NaN) },
  { kind: "numeric", name: "rate", values: Float64Array.of(0.2, 0.4, 0.6, 1.0) },
  { kind: "numeric", name: "flat", values: Float64Array.of(7, 7, 7, 7) },
  { kind: "symbolic", name: "proto", codes: Uint16Array.of(0, 1, 0, 2), dictionary: ["tcp", "udp", "icmp"] },
]);
const columns = ["bytes", "rate", "flat", "proto"];

test("min-max scaling with log1p, fitted on the given rows only (hand-computed)", () => {
  const p = FeaturePipeline.fit(table, { columns, log1p: ["bytes"], scaling: "minmax" }, [0, 1, 2]);
  // flat is constant -> dropped; proto vocabulary from rows 0..2 is {tcp, udp}, sorted
  assert.deepEqual(p.featureNames, ["bytes", "rate", "proto=tcp", "proto=udp"]);
  assert.deepEqual(p.state.dropped, [
    { column: "flat", reason: "constant over all 4 rows of the training table (always 7)" },
  ]);
  const { X, unseen, imputed } = p.transform(table);
  const get = (i: number, j: number) => X.data[i * X.cols + j];
  // bytes: log1p(0)=0, log1p(9)=ln 10, log1p(99)=ln 100 -> min 0, range ln 100
  assert.ok(Math.abs(get(1, 0) - 0.5) < 1e-6, "ln 10 / ln 100 = 0.5");
  assert.equal(get(2, 0), 1);
  // NaN imputed with the training median of raw bytes (9) -> 0.5
  assert.ok(Math.abs(get(3, 0) - 0.5) < 1e-6);
  assert.deepEqual(imputed, { bytes: 1 });
  // rate: min 0.2, range 0.4; row 3 (1.0) lies outside the training range -> 2
  assert.ok(
    Math.abs(get(0, 1) - 0) < 1e-6 && Math.abs(get(1, 1) - 0.5) < 1e-6 && Math.abs(get(3, 1) - 2) < 1e-6,
  );
  // one-hot; icmp unseen at fit -> all zeros, counted
  assert.deepEqual(Array.from(X.data.subarray(0, 4).slice(2)), [1, 0]);
  assert.deepEqual([get(3, 2), get(3, 3)], [0, 0]);
  assert.deepEqual(unseen, { proto: { icmp: 1 } });
});

test("a column constant only among the fitting rows is kept (a departure from it is the anomaly)", () => {
  // Like KDD's wrong_fragment: 0 for every normal training row, non-zero for some attacks in the file.
  const t = new Table([
    { kind: "numeric", name: "frag", values: Float64Array.of(0, 0, 0, 3) },
    { kind: "numeric", name: "outbound", values: Float64Array.of(0, 0, 0, 0) },
    { kind: "symbolic", name: "flag", codes: Uint16Array.of(0, 0, 0, 1), dictionary: ["SF", "REJ"] },
  ]);
  const normals = [0, 1, 2];
  const columns = ["frag", "outbound", "flag"];
  const p = FeaturePipeline.fit(t, { columns, log1p: [] }, normals);
  assert.deepEqual(p.featureNames, ["frag", "flag=SF"]);
  assert.deepEqual(
    p.state.dropped.map((d) => d.column),
    ["outbound"],
  );
  assert.deepEqual(
    p.state.constant?.map((c) => c.column),
    ["frag", "flag"],
  );
  assert.match(p.state.constant?.[0].reason ?? "", /constant over the 3 training rows \(always 0\); kept/);
  const { X } = p.transform(t, [3]);
  assert.deepEqual(Array.from(X.data), [3, 0], "the attack row departs in both kept columns");
  // dropConstant "rows" drops them; "none" keeps even the file-wide constant.
  assert.deepEqual(FeaturePipeline.fit(t, { columns, dropConstant: "rows" }, normals).featureNames, []);
  const all = FeaturePipeline.fit(
    t,
    { columns: ["frag", "outbound"], dropConstant: "none", log1p: [] },
    normals,
  );
  assert.deepEqual(all.featureNames, ["frag", "outbound"]);
  assert.throws(() => FeaturePipeline.fit(t, { dropConstant: "all" as never }), /dropConstant must be/);
});

test("standard scaling uses the training mean and population standard deviation", () => {
  const p = FeaturePipeline.fit(table, { columns: ["rate"], log1p: [], scaling: "standard" });
  const { X } = p.transform(table);
  // rate mean 0.55, population std sqrt(0.0875)
  const std = Math.sqrt((0.35 ** 2 + 0.15 ** 2 + 0.05 ** 2 + 0.45 ** 2) / 4);
  assert.ok(Math.abs(X.data[3] - (1.0 - 0.55) / std) < 1e-6);
});

test("unseen: error refuses a category the pipeline never saw, naming it", () => {
  const p = FeaturePipeline.fit(table, { columns: ["proto"], unseen: "error" }, [0, 1]);
  assert.throws(
    () => p.transform(table),
    (e: Error) => e instanceof SchemaError && /"icmp", unseen/.test(e.message),
  );
  assert.throws(() => p.transformRecord({ proto: "icmp" }), SchemaError);
});

test("transformRecord gives exactly the batch result; save and load round-trip", () => {
  const { table: kdd } = parseKddText(
    [
      kddLine({ src_bytes: 181, dst_bytes: 5450, count: 8 }),
      kddLine({ src_bytes: 1032, protocol_type: "icmp", service: "ecr_i" }, "smurf"),
      kddLine({ duration: 3, src_bytes: 9, service: "ftp" }),
    ].join("\n"),
  );
  const p = FeaturePipeline.fit(kdd);
  const batch = p.transform(kdd).X;
  for (let i = 0; i < kdd.rows; i++) {
    assert.deepEqual(
      p.transformRecord(kdd.record(i)),
      batch.data.subarray(i * batch.cols, (i + 1) * batch.cols),
    );
  }
  // the unusual cases take the checked loop, with the same output or error as before
  const unseen = { ...kdd.record(0), service: "never-seen" };
  const expected = Float32Array.from(batch.data.subarray(0, batch.cols));
  const serviceAt = p.featureNames.indexOf("service=http");
  expected[serviceAt] = 0;
  assert.deepEqual(p.transformRecord(unseen), expected, "an unseen category encodes as zeros");
  const missing = { ...kdd.record(0), src_bytes: Number.NaN };
  const imputed = p.transformRecord(missing);
  assert.ok(Number.isFinite(imputed[p.featureNames.indexOf("src_bytes")]), "NaN is imputed");
  assert.throws(
    () => p.transformRecord({ ...kdd.record(0), src_bytes: "181" }),
    /"src_bytes" must be a number, got "181"/,
  );
  const path = join(mkdtempSync(join(tmpdir(), "detective-pipe-")), "sub", "p.json");
  p.save(path);
  const loaded = FeaturePipeline.load(path);
  assert.deepEqual(loaded.transform(kdd).X.data, batch.data);
  assert.deepEqual(loaded.featureNames, p.featureNames);
});

test("damaged or foreign saved pipelines are refused with a reason", () => {
  const p = FeaturePipeline.fit(table, { columns });
  assert.throws(() => FeaturePipeline.fromJSON({ format: "x" }), /not a saved feature pipeline/);
  assert.throws(() => FeaturePipeline.fromJSON({ ...p.state, version: 99 }), /version 99.*Re-fit/);
  assert.throws(
    () => FeaturePipeline.fromJSON({ ...p.state, featureNames: ["a"] }),
    /steps produce 5 features but 1 names are saved/,
  );
  assert.throws(() => FeaturePipeline.fit(table, { columns, scaling: "robust" as never }), OptionError);
  assert.throws(() => FeaturePipeline.fit(table, { columns: ["nope"] }), /no column "nope"/);
  assert.throws(() => p.transformRecord({ bytes: 1 }), /the record has no "rate"/);
});

test("signedLog1p keeps the sign and never returns -Infinity", () => {
  assert.equal(signedLog1p(0), 0);
  assert.equal(signedLog1p(-1), -Math.log(2));
  assert.ok(Math.abs(signedLog1p(Math.E - 1) - 1) < 1e-12);
});
