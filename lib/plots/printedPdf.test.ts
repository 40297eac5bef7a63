import assert from "node:assert/strict";
import { test } from "node:test";
import { pdfOutline, pdfSource, xrefProblems } from "../testing/pdf";
import { PDF_DOCUMENT_URL, pdfWithOutlineTitles, relativePdfLinks, relativeUri } from "./printedPdf";

const FOLDER = PDF_DOCUMENT_URL.slice(0, PDF_DOCUMENT_URL.lastIndexOf("/") + 1);

/** A small PDF laid out as Chromium writes one: plain objects, a classic xref table. */
function pdfOf(objects: readonly string[]): Uint8Array {
  let out = "%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n";
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  out += `trailer\n<</Size ${objects.length + 1}\n/Root 1 0 R>>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, "latin1"));
}

function pdfWithLinks(uris: readonly string[]): Uint8Array {
  return pdfOf([
    "<</Type /Catalog /Pages 2 0 R>>",
    "<</Type /Pages /Kids [] /Count 0>>",
    ...uris.map((u) => `<</Type /Annot\n/Subtype /Link\n/A <</S /URI\n/URI (${u})>>>>`),
  ]);
}

/** Bookmarks as Chromium writes them: a child listed before its parent, one title in UTF-16. */
const OUTLINE = [
  "<</Type /Catalog\n/Pages 2 0 R\n/Outlines 3 0 R>>",
  "<</Type /Pages /Kids [] /Count 0>>",
  "<</Type /Outlines\n/First 5 0 R\n/Last 5 0 R\n/Count 3>>",
  "<</Title (KDD99: correctedcorrected)\n/Parent 5 0 R\n/Next 6 0 R>>",
  "<</Title (A report)\n/Parent 3 0 R\n/First 4 0 R\n/Last 6 0 R\n/Count 2>>",
  "<</Title <FEFF00C9007400750064006500730020>\n/Parent 5 0 R\n/Prev 4 0 R>>",
];

test("relativeUri: links under the document's address become relative to its folder; others are kept", () => {
  assert.equal(relativeUri(`${FOLDER}figures/roc.html`), "figures/roc.html");
  assert.equal(relativeUri(`${FOLDER}figures/roc.svg#top`), "figures/roc.svg#top");
  assert.equal(relativeUri(`${FOLDER}a.html?x=1&y=2`), "a.html?x=1&y=2");
  assert.equal(relativeUri(new URL("../README.md", FOLDER).href), "../README.md");
  assert.equal(relativeUri(new URL("../../docs/", FOLDER).href), "../../docs/");
  assert.equal(relativeUri(FOLDER), "./");
  assert.equal(relativeUri("https://example.org/paper.pdf"), "https://example.org/paper.pdf");
  assert.equal(relativeUri("mailto:someone@example.org"), "mailto:someone@example.org");
});

test("relativePdfLinks rewrites the links and moves the cross-reference table with them", () => {
  const pdf = pdfWithLinks([
    `${FOLDER}figures/roc.html`,
    "https://example.org/a_\\(b\\)",
    `${FOLDER}figures/a_\\(1\\).svg`,
    `${FOLDER}../README.md`.replace("/4/../", "/"),
  ]);
  assert.deepEqual(xrefProblems(pdf), [], "the fixture itself is a valid PDF");
  const out = relativePdfLinks(pdf);
  const text = pdfSource(out);
  assert.deepEqual(
    [...text.matchAll(/\/URI \(((?:\\.|[^\\)])*)\)/g)].map((m) => m[1]),
    ["figures/roc.html", "https://example.org/a_\\(b\\)", "figures/a_\\(1\\).svg", "../README.md"],
  );
  assert.ok(out.length < pdf.length);
  assert.deepEqual(xrefProblems(out), [], "every object is where the xref table says");
  assert.ok(!text.includes("document.invalid"));
});

test("relativePdfLinks leaves a PDF without such links as it is, and refuses one it cannot rewrite", () => {
  const plain = pdfWithLinks(["https://example.org/"]);
  assert.equal(relativePdfLinks(plain), plain);
  const streamXref = pdfSource(pdfWithLinks([`${FOLDER}a.svg`])).replace(/startxref\n\d+/, "startxref\n9");
  assert.throws(
    () => relativePdfLinks(new Uint8Array(Buffer.from(streamXref, "latin1"))),
    /no classic cross-reference table/,
  );
});

test("pdfWithOutlineTitles gives the bookmarks the headings' text, in reading order", () => {
  const pdf = pdfOf(OUTLINE);
  assert.deepEqual(pdfOutline(pdf), ["A report", "  KDD99: correctedcorrected", "  Études "]);
  const fixed = pdfWithOutlineTitles(pdf, ["A report", "KDD99: corrected", "Études (2) \\ fin"]);
  assert.deepEqual(pdfOutline(fixed), ["A report", "  KDD99: corrected", "  Études (2) \\ fin"]);
  assert.deepEqual(xrefProblems(fixed), []);
  const ascii = pdfWithOutlineTitles(pdf, ["A report", "x (y)", "z"]);
  assert.match(pdfSource(ascii), /\/Title \(x \\\(y\\\)\)/, "an ASCII title as an escaped literal string");
  assert.equal(
    pdfWithOutlineTitles(pdf, ["A report", "one too few"]),
    pdf,
    "a count that does not match: unchanged",
  );
  assert.equal(pdfWithOutlineTitles(pdf, ["A report", "KDD99: correctedcorrected", "Études "]), pdf);
});
