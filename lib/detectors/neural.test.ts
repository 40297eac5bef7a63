import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { rocAuc } from "../eval/metrics";
import type { Matrix } from "../core/matrix";
import { SchemaError } from "../core/errors";
import { seeded } from "../core/random";
import { loadTensorflow } from "../core/tf";
import { Autoencoder, DenoisingAutoencoder } from "./autoencoder";
import { detectorFromJSON } from "./registry";

before(async () => {
  await loadTensorflow(() => {});
});

/**
 * Rows on a 2-D plane inside R^8 (x = A z + small noise) and, at the end, planted rows off that
 * plane but inside the same box, so no single feature gives them away.
 */
function manifold(rows: number, planted: number, seed: number): { X: Matrix; y: Uint8Array } {
  const d = 8;
  const planeRng = seeded(99); // one plane for every call: training and test rows share it
  const A = Array.from({ length: 2 * d }, () => planeRng() - 0.5);
  const rng = seeded(seed);
  const data = new Float32Array(rows * d);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const z = [rng(), rng()];
    const off = i >= rows - planted;
    y[i] = off ? 1 : 0;
    for (let j = 0; j < d; j++) {
      const onPlane = 0.5 + A[2 * j] * z[0] + A[2 * j + 1] * z[1];
      data[i * d + j] = off ? 0.5 + (rng() - 0.5) * 0.8 : onPlane + (rng() - 0.5) * 0.01;
    }
  }
  return { X: { data, rows, cols: d }, y };
}

describe("Autoencoder", () => {
  test("trained on a 2-D manifold in 8-D, it ranks planted off-manifold rows first", () => {
    const train = manifold(3000, 0, 1);
    const test = manifold(1000, 20, 2);
    const ae = new Autoencoder({
      hidden: [16, 2],
      epochs: 60,
      batchSize: 64,
      learningRate: 0.005,
      seed: 3,
    }).fit(train.X);
    const s = ae.score(test.X);
    assert.ok(rocAuc(test.y, s) > 0.99, `AUC ${rocAuc(test.y, s)}`);
    const top20 = Array.from(s.keys())
      .sort((a, b) => s[b] - s[a])
      .slice(0, 20);
    assert.ok(top20.filter((i) => test.y[i]).length >= 18, "most of the top 20 are the planted rows");
    const h = ae.history;
    assert.ok(h.loss[h.loss.length - 1] < h.loss[0] / 5, `loss fell: ${h.loss[0]} -> ${h.loss.at(-1)}`);
    assert.ok(h.bestEpoch >= 1 && h.validationLoss.length === h.loss.length);
  });

  test("same seed, same scores; save/load round trip gives identical scores; scoreOne agrees", () => {
    const { X } = manifold(600, 10, 4);
    const a = new Autoencoder({ hidden: [8, 2], epochs: 5, seed: 7 }).fit(X);
    const b = new Autoencoder({ hidden: [8, 2], epochs: 5, seed: 7 }).fit(X);
    assert.deepEqual(a.score(X), b.score(X));
    const loaded = detectorFromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    assert.ok(loaded instanceof Autoencoder);
    assert.deepEqual(loaded.score(X), a.score(X));
    assert.equal(a.scoreOne(X.data.subarray(8 * 599)), a.score(X)[599]);
    const c = new Autoencoder({ hidden: [8, 2], epochs: 5, seed: 8 }).fit(X);
    assert.notDeepEqual(c.score(X), a.score(X), "another seed, other weights");
  });

  test("saved weights are checked against the architecture: shapes, names, values and the history", () => {
    const { X } = manifold(200, 0, 5);
    const saved = JSON.parse(
      JSON.stringify(new Autoencoder({ hidden: [4, 2], epochs: 1, seed: 1 }).fit(X).toJSON()),
    );
    type Saved = {
      state: { nFeatures: unknown; weights: Record<string, unknown>; history: Record<string, unknown> };
    };
    const refused = (edit: (s: Saved) => void, message: RegExp): void => {
      const copy = structuredClone(saved) as Saved;
      edit(copy);
      assert.throws(
        () => detectorFromJSON(copy, "bundle.content.detector"),
        (err: Error) => err instanceof SchemaError && message.test(err.message),
        String(message),
      );
    };
    refused(
      (s) => (s.state.weights.W0 = { shape: [8, 5], values: [] }),
      /weights\.W0\.shape must be \[8, 4\], got an array of 2/,
    );
    refused(
      (s) => delete s.state.weights.b1,
      /bundle\.content\.detector\.state\.weights\.b1 must be an object, got nothing/,
    );
    refused((s) => (s.state.weights.extra = {}), /weights\.extra must be absent/);
    refused(
      (s) => ((s.state.weights.b0 as { values: unknown[] }).values[0] = "1"),
      /weights\.b0\.values\[0\] must be a finite number, got string "1"/,
    );
    refused((s) => (s.state.nFeatures = 3), /weights\.W0\.shape must be \[3, 4\]/);
    refused((s) => (s.state.history = { loss: "x" }), /state\.history\.loss must be an array/);
    const diverged = structuredClone(saved) as Saved;
    diverged.state.history.loss = [null];
    assert.ok(detectorFromJSON(diverged), "a NaN loss (saved as null) still loads");
  });

  test("explain names the feature a row got wrong", () => {
    const train = manifold(2000, 0, 5);
    const ae = new Autoencoder({
      hidden: [16, 2],
      epochs: 40,
      batchSize: 64,
      learningRate: 0.005,
      seed: 1,
    }).fit(train.X);
    const x = Float32Array.from(train.X.data.subarray(0, 8));
    x[5] += 0.6;
    const top = ae.explain(x, ["a", "b", "c", "d", "e", "f", "g", "h"], 2);
    assert.equal(top[0].feature, "f");
    assert.ok(top[0].share > 0.5);
  });

  test("the denoising variant trains on noisy inputs and saves under its own name", () => {
    const { X } = manifold(600, 0, 6);
    const d = new DenoisingAutoencoder({ hidden: [8, 2], epochs: 3, seed: 1 }).fit(X);
    assert.equal(d.opts.noise, 0.1);
    const loaded = detectorFromJSON(JSON.parse(JSON.stringify(d.toJSON())));
    assert.equal(loaded.name, "DenoisingAutoencoder");
    assert.deepEqual(loaded.score(X), d.score(X));
  });

  test("bad options and shapes are clear errors", () => {
    assert.throws(() => new Autoencoder({ hidden: [] }), /hidden must be positive integers/);
    assert.throws(() => new Autoencoder({ epochs: 0 }), /epochs must be a positive integer/);
    assert.throws(() => new Autoencoder().score({ data: new Float32Array(2), rows: 1, cols: 2 }), /call fit/);
    const { X } = manifold(100, 0, 1);
    const ae = new Autoencoder({ hidden: [4, 2], epochs: 1 }).fit(X);
    assert.throws(
      () => ae.score({ data: new Float32Array(3), rows: 1, cols: 3 }),
      /fitted on 8 columns, got 3/,
    );
  });
});

/**
 * A periodic two-feature series (period 24 rows, small noise), with, when asked, a burst at rows
 * [at, at + 6): both features jump to the top of their normal range out of phase. Every burst
 * value is within the range normal rows take, so a single-row model cannot see it.
 */
function periodic(rows: number, seed: number, at = -1): { X: Matrix; burst: (i: number) => boolean } {
  const rng = seeded(seed);
  const data = new Float32Array(rows * 2);
  const burst = (i: number) => at >= 0 && i >= at && i < at + 6;
  for (let i = 0; i < rows; i++) {
    const phase = (2 * Math.PI * i) / 24;
    data[2 * i] = burst(i) ? 0.95 : Math.sin(phase) + (rng() - 0.5) * 0.1;
    data[2 * i + 1] = burst(i) ? 0.95 : Math.cos(phase) + (rng() - 0.5) * 0.1;
  }
  return { X: { data, rows, cols: 2 }, burst };
}

describe("LSTM detectors", () => {
  test("the forecaster flags an in-range burst in a periodic series that a per-row z-score misses", async () => {
    const { LstmForecaster } = await import("./lstm");
    const { ZScore } = await import("./zScore");
    const train = periodic(1500, 1);
    const test = periodic(600, 2, 300);
    const f = new LstmForecaster({
      window: 12,
      units: 16,
      epochs: 25,
      batchSize: 32,
      learningRate: 0.01,
      seed: 1,
    }).fit(train.X);
    const s = f.score(test.X);
    const inBurst = Array.from(s.keys()).filter(test.burst);
    // Rows whose history holds burst rows (up to 12 after it) are neither burst nor normal: left out.
    const elsewhere = Array.from(s.keys()).filter((i) => i >= 12 && (i < 300 || i >= 318));
    const peakBurst = Math.max(...inBurst.map((i) => s[i]));
    const peakElsewhere = Math.max(...elsewhere.map((i) => s[i]));
    assert.ok(peakBurst > 3 * peakElsewhere, `burst ${peakBurst} vs elsewhere ${peakElsewhere}`);
    // The per-row baseline ranks the burst rows no higher than ordinary rows.
    const z = new ZScore().fit(train.X).score(test.X);
    assert.ok(
      Math.max(...inBurst.map((i) => z[i])) < Math.max(...elsewhere.map((i) => z[i])),
      "in range per row",
    );
  });

  test("the LSTM autoencoder gives windows holding the burst the highest errors", async () => {
    const { LstmAutoencoder } = await import("./lstm");
    const train = periodic(1500, 3);
    const test = periodic(600, 4, 300);
    const ae = new LstmAutoencoder({
      window: 12,
      units: 16,
      epochs: 25,
      batchSize: 32,
      learningRate: 0.01,
      seed: 2,
    }).fit(train.X);
    const s = ae.score(test.X);
    const top = Array.from(s.keys())
      .sort((a, b) => s[b] - s[a])
      .slice(0, 10);
    // Windows ending at rows 300..316 contain burst rows.
    assert.ok(
      top.every((i) => i >= 300 && i < 318),
      `top windows end at ${top.join(", ")}`,
    );
  });

  test("scoreOne over a stream equals score over the file; save/load and seeds are reproducible", async () => {
    const { LstmAutoencoder, LstmForecaster } = await import("./lstm");
    const { X } = periodic(300, 5, 200);
    for (const make of [
      (seed: number) => new LstmForecaster({ window: 5, units: 8, epochs: 2, seed }),
      (seed: number) => new LstmAutoencoder({ window: 5, units: 8, epochs: 2, seed }),
    ]) {
      const m = make(1).fit(X);
      const batch = m.score(X);
      const stream = Float64Array.from({ length: X.rows }, (_, i) =>
        m.scoreOne(X.data.subarray(2 * i, 2 * i + 2)),
      );
      for (let i = 0; i < X.rows; i++)
        assert.ok(Math.abs(stream[i] - batch[i]) <= 1e-5 * Math.max(1, batch[i]), `${m.name} row ${i}`);
      assert.deepEqual(make(1).fit(X).score(X), batch, `${m.name}: same seed, same scores`);
      const loaded = detectorFromJSON(JSON.parse(JSON.stringify(m.toJSON())));
      assert.equal(loaded.name, m.name);
      assert.deepEqual(loaded.score(X), batch);
    }
    assert.throws(
      () => new LstmForecaster({ window: 0 }),
      /window must be an integer in \[1, 10000\], got 0/,
    );
    assert.throws(() => new LstmForecaster({ window: 1e9 }), /window must be an integer in \[1, 10000\]/);
    assert.throws(() => new LstmForecaster({ window: 5 }).fit(periodic(4, 1).X), /needs at least 7 rows/);
  });
});

test("progressBar writes one line per epoch off a terminal, with the losses", async () => {
  const { progressBar } = await import("./neural");
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
  const bar = progressBar("ae", stream);
  bar({ epoch: 1, epochs: 4, loss: 0.5, validationLoss: 0.25, seconds: 0.1, last: false });
  bar({ epoch: 4, epochs: 4, loss: 0.125, validationLoss: Number.NaN, seconds: 0.1, last: true });
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^ae \[######\.{18}\] epoch 1\/4 loss 5\.000e-1 val 2\.500e-1 \(0\.10 s\)\n$/);
  assert.doesNotMatch(lines[1], /val/);
  // On a terminal the line is rewritten in place, and the last epoch (here an early stop) ends it.
  const tty: string[] = [];
  const onTty = progressBar("ae", {
    isTTY: true,
    write: (s: string) => tty.push(s),
  } as unknown as NodeJS.WriteStream);
  onTty({ epoch: 1, epochs: 50, loss: 1, validationLoss: 1, seconds: 0.1, last: false });
  onTty({ epoch: 7, epochs: 50, loss: 1, validationLoss: 1, seconds: 0.1, last: true });
  assert.ok(tty[0].startsWith("\r") && !tty[0].endsWith("\n"));
  assert.ok(tty[1].endsWith("\n"), "an early stop ends the line");
});
