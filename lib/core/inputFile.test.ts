import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ConfigError, SchemaError } from "./errors";
import { MAX_BUNDLE_BYTES, MAX_SECRET_FILE_BYTES, MAX_STUDY_RESULTS_BYTES, readInputFile } from "./inputFile";

const dir = mkdtempSync(join(tmpdir(), "detective-input-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const posix = process.platform !== "win32";

/** Runs `read` and returns how long it took; it must throw a one-line ConfigError matching `message`. */
function refusedQuickly(read: () => unknown, message: RegExp): void {
  const start = performance.now();
  assert.throws(read, (err: Error) => {
    assert.ok(err instanceof ConfigError, `${err.name}: ${err.message}`);
    assert.match(err.message, message);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
  assert.ok(performance.now() - start < 1000, "refused at once, without reading");
}

test("a regular file within the limit is read whole", () => {
  const path = join(dir, "ok.json");
  writeFileSync(path, "x".repeat(5000));
  assert.equal(readInputFile(path, { what: "model bundle", maxBytes: 5000 }).length, 5000);
  writeFileSync(join(dir, "empty"), "");
  assert.equal(readInputFile(join(dir, "empty"), { what: "key file", maxBytes: 10 }).length, 0);
});

test("the limits are named and ordered: secrets are small, bundles and results fit in a string", () => {
  assert.ok(MAX_SECRET_FILE_BYTES < MAX_BUNDLE_BYTES && MAX_BUNDLE_BYTES <= MAX_STUDY_RESULTS_BYTES);
  assert.ok(MAX_STUDY_RESULTS_BYTES < 2 ** 29 - 24, "below V8's longest string");
});

test("a FIFO is refused at once, without waiting for a writer", { skip: !posix }, () => {
  const fifo = join(dir, "fifo");
  execFileSync("mkfifo", [fifo]);
  refusedQuickly(
    () => readInputFile(fifo, { what: "model bundle", maxBytes: 100 }),
    /^model bundle .*fifo is not a regular file \(a FIFO\); give the path of a file\.$/,
  );
});

test("/dev/zero (a device that never ends) is refused without reading it", { skip: !posix }, () => {
  refusedQuickly(
    () => readInputFile("/dev/zero", { what: "study results", maxBytes: MAX_STUDY_RESULTS_BYTES }),
    /study results \/dev\/zero is not a regular file \(a character device\)/,
  );
});

test("a folder is refused as a folder", () => {
  const folder = join(dir, "folder");
  mkdirSync(folder);
  refusedQuickly(
    () => readInputFile(folder, { what: "key file", maxBytes: 100 }),
    /is not a regular file \(a folder\)/,
  );
});

test("a file over the limit is refused with both sizes, before it is read", () => {
  const path = join(dir, "big.json");
  writeFileSync(path, Buffer.alloc(3 * 1024 * 1024));
  refusedQuickly(
    () => readInputFile(path, { what: "model bundle", maxBytes: 1024 * 1024 }),
    /^model bundle .*big\.json is 3 MiB \(3145728 bytes\), over the limit of 1 MiB \(1048576 bytes\) for a model bundle; check the path/,
  );
});

test("a missing file: one line with what to do, or the caller's own error", () => {
  const path = join(dir, "nope");
  refusedQuickly(
    () => readInputFile(path, { what: "key file", maxBytes: 10, ifMissing: "make one with `x`." }),
    /^key file .*nope does not exist; make one with `x`\.$/,
  );
  assert.throws(
    () => readInputFile(path, { what: "x", maxBytes: 10, ifMissing: () => new SchemaError("gone") }),
    SchemaError,
  );
});

test("noFollow refuses a symbolic link; without it the link is read", { skip: !posix }, () => {
  const target = join(dir, "target");
  writeFileSync(target, "secret");
  const link = join(dir, "link");
  symlinkSync(target, link);
  refusedQuickly(
    () => readInputFile(link, { what: "key file", maxBytes: 100, noFollow: true }),
    /key file .*link is a symbolic link; give the path of the file itself/,
  );
  assert.equal(readInputFile(link, { what: "x", maxBytes: 100 }).toString(), "secret");
});

test("check runs on the open file's status before anything is read", () => {
  const path = join(dir, "checked");
  writeFileSync(path, "abc");
  assert.throws(
    () =>
      readInputFile(path, {
        what: "x",
        maxBytes: 100,
        check: (stat) => {
          throw new ConfigError(`size ${stat.size}`);
        },
      }),
    /size 3/,
  );
});
