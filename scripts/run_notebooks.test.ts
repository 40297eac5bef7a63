/**
 * The notebook renders (run_notebooks.py's render_html, nbconvert's page plus our styles) read
 * well in a browser: long code lines wrap, HTML tables have borders, numbers stay right-aligned on
 * one line, and a table wider than the page scrolls inside its output instead of widening the page.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Browser } from "playwright-core";
import { chromiumPath, launchChromium } from "../lib/plots/render";

const PYTHON = process.env.DETECTIVE_PYTHON ?? "/usr/bin/python3";
const SCRIPTS = __dirname;
const LONG_LINE = `const rows = comparisonRows(summary, { metrics: [${'"rocAuc", '.repeat(30)}"f1"] });`;
const COLUMNS = 16;

const cell = (align: "left" | "right", text: string, tag = "td") =>
  `<${tag} style="text-align:${align}">${text}</${tag}>`;
/** A table as showTable writes it: 16 columns, a name on the left and values with their spread. */
const WIDE_TABLE = `<table class="detective-table">
<thead><tr>${cell("left", "detector", "th")}${Array.from({ length: COLUMNS }, (_, c) => cell("right", `metric ${c}`, "th")).join("")}</tr></thead>
<tbody>
${["ZScore", "IsolationForest"].map((d) => `<tr>${cell("left", d)}${Array.from({ length: COLUMNS }, (_, c) => cell("right", `0.97${c % 10} ± 0.003`)).join("")}</tr>`).join("\n")}
</tbody>
</table>`;

function notebook(): object {
  const source = (text: string) => text.split(/(?<=\n)/);
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    cells: [
      { id: "m1", cell_type: "markdown", metadata: {}, source: source("# A render\n\nOne sentence of why.") },
      {
        id: "c1",
        cell_type: "code",
        metadata: {},
        execution_count: 1,
        source: source(`${LONG_LINE}\nshowTable(tslab.display, rows);`),
        outputs: [{ output_type: "display_data", metadata: {}, data: { "text/html": source(WIDE_TABLE) } }],
      },
      {
        id: "c2",
        cell_type: "code",
        metadata: { tags: ["remove-input"] },
        execution_count: 2,
        source: source('tslab.display.markdown(`HIDDEN_FINDINGS_CODE ${"shown"}`);'),
        outputs: [
          { output_type: "display_data", metadata: {}, data: { "text/markdown": ["FINDINGS_SHOWN"] } },
        ],
      },
    ],
  };
}

/** What the test measures in the rendered page. */
interface Seen {
  codeWhiteSpace: string;
  codeOverflows: boolean;
  codeLines: number;
  border: string;
  numberAlign: string;
  nameAlign: string;
  numberLines: number;
  areaScrolls: boolean;
  pageScrolls: boolean;
}

let browser: Browser | undefined;
after(() => browser?.close());

test("render_html: code wraps, tables have borders and right-aligned numbers, a wide table scrolls in place, computed findings show without their code", async (t) => {
  const probe = spawnSync(PYTHON, ["-c", "import nbconvert, nbformat"], { encoding: "utf8" });
  if (probe.status !== 0) {
    t.skip(
      `${PYTHON} cannot import nbconvert (Debian's jupyter-nbconvert; npm test installs it): render not checked`,
    );
    return;
  }
  if (!existsSync(chromiumPath())) {
    t.skip(`no Chromium at ${chromiumPath()} (npm test installs Debian's chromium): render not measured`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "detective-render-"));
  try {
    writeFileSync(join(dir, "render-check.ipynb"), JSON.stringify(notebook()));
    const script =
      "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); import run_notebooks as r; " +
      "r.render_html(Path(sys.argv[2]), Path(sys.argv[3]))";
    const run = spawnSync(
      PYTHON,
      ["-B", "-c", script, SCRIPTS, join(dir, "render-check.ipynb"), join(dir, "html")],
      {
        encoding: "utf8",
      },
    );
    assert.equal(run.status, 0, `render_html failed: ${run.stderr}`);
    const html = readFileSync(join(dir, "html", "render-check.html"), "utf8");
    assert.match(html, /<style id="detective-render">[^]*<\/head>/, "our styles in the page's head");
    assert.ok(!html.includes("HIDDEN_FINDINGS_CODE"), "a cell tagged remove-input shows no code");
    assert.ok(html.includes("FINDINGS_SHOWN"), "a cell tagged remove-input still shows its output");

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    await page.route(/^https?:/, (route) => route.abort()); // nbconvert's page links MathJax from a CDN
    await page.goto(`file://${join(dir, "html", "render-check.html")}`);
    // Measured in the page (plain JavaScript: this project's TypeScript has no DOM types).
    const seen = await page.evaluate<Seen>(`(() => {
      const code = document.querySelector(".jp-InputArea-editor .highlight pre");
      const table = document.querySelector(".jp-OutputArea-output table");
      const number = table.querySelector("tbody td:nth-child(2)");
      const name = table.querySelector("tbody td:first-child");
      const area = table.closest(".jp-OutputArea");
      const style = (e) => getComputedStyle(e);
      const lines = (e) => { const r = document.createRange(); r.selectNodeContents(e); return r.getClientRects().length; };
      return {
        codeWhiteSpace: style(code).whiteSpace,
        codeOverflows: code.scrollWidth > code.clientWidth + 1,
        codeLines: Math.round(code.getBoundingClientRect().height / parseFloat(style(code).lineHeight)),
        border: style(number).borderTopWidth + " " + style(number).borderTopStyle,
        numberAlign: style(number).textAlign,
        nameAlign: style(name).textAlign,
        numberLines: lines(number),
        areaScrolls: area.scrollWidth > area.clientWidth,
        pageScrolls: document.documentElement.scrollWidth > window.innerWidth,
      };
    })()`);
    assert.equal(seen.codeWhiteSpace, "pre-wrap");
    assert.ok(
      !seen.codeOverflows && seen.codeLines >= 3,
      `the long code line wraps (${seen.codeLines} lines)`,
    );
    assert.equal(seen.border, "1px solid", "table cells have borders");
    assert.equal(seen.numberAlign, "right");
    assert.equal(seen.nameAlign, "left");
    assert.equal(seen.numberLines, 1, '"0.970 ± 0.003" on one line');
    assert.ok(seen.areaScrolls, "the wide table scrolls inside its output");
    assert.ok(!seen.pageScrolls, "the page itself does not get wider");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
