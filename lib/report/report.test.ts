import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readStudyResults, studyResultsPath } from "../eval/runStudy";
import { projectRoot } from "../core/paths";
import { buildReport, formatSpread, slug } from "./report";
import { runSummary, summarizeStudy } from "./summary";
import { figureSpecJson, missingFigures, reportHtml } from "./write";

const REPORT = join(projectRoot(), "report");
const committed = () => readStudyResults(studyResultsPath("full"));

test("formatSpread and slug", () => {
  assert.equal(formatSpread({ mean: 0.97123, sd: 0.00456, n: 3, values: [] }), "0.971 ± 0.005");
  assert.equal(formatSpread({ mean: 0.97123, sd: 0, n: 1, values: [] }), "0.971");
  assert.equal(formatSpread({ mean: 0.5, sd: 0.01, n: 3, values: [] }, 3, true), "50.0% ± 1.0%");
  assert.equal(formatSpread({ mean: Number.NaN, sd: Number.NaN, n: 0, values: [] }), "–");
  assert.equal(slug("KDDTest+"), "kddtest-plus");
  assert.equal(slug("KDDTest-21"), "kddtest-21");
});

test("the committed report is what the code generates from the committed results (Markdown, figures, HTML)", async () => {
  const results = committed();
  assert.equal(results.config.mode, "full", "the committed results come from the full study");
  const report = buildReport(results);
  const markdown = readFileSync(join(REPORT, "report.md"), "utf8");
  assert.ok(
    markdown === report.markdown,
    "report/report.md differs from what the code generates from report/results/study.json: run `node lib/dist/cli/main.js report` (or the study) and commit the result.",
  );
  for (const f of report.figures) {
    const spec = join(REPORT, "figures", `${f.name}.json`);
    assert.ok(existsSync(spec), `missing ${spec}`);
    assert.equal(readFileSync(spec, "utf8"), figureSpecJson(f.figure), `figure ${f.name} differs from its committed specification`);
    const png = readFileSync(join(REPORT, "figures", `${f.name}.png`));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${f.name}.png is a PNG`);
    assert.ok(png.readUInt32BE(16) >= 600 && png.readUInt32BE(20) >= 300, `${f.name}.png has the figure's size`);
  }
  assert.deepEqual(missingFigures(markdown, REPORT), []);
  const html = await reportHtml(markdown, (name) => readFileSync(join(REPORT, "figures", `${name}.png`)));
  assert.ok(html === readFileSync(join(REPORT, "report.html"), "utf8"), "report/report.html is stale: rebuild the report");
  assert.ok(!/src="figures\//.test(html), "the HTML report is self-contained (figures inlined)");
  const pdf = readFileSync(join(REPORT, "report.pdf"));
  assert.equal(pdf.subarray(0, 5).toString(), "%PDF-");
});

test("the report's numbers trace to the results: every quality cell is the mean ± sd of the runs", () => {
  const results = committed();
  const summary = summarizeStudy(results);
  const markdown = buildReport(results).markdown;
  for (const t of summary.tests) {
    const section = markdown.split(`### ${t.benchmark}: \`${t.test}\``)[1]?.split("###")[0] ?? "";
    assert.ok(section, `a results section for ${t.test}`);
    for (const detector of summary.detectors) {
      const r = runSummary(summary, t.test, detector);
      const runs = results.runs.filter((x) => x.test === t.test && x.detector === detector);
      const mean = runs.reduce((a, x) => a + x.rocAuc, 0) / runs.length;
      assert.ok(Math.abs(mean - r.metrics.rocAuc.mean) < 1e-12);
      const row = section.split("\n").find((line) => line.startsWith(`| ${detector} |`));
      assert.ok(row, `${detector} has a row for ${t.test}`);
      assert.equal(row.split(" | ")[1], formatSpread(r.metrics.rocAuc), `${detector} on ${t.test}: ROC-AUC cell`);
    }
  }
});
