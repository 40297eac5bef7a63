import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Flow } from "../../flows/flowTable";
import { type Packet, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from "../../packets/packet";
import { tcp, tcpText } from "../../testing/packets";
import { logRows } from "../../testing/tcpSession";
import type { ProtocolLogs } from "../logs/protocolLogs";
import type { LogRow } from "../logs/zeekLog";
import type { ExpectedEndpoints, ParserContext, ProtocolRecord } from "../parser";
import { MAX_EXPECTED_CONNECTIONS } from "../analyzer";
import {
  createFtpParser,
  FTP_MAX_COMMAND_LENGTH,
  FTP_MAX_LINE_BYTES,
  FTP_MAX_PENDING_COMMANDS,
  type FtpOptions,
  type FtpRecord,
  ftpParser,
  isGuestUser,
} from "./ftpParser";

const ALL = {
  loggedCommands: [
    "<init>",
    "USER",
    "PASS",
    "SYST",
    "CWD",
    "RETR",
    "PASV",
    "EPSV",
    "EPRT",
    "PORT",
    "QUIT",
    "AUTH",
    "NOOP",
  ],
};

function context(options: FtpOptions = ALL, flow: Partial<Flow<unknown>> = {}) {
  const records: ProtocolRecord[] = [];
  const malformed: string[] = [];
  const expected: [ExpectedEndpoints, string][] = [];
  const handOvers: string[] = [];
  const violations: string[] = [];
  const history: string[] = [];
  const f = {
    uid: 3,
    proto: "tcp",
    src: "10.0.0.1",
    srcPort: 40000,
    dst: "10.0.0.2",
    dstPort: 21,
    ...flow,
  } as Flow<unknown>;
  const ctx: ParserContext = {
    flow: f,
    emit: (r) => records.push(r),
    malformed: (m) => malformed.push(m),
    handOver: (name) => (handOvers.push(name), false),
    expect: (e, service) => expected.push([e, service]),
    violation: (reason) => violations.push(reason),
    markHistory: (letter) => history.push(letter),
  };
  const parser = createFtpParser(options).create(ctx);
  return { parser, records: records as FtpRecord[], malformed, expected, handOvers, violations, history };
}
const b = (text: string): Uint8Array => Buffer.from(text, "latin1");
const row = (r: FtpRecord) => [r.user, r.password, r.command, r.arg, r.reply_code, r.reply_msg];

describe("FTP", () => {
  test("a session: greeting as <init>, passwords hidden, multi-line and preliminary replies, file URLs, pending flushed at the end", () => {
    const { parser, records, malformed } = context();
    parser.data("resp", b("220 (vsFTPd 3.0.3)\r\n"), 1);
    parser.data("orig", b("USER alice\r\n"), 2);
    parser.data("resp", b("331 Please specify the password.\r\n"), 3);
    parser.data("orig", b("PASS secret\r\n"), 4);
    parser.data(
      "resp",
      b("230-Welcome\r\n230-to the archive\r\n   more text\r\n230 Login successful.\r\n"),
      5,
    );
    parser.data("orig", b("CWD pub\r\n"), 6);
    parser.data("resp", b("250 Directory successfully changed.\r\n"), 7);
    parser.data("orig", b("RETR x.pdf\r\n"), 8);
    parser.data("resp", b("150 Opening BINARY mode data connection for x.pdf (1234 bytes).\r\n"), 9);
    parser.data("resp", b("226 Transfer complete.\r\n"), 10);
    parser.data("orig", b("QUIT\r\n"), 11);
    parser.end(12);
    assert.deepEqual(records.map(row), [
      ["<unknown>", undefined, "<init>", undefined, 220, "(vsFTPd 3.0.3)"],
      ["alice", undefined, "USER", "alice", 331, "Please specify the password."],
      ["alice", "<hidden>", "PASS", "<hidden>", 230, "Login successful."],
      // Zeek builds the URL when the record is written, after the CWD moved the directory.
      ["alice", "<hidden>", "CWD", "ftp://10.0.0.2/./pub/pub", 250, "Directory successfully changed."],
      ["alice", "<hidden>", "RETR", "ftp://10.0.0.2/./pub/x.pdf", 226, "Transfer complete."],
      // Never answered: written at the end with the last reply, as Zeek's finalize_ftp does.
      ["alice", "<hidden>", "QUIT", undefined, 226, "Transfer complete."],
    ]);
    assert.equal(records[4].file_size, 1234);
    assert.deepEqual(
      records.map((r) => r.ts),
      [1, 2, 4, 6, 8, 11],
    ); // the command's time
    assert.deepEqual(malformed, []);
    assert.ok(isGuestUser("Anonymous") && isGuestUser("ftp") && !isGuestUser("alice"));
  });

  test("by default only Zeek's logged commands go to the log; the others are emitted unlogged (the features read them)", () => {
    const { parser, records } = context({});
    parser.data("resp", b("220 hi\r\n"), 1);
    parser.data("orig", b("USER anonymous\r\n"), 2);
    parser.data("resp", b("331 ok\r\n"), 3);
    parser.data("orig", b("PASS me@x\r\n"), 4);
    parser.data("resp", b("530 Login incorrect.\r\n"), 5);
    parser.data("orig", b("PASV\r\n"), 6);
    parser.end(7);
    assert.deepEqual(
      records.map((r) => [r.command, r.unlogged ?? false, r.password]),
      [
        ["<init>", true, undefined],
        ["USER", true, undefined],
        ["PASS", true, "me@x"], // a guest's password is logged
        ["PASV", false, "me@x"],
      ],
    );
    assert.equal(records[2].reply_code, 530);
    assert.equal(ftpParser.log?.path, "ftp");
    assert.deepEqual(ftpParser.log?.fields.map((f) => f.name).slice(6), [
      "user",
      "password",
      "command",
      "arg",
      "mime_type",
      "file_size",
      "reply_code",
      "reply_msg",
      "data_channel.passive",
      "data_channel.orig_h",
      "data_channel.resp_h",
      "data_channel.resp_p",
      "fuid",
    ]);
  });

  test("passive and active data channels (PASV 227, PORT) are logged and expected as ftp-data", () => {
    const { parser, records, expected } = context();
    parser.data("resp", b("220 hi\r\n"), 1);
    parser.data("orig", b("PASV\r\n"), 2);
    parser.data("resp", b("227 Entering Passive Mode (10,0,0,2,221,90)\r\n"), 3);
    parser.data("orig", b("PORT 10,0,0,1,131,46\r\n"), 4);
    parser.data("resp", b("200 PORT command successful.\r\n"), 5);
    parser.data("orig", b("PORT 10,0,0,1,300,1\r\n"), 6); // a byte above 255: no channel
    parser.end(7);
    const channel = (r: FtpRecord) => [
      r.command,
      r["data_channel.passive"],
      r["data_channel.orig_h"],
      r["data_channel.resp_h"],
      r["data_channel.resp_p"],
    ];
    assert.deepEqual(records.slice(1).map(channel), [
      ["PASV", true, "10.0.0.1", "10.0.0.2", 56666],
      ["PORT", false, "10.0.0.2", "10.0.0.1", 33582],
      ["PORT", undefined, undefined, undefined, undefined],
    ]);
    assert.deepEqual(expected, [
      [{ orig_h: "10.0.0.1", resp_h: "10.0.0.2", resp_p: 56666 }, "ftp-data"],
      [{ orig_h: "10.0.0.2", resp_h: "10.0.0.1", resp_p: 33582 }, "ftp-data"],
    ]);
  });

  test("EPSV and EPRT over IPv6: an empty EPSV address is the server's; EPRT's address is written canonically", () => {
    const v6 = { src: "2001:db8::1", dst: "2001:db8::2" };
    const { parser, records, expected } = context(ALL, v6);
    parser.data("resp", b("220 hi\r\n"), 1);
    parser.data("orig", b("EPSV\r\n"), 2);
    parser.data("resp", b("229 Entering Extended Passive Mode (|||63282|)\r\n"), 3);
    parser.data("orig", b("EPRT |2|2001:DB8:0:0::1|6275|\r\n"), 4);
    parser.data("resp", b("200 EPRT command successful.\r\n"), 5);
    parser.data("orig", b("EPRT |1|2001:db8::1|6275|\r\n"), 6); // family 1 with an IPv6 address: invalid
    parser.end(7);
    assert.deepEqual(expected, [
      [{ orig_h: "2001:db8::1", resp_h: "2001:db8::2", resp_p: 63282 }, "ftp-data"],
      [{ orig_h: "2001:db8::2", resp_h: "2001:db8::1", resp_p: 6275 }, "ftp-data"],
    ]);
    assert.equal(records[1]["data_channel.resp_h"], "2001:db8::2");
    assert.equal(records[3]["data_channel.resp_p"], undefined);
  });

  test("a file URL of an IPv6 server is bracketed; CDUP and PWD move the directory", () => {
    const { parser, records } = context(ALL, { dst: "2001:db8::2" });
    parser.data("resp", b("220 hi\r\n"), 1);
    parser.data("orig", b("PWD\r\n"), 2);
    parser.data("resp", b('257 "/home/ftp" is the current directory\r\n'), 3);
    parser.data("orig", b("RETR a.txt\r\n"), 4);
    parser.data("resp", b("550 No.\r\n"), 5);
    parser.data("orig", b("NOOP\r\n"), 6);
    parser.end(7);
    assert.equal(records[2].arg, "ftp://[2001:db8::2]/home/ftp/a.txt");
  });

  test("a reply no command asked for goes to the best pending one (the greeting's <init>), as Zeek does", () => {
    const { parser, records } = context();
    parser.data("resp", b("220 hi\r\n421 Timeout.\r\n"), 1);
    parser.end(2);
    assert.deepEqual(records.map(row), [["<unknown>", undefined, "<init>", undefined, 421, "Timeout."]]);
  });

  test("pending commands are bounded: beyond FTP::max_pending_commands they are dropped and counted", () => {
    const { parser, records, malformed } = context();
    for (let i = 0; i < FTP_MAX_PENDING_COMMANDS + 5; i++) parser.data("orig", b(`NOOP\r\n`), i);
    // <init> and 19 NOOPs fill the 20 places; 6 NOOPs are dropped.
    assert.equal(malformed.filter((m) => m === "FTP_too_many_pending_commands").length, 6);
    parser.end(100);
    assert.equal(records.length, FTP_MAX_PENDING_COMMANDS);
    const five = context({ ...ALL, maxPendingCommands: 5 });
    for (let i = 0; i < 6; i++) five.parser.data("orig", b("NOOP\r\n"), i);
    assert.equal(five.malformed.length, 2);
  });

  test("an over-long command word is ignored, counted and marks the history X once the analyzer is confirmed", () => {
    const { parser, records, malformed, history } = context();
    const long = "X".repeat(FTP_MAX_COMMAND_LENGTH + 1);
    parser.data("orig", b(`${long}\r\n`), 1); // before any valid command: silently ignored
    parser.data("orig", b("USER bob\r\nxy\r\n"), 2); // "xy" is too short to be a command
    parser.data("orig", b(`${long} arg\r\n`), 3);
    parser.end(4);
    assert.deepEqual(malformed, ["FTP_invalid_command", "FTP_max_command_length_exceeded"]);
    assert.deepEqual(history, ["X"]);
    assert.deepEqual(
      records.map((r) => r.command),
      ["<init>", "USER"],
    );
  });

  test("a reply line that is not FTP is a violation: pending commands are written and the parser stops", () => {
    for (const [line, reason] of [
      ["hello there", "non-numeric reply code"],
      ["099 PASV invalid", "invalid reply code"],
      ["230PASS OK", "invalid reply line"],
    ]) {
      const { parser, records, violations } = context();
      parser.data("resp", b("220 hi\r\n"), 1);
      parser.data("orig", b("USER u\r\n"), 2);
      parser.data("resp", b(`${line}\r\n`), 3);
      parser.data("orig", b("PASS p\r\n"), 4); // not parsed any more
      assert.deepEqual(violations, [reason]);
      assert.equal(parser.done, true);
      assert.deepEqual(
        records.map((r) => [r.command, r.reply_code]),
        [
          ["<init>", 220],
          ["USER", 220],
        ],
      );
      parser.end(5);
      assert.equal(records.length, 2);
    }
  });

  test("AUTH TLS answered by 234 hands the connection over to ssl after writing what is pending", () => {
    const { parser, records, handOvers } = context();
    parser.data("resp", b("220 (vsFTPd 3.0.5)\r\n"), 1);
    parser.data("orig", b("AUTH TLS\r\n"), 2);
    parser.data("resp", b("234 Proceed with negotiation.\r\n"), 3);
    assert.deepEqual(handOvers, ["ssl"]);
    assert.deepEqual(
      records.map((r) => [r.command, r.arg, r.reply_code]),
      [
        ["<init>", undefined, 220],
        ["AUTH", "TLS", 234],
      ],
    );
    assert.equal(parser.done, true);
    parser.data("orig", b("\x16\x03\x01\x00\x05hello"), 4);
    parser.end(5);
    assert.equal(records.length, 2);
  });

  test("limits of user, password, argument and reply message are applied and counted", () => {
    const { parser, records, malformed } = context({
      ...ALL,
      maxUserLength: 4,
      maxPasswordLength: 2,
      maxArgLength: 13,
      maxReplyMsgLength: 5,
      capturePassword: true,
    });
    parser.data("orig", b("USER anonymous\r\n"), 1);
    parser.data("resp", b("331 Guest login ok\r\n"), 2);
    parser.data("orig", b("PASS test\r\n"), 3);
    parser.end(4);
    // USER is written at once (the greeting's <init> is still pending); the rest at the end.
    assert.deepEqual(records.map(row), [
      ["anon", undefined, "USER", "anonymous", 331, "Guest"],
      ["anon", "te", "<init>", undefined, 331, "Guest"],
      ["anon", "te", "PASS", "test", 331, "Guest"],
    ]);
    assert.deepEqual(malformed, ["FTP_user_too_long", "FTP_reply_msg_too_long", "FTP_password_too_long"]);
  });

  test("memory is bounded: a line without end is cut once and counted; hostile bytes never throw", () => {
    const { parser, malformed } = context();
    for (let i = 0; i < 100; i++) parser.data("orig", new Uint8Array(1000).fill(0x41), i);
    parser.data("orig", b("\r\nNOOP\r\n"), 100);
    assert.deepEqual(malformed, ["FTP command line too long"]);
    assert.ok(FTP_MAX_LINE_BYTES < 100_000);
    const noise = context();
    let seed = 7;
    for (let i = 0; i < 200; i++) {
      const bytes = new Uint8Array(64).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
      noise.parser.data(i % 2 ? "orig" : "resp", bytes, i);
    }
    noise.parser.end(300);
  });

  test("the probe finds FTP on a non-standard port by its greeting or a USER command, and not HTTP", () => {
    const off = { transport: "tcp" as const, onPort: false };
    assert.ok(ftpParser.probe(b("220 ProFTPD 1.3.5 Server (FTP) ready.\r\n"), "resp", off));
    assert.ok(ftpParser.probe(b("USER anonymous\r\n"), "orig", off));
    assert.ok(!ftpParser.probe(b("GET / HTTP/1.1\r\n"), "orig", off));
    assert.ok(!ftpParser.probe(b("220 mail.example.com ESMTP\r\n"), "resp", off));
    assert.ok(ftpParser.probe(b("SYST\r\n"), "orig", { transport: "tcp", onPort: true }));
  });
});

/** A TCP connection's packets: handshake, then text segments, then the FIN exchange. */
function connection(
  t: number,
  c: string,
  cp: number,
  s: string,
  sp: number,
  lines: [from: "c" | "s", text: string][],
): Packet[] {
  const out: Packet[] = [
    tcp(t, c, cp, s, sp, TCP_SYN),
    tcp(t + 0.01, s, sp, c, cp, TCP_SYN | TCP_ACK),
    tcp(t + 0.02, c, cp, s, sp, TCP_ACK),
  ];
  lines.forEach(([from, text], i) => {
    const ts = t + 0.1 * (i + 1);
    out.push(
      from === "c"
        ? tcpText(ts, c, cp, s, sp, TCP_ACK | TCP_PSH, text)
        : tcpText(ts, s, sp, c, cp, TCP_ACK | TCP_PSH, text),
    );
  });
  const end = t + 0.1 * (lines.length + 1);
  out.push(
    tcp(end, c, cp, s, sp, TCP_FIN | TCP_ACK),
    tcp(end + 0.01, s, sp, c, cp, TCP_FIN | TCP_ACK),
    tcp(end + 0.02, c, cp, s, sp, TCP_ACK),
  );
  return out;
}

function run(packets: Packet[]): { rows: Record<string, LogRow[]>; logs: ProtocolLogs } {
  return logRows(packets.sort((a, z) => a.ts - z.ts));
}

describe("FTP through packets and the flow table", () => {
  test("passive and active data connections get the service ftp-data; unannounced ones do not", () => {
    const C = "10.0.0.1";
    const S = "10.0.0.2";
    const control = connection(100, C, 40000, S, 21, [
      ["s", "220 hi\r\n"],
      ["c", "USER anonymous\r\n"],
      ["s", "331 ok\r\n"],
      ["c", "PASS x\r\n"],
      ["s", "230 ok\r\n"],
      ["c", "PASV\r\n"],
      ["s", "227 Entering Passive Mode (10,0,0,2,19,137)\r\n"],
      ["c", "RETR a\r\n"],
      ["s", "150 Opening (3 bytes)\r\n"],
      ["s", "226 Done\r\n"],
      ["c", "PORT 10,0,0,1,19,138\r\n"],
      ["s", "200 ok\r\n"],
      ["c", "STOR b\r\n"],
      ["s", "226 Done\r\n"],
    ]);
    const passive = connection(100.75, C, 40001, S, 5001, [["s", "abc"]]);
    const active = connection(101.35, S, 20, C, 5002, [["s", "xyz"]]);
    const stray = connection(101.4, C, 40002, S, 5003, [["s", "zzz"]]);
    const { rows } = run([...control, ...passive, ...active, ...stray]);
    const service = Object.fromEntries(
      rows.conn.map((r) => [`${r["id.resp_h"]}:${r["id.resp_p"]}`, r.service]),
    );
    assert.deepEqual(service, {
      "10.0.0.2:21": "ftp",
      "10.0.0.2:5001": "ftp-data",
      "10.0.0.1:5002": "ftp-data",
      "10.0.0.2:5003": undefined,
    });
    assert.deepEqual(
      rows.ftp.map((r) => [r.command, r.arg, r.reply_code, r.file_size, r["data_channel.resp_p"]]),
      [
        ["PASV", undefined, 227, undefined, 5001],
        ["RETR", "ftp://10.0.0.2/./a", 226, 3, undefined],
        ["PORT", "10,0,0,1,19,138", 200, undefined, 5002],
        ["STOR", "ftp://10.0.0.2/./b", 226, undefined, undefined],
      ],
    );
    assert.equal(rows.ftp[0].uid, rows.conn.find((r) => r["id.resp_p"] === 21)?.uid);
  });

  test("a reply line that is not FTP removes the ftp service from the conn record, as Zeek's violation does", () => {
    const { rows, logs } = run(
      connection(1, "10.0.0.1", 40000, "10.0.0.2", 21, [
        ["s", "220 hi\r\n"],
        ["c", "USER u\r\n"],
        ["s", "230 ok\r\n"],
        ["c", "PASV\r\n"],
        ["s", "99 PASV invalid\r\n"],
      ]),
    );
    assert.equal(rows.conn[0].service, undefined);
    assert.deepEqual(
      rows.ftp.map((r) => [r.command, r.reply_code]),
      [["PASV", 230]],
    );
    // "99 " is not three digits: Zeek reads no code at all.
    assert.equal(logs.stats.malformed["ftp: non-numeric reply code"], 1);
    assert.deepEqual(
      rows.weird.map((r) => r.name),
      ["non-numeric reply code"],
    );
  });

  test("announced connections are bounded: the oldest are forgotten and counted", () => {
    const lines: [from: "c" | "s", text: string][] = [["s", "220 hi\r\n"]];
    const total = MAX_EXPECTED_CONNECTIONS + 50;
    for (let i = 0; i < total; i += 1000) {
      let chunk = "";
      for (let j = i; j < Math.min(total, i + 1000); j++)
        chunk += `PORT 10,0,${(j >> 8) & 255},${j & 255},1,1\r\n`;
      lines.push(["c", chunk]);
    }
    const { logs } = run(connection(1, "10.0.0.1", 40000, "10.0.0.2", 21, lines));
    assert.deepEqual(logs.stats.expected, { made: total, met: 0, dropped: 50 });
  });
});
