import assert from "node:assert/strict";
import { test } from "node:test";
import { stopper } from "./monitor";

/** A stopper whose exit and close are recorded instead of carried out. */
function recorded() {
  const ac = new AbortController();
  const exits: number[] = [];
  let closed = 0;
  const s = stopper(
    ac,
    () => closed++,
    (code) => exits.push(code),
  );
  return { ac, exits, closed: () => closed, ...s };
}

test("the first signal aborts; a second one closes the logs and exits with 128 + its number", () => {
  const r = recorded();
  r.onSignal("SIGINT");
  assert.equal(r.ac.signal.aborted, true);
  assert.deepEqual(r.exits, [], "the first signal only asks the source to stop");
  r.onSignal("SIGINT");
  assert.deepEqual(r.exits, [130]);
  assert.equal(r.closed(), 1);
  r.cancel();
  const t = recorded();
  t.onSignal("SIGTERM");
  t.onSignal("SIGTERM");
  assert.deepEqual(t.exits, [143]);
  t.cancel();
});

test("a stop that overruns its second exits by itself; a finished stop cancels that deadline", async () => {
  const slow = recorded();
  slow.onSignal("SIGTERM");
  const fast = recorded();
  fast.onSignal("SIGTERM");
  fast.cancel(); // the stop finished in time
  await new Promise((r) => setTimeout(r, 1300));
  assert.deepEqual(slow.exits, [143], "the deadline fired");
  assert.equal(slow.closed(), 1);
  assert.deepEqual(fast.exits, [], "a cancelled deadline never fires");
});
