/**
 * The simulated captures against Wireshark's own engine (Debian's tshark, installed by the set-up):
 * they open without errors or malformed packets, every checksum is right, and our decoder agrees
 * with tshark packet by packet on the key fields. Also the live path: tshark captures on loopback
 * and our parser decodes its pcapng stream.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { captureLive, type Packet, readCapture, simulateTraffic, tsharkPackets, tsharkVersion } from "../lib";

const dir = mkdtempSync(join(tmpdir(), "detective-tshark-"));
const pcap = join(dir, "every-scenario.pcap");
const result = simulateTraffic(
  {
    seed: 11,
    start: "2026-03-04T10:00:00Z",
    durationSeconds: 600,
    workstations: 8,
    attacks: [
      { scenario: "syn_flood", startSeconds: 30, durationSeconds: 5, rate: 100 },
      { scenario: "udp_flood", startSeconds: 60, durationSeconds: 5, rate: 100 },
      { scenario: "port_scan", startSeconds: 90, durationSeconds: 20 },
      { scenario: "ssh_bruteforce", startSeconds: 150, durationSeconds: 20 },
      { scenario: "ftp_bruteforce", startSeconds: 200, durationSeconds: 20 },
      { scenario: "dns_tunnel", startSeconds: 250, durationSeconds: 20 },
      { scenario: "exfiltration", startSeconds: 300, durationSeconds: 20 },
      { scenario: "c2_beacon", startSeconds: 0, durationSeconds: 600, rate: 4 },
    ],
  },
  pcap,
);

function tshark(args: string[]): string {
  const r = spawnSync("tshark", args, { encoding: "utf8", maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `tshark ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

describe("simulated capture in tshark", () => {
  test(`tshark is installed (${tsharkVersion()})`, () => {
    assert.match(tsharkVersion(), /TShark/);
  });

  test("opens without errors; the only warnings are the port scan's RSTs; every checksum is good", () => {
    const checks = [
      "-o",
      "ip.check_checksum:TRUE",
      "-o",
      "tcp.check_checksum:TRUE",
      "-o",
      "udp.check_checksum:TRUE",
    ];
    const expert = tshark(["-r", pcap, "-q", "-z", "expert,warn", ...checks]);
    assert.doesNotMatch(expert, /Errors \(/, expert);
    assert.doesNotMatch(expert, /Malformed|checksum|Bad/i, expert);
    const warnings = [...expert.matchAll(/^\s+(\d+)\s+(\S+)\s+(\S+)\s+(.+)$/gm)].map((m) => m[4].trim());
    assert.ok(
      warnings.every((w) => w === "Connection reset (RST)"),
      `unexpected warnings: ${warnings.join("; ")}`,
    );
    const bad = tshark([
      "-r",
      pcap,
      ...checks,
      "-Y",
      "ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0",
    ]);
    assert.equal(bad.trim(), "", "packets with a bad checksum");
  });

  test("our decoder and tshark agree on every packet's time, length, addresses, protocol, ports, TCP flags, ICMP type", async () => {
    const ours: Packet[] = [];
    const report = await readCapture(pcap, (p) => ours.push(p));
    const theirs = tsharkPackets(pcap);
    assert.equal(report.packets, result.packets);
    assert.equal(theirs.length, ours.length);
    let icmp = 0;
    for (let i = 0; i < ours.length; i++) {
      const a = ours[i];
      const b = theirs[i];
      const where = `packet ${i + 1}`;
      assert.ok(Math.abs(a.ts - b.ts) < 2e-6, `${where}: time ${a.ts} vs ${b.ts}`);
      assert.equal(a.wireLength, b.wireLength, where);
      assert.equal(a.src, b.src, where);
      assert.equal(a.dst, b.dst, where);
      assert.equal(a.protocol, b.protocol, where);
      // An ICMP error quotes the offending packet; tshark reports that quoted packet's ports.
      if (a.protocol === 6 || a.protocol === 17) {
        assert.equal(a.srcPort, b.srcPort, where);
        assert.equal(a.dstPort, b.dstPort, where);
      }
      assert.equal(a.tcpFlags, b.tcpFlags, where);
      if (a.icmpType >= 0) {
        icmp++;
        assert.equal(a.icmpType, b.icmpType, where);
      }
    }
    assert.ok(icmp > 0, "the capture has ICMP (pings and port unreachables)");
  });
});

describe("live capture through tshark", () => {
  test("packets sent on loopback arrive decoded through tshark's pcapng stream", async () => {
    const port = 47_000 + (process.pid % 1000);
    const received: Packet[] = [];
    const socket = createSocket("udp4");
    // tshark needs a moment to open the interface; send a burst after it started.
    const sender = setTimeout(() => {
      for (let i = 0; i < 20; i++) socket.send(Buffer.from(`probe ${i}`), port, "127.0.0.1");
    }, 2500);
    try {
      const report = await captureLive(
        { interface: "lo", filter: `udp and dst port ${port}`, durationSeconds: 5 },
        (p) => received.push(p),
      );
      assert.equal(report.format, "pcapng");
      assert.equal(report.skipped, 0);
    } finally {
      clearTimeout(sender);
      socket.close();
    }
    assert.equal(received.length, 20, `expected the 20 probes, got ${received.length}`);
    // "probe 0" .. "probe 19": 7 or 8 bytes of UDP payload
    assert.ok(
      received.every(
        (p) =>
          p.dstPort === port && p.src === "127.0.0.1" && (p.payloadLength === 7 || p.payloadLength === 8),
      ),
    );
  });

  test("an interface that does not exist is a clear error", async () => {
    await assert.rejects(
      captureLive({ interface: "nosuchif0", durationSeconds: 1 }, () => {}),
      /could not capture on "nosuchif0".*tshark -D/s,
    );
  });
});
