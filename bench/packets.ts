/**
 * Packet benchmark: `featurizeCapture` (read + decode + connection assembly + KDD features) against
 * tshark's field extraction (`-T fields`, the tool a network analyst would otherwise reach for) on the
 * same simulated capture of over a million packets, side by side in one run. Each trial runs in a
 * fresh process (so peak RSS is per tool); trials alternate between the tools so machine noise hits
 * both. Reading + decoding alone (`readCapture` with a no-op callback) is timed too, as a second
 * figure. The capture is generated once (untimed) into a temp dir and deleted at the end.
 * Writes bench/results/packets.json; `npm run bench` then quotes it in the README.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { everyAttack, type SimulationOptions, simulateTraffic } from "../lib";
import { median, round, writeResult } from "./common";

const TRIALS = Number(process.env.BENCH_TRIALS ?? 3);
const TSHARK = process.env.DETECTIVE_TSHARK ?? "tshark";
const TIME = "/usr/bin/time";
const root = join(__dirname, "..");

const DURATION = 4 * 3600;
const SIMULATION: SimulationOptions = {
  seed: 7,
  start: "2026-03-03T08:00:00Z",
  durationSeconds: DURATION,
  workstations: 60,
  intensity: 1.5,
  attacks: everyAttack(DURATION),
};
const MIN_PACKETS = 1_000_000;

const FIELDS = [
  "frame.len",
  "ip.src",
  "ip.dst",
  "ip.proto",
  "tcp.srcport",
  "tcp.dstport",
  "udp.srcport",
  "udp.dstport",
];
const tsharkArgs = (file: string): string[] => [
  "-r",
  file,
  "-T",
  "fields",
  ...FIELDS.flatMap((f) => ["-e", f]),
];

interface Trial {
  /** Time of the work alone (ours: measured inside the process; tshark: the whole process). */
  seconds: number;
  /** Spawn to exit, as seen by this process (runtime start-up and module loading included). */
  wall: number;
  /** null when /usr/bin/time is missing (tshark only). */
  peak_rss_mb: number | null;
  rows: number;
  records?: number;
}

const OURS = `
const { featurizeCapture, readCapture } = require(${JSON.stringify(join(root, "lib", "dist"))});
const [mode, file] = process.argv.slice(1);
const t0 = performance.now();
const work = mode === "decode"
  ? readCapture(file, () => {}).then((capture) => ({ capture, records: [] }))
  : featurizeCapture(file);
work.then(({ capture, records }) => {
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({
    seconds, peak_rss_mb: process.resourceUsage().maxRSS / 1024, rows: capture.packets, records: records.length,
  }));
});`;

function ours(mode: "full" | "decode", file: string): Trial {
  const t0 = performance.now();
  const out = execFileSync(process.execPath, ["-e", OURS, mode, file], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const wall = (performance.now() - t0) / 1000;
  return { ...(JSON.parse(out.trim().split("\n").at(-1) as string) as Trial), wall };
}

/** tshark with stdout to /dev/null; wall time around the process, peak RSS from /usr/bin/time (KB). */
function tshark(file: string, timeOut: string | null, rows: number): Trial {
  const [command, args] = timeOut
    ? [TIME, ["-f", "%M", "-o", timeOut, TSHARK, ...tsharkArgs(file)]]
    : [TSHARK, tsharkArgs(file)];
  const t0 = performance.now();
  const r = spawnSync(command, args, { stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 20 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`tshark failed (status ${r.status}): ${r.stderr?.toString().trim()}`);
  const peak = timeOut ? Number(readFileSync(timeOut, "utf8").trim().split("\n").at(-1)) / 1024 : null;
  // rows: counted once in a separate untimed run (see main), not re-counted per trial
  return { seconds: wall, wall, peak_rss_mb: peak, rows };
}

/** Lines tshark prints for the capture: one per frame it dissected. */
function tsharkLines(file: string): number {
  const out = execFileSync(TSHARK, tsharkArgs(file), {
    maxBuffer: 1 << 30,
    stdio: ["ignore", "pipe", "ignore"],
  });
  let n = 0;
  for (let i = out.indexOf(10); i >= 0; i = out.indexOf(10, i + 1)) n++;
  return n;
}

function main(): void {
  const version = /TShark \(Wireshark\) (\S+)/.exec(
    execFileSync(TSHARK, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }),
  )?.[1];
  if (!version) throw new Error(`${TSHARK} --version did not say which TShark it is.`);
  const hasTime = existsSync(TIME);
  if (!hasTime)
    console.error(`${TIME} is missing: tshark's peak memory is not measured (Debian package time).`);

  const dir = mkdtempSync(join(tmpdir(), "detective-bench-"));
  try {
    const file = join(dir, "traffic.pcap");
    const sim = simulateTraffic(SIMULATION, file);
    if (sim.packets < MIN_PACKETS)
      throw new Error(`the capture has ${sim.packets} packets, fewer than ${MIN_PACKETS}`);
    console.error(`capture: ${sim.packets.toLocaleString("en")} packets, ${(sim.bytes / 1e6).toFixed(0)} MB`);
    const lines = tsharkLines(file);
    if (lines !== sim.packets) throw new Error(`tshark printed ${lines} lines for ${sim.packets} packets`);
    console.error(`tshark ${version} sees ${lines.toLocaleString("en")} frames`);

    const full: Trial[] = [];
    const decode: Trial[] = [];
    const ref: Trial[] = [];
    const timePath = hasTime ? join(dir, "time.txt") : null;
    for (let t = 0; t < TRIALS; t++) {
      full.push(ours("full", file));
      decode.push(ours("decode", file));
      ref.push(tshark(file, timePath, lines));
      const mb = (x: Trial): string => (x.peak_rss_mb === null ? "? MB" : `${x.peak_rss_mb.toFixed(0)} MB`);
      console.error(
        `trial ${t + 1}/${TRIALS}: ours ${full[t].seconds.toFixed(3)} s ${mb(full[t])} ` +
          `(decode only ${decode[t].seconds.toFixed(3)} s ${mb(decode[t])}), ` +
          `tshark ${ref[t].seconds.toFixed(3)} s ${mb(ref[t])}`,
      );
    }
    for (const t of [...full, ...decode]) {
      if (t.rows !== sim.packets) throw new Error(`a trial read ${t.rows} packets, expected ${sim.packets}`);
    }

    const oursSeconds = median(full.map((t) => t.seconds));
    const decodeSeconds = median(decode.map((t) => t.seconds));
    const refSeconds = median(ref.map((t) => t.seconds));
    const oursWall = median(full.map((t) => t.wall));
    const peak = (ts: Trial[]): number => Math.max(...ts.map((t) => t.peak_rss_mb ?? 0));
    const oursMb = peak(full);
    const refMb = hasTime ? peak(ref) : null;
    const result = {
      name: "packets",
      metric:
        `simulated pcap (${sim.packets.toLocaleString("en")} packets, ${(sim.bytes / 1e6).toFixed(0)} MB) to ` +
        `KDD connection features (read, decode, assemble, featurise) vs tshark field extraction, median of ${TRIALS}`,
      ours: round(oursSeconds),
      reference: round(refSeconds),
      reference_tool: `tshark ${version} -T fields (${FIELDS.length} fields, stdout to /dev/null)`,
      unit: "s",
      ratio: round(oursSeconds / refSeconds),
      rows: sim.packets,
      date: new Date().toISOString(),
      packets_per_second: {
        ours: Math.round(sim.packets / oursSeconds),
        reference: Math.round(sim.packets / refSeconds),
      },
      memory: refMb
        ? {
            metric: "peak RSS of the whole process (runtime included), max over trials",
            ours_mb: Math.round(oursMb),
            reference_mb: Math.round(refMb),
            ratio: round(oursMb / refMb),
          }
        : undefined,
      decode_only: {
        metric: "readCapture with a no-op callback (read + decode, no connections or features)",
        seconds: round(decodeSeconds),
        packets_per_second: Math.round(sim.packets / decodeSeconds),
        peak_rss_mb: Math.round(peak(decode)),
        ratio: round(decodeSeconds / refSeconds),
        trials: decode.map((t) => round(t.seconds)),
      },
      // ours is timed inside its process; tshark's time is the whole process (start-up included)
      wall_with_startup: {
        metric: "spawn to exit, median: node start-up and module loading included for ours",
        ours: round(oursWall),
        reference: round(refSeconds),
        ratio: round(oursWall / refSeconds),
      },
      trials: { ours: full.map((t) => round(t.seconds)), reference: ref.map((t) => round(t.seconds)) },
      capture: {
        packets: sim.packets,
        bytes: sim.bytes,
        sessions: sim.sessions,
        connection_records: full[0].records,
        tshark_frames: lines,
        simulation: { ...SIMULATION, attacks: `everyAttack(${DURATION})` },
      },
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, tshark: version },
    };
    writeResult("packets", result);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
