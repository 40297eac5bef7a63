import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { InputError, IoError } from "../core/errors";
import { EventLog } from "./eventLog";
import { idGenerator } from "./idGenerator";
import { isoTimestamp } from "./isoTimestamp";
import { readEvents } from "./readEvents";

const dir = mkdtempSync(join(tmpdir(), "detective-read-events-"));

test("readEvents returns what an EventLog wrote, in order", () => {
  const path = join(dir, "log.jsonl");
  const log = EventLog.open(path);
  const next = idGenerator({ seed: 1, clock: () => 1_700_000_000_000 });
  const written = [1, 2, 3].map((k) => ({
    v: 1 as const,
    type: "reject" as const,
    id: next("reject"),
    time: 1_700_000_000 + k,
    timestamp: isoTimestamp(1_700_000_000 + k),
    kind: "field count",
    reason: `${40 - k} fields`,
  }));
  for (const e of written) log.write(e);
  log.close();
  assert.deepEqual(readEvents(path), written);
});

test("a malformed line names the file and its line number; a missing file is an IoError naming it", () => {
  const path = join(dir, "bad.jsonl");
  const good = JSON.stringify({ v: 1, type: "stats", id: "stats-1", time: 1, timestamp: "x", stats: {} });
  writeFileSync(path, `${good}\n\n${good}\n{"v":1,"type":"stats","id":"stats-3","ti\n`);
  assert.throws(
    () => readEvents(path),
    (e: Error) => e instanceof InputError && e.message.includes(`${path} line 4: not JSON`),
  );
  const missing = join(dir, "none.jsonl");
  assert.throws(
    () => readEvents(missing),
    (e: Error) => e instanceof IoError && e.code === "ENOENT" && e.message.includes(missing),
  );
});

test("a torn line EventLog kept after a crash is skipped and reported with skipMalformed", () => {
  const path = join(dir, "torn.jsonl");
  const event = { v: 1, type: "stats", id: "stats-1", time: 1, timestamp: "x", stats: {} };
  writeFileSync(path, `${JSON.stringify(event)}\n{"v":1,"type":"sta`);
  EventLog.open(path).close(); // ends the torn line, keeping it
  const skipped: string[] = [];
  const events = readEvents(path, { skipMalformed: true, onMalformed: (e) => skipped.push(e.message) });
  assert.deepEqual(events, [event]);
  assert.equal(skipped.length, 1);
  assert.match(skipped[0], /torn\.jsonl line 2: not JSON/);
  assert.throws(() => readEvents(path), InputError, "strict by default");
});
