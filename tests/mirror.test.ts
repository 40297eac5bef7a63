/**
 * The real datasets, as fetched by the set-up (from the offline mirror in CI): row counts, label
 * counts and duplicate counts against published figures (Tavallaee et al. 2009 report 145,586
 * distinct records in the 10% file and 77,291 in `corrected`).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { findDuplicates, loadDataset, type Table, valueCounts } from "../lib";

const labelCount = (table: Table, label: string): number =>
  valueCounts(table, "label").find(([name]) => name === label)?.[1] ?? 0;

describe("real datasets", () => {
  test("KDD99 10%: 494,021 rows, known label counts, 145,586 distinct records", async () => {
    const { table, report } = await loadDataset("kdd99-10pct");
    assert.equal(table.rows, 494_021);
    assert.equal(report.rejected, 0);
    assert.equal(labelCount(table, "normal"), 97_278);
    assert.equal(labelCount(table, "smurf"), 280_790);
    assert.equal(labelCount(table, "neptune"), 107_201);
    assert.equal(labelCount(table, "spy"), 2);
    assert.equal(valueCounts(table, "label").length, 23);
    assert.equal(findDuplicates(table).distinct, 145_586);
    assert.equal(table.value("src_bytes", 0), 181);
    assert.equal(table.value("dst_bytes", 0), 5450);
  });

  test("KDD99 corrected: 311,029 rows, 38 labels, 77,291 distinct records", async () => {
    const { table } = await loadDataset("kdd99-corrected");
    assert.equal(table.rows, 311_029);
    assert.equal(labelCount(table, "normal"), 60_593);
    assert.equal(labelCount(table, "smurf"), 164_091);
    assert.equal(labelCount(table, "neptune"), 58_001);
    assert.equal(labelCount(table, "snmpgetattack"), 7_741);
    assert.equal(valueCounts(table, "label").length, 38);
    assert.equal(findDuplicates(table).distinct, 77_291);
  });

  test("NSL-KDD files: rows, normal counts, difficulty range", async () => {
    const expected: [string, number, number][] = [
      ["nsl-train-20", 25_192, 13_449],
      ["nsl-test", 22_544, 9_711],
      ["nsl-test-21", 11_850, 2_152],
    ];
    for (const [id, rows, normals] of expected) {
      const { table, report } = await loadDataset(id);
      assert.equal(report.format, "nsl-kdd");
      assert.equal(table.rows, rows, id);
      assert.equal(labelCount(table, "normal"), normals, id);
      const difficulty = table.numeric("difficulty");
      assert.ok(
        difficulty.every((d) => Number.isInteger(d) && d >= 0 && d <= 21),
        id,
      );
      if (id === "nsl-test-21")
        assert.ok(
          difficulty.every((d) => d < 21),
          "KDDTest-21 drops the records all 21 learners got",
        );
    }
  });
});
