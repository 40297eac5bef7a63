/**
 * Reading PDFs in tests: the objects and cross-reference table of an uncompressed-object PDF (as
 * Chromium writes them), its outline (bookmarks), and its text through poppler's `pdftotext`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The PDF's bytes as a string, one character per byte. */
export function pdfSource(pdf: Uint8Array): string {
  return Buffer.from(pdf).toString("latin1");
}

/**
 * What is wrong with the PDF's classic cross-reference table: every entry in use must give the
 * byte offset of `<number> <generation> obj`, and `startxref` the offset of `xref`. Empty when right.
 */
export function xrefProblems(pdf: Uint8Array): string[] {
  const text = pdfSource(pdf);
  const startxref = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(text);
  if (!startxref) return ["no startxref at the end"];
  const at = Number(startxref[1]);
  if (!text.startsWith("xref", at)) return [`startxref ${at} does not point at "xref"`];
  const problems: string[] = [];
  const table = text.slice(at, text.indexOf("trailer", at));
  for (const section of table.matchAll(/(\d+) (\d+)\r?\n((?:\d{10} \d{5} [nf][ \r\n]{2})+)/g)) {
    const entries = section[3].match(/\d{10} \d{5} [nf]/g) ?? [];
    entries.forEach((entry, i) => {
      const [offset, generation, kind] = entry.split(" ");
      const number = Number(section[1]) + i;
      const expected = `${number} ${Number(generation)} obj`;
      if (kind === "n" && !text.startsWith(expected, Number(offset)))
        problems.push(
          `object ${number}: offset ${Number(offset)} holds "${text.slice(Number(offset), Number(offset) + 12)}"`,
        );
    });
  }
  return problems;
}

/** The PDF's objects by number (their text between `obj` and `endobj`). */
export function pdfObjects(pdf: Uint8Array): Map<number, string> {
  const objects = new Map<number, string>();
  for (const m of pdfSource(pdf).matchAll(/(?:^|[\r\n])(\d+) \d+ obj\b([\s\S]*?)endobj/g))
    objects.set(Number(m[1]), m[2]);
  return objects;
}

/** A PDF string as text: a literal `(...)` with its escapes, or UTF-16 hex `<FEFF...>`. */
function pdfString(token: string): string {
  if (token.startsWith("<")) {
    const bytes = Buffer.from(token.slice(1, -1).replace(/\s/g, ""), "hex");
    return bytes[0] === 0xfe && bytes[1] === 0xff
      ? bytes.subarray(2).swap16().toString("utf16le")
      : bytes.toString("latin1");
  }
  return token
    .slice(1, -1)
    .replace(/\\([0-7]{1,3}|.)/g, (_m, e: string) =>
      /^[0-7]/.test(e) ? String.fromCharCode(parseInt(e, 8)) : ({ n: "\n", r: "\r", t: "\t" }[e] ?? e),
    );
}

/** The outline (bookmarks) as "title" lines indented two spaces per level, in reading order. */
export function pdfOutline(pdf: Uint8Array): string[] {
  const objects = pdfObjects(pdf);
  const ref = (dict: string | undefined, key: string) => {
    const m = new RegExp(`/${key} (\\d+) \\d+ R`).exec(dict ?? "");
    return m ? Number(m[1]) : undefined;
  };
  const catalog = [...objects.values()].find((o) => /\/Type \/Catalog\b/.test(o));
  const lines: string[] = [];
  const walk = (first: number | undefined, depth: number) => {
    for (let n = first; n !== undefined; n = ref(objects.get(n), "Next")) {
      const item = objects.get(n) ?? "";
      const title = /\/Title (\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)/.exec(item);
      lines.push(`${"  ".repeat(depth)}${title ? pdfString(title[1]) : "?"}`);
      walk(ref(item, "First"), depth + 1);
    }
  };
  walk(ref(objects.get(ref(catalog, "Outlines") ?? -1), "First"), 0);
  return lines;
}

/** Runs pdftotext (poppler-utils) on the PDF; undefined when it is not installed. */
function runPdftotext(pdf: Uint8Array, options: readonly string[]): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), "detective-pdf-"));
  try {
    const file = join(dir, "document.pdf");
    writeFileSync(file, pdf);
    const run = spawnSync("pdftotext", [...options, file, "-"], { encoding: "utf8" });
    if (run.error && (run.error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    if (run.status !== 0) throw new Error(`pdftotext failed (${run.status}): ${run.stderr.trim()}`);
    return run.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The PDF's text by `pdftotext -layout`, one string per page; undefined when pdftotext
 * (poppler-utils) is not installed, so the caller can skip and say so.
 */
export function pdfPageTexts(pdf: Uint8Array): string[] | undefined {
  return runPdftotext(pdf, ["-layout"])?.replace(/\f$/, "").split("\f");
}

/** A word on a PDF page and its box, in points from the page's top left corner. */
export interface PdfWord {
  readonly text: string;
  readonly xMin: number;
  readonly yMin: number;
  readonly xMax: number;
  readonly yMax: number;
}

/** Each page's size (points) and words with their boxes (`pdftotext -bbox`); undefined without pdftotext. */
export function pdfWordBoxes(
  pdf: Uint8Array,
): { width: number; height: number; words: PdfWord[] }[] | undefined {
  const html = runPdftotext(pdf, ["-bbox"]);
  if (html === undefined) return undefined;
  return html
    .split(/<page /)
    .slice(1)
    .map((page) => {
      const size = /width="([\d.]+)" height="([\d.]+)"/.exec(page);
      const words = [
        ...page.matchAll(
          /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g,
        ),
      ].map((m) => ({ xMin: +m[1], yMin: +m[2], xMax: +m[3], yMax: +m[4], text: m[5] }));
      return { width: Number(size?.[1]), height: Number(size?.[2]), words };
    });
}
