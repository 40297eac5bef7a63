import assert from "node:assert/strict";
import { test } from "node:test";
import { LineReader } from "./lineReader";

test("LineReader: CRLF and LF lines across pushes; over-long lines skipped once each; never holds more than the limit", () => {
  const lines: string[] = [];
  let tooLong = 0;
  const r = new LineReader(
    (l) => lines.push(l),
    () => tooLong++,
    10,
  );
  const push = (s: string): void => r.push(Buffer.from(s, "latin1"));
  push("ab");
  push("c\r\nde\nf");
  assert.deepEqual(lines, ["abc", "de"]);
  assert.equal(r.buffered, 1);
  push("0123456789"); // "f" + 10 bytes: over the limit
  assert.equal(tooLong, 1);
  assert.equal(r.buffered, 0);
  push("more and more and more");
  assert.equal(r.buffered, 0);
  assert.equal(tooLong, 1, "one report per line");
  push("\nok\n");
  assert.deepEqual(lines, ["abc", "de", "ok"]);
  push("half");
  r.gap();
  push("rest\nnext\n");
  assert.deepEqual(lines, ["abc", "de", "ok", "next"], "a gap drops the line it cut");
});
