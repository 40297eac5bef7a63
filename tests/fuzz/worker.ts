/**
 * The fuzz test's worker: mutant captures through the reader, the packet pipeline and a monitor
 * with a volume watch, one JSON line per mutant on stdout (the parent watches for hangs).
 * Usage: node --import tsx tests/fuzz/worker.ts BUNDLE.json CAPTURE FIRST_SEED COUNT
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DetectiveError, loadBundle, Monitor, monitorCapture } from "../../lib";
import { mutate } from "./mutate";

async function main(): Promise<void> {
  const [bundlePath, capture, first, count] = process.argv.slice(2);
  const bundle = loadBundle(bundlePath);
  const original = readFileSync(capture);
  const dir = mkdtempSync(join(tmpdir(), "detective-fuzz-"));
  const path = join(dir, "mutant");
  for (let seed = Number(first); seed < Number(first) + Number(count); seed++) {
    const { bytes, mutations } = mutate(original, seed);
    writeFileSync(path, bytes);
    const t0 = performance.now();
    const line: Record<string, unknown> = { seed, mutations, bytes: bytes.length };
    try {
      // a fresh monitor each time: the bundle's volume watch keeps its history in the detector
      const monitor = new Monitor(loadBundle(bundlePath), { alertsPerIncident: 1 });
      const r = await monitorCapture(monitor, path, { warmupRecords: 10 });
      monitor.close();
      const { report } = r;
      if (report.records !== report.packets + report.skipped)
        throw new Error(`records do not add up: ${JSON.stringify(report)}`);
      if (monitor.stats.processed + monitor.stats.rejected !== r.records)
        throw new Error(
          `records scored ${monitor.stats.processed} + rejected ${monitor.stats.rejected} != ${r.records}`,
        );
      Object.assign(line, {
        outcome: "read",
        packets: report.packets,
        skipped: report.skipped,
        records: r.records,
        intervals: monitor.intervals,
        jumps: monitor.stats.snapshot().notices["time.jump"] ?? 0,
      });
    } catch (err) {
      const e = err as Error;
      Object.assign(line, {
        outcome: err instanceof DetectiveError ? "refused" : "crash",
        error: `${e.name}: ${e.message.split("\n")[0]}`,
        ...(err instanceof DetectiveError ? {} : { stack: e.stack?.split("\n").slice(0, 6).join(" | ") }),
      });
    }
    line.ms = Math.round(performance.now() - t0);
    line.rssMB = Math.round(process.memoryUsage().rss / 2 ** 20);
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  void bundle;
  rmSync(dir, { recursive: true, force: true });
}

void main();
