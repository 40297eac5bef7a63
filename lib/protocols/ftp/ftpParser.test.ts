import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Flow } from "../../flows/flowTable";
import type { ParserContext, ProtocolRecord } from "../parser";
import { FTP_MAX_LINE_BYTES, FTP_MAX_PENDING, type FtpRecord, ftpParser, isGuestUser } from "./ftpParser";

function context() {
  const records: ProtocolRecord[] = [];
  const malformed: string[] = [];
  const flow = { uid: 3, proto: "tcp", dstPort: 21 } as Flow<unknown>;
  const ctx: ParserContext = {
    flow,
    emit: (r) => records.push(r),
    malformed: (m) => malformed.push(m),
    handOver: () => false,
  };
  return { parser: ftpParser.create(ctx), records: records as FtpRecord[], malformed };
}
const b = (text: string): Uint8Array => Buffer.from(text, "latin1");

describe("FTP", () => {
  test("commands paired with their replies; the greeting has no command; multi-line and preliminary replies", () => {
    const { parser, records, malformed } = context();
    parser.data("resp", b("220 (vsFTPd 3.0.3)\r\n"), 1);
    parser.data("orig", b("USER anonymous\r\n"), 2);
    parser.data("resp", b("331 Please specify the password.\r\n"), 3);
    parser.data("orig", b("PASS me@\r\nSYST\r\n"), 4); // two commands in one segment
    parser.data("resp", b("230-Welcome\r\n230-to the archive\r\n230 Login successful.\r\n215 UNIX"), 5);
    parser.data("resp", b(" Type: L8\r\n"), 6); // a reply split across segments
    parser.data("orig", b("RETR x.pdf\r\n"), 7);
    parser.data("resp", b("150 Opening BINARY mode data connection.\r\n226 Transfer complete.\r\n"), 8);
    parser.data("orig", b("QUIT\r\n"), 9);
    parser.end(10);
    assert.deepEqual(
      records.map((r) => [r.user, r.command, r.arg, r.reply_code, r.reply_msg, r.ts]),
      [
        ["", "", "", 220, "(vsFTPd 3.0.3)", 1],
        ["anonymous", "USER", "anonymous", 331, "Please specify the password.", 3],
        ["anonymous", "PASS", "me@", 230, "Login successful.", 5],
        ["anonymous", "SYST", "", 215, "UNIX Type: L8", 6],
        ["anonymous", "RETR", "x.pdf", 150, "Opening BINARY mode data connection.", 8],
        ["anonymous", "RETR", "x.pdf", 226, "Transfer complete.", 8],
        ["anonymous", "QUIT", "", -1, "", 10],
      ],
    );
    assert.deepEqual(malformed, []);
    assert.ok(isGuestUser("Anonymous") && isGuestUser("ftp") && !isGuestUser("alice"));
  });

  test("memory is bounded: over-long lines are skipped and counted, unanswered commands are capped", () => {
    const { parser, records, malformed } = context();
    // A client that never sends a newline: nothing grows beyond the line limit.
    for (let i = 0; i < 100; i++) parser.data("orig", new Uint8Array(1000).fill(0x41), i);
    parser.data("orig", b("\r\nNOOP\r\n"), 100);
    assert.deepEqual(malformed, ["command line too long"]);
    for (let i = 0; i < FTP_MAX_PENDING + 3; i++) parser.data("orig", b("NOOP\r\n"), 101);
    // NOOP + 35 more: 36 pending at most 32, so four were given up as unanswered.
    assert.equal(malformed.filter((m) => m === "too many commands unanswered").length, 4);
    assert.deepEqual(
      records.map((r) => [r.command, r.reply_code]),
      Array.from({ length: 4 }, () => ["NOOP", -1]),
    );
    parser.data("resp", b("nonsense\r\n"), 102);
    assert.equal(malformed.at(-1), "bad reply");
    assert.ok(FTP_MAX_LINE_BYTES < 100_000);
  });
});
