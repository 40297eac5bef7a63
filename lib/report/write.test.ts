import assert from "node:assert/strict";
import { after, test } from "node:test";
import { FigureRenderer } from "../plots/render";
import { pdfOutline, pdfPageTexts, pdfSource, pdfWordBoxes, xrefProblems } from "../testing/pdf";
import { headingSlug, reportHtml } from "./write";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** A figure as the PDF gets it: SVG, whose text stays text in the PDF. */
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="520"><rect width="900" height="520" fill="#eef"/>
<text x="40" y="260" font-size="40" font-family="DejaVu Sans">vector label 42</text></svg>`;
const DETECTORS = ["ZScore", "RobustZScore", "Mahalanobis", "IsolationForest", "OneClassSvm", "Autoencoder"];
const TESTS = ["corrected", "KDDTest+", "KDDTest-21", "sim-mixed", "a", "b", "c", "d", "e", "f", "g", "h"];
/** Every spread value in the wide table, each different so a lost or split one is noticed. */
const spread = (row: number, col: number) => `0.${String(100 + row * 10 + col).padStart(3, "0")} ± 0.00${col % 10}`;
const WIDE_ROWS = 30;
/** Values with a spread in one long paragraph, so that lines break near many "±". */
const PROSE_VALUES = 120;
const FILLER =
  "Every detector follows one contract and the same evaluation split; thresholds are set on held-out " +
  "training normals, and the test sets are files the detectors never saw. ";

/** Sections whose headings hold inline code; some are moved to the next page with their table. */
const PARTS = Array.from({ length: 12 }, (_, i) => `part-${i + 1}`);
const smallTable = `| detector | ROC-AUC |\n|---|---:|\n${DETECTORS.map((d, i) => `| ${d} | ${spread(i, 0)} |`).join("\n")}`;

/** A report long enough for several pages, with a table too wide for the page at the usual size. */
const MARKDOWN = `# A printed report

Read the [results](#results), a [paper](https://example.org/paper), the [figure's SVG](figures/roc.svg)
and the [README](../README.md). The best detector scores ${spread(0, 0)} on average.

Prose wraps at spaces, but not within a value: ${Array.from({ length: PROSE_VALUES }, (_, i) => spread(WIDE_ROWS + i, 0)).join(", ")}.

## Data: \`corrected\`

${Array.from({ length: 30 }, () => FILLER.repeat(4)).join("\n\n")}

## Results

| detector | ${TESTS.join(" | ")} |
|---|${TESTS.map(() => "---:").join("|")}|
${Array.from({ length: WIDE_ROWS }, (_, r) => `| ${DETECTORS[r % DETECTORS.length]} | ${TESTS.map((_t, c) => spread(r, c)).join(" | ")} |`).join("\n")}

\`\`\`
{"detectors": [${DETECTORS.map((d) => `{"name": "${d}", "options": {"hidden": [64, 16], "epochs": 150}}`).join(", ")}]}
\`\`\`

![A figure.](figures/roc.png)

*Figure 1. A figure.*

## Results

${PARTS.map((p) => `### Part: \`${p}\`\n\nQuality (mean ± standard deviation over 3 seeds).\n\n${smallTable}`).join("\n\n")}

### Deep & shallow

${FILLER.repeat(6)}
`;

test("headingSlug makes GitHub's heading ids", () => {
  const seen = new Map<string, number>();
  assert.equal(headingSlug("KDD99: corrected", seen), "kdd99-corrected");
  assert.equal(headingSlug("NSL-KDD: KDDTest+", seen), "nsl-kdd-kddtest");
  assert.equal(
    headingSlug("The known critiques of KDD Cup 99, and how this study answers them", seen),
    "the-known-critiques-of-kdd-cup-99-and-how-this-study-answers-them",
  );
  assert.equal(headingSlug("Deep &amp; shallow", seen), "deep--shallow");
  assert.equal(headingSlug("Results", seen), "results");
  assert.equal(headingSlug("Results", seen), "results-1");
  assert.equal(headingSlug("Results", seen), "results-2");
});

test("reportHtml: heading ids, figures inlined, a value and its spread joined by no-break spaces", async () => {
  const html = await reportHtml(MARKDOWN, (name) => {
    assert.equal(name, "roc");
    return PNG;
  });
  assert.match(html, /<title>A printed report<\/title>/);
  for (const id of ["a-printed-report", "data-corrected", "results", "results-1", "deep--shallow"])
    assert.match(html, new RegExp(`<h\\d id="${id}">`), `a heading with id ${id}`);
  assert.match(html, /<a href="#results">results<\/a>/);
  assert.match(html, /<img src="data:image\/png;base64,iVBORw0KGgo="/);
  assert.ok(!html.includes(" ± "), "no ± between breakable spaces");
  const spreads = 1 + PROSE_VALUES + WIDE_ROWS * TESTS.length + PARTS.length * (1 + DETECTORS.length);
  assert.equal(html.split("\u00a0±\u00a0").length - 1, spreads);
});

const renderer = new FigureRenderer();
after(() => renderer.close());

test("the printed PDF: bookmarks, page numbers, working links, wide tables inside the page, no wrap at ±", async (t) => {
  const html = await reportHtml(MARKDOWN, () => SVG, "svg");
  assert.match(html, /<img src="data:image\/svg\+xml;base64,/);
  const pdf = await renderer.pdf(html);
  assert.equal(pdfSource(pdf).slice(0, 5), "%PDF-");
  assert.deepEqual(xrefProblems(pdf), [], "the rewritten links left the cross-reference table right");

  assert.deepEqual(pdfOutline(pdf), [
    "A printed report",
    "  Data: corrected",
    "  Results",
    "  Results",
    ...PARTS.map((p) => `    Part: ${p}`),
    "    Deep & shallow",
  ]);
  const source = pdfSource(pdf);
  assert.match(source, /\/Subtype \/Link[^]*?\/Dest \/results\b/, "the #results link jumps within the PDF");
  assert.match(source, /\/results \[\d+ 0 R \/XYZ/, "to the heading's destination");
  for (const uri of ["https://example.org/paper", "figures/roc.svg", "../README.md"])
    assert.ok(source.includes(`/URI (${uri})`), `a link to ${uri}`);
  assert.ok(!source.includes("document.invalid"), "no link points at the address the page was printed from");

  const pages = pdfPageTexts(pdf);
  const boxes = pdfWordBoxes(pdf);
  if (!pages || !boxes) {
    t.skip("pdftotext (Debian's poppler-utils) is not installed: the page text was not checked");
    return;
  }
  assert.ok(pages.length >= 3, `several pages (${pages.length})`);
  pages.forEach((text, i) =>
    assert.match(text, new RegExp(`A printed report\\s+page ${i + 1} of ${pages.length}\\s*$`), `footer of page ${i + 1}`),
  );
  const all = pages.join("\n");
  assert.match(all, /vector label 42/, "the SVG figure is drawn, its text as text");
  assert.doesNotMatch(all, /±[ \u00a0]*$|^[ \u00a0]*±/m, "a ± at the end or start of a line: a spread wrapped");
  const values = [
    ...Array.from({ length: WIDE_ROWS }, (_, r) => TESTS.map((_t, c) => spread(r, c))).flat(),
    ...Array.from({ length: PROSE_VALUES }, (_, i) => spread(WIDE_ROWS + i, 0)),
  ];
  for (const value of values) assert.ok(all.includes(value), `${value} on one line`);
  // Every word within the text area: 14 mm margins left and right (a wide table or a long code line
  // that ran past the margin would be cut off at the paper's edge).
  const margin = (14 / 25.4) * 72;
  for (const [i, page] of boxes.entries())
    for (const w of page.words)
      assert.ok(
        w.xMin >= margin - 1 && w.xMax <= page.width - margin + 1,
        `page ${i + 1}: "${w.text}" at x ${w.xMin.toFixed(1)}-${w.xMax.toFixed(1)} of ${page.width.toFixed(1)} pt is outside the margins`,
      );
});
