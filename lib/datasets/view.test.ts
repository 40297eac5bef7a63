import assert from "node:assert/strict";
import { test } from "node:test";
import { Table } from "./table";
import { frame, matrixToDataFrame, toDataFrame } from "./view";

test("toDataFrame and matrixToDataFrame give danfojs frames with the right shape and values", () => {
  const t = new Table([
    { kind: "numeric", name: "x", values: Float64Array.of(1, 2, 3) },
    { kind: "symbolic", name: "s", codes: Uint16Array.of(1, 0, 1), dictionary: ["a", "b"] },
  ]);
  const df = toDataFrame(t, [2, 0]);
  assert.deepEqual(df.shape, [2, 2]);
  assert.deepEqual(df.values, [
    [3, "b"],
    [1, "b"],
  ]);
  const m = matrixToDataFrame({ data: Float32Array.of(1, 2, 3, 4), rows: 2, cols: 2 }, ["f1", "f2"]);
  assert.deepEqual(m.columns, ["f1", "f2"]);
  assert.deepEqual(m.values, [
    [1, 2],
    [3, 4],
  ]);
});

test("frame rounds numbers and prints long text untruncated", () => {
  const reason = "constant over the 70266 training rows (always 0)";
  const df = frame([{ column: "num_outbound_cmds", share: 0.7053040255373759, reason }]);
  assert.deepEqual(df.values, [["num_outbound_cmds", 0.7053, reason]]);
  assert.ok(df.toString().includes(reason));
});
