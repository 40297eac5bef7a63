/**
 * What the benchmarks share: running a tool in a fresh process that prints one JSON line, the
 * median of trials, rounding, the KDD99 matrices both tools score, and writing results.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FeaturePipeline, kddSplit, loadDataset, type Matrix, type Split } from "../lib";

/**
 * The environment of a run: the machine's own, less OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE. Some
 * machines set them so that old OpenBLAS builds run safely; they pin OpenBLAS to an older kernel
 * (Haswell: no AVX-512) and would slow the Python references (PyTorch, NumPy) below what a user
 * gets. Debian's OpenBLAS 0.3.21 picks its own kernel without them.
 */
export function benchEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** Runs a command (in the project root) whose last stdout line is JSON, and parses it. */
export function runJson<T>(command: string, args: readonly string[]): T {
  const out = execFileSync(command, args, {
    encoding: "utf8",
    maxBuffer: 1 << 20,
    cwd: join(__dirname, ".."),
    stdio: ["ignore", "pipe", "inherit"],
    env: benchEnv(),
  });
  return JSON.parse(out.trim().split("\n").at(-1) as string) as T;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Four significant digits, as the results files quote them. */
export function round(x: number): number {
  return Number(x.toPrecision(4));
}

/** The KDD99 split (seed 42) and the fitted pipeline: training normals and `corrected`. */
export async function kddMatrices(): Promise<{
  split: Split;
  pipeline: FeaturePipeline;
  Xtest: Matrix;
}> {
  const train = (await loadDataset("kdd99-10pct")).table;
  const corrected = (await loadDataset("kdd99-corrected")).table;
  const split = kddSplit(train, { corrected }, { seed: 42 });
  const pipeline = FeaturePipeline.fit(train, {}, split.train.rows);
  return { split, pipeline, Xtest: pipeline.transform(corrected).X };
}

/** Writes bench/results/<name>.json and prints it. */
export function writeResult(name: string, result: object): void {
  const dir = join(__dirname, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}
