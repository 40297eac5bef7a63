/**
 * Relative links in a PDF printed by Chromium. Chromium writes every link as an absolute URL (a
 * relative `href` is resolved against the page's address, or dropped when the page has none), so
 * `figures/roc.html` in a report would point at the machine that printed it. `FigureRenderer.pdf`
 * loads the document at {@link PDF_DOCUMENT_URL}, and `relativePdfLinks` turns the links under that
 * address back into relative ones, which a PDF viewer resolves against the PDF's own folder.
 */
import { posix } from "node:path";
import { DetectiveError } from "../core/errors";

/**
 * The address a document is printed from. `.invalid` never resolves (RFC 2606), and the folders
 * leave room for relative links that climb up to four levels (`../../README.md`).
 */
export const PDF_DOCUMENT_URL = "https://document.invalid/1/2/3/4/document.html";

const ORIGIN = new URL(PDF_DOCUMENT_URL).origin;
const FOLDER = posix.dirname(new URL(PDF_DOCUMENT_URL).pathname);

/** A URI under {@link PDF_DOCUMENT_URL}'s origin, relative to the document's folder; others unchanged. */
export function relativeUri(uri: string): string {
  if (!uri.startsWith(`${ORIGIN}/`)) return uri;
  const rest = uri.slice(ORIGIN.length);
  const cut = rest.search(/[?#]/);
  const path = cut < 0 ? rest : rest.slice(0, cut);
  const suffix = cut < 0 ? "" : rest.slice(cut);
  if (path.endsWith("/")) {
    const folder = posix.relative(FOLDER, path);
    return (folder === "" ? "./" : `${folder}/`) + suffix;
  }
  const folder = posix.relative(FOLDER, posix.dirname(path));
  return (folder === "" ? "" : `${folder}/`) + posix.basename(path) + suffix;
}

/** Index just past the PDF literal string that starts at `open` (its "("), honouring escapes and nesting. */
function literalEnd(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i + 1;
  }
  throw new DetectiveError(
    `relativePdfLinks: a /URI string starting at byte ${open} never closes; the PDF is damaged.`,
  );
}

/**
 * The PDF with every link (`/URI (...)`) under {@link PDF_DOCUMENT_URL}'s origin made relative to the
 * document's folder, and its cross-reference table moved to the new object offsets. Other links
 * (https://..., mailto:) are kept. Works on PDFs with a classic `xref` table and link annotations
 * outside compressed streams, as Chromium (Skia) writes them.
 * @throws DetectiveError when the PDF has no classic cross-reference table (a PDF 1.5 xref stream).
 * @example relativePdfLinks(await page.pdf()) // "/URI (https://document.invalid/1/2/3/4/figures/a.svg)" -> "/URI (figures/a.svg)"
 */
export function relativePdfLinks(pdf: Uint8Array): Uint8Array {
  const text = Buffer.from(pdf).toString("latin1");
  const edits: { start: number; end: number; replacement: string }[] = [];
  for (const m of text.matchAll(/\/URI\s*\(/g)) {
    const open = (m.index ?? 0) + m[0].length - 1;
    const end = literalEnd(text, open);
    const uri = text.slice(open + 1, end - 1);
    const relative = relativeUri(uri);
    if (relative !== uri) edits.push({ start: open + 1, end: end - 1, replacement: relative });
  }
  if (edits.length === 0) return pdf;

  const startxref = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(text);
  const xrefAt = startxref ? Number(startxref[1]) : -1;
  if (!startxref || !text.startsWith("xref", xrefAt)) {
    throw new DetectiveError(
      "relativePdfLinks: the PDF has no classic cross-reference table (startxref does not point at `xref`); " +
        "its links cannot be rewritten. The Chromium that printed it writes PDFs differently: update this function.",
    );
  }
  /** How many bytes the edits before `offset` removed (negative: added). */
  const shift = (offset: number) => {
    let removed = 0;
    for (const e of edits) if (e.end <= offset) removed += e.end - e.start - e.replacement.length;
    return removed;
  };

  // The xref table: subsections "first count" of 20-byte entries "oooooooooo ggggg n\r\n".
  const parts: string[] = [];
  let at = 0;
  for (const e of edits) {
    parts.push(text.slice(at, e.start), e.replacement);
    at = e.end;
  }
  parts.push(text.slice(at, xrefAt));
  const newXrefAt = xrefAt - shift(xrefAt);
  const trailerAt = text.indexOf("trailer", xrefAt);
  if (trailerAt < 0)
    throw new DetectiveError("relativePdfLinks: the PDF's xref table has no trailer; the PDF is damaged.");
  const table = text
    .slice(xrefAt, trailerAt)
    .replace(/(\d{10}) (\d{5}) n/g, (_m, offset: string, generation: string) => {
      const moved = Number(offset) - shift(Number(offset));
      return `${String(moved).padStart(10, "0")} ${generation} n`;
    });
  parts.push(table, text.slice(trailerAt, startxref.index), `startxref\n${newXrefAt}\n%%EOF\n`);
  return new Uint8Array(Buffer.from(parts.join(""), "latin1"));
}
