/**
 * Protocol benchmark: a simulated day (over a million packets) into every protocol log (read,
 * decode, flows, TCP reassembly, the parsers, Zeek-style TSV logs written to disk) against tshark
 * extracting the same protocol fields (`-T fields`: DNS query, HTTP host and URI, TLS SNI, SSH
 * protocol, FTP and SMTP commands, with its TCP reassembly on as by default), side by side in one
 * run, on the first 100k, 300k and 1M packets and the whole day, so the growth of time and memory
 * shows. Each run is a fresh process (peak RSS per tool, from /usr/bin/time for both). The capture
 * is simulated once (untimed) into a temp dir and deleted at the end. Writes
 * bench/results/protocols.json.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SimulationOptions, simulateTraffic } from "../lib";
import { median, round, writeResult } from "./common";

const TRIALS = Number(process.env.BENCH_TRIALS ?? 2);
const TSHARK = process.env.DETECTIVE_TSHARK ?? "tshark";
const TIME = "/usr/bin/time";
const root = join(__dirname, "..");

/** A normal day of the simulated office (its defaults), over 2 million packets. */
const SIMULATION: SimulationOptions = {
  seed: 11,
  start: "2026-03-03T00:00:00Z",
  durationSeconds: Number(process.env.BENCH_PROTOCOLS_SECONDS ?? 86_400), // shorter only to try the script
};
const SIZES = [100_000, 300_000, 1_000_000];

/** The fields tshark extracts: the key fields of our logs it has. */
export const TSHARK_FIELDS = [
  "frame.time_epoch",
  "ip.src",
  "ip.dst",
  "tcp.srcport",
  "tcp.dstport",
  "udp.srcport",
  "udp.dstport",
  "dns.id",
  "dns.qry.name",
  "dns.qry.type",
  "dns.flags.rcode",
  "dns.a",
  "http.request.method",
  "http.host",
  "http.request.uri",
  "http.user_agent",
  "http.response.code",
  "tls.handshake.version",
  "tls.handshake.ciphersuite",
  "tls.handshake.extensions_server_name",
  "ssh.protocol",
  "ftp.request.command",
  "ftp.request.arg",
  "ftp.response.code",
  "smtp.req.command",
  "smtp.req.parameter",
];

interface Run {
  seconds: number;
  peak_rss_mb: number;
}

const OURS = `
const { ProtocolLogs, LogDirectory, readCapture } = require(${JSON.stringify(join(root, "lib", "dist"))});
const [file, out] = process.argv.slice(1);
const folder = new LogDirectory(out, "tsv");
const logs = new ProtocolLogs(folder);
readCapture(file, (p) => logs.add(p)).then((capture) => {
  logs.flush();
  folder.close();
  console.log(JSON.stringify({ packets: capture.packets, rows: logs.rows }));
});`;

/** One timed run under /usr/bin/time (wall time around the process, peak RSS in KB). */
function timed(
  command: string,
  args: readonly string[],
  timeOut: string,
  output: "pipe" | "ignore",
): Run & { stdout: string } {
  const t0 = performance.now();
  // tshark's field lines go to /dev/null (hundreds of MB for a day); ours prints one JSON line.
  const r = spawnSync(TIME, ["-f", "%M", "-o", timeOut, command, ...args], {
    stdio: ["ignore", output, "pipe"],
    maxBuffer: 1 << 24,
    encoding: "utf8",
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0)
    throw new Error(`${command} failed (status ${r.status}): ${r.stderr.trim().slice(-400)}`);
  const peak = Number(readFileSync(timeOut, "utf8").trim().split("\n").at(-1)) / 1024;
  return { seconds, peak_rss_mb: peak, stdout: r.stdout ?? "" };
}

function main(): void {
  const version = /TShark \(Wireshark\) (\S+)/.exec(
    execFileSync(TSHARK, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }),
  )?.[1];
  if (!version) throw new Error(`${TSHARK} --version did not say which TShark it is.`);
  const dir = mkdtempSync(join(tmpdir(), "detective-bench-protocols-"));
  try {
    const day = join(dir, "day.pcap");
    const sim = simulateTraffic(SIMULATION, day);
    console.error(`capture: ${sim.packets.toLocaleString("en")} packets, ${(sim.bytes / 1e6).toFixed(0)} MB`);
    const files = SIZES.filter((n) => n < sim.packets).map((n) => {
      const file = join(dir, `first-${n}.pcap`);
      execFileSync("editcap", ["-r", day, file, `1-${n}`]);
      return { packets: n, file };
    });
    files.push({ packets: sim.packets, file: day });
    const timeOut = join(dir, "time.txt");
    const growth = [];
    let rows: Record<string, number> = {};
    for (const { packets, file } of files) {
      const ours: Run[] = [];
      const ref: Run[] = [];
      for (let t = 0; t < TRIALS; t++) {
        const out = join(dir, `logs-${packets}-${t}`);
        const o = timed(process.execPath, ["-e", OURS, file, out], timeOut, "pipe");
        const parsed = JSON.parse(o.stdout.trim().split("\n").at(-1) as string) as {
          packets: number;
          rows: Record<string, number>;
        };
        if (parsed.packets !== packets) throw new Error(`ours read ${parsed.packets} packets of ${packets}`);
        rows = parsed.rows;
        rmSync(out, { recursive: true, force: true });
        ours.push(o);
        ref.push(
          timed(
            TSHARK,
            ["-r", file, "-T", "fields", ...TSHARK_FIELDS.flatMap((f) => ["-e", f])],
            timeOut,
            "ignore",
          ),
        );
        console.error(
          `${packets} packets, trial ${t + 1}/${TRIALS}: ours ${o.seconds.toFixed(2)} s ${o.peak_rss_mb.toFixed(0)} MB, ` +
            `tshark ${ref[t].seconds.toFixed(2)} s ${ref[t].peak_rss_mb.toFixed(0)} MB`,
        );
      }
      const s = median(ours.map((r) => r.seconds));
      const rs = median(ref.map((r) => r.seconds));
      const mb = Math.max(...ours.map((r) => r.peak_rss_mb));
      const rmb = Math.max(...ref.map((r) => r.peak_rss_mb));
      growth.push({
        packets,
        ours_seconds: round(s),
        tshark_seconds: round(rs),
        ratio: round(s / rs),
        ours_packets_per_second: Math.round(packets / s),
        tshark_packets_per_second: Math.round(packets / rs),
        ours_peak_rss_mb: Math.round(mb),
        tshark_peak_rss_mb: Math.round(rmb),
        memory_ratio: round(mb / rmb),
      });
    }
    const all = growth.at(-1) as (typeof growth)[number];
    writeResult("protocols", {
      name: "protocols",
      metric:
        `simulated day (${sim.packets.toLocaleString("en")} packets, ${(sim.bytes / 1e6).toFixed(0)} MB) into every ` +
        `protocol log (conn, dns, http, ssl, ssh, ftp, smtp, weird; TSV on disk) vs tshark extracting the same fields, ` +
        `whole process (start-up included) each, median of ${TRIALS}`,
      ours: all.ours_seconds,
      reference: all.tshark_seconds,
      reference_tool: `tshark ${version} -T fields (${TSHARK_FIELDS.length} protocol fields, TCP reassembly on)`,
      unit: "s",
      ratio: all.ratio,
      rows: sim.packets,
      date: new Date().toISOString(),
      packets_per_second: { ours: all.ours_packets_per_second, reference: all.tshark_packets_per_second },
      memory: {
        metric: "peak RSS of the whole process (runtime included), max over trials",
        ours_mb: all.ours_peak_rss_mb,
        reference_mb: all.tshark_peak_rss_mb,
        ratio: all.memory_ratio,
      },
      growth,
      log_rows: rows,
      goal: "at most 0.2x tshark's time and at most its memory",
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) main();
