import assert from "node:assert/strict";
import { test } from "node:test";
import { loadTensorflow } from "./tf";

test("loadTensorflow picks a working backend, says which, and computes", async () => {
  const messages: string[] = [];
  const { tf, backend, notes } = await loadTensorflow((m) => messages.push(m));
  assert.ok(["tensorflow", "wasm", "cpu"].includes(backend), backend);
  assert.equal(tf.getBackend(), backend);
  assert.match(messages.join("\n"), new RegExp(`backend ${backend}`));
  if (backend !== "tensorflow") assert.ok(notes.some((n) => /tfjs-node unavailable/.test(n)));
  const sum = tf.tensor1d([1, 2, 3.5]).sum().dataSync()[0];
  assert.equal(sum, 6.5);
});
