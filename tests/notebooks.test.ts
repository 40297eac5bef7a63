/**
 * The committed notebooks are what reviewers read: each must be executed, in order, with no
 * errors. (`npm test` also re-executes every notebook in quick mode; this checks the committed copies.)
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

interface Cell {
  cell_type: string;
  execution_count?: number | null;
  outputs?: { output_type: string; name?: string; text?: string | string[] }[];
}

const dir = join(__dirname, "..", "notebooks");
const notebooks = readdirSync(dir).filter((f) => /^\d\d-.*\.ipynb$/.test(f));

test("there are numbered notebooks", () => {
  assert.ok(notebooks.length >= 1);
});

for (const name of notebooks) {
  test(`${name} is committed executed, in order, without errors, on the TypeScript kernel`, () => {
    const nb = JSON.parse(readFileSync(join(dir, name), "utf8")) as {
      cells: Cell[];
      metadata: { kernelspec?: { name?: string } };
    };
    assert.equal(nb.metadata.kernelspec?.name, "tslab");
    const code = nb.cells.filter((c) => c.cell_type === "code");
    assert.ok(code.length > 0);
    code.forEach((c, i) => {
      assert.equal(c.execution_count, i + 1, `code cell ${i + 1} not executed in order`);
      for (const o of c.outputs ?? []) {
        assert.notEqual(o.output_type, "error", `code cell ${i + 1} has an error output`);
        assert.ok(!(o.output_type === "stream" && o.name === "stderr"), `code cell ${i + 1} wrote to stderr`);
      }
    });
    assert.ok(
      code.some((c) => (c.outputs ?? []).length > 0),
      "no outputs",
    );
  });

  test(`${name} names no machine path, issue number or development history`, () => {
    const text = readFileSync(join(dir, name), "utf8");
    for (const pattern of [/\/(tmp|root|home|work)\/[\w.-]+/, /\bissue \d+/i, /\bused to (open|be|say)\b/i]) {
      const found = pattern.exec(text);
      assert.equal(
        found,
        null,
        `${name} contains ${found?.[0]}: notebooks are read by people who cloned them elsewhere`,
      );
    }
  });
}
