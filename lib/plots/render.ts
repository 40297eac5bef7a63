/**
 * Rendering figures to static images with plotly.js in headless Chromium (Debian's `chromium`,
 * driven by playwright-core; their own browser downloads do not work offline), and saving them:
 * `figures/<name>.html` (interactive), `.png` and `.svg`. One browser serves a whole run: the first
 * render starts it, `closeFigureRenderer()` stops it (a script must call it to exit promptly).
 */
import { copyFileSync, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import type * as Playwright from "playwright-core";
import type { Browser, Page } from "playwright-core";
import { DetectiveError } from "../errors";
import { projectRoot } from "../paths";
import { studyMode } from "../study";
import type { Figure } from "./figures";

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
  private page?: Promise<Page>;
  private browser?: Browser;

  constructor(readonly executablePath: string = process.env.DETECTIVE_CHROMIUM ?? "/usr/bin/chromium") {}

  private open(): Promise<Page> {
    this.page ??= (async () => {
      if (!existsSync(this.executablePath)) {
        throw new DetectiveError(
          `FigureRenderer: no Chromium at ${this.executablePath}. Install it with \`apt-get install chromium\` ` +
            "(npm test and npm run study do this), or set DETECTIVE_CHROMIUM to its path.",
        );
      }
      const { chromium } = require("playwright-core") as typeof Playwright;
      // launch() gives the browser a fresh, empty profile of its own (a new temporary user-data-dir).
      this.browser = await chromium.launch({ executablePath: this.executablePath, args: CHROMIUM_ARGS });
      const page = await this.browser.newPage();
      await page.setContent('<!doctype html><html><body><div id="figure"></div></body></html>');
      await page.addScriptTag({ path: plotlyPath() });
      return page;
    })();
    return this.page;
  }

  /** The figure as PNG bytes or SVG text. */
  async image(figure: Figure, format: "png" | "svg", size: ImageSize = {}): Promise<Uint8Array | string> {
    const page = await this.open();
    const options = { ...DEFAULT_SIZE, ...size, format };
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

  /** Stops the browser. */
  async close(): Promise<void> {
    const browser = this.browser;
    this.page = undefined;
    this.browser = undefined;
    await browser?.close();
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
    copyFileSync(plotlyPath(), plotly);
  const base = join(dir, name);
  mkdirSync(dirname(base), { recursive: true });
  const title = String((figure.layout.title as { text?: string } | undefined)?.text ?? name);
  writeFileSync(`${base}.html`, figureHtml(figure, title));
  const image = (await renderer.image(figure, "png", options)) as Uint8Array;
  writeFileSync(`${base}.png`, image);
  writeFileSync(`${base}.svg`, (await renderer.image(figure, "svg", options)) as string);
  return { html: `${base}.html`, png: `${base}.png`, svg: `${base}.svg`, image };
}

/** What `showFigure` needs of a notebook's display (tslab's `display` has both). */
export interface NotebookDisplay {
  png(bytes: Uint8Array): void;
  markdown(text: string): void;
}

/**
 * For notebooks: saves the figure (`saveFigure`), shows it as a PNG (readable on GitHub, nbviewer
 * and in the HTML export) and links its interactive HTML version.
 * @example await showFigure(tslab.display, rocFigure(sets), "03-roc-kdd99-corrected")
 */
export async function showFigure(
  display: NotebookDisplay,
  figure: Figure,
  name: string,
  options: ImageSize & { dir?: string } = {},
): Promise<SavedFigure> {
  const saved = await saveFigure(figure, name, options);
  display.png(saved.image);
  const link = relative(join(projectRoot(), "notebooks"), saved.html).split(sep).join("/");
  display.markdown(`[Interactive version](${link}) · [SVG](${link.replace(/\.html$/, ".svg")})`);
  return saved;
}
