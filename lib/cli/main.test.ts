import assert from "node:assert/strict";
import { test } from "node:test";
import { DataError, OptionError } from "../core/errors";
import { UsageError } from "./flags";
import { detectiveVersion, main, reportError } from "./main";

test("errors: one line, exit 2 for usage and option errors, 1 otherwise; a bug says how to see its stack", (t) => {
  const printed: string[] = [];
  t.mock.method(console, "error", (text: string) => printed.push(text));
  const run = (err: unknown, debug = false): [number, string[]] => {
    printed.length = 0;
    const code = reportError(err, debug);
    return [code, printed.flatMap((p) => p.split("\n"))];
  };
  assert.deepEqual(run(new UsageError("simulate: unknown flag")), [2, ["detective: simulate: unknown flag"]]);
  assert.deepEqual(run(new OptionError("--port must be ...")), [2, ["detective: --port must be ..."]]);
  assert.deepEqual(run(new DataError("model bundle b.json does not exist.")), [
    1,
    ["detective: model bundle b.json does not exist."],
  ]);
  const bug = new TypeError("cannot read properties of undefined\nmore detail");
  assert.deepEqual(run(bug), [
    1,
    [
      "detective: unexpected error: cannot read properties of undefined (run with --debug for the stack trace)",
    ],
  ]);
  const [code, debugLines] = run(bug, true);
  assert.equal(code, 1);
  assert.equal(debugLines[0], "detective: unexpected error: cannot read properties of undefined");
  assert.ok(
    debugLines.some((l) => /^\s+at /.test(l)),
    "--debug prints the stack",
  );
  // A system error no command wrapped is the machine's: one line naming the path, exit 1, no "bug" hint.
  const disk = Object.assign(new Error("ENOSPC: no space left on device, write"), {
    code: "ENOSPC",
    syscall: "write",
    path: "/data/out.json",
  });
  assert.deepEqual(run(disk), [
    1,
    [
      "detective: cannot write /data/out.json (ENOSPC). The disk (or quota) is full: free space or choose another disk.",
    ],
  ]);
  assert.deepEqual(run("a string"), [
    1,
    ["detective: unexpected error: a string (run with --debug for the stack trace)"],
  ]);
});

test("main: dispatches, and --debug anywhere is not taken for a command's flag", async (t) => {
  const out: string[] = [];
  t.mock.method(console, "log", (text: string) => out.push(text));
  const err: string[] = [];
  t.mock.method(console, "error", (text: string) => err.push(text));
  assert.equal(await main(["--version"]), 0);
  assert.equal(out.pop(), detectiveVersion());
  assert.match(detectiveVersion(), /^\d+\.\d+\.\d+/);
  assert.equal(await main(["help", "simulate", "--debug"]), 0);
  assert.match(out.pop() ?? "", /detective simulate --out FILE\.pcap/);
  assert.equal(await main(["help", "nope"]), 2);
  assert.match(err.pop() ?? "", /unknown command "nope"/);
  assert.equal(await main(["simulate", "--debug", "--out", "x.pcap", "--seed", "1.5"]), 2);
  assert.match(err.join("\n"), /simulate --seed must be a whole number, got "1\.5"/);
});
