import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../core/errors";
import { idGenerator } from "./idGenerator";

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** The ULID part of an id, and its time part decoded back to milliseconds. */
function parts(id: string): { ulid: string; ms: number } {
  const ulid = id.slice(id.lastIndexOf("-") + 1);
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  let ms = 0;
  for (const c of ulid.slice(0, 10)) ms = ms * 32 + alphabet.indexOf(c);
  return { ulid, ms };
}

test("ids are <prefix>-<ULID>, the ULID's first 10 characters the clock's milliseconds", () => {
  const next = idGenerator({ clock: () => 1_700_000_000_123 });
  const id = next("alert");
  assert.match(id, /^alert-/);
  const { ulid, ms } = parts(id);
  assert.match(ulid, ULID);
  assert.equal(ms, 1_700_000_000_123);
});

test("a million ids in one millisecond are distinct and ordered (monotonic within a generator)", () => {
  const next = idGenerator({ clock: () => 1_700_000_000_000 });
  let prev = next("a");
  const seen = new Set([prev]);
  let ordered = true;
  for (let i = 0; i < 1_000_000; i++) {
    const id = next("a");
    if (!(id > prev)) ordered = false;
    seen.add(id);
    prev = id;
  }
  assert.ok(ordered);
  assert.equal(seen.size, 1_000_001);
});

test("a clock that steps back does not step the ids back", () => {
  let now = 2_000_000;
  const next = idGenerator({ clock: () => now });
  const a = next("x");
  now = 1_000_000;
  const b = next("x");
  assert.ok(b > a);
  assert.equal(parts(b).ms, 2_000_000);
});

test("two generators (two runs, two processes) in the same millisecond draw different ids", () => {
  const clock = (): number => 1_700_000_000_000;
  const runs = Array.from({ length: 50 }, () => idGenerator({ clock })("alert"));
  assert.equal(new Set(runs).size, runs.length);
});

test("a seed makes the ids reproducible for tests; different seeds differ", () => {
  const make = (seed: number): string[] => {
    let t = 1_000;
    const next = idGenerator({ seed, clock: () => t++ });
    return Array.from({ length: 5 }, () => next("alert"));
  };
  assert.deepEqual(make(7), make(7));
  assert.notDeepEqual(make(7), make(8));
  assert.equal(new Set(make(7)).size, 5);
});

test("bad options and clocks are OptionErrors naming the fix", () => {
  assert.throws(
    () => idGenerator({ seed: 1.5 }),
    (e: Error) => e instanceof OptionError && /seed must be an integer/.test(e.message),
  );
  assert.throws(
    () => idGenerator({ clock: () => Number.NaN })("alert"),
    (e: Error) =>
      e instanceof OptionError && /milliseconds since the epoch \(Date\.now\(\)\)/.test(e.message),
  );
  assert.throws(() => idGenerator({ clock: () => -1 })("alert"), OptionError);
});
