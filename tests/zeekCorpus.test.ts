/**
 * Zeek's regression traces (`../shared/zeek-corpus`, or $DETECTIVE_ZEEK_CORPUS) through our
 * protocol logs: every trace parses with no parser error and nothing escaping; the parity table
 * computed now is the one in bench/results/zeek-parity.json (which the README quotes), so the
 * published figures cannot drift from the code; and seeded mutants of every trace never crash or
 * hang a parser (run in a child process under a time limit, so a hang fails instead of stalling).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, test } from "node:test";
import { CORPUS, parityResults, parityTable } from "../bench/zeekParity";

const ROOT = resolve(__dirname, "..");
const present = existsSync(join(CORPUS, "index.json"));
const skip = present ? false : `the Zeek corpus is not at ${CORPUS} (set DETECTIVE_ZEEK_CORPUS)`;
/** The fuzz run's limit: a hang guard (the run takes seconds), not a speed test. */
const FUZZ_LIMIT_MS = 300_000;

describe("Zeek's regression traces", { skip }, () => {
  test("every trace parses: no parser error, nothing escapes; the parity table is bench/results/zeek-parity.json's", async () => {
    const results = await parityResults(CORPUS);
    assert.equal(results.length, 81);
    for (const r of results) {
      const errors = Object.keys(r.malformed).filter((k) => k.endsWith("parser error"));
      assert.deepEqual(errors, [], `${r.case}: ${errors.join(", ")}`);
    }
    const committed = JSON.parse(readFileSync(join(ROOT, "bench/results/zeek-parity.json"), "utf8")) as {
      logs: unknown;
      logs_with_defaults: unknown;
    };
    const stale =
      "the parity figures changed: run `node --import tsx bench/zeekParity.ts` and commit bench/results/zeek-parity.json and the README";
    assert.deepEqual(parityTable(results), committed.logs, stale);
    assert.deepEqual(
      parityTable(await parityResults(CORPUS, "default")),
      committed.logs_with_defaults,
      stale,
    );
  });

  test("mutated traces (bytes flipped, cut, packets dropped, duplicated, reordered) never crash or hang a parser", () => {
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", join(ROOT, "lib/testing/protocolFuzz.ts"), CORPUS, "7", "10"],
      { encoding: "utf8", timeout: FUZZ_LIMIT_MS, cwd: ROOT },
    );
    assert.equal(run.signal, null, `the fuzz run was stopped (${run.signal}): a hang? stderr: ${run.stderr}`);
    assert.equal(run.status, 0, run.stderr);
    const s = JSON.parse(run.stdout.trim().split("\n").at(-1) as string) as {
      runs: number;
      packets: number;
      malformed: number;
      parserErrors: Record<string, number>;
      lastError?: string;
      escaped: unknown[];
    };
    assert.equal(s.runs, 810);
    assert.ok(s.packets > 50_000, `only ${s.packets} packets fuzzed`);
    assert.deepEqual(s.parserErrors, {}, s.lastError);
    assert.deepEqual(s.escaped, []);
    assert.ok(s.malformed > 0, "mutants raised no malformed count at all: are the parsers seeing them?");
  });
});
