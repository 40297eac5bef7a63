import assert from "node:assert/strict";
import { test } from "node:test";
import { SchemaError, ShapeError } from "../core/errors";
import { Table, valueCounts } from "./table";

const t = new Table([
  { kind: "numeric", name: "x", values: Float64Array.of(1, 2, 3) },
  { kind: "symbolic", name: "s", codes: Uint16Array.of(1, 0, 1), dictionary: ["a", "b"] },
]);

test("take, select, record and value", () => {
  const taken = t.take([2, 0]);
  assert.deepEqual(Array.from(taken.numeric("x")), [3, 1]);
  assert.deepEqual(taken.record(0), { x: 3, s: "b" });
  assert.deepEqual(t.select(["s"]).columnNames, ["s"]);
  assert.deepEqual(Array.from(t.where((i) => t.value("s", i) === "b")), [0, 2]);
  assert.deepEqual(valueCounts(t, "s"), [
    ["b", 2],
    ["a", 1],
  ]);
  assert.deepEqual(valueCounts(t, "s", [1]), [["a", 1]]);
});

test("bad shapes and names are refused with the names involved", () => {
  assert.throws(
    () =>
      new Table([
        { kind: "numeric", name: "x", values: Float64Array.of(1) },
        { kind: "numeric", name: "y", values: Float64Array.of(1, 2) },
      ]),
    ShapeError,
  );
  assert.throws(
    () => t.column("z"),
    (e: Error) => e instanceof SchemaError && /columns are x, s/.test(e.message),
  );
  assert.throws(() => t.numeric("s"), /is symbolic, not numeric/);
});
