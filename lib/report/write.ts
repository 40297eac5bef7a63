/**
 * Writing the report: `report/report.md` (renders on GitHub, figures as PNG), `report/report.html`
 * (self-contained: styles inline, figures as data URIs), `report/report.pdf` (printed by headless
 * Chromium), and `report/figures/<name>.{png,svg,html,json}` (the JSON is the Plotly specification,
 * which the consistency test compares with what the code generates).
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { writeOutputFile } from "../core/outputFile";
import { join } from "node:path";
import { Marked } from "marked";
import type { StudyResults } from "../eval/runStudy";
import { type FigureRenderer, figureRenderer, saveFigure } from "../plots/render";
import { buildReport, type Report } from "./report";

/** Stable JSON of a figure specification (what `report/figures/<name>.json` holds). */
export function figureSpecJson(figure: unknown): string {
  return `${JSON.stringify(figure)}\n`;
}

/**
 * The report's styles. On screen, wide tables scroll sideways. On paper (the PDF): tables in small
 * type (more than 12 rows: split across pages, the header row repeated; fewer: moved whole), figures
 * at most {@link FIGURE_MAX_HEIGHT_MM} tall, so that one pushed to the next page leaves at most a
 * third of a page empty; a heading, a figure and the paragraph before a table or code block kept
 * with what follows them (the caption, the table); code wrapped instead of cut off at the margin.
 */
const FIGURE_MAX_HEIGHT_MM = 80;
const STYLE = `
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #222; }
h1, h2, h3 { line-height: 1.25; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2.2rem; }
a { color: #0b5cad; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .86rem; display: block; overflow-x: auto; max-width: 100%; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; vertical-align: top; }
th { background: #f3f5f8; text-align: left; } th[align="right"] { text-align: right; }
td[align="right"] { white-space: nowrap; font-variant-numeric: tabular-nums; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
code { background: #f3f5f8; padding: 0 .2rem; border-radius: 3px; } pre { background: #f3f5f8; padding: .6rem; overflow-x: auto; font-size: .8rem; }
pre code { padding: 0; }
blockquote { border-left: 4px solid #e69f00; margin: 1rem 0; padding: .2rem 1rem; background: #fff8e6; }
@media print {
  body { margin: 0; padding: 0; max-width: none; font-size: 9.5pt; line-height: 1.4; }
  h1 { font-size: 17pt; margin: 0 0 .6em; } h2 { font-size: 13pt; margin: 1.3em 0 .5em; } h3 { font-size: 11pt; margin: 1.1em 0 .4em; }
  h1, h2, h3, h4 { break-after: avoid; break-inside: avoid; }
  p, ul, ol { margin: .5em 0; } p, li { orphans: 3; widows: 3; }
  a { text-decoration: none; }
  table { display: table; overflow: visible; font-size: 7.5pt; margin: .6em 0; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; } table:not(:has(tbody > tr:nth-child(13))) { break-inside: avoid; }
  th, td { padding: .12rem .35rem; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; overflow: visible; font-size: 7pt; }
  p:has(> img) { break-after: avoid; margin-bottom: .2em; text-align: center; }
  p:has(+ table), p:has(+ pre) { break-after: avoid; }
  img { max-height: ${FIGURE_MAX_HEIGHT_MM}mm; width: auto; border: none; }
}
`;

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" };

/**
 * Heading ids as GitHub makes them (the Markdown is read there too, so `[x](#results)` works in
 * all three forms): lower case, punctuation dropped, spaces to hyphens, `-1`, `-2` after repeats.
 * @example headingSlug("KDD99: `corrected`", new Map()) // "kdd99-corrected"
 */
export function headingSlug(text: string, seen: Map<string, number>): string {
  const base = text
    .replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ENTITIES[e] ?? "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
  const count = seen.get(base) ?? 0;
  seen.set(base, count + 1);
  return count === 0 ? base : `${base}-${count}`;
}

function markdownToHtml(markdown: string): string {
  const seen = new Map<string, number>();
  const parser = new Marked({ gfm: true, async: false });
  parser.use({
    renderer: {
      heading({ tokens, depth }) {
        const id = headingSlug(this.parser.parseInline(tokens, this.parser.textRenderer), seen);
        return `<h${depth} id="${id}">${this.parser.parseInline(tokens)}</h${depth}>\n`;
      },
    },
  });
  return parser.parse(markdown) as string;
}

/** How a figure is inlined: `png` in the HTML report, `svg` (vector, sharp on paper) for the PDF. */
export type FigureFormat = "png" | "svg";

const FIGURE_MIME: Record<FigureFormat, string> = { png: "image/png", svg: "image/svg+xml" };

/**
 * The report as one self-contained HTML page: the Markdown rendered by marked (headings with
 * GitHub's ids), each `figures/<name>.png` inlined as a data URI of the image `readFigure` returns
 * in `format` (PNG by default), and a value with its spread ("0.977 ± 0.005") joined by no-break
 * spaces so it never wraps at the "±".
 */
export async function reportHtml(
  markdown: string,
  readFigure: (name: string) => Uint8Array | string,
  format: FigureFormat = "png",
): Promise<string> {
  const body = markdownToHtml(markdown)
    .replace(
      /src="figures\/([^"]+)\.png"/g,
      (_m, name: string) =>
        `src="data:${FIGURE_MIME[format]};base64,${Buffer.from(readFigure(name)).toString("base64")}"`,
    )
    .replace(/ ± /g, "\u00a0±\u00a0");
  const title = /^# (.+)$/m.exec(markdown)?.[1] ?? "Report";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title.replace(/</g, "&lt;")}</title><style>${STYLE}</style></head>
<body>
${body}</body></html>
`;
}

/** What `writeReport` wrote. */
export interface WrittenReport {
  readonly report: Report;
  readonly markdown: string;
  readonly html: string;
  readonly pdf?: string;
  readonly figures: readonly string[];
}

/**
 * Builds the report from results and writes it into `dir` (default `report/`), with its figures.
 * @example await writeReport(readStudyResults(), "report")
 */
export async function writeReport(
  results: StudyResults,
  dir: string,
  options: { pdf?: boolean; renderer?: FigureRenderer; onFigure?: (name: string) => void } = {},
): Promise<WrittenReport> {
  const report = buildReport(results);
  const figuresDir = join(dir, "figures");
  mkdirSync(figuresDir, { recursive: true });
  const renderer = options.renderer ?? figureRenderer();
  const written: string[] = [];
  for (const f of report.figures) {
    options.onFigure?.(f.name);
    await saveFigure(f.figure, f.name, { dir: figuresDir, renderer, width: f.width, height: f.height });
    writeOutputFile(join(figuresDir, `${f.name}.json`), figureSpecJson(f.figure), { what: "figure" });
    written.push(f.name);
  }
  const markdownPath = join(dir, "report.md");
  writeOutputFile(markdownPath, report.markdown, { what: "report" });
  const html = await reportHtml(report.markdown, (name) => readFileSync(join(figuresDir, `${name}.png`)));
  const htmlPath = join(dir, "report.html");
  writeOutputFile(htmlPath, html, { what: "report" });
  let pdfPath: string | undefined;
  if (options.pdf ?? true) {
    pdfPath = join(dir, "report.pdf");
    // The PDF draws the SVGs: vector figures stay sharp when printed or zoomed.
    const printed = await reportHtml(report.markdown, (name) => readFileSync(join(figuresDir, `${name}.svg`)), "svg");
    writeOutputFile(pdfPath, await renderer.pdf(printed), { what: "report" });
  }
  return { report, markdown: markdownPath, html: htmlPath, pdf: pdfPath, figures: written };
}

/** Whether a report folder has every figure PNG its Markdown references. */
export function missingFigures(markdown: string, dir: string): string[] {
  return [...markdown.matchAll(/\]\(figures\/([^)]+\.png)\)/g)]
    .map((m) => m[1])
    .filter((f) => !existsSync(join(dir, "figures", f)));
}
