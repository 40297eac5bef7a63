/**
 * This build against an earlier one, on the same machine in the same run: the check that a
 * restructuring (issue 13 moved lib/ into stages and put the flow table and protocol parsers under
 * the KDD features) made no hot path slower. The machines these benchmarks run on vary by 2x from
 * day to day and by tens of percent from minute to minute, so a figure is only compared with one
 * taken beside it: trials alternate between the two builds, each in a fresh process.
 *
 * Measured on the simulated attack capture (`data/simulated/sim-mixed.pcap`):
 * - the packet pipeline: `featurizeCapture` (read, decode, flows, protocol parsers, KDD features);
 * - the monitor's replay: `monitorCapture` with a Mahalanobis bundle (pipeline, scoring, alerts,
 *   incidents; the bundle is trained before the clock starts).
 *
 * Usage: node --import tsx bench/compare.ts [REF] (default f7fa7a3, the last commit before issue 13).
 * The earlier build is checked out into a temporary git worktree and built there; it shares this
 * checkout's node_modules and data. Writes bench/results/compare.json.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median, round, writeResult } from "./common";

const REF = process.argv[2] ?? "f7fa7a3";
const TRIALS = Number(process.env.BENCH_TRIALS ?? 5);
const root = join(__dirname, "..");
const capture = join(root, "data", "simulated", "sim-mixed.pcap");

/**
 * One trial in a fresh process. It loads a build's library by path and uses only what both builds
 * have: `trainBundle` reads `protocol` before issue 13 and `benchmark` after, so both are passed.
 */
const TRIAL = `
const [dist, mode, file] = process.argv.slice(1);
const lib = require(dist);
(async () => {
  let run;
  if (mode === "featurize") run = () => lib.featurizeCapture(file).then((r) => r.records.length);
  else {
    const bundle = await lib.trainBundle({ benchmark: "simulated", protocol: "simulated", detector: "Mahalanobis", seed: 1 });
    const monitor = new lib.Monitor(bundle, {});
    run = () => lib.monitorCapture(monitor, file).then((r) => r.records);
  }
  const t0 = performance.now();
  const rows = await run();
  console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, rows }));
})();`;

function trial(dist: string, mode: string): { seconds: number; rows: number } {
  const out = execFileSync(process.execPath, ["-e", TRIAL, join(dist, "lib", "dist"), mode, capture], {
    encoding: "utf8",
    cwd: dist,
    stdio: ["ignore", "pipe", "ignore"],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split("\n").at(-1) as string) as { seconds: number; rows: number };
}

/** The earlier build in a temporary worktree, sharing node_modules and data, built with tsc. */
function checkoutBuild(ref: string): { dir: string; commit: string } {
  const dir = join(mkdtempSync(join(tmpdir(), "detective-compare-")), "build");
  const git = (...args: string[]): string =>
    execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
  const commit = git("rev-parse", "--short", ref);
  git("worktree", "add", "--detach", "--quiet", dir, ref);
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  rmSync(join(dir, "data"), { recursive: true, force: true });
  mkdirSync(join(dir, "data"));
  for (const entry of readdirSync(join(root, "data")))
    symlinkSync(join(root, "data", entry), join(dir, "data", entry));
  execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-b", "lib"], { cwd: dir, stdio: "inherit" });
  return { dir, commit };
}

function main(): void {
  if (!existsSync(capture)) throw new Error(`${capture} is missing: run \`npm run fetch-data\` first.`);
  const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
  const before = checkoutBuild(REF);
  try {
    const results: Record<string, { ours: number[]; reference: number[]; rows: number }> = {};
    for (const mode of ["featurize", "monitor"]) {
      const r = { ours: [] as number[], reference: [] as number[], rows: 0 };
      for (let i = 0; i < TRIALS; i++) {
        // alternate which build goes first, so a slow minute hits both
        const pair = i % 2 ? [before.dir, root] : [root, before.dir];
        for (const dir of pair) {
          const t = trial(dir, mode);
          (dir === root ? r.ours : r.reference).push(round(t.seconds));
          if (dir === root) r.rows = t.rows;
          else if (r.rows && t.rows !== r.rows) {
            throw new Error(`${mode}: ${t.rows} rows from ${before.commit}, ${r.rows} from this build`);
          }
        }
      }
      results[mode] = r;
    }
    const f = results.featurize;
    const m = results.monitor;
    writeResult("compare", {
      name: "compare",
      metric: `sim-mixed.pcap through featurizeCapture (read, decode, flows, protocol parsers, KDD features), this build (${head}) against ${before.commit}, median of ${TRIALS} alternating trials in fresh processes`,
      ours: round(median(f.ours)),
      reference: round(median(f.reference)),
      reference_tool: `Detective at ${before.commit} (the same benchmark, same machine, same run)`,
      unit: "s",
      ratio: round(median(f.ours) / median(f.reference)),
      rows: f.rows,
      date: new Date().toISOString(),
      monitor: {
        metric: "monitorCapture of sim-mixed.pcap with a Mahalanobis bundle (bundle trained before timing)",
        ours: round(median(m.ours)),
        reference: round(median(m.reference)),
        ratio: round(median(m.ours) / median(m.reference)),
        records: m.rows,
      },
      trials: results,
    });
  } finally {
    execFileSync("git", ["worktree", "remove", "--force", before.dir], { cwd: root });
  }
}

main();
