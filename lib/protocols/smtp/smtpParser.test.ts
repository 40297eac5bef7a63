import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { seeded } from "../../core/random";
import type { Flow } from "../../flows/flowTable";
import type { Packet } from "../../packets/packet";
import { tcpSession, logRows } from "../../testing/tcpSession";
import type { ParserContext, ParserInstance, ProtocolParser, ProtocolRecord } from "../parser";
import { defaultRegistry, ParserRegistry } from "../registry";
import { emailAddresses, ipAddresses, mimeAddresses } from "./smtpAddresses";
import { smtpCommand, smtpMessage, smtpReply } from "./smtpEncode";
import { SMTP_MAX_HEADER_BYTES } from "./smtpHeaders";
import type { SmtpRecord } from "./smtpLog";
import { createSmtpParser, SMTP_MAX_LINE_BYTES, smtpParser } from "./smtpParser";
import { smtpOptionsFromZeekScript } from "./zeekScript";

const CLIENT = "10.0.1.5";
const SERVER = "198.51.100.25";

/** A TCP connection of hand-made segments (lib/testing/tcpSession). */
function connection(port = 25) {
  return tcpSession(CLIENT, SERVER, port);
}

function logs(packets: Packet[], registry = defaultRegistry()) {
  const { rows, stats } = logRows(packets, { registry });
  return { rows, stats, smtp: (rows.smtp ?? []) as unknown as SmtpRecord[] };
}

/** A parser instance fed by hand, its records and malformed reasons. */
function bare(handOver: ParserContext["handOver"] = () => false, parser = smtpParser) {
  const records: ProtocolRecord[] = [];
  const malformed: string[] = [];
  const ctx: ParserContext = {
    flow: { uid: 1, src: CLIENT, dst: SERVER, proto: "tcp", dstPort: 25 } as Flow<unknown>,
    emit: (r) => records.push(r),
    malformed: (m) => malformed.push(m),
    handOver,
  };
  return { parser: parser.create(ctx), records: records as SmtpRecord[], malformed };
}
const b = (text: string): Uint8Array => Buffer.from(text, "latin1");

describe("SMTP", () => {
  test("pipelined commands, a folded header, DATA split with its CRLF.CRLF split, two transactions", () => {
    const { smtp, stats } = logs(
      connection()
        .send("server", smtpReply(220, ["mx.example ESMTP"]))
        .send("client", smtpCommand("EHLO", "client.example"))
        .send("server", smtpReply(250, ["mx.example", "PIPELINING", "8BITMIME"]))
        // MAIL, two RCPTs and DATA in one segment (RFC 2920).
        .send(
          "client",
          "MAIL FROM:<Alice@corp.example> SIZE=200\r\nRCPT TO:<bob@example.org>\r\nRCPT TO:<carol@example.org> ORCPT=rfc822;carol@example.org\r\nDATA\r\n",
        )
        .send("server", "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n")
        .send(
          "client",
          'Received: from relay.example ([192.0.2.33]) by mx\r\nFrom: Alice <alice@corp.example>\r\nTo: Bob <bob@example.org>, "Carol, C." <carol@example.org>\r\nSubject: quarterly\r\n',
        )
        .send("client", "\treport\r\nX-Mailer: mutt\r\n\r\nBody line\r\n..stuffed line\r\n.")
        .send("client", "\r\n") // the end mark split between segments
        .send("server", smtpReply(250, ["2.0.0 Ok: queued as 1"]))
        .send("client", "MAIL FROM:<alice@corp.example>\r\nRCPT TO:<dave@example.org>\r\nDATA\r\n")
        .send("server", "250 Ok\r\n250 Ok\r\n354 go ahead\r\n")
        .send("client", smtpMessage([["Subject", "second"]], [".hidden"]))
        .send("server", smtpReply(250, ["Ok: queued as 2"]))
        .send("client", smtpCommand("QUIT"))
        .send("server", smtpReply(221, ["Bye"]))
        .close(),
    );
    assert.equal(smtp.length, 2);
    const [first, second] = smtp;
    assert.equal(first.trans_depth, 1);
    assert.equal(first.helo, "client.example");
    assert.equal(first.mailfrom, "Alice@corp.example");
    assert.deepEqual([...(first.rcptto ?? [])].sort(), ["bob@example.org", "carol@example.org"]);
    assert.equal(first.subject, "quarterly\treport", "the folded line joined as sent");
    assert.deepEqual(first.to, ["Bob <bob@example.org>", '"Carol', 'C." <carol@example.org>']);
    assert.equal(first.from, "Alice <alice@corp.example>");
    assert.equal(first.user_agent, "mutt");
    assert.equal(first.first_received, "from relay.example ([192.0.2.33]) by mx");
    assert.deepEqual(first.path, [SERVER, CLIENT, "192.0.2.33"]);
    assert.equal(first.last_reply, "250 2.0.0 Ok: queued as 1");
    assert.equal(second.trans_depth, 2);
    assert.deepEqual(second.rcptto, ["dave@example.org"]);
    assert.equal(second.subject, "second");
    assert.equal(second.last_reply, "250 Ok: queued as 2");
    assert.equal(second.tls, false);
    assert.deepEqual(stats.malformed, {});
  });

  test("STARTTLS hands the rest of the flow to ssl (service smtp,ssl); without an ssl parser the SMTP parser stops", () => {
    const seen: number[] = [];
    const ssl: ProtocolParser = {
      name: "ssl",
      transports: ["tcp"],
      ports: [443],
      probe: () => false,
      create: (): ParserInstance => ({
        done: false,
        data: (_d, bytes) => seen.push(bytes.length),
        gap: () => {},
        end: () => {},
      }),
    };
    const session = () =>
      connection()
        .send("server", smtpReply(220, ["mx ESMTP"]))
        .send("client", smtpCommand("EHLO", "c.example"))
        .send("server", smtpReply(250, ["mx", "STARTTLS"]))
        .send("client", smtpCommand("STARTTLS"))
        .send("server", smtpReply(220, ["2.0.0 Ready to start TLS"]))
        .send("client", Uint8Array.of(0x16, 3, 1, 0, 5, 1, 0, 0, 1, 0)) // a ClientHello's start
        .send("client", "MAIL FROM:<not@smtp.example>\r\n") // TLS bytes, not SMTP
        .close();
    const handed = logs(session(), new ParserRegistry().register(smtpParser).register(ssl));
    assert.equal(handed.rows.conn[0].service, "smtp,ssl");
    assert.deepEqual(seen, [10, 30]);
    const [r] = handed.smtp;
    assert.equal(handed.smtp.length, 1);
    assert.equal(r.tls, true);
    assert.equal(r.helo, "c.example");
    assert.equal(r.mailfrom, undefined);
    assert.equal(r.last_reply, "220 2.0.0 Ready to start TLS");
    const alone = logs(session(), new ParserRegistry().register(smtpParser)); // no ssl parser
    assert.equal(alone.smtp.length, 1);
    assert.equal(alone.smtp[0].tls, true);
    assert.equal(alone.smtp[0].mailfrom, undefined, "bytes after STARTTLS are not read as SMTP");
  });

  test("BDAT chunks: headers across chunks, LAST completes the transaction; a bad chunk size is counted", () => {
    const { smtp, stats } = logs(
      connection()
        .send("server", smtpReply(220, ["mx ESMTP"]))
        .send("client", smtpCommand("EHLO", "c.example"))
        .send("server", smtpReply(250, ["mx", "CHUNKING"]))
        .send("client", "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nBDAT 19\r\nSubject: chunked su")
        .send("server", "250 Ok\r\n250 Ok\r\n250 Ok: 19 bytes\r\n")
        .send("client", "BDAT 13 LAST\r\nbject\r\n\r\nhi\r\n")
        .send("server", smtpReply(250, ["Ok: queued"]))
        .send("client", "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nBDAT -1 LAST\r\n")
        .send("server", "250 Ok\r\n250 Ok\r\n521 5.5.4 Syntax: BDAT count [LAST]\r\n")
        .close(),
    );
    assert.equal(smtp.length, 2);
    assert.equal(smtp[0].subject, "chunked subject");
    assert.equal(smtp[0].last_reply, "250 Ok: queued");
    assert.equal(smtp[1].trans_depth, 2);
    assert.equal(smtp[1].last_reply, "521 5.5.4 Syntax: BDAT count [LAST]");
    assert.deepEqual(stats.malformed, { "smtp: bad BDAT chunk size": 1 });
  });

  test("gaps: inside a BDAT chunk they shorten it; elsewhere client lines wait for the next reply", () => {
    const { parser, records } = bare();
    parser.data("resp", b("220 mx\r\n"), 0.5);
    parser.data("orig", b("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nBDAT 200\r\n"), 1);
    parser.data("resp", b("250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n"), 2);
    parser.data("orig", new Uint8Array(100).fill(0x41), 3);
    parser.gap("orig", 1000);
    // DATA is still a command; a second message in the same transaction: its headers are not read (as Zeek).
    parser.data("orig", b("DATA\r\n"), 4);
    parser.data("resp", b("354 go\r\n"), 5);
    parser.data("orig", b("Subject: second\r\n\r\nhi\r\n.\r\n"), 6);
    parser.data("resp", b("250 queued\r\n"), 7);
    parser.data("orig", b("MAIL FROM:<e@f.example>\r\nRCPT TO:<g@h.example>\r\nDATA\r\n"), 8);
    parser.gap("orig", 50); // inside DATA: the message is cut off
    parser.data("orig", b("RCPT TO:<lost@x.example>\r\n"), 9); // command or message line? ignored
    parser.data("resp", b("250 ok\r\n"), 10);
    parser.data("orig", b("RCPT TO:<seen@x.example>\r\n"), 11);
    parser.end(12);
    assert.deepEqual(
      records.map((r) => [r.trans_depth, r.mailfrom, r.rcptto, r.subject, r.last_reply]),
      [
        [1, "a@b.example", ["c@d.example"], undefined, "250 queued"],
        [2, "e@f.example", ["g@h.example", "seen@x.example"], undefined, "250 ok"],
      ],
    );
  });

  test("a one-side capture (client only): each MAIL FROM closes the transaction before it", () => {
    const { parser, records } = bare();
    for (const n of [1, 2]) {
      parser.data("orig", b(`mail FROM:<r@x.example>\r\nrcpt TO:<u${n}@y.example>\r\ndata\r\n`), n);
      parser.data("orig", smtpMessage([["Subject", `Hello${n}`]], ["x"]), n + 0.5);
    }
    parser.end(3);
    assert.deepEqual(
      records.map((r) => [r.trans_depth, r.rcptto, r.subject, r.last_reply]),
      [
        [1, ["u1@y.example"], "Hello1", undefined],
        [1, ["u2@y.example"], "Hello2", undefined],
      ],
    );
  });

  test("invalid transactions are counted (RCPT before MAIL, DATA before RCPT); rejected DATA leaves data mode", () => {
    const { parser, records, malformed } = bare();
    parser.data("resp", b("220 mx\r\n"), 1);
    parser.data("orig", b("RCPT TO:<a@x.example>\r\n"), 2);
    parser.data("resp", b("503 sender not yet given\r\n"), 3);
    parser.data("orig", b("DATA\r\n"), 4);
    parser.data("resp", b("503 no valid recipients\r\n"), 5);
    parser.data("orig", b("Subject: not a header\r\n.\r\n"), 6); // commands again: unknown
    parser.data("orig", b("MAIL FROM:<m@x.example>\r\nDATA\r\n"), 7);
    parser.end(8);
    assert.deepEqual(malformed, [
      "rcpt to missing mail from",
      "unknown command",
      "unknown command",
      "data missing rcpt to",
    ]);
    assert.deepEqual(
      records.map((r) => [r.trans_depth, r.mailfrom, r.rcptto, r.subject]),
      [
        [1, undefined, ["a@x.example"], undefined],
        [1, "m@x.example", undefined, undefined],
      ],
    );
  });

  test("max_invalid_mail_transactions: analysis stops after that many (a Zeek script's setting read too)", () => {
    const script = "@load base/protocols/smtp\n\nredef SMTP::max_invalid_mail_transactions = 2;\n";
    assert.deepEqual(smtpOptionsFromZeekScript(script), { maxInvalidTransactions: 2 });
    assert.deepEqual(smtpOptionsFromZeekScript("redef FTP::max_arg_length = 5;"), {});
    const session = (parser = smtpParser) => {
      const run = bare(undefined, parser);
      run.parser.data("resp", b("220 mx\r\n"), 1);
      for (let i = 0; i < 3; i++) {
        run.parser.data("orig", b("RCPT TO:<a@x.example>\r\n"), 2 + i);
        run.parser.data("resp", b("503 sender not yet given\r\n"), 2 + i);
      }
      run.parser.data("orig", b("MAIL FROM:<late@x.example>\r\n"), 6);
      run.parser.data("resp", b("250 ok\r\n"), 6);
      run.parser.end(7);
      return run;
    };
    const limited = session(createSmtpParser(smtpOptionsFromZeekScript(script)));
    assert.ok(limited.malformed.includes("too many invalid mail transactions"));
    assert.ok(!limited.records.some((r) => r.mailfrom === "late@x.example"), "nothing read after the limit");
    const defaults = session();
    assert.ok(!defaults.malformed.includes("too many invalid mail transactions"));
    assert.ok(defaults.records.some((r) => r.mailfrom === "late@x.example"));
  });

  test("memory is bounded: over-long lines and headers are cut and counted, parsing goes on", () => {
    const { parser, records, malformed } = bare();
    parser.data("orig", b("EHLO c\r\n"), 1);
    for (let i = 0; i < 50; i++) parser.data("orig", new Uint8Array(1000).fill(0x41), 2);
    parser.data("orig", b("\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n"), 3);
    parser.data("orig", b(`Subject: x\r\n${" y".repeat(SMTP_MAX_LINE_BYTES / 4)}\r\n`), 4);
    for (let i = 0; i < 2 * (SMTP_MAX_HEADER_BYTES / 4096); i++)
      parser.data("orig", b(` ${"z".repeat(4094)}\r\n`), 5);
    parser.data("orig", b("\r\nbody\r\n.\r\n"), 6);
    parser.end(7);
    assert.deepEqual(malformed, ["client line too long", "header too long"]);
    assert.equal(records[0].mailfrom, "a@b.example");
    assert.ok((records[0].subject ?? "").length <= SMTP_MAX_HEADER_BYTES);
    assert.ok((records[0].subject ?? "").startsWith("x y y"));
  });

  test("found by content off port 25: a greeting naming SMTP, or EHLO; not an FTP greeting", () => {
    const where = { transport: "tcp" as const, onPort: false };
    assert.equal(smtpParser.probe(b("220 mx.example ESMTP Exim 4.96\r\n"), "resp", where), true);
    assert.equal(smtpParser.probe(b("EHLO laptop\r\n"), "orig", where), true);
    assert.equal(smtpParser.probe(b("220 (vsFTPd 3.0.3)\r\n"), "resp", where), false);
    assert.equal(smtpParser.probe(b("220 (vsFTPd 3.0.3)\r\n"), "resp", { ...where, onPort: true }), true);
    assert.equal(
      smtpParser.probe(b("RCPT TO:<a@b>\r\n"), "orig", { ...where, onPort: true }),
      true,
      "joined mid-session",
    );
    assert.equal(smtpParser.probe(b("RCPT TO:<a@b>\r\n"), "orig", where), false);
    assert.equal(smtpParser.probe(b("GET / HTTP/1.1\r\n"), "orig", { ...where, onPort: true }), false);
    assert.equal(smtpParser.probe(b("SSH-2.0-x\r\n"), "resp", { ...where, onPort: true }), false);
    const { smtp, rows } = logs(
      connection(2525)
        .send("server", smtpReply(220, ["mx ESMTP Postfix"]))
        .send("client", smtpCommand("HELO", "c"))
        .send("server", smtpReply(250, ["mx"]))
        .send("client", smtpCommand("MAIL", "FROM:<a@b.example>"))
        .close(),
    );
    assert.equal(rows.conn[0].service, "smtp");
    assert.equal(smtp[0].helo, "c");
  });

  test("hostile input never throws: random lines, replies, chunk sizes and gaps", () => {
    const rng = seeded(11);
    const pieces = [
      "DATA\r\n",
      "BDAT 7\r\n",
      "BDAT 99999999999 LAST\r\n",
      ".\r\n",
      "\r\n",
      "250-x\r\n",
      "354 go\r\n",
      "220 x\r\n",
      "Subject: a\r\n",
      " fold\r\n",
      "MAIL FROM:<a@b>\r\n",
      "RCPT TO:<c@d>\r\n",
      "STARTTLS\r\n",
      "AUTH x\r\n",
      "334 x\r\n",
      "\r\r\r",
    ];
    for (let run = 0; run < 20; run++) {
      const { parser, malformed } = bare(() => rng() < 0.5);
      for (let i = 0; i < 300; i++) {
        const dir = rng() < 0.5 ? "orig" : "resp";
        const r = rng();
        if (r < 0.05) parser.gap(dir, Math.floor(rng() * 5000));
        else if (r < 0.2)
          parser.data(
            dir,
            Uint8Array.from({ length: Math.floor(rng() * 3000) }, () => Math.floor(rng() * 256)),
            i,
          );
        else parser.data(dir, b(pieces[Math.floor(rng() * pieces.length)]), i);
      }
      parser.end(400);
      assert.ok(malformed.every((m) => typeof m === "string"));
    }
  });

  test("Zeek's address helpers", () => {
    assert.deepEqual(emailAddresses("FROM:<a@b.example> SIZE=10"), ["a@b.example"]);
    assert.deepEqual(emailAddresses("FROM:<>"), []);
    assert.deepEqual(mimeAddresses('A <a@x>, "B, b" <b@x>,  c@x'), ["A <a@x>", '"B', 'b" <b@x>', "c@x"]);
    assert.deepEqual(ipAddresses("from h ([192.0.2.1]:25) by [IPv6:2001:db8::1] (10.0.0.1)", true), [
      "192.0.2.1",
      "10.0.0.1",
    ]);
    assert.deepEqual(ipAddresses("client 192.0.2.9, 10.1.1.1"), ["192.0.2.9", "10.1.1.1"]);
  });
});
