/**
 * `detective monitor` against time itself: a capture whose packets jump years ahead must not
 * freeze the volume watch, Ctrl-C and SIGTERM stop the monitor at once whatever it is doing (with
 * what was read scored and logged), and a capture with nothing readable is an error, not "0 packets".
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { PcapWriter, simulateTraffic } from "../lib";
import { saveVolumeWatchBundle } from "../lib/testing/bundles";

const MAIN = resolve(__dirname, "../lib/dist/cli/main.js");
const dir = mkdtempSync(join(tmpdir(), "detective-stop-"));
const TEN_YEARS = 315_360_000;

/** A bundle with a volume watch on 10 s intervals (the watch the time jump used to freeze). */
const bundlePath = saveVolumeWatchBundle(dir);

/**
 * A 10-minute simulated capture (classic little-endian pcap); `jumpAt` shifts every packet record
 * from that index on by ten years, as `editcap -t` would.
 */
function capture(name: string, jumpAt = Number.POSITIVE_INFINITY): string {
  const sim = simulateTraffic({ seed: 5, durationSeconds: 600, workstations: 4 }, join(dir, `${name}.pcap`));
  const bytes = readFileSync(sim.pcap);
  for (let at = 24, i = 0; at + 16 <= bytes.length; i++) {
    if (i >= jumpAt) bytes.writeUInt32LE(bytes.readUInt32LE(at) + TEN_YEARS, at);
    at += 16 + bytes.readUInt32LE(at + 8);
  }
  writeFileSync(sim.pcap, bytes);
  return sim.pcap;
}

function monitorArgs(bundle: string, pcap: string, name: string): string[] {
  return [
    MAIN,
    "monitor",
    "--bundle",
    bundle,
    "--pcap",
    pcap,
    "--alerts",
    join(dir, `${name}-alerts.jsonl`),
    "--rejects",
    join(dir, `${name}-rejects.jsonl`),
    "--quiet",
  ];
}

/** Resolves with the exit code and stderr once `child` exits. */
function exited(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((done) => child.on("exit", (code) => done({ code, stderr })));
}

/**
 * Waits until the monitor's stderr so far (accumulated across chunks) satisfies `seen`; fails,
 * with what was printed, after 60 s (a hang guard) or when the monitor exits first.
 */
function waitFor(child: ChildProcess, seen: (stderr: string) => boolean): Promise<void> {
  let text = "";
  return new Promise((done, fail) => {
    const stop = (why: string): void => {
      clearTimeout(timer);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
      if (why) fail(new Error(`${why}; stderr so far: ${text}`));
      else done();
    };
    const onData = (d: Buffer): void => {
      text += d.toString();
      if (seen(text)) stop("");
    };
    const onExit = (): void => stop("the monitor exited first");
    const timer = setTimeout(() => stop("not seen within 60 s"), 60_000);
    child.stderr?.on("data", onData);
    child.on("exit", onExit);
  });
}

/** The `received` counts of the stats lines printed so far. */
const receivedCounts = (stderr: string): number[] =>
  [...stderr.matchAll(/^stats .*?"received":(\d+)/gm)].map((m) => Number(m[1]));

test("packets ten years ahead: the volume watch jumps the gap, logs a time.jump notice, and the replay finishes", async () => {
  const bundle = await bundlePath;
  const pcap = capture("jump", 1000);
  const r = spawnSync(process.execPath, monitorArgs(bundle, pcap, "jump"), {
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const notices = readFileSync(join(dir, "jump-alerts.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { type: string; note?: string; message?: string })
    .filter((e) => e.type === "notice");
  assert.equal(notices.length, 1, "one break in time, one notice");
  assert.equal(notices[0].note, "time.jump");
  assert.match(notices[0].message ?? "", /jumped ahead 10\.0 years/);
  const stats = JSON.parse(
    r.stderr
      .trim()
      .split("\n")
      .at(-1)!
      .replace(/^stats /, ""),
  ) as {
    notices: Record<string, number>;
  };
  assert.deepEqual(stats.notices, { "time.jump": 1 });
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  test(`${signal} stops a paced replay waiting ten years for its next packet; what was read is scored and logged`, async () => {
    const bundle = await bundlePath;
    const pcap = capture(`wait-${signal}`, 1000);
    const child = spawn(process.execPath, [
      ...monitorArgs(bundle, pcap, signal),
      "--speed",
      "1000",
      "--stats-seconds",
      "0.1",
    ]);
    const result = exited(child);
    // 600 s of capture at speed 1000 (0.6 s), then the wait: received stops growing
    await waitFor(child, (stderr) => {
      const counts = receivedCounts(stderr);
      return counts.length >= 3 && counts.at(-1)! > 0 && counts.slice(-3).every((c) => c === counts.at(-1));
    });
    const t0 = performance.now();
    child.kill(signal);
    const { code, stderr } = await result;
    const ms = performance.now() - t0;
    assert.equal(code, 0, stderr);
    assert.ok(ms < 5000, `exited ${ms.toFixed(0)} ms after ${signal}`); // a hang guard; the goal is < 1 s
    assert.match(stderr, new RegExp(`${signal}: stopping`));
    assert.match(stderr, /monitor: 1000 packets, \d+ connection records/);
    const processed = (
      JSON.parse(
        stderr
          .trim()
          .split("\n")
          .at(-1)!
          .replace(/^stats /, ""),
      ) as { processed: number }
    ).processed;
    assert.ok(processed > 0, "the records read were scored");
  });
}

test("a capture with nothing readable is an error naming why; skipped records are reported", async () => {
  const bundle = await bundlePath;
  const skipped = join(dir, "unknown-link.pcap");
  const w = new PcapWriter(skipped, { linkType: 147 });
  for (let i = 0; i < 20; i++) w.write(1_772_532_000 + i, new Uint8Array(60));
  w.close();
  let r = spawnSync(process.execPath, monitorArgs(bundle, skipped, "skipped"), { encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /20 of 20 records skipped \(unsupported link type 147 20\)/);
  assert.match(r.stderr, /detective: none of the 20 records of .*unknown-link\.pcap could be read/);
  const empty = join(dir, "empty.pcap");
  new PcapWriter(empty).close();
  r = spawnSync(process.execPath, monitorArgs(bundle, empty, "empty"), { encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /empty\.pcap holds no packets; nothing was monitored/);
});

test(
  "kill -9 of a live-capturing monitor leaves no tshark or dumpcap behind",
  {
    skip: process.getuid?.() !== 0 ? "live capture needs root" : false,
  },
  async () => {
    const bundle = await bundlePath;
    const filter = "udp port 59183"; // names this test's capture processes
    const child = spawn(process.execPath, [
      MAIN,
      "monitor",
      "--bundle",
      bundle,
      "--interface",
      "lo",
      "--filter",
      filter,
      "--alerts",
      join(dir, "live-alerts.jsonl"),
      "--rejects",
      join(dir, "live-rejects.jsonl"),
      "--quiet",
    ]);
    const result = exited(child);
    await waitFor(child, (stderr) => stderr.includes("capturing on lo"));
    const capturing = (): string =>
      spawnSync("pgrep", ["-af", filter], { encoding: "utf8" })
        .stdout.split("\n")
        .filter((l) => /tshark|dumpcap/.test(l))
        .join("\n");
    assert.match(capturing(), /dumpcap/, "dumpcap runs while the monitor captures");
    child.kill("SIGKILL");
    await result;
    const deadline = Date.now() + 10_000;
    while (capturing() !== "" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(capturing(), "", "the capture processes ended with the monitor");
  },
);
