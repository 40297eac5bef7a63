/**
 * Jupyter as a user starts it (`npm run jupyter`, i.e. scripts/jupyter.sh) shows the committed
 * notebooks' figures live: a committed notebook opened in headless Chromium gets its plotly.js from
 * the server (never a 404, one download, no request off the machine), every figure becomes a live
 * Plotly figure (the script trusted the notebook), and the page starts this clone's own kernel.
 * The server runs on a free loopback port with a token, and a temporary HOME and Jupyter
 * config, data and runtime folders, so the user's signatures and settings are not touched.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { chromiumPath, launchChromium, PLOTLY_LOAD_KEY } from "../lib/plots/render";
import { COUNT_PLOTLY_RUNS } from "../lib/testing/plotlyRuns";

const root = join(__dirname, "..");
const NOTEBOOK = "notebooks/08-comparison.ipynb";
const python = process.env.DETECTIVE_PYTHON ?? "/usr/bin/python3";

function whyNot(): string | undefined {
  if (!existsSync(chromiumPath())) return `no Chromium at ${chromiumPath()} (apt-get install chromium)`;
  const jupyter = spawnSync(python, ["-c", "import notebook, nbformat"], { stdio: "ignore" });
  if (jupyter.status !== 0) return `${python} has no Jupyter Notebook (apt-get install jupyter-notebook)`;
  return undefined;
}

/** The figures shown in a notebook's outputs, and how many of them share one plotly.js load. */
function figuresIn(path: string): { figures: number; shared: number } {
  const nb = JSON.parse(readFileSync(join(root, path), "utf8")) as {
    cells: { outputs?: { data?: Record<string, string | string[]> }[] }[];
  };
  const html = nb.cells
    .flatMap((c) => c.outputs ?? [])
    .map((o) => [o.data?.["text/html"] ?? ""].flat().join(""))
    .filter((h) => h.includes('class="detective-figure"'));
  return { figures: html.length, shared: html.filter((h) => h.includes(PLOTLY_LOAD_KEY)).length };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Processes whose command line names `text` (the kernel's connection file is in our runtime folder). */
function processesNaming(text: string): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text);
      } catch {
        return false; // ended meanwhile
      }
    })
    .map(Number);
}

/** Stops the server's process group (SIGTERM: it shuts its kernels down), SIGKILL after 10 s. */
async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null || server.pid === undefined) return;
  const exited = new Promise((resolve) => server.once("exit", resolve));
  process.kill(-server.pid, "SIGTERM");
  const timer = setTimeout(() => {
    try {
      process.kill(-server.pid!, "SIGKILL");
    } catch {
      // the group ended meanwhile
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

const skip = whyNot();

test(
  `npm run jupyter: ${NOTEBOOK} opens with live figures, one plotly.js, this clone's kernel`,
  { skip, timeout: 240_000 }, // above the sum of the waits below (40 + 40 + 20 + 40 s) on a loaded machine
  async () => {
    const { figures, shared } = figuresIn(NOTEBOOK);
    assert.ok(figures > 1, `${NOTEBOOK} has several figures (found ${figures})`);
    assert.ok(
      shared === 0 || shared === figures,
      `${NOTEBOOK}: some figures share one plotly.js load, some not; re-run it`,
    );

    const home = mkdtempSync(join(tmpdir(), "detective-jupyter-"));
    const runtime = join(home, "runtime");
    const token = randomBytes(16).toString("hex");
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = spawn(
      "bash",
      [
        "scripts/jupyter.sh",
        "--no-browser",
        "--ip=127.0.0.1",
        `--port=${port}`,
        "--NotebookApp.port_retries=0",
      ],
      {
        cwd: root,
        detached: true, // its own process group, stopped as one
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          HOME: home,
          JUPYTER_CONFIG_DIR: join(home, "config"),
          JUPYTER_DATA_DIR: join(home, "data"),
          JUPYTER_RUNTIME_DIR: runtime,
          JUPYTER_TOKEN: token,
        },
      },
    );
    let log = "";
    server.stdout!.on("data", (b: Buffer) => (log += b.toString()));
    server.stderr!.on("data", (b: Buffer) => (log += b.toString()));
    let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
    let left: number[];
    try {
      browser = await launchChromium();
      // The server is up when its API answers.
      const deadline = Date.now() + 40_000;
      for (;;) {
        assert.equal(server.exitCode, null, `scripts/jupyter.sh exited early:\n${log}`);
        assert.ok(Date.now() < deadline, `Jupyter did not answer on ${base} within 40 s:\n${log}`);
        const ok = await fetch(`${base}/api/status`, { headers: { Authorization: `token ${token}` } }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.match(log, /\d+ notebooks trusted/);
      const specs = (await fetch(`${base}/api/kernelspecs`, {
        headers: { Authorization: `token ${token}` },
      }).then((r) => r.json())) as { kernelspecs: Record<string, { spec: { argv: string[] } }> };
      assert.equal(
        specs.kernelspecs.tslab?.spec.argv[0],
        join(root, "node_modules/.bin/tslab"),
        "this clone's tslab",
      );

      const page = await browser.newPage();
      await page.addInitScript(COUNT_PLOTLY_RUNS);
      const offMachine: string[] = [];
      await page.route(
        () => true,
        (route) => {
          const url = new URL(route.request().url());
          if (url.hostname === "127.0.0.1") return route.continue();
          offMachine.push(url.href);
          return route.abort();
        },
      );
      const plotly: { url: string; status: number }[] = [];
      page.on("response", (r) => {
        if (new URL(r.url()).pathname.endsWith("/plotly.min.js"))
          plotly.push({ url: r.url(), status: r.status() });
      });
      page.on("requestfailed", (r) => {
        if (new URL(r.url()).pathname.endsWith("/plotly.min.js")) plotly.push({ url: r.url(), status: 0 });
      });

      await page.goto(`${base}/notebooks/${NOTEBOOK}?token=${token}`);
      await page
        .waitForSelector(".output_area .js-plotly-plot .main-svg", { timeout: 40_000 })
        .catch(async () => {
          const trusted: unknown = await page
            .evaluate("window.Jupyter?.notebook?.trusted")
            .catch(() => "unknown");
          assert.fail(
            `no live figure within 40 s (notebook trusted: ${String(trusted)}; plotly.min.js: ${JSON.stringify(plotly)})`,
          );
        });
      await page.waitForFunction(
        `document.querySelectorAll(".output_area .detective-figure.js-plotly-plot .main-svg").length >= ${figures}`,
        null,
        { timeout: 20_000 },
      );
      assert.equal(await page.locator(".output_area .detective-figure img").count(), 0, "every PNG replaced");
      assert.deepEqual(
        plotly.filter((r) => r.status !== 200 && r.status !== 302),
        [],
        "plotly.min.js: no 404 or failed load",
      );
      assert.deepEqual(
        plotly.filter((r) => r.status === 200).map((r) => new URL(r.url).pathname),
        ["/files/figures/plotly.min.js"],
        "plotly.min.js downloaded once, from the repository's figures/",
      );
      // Outputs made before figures shared one load ran plotly.js once per figure (Chromium still
      // downloads it once); `npm run study` re-makes them.
      assert.equal(await page.evaluate("window.__plotlyRuns"), shared ? 1 : figures, "plotly.js runs");
      assert.deepEqual(offMachine, [], "no request off the machine");

      // The page started this clone's TypeScript kernel and it answers.
      await page.waitForSelector("#kernel_indicator_icon.kernel_idle_icon", { timeout: 40_000 });
      const sessions = (await fetch(`${base}/api/sessions`, {
        headers: { Authorization: `token ${token}` },
      }).then((r) => r.json())) as { path: string; kernel: { name: string; execution_state: string } }[];
      assert.deepEqual(
        sessions.map((s) => [s.path, s.kernel.name]),
        [[NOTEBOOK, "tslab"]],
      );
      assert.equal(
        processesNaming(runtime).length,
        1,
        "one kernel, with its connection file in our runtime folder",
      );
    } finally {
      await browser?.close();
      await stop(server);
      left = processesNaming(runtime);
      for (const pid of left) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // it ended between the listing and the kill
        }
      }
      rmSync(home, { recursive: true, force: true });
    }
    assert.deepEqual(left, [], "stopping Jupyter stopped its kernel");
  },
);
