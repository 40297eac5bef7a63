/**
 * Hostile command lines against the built CLI (`lib/dist/cli/main.js` in a child process): bad
 * output paths for every command that writes a file, flags taken as values, bad numbers, wrong
 * enums, conflicting sources, a re-checksummed bundle with a text threshold. Each must end with
 * exit code 2 (usage) or 1 (failure) and a short stderr naming the problem, never a stack trace,
 * and none may write anything or do the command's work first.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { BUNDLE_KEY_ENV, saveBundle, trainBundle } from "../lib/index";

const ROOT = join(__dirname, "..");
const MAIN = join(ROOT, "lib", "dist", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "detective-cli-bad-"));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stderr: string;
}

/** Runs `detective ARGS` from the repository root without a bundle key; `prefix` runs it under another program. */
function detective(args: readonly string[], prefix: readonly string[] = []): Run {
  const env = { ...process.env };
  delete env[BUNDLE_KEY_ENV];
  const [command, ...rest] = [...prefix, process.execPath, MAIN, ...args];
  const r = spawnSync(command, rest, { cwd: ROOT, env, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stderr: r.stderr };
}

const lines = (text: string): string[] => text.split("\n").filter(Boolean);
const STACK = /^\s+at /m;

/** Exit code 1 or 2 (`code` when given), 1 to 3 lines of stderr, no stack frame; `names` must appear. */
function assertRefused(
  r: Run,
  what: string,
  expected: { code?: 1 | 2; names?: readonly (string | RegExp)[] } = {},
) {
  const context = `${what}\n--- stderr:\n${r.stderr}`;
  assert.notEqual(r.code, null, `${context}\n(it did not end within the timeout)`);
  if (expected.code !== undefined) assert.equal(r.code, expected.code, context);
  else assert.ok(r.code === 1 || r.code === 2, `exit code ${r.code}: ${context}`);
  const printed = lines(r.stderr);
  assert.ok(printed.length >= 1 && printed.length <= 3, `${printed.length} lines: ${context}`);
  assert.doesNotMatch(r.stderr, STACK, context);
  assert.doesNotMatch(r.stderr, /unexpected error/, context);
  for (const name of expected.names ?? []) {
    if (typeof name === "string") assert.ok(r.stderr.includes(name), `names ${name}: ${context}`);
    else assert.match(r.stderr, name, context);
  }
}

const file = join(dir, "afile.txt");
const missing = join(dir, "missing-folder");
let bundle = "";
let hostile = "";

before(async () => {
  execFileSync(join(ROOT, "node_modules", ".bin", "tsc"), ["-b", "lib"], { cwd: ROOT, stdio: "inherit" });
  writeFileSync(file, "not a folder\n");
  bundle = join(dir, "bundle.json");
  saveBundle(await trainBundle({ benchmark: "simulated", detector: "ZScore", seed: 1 }), bundle);
  // The red team's bundle: a text threshold, the checksum recomputed so that only the schema finds it.
  const json = JSON.parse(readFileSync(bundle, "utf8")) as {
    sha256: string;
    content: { threshold: unknown };
  };
  json.content.threshold = String(json.content.threshold);
  json.sha256 = createHash("sha256").update(JSON.stringify(json.content)).digest("hex");
  hostile = join(dir, "hostile.json");
  writeFileSync(hostile, JSON.stringify(json));
});

const TRAIN = ["train", "--benchmark", "simulated", "--detector", "ZScore"];
const SIM = ["simulate", "--duration", "10"];

test("every command that writes refuses a folder, a missing folder and a file-as-folder: exit 1, one line naming the path", () => {
  const cases: [string[], string][] = [];
  for (const [command, out] of [
    [SIM, "--out"],
    [TRAIN, "--out"],
    [["study", "--quick"], "--out"],
  ] as const) {
    cases.push(
      [[...command, out, dir], `${dir} is a folder; give the path of a file`],
      [[...command, out, join(missing, "x.out")], `folder ${missing} does not exist; create it`],
      [[...command, out, join(file, "x.out")], `${file} is a file, not a folder`],
    );
  }
  cases.push(
    [["report", "--no-pdf", "--out", file], `report --out ${file} is a file, not a folder`],
    [["report", "--no-pdf", "--out", join(missing, "r")], `folder ${missing} does not exist; create it`],
  );
  for (const [args, message] of cases) {
    const r = detective(args);
    assertRefused(r, args.join(" "), { code: 1, names: [message] });
    assert.equal(lines(r.stderr).length, 1, r.stderr);
  }
  assert.equal(existsSync(missing), false, "no folder is created");
});

test("permission denied (as the user nobody): exit 1, one line naming the path and what to do", (t) => {
  const nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"];
  if (process.getuid?.() !== 0) return t.skip("needs root to run the CLI as nobody (setpriv)");
  if (spawnSync("setpriv", ["--version"]).status !== 0) return t.skip("setpriv is not installed");
  chmodSync(dir, 0o755);
  if (detective(["--version"], nobody).code !== 0)
    return t.skip(`nobody cannot run ${MAIN} (the checkout is not readable by other users)`);
  const locked = join(dir, "locked");
  mkdirSync(locked, { mode: 0o755 }); // root's: nobody may read but not write
  const existing = join(locked, "existing.json");
  writeFileSync(existing, "{}\n", { mode: 0o644 });
  const cases: [string[], string][] = [
    [
      [...SIM, "--out", join(locked, "x.pcap")],
      `simulate --out ${join(locked, "x.pcap")}: cannot create files in ${locked} (EACCES)`,
    ],
    [[...TRAIN, "--out", join(locked, "b.json")], `cannot create files in ${locked} (EACCES)`],
    [[...TRAIN, "--out", existing], `train --out: cannot write ${existing} (EACCES)`],
    [["study", "--quick", "--out", join(locked, "r.json")], `cannot create files in ${locked} (EACCES)`],
    [["report", "--no-pdf", "--out", locked], `report --out: cannot write into ${locked} (EACCES)`],
    [["report", "--no-pdf", "--out", join(locked, "r")], `cannot create files in ${locked} (EACCES)`],
  ];
  for (const [args, message] of cases) {
    const r = detective(args, nobody);
    assertRefused(r, args.join(" "), { code: 1, names: [message, "Give this user write access"] });
  }
});

test("a bundle re-checksummed with a text threshold: exit 1, one line naming the field, and the monitor ends", () => {
  const capture = join(dir, "none.pcap");
  writeFileSync(capture, "");
  const logs = ["--alerts", join(dir, "a.jsonl"), "--rejects", join(dir, "r.jsonl")];
  const r = detective(["monitor", "--bundle", hostile, "--pcap", capture, "--quiet", ...logs]);
  assertRefused(r, "monitor with a hostile bundle", {
    code: 1,
    names: [/bundle\.content\.threshold must be a finite number, got string "[\d.]+"/, "detective train"],
  });
  assert.equal(lines(r.stderr).length, 1, r.stderr);
  for (const value of ["null", "[]", "7", "{}"]) {
    const path = join(dir, `bundle-${value.length}-${value.charCodeAt(0)}.json`);
    writeFileSync(path, value);
    const v = detective(["monitor", "--bundle", path, "--pcap", capture, "--quiet", ...logs]);
    assertRefused(v, `bundle ${value}`, { code: 1, names: ["not a Detective model bundle", path] });
  }
});

/** [command line, the text stderr must include (optional)]: each ends with exit 1 or 2, no stack. */
function badLines(): [string[], (string | RegExp)?][] {
  const out = join(dir, "never.pcap");
  const b = join(dir, "never.json");
  // Every monitor line names its logs, so none is created in the checkout (the default is the current folder).
  let logs = 0;
  const mon = (): string[] => {
    logs++;
    return [
      "monitor",
      "--bundle",
      bundle,
      "--alerts",
      join(dir, `a${logs}.jsonl`),
      "--rejects",
      join(dir, `r${logs}.jsonl`),
    ];
  };
  return [
    // commands and flags
    [["nope"], 'unknown command "nope"'],
    [["help", "nope"], 'unknown command "nope"'],
    [["simulate", "--out", out, "--frob"], '"--frob"'],
    [["simulate", "--out", out, "stray"], '"stray"'],
    [["simulate", "--out", out, "-x"], '"-x"'],
    [["simulate", "--out", out, "--seed", "1", "--seed", "2"], "given twice"],
    [["datasets", "--all"], '"--all"'],
    [["fetch", "--bogus"], '"--bogus"'],
    [["study", "extra"], '"extra"'],
    [["report", "--pdf"], '"--pdf"'],
    // missing values and flags taken as values
    [["simulate"], "needs --out"],
    [["simulate", "--out"], "--out needs a value"],
    [["simulate", "--out", "--seed", "3"], "--out needs a value"],
    [["train", "--out", "--seed", "--benchmark", "simulated", "--detector", "ZScore"], "--out needs a value"],
    [
      ["train", "--benchmark", "simulated", "--detector", "ZScore", "--out", b, "--seed"],
      "--seed needs a value",
    ],
    [["train", "--benchmark", "simulated", "--out", b], "needs --detector"],
    [["monitor", "--pcap", out], "needs --bundle"],
    [["monitor", "--bundle", "--pcap", out], "--bundle needs a value"],
    [["monitor", "--bundle", b], "needs one SOURCE"],
    [["fetch", "--mirror"], "--mirror needs a value"],
    [["fetch", "--only"], "--only needs a value"],
    [["report", "--results"], "--results needs a value"],
    [["study", "--config", "--quick"], "--config needs a value"],
    // empty strings
    [["simulate", "--out", ""], "got an empty one"],
    [["simulate", "--out="], "got an empty one"],
    [["simulate", "--out", out, "--start", ""], "got an empty one"],
    [["train", "--benchmark", "", "--detector", "ZScore", "--out", b], "--benchmark must be one of"],
    [["fetch", "--only", ""], "needs at least one item"],
    [["fetch", "--only", ",,"], "needs at least one item"],
    [[...mon(), "--pcap", ""], "got an empty one"],
    [["study", "--out", "", "--quick"], "got an empty one"],
    // numbers: overflow, NaN, signs, hex, spaces, fractions, huge, zero and negative counts
    [["simulate", "--out", out, "--duration", "1e400"], '--duration must be a number, got "1e400"'],
    [["simulate", "--out", out, "--duration", "NaN"], "--duration must be a number"],
    [["simulate", "--out", out, "--duration", "Infinity"], "--duration must be a number"],
    [["simulate", "--out", out, "--duration", "-0"], "--duration must be"],
    [["simulate", "--out", out, "--duration", "0"], "--duration must be"],
    [["simulate", "--out", out, "--duration", "-60"], "--duration must be"],
    [["simulate", "--out", out, "--duration", "1e12"], "--duration must be"],
    [["simulate", "--out", out, "--duration", "0x10"], '"0x10"'],
    [["simulate", "--out", out, "--duration", " 10"], "--duration must be a number"],
    [["simulate", "--out", out, "--duration", "10s"], "--duration must be a number"],
    [["simulate", "--out", out, "--workstations", "-3"], "--workstations must be in [1, 250], got -3"],
    [["simulate", "--out", out, "--workstations=-3"], "--workstations must be in [1, 250], got -3"],
    [["simulate", "--out", out, "--workstations", "0"], "--workstations must be in [1, 250]"],
    [["simulate", "--out", out, "--workstations", "-0"], "--workstations must be in [1, 250]"],
    [["simulate", "--out", out, "--workstations", "2.5"], "--workstations must be a whole number"],
    [["simulate", "--out", out, "--workstations", "1e999"], "--workstations must be a whole number"],
    [["simulate", "--out", out, "--intensity", "0"], "--intensity must be"],
    [["simulate", "--out", out, "--intensity", "1e300"], "--intensity must be in (0, 100]"],
    [["simulate", "--out", out, "--seed", "-1"], "--seed must be in [0, 4294967295]"],
    [["simulate", "--out", out, "--seed", "99999999999999999999"], "--seed must be a whole number"],
    [["simulate", "--out", out, "--seed", "4294967296"], "--seed must be in [0, 4294967295]"],
    [["simulate", "--out", out, "--start", "yesterday"], '"yesterday" is not an ISO 8601 time'],
    [["simulate", "--out", out, "--attacks", "port_scan"], '"port_scan" is not none, every or'],
    [
      ["simulate", "--out", out, "--attacks", "port_scan@5+100", "--duration", "60"],
      "outside the 60 s capture",
    ],
    [["simulate", "--out", out, "--attacks", "every", "--duration", "600"], "needs --duration 2100"],
    [[...TRAIN, "--out", b, "--fpr", "0"], "--fpr must be in (0, 1)"],
    [[...TRAIN, "--out", b, "--fpr", "1"], "--fpr must be in (0, 1)"],
    [[...TRAIN, "--out", b, "--fpr", "-0.1"], "--fpr must be in (0, 1)"],
    [[...TRAIN, "--out", b, "--fpr", "1%"], "--fpr must be a number"],
    [[...TRAIN, "--out", b, "--series", "EwmaChart", "--interval", "0"], "--interval must be in [1, 86400]"],
    [[...TRAIN, "--out", b, "--interval", "10"], "--interval applies only with --series"],
    [
      ["train", "--benchmark", "kdd99", "--detector", "ZScore", "--out", b, "--series", "EwmaChart"],
      "--series needs --benchmark simulated",
    ],
    [[...mon(), "--listen", "tcp", "--port", "0"], "--port must be in [1, 65535], got 0"],
    [[...mon(), "--listen", "tcp", "--port", "65536"], "--port must be in [1, 65535]"],
    [[...mon(), "--listen", "tcp", "--port", "-1"], "--port must be in [1, 65535]"],
    [[...mon(), "--pcap", out, "--speed", "0"], "--speed must be >= 0.001"],
    [[...mon(), "--pcap", out, "--speed", "-1"], "--speed must be >= 0.001"],
    [[...mon(), "--dataset", "nsl-test", "--rate", "0"], "--rate must be >= 0.01"],
    [[...mon(), "--pcap", out, "--stats-seconds", "0"], "--stats-seconds must be in"],
    [[...mon(), "--pcap", out, "--stats-seconds", "1e400"], "--stats-seconds must be a number"],
    [[...mon(), "--pcap", out, "--alerts-per-incident", "0"], "--alerts-per-incident must be"],
    [[...mon(), "--pcap", out, "--alerts-per-incident", "some"], "must be a whole number or all"],
    [[...mon(), "--pcap", out, "--warmup", "-1"], "--warmup must be >= 0"],
    [[...mon(), "--interface", "lo", "--duration", "0"], "--duration must be > 0"],
    // enums
    [["train", "--benchmark", "kdd", "--detector", "ZScore", "--out", b], "--benchmark must be one of"],
    [["train", "--benchmark", "simulated", "--detector", "zscore", "--out", b], "--detector must be one of"],
    [[...TRAIN, "--out", b, "--series", "Nope"], "--series must be one of"],
    [
      [...TRAIN, "--out", b, "--series", "EwmaChart", "--interval", "1e-9"],
      "--interval must be in [1, 86400]",
    ],
    [
      [...TRAIN, "--out", b, "--series", "EwmaChart", "--interval", "1e9"],
      "--interval must be in [1, 86400]",
    ],
    [[...mon(), "--listen", "sctp"], "--listen must be one of tcp, udp"],
    [["fetch", "--only", "nope"], 'unknown dataset "nope"'],
    [["simulate", "--out", out, "--debug=maybe"], "--debug takes no value"],
    [["report", "--no-pdf=maybe"], "--no-pdf takes no value"],
    // two sources, flags without the flag they apply to
    [[...mon(), "--pcap", out, "--dataset", "nsl-test"], "--pcap and --dataset cannot be used together"],
    [[...mon(), "--listen", "tcp", "--interface", "lo"], "cannot be used together"],
    [[...mon(), "--pcap", out, "--port", "9000"], "--port applies only with --listen"],
    [[...mon(), "--dataset", "nsl-test", "--speed", "2"], "--speed applies only with --pcap"],
    // paths that are folders or missing, for files read
    [["monitor", "--bundle", dir, "--pcap", out], `model bundle ${dir} is not a regular file (a folder)`],
    [["monitor", "--bundle", b, "--pcap", out], `model bundle ${b} does not exist`],
    [[...mon(), "--pcap", dir, "--quiet"], `${dir}: could not read the capture`],
    [[...mon(), "--pcap", join(dir, "none.pcap"), "--quiet"], "none.pcap"],
    [["monitor", "--bundle", bundle, "--pcap", out, "--alerts", dir], `cannot open the log ${dir} (EISDIR)`],
    [
      ["monitor", "--bundle", bundle, "--pcap", out, "--alerts", join(dir, "a.jsonl"), "--rejects", dir],
      `cannot open the log ${dir} (EISDIR)`,
    ],
    [[...mon(), "--pcap", out, "--scores", dir], `cannot open the log ${dir} (EISDIR)`],
    [[...mon(), "--dataset", "nope", "--quiet"], 'unknown dataset "nope"'],
    [[...mon(), "--key-file", dir, "--pcap", out], `key file ${dir} is not a regular file`],
    [[...TRAIN, "--out", b, "--key-file", join(dir, "no.key")], "no.key does not exist"],
    [["study", "--quick", "--config", dir], dir],
    [["study", "--quick", "--config", join(dir, "no.json")], "no.json"],
    [["study", "--quick", "--config", file], file],
    [["report", "--no-pdf", "--results", dir], dir],
    [["report", "--no-pdf", "--results", join(dir, "no.json")], "no.json"],
  ];
}

test("bad command lines over every command: exit 1 or 2, a short stderr naming the problem, no stack trace", () => {
  const table = badLines();
  assert.ok(table.length >= 70, `${table.length} lines`);
  for (const [args, names] of table) {
    const r = detective(args);
    assertRefused(r, args.join(" "), { names: names === undefined ? [] : [names] });
  }
  assert.equal(existsSync(join(dir, "never.pcap")), false, "nothing was simulated");
  assert.equal(existsSync(join(dir, "never.json")), false, "nothing was trained");
});

/** `detective ARGS`, which must be refused (exit 1, one line naming `names`) within `seconds`. */
function refusedWithin(args: readonly string[], names: readonly (string | RegExp)[], seconds = 15): void {
  const start = performance.now();
  const r = detective(args);
  assertRefused(r, args.join(" "), { code: 1, names });
  assert.equal(lines(r.stderr).filter((l) => l.startsWith("detective:")).length, 1, r.stderr);
  assert.ok(performance.now() - start < seconds * 1000, `${args.join(" ")}: took too long`);
}

test("inputs that are not regular files (FIFO, /dev/zero, a folder) or too large: refused at once, one line", (t) => {
  if (process.platform !== "linux") return t.skip("needs mkfifo and /dev/zero");
  const fifo = join(dir, "in.fifo");
  execFileSync("mkfifo", ["-m", "600", fifo]);
  const huge = join(dir, "huge.json"); // sparse: 600 MB long, nothing on disk
  writeFileSync(huge, "");
  truncateSync(huge, 600 * 1024 * 1024);
  const logs = ["--alerts", join(dir, "in-a.jsonl"), "--rejects", join(dir, "in-r.jsonl"), "--quiet"];
  const capture = join(dir, "in.pcap");
  writeFileSync(capture, "");
  const mon = (b: string) => ["monitor", "--bundle", b, "--pcap", capture, ...logs];
  const cases: [string[], (string | RegExp)[]][] = [
    [mon(fifo), [`model bundle ${fifo} is not a regular file (a FIFO)`]],
    [mon("/dev/zero"), ["model bundle /dev/zero is not a regular file (a character device)"]],
    [mon(huge), [`model bundle ${huge} is 600 MiB (629145600 bytes), over the limit of 256 MiB`]],
    [[...mon(bundle), "--key-file", fifo], [`key file ${fifo} is not a regular file (a FIFO)`]],
    [
      [...TRAIN, "--out", join(dir, "k.json"), "--key-file", fifo],
      [`key file ${fifo} is not a regular file`],
    ],
    [
      ["monitor", "--bundle", bundle, "--listen", "tcp", "--port", "19403", "--secret-file", fifo, ...logs],
      [`secret file ${fifo} is not a regular file (a FIFO)`],
    ],
    [["report", "--no-pdf", "--results", fifo], [`study results ${fifo} is not a regular file (a FIFO)`]],
    [["report", "--no-pdf", "--results", "/dev/zero"], ["study results /dev/zero is not a regular file"]],
    [["report", "--no-pdf", "--results", huge], [/study results .* is 600 MiB .*over the limit of 500 MiB/]],
  ];
  for (const [args, names] of cases) refusedWithin(args, names);
  assert.equal(existsSync(join(dir, "k.json")), false, "nothing was trained");
});

test("outputs: a planted symbolic or hard link is replaced, never written through", (t) => {
  if (process.platform === "win32") return t.skip("POSIX links");
  const precious = join(dir, "precious");
  writeFileSync(precious, "precious\n");
  const link = join(dir, "l.json");
  const hard = join(dir, "h.json");
  symlinkSync(precious, link);
  linkSync(precious, hard);
  const pcap = join(dir, "l.pcap");
  symlinkSync(precious, pcap);
  symlinkSync(precious, join(dir, "l.labels.json"));
  for (const args of [
    [...TRAIN, "--out", link],
    [...TRAIN, "--out", hard],
    [...SIM, "--out", pcap],
  ]) {
    const r = detective(args);
    assert.equal(r.code, 0, `${args.join(" ")}\n${r.stderr}`);
  }
  assert.equal(readFileSync(precious, "utf8"), "precious\n");
  for (const path of [link, hard, pcap, join(dir, "l.labels.json")])
    assert.ok(lstatSync(path).isFile(), path);
  assert.match(readFileSync(link, "utf8"), /detective-model-bundle/);
});

test("outputs that are a FIFO, a device, or on /proc: refused before any work, one line", (t) => {
  if (process.platform !== "linux") return t.skip("needs mkfifo, /dev/full and /proc");
  const fifo = join(dir, "out.fifo");
  execFileSync("mkfifo", [fifo]);
  const cases: [string[], string][] = [
    [[...TRAIN, "--out", fifo], `train --out ${fifo} is not a regular file (a FIFO)`],
    [[...TRAIN, "--out", "/dev/full"], "train --out /dev/full is not a regular file (a character device)"],
    // /proc/self/comm is the child's own name: harmless, and refused before anything is written.
    [[...TRAIN, "--out", "/proc/self/comm"], "train --out /proc/self/comm is on /proc"],
    [[...SIM, "--out", fifo], `simulate --out ${fifo} is not a regular file (a FIFO)`],
    [[...SIM, "--out", "/proc/self/x.pcap"], "simulate --out /proc/self/x.pcap is on /proc"],
    [["study", "--quick", "--out", fifo], `study --out ${fifo} is not a regular file (a FIFO)`],
    [["study", "--quick", "--out", "/sys/kernel/x.json"], "study --out /sys/kernel/x.json is on /sys"],
    [["report", "--no-pdf", "--out", "/proc/self/r"], "report --out /proc/self/r is on /proc"],
  ];
  for (const [args, message] of cases) refusedWithin(args, [message, "choose"]);
});
