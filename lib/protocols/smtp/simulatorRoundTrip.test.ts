import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { seeded } from "../../core/random";
import { decodeFrame, isDecodeFailure } from "../../packets/decode";
import { wireLengthOf } from "../../packets/frames";
import { LINKTYPE_ETHERNET } from "../../packets/packet";
import { SimContext } from "../../simulate/conversation";
import { buildNetwork } from "../../simulate/network";
import { sshHandshake, smtpDelivery } from "../../simulate/sessions";
import { ProtocolLogs } from "../logs/protocolLogs";
import type { LogRow } from "../logs/zeekLog";
import type { SshRecord } from "../ssh/sshLog";
import type { SmtpRecord } from "./smtpLog";

/** Runs `play` in a fresh simulation and parses what it sent: the simulator's encoders read back. */
function simulated(play: (ctx: SimContext, net: ReturnType<typeof buildNetwork>) => void) {
  const rng = seeded(5);
  const net = buildNetwork({ workstations: 2 }, rng);
  const frames: { ts: number; frame: Uint8Array }[] = [];
  const ctx = new SimContext({ emit: (ts, frame) => frames.push({ ts, frame }), label: () => {} }, rng);
  play(ctx, net);
  frames.sort((a, b) => a.ts - b.ts);
  const rows: Record<string, LogRow[]> = {};
  const logs = new ProtocolLogs({ write: (schema, row) => (rows[schema.path] ??= []).push(row) });
  for (const { ts, frame } of frames) {
    const p = decodeFrame(LINKTYPE_ETHERNET, frame, ts, wireLengthOf(frame));
    if (!isDecodeFailure(p)) logs.add(p);
  }
  logs.flush();
  return rows;
}

describe("the simulator's SMTP and SSH bytes, read back by the parsers", () => {
  test("an SMTP delivery gives its HELO, envelope and the server's replies back", () => {
    const rows = simulated((ctx, net) => {
      smtpDelivery(ctx, net.externalMail[0], net.servers.mail, 1_000, "mx0.example.org");
    });
    const smtp = rows.smtp as unknown as SmtpRecord[];
    assert.equal(smtp.length, 1);
    assert.equal(smtp[0].helo, "mx0.example.org");
    assert.equal(smtp[0].mailfrom, "user@corp.example");
    assert.deepEqual(smtp[0].rcptto, ["partner@example.org"]);
    assert.equal(smtp[0].trans_depth, 1);
    // The simulated body is cut by the snap length: the server's later replies still come through.
    assert.equal(smtp[0].last_reply, "221 2.0.0 Bye");
    assert.equal(rows.conn[0].service, "smtp");
  });

  test("an SSH handshake gives both banners back", () => {
    const rows = simulated((ctx, net) => {
      sshHandshake(ctx, net.workstations[0], net.servers.ssh, 1_000).close("client");
    });
    const [r] = rows.ssh as unknown as SshRecord[];
    assert.equal(r.client, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3");
    assert.equal(r.server, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3");
    assert.equal(r.version, 2);
    assert.equal(rows.conn[0].service, "ssh");
  });
});
