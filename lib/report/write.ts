/**
 * Writing the report: `report/report.md` (renders on GitHub, figures as PNG), `report/report.html`
 * (self-contained: styles inline, figures as data URIs), `report/report.pdf` (printed by headless
 * Chromium), and `report/figures/<name>.{png,svg,html,json}` (the JSON is the Plotly specification,
 * which the consistency test compares with what the code generates).
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { writeOutputFile } from "../core/outputFile";
import { join } from "node:path";
import { marked } from "marked";
import type { StudyResults } from "../eval/runStudy";
import { type FigureRenderer, figureRenderer, saveFigure } from "../plots/render";
import { buildReport, type Report } from "./report";

/** Stable JSON of a figure specification (what `report/figures/<name>.json` holds). */
export function figureSpecJson(figure: unknown): string {
  return `${JSON.stringify(figure)}\n`;
}

const STYLE = `
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #222; }
h1, h2, h3 { line-height: 1.25; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2.2rem; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .86rem; display: block; overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; } th { background: #f3f5f8; } td { text-align: right; } td:first-child { text-align: left; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
code { background: #f3f5f8; padding: 0 .2rem; border-radius: 3px; } pre { background: #f3f5f8; padding: .6rem; overflow-x: auto; font-size: .8rem; }
blockquote { border-left: 4px solid #e69f00; margin: 1rem 0; padding: .2rem 1rem; background: #fff8e6; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-before: auto; } img, table { page-break-inside: avoid; } }
`;

/**
 * The report as one self-contained HTML page: the Markdown rendered by marked, each
 * `figures/<name>.png` inlined as a data URI read through `readPng`.
 */
export async function reportHtml(markdown: string, readPng: (name: string) => Uint8Array): Promise<string> {
  const body = (await marked.parse(markdown, { gfm: true })).replace(
    /src="figures\/([^"]+)\.png"/g,
    (_m, name: string) => `src="data:image/png;base64,${Buffer.from(readPng(name)).toString("base64")}"`,
  );
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
    writeOutputFile(pdfPath, await renderer.pdf(html), { what: "report" });
  }
  return { report, markdown: markdownPath, html: htmlPath, pdf: pdfPath, figures: written };
}

/** Whether a report folder has every figure PNG its Markdown references. */
export function missingFigures(markdown: string, dir: string): string[] {
  return [...markdown.matchAll(/\]\(figures\/([^)]+\.png)\)/g)]
    .map((m) => m[1])
    .filter((f) => !existsSync(join(dir, "figures", f)));
}
