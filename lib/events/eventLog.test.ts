import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigError, InputError, IoError, OptionError, PermissionError } from "../core/errors";
import { EventLog } from "./eventLog";

const dir = mkdtempSync(join(tmpdir(), "detective-alertlog-"));
let fileNo = 0;
const freshPath = (): string => join(dir, `log-${fileNo++}.jsonl`);

/** The whole lines of a file (the text up to its last newline), and what follows the last newline. */
function readLines(path: string): { lines: string[]; tail: string } {
  const text = readFileSync(path, "utf8");
  const end = text.lastIndexOf("\n") + 1;
  const whole = text.slice(0, end);
  return { lines: whole === "" ? [] : whole.slice(0, -1).split("\n"), tail: text.slice(end) };
}

/**
 * A writer process: resumes ids from the log's line count and appends as fast as it can, in
 * small flushes, until it is killed.
 */
const CHILD = `
import { EventLog } from ${JSON.stringify(resolve(__dirname, "eventLog"))};
const log = EventLog.open(process.argv[2], { flushMs: 1, maxBufferBytes: 8192 });
process.stdout.write(JSON.stringify(log.recovery) + "\\n");
const pad = "x".repeat(200);
function burst(): void {
  for (let i = 0; i < 200; i++) {
    const id = log.lineCount;
    log.append({ id, pad, text: "a newline\\ninside a string stays on one line", nested: { a: [1, 2, 3] } });
  }
  setImmediate(burst);
}
burst();
`;

/** Starts the writer on `path`, waits until the file has grown by `growBytes`, then kill -9s it. */
async function writeAndKill(path: string, growBytes: number): Promise<{ pid: number; recovery: string }> {
  const script = join(dir, "writer.ts");
  writeFileSync(script, CHILD);
  const startSize = existsSync(path) ? statSync(path).size : 0;
  const child = spawn(process.execPath, ["--import", "tsx", script, path], {
    cwd: resolve(__dirname, "../.."),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((done) =>
    child.on("exit", (_code, signal) => done(signal)),
  );
  const deadline = Date.now() + 20_000;
  while ((existsSync(path) ? statSync(path).size : 0) < startSize + growBytes) {
    if (child.exitCode !== null) assert.fail(`writer exited early (${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      assert.fail(`writer did not grow the log within 20 s: ${stderr}`);
    }
    await sleep(5);
  }
  child.kill("SIGKILL");
  assert.equal(await exited, "SIGKILL");
  return { pid: child.pid as number, recovery: stdout.split("\n")[0] };
}

describe("EventLog: crash safety with a real kill -9", () => {
  test("after each kill every line is whole or a kept torn line; restarts continue ids with no gap or repeat", async () => {
    const path = freshPath();
    let previousLines = 0;
    const torn = new Set<number>(); // line indexes of torn lines the reopen kept
    const checkLines = (lines: string[], round: number | string): void => {
      for (const [i, line] of lines.entries()) {
        if (torn.has(i)) continue;
        const record = JSON.parse(line) as { id: number; text: string };
        assert.equal(record.id, i, `round ${round}: line ${i} has id ${record.id}`);
        assert.equal(record.text, "a newline\ninside a string stays on one line");
      }
    };
    for (let round = 0; round < 3; round++) {
      const before = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
      const { recovery } = await writeAndKill(path, 300_000);
      // The writer resumed where the file ended (the first round starts from an empty file).
      assert.equal(JSON.parse(recovery).linesAtOpen, previousLines, `round ${round}`);
      const after = readFileSync(path);
      assert.ok(after.subarray(0, before.length).equals(before), "nothing written before was changed");
      const { lines, tail } = readLines(path);
      checkLines(lines, round);
      assert.ok(lines.length > previousLines, "the writer added lines");
      // Reopening at once after the kill: the kernel dropped the dead writer's lock; a torn tail
      // (if any) is ended with a newline and kept, byte for byte.
      const log = EventLog.open(path);
      assert.equal(log.recovery.partialLines, tail === "" ? 0 : 1);
      assert.equal(log.recovery.partialBytes, Buffer.byteLength(tail));
      assert.equal(log.linesAtOpen, lines.length + (tail === "" ? 0 : 1));
      if (tail !== "") {
        assert.equal(log.recovery.partialLine, lines.length + 1);
        torn.add(lines.length);
      }
      log.close();
      assert.equal(readFileSync(path).length, after.length + (tail === "" ? 0 : 1), "only a newline added");
      previousLines = log.linesAtOpen;
    }
    // A final append after the crashes continues the numbering.
    const log = EventLog.open(path);
    const text = "a newline\ninside a string stays on one line";
    for (let i = 0; i < 5; i++) assert.equal(log.append({ id: log.lineCount, text }), previousLines + i);
    log.close();
    const { lines, tail } = readLines(path);
    assert.equal(tail, "");
    assert.equal(lines.length, previousLines + 5);
    checkLines(lines, "final");
  });
});

describe("EventLog: typed failures", () => {
  // root may write anywhere but sysfs; anyone else may not write a folder made read-only
  const unwritable = (): string => {
    if (process.getuid?.() === 0) return "/sys/detective-events-test.jsonl";
    const ro = join(dir, `read-only-${fileNo++}`);
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    return join(ro, "alerts.jsonl");
  };

  test("a log in a place this user cannot write is a PermissionError naming the path and the fix", () => {
    const path = unwritable();
    assert.throws(
      () => EventLog.open(path, { lock: false }),
      (e: Error) =>
        e instanceof PermissionError &&
        e.path === path &&
        e.code === "EACCES" &&
        e.message.includes(path) &&
        /write access/.test(e.message),
    );
    // with the lock (the default): the same class, naming the log
    assert.throws(
      () => EventLog.open(path),
      (e: Error) => e instanceof PermissionError && e.path === path,
    );
  });

  test("an event is written as one line by write(), the EventSink method", () => {
    const path = freshPath();
    const log = EventLog.open(path);
    const event = {
      v: 1,
      type: "reject",
      id: "reject-0",
      time: 1,
      timestamp: "1970-01-01T00:00:01.000Z",
      kind: "field count",
      reason: "40 fields",
    } as const;
    log.write(event);
    log.close();
    assert.deepEqual(
      readLines(path).lines.map((l) => JSON.parse(l)),
      [event],
    );
  });
});

describe("EventLog: repair and resume", () => {
  test("a file ending in a partial line keeps it, ended by a newline; counted and reported with its line number", () => {
    const path = freshPath();
    writeFileSync(path, '{"id":0}\n{"id":1}\n{"id":2,"tr');
    const log = EventLog.open(path);
    assert.deepEqual(log.recovery, {
      linesAtOpen: 3,
      bytesAtOpen: 30,
      partialLines: 1,
      partialBytes: 11,
      partialLine: 3,
    });
    assert.equal(readFileSync(path, "utf8"), '{"id":0}\n{"id":1}\n{"id":2,"tr\n'); // ended before any append
    assert.equal(log.append({ id: log.lineCount }), 3);
    log.close();
    assert.equal(readFileSync(path, "utf8"), '{"id":0}\n{"id":1}\n{"id":2,"tr\n{"id":3}\n');
  });

  test("a missing folder is refused unless createFolder; a new file starts at 0", () => {
    const path = freshPath();
    writeFileSync(path, '{"id":0,"no newline"');
    const log = EventLog.open(path);
    assert.equal(log.linesAtOpen, 1);
    assert.equal(log.recovery.partialBytes, 20);
    log.close();
    assert.equal(readFileSync(path, "utf8"), '{"id":0,"no newline"\n');
    const nested = join(dir, "sub", "dir", "new.jsonl");
    assert.throws(
      () => EventLog.open(nested),
      (e: Error) =>
        e instanceof ConfigError &&
        /the folder .*sub\/dir of the log .* does not exist\. Create it/.test(e.message),
    );
    assert.equal(existsSync(join(dir, "sub")), false, "nothing created");
    const fresh = EventLog.open(nested, { createFolder: true });
    assert.deepEqual(fresh.recovery, { linesAtOpen: 0, bytesAtOpen: 0, partialLines: 0, partialBytes: 0 });
    fresh.close();
  });

  test("a large existing file is counted across read chunks", () => {
    const path = freshPath();
    const line = `${JSON.stringify({ pad: "y".repeat(1000) })}\n`;
    writeFileSync(path, line.repeat(3000)); // about 3 MB: three scan chunks
    const log = EventLog.open(path);
    assert.equal(log.linesAtOpen, 3000);
    assert.equal(log.recovery.partialLines, 0);
    log.close();
  });
});

describe("EventLog: buffering and flushing", () => {
  test("lines reach the file within flushMs without a flush call, and on close", async () => {
    const path = freshPath();
    const log = EventLog.open(path, { flushMs: 20 });
    log.append({ a: 1 });
    assert.equal(readFileSync(path, "utf8"), "", "buffered, not yet written");
    await sleep(120);
    assert.equal(readFileSync(path, "utf8"), '{"a":1}\n');
    log.append({ a: 2 });
    log.append("text");
    log.close();
    assert.equal(readFileSync(path, "utf8"), '{"a":1}\n{"a":2}\n"text"\n');
    assert.equal(log.isOpen, false);
    log.close(); // idempotent
  });

  test("a full buffer is written at once; flush() writes immediately", () => {
    const path = freshPath();
    const log = EventLog.open(path, { flushMs: 60_000, maxBufferBytes: 100 });
    log.append({ pad: "z".repeat(50) });
    assert.equal(readLines(path).lines.length, 0);
    log.append({ pad: "z".repeat(50) }); // crosses 100 characters
    assert.equal(readLines(path).lines.length, 2);
    log.append({ b: 1 });
    log.flush();
    assert.equal(readLines(path).lines.length, 3);
    assert.equal(log.lineCount, 3);
    log.close();
  });

  test("bad records, a closed log, a second writer and bad options are clear errors", () => {
    const path = freshPath();
    const log = EventLog.open(path);
    assert.throws(
      () => log.append(undefined),
      (e: Error) => e instanceof InputError && /no JSON text/.test(e.message),
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => log.append(cyclic), /cannot be written as JSON .*no cycles/);
    assert.throws(() => log.append({ n: 1n }), /cannot be written as JSON/);
    assert.equal(log.lineCount, 0, "failed appends take no line");
    assert.throws(
      () => EventLog.open(path),
      (e: Error) =>
        e instanceof ConfigError && /already open for appending by another writer/.test(e.message),
    );
    log.close();
    EventLog.open(path).close(); // close released the lock
    assert.throws(() => log.append({}), /the log is closed/);
    assert.throws(
      () => EventLog.open(path, { flushMs: -1 }),
      (e: Error) => e instanceof OptionError && /got -1/.test(e.message),
    );
    assert.throws(() => EventLog.open(path, { maxBufferBytes: 0 }), OptionError);
    EventLog.open(path).close(); // lock free again
  });

  test(
    "a write error (full disk) is reported, never swallowed",
    { skip: !existsSync("/dev/full") },
    async () => {
      const log = EventLog.open("/dev/full", { lock: false, flushMs: 1, fsync: false });
      log.append({ a: 1 });
      assert.throws(
        () => log.flush(),
        (e: Error) => e instanceof IoError && /ENOSPC/.test(e.message),
      );
      log.append({ a: 2 }); // flushed in the background, where the error is kept...
      await sleep(30);
      assert.throws(
        () => log.append({ a: 3 }),
        (e: Error) =>
          e instanceof IoError &&
          e.code === "ENOSPC" &&
          /background flush failed\. .*\/dev\/full \(ENOSPC\)\. The disk \(or quota\) is full/.test(
            e.message,
          ),
      ); // ...and raised here
      assert.throws(() => log.close(), /ENOSPC/);
      assert.equal(log.isOpen, false);
    },
  );
});

describe("planted links (the monitor often runs as root in shared folders)", () => {
  test("a log path that is a symbolic link is refused and its target untouched; allowed on request", () => {
    const dir = mkdtempSync(join(tmpdir(), "detective-log-"));
    const target = join(dir, "precious");
    writeFileSync(target, "root's data, no newline at the end");
    const link = join(dir, "alerts.jsonl");
    symlinkSync(target, link);
    assert.throws(
      () => EventLog.open(link),
      (err: Error) => err instanceof ConfigError && /is a symbolic link; refusing/.test(err.message),
    );
    assert.equal(readFileSync(target, "utf8"), "root's data, no newline at the end", "target untouched");
    const log = EventLog.open(link, { followSymlinks: true });
    log.close();
  });

  test("a log another user owns, a FIFO or a folder is refused (root: a file of nobody's, untouched)", () => {
    const dir = mkdtempSync(join(tmpdir(), "detective-log-"));
    const fifo = join(dir, "alerts.fifo");
    execFileSync("mkfifo", [fifo]);
    assert.throws(
      () => EventLog.open(fifo),
      (e: Error) => e instanceof ConfigError && /is not a regular file \(a FIFO\)/.test(e.message),
    );
    if (process.getuid?.() !== 0) return; // chown to another user needs root
    const planted = join(dir, "alerts.jsonl");
    writeFileSync(planted, "nobody's line\n", { mode: 0o666 });
    chownSync(planted, 65534, 65534);
    assert.throws(
      () => EventLog.open(planted),
      (e: Error) => e instanceof ConfigError && /belongs to another user \(uid 65534\)/.test(e.message),
    );
    assert.equal(readFileSync(planted, "utf8"), "nobody's line\n");
    // the symbolic-link case as the issue found it: root's monitor, a link to another user's file
    const link = join(dir, "linked.jsonl");
    symlinkSync(planted, link);
    assert.throws(() => EventLog.open(link), /symbolic link/);
    assert.throws(() => EventLog.open(link, { followSymlinks: true }), /belongs to another user/);
    assert.equal(readFileSync(planted, "utf8"), "nobody's line\n", "the target is untouched");
  });

  test("a hard-linked or world-writable log, a linked folder in a shared folder and /proc are refused", () => {
    const dir = mkdtempSync(join(tmpdir(), "detective-log-"));
    const precious = join(dir, "precious");
    writeFileSync(precious, "precious\n", { mode: 0o600 });
    const hard = join(dir, "hard.jsonl");
    linkSync(precious, hard);
    assert.throws(
      () => EventLog.open(hard),
      (e: Error) => e instanceof ConfigError && /has 2 names \(hard links\)/.test(e.message),
    );
    const open = join(dir, "open.jsonl");
    writeFileSync(open, "");
    chmodSync(open, 0o666);
    assert.throws(() => EventLog.open(open), /writable by every user \(mode 666\).*chmod 600/);
    // a shared folder (world-writable, sticky, like /tmp) holding a planted link to another folder
    const shared = join(dir, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const elsewhere = join(dir, "elsewhere");
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(shared, "logs"));
    assert.throws(
      () => EventLog.open(join(shared, "logs", "alerts.jsonl")),
      (e: Error) =>
        e instanceof ConfigError &&
        /logs, on the way to the log .* is a symbolic link in .*shared, which every user may write/.test(
          e.message,
        ),
    );
    assert.equal(existsSync(join(elsewhere, "alerts.jsonl")), false, "nothing created through the link");
    EventLog.open(join(shared, "logs", "alerts.jsonl"), { followSymlinks: true }).close(); // allowed on request
    assert.equal(readFileSync(precious, "utf8"), "precious\n");
    assert.throws(
      () => EventLog.open("/proc/self/status", { lock: false }),
      /on \/proc .*not a file system for logs/,
    );
  });

  test("characters a terminal acts on are written as \\u escapes; the JSON reads back the same", () => {
    const path = freshPath();
    const log = EventLog.open(path);
    const src = "10.0.0.1\u202e\u0085\u2028\u2066x";
    log.append({ src });
    log.close();
    const text = readFileSync(path, "utf8");
    assert.equal(text, '{"src":"10.0.0.1\\u202e\\u0085\\u2028\\u2066x"}\n');
    assert.equal((JSON.parse(text) as { src: string }).src, src);
  });

  test("the lock dies with its holder: a second writer is refused while it runs, and a stale .lock file means nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "detective-log-"));
    const path = join(dir, "alerts.jsonl");
    // an old version's PID file naming a running process (pid 1) no longer blocks anything
    writeFileSync(`${path}.lock`, "1\n");
    const script = join(dir, "holder.ts");
    writeFileSync(
      script,
      `import { EventLog } from ${JSON.stringify(resolve(__dirname, "eventLog"))};\n` +
        `EventLog.open(process.argv[2]); process.stdout.write("open\\n"); setInterval(() => {}, 1000);\n`,
    );
    const child = spawn(process.execPath, ["--import", "tsx", script, path], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((done) => child.stdout.once("data", () => done()));
    assert.throws(
      () => EventLog.open(path),
      (e: Error) =>
        e instanceof ConfigError && /already open for appending by another writer .*fuser/.test(e.message),
    );
    child.kill("SIGKILL");
    await new Promise((done) => child.on("exit", done));
    const log = EventLog.open(path); // at once: the kernel released the dead holder's lock
    log.close();
  });

  test("new logs are private to their owner (alerts can hold payload data)", () => {
    const dir = mkdtempSync(join(tmpdir(), "detective-log-"));
    const path = join(dir, "alerts.jsonl");
    const log = EventLog.open(path);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    log.close();
  });
});
