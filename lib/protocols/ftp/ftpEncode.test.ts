import assert from "node:assert/strict";
import { test } from "node:test";
import { type Packet, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from "../../packets/packet";
import { tcp, tcpText } from "../../testing/packets";
import { FlowTable } from "../../flows/flowTable";
import { type FlowProtocolState, ProtocolAnalyzer } from "../analyzer";
import type { ProtocolRecord } from "../parser";
import { ftpCommand, ftpPassiveReply, ftpReply, VSFTPD_REPLIES } from "./ftpEncode";
import type { FtpRecord } from "./ftpLog";

test("the encoder's session, through packets and the flow table, parses back to what it said", () => {
  const C = "10.0.1.5";
  const S = "10.0.0.21";
  const messages: [from: "c" | "s", bytes: Uint8Array][] = [
    ["s", ftpReply(220, VSFTPD_REPLIES.greeting)],
    ["c", ftpCommand("USER", "carol")],
    ["s", ftpReply(331, VSFTPD_REPLIES.password)],
    ["c", ftpCommand("PASS", "s3cret-pas")],
    ["s", ftpReply(530, VSFTPD_REPLIES.loginIncorrect)],
    ["c", ftpCommand("USER", "carol")],
    ["s", ftpReply(331, VSFTPD_REPLIES.password)],
    ["c", ftpCommand("PASS", "s3cret-pass")],
    ["s", ftpReply(230, VSFTPD_REPLIES.loginSuccessful)],
    ["c", ftpCommand("TYPE", "I")],
    ["s", ftpReply(200, VSFTPD_REPLIES.binary)],
    ["c", ftpCommand("PASV")],
    ["s", ftpPassiveReply(S, 41_234)],
    ["c", ftpCommand("RETR", "reports/q1.pdf")],
    ["s", ftpReply(150, VSFTPD_REPLIES.opening)],
    ["s", ftpReply(226, VSFTPD_REPLIES.transferComplete)],
    ["c", ftpCommand("QUIT")],
    ["s", ftpReply(221, VSFTPD_REPLIES.goodbye)],
  ];
  const packets: Packet[] = [
    tcp(1, C, 50_000, S, 21, TCP_SYN),
    tcp(1.001, S, 21, C, 50_000, TCP_SYN | TCP_ACK),
    tcp(1.002, C, 50_000, S, 21, TCP_ACK),
    ...messages.map(([from, bytes], i) =>
      from === "c"
        ? tcpText(2 + i, C, 50_000, S, 21, TCP_ACK | TCP_PSH, bytes)
        : tcpText(2 + i, S, 21, C, 50_000, TCP_ACK | TCP_PSH, bytes),
    ),
    tcp(30, C, 50_000, S, 21, TCP_FIN | TCP_ACK),
    tcp(30.001, S, 21, C, 50_000, TCP_FIN | TCP_ACK),
  ];
  // The analyzer on the flow table: every record, logged or not, as the features see them.
  const records: ProtocolRecord[] = [];
  const table = new FlowTable<FlowProtocolState>({}, new ProtocolAnalyzer((r) => records.push(r)));
  for (const p of packets) table.add(p, () => {});
  table.flush(() => {});
  const ftp = records as FtpRecord[];
  assert.deepEqual(
    ftp.map((r) => [r.command, r.arg, r.reply_code, r.reply_msg]),
    [
      ["<init>", undefined, 220, "(vsFTPd 3.0.3)"],
      ["USER", "carol", 331, "Please specify the password."],
      ["PASS", "<hidden>", 530, "Login incorrect."],
      ["USER", "carol", 331, "Please specify the password."],
      ["PASS", "<hidden>", 230, "Login successful."],
      ["TYPE", "I", 200, "Switching to Binary mode."],
      ["PASV", undefined, 227, "Entering Passive Mode (10,0,0,21,161,18)."],
      ["RETR", "ftp://10.0.0.21/./reports/q1.pdf", 226, "Transfer complete."],
      ["QUIT", undefined, 221, "Goodbye."],
    ],
  );
  assert.deepEqual([ftp[6]["data_channel.resp_h"], ftp[6]["data_channel.resp_p"]], [S, 41_234]);
  assert.ok(ftp.every((r) => r.user === "carol" || r.command === "<init>"));
});
