/**
 * The committed report's comparative sentences against the committed results, recomputed here from
 * the raw runs (not through the report's own summary code): who is best where, how many test sets
 * the deep models win, the spread of the false-positive rates, the widest seed spread, each
 * simulated scenario's best detectors, the verdicts against published figures; and every cited
 * work is in the references and every reference is cited.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { argmaxBy } from "../core/format";
import { projectRoot } from "../core/paths";
import { readStudyResults, studyResultsPath, type StudyRun } from "../eval/runStudy";
import { CAUGHT_SHARE, DEEP_DETECTORS } from "./report";

const results = readStudyResults(studyResultsPath("full"));
const markdown = readFileSync(join(projectRoot(), "report", "report.md"), "utf8");
const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const tests = [...new Set(results.runs.map((r) => r.test))];
const detectors = [...new Set(results.runs.map((r) => r.detector))];
const runsOf = (t: string, d: string): StudyRun[] => results.runs.filter((r) => r.test === t && r.detector === d);
const meanOf = (t: string, d: string, metric: (r: StudyRun) => number): number => mean(runsOf(t, d).map(metric));
const argmax = (t: string, ds: readonly string[], metric: (r: StudyRun) => number): string =>
  argmaxBy(ds, (d) => meanOf(t, d, metric));

test("summary: the best detector by ROC-AUC and at 1% FPR on each test set is the one the report names", () => {
  for (const t of tests) {
    const line = markdown.split("\n").find((l) => l.startsWith("- **") && l.includes(` ${t}**:`));
    assert.ok(line, `a summary line for ${t}`);
    const auc = argmax(t, detectors, (r) => r.rocAuc);
    const low = argmax(t, detectors, (r) => r.detectionAt1pctFpr);
    assert.ok(line.includes(`the highest ROC-AUC is ${auc}'s`), `${t}: highest ROC-AUC is ${auc}: ${line}`);
    assert.ok(line.includes(`${low} detects the most attacks`), `${t}: most detected at 1% FPR by ${low}: ${line}`);
  }
});

test("deep versus traditional: the count of test sets the deep models win matches the runs", () => {
  const deep = detectors.filter((d) => DEEP_DETECTORS.includes(d));
  const trad = detectors.filter((d) => !DEEP_DETECTORS.includes(d));
  if (deep.length === 0) return;
  const at1 = (r: StudyRun): number => r.detectionAt1pctFpr;
  const wins = tests.filter((t) => meanOf(t, argmax(t, deep, at1), at1) > meanOf(t, argmax(t, trad, at1), at1)).length;
  assert.ok(
    markdown.includes(`than the best traditional method on ${wins} of ${tests.length} test sets`),
    `the summary should say the deep models win on ${wins} of ${tests.length}`,
  );
  assert.ok(markdown.includes(`The deep models win at 1% FPR on ${wins} of ${tests.length} test sets`));
});

test("thresholds: the range of measured false-positive rates and the widest seed spread", () => {
  const fprs = tests.flatMap((t) => detectors.map((d) => meanOf(t, d, (r) => r.falsePositiveRate))).filter(Number.isFinite);
  const text = `ranges from ${(Math.min(...fprs) * 100).toFixed(2)}% to ${(Math.max(...fprs) * 100).toFixed(2)}%`;
  assert.ok(markdown.includes(text), `the summary should say the false-positive rate ${text}`);
  if (results.config.seeds.length > 1) {
    let widest = { t: "", d: "", sd: -1 };
    for (const t of tests) {
      for (const d of detectors) {
        const v = runsOf(t, d).map((r) => r.detectionAt1pctFpr);
        const m = mean(v);
        const sd = Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / (v.length - 1));
        if (sd > widest.sd) widest = { t, d, sd };
      }
    }
    const seeds = runsOf(widest.t, widest.d).map((r) => `${(r.detectionAt1pctFpr * 100).toFixed(1)}%`).join(", ");
    assert.ok(markdown.includes(`the widest spread is ${widest.d}'s on ${widest.t}, ${seeds}`), `widest spread: ${widest.d} on ${widest.t} (${seeds})`);
  }
});

test("simulated scenarios: the best per-record and series detectors, and what each caught", () => {
  const sim = results.runs.find((r) => r.benchmark === "simulated")?.test;
  if (!sim) return;
  const table = markdown.split("| scenario | best per-record detector |")[1]?.split("\n\n")[0] ?? "";
  assert.ok(table, "the scenario table is in the report");
  const seriesDetectors = [...new Set(results.series.map((s) => s.detector))];
  for (const row of table.split("\n").slice(2)) {
    const [scenario, recordDetector, rate, fpr, seriesDetector, flagged] = row.split(" | ").map((c) => c.replace(/^\| |\s*\|$/g, "").trim());
    const rateOf = (d: string): number => meanOf(sim, d, (r) => r.byAttackType[scenario] ?? Number.NaN);
    const best = Math.max(...detectors.map(rateOf).filter(Number.isFinite));
    assert.equal(rateOf(recordDetector), best, `${scenario}: ${recordDetector} is the best per-record detector`);
    assert.equal(rate, `${(best * 100).toFixed(1)}%`, `${scenario}: its rate`);
    assert.equal(fpr, `${(meanOf(sim, recordDetector, (r) => r.falsePositiveRate) * 100).toFixed(2)}%`, `${scenario}: its detector's false positives`);
    const shareOf = (d: string): number => {
      const runs = results.series.filter((s) => s.detector === d);
      const w = runs.map((s) => s.windows.find((x) => x.scenario === scenario));
      return mean(w.map((x) => (x ? x.flagged / x.intervals : Number.NaN)));
    };
    const bestShare = Math.max(...seriesDetectors.map(shareOf));
    assert.ok(Math.abs(shareOf(seriesDetector) - bestShare) < 1e-12, `${scenario}: ${seriesDetector} flags the largest share of its window`);
    assert.equal(flagged.endsWith("(not caught)"), bestShare < CAUGHT_SHARE, `${scenario}: caught in the series or not`);
    const sentence = markdown.split("scenario by scenario")[1]?.split("\n")[0] ?? "";
    const recordCaught = best >= CAUGHT_SHARE;
    const seriesCaught = bestShare >= CAUGHT_SHARE;
    const phrase = recordCaught && seriesCaught ? "Caught both ways" : recordCaught ? "Caught only one record at a time" : seriesCaught ? "Caught only in the series" : "Caught by neither";
    const listed = new RegExp(`${phrase}: [^.]*\\b${scenario}\\b`);
    assert.match(sentence, listed, `${scenario} is listed under "${phrase}"`);
  }
});

test("against published figures: beats or falls short as the accuracy says", () => {
  for (const a of results.config.literature) {
    const runs = runsOf(a.test, a.detector);
    if (!runs.length) continue;
    const ours = mean(runs.map((r) => r.policies.find((p) => Math.abs(p.fpr - a.fpr) < 1e-9)?.accuracy ?? Number.NaN));
    const diff = (ours - a.accuracy) * 100;
    const text =
      Math.abs(diff) <= 0.005
        ? `${a.detector} matches the published figure`
        : `${a.detector} ${diff > 0 ? "beats" : "falls short of"} the published figure by ${Math.abs(diff).toFixed(2)} points`;
    assert.ok(markdown.includes(text), text);
  }
});

test("every work cited in the report is in its references, and every reference is cited", () => {
  const [body, refs] = markdown.split("## References");
  assert.ok(refs, "the report has a references section");
  const entries = refs
    .split("\n")
    .filter((l) => l.startsWith("- "))
    .map((l) => ({ author: /^- ([^,]+),/.exec(l)?.[1] ?? "", year: /\((\d{4})\)/.exec(l)?.[1] ?? "" }));
  // "Author (2009)", "Author et al. (2009)", "(Author, 2009)", "Author and Other (2017)", "Author, Other and Third, 2008"
  const cited = [...body.matchAll(/([A-Z][A-Za-zé\u00f6-]+)(?: et al\.)?(?:,? (?:and )?[A-Z][a-z]+)*,? \(?(\d{4})\)?/g)].map((m) => ({ author: m[1], year: m[2] }));
  for (const c of cited.filter((x) => entries.some((e) => e.author === x.author))) {
    assert.ok(entries.some((e) => e.author === c.author && e.year === c.year), `${c.author} ${c.year} is cited but its reference has another year`);
  }
  for (const e of entries) {
    assert.ok(cited.some((c) => c.author === e.author && c.year === e.year), `the reference ${e.author} (${e.year}) is never cited in the report`);
  }
  for (const name of ["Roberts", "Fawcett", "Tavallaee", "McHugh", "Liu", "Vincent"]) {
    assert.ok(body.includes(name), `${name} is cited`);
  }
});

test("notebook 08's findings are the report's own paragraphs (the committed notebook and report agree)", () => {
  const nb = JSON.parse(readFileSync(join(projectRoot(), "notebooks", "08-comparison.ipynb"), "utf8")) as {
    cells: { cell_type: string; outputs?: { data?: Record<string, string | string[]> }[] }[];
  };
  const shown = nb.cells
    .filter((c) => c.cell_type === "code")
    .flatMap((c) => c.outputs ?? [])
    .map((o) => o.data?.["text/markdown"])
    .filter((m): m is string | string[] => m !== undefined)
    .map((m) => (Array.isArray(m) ? m.join("") : m));
  const findings = shown.find((m) => m.includes("### Summary"));
  assert.ok(findings, "notebook 08 shows the report's summary");
  for (const paragraph of findings.split("\n\n")) {
    assert.ok(markdown.includes(paragraph.replace(/^### /, "## ")), `not in the report: ${paragraph.slice(0, 120)}`);
  }
});
