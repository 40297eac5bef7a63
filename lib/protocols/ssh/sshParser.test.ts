import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { seeded } from "../../core/random";
import type { Flow } from "../../flows/flowTable";
import type { Packet } from "../../packets/packet";
import { tcpSession, logRows } from "../../testing/tcpSession";
import type { LogRow } from "../logs/zeekLog";
import type { ParserContext, ProtocolRecord } from "../parser";
import { sshBanner, sshKexInit, sshKexReply, sshNewKeys, sshPacket } from "./sshEncode";
import { type KexInit, NEGOTIATION_FAILED, negotiate, parseKexInit } from "./sshMessages";
import { SSH_MAX_LINE_BYTES, sshParser, sshVersion } from "./sshParser";
import type { SshRecord } from "./sshLog";

const CLIENT = "10.0.1.5";
const SERVER = "198.51.100.7";

/** A TCP connection of hand-made segments (lib/testing/tcpSession). */
function connection(port: number) {
  return tcpSession(CLIENT, SERVER, port);
}

function logs(packets: Packet[]) {
  return logRows(packets);
}

const CLIENT_KEX: KexInit = {
  kex: ["curve25519-sha256", "ecdh-sha2-nistp256"],
  hostKey: ["ssh-ed25519", "rsa-sha2-512"],
  cipherToServer: ["chacha20-poly1305@openssh.com", "aes256-ctr"],
  cipherToClient: ["chacha20-poly1305@openssh.com", "aes256-ctr"],
  macToServer: ["hmac-sha2-256-etm@openssh.com", "hmac-sha1"],
  macToClient: ["hmac-sha2-256-etm@openssh.com", "hmac-sha1"],
  compressionToServer: ["none", "zlib@openssh.com"],
  compressionToClient: ["none", "zlib@openssh.com"],
};
const SERVER_KEX: KexInit = {
  kex: ["ecdh-sha2-nistp256", "curve25519-sha256"],
  hostKey: ["rsa-sha2-512", "ssh-ed25519"],
  cipherToServer: ["aes256-ctr"],
  cipherToClient: ["aes256-ctr"],
  macToServer: ["hmac-sha1"],
  macToClient: ["hmac-sha2-256-etm@openssh.com"],
  compressionToServer: ["none"],
  compressionToClient: ["none"],
};
const HOST_KEY = Uint8Array.from(
  Buffer.from("\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20host-key-bytes-for-the-test....", "latin1"),
);

/** Banners (the server's split over two segments), both KEXINITs, the key exchange, NEWKEYS both ways. */
function handshake(port = 22, kex = CLIENT_KEX) {
  return connection(port)
    .send("server", "SSH-2.0-Open")
    .send("server", "SSH_9.2p1 Debian-2\r\n")
    .send("client", sshBanner("OpenSSH_9.6"))
    .send("client", sshPacket(sshKexInit(kex)))
    .send("server", sshPacket(sshKexInit(SERVER_KEX)))
    .send("client", sshPacket(Uint8Array.of(30, 0, 0, 0, 32, ...new Uint8Array(32))))
    .send("server", Uint8Array.from([...sshPacket(sshKexReply(HOST_KEY)), ...sshPacket(sshNewKeys())]))
    .send("client", sshPacket(sshNewKeys()));
}

function ssh(rows: Record<string, LogRow[]>): SshRecord[] {
  return (rows.ssh ?? []) as unknown as SshRecord[];
}

describe("SSH", () => {
  test("banners (one split across segments), algorithms negotiated, host key fingerprint, a failure then a success counted", () => {
    const packets = handshake()
      .sealed("client", 64) // SERVICE_REQUEST
      .sealed("server", 64) // SERVICE_ACCEPT: the yardstick
      .sealed("client", 96) // USERAUTH_REQUEST "none"
      .sealed("server", 80) // USERAUTH_FAILURE: its size learned
      .sealed("client", 128) // a wrong password
      .sealed("server", 80) // failure: attempt 1
      .sealed("client", 128) // the right one
      .sealed("server", 48) // USERAUTH_SUCCESS, 16 shorter than SERVICE_ACCEPT: attempt 2
      .sealed("client", 200)
      .sealed("server", 80) // after the decision: not counted
      .close();
    const { rows, stats } = logs(packets);
    const [r] = ssh(rows);
    assert.equal(ssh(rows).length, 1);
    assert.equal(r.client, "SSH-2.0-OpenSSH_9.6");
    assert.equal(r.server, "SSH-2.0-OpenSSH_9.2p1 Debian-2");
    assert.equal(r.version, 2);
    assert.equal(r.cipher_alg, "aes256-ctr");
    assert.equal(r.mac_alg, "To server: hmac-sha1, to client: hmac-sha2-256-etm@openssh.com");
    assert.equal(r.compression_alg, "none");
    assert.equal(r.kex_alg, "curve25519-sha256");
    assert.equal(r.host_key_alg, "ssh-ed25519");
    const digest = createHash("sha256").update(HOST_KEY).digest("base64");
    assert.equal(r.host_key_fingerprint, `SHA256:${digest.slice(0, 32)}`);
    assert.equal(r.auth_success, true);
    assert.equal(r.auth_attempts, 2);
    assert.equal(r.direction, "OUTBOUND");
    // Written at the success (as Zeek), not at the connection's end.
    assert.ok(Number(r.ts) < Number(packets[packets.length - 1].ts));
    assert.deepEqual(stats.malformed, {});
  });

  test("a brute-force connection: several failed passwords in one connection, each counted, F at the end", () => {
    const c = handshake().sealed("client", 64).sealed("server", 64).sealed("client", 96).sealed("server", 80);
    for (let i = 0; i < 5; i++) c.sealed("client", 128).sealed("server", 80);
    const [r] = ssh(logs(c.close()).rows);
    assert.equal(r.auth_success, false);
    assert.equal(r.auth_attempts, 5);
  });

  test("with zlib compression sizes say nothing: no outcome, no attempts (as Zeek)", () => {
    const kex = { ...CLIENT_KEX, compressionToServer: ["zlib"], compressionToClient: ["zlib"] };
    const server = {
      ...SERVER_KEX,
      compressionToServer: ["zlib", "none"],
      compressionToClient: ["zlib", "none"],
    };
    const c = connection(22)
      .send("server", sshBanner("S"))
      .send("client", sshBanner("C"))
      .send("client", sshPacket(sshKexInit(kex)))
      .send("server", sshPacket(sshKexInit(server)))
      .send("server", sshPacket(sshNewKeys()))
      .send("client", sshPacket(sshNewKeys()))
      .sealed("client", 64)
      .sealed("server", 64)
      .sealed("client", 96)
      .sealed("server", 48);
    const [r] = ssh(logs(c.close()).rows);
    assert.equal(r.compression_alg, "zlib");
    assert.equal(r.auth_success, undefined);
    assert.equal(r.auth_attempts, 0);
  });

  test("SSH on port 80 is found by its banner; SSH-1 banners give version 1 and no algorithms", () => {
    const { rows, stats } = logs(
      connection(80)
        .send("server", sshBanner("OpenSSH_6.6", "1.99"))
        .send("client", sshBanner("OpenSSH_6.2", "1.5"))
        .sealed("client", 300)
        .close(),
    );
    const [r] = ssh(rows);
    assert.equal(stats.flows.ssh, 1);
    assert.equal(rows.conn[0].service, "ssh");
    assert.equal(r.version, 1);
    assert.equal(r.cipher_alg, undefined);
    assert.deepEqual(stats.malformed, {}, "SSH-1 packets are not read as SSH-2 ones");
    assert.equal(sshParser.probe(Buffer.from("SS"), "resp", { transport: "tcp", onPort: true }), true);
    assert.equal(sshParser.probe(Buffer.from("SS"), "resp", { transport: "tcp", onPort: false }), false);
    assert.equal(
      sshParser.probe(Buffer.from("GET / HTTP/1.1\r\n"), "orig", { transport: "tcp", onPort: true }),
      false,
    );
  });

  test("one side's banner only (a half-duplex capture): an ssh record, but no service until both sides are seen", () => {
    const { rows } = logs(connection(22).send("server", sshBanner("OpenSSH_9.6", "2.0")).close());
    assert.equal(ssh(rows)[0].server, "SSH-2.0-OpenSSH_9.6");
    assert.equal(rows.conn[0].service, undefined);
  });

  test("the version both banners agree on (Zeek's rules, 1.99 included)", () => {
    assert.equal(sshVersion("SSH-2.0-a", "SSH-2.0-b"), 2);
    assert.equal(sshVersion("SSH-1.99-a", "SSH-2.0-b"), 2);
    assert.equal(sshVersion("SSH-2.0-a", "SSH-1.99-b"), 2);
    assert.equal(sshVersion("SSH-1.5-a", "SSH-2.0-b"), 0);
    assert.equal(sshVersion("SSH-1.5-a", "SSH-1.99-b"), 1);
    assert.equal(sshVersion("SSH-1.99-a", "SSH-1.99-b"), 2);
    assert.equal(sshVersion("SSH-", "SSH-2.0-b"), undefined);
    assert.equal(negotiate(["a", "b"], ["c"]), NEGOTIATION_FAILED);
    assert.equal(parseKexInit(Uint8Array.of(20, 1, 2)), undefined);
  });

  test("malformed input is counted and memory stays bounded: endless banner, absurd packet length, truncated KEXINIT", () => {
    const records: ProtocolRecord[] = [];
    const malformed: string[] = [];
    const ctx: ParserContext = {
      flow: { uid: 1, src: CLIENT, dst: SERVER, proto: "tcp", dstPort: 22 } as Flow<unknown>,
      emit: (r) => records.push(r),
      malformed: (m) => malformed.push(m),
      handOver: () => false,
    };
    const p = sshParser.create(ctx);
    // A client that never ends its identification line.
    for (let i = 0; i < 200; i++) p.data("orig", new Uint8Array(1000).fill(0x41), i);
    p.data("orig", Buffer.from("\r\nSSH-2.0-late\r\n"), 201);
    assert.deepEqual(malformed, ["identification line too long"]);
    assert.ok(SSH_MAX_LINE_BYTES < 200_000);
    // A server packet claiming 2 GB: counted, that side is no longer read.
    p.data("resp", Buffer.from("SSH-2.0-s\r\n"), 202);
    p.data("resp", Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 4, 20), 203);
    p.data("resp", new Uint8Array(100_000), 204);
    assert.deepEqual(malformed, ["identification line too long", "bad packet length"]);
    // A KEXINIT cut short inside a well-framed packet.
    p.data("orig", sshPacket(Uint8Array.of(20, ...new Uint8Array(16), 0, 0, 0, 99)), 205);
    assert.equal(malformed[2], "bad KEXINIT");
    p.end(206);
    const [r] = records as SshRecord[];
    assert.equal(r.client, "SSH-2.0-late");
    assert.equal(r.server, "SSH-2.0-s");
  });

  test("hostile input never throws: random bytes after valid and invalid banners, gaps", () => {
    const rng = seeded(12);
    for (let run = 0; run < 30; run++) {
      const ctx: ParserContext = {
        flow: { uid: 1, src: CLIENT, dst: SERVER, proto: "tcp", dstPort: 22 } as Flow<unknown>,
        emit: () => {},
        malformed: () => {},
        handOver: () => false,
      };
      const p = sshParser.create(ctx);
      p.data("resp", sshBanner("s", run % 3 ? "2.0" : "1.99"), 0);
      p.data("orig", sshBanner("c"), 0);
      for (let i = 0; i < 200; i++) {
        const dir = rng() < 0.5 ? "orig" : "resp";
        if (rng() < 0.01) p.gap(dir, 10);
        const n = Math.floor(rng() * 2000);
        const bytes = Uint8Array.from({ length: n }, () => Math.floor(rng() * 256));
        if (rng() < 0.3 && n > 8)
          bytes.set([0, 0, 0, Math.floor(rng() * 64), 4, 20 + Math.floor(rng() * 15)]);
        p.data(dir, bytes, i);
      }
      p.end(300);
    }
  });

  test("after a gap nothing more is inferred (as Zeek)", () => {
    const records: ProtocolRecord[] = [];
    const ctx: ParserContext = {
      flow: { uid: 1, src: CLIENT, dst: SERVER, proto: "tcp", dstPort: 22 } as Flow<unknown>,
      emit: (r) => records.push(r),
      malformed: () => {},
      handOver: () => false,
    };
    const p = sshParser.create(ctx);
    p.data("resp", sshBanner("s"), 1);
    p.data("orig", sshBanner("c"), 2);
    p.data("resp", sshPacket(sshNewKeys()), 3);
    p.data("orig", sshPacket(sshNewKeys()), 4);
    p.data("orig", new Uint8Array(64), 5);
    p.data("resp", new Uint8Array(64), 6);
    p.gap("orig", 500);
    p.data("orig", new Uint8Array(96), 7);
    p.data("resp", new Uint8Array(48), 8); // would be a success
    p.end(9);
    assert.equal((records[0] as SshRecord).auth_success, undefined);
    assert.equal((records[0] as SshRecord).auth_attempts, 0);
  });
});
