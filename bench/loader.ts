/**
 * Loader benchmark: `loadKdd` against pandas `read_csv` (Debian's python3-pandas, the tool a
 * data scientist would otherwise pick) on the same gzip file, side by side in one run. Each trial
 * runs in a fresh process (so peak RSS is per tool) and times the read alone; trials alternate
 * between the tools so machine noise hits both. danfojs-node's readCSV is measured once for context.
 * Writes bench/results/loader.json; `npm run bench` then quotes it in the README.
 */
import { median, round, runJson, writeResult } from "./common";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { gunzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { datasetEntry, dataDir, storedPath } from "../lib";

const TRIALS = Number(process.env.BENCH_TRIALS ?? 5);
const PYTHON = process.env.DETECTIVE_PYTHON ?? "/usr/bin/python3";
const root = join(__dirname, "..");

interface Trial {
  seconds: number;
  peak_rss_mb: number;
  rows: number;
  version?: string;
}

const OURS = `
const { loadKdd } = require(${JSON.stringify(join(root, "lib", "dist"))});
const t0 = performance.now();
loadKdd(process.argv[1]).then(({ table }) => {
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ seconds, peak_rss_mb: process.resourceUsage().maxRSS / 1024, rows: table.rows }));
});`;

// danfojs-node's readCSV takes a path to a plain file: it gets the decompressed copy (its time
// excludes decompression, which favours it slightly).
const DANFO = `
const dfd = require("danfojs-node");
const t0 = performance.now();
dfd.readCSV(process.argv[1], { header: false }).then((df) => {
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ seconds, peak_rss_mb: process.resourceUsage().maxRSS / 1024, rows: df.shape[0] }));
});`;

const run = (command: string, args: string[]): Trial => runJson<Trial>(command, args);

function main(): void {
  const entry = datasetEntry("kdd99-10pct");
  const file = storedPath(entry, dataDir());
  if (!file) throw new Error("kdd99-10pct is not fetched: run `npm run fetch-data` first.");
  const ours: Trial[] = [];
  const pandas: Trial[] = [];
  for (let t = 0; t < TRIALS; t++) {
    ours.push(run(process.execPath, ["-e", OURS, file]));
    pandas.push(run(PYTHON, [join(__dirname, "pandas_read.py"), file]));
    console.error(
      `trial ${t + 1}/${TRIALS}: ours ${ours[t].seconds.toFixed(3)} s ${ours[t].peak_rss_mb.toFixed(0)} MB, ` +
        `pandas ${pandas[t].seconds.toFixed(3)} s ${pandas[t].peak_rss_mb.toFixed(0)} MB`,
    );
  }
  for (const t of [...ours, ...pandas]) {
    if (t.rows !== entry.rows) throw new Error(`a trial read ${t.rows} rows, expected ${entry.rows}`);
  }
  let danfo: Trial | undefined;
  if (!process.env.BENCH_SKIP_DANFO) {
    const plain = join(mkdtempSync(join(tmpdir(), "detective-bench-")), "kdd.csv");
    writeFileSync(plain, gunzipSync(readFileSync(file)));
    danfo = run(process.execPath, ["-e", DANFO, plain]);
    rmSync(dirname(plain), { recursive: true, force: true });
  }
  if (danfo)
    console.error(`danfojs-node readCSV: ${danfo.seconds.toFixed(2)} s ${danfo.peak_rss_mb.toFixed(0)} MB`);
  const oursSeconds = median(ours.map((t) => t.seconds));
  const pandasSeconds = median(pandas.map((t) => t.seconds));
  const oursMb = Math.max(...ours.map((t) => t.peak_rss_mb));
  const pandasMb = Math.max(...pandas.map((t) => t.peak_rss_mb));
  const result = {
    name: "loader",
    metric: `read ${entry.file} (${entry.rows.toLocaleString("en")} rows, gzip) into memory, median of ${TRIALS}`,
    ours: round(oursSeconds),
    reference: round(pandasSeconds),
    reference_tool: `pandas ${pandas[0].version} read_csv (Debian python3-pandas)`,
    unit: "s",
    ratio: round(oursSeconds / pandasSeconds),
    rows: entry.rows,
    date: new Date().toISOString(),
    memory: {
      metric: "peak RSS of the whole process (runtime included), max over trials",
      ours_mb: Math.round(oursMb),
      reference_mb: Math.round(pandasMb),
      ratio: round(oursMb / pandasMb),
    },
    trials: { ours: ours.map((t) => round(t.seconds)), reference: pandas.map((t) => round(t.seconds)) },
    others: danfo
      ? [
          {
            tool: "danfojs-node readCSV (plain file)",
            seconds: round(danfo.seconds),
            peak_rss_mb: Math.round(danfo.peak_rss_mb),
          },
        ]
      : [],
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  };
  writeResult("loader", result);
}

main();
