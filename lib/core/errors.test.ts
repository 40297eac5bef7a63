import assert from "node:assert/strict";
import { openSync } from "node:fs";
import { test } from "node:test";
import {
  ConfigError,
  DetectiveError,
  InputError,
  IoError,
  OptionError,
  PermissionError,
  systemError,
} from "./errors";

/** A Node.js system error as `fs` throws it. */
function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: something, open 'x'`), { code });
}

test("the error classes are told apart by instanceof, and all are DetectiveErrors", () => {
  const errors = [
    new InputError("bad line"),
    new ConfigError("port in use"),
    new OptionError("flushMs -1"),
    new PermissionError("cannot write", "/var/log/x", "EACCES"),
    new IoError("disk full", "/var/log/x", "ENOSPC"),
  ];
  const classes = [InputError, ConfigError, OptionError, PermissionError, IoError];
  for (const [i, e] of errors.entries()) {
    assert.ok(e instanceof DetectiveError);
    assert.equal(e.name, classes[i].name);
    for (const [j, C] of classes.entries()) assert.equal(e instanceof C, i === j, `${e.name} vs ${C.name}`);
  }
});

test("systemError: EACCES, EPERM and EROFS are PermissionErrors, the rest IoErrors, each naming path, code and fix", () => {
  for (const code of ["EACCES", "EPERM", "EROFS"]) {
    const e = systemError(errno(code), "cannot open the log", "/srv/alerts.jsonl");
    assert.ok(e instanceof PermissionError, code);
    assert.equal(e.path, "/srv/alerts.jsonl");
    assert.equal(e.code, code);
    assert.match(e.message, new RegExp(`^cannot open the log /srv/alerts\\.jsonl \\(${code}\\)\\. \\S`));
  }
  const full = systemError(errno("ENOSPC"), "cannot write the log", "/srv/alerts.jsonl");
  assert.ok(full instanceof IoError && !(full instanceof PermissionError));
  assert.equal(full.code, "ENOSPC");
  assert.match(full.message, /\(ENOSPC\)\. The disk \(or quota\) is full: free space/);
  assert.match(systemError(errno("EIO"), "cannot write", "/x").message, /\(EIO\)\. Check the disk/);
  assert.match(systemError(errno("EMFILE"), "cannot open", "/x").message, /ulimit -n/);
  assert.equal(full.message.includes("\n"), false, "one line");
});

test("systemError: an error without a code (a bug, not the machine) is returned unchanged", () => {
  const bug = new TypeError("x is undefined");
  assert.equal(systemError(bug, "cannot open", "/x"), bug);
});

test("systemError on a real failure: a missing folder is an IoError with the code", () => {
  let thrown: unknown;
  try {
    openSync("/nonexistent-detective-dir/alerts.jsonl", "r");
  } catch (err) {
    thrown = systemError(err, "cannot open", "/nonexistent-detective-dir/alerts.jsonl");
  }
  assert.ok(thrown instanceof IoError);
  assert.equal(thrown.code, "ENOENT");
  assert.match(thrown.message, /Check the path/);
});
