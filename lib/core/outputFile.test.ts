import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ConfigError, IoError } from "./errors";
import { checkOutputTarget, stageOutputs, writeOutputFile } from "./outputFile";

const dir = mkdtempSync(join(tmpdir(), "detective-output-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const linux = process.platform === "linux";

/** A fresh folder holding `precious` (the file an attacker wants overwritten). */
function scene(name: string): { folder: string; precious: string } {
  const folder = join(dir, name);
  mkdirSync(folder);
  const precious = join(folder, "precious");
  writeFileSync(precious, "precious\n");
  return { folder, precious };
}

test("writes a new file whole, mode 0644 (or as asked), and leaves no temporary file", () => {
  const { folder } = scene("new");
  const path = join(folder, "b.json");
  writeOutputFile(path, "{}\n", { what: "model bundle" });
  assert.equal(readFileSync(path, "utf8"), "{}\n");
  assert.deepEqual(readdirSync(folder).sort(), ["b.json", "precious"]);
  if (process.platform !== "win32") {
    assert.equal(statSync(path).mode & 0o077 & ~0o044, 0);
    writeOutputFile(join(folder, "s"), "x", { what: "secret", mode: 0o600 });
    assert.equal(statSync(join(folder, "s")).mode & 0o777, 0o600);
  }
});

test("a symbolic link at the target is replaced by the file, never written through", () => {
  const { folder, precious } = scene("symlink");
  const link = join(folder, "l.json");
  symlinkSync(precious, link);
  writeOutputFile(link, "bundle\n", { what: "model bundle" });
  assert.equal(readFileSync(precious, "utf8"), "precious\n");
  assert.ok(lstatSync(link).isFile());
  assert.equal(readFileSync(link, "utf8"), "bundle\n");
});

test("a hard link at the target is replaced: the other name keeps its content", () => {
  const { folder, precious } = scene("hardlink");
  const link = join(folder, "h.json");
  linkSync(precious, link);
  writeOutputFile(link, "bundle\n", { what: "model bundle" });
  assert.equal(readFileSync(precious, "utf8"), "precious\n");
  assert.equal(readFileSync(link, "utf8"), "bundle\n");
});

test("a FIFO, a folder and a device are refused at once with one line", () => {
  const { folder } = scene("special");
  const fifo = join(folder, "fifo");
  execFileSync("mkfifo", [fifo]);
  const cases: [string, RegExp][] = [
    [fifo, /fifo is not a regular file \(a FIFO\); Detective writes only regular files/],
    [folder, /special is a folder; give the path of a file/],
  ];
  if (linux) cases.push(["/dev/full", /\/dev\/full is not a regular file \(a character device\)/]);
  for (const [path, message] of cases) {
    const start = performance.now();
    assert.throws(
      () => writeOutputFile(path, "x", { what: "train --out" }),
      (err: Error) => err instanceof ConfigError && message.test(err.message) && !err.message.includes("\n"),
    );
    assert.ok(performance.now() - start < 1000);
  }
  assert.deepEqual(readdirSync(folder).sort(), ["fifo", "precious"], "no temporary file left");
});

test("/proc and /sys are refused by their file system, before anything is opened", { skip: !linux }, () => {
  // /proc/self/comm is this process's name: harmless, and never written since the check comes first.
  const comm = readFileSync("/proc/self/comm", "utf8");
  for (const [path, where] of [
    ["/proc/self/comm", "/proc"],
    ["/proc/self/new-file", "/proc"],
    ["/sys/kernel/new-file", "/sys"],
  ]) {
    assert.throws(
      () => writeOutputFile(path, "renamed", { what: "train --out" }),
      (err: Error) =>
        err instanceof ConfigError && err.message.startsWith(`train --out ${path} is on ${where} (`),
    );
  }
  assert.throws(() => checkOutputTarget("/proc/sys/kernel/hostname", "x"), /is on \/proc/);
  assert.equal(readFileSync("/proc/self/comm", "utf8"), comm);
});

test("a failed write (missing folder) is an IoError naming the path, and leaves nothing", () => {
  const path = join(dir, "no-such-folder", "b.json");
  assert.throws(
    () => writeOutputFile(path, "x", { what: "model bundle" }),
    (err: Error) =>
      err instanceof IoError && err.message.includes(`cannot create the model bundle ${path} (ENOENT)`),
  );
});

test("stageOutputs: written under temporary names, renamed over planted links at the end", () => {
  const { folder, precious } = scene("staged");
  const pcap = join(folder, "x.pcap");
  const labels = join(folder, "x.labels.json");
  symlinkSync(precious, pcap);
  symlinkSync(precious, labels);
  const seen = stageOutputs([pcap, labels], "simulate --out", (staged) => {
    assert.notEqual(staged[0], pcap);
    // The code writing them opens the path itself, following links: here, no link can be there.
    for (const [i, path] of staged.entries()) writeFileSync(path, `file ${i}\n`);
    return staged;
  });
  assert.equal(readFileSync(precious, "utf8"), "precious\n");
  assert.equal(readFileSync(pcap, "utf8"), "file 0\n");
  assert.equal(readFileSync(labels, "utf8"), "file 1\n");
  assert.ok(seen.every((path) => !existsSync(path)));
  assert.deepEqual(readdirSync(folder).sort(), ["precious", "x.labels.json", "x.pcap"]);
});

test("stageOutputs: a failure removes the temporaries and keeps the targets as they were", () => {
  const { folder } = scene("failed");
  const pcap = join(folder, "x.pcap");
  writeFileSync(pcap, "old\n");
  assert.throws(
    () =>
      stageOutputs([pcap], "simulate --out", ([path]) => {
        writeFileSync(path, "half");
        throw new Error("simulation failed");
      }),
    /simulation failed/,
  );
  assert.equal(readFileSync(pcap, "utf8"), "old\n");
  assert.deepEqual(readdirSync(folder).sort(), ["precious", "x.pcap"]);
  const fifo = join(folder, "f.pcap");
  execFileSync("mkfifo", [fifo]);
  let ran = false;
  assert.throws(() => stageOutputs([fifo], "simulate --out", () => (ran = true)), ConfigError);
  assert.equal(ran, false, "refused before the work");
});

test("a file replaced keeps its permissions: a private results file stays private", () => {
  const path = join(dir, "private.json");
  writeFileSync(path, "{}", { mode: 0o600 });
  chmodSync(path, 0o600);
  writeOutputFile(path, '{"new":true}', { what: "results" });
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(readFileSync(path, "utf8"), '{"new":true}');
});
