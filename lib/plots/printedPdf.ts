/**
 * Fixes to a PDF printed by Chromium, made in its bytes (its objects are plain text; only page
 * contents are compressed) with the cross-reference table moved to match:
 * - Relative links. Chromium writes every link as an absolute URL (a relative `href` is resolved
 *   against the page's address, or dropped when the page has none), so `figures/roc.html` would
 *   point at the machine that printed it. `FigureRenderer.pdf` loads the document at
 *   {@link PDF_DOCUMENT_URL}, and `relativePdfLinks` makes the links under it relative again, which
 *   a PDF viewer resolves against the PDF's own folder.
 * - Bookmark titles. Chromium 156 titles the bookmark of a heading that `break-after: avoid` moved to
 *   the next page with its inline code twice ("KDD99: correctedcorrected"); `pdfWithOutlineTitles`
 *   puts the headings' own text back.
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

/** A change to the PDF's text: bytes `start` to `end` become `replacement`. */
interface PdfEdit {
  readonly start: number;
  readonly end: number;
  readonly replacement: string;
}

/** Index just past the PDF string (literal `(...)` or hex `<...>`) that starts at `open`. */
function stringEnd(text: string, open: number): number {
  if (text[open] === "<") {
    const close = text.indexOf(">", open);
    if (close >= 0) return close + 1;
  } else {
    let depth = 0;
    for (let i = open; i < text.length; i++) {
      const c = text[i];
      if (c === "\\") i++;
      else if (c === "(") depth++;
      else if (c === ")" && --depth === 0) return i + 1;
    }
  }
  throw new DetectiveError(
    `printedPdf: the string starting at byte ${open} never closes; the PDF is damaged.`,
  );
}

/** `text` as a PDF text string: a literal when it is printable ASCII, else UTF-16 in hex. */
function pdfTextString(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return `(${text.replace(/[\\()]/g, "\\$&")})`;
  const utf16 = Buffer.from(text, "utf16le").swap16();
  return `<FEFF${utf16.toString("hex").toUpperCase()}>`;
}

/**
 * The PDF with the edits made (in order, not overlapping) and its classic cross-reference table
 * moved to the new object offsets.
 * @throws DetectiveError when the PDF has no classic cross-reference table (a PDF 1.5 xref stream).
 */
function editPdf(pdf: Uint8Array, text: string, edits: readonly PdfEdit[]): Uint8Array {
  if (edits.length === 0) return pdf;
  const startxref = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(text);
  const xrefAt = startxref ? Number(startxref[1]) : -1;
  if (!startxref || !text.startsWith("xref", xrefAt)) {
    throw new DetectiveError(
      "printedPdf: the PDF has no classic cross-reference table (startxref does not point at `xref`), " +
        "so it cannot be edited. The Chromium that printed it writes PDFs differently: update lib/plots/printedPdf.ts.",
    );
  }
  /** How many bytes the edits before `offset` removed (negative: added). */
  const shift = (offset: number) => {
    let removed = 0;
    for (const e of edits) if (e.end <= offset) removed += e.end - e.start - e.replacement.length;
    return removed;
  };
  const parts: string[] = [];
  let at = 0;
  for (const e of edits) {
    parts.push(text.slice(at, e.start), e.replacement);
    at = e.end;
  }
  parts.push(text.slice(at, xrefAt));
  const trailerAt = text.indexOf("trailer", xrefAt);
  if (trailerAt < 0)
    throw new DetectiveError("printedPdf: the PDF's xref table has no trailer; the PDF is damaged.");
  // The table: subsections "first count" of 20-byte entries "oooooooooo ggggg n\r\n".
  const table = text
    .slice(xrefAt, trailerAt)
    .replace(/(\d{10}) (\d{5}) n/g, (_m, offset: string, generation: string) => {
      const moved = Number(offset) - shift(Number(offset));
      return `${String(moved).padStart(10, "0")} ${generation} n`;
    });
  parts.push(table, text.slice(trailerAt, startxref.index), `startxref\n${xrefAt - shift(xrefAt)}\n%%EOF\n`);
  return new Uint8Array(Buffer.from(parts.join(""), "latin1"));
}

/**
 * The PDF with every link (`/URI (...)`) under {@link PDF_DOCUMENT_URL}'s origin made relative to the
 * document's folder. Other links (https://..., mailto:) are kept.
 * @throws DetectiveError when such links are in a PDF without a classic cross-reference table.
 * @example relativePdfLinks(await page.pdf()) // "/URI (https://document.invalid/1/2/3/4/figures/a.svg)" -> "/URI (figures/a.svg)"
 */
export function relativePdfLinks(pdf: Uint8Array): Uint8Array {
  const text = Buffer.from(pdf).toString("latin1");
  const edits: PdfEdit[] = [];
  for (const m of text.matchAll(/\/URI\s*\(/g)) {
    const open = (m.index ?? 0) + m[0].length - 1;
    const end = stringEnd(text, open);
    const uri = text.slice(open + 1, end - 1);
    const relative = relativeUri(uri);
    if (relative !== uri) edits.push({ start: open + 1, end: end - 1, replacement: relative });
  }
  return editPdf(pdf, text, edits);
}

/**
 * The PDF with its bookmarks titled `titles`, in reading order (depth first: a heading, then the
 * bookmarks under it). When the outline has a different number of bookmarks, the PDF is returned
 * as it is: the titles could not be matched to them.
 * @throws DetectiveError when titles must change in a PDF without a classic cross-reference table.
 */
export function pdfWithOutlineTitles(pdf: Uint8Array, titles: readonly string[]): Uint8Array {
  const text = Buffer.from(pdf).toString("latin1");
  const objects = new Map<number, { start: number; end: number }>();
  for (const m of text.matchAll(/(?:^|[\r\n])(\d+) \d+ obj\b/g)) {
    const start = (m.index ?? 0) + m[0].length;
    objects.set(Number(m[1]), { start, end: text.indexOf("endobj", start) });
  }
  const body = (n: number | undefined) => {
    const o = n === undefined ? undefined : objects.get(n);
    return o ? text.slice(o.start, o.end) : "";
  };
  const ref = (n: number | undefined, key: string) => {
    const m = new RegExp(`/${key} (\\d+) \\d+ R`).exec(body(n));
    return m ? Number(m[1]) : undefined;
  };
  const catalog = [...objects.keys()].find((n) => /\/Type\s*\/Catalog\b/.test(body(n)));
  const spans: { start: number; end: number }[] = [];
  const seen = new Set<number>();
  const walk = (first: number | undefined) => {
    for (let n = first; n !== undefined && !seen.has(n); n = ref(n, "Next")) {
      seen.add(n);
      const title = /\/Title\s*[(<]/.exec(body(n));
      const object = objects.get(n);
      if (title && object) {
        const open = object.start + title.index + title[0].length - 1;
        spans.push({ start: open, end: stringEnd(text, open) });
      }
      walk(ref(n, "First"));
    }
  };
  walk(ref(ref(catalog, "Outlines"), "First"));
  if (spans.length !== titles.length) return pdf;
  const edits = spans
    .map((s, i) => ({ ...s, replacement: pdfTextString(titles[i]) }))
    .filter((e) => text.slice(e.start, e.end) !== e.replacement)
    .sort((a, b) => a.start - b.start);
  return editPdf(pdf, text, edits);
}
