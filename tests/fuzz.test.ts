/**
 * Fuzzing the packet side of the monitor: a few hundred seeded mutants of a real capture (bit flips,
 * 32-bit field overwrites, timestamp jumps, truncations, spliced chunks), as pcap and as pcapng,
 * through the reader, the packet pipeline and a monitor with a volume watch. Each mutant must be
 * read (every record accounted for: packets + skipped) or refused with one of Detective's errors,
 * within a time bound (a hang guard, not a speed test) and a memory bound; never crash or hang.
 * The same seeds give the same mutants, so a failure names the seed to reproduce it.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { simulateTraffic } from "../lib";
import { saveVolumeWatchBundle } from "../lib/testing/bundles";

const dir = mkdtempSync(join(tmpdir(), "detective-fuzz-test-"));
/** A mutant taking longer than this is taken as a hang (the whole base capture reads in well under 1 s). */
const HANG_MS = 15_000;
/** The worker's heap limit, and the resident memory no mutant may push it past. */
const HEAP_MB = 512;
const RSS_LIMIT_MB = 1024;

interface MutantResult {
  seed: number;
  mutations: string[];
  outcome: "read" | "refused" | "crash";
  error?: string;
  stack?: string;
  ms: number;
  rssMB: number;
  jumps?: number;
}

/** Runs `count` mutants of `capture` from `firstSeed` in one worker; fails on a hang or a crash of the worker. */
function runMutants(
  bundle: string,
  capture: string,
  firstSeed: number,
  count: number,
): Promise<MutantResult[]> {
  const worker = resolve(__dirname, "fuzz/worker.ts");
  const child = spawn(
    process.execPath,
    [
      `--max-old-space-size=${HEAP_MB}`,
      "--import",
      "tsx",
      worker,
      bundle,
      capture,
      String(firstSeed),
      String(count),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const results: MutantResult[] = [];
  let stderr = "";
  let pending = "";
  let watchdog: NodeJS.Timeout;
  return new Promise((done, fail) => {
    const arm = (): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        child.kill("SIGKILL");
        fail(
          new Error(
            `mutant seed ${firstSeed + results.length} of ${capture} hung (no result in ${HANG_MS} ms)`,
          ),
        );
      }, HANG_MS);
    };
    arm();
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const l of lines) results.push(JSON.parse(l) as MutantResult);
      arm();
    });
    child.on("exit", (code, signal) => {
      clearTimeout(watchdog);
      if (code === 0 && results.length === count) done(results);
      else
        fail(
          new Error(
            `the fuzz worker died (${signal ?? `exit ${code}`}) at seed ${firstSeed + results.length}: ${stderr.slice(-2000)}`,
          ),
        );
    });
  });
}

test("hundreds of mutated captures: each read with every record accounted for, or refused; no hang, crash or memory blow-up", async () => {
  const sim = simulateTraffic(
    {
      seed: 11,
      durationSeconds: 240,
      workstations: 4,
      attacks: [
        { scenario: "port_scan", startSeconds: 60, durationSeconds: 20, rate: 40 },
        { scenario: "dns_tunnel", startSeconds: 150, durationSeconds: 30 },
      ],
    },
    join(dir, "base.pcap"),
  );
  const pcapng = join(dir, "base.pcapng");
  execFileSync("editcap", ["-F", "pcapng", sim.pcap, pcapng]);
  const bundlePath = await saveVolumeWatchBundle(dir);

  const [pcapResults, pcapngResults] = await Promise.all([
    runMutants(bundlePath, sim.pcap, 1, 240),
    runMutants(bundlePath, pcapng, 10_001, 120),
  ]);
  const all = [...pcapResults, ...pcapngResults];
  const crashes = all.filter((r) => r.outcome === "crash");
  assert.deepEqual(
    crashes.map((r) => `seed ${r.seed} (${r.mutations.join("+")}): ${r.error} ${r.stack ?? ""}`),
    [],
    "every mutant is read or refused with a DetectiveError",
  );
  const maxRss = Math.max(...all.map((r) => r.rssMB));
  assert.ok(maxRss < RSS_LIMIT_MB, `the worker's resident memory reached ${maxRss} MB`);
  const read = all.filter((r) => r.outcome === "read").length;
  const jumped = all.filter((r) => (r.jumps ?? 0) > 0).length;
  // The mutants must exercise both paths and the time jumps, or the fuzzer tests nothing.
  assert.ok(read > 50 && read < all.length, `${read} of ${all.length} mutants read`);
  assert.ok(jumped > 10, `${jumped} mutants had a break in time`);
  const slowest = all.reduce((a, b) => (b.ms > a.ms ? b : a));
  console.log(
    `fuzz: ${all.length} mutants, ${read} read, ${all.length - read} refused, ${jumped} with time jumps; ` +
      `slowest seed ${slowest.seed} ${slowest.ms} ms; max RSS ${maxRss} MB`,
  );
});
