import assert from "node:assert/strict";
import { test } from "node:test";
import { pdfSource, xrefProblems } from "../testing/pdf";
import { PDF_DOCUMENT_URL, relativePdfLinks, relativeUri } from "./pdfLinks";

const FOLDER = PDF_DOCUMENT_URL.slice(0, PDF_DOCUMENT_URL.lastIndexOf("/") + 1);

/** A small PDF laid out as Chromium writes one: plain objects, a classic xref table. */
function pdfWithLinks(uris: readonly string[]): Uint8Array {
  const objects = [
    "<</Type /Catalog /Pages 2 0 R>>",
    "<</Type /Pages /Kids [] /Count 0>>",
    ...uris.map((u) => `<</Type /Annot\n/Subtype /Link\n/A <</S /URI\n/URI (${u})>>>>`),
  ];
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
