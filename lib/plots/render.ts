/**
 * Rendering figures to static images with plotly.js in headless Chromium (Debian's `chromium`,
 * driven by playwright-core; their own browser downloads do not work offline), and saving them:
 * `figures/<name>.html` (interactive), `.png` and `.svg`. One browser serves a whole run: the first
 * render starts it, `closeFigureRenderer()` stops it (a script must call it to exit promptly).
 */
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import type * as Playwright from "playwright-core";
import type { Browser, Page } from "playwright-core";
import { DetectiveError } from "../core/errors";
import type { HtmlDisplay } from "../datasets/view";
import { writeOutputFile } from "../core/outputFile";
import { projectRoot } from "../core/paths";
import { studyMode } from "../core/study";
import type { Figure } from "./figures";
import { PDF_DOCUMENT_URL, pdfWithOutlineTitles, relativePdfLinks } from "./printedPdf";

/** Chromium flags that work on these machines (no sandbox as root; no network chatter). */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Margins of a PDF page (the footer with page numbers sits in the bottom one). */
const PDF_MARGIN = { top: "14mm", bottom: "16mm", left: "14mm", right: "14mm" };
/** Width of an A4 page's text, inside the margins. */
const PDF_CONTENT_WIDTH_MM = 210 - 14 - 14;
const PX_PER_MM = 96 / 25.4;
const PX_PER_PT = 96 / 72;
/** The smallest type a wide table is shrunk to in a PDF (smaller is hard to read on paper). */
export const PDF_MIN_TABLE_FONT_PT = 6.5;
/** Chromium fills the spans; the template has none of the page's styles, hence the inline ones. */
const PDF_FOOTER = `<div style="width:100%;margin:0 14mm;font:7.5pt 'DejaVu Sans',Arial,sans-serif;color:#666;\
display:flex;justify-content:space-between"><span class="title"></span>\
<span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`;

/**
 * Runs in the page (print media, viewport as wide as the printed text): each table wider than its
 * container gets smaller type, half a pixel at a time, until it fits or reaches `minFontPx`.
 */
function shrinkWideTables(minFontPx: number): void {
  interface Box {
    readonly clientWidth: number;
    getBoundingClientRect(): { width: number };
  }
  interface Table extends Box {
    readonly parentElement: Box | null;
    readonly style: { fontSize: string };
  }
  const page = globalThis as unknown as {
    document: { body: Box; querySelectorAll(selector: string): ArrayLike<Table> };
    getComputedStyle(element: Table): { fontSize: string };
  };
  for (const table of Array.from(page.document.querySelectorAll("table"))) {
    const room = (table.parentElement ?? page.document.body).clientWidth;
    let size = parseFloat(page.getComputedStyle(table).fontSize);
    while (table.getBoundingClientRect().width > room + 0.5 && size - 0.5 >= minFontPx) {
      size -= 0.5;
      table.style.fontSize = `${size}px`;
    }
  }
}

/** Where Chromium is: `DETECTIVE_CHROMIUM`, else Debian's `/usr/bin/chromium`. */
export function chromiumPath(): string {
  return process.env.DETECTIVE_CHROMIUM ?? "/usr/bin/chromium";
}

/**
 * Starts headless Chromium (Debian's, through playwright-core) with the flags that work on these
 * machines and a fresh, empty profile of its own (launch() makes a new temporary user-data-dir).
 * Used by the figure renderer and by the tests that open pages in a real browser.
 * @throws DetectiveError when there is no Chromium at `executablePath`.
 */
export async function launchChromium(executablePath: string = chromiumPath()): Promise<Browser> {
  if (!existsSync(executablePath)) {
    throw new DetectiveError(
      `launchChromium: no Chromium at ${executablePath}. Install it with \`apt-get install chromium\` ` +
        "(npm test and npm run study do this), or set DETECTIVE_CHROMIUM to its path.",
    );
  }
  const { chromium } = require("playwright-core") as typeof Playwright;
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

/** Size of static images, CSS pixels. */
export interface ImageSize {
  width?: number;
  height?: number;
  /** Pixel ratio of the PNG (2 for sharp images on high-density screens). Default 1. */
  scale?: number;
}

const DEFAULT_SIZE = { width: 900, height: 520, scale: 1 };

function plotlyPath(): string {
  return require.resolve("plotly.js-dist-min/plotly.min.js");
}

/** Renders figures in one headless Chromium page. */
export class FigureRenderer {
  private browser?: Promise<Browser>;
  private page?: Promise<Page>;

  constructor(readonly executablePath: string = chromiumPath()) {}

  /** The browser, started on first use. */
  private launch(): Promise<Browser> {
    this.browser ??= launchChromium(this.executablePath);
    return this.browser;
  }

  /** The page that draws figures, with plotly.js loaded. */
  private open(): Promise<Page> {
    this.page ??= (async () => {
      const page = await (await this.launch()).newPage();
      await page.setContent('<!doctype html><html><body><div id="figure"></div></body></html>');
      await page.addScriptTag({ path: plotlyPath() });
      return page;
    })();
    return this.page;
  }

  /** The figure as PNG bytes or SVG text. */
  async image(figure: Figure, format: "png" | "svg", size: ImageSize = {}): Promise<Uint8Array | string> {
    const page = await this.open();
    const options = {
      width: size.width ?? DEFAULT_SIZE.width,
      height: size.height ?? DEFAULT_SIZE.height,
      scale: size.scale ?? DEFAULT_SIZE.scale,
      format,
    };
    const url = await page.evaluate(
      async ({ fig, opts }) => {
        const Plotly = (
          globalThis as unknown as { Plotly: { toImage(f: unknown, o: unknown): Promise<string> } }
        ).Plotly;
        return Plotly.toImage(fig, opts);
      },
      { fig: figure, opts: options },
    );
    const comma = url.indexOf(",");
    if (format === "svg") return decodeURIComponent(url.slice(comma + 1));
    return new Uint8Array(Buffer.from(url.slice(comma + 1), "base64"));
  }

  /**
   * An HTML document printed to PDF by the same browser: A4 with backgrounds, a footer with the
   * document's title and "page N of M", bookmarks (the PDF outline) titled with the headings' text
   * (see `pdfWithOutlineTitles`), and tagged (accessible) text. The document must be self-contained
   * (images as data URIs): it is served at {@link PDF_DOCUMENT_URL} and every other request is
   * refused. Links to `#id` become links within the PDF, absolute URLs stay as they are, and
   * relative links (`figures/a.svg`) stay relative, so a viewer resolves them against the PDF's
   * folder. Tables wider than the page are set in smaller type until they fit, down to
   * {@link PDF_MIN_TABLE_FONT_PT}.
   */
  async pdf(html: string): Promise<Uint8Array> {
    const page = await (
      await this.launch()
    ).newPage({
      viewport: { width: Math.floor(PDF_CONTENT_WIDTH_MM * PX_PER_MM), height: 1000 },
    });
    try {
      await page.route("**/*", (route) =>
        route.request().url() === PDF_DOCUMENT_URL
          ? route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: html })
          : route.abort("blockedbyclient"),
      );
      await page.goto(PDF_DOCUMENT_URL, { waitUntil: "load" });
      await page.emulateMedia({ media: "print" });
      await page.evaluate(shrinkWideTables, PDF_MIN_TABLE_FONT_PT * PX_PER_PT);
      const headings = await page.locator("h1, h2, h3, h4, h5, h6").allTextContents();
      const bytes = await page.pdf({
        format: "A4",
        printBackground: true,
        margin: PDF_MARGIN,
        outline: true,
        tagged: true,
        displayHeaderFooter: true,
        headerTemplate: "<span></span>",
        footerTemplate: PDF_FOOTER,
      });
      const titles = headings.map((h) => h.replace(/\s+/g, " ").trim());
      return pdfWithOutlineTitles(relativePdfLinks(new Uint8Array(bytes)), titles);
    } finally {
      await page.close();
    }
  }

  /** Stops the browser. */
  async close(): Promise<void> {
    const browser = this.browser;
    this.page = undefined;
    this.browser = undefined;
    await browser?.then(
      (b) => b.close(),
      () => undefined, // it never started: nothing to stop
    );
  }
}

let shared: FigureRenderer | undefined;

/** The renderer of this process (started on first use). */
export function figureRenderer(): FigureRenderer {
  shared ??= new FigureRenderer();
  return shared;
}

/** Stops the shared renderer's browser, so a script can exit. */
export async function closeFigureRenderer(): Promise<void> {
  await shared?.close();
  shared = undefined;
}

/** A figure as PNG bytes (for a notebook: `tslab.display.png(await figurePng(fig))`). */
export async function figurePng(figure: Figure, size: ImageSize = {}): Promise<Uint8Array> {
  return (await figureRenderer().image(figure, "png", size)) as Uint8Array;
}

/** An HTML page showing the figure, loading plotly.js from `plotly.min.js` beside it. */
export function figureHtml(figure: Figure, title: string): string {
  const json = JSON.stringify(figure).replace(/</g, "\\u003c");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${title.replace(/</g, "&lt;")}</title>
<script src="plotly.min.js"></script></head>
<body style="margin:0"><div id="figure" style="width:100%;height:95vh"></div>
<script>const figure = ${json}; Plotly.newPlot("figure", figure.data, figure.layout, { responsive: true });</script>
</body></html>
`;
}

/**
 * Where figures go: `DETECTIVE_FIGURES_DIR`, else `<root>/figures` in the study and
 * `<root>/.cache/figures` in quick mode, so the test suite never overwrites the study's figures.
 */
export function figuresDir(): string {
  if (process.env.DETECTIVE_FIGURES_DIR) return process.env.DETECTIVE_FIGURES_DIR;
  return join(projectRoot(), studyMode().quick ? ".cache/figures" : "figures");
}

/** Files written by `saveFigure`. */
export interface SavedFigure {
  readonly html: string;
  readonly png: string;
  readonly svg: string;
  /** The PNG image itself, e.g. for `tslab.display.png(saved.image)` in a notebook. */
  readonly image: Uint8Array;
}

/**
 * Writes `<dir>/<name>.html` (interactive; plotly.js is copied once into the folder as
 * `plotly.min.js`, so the folder works offline without a 4.8 MB copy per figure), `<name>.png` and
 * `<name>.svg`. Default folder: `figuresDir()`.
 * @example await saveFigure(rocFigure(sets), "03-zscore-roc")
 */
export async function saveFigure(
  figure: Figure,
  name: string,
  options: ImageSize & { dir?: string; renderer?: FigureRenderer } = {},
): Promise<SavedFigure> {
  const dir = options.dir ?? figuresDir();
  mkdirSync(dir, { recursive: true });
  const renderer = options.renderer ?? figureRenderer();
  const plotly = join(dir, "plotly.min.js");
  if (!existsSync(plotly) || statSync(plotly).size !== statSync(plotlyPath()).size)
    writeOutputFile(plotly, readFileSync(plotlyPath()), { what: "figure script" });
  const base = join(dir, name);
  mkdirSync(dirname(base), { recursive: true });
  const title = String((figure.layout.title as { text?: string } | undefined)?.text ?? name);
  writeOutputFile(`${base}.html`, figureHtml(figure, title), { what: "figure" });
  const size: ImageSize = { width: options.width, height: options.height, scale: options.scale };
  const image = (await renderer.image(figure, "png", size)) as Uint8Array;
  writeOutputFile(`${base}.png`, image, { what: "figure" });
  writeOutputFile(`${base}.svg`, (await renderer.image(figure, "svg", size)) as string, { what: "figure" });
  return { html: `${base}.html`, png: `${base}.png`, svg: `${base}.svg`, image };
}

/** What `showFigure` needs of a notebook's display (tslab's `display` has it). */
export type NotebookDisplay = HtmlDisplay;

/** Where the interactive figure looks for plotly.js: the study's copy, then Plotly's CDN. */
function plotlySources(figuresLink: string): string[] {
  const version = (require("plotly.js-dist-min/package.json") as { version: string }).version;
  return [`${figuresLink}/plotly.min.js`, `https://cdn.plot.ly/plotly-${version}.min.js`];
}

/** Numbers rounded to 6 significant digits (plenty on screen), to keep notebooks small. */
function compactJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "number" && Number.isFinite(v) && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v,
  ).replace(/</g, "\\u003c");
}

let embedCount = 0;

/** The `window` property holding a page's one promise of plotly.js (null when it could not load). */
export const PLOTLY_LOAD_KEY = "detectivePlotlyLoad";

/**
 * An HTML fragment that shows the figure as its static PNG and, where scripts run (Jupyter with a
 * trusted notebook, the HTML renders, nbviewer), replaces the image with the interactive plotly.js
 * figure. plotly.js is loaded from `<figuresLink>/plotly.min.js` (written by `saveFigure`) or, failing
 * that, from Plotly's CDN; where neither loads, or scripts do not run (GitHub), the PNG stays.
 * plotly.js is loaded once per page: the first figure starts the load and keeps its promise on
 * `window` (`PLOTLY_LOAD_KEY`); every figure draws when it settles. (When each figure loaded its own,
 * all of a notebook's figures started before the first load ended, and plotly.js ran once per figure.)
 * Under Jupyter's RequireJS, `define` is hidden while plotly.js loads, for builds that would register
 * with it instead of setting `window.Plotly` (plotly.js 4 sets `window.Plotly` either way).
 */
export function figureEmbedHtml(
  figure: Figure,
  png: Uint8Array,
  options: { title: string; figuresLink: string; width: number; height: number },
): string {
  const id = `detective-figure-${process.pid.toString(36)}-${(embedCount++).toString(36)}`;
  const alt = options.title.replace(/[<>"&]/g, (c) => `&#${c.charCodeAt(0)};`);
  const src = `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
  return `<div id="${id}" class="detective-figure" style="max-width:100%;width:${options.width}px">\
<img src="${src}" alt="${alt}" style="max-width:100%"></div>
<script type="text/javascript">
(function () {
  var el = document.getElementById(${JSON.stringify(id)});
  if (!el) return;
  var fig = ${compactJson(figure)};
  var sources = ${JSON.stringify(plotlySources(options.figuresLink))};
  function draw(Plotly) {
    if (!Plotly) return;
    el.innerHTML = "";
    el.style.height = "${options.height}px";
    Plotly.newPlot(el, fig.data, fig.layout, { responsive: true });
  }
  var key = ${JSON.stringify(PLOTLY_LOAD_KEY)};
  window[key] = window[key] || new Promise(function (resolve) {
    function load(i) {
      if (window.Plotly) return resolve(window.Plotly);
      if (i >= sources.length) return resolve(null);
      var script = document.createElement("script");
      var define = window.define;
      window.define = undefined;
      script.onload = script.onerror = function () { window.define = define; load(i + 1); };
      script.src = sources[i];
      document.head.appendChild(script);
    }
    load(0);
  });
  window[key].then(draw);
})();
</script>`;
}

/**
 * For notebooks: saves the figure (`saveFigure`: HTML, PNG, SVG) and shows it, interactive where
 * scripts run and as its PNG everywhere else (GitHub, nbviewer without scripts, an untrusted
 * notebook), with links to the saved interactive page and SVG. Returns nothing, so a notebook cell
 * ending with it prints nothing more (`saveFigure` returns the paths).
 * @example await showFigure(tslab.display, rocFigure(sets), "03-roc-kdd99-corrected")
 */
export async function showFigure(
  display: NotebookDisplay,
  figure: Figure,
  name: string,
  options: ImageSize & { dir?: string } = {},
): Promise<void> {
  const saved = await saveFigure(figure, name, options);
  const toNotebook = (path: string) => relative(join(projectRoot(), "notebooks"), path).split(sep).join("/");
  const link = toNotebook(saved.html);
  const title = String((figure.layout.title as { text?: string } | undefined)?.text ?? name);
  const size = { ...DEFAULT_SIZE, ...options };
  const embed = figureEmbedHtml(figure, saved.image, {
    title,
    figuresLink: toNotebook(dirname(saved.html)),
    width: size.width,
    height: size.height,
  });
  display.html(
    `${embed}\n<p class="detective-figure-links"><a href="${link}">Interactive page</a> · ` +
      `<a href="${link.replace(/\.html$/, ".svg")}">SVG</a></p>`,
  );
}
