import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { seeded } from "../core/random";
import {
  alertTimelineFigure,
  confusionFigure,
  detectionBarsFigure,
  lossCurveFigure,
  MAX_CURVE_POINTS,
  SCORE_BINS,
  prFigure,
  rocFigure,
  scoreDistributionFigure,
  thin,
  thresholdFigure,
  trafficFigure,
} from "./figures";
import { closeFigureRenderer, figurePng, launchChromium, saveFigure } from "./render";
import { COUNT_PLOTLY_RUNS } from "../testing/plotlyRuns";
import { DETECTOR_COLORS } from "./theme";

const rng = seeded(3);
const y = Uint8Array.from({ length: 5000 }, (_, i) => (i % 10 === 0 ? 1 : 0));
const good = { name: "IsolationForest", y, scores: Float64Array.from(y, (v) => v + rng() * 0.8) };
const weak = { name: "ZScore", y, scores: Float64Array.from(y, (v) => v * 0.3 + rng()) };

describe("figure specifications", () => {
  test("ROC: one trace per detector with its AUC and colour, plus the diagonal; curves thinned", () => {
    const fig = rocFigure([good, weak]);
    assert.equal(fig.data.length, 3);
    assert.match(String(fig.data[0].name), /^IsolationForest \(AUC 1\.000\)$/);
    assert.deepEqual(fig.data[0].line, { color: DETECTOR_COLORS.IsolationForest, width: 2 });
    assert.ok((fig.data[1].x as number[]).length <= MAX_CURVE_POINTS);
    assert.equal(JSON.parse(JSON.stringify(fig)).data.length, 3, "plain JSON");
  });

  test("thin keeps the endpoints and at most max points", () => {
    const x = Array.from({ length: 10_001 }, (_, i) => i);
    const t = thin(x, x, 11);
    assert.deepEqual(t.x, [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]);
    assert.deepEqual(thin([1, 2], [3, 4]), { x: [1, 2], y: [3, 4] });
  });

  test("PR, score distribution, threshold, bars, confusion and traffic figures", () => {
    assert.match(String(prFigure([good]).data[0].name), /AP 1\.000/);
    const dist = scoreDistributionFigure(good, 0.9);
    assert.equal(dist.data.length, 2);
    assert.equal((dist.layout.shapes as unknown[]).length, 1);
    assert.match(String(dist.data[1].name), /attack \(500\)/);
    // Binned here: densities integrate to 1 whatever the row count.
    const ys = dist.data[1].y as number[];
    assert.equal(ys.length, SCORE_BINS);
    assert.ok(Math.abs(ys.reduce((a, b) => a + b, 0) * (dist.data[1].width as number) - 1) < 1e-9);
    assert.equal(thresholdFigure(good).data.length, 2);
    const bars = detectionBarsFigure([
      { detector: "ZScore", group: "DoS", rate: 0.9 },
      { detector: "ZScore", group: "R2L", rate: 0.1 },
      { detector: "IsolationForest", group: "DoS", rate: 0.95 },
    ]);
    assert.deepEqual(bars.data[1].y, [0.95, null]);
    const cm = confusionFigure({ tp: 5, fp: 1, tn: 90, fn: 4 });
    assert.deepEqual(cm.data[0].z, [
      [90, 1],
      [4, 5],
    ]);
    const rows = [0, 10, 20].map((start) => ({
      start: 1772526000 + start,
      host: "*",
      packets: start,
      bytes: 0,
      packetsIn: 0,
      bytesIn: 0,
      connections: 0,
      destinations: 0,
      destinationPorts: 0,
      synPackets: 0,
      synRatio: 0,
      dnsQueries: 0,
    }));
    const traffic = trafficFigure(rows, "packets", {
      flagged: [false, true, false],
      windows: [{ scenario: "port_scan", start: 1772526005, end: 1772526015 }],
    });
    assert.deepEqual(traffic.data[1].y, [10]);
    const curves = lossCurveFigure([
      { name: "Autoencoder", history: { loss: [3, 2, 1], validationLoss: [4, 2.5, 2.6], bestEpoch: 2 } },
    ]);
    assert.equal(curves.data.length, 3);
    assert.deepEqual(curves.data[2].x, [2]);
    assert.deepEqual(curves.data[2].y, [2.5]);
    assert.equal((curves.layout.yaxis as { type: string }).type, "log");
    assert.equal((traffic.layout.shapes as unknown[]).length, 1);
  });
});

describe("saveFigure (headless Chromium)", () => {
  after(() => closeFigureRenderer());

  test("writes an interactive HTML page, a PNG of the requested size and an SVG", async () => {
    const dir = mkdtempSync(join(tmpdir(), "detective-figures-"));
    const out = await saveFigure(rocFigure([good, weak]), "roc", { dir, width: 640, height: 400 });
    const png = readFileSync(out.png);
    assert.deepEqual(Array.from(png.subarray(0, 8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.readUInt32BE(16), 640); // IHDR width
    assert.equal(png.readUInt32BE(20), 400); // IHDR height
    const svg = readFileSync(out.svg, "utf8");
    assert.match(svg, /^<svg/);
    assert.match(svg, /IsolationForest \(AUC 1\.000\)/);
    const html = readFileSync(out.html, "utf8");
    assert.match(html, /<script src="plotly\.min\.js"><\/script>/);
    assert.match(html, /Plotly\.newPlot/);
    assert.ok(statSync(join(dir, "plotly.min.js")).size > 1_000_000);
  });
});

describe("showFigure: interactive where scripts run, the PNG everywhere else (headless Chromium)", () => {
  after(() => closeFigureRenderer());

  /** The notebook output opened as a page in `dir`, with the network cut off (no CDN), counting plotly.js runs. */
  async function open(html: string, dir: string) {
    const browser = await launchChromium();
    const page = await browser.newPage();
    await page.addInitScript(COUNT_PLOTLY_RUNS);
    await page.route(/^https?:/, (route) => route.abort());
    const file = join(dir, "notebooks", "page.html");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `<!doctype html><html><head></head><body>${html}</body></html>`);
    await page.goto(`file://${file}`);
    return { page, browser };
  }

  test("one HTML output: plotly.js from the figures folder turns the PNG into a live figure", async () => {
    const { showFigure } = await import("./render");
    const root = mkdtempSync(join(tmpdir(), "detective-show-"));
    const shown: string[] = [];
    const result = await showFigure({ html: (t) => shown.push(t) }, rocFigure([good]), "shown", {
      dir: join(root, "figures"),
    });
    assert.equal(shown.length, 1);
    const html = shown[0];
    assert.match(html, /<img src="data:image\/png;base64,[A-Za-z0-9+/=]{1000,}" alt="ROC curves"/);
    assert.match(
      html,
      /<a href="[^"]*shown\.html">Interactive page<\/a> · <a href="[^"]*shown\.svg">SVG<\/a>/,
    );
    assert.equal(result, undefined, "nothing for the notebook to print after the figure");
    assert.ok(statSync(join(root, "figures", "shown.png")).size > 1000);
    // The links are relative to notebooks/: point them at our temporary figures folder.
    const local = html.replace(/"[^"]*?\/figures\//g, '"../figures/');
    const { page, browser } = await open(local, root);
    try {
      await page.waitForSelector(".detective-figure.js-plotly-plot", { timeout: 20_000 });
      assert.equal(await page.locator(".detective-figure img").count(), 0, "the PNG was replaced");
      assert.match(
        (await page.locator(".detective-figure").textContent()) ?? "",
        /IsolationForest \(AUC 1\.000\)/,
      );
    } finally {
      await browser.close();
    }
  });

  test("several figures on one page load plotly.js once and all become live", async () => {
    const { figureEmbedHtml } = await import("./render");
    const root = mkdtempSync(join(tmpdir(), "detective-show-"));
    mkdirSync(join(root, "figures"));
    copyFileSync(require.resolve("plotly.js-dist-min/plotly.min.js"), join(root, "figures", "plotly.min.js"));
    const png = await figurePng(rocFigure([good]), { width: 300, height: 200 });
    const options = { title: "t", figuresLink: "../figures", width: 300, height: 200 };
    const html = [good, weak, good, weak]
      .map((set) => figureEmbedHtml(rocFigure([set]), png, options))
      .join("\n");
    const { page, browser } = await open(html, root);
    const requests: string[] = [];
    page.on("request", (r) => {
      if (r.url().endsWith("/plotly.min.js")) requests.push(r.url());
    });
    try {
      await page.reload(); // the listener above sees the page's requests from the start
      await page.waitForFunction(
        'document.querySelectorAll(".detective-figure.js-plotly-plot").length === 4',
        null,
        {
          timeout: 20_000,
        },
      );
      assert.equal(await page.evaluate("window.__plotlyRuns"), 1, "plotly.js ran once");
      assert.equal(await page.locator('script[src$="/plotly.min.js"]').count(), 1, "one script element");
      assert.deepEqual(requests, [`file://${join(root, "figures", "plotly.min.js")}`]);
    } finally {
      await browser.close();
    }
  });

  test("without plotly.js (offline, no copy) the PNG stays and nothing breaks", async () => {
    const { figureEmbedHtml } = await import("./render");
    const root = mkdtempSync(join(tmpdir(), "detective-show-"));
    const png = await figurePng(rocFigure([good]), { width: 300, height: 200 });
    const html = figureEmbedHtml(rocFigure([good]), png, {
      title: "t",
      figuresLink: "../missing",
      width: 300,
      height: 200,
    });
    const { page, browser } = await open(html, root);
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    try {
      await page.waitForTimeout(1500);
      assert.equal(await page.locator(".detective-figure img").count(), 1);
      assert.equal(await page.locator(".js-plotly-plot").count(), 0);
      const width = await page
        .locator(".detective-figure img")
        .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
      assert.equal(width, 300, "the PNG decodes");
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});

test("alertTimelineFigure: alerts counted per bin and per kind, attack windows shaded", () => {
  const t0 = 1_772_526_000; // a multiple of 60
  const alerts = [
    { time: t0 + 1, kind: "Mahalanobis" },
    { time: t0 + 59, kind: "Mahalanobis" },
    { time: t0 + 61, kind: "Mahalanobis" },
    { time: t0 + 5, kind: "RollingZScore (volume)" },
  ];
  const fig = alertTimelineFigure(alerts, {
    binSeconds: 60,
    windows: [{ scenario: "syn_flood", start: t0, end: t0 + 30 }],
  });
  assert.equal(fig.data.length, 2);
  assert.deepEqual(fig.data[0].y, [2, 1]);
  assert.deepEqual(fig.data[0].x, [
    new Date(t0 * 1000).toISOString(),
    new Date((t0 + 60) * 1000).toISOString(),
  ]);
  assert.deepEqual(fig.data[1].y, [1]);
  assert.equal((fig.layout.shapes as unknown[]).length, 1);
});
