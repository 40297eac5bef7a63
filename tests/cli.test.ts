/**
 * The `detective` command as a user runs it: the built `lib/dist/cli/main.js` in a child process,
 * its exit codes (0 success, 2 usage error, 1 failure), one-line errors and `--debug`, and the
 * monitor replaying a capture with a signed bundle.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { BUNDLE_KEY_ENV, readBundle, saveBundle, simulateTraffic, trainBundle } from "../lib/index";

const ROOT = join(__dirname, "..");
const MAIN = join(ROOT, "lib", "dist", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "detective-cli-"));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `detective ARGS` from the repository root, without a bundle key unless `env` gives one. */
function detective(args: string[], env: Record<string, string> = {}): Run {
  const clean = { ...process.env };
  delete clean[BUNDLE_KEY_ENV];
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: ROOT,
    env: { ...clean, ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lines = (text: string): string[] => text.split("\n").filter(Boolean);
const STACK = /^\s+at /m;

before(() => {
  // The tests run the built CLI: bring lib/dist up to date (incremental, quick when it is).
  execFileSync(join(ROOT, "node_modules", ".bin", "tsc"), ["-b", "lib"], { cwd: ROOT, stdio: "inherit" });
});

test("--version prints the library's version; help and COMMAND --help print the usage", () => {
  const version = (JSON.parse(readFileSync(join(ROOT, "lib", "package.json"), "utf8")) as { version: string })
    .version;
  const v = detective(["--version"]);
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), version);
  const help = detective(["help"]);
  assert.equal(help.code, 0);
  for (const command of ["fetch", "datasets", "simulate", "study", "report", "train", "monitor", "logs"]) {
    assert.match(help.stdout, new RegExp(`detective ${command}`));
  }
  const monitor = detective(["monitor", "--help"]);
  assert.equal(monitor.code, 0);
  assert.match(monitor.stdout, /--speed X/);
  assert.doesNotMatch(monitor.stdout, /detective simulate/, "one command's usage");
});

test("usage errors exit 2 with one line naming the problem", () => {
  const unknown = detective(["foo"]);
  assert.equal(unknown.code, 2);
  assert.deepEqual(lines(unknown.stderr), [
    'detective: unknown command "foo"; run `detective help` (commands: fetch, datasets, simulate, study, report, train, monitor, logs).',
  ]);
  const flag = detective(["simulate", "--out", join(dir, "x.pcap"), "--frobnicate", "1"]);
  assert.equal(flag.code, 2);
  assert.equal(lines(flag.stderr).length, 1);
  assert.match(flag.stderr, /unknown flag "--frobnicate"; it takes --out, --seed, --start, --duration/);
  const none = detective([]);
  assert.equal(none.code, 2, "no command");
  const range = detective([
    "train",
    "--benchmark",
    "simulated",
    "--detector",
    "Mahalanobis",
    "--out",
    "b.json",
    "--fpr",
    "1.5",
  ]);
  assert.equal(range.code, 2);
  assert.deepEqual(lines(range.stderr), ["detective: train --fpr must be in (0, 1), got 1.5."]);
});

test("simulate --duration 600 --attacks every: exit 2 naming the 2,100 s minimum, no stack, no file", () => {
  const out = join(dir, "short.pcap");
  const r = detective(["simulate", "--duration", "600", "--attacks", "every", "--out", out]);
  assert.equal(r.code, 2);
  assert.equal(lines(r.stderr).length, 1, r.stderr);
  assert.match(r.stderr, /--attacks every needs --duration 2100 or more \(seconds\), got 600/);
  assert.doesNotMatch(r.stderr, STACK);
  assert.equal(existsSync(out), false);
});

test("a missing bundle is named as missing: exit 1, one line; --debug adds the stack trace", () => {
  const missing = join(dir, "missing.json");
  const r = detective(["monitor", "--bundle", missing, "--pcap", join(dir, "none.pcap")]);
  assert.equal(r.code, 1);
  assert.deepEqual(lines(r.stderr), [
    `detective: model bundle ${missing} does not exist. Make one with \`detective train --benchmark simulated --detector Mahalanobis --out ${missing}\`.`,
  ]);
  const debug = detective(["monitor", "--debug", "--bundle", missing, "--pcap", join(dir, "none.pcap")]);
  assert.equal(debug.code, 1);
  assert.match(debug.stderr, /does not exist/);
  assert.match(debug.stderr, STACK);
  assert.match(debug.stderr, /at readBundle/);
});

test("monitor --bundle B --pcap F --speed 1000 replays a capture; a key file verifies the signed bundle", async () => {
  const bundle = await trainBundle({ benchmark: "simulated", detector: "Mahalanobis", seed: 1 });
  const keyFile = join(dir, "bundle.key");
  writeFileSync(keyFile, "0123456789abcdef0123456789abcdef\n", { mode: 0o600 });
  const train = detective(["train", "--help"]); // the key flags are documented where they apply
  assert.match(train.stdout, /--key-file FILE/);
  const signed = join(dir, "signed.json");
  const unsigned = join(dir, "unsigned.json");
  saveBundle(bundle, signed, { key: { secret: "0123456789abcdef0123456789abcdef" } });
  saveBundle(bundle, unsigned);
  assert.equal(readBundle(signed).signature, "unverified");
  const capture = simulateTraffic(
    {
      seed: 3,
      durationSeconds: 300,
      attacks: [{ scenario: "port_scan", startSeconds: 120, durationSeconds: 60 }],
    },
    join(dir, "scan.pcap"),
  );
  const alerts = join(dir, "alerts.jsonl");
  const rejects = join(dir, "rejects.jsonl");
  const logs = ["--alerts", alerts, "--rejects", rejects, "--quiet"];
  const r = detective([
    "monitor",
    "--bundle",
    signed,
    "--key-file",
    keyFile,
    "--pcap",
    capture.pcap,
    "--speed",
    "1000",
    ...logs,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /signature verified \(key file /);
  assert.ok(
    lines(r.stderr).some((l) => l.startsWith(`monitor: ${capture.packets} packets, `)),
    `the monitor reports all ${capture.packets} packets:\n${r.stderr}`,
  );
  const stats = JSON.parse((lines(r.stderr).findLast((l) => l.startsWith("stats ")) ?? "").slice(6)) as {
    processed: number;
    alerts: number;
  };
  assert.ok(stats.processed > 100, `${stats.processed} records scored`);
  assert.ok(stats.alerts > 0, "the port scan alerts");
  assert.ok(existsSync(alerts), "the alert log exists");
  assert.ok(lines(readFileSync(alerts, "utf8")).length > 0);

  // The key in the environment does the same; an unsigned bundle is refused when a key is configured.
  const env = { [BUNDLE_KEY_ENV]: "0123456789abcdef0123456789abcdef" };
  const refused = detective(["monitor", "--bundle", unsigned, "--pcap", capture.pcap, ...logs], env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /is not signed, and a bundle key is configured \(\$DETECTIVE_BUNDLE_KEY\)/);
  assert.equal(lines(refused.stderr).length, 1);
  const wrong = detective(["monitor", "--bundle", signed, "--pcap", capture.pcap, ...logs], {
    [BUNDLE_KEY_ENV]: "not the key that signed this bundle",
  });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /signature does not verify/);
  // Without a key the signed bundle runs, with a warning that its signature was not checked; with
  // --protocol-logs it writes Zeek-style logs beside the alerts, one conn line per scored record.
  const protocolLogs = join(dir, "protocol-logs");
  const unchecked = detective([
    "monitor",
    "--bundle",
    signed,
    "--pcap",
    capture.pcap,
    ...logs,
    "--protocol-logs",
    protocolLogs,
    "--log-format",
    "json",
  ]);
  assert.equal(unchecked.code, 0, unchecked.stderr);
  assert.match(unchecked.stderr, /warning: the bundle is signed but its signature was not verified/);
  const scored = JSON.parse(
    (lines(unchecked.stderr).findLast((l) => l.startsWith("stats ")) ?? "").slice(6),
  ) as {
    processed: number;
  };
  const conn = lines(readFileSync(join(protocolLogs, "conn.log"), "utf8")).map(
    (l) => JSON.parse(l) as { uid: string },
  );
  assert.equal(conn.length, scored.processed, "a conn line per connection record the monitor scored");
  const dnsLines = lines(readFileSync(join(protocolLogs, "dns.log"), "utf8"));
  assert.ok(
    dnsLines.length > 0 &&
      dnsLines.every((l) => typeof (JSON.parse(l) as { query?: string }).query === "string"),
  );
});

test("monitor --listen: a secret with UDP, a secret file others can read and a bad --allow-from are refused in one line", async () => {
  const bundle = await trainBundle({ benchmark: "simulated", detector: "Mahalanobis", seed: 1 });
  const path = join(dir, "listen-bundle.json");
  saveBundle(bundle, path);
  const secret = join(dir, "monitor.secret");
  writeFileSync(secret, "0123456789abcdef0123456789abcdef\n", { mode: 0o600 });
  const logs = [
    "--alerts",
    join(dir, "l-alerts.jsonl"),
    "--rejects",
    join(dir, "l-rejects.jsonl"),
    "--quiet",
  ];
  const monitor = (...args: string[]): Run => detective(["monitor", "--bundle", path, ...logs, ...args]);
  const help = detective(["monitor", "--help"]);
  for (const flag of [
    "--allow-from CIDR,...",
    "--secret-file FILE",
    "--idle-timeout X",
    "--max-connections-per-address N",
    "--max-unauthenticated N",
    "--max-consecutive-rejects N",
    "--displace-idle X",
  ])
    assert.ok(help.stdout.includes(flag), flag);
  const udp = monitor("--listen", "udp", "--secret-file", secret);
  assert.equal(udp.code, 2);
  assert.match(
    udp.stderr,
    /a shared secret authenticates TCP connections, and UDP has none: use transport "tcp"/,
  );
  const cidr = monitor("--listen", "tcp", "--allow-from", "10.0.0.0/8,10.1.2.3/40");
  assert.equal(cidr.code, 2);
  assert.match(cidr.stderr, /allowFrom \(--allow-from\): bad prefix "10\.1\.2\.3\/40"/);
  if (process.platform !== "win32") {
    const loose = join(dir, "loose.secret");
    writeFileSync(loose, "0123456789abcdef0123456789abcdef\n", { mode: 0o644 });
    const r = monitor("--listen", "tcp", "--secret-file", loose);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /secret file .*loose\.secret is accessible by group or others \(mode 0644\); .*chmod 600/,
    );
    assert.doesNotMatch(r.stderr, STACK);
  }
});

test("monitor --listen: bad socket flags are refused in one line before the bundle is read or a log created", () => {
  const alerts = join(dir, "early-alerts.jsonl");
  const rejects = join(dir, "early-rejects.jsonl");
  const secret = join(dir, "early.secret");
  writeFileSync(secret, "0123456789abcdef0123456789abcdef\n", { mode: 0o600 });
  // The bundle does not exist: each flag's error comes first.
  const monitor = (...args: string[]): Run =>
    detective([
      "monitor",
      "--bundle",
      join(dir, "no-such-bundle.json"),
      "--alerts",
      alerts,
      "--rejects",
      rejects,
      ...args,
    ]);
  for (const [args, message] of [
    [["--listen", "tcp", "--allow-from", "10.0.0.0/33"], /bad prefix "10\.0\.0\.0\/33"/],
    [["--listen", "udp", "--secret-file", secret], /UDP has none/],
    [["--listen", "tcp", "--host", "8.8.8.8"], /host "8\.8\.8\.8" is not a loopback address/],
    [["--listen", "udp", "--recv-buffer", "99999999999999"], /--recv-buffer must be in \[1, 2147483647\]/],
  ] as const) {
    const r = monitor(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(lines(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(existsSync(alerts) || existsSync(rejects), false, "no log created");
  }
});
