import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { OptionError } from "../core/errors";
import { parseCapture } from "../packets/capture";
import { internetChecksum, type Packet, TCP_ACK, TCP_SYN } from "../packets/packet";
import { everyAttack } from "./attacks";
import { activity } from "./network";
import { type SimulationLabels, simulateTraffic } from "./simulate";

const dir = mkdtempSync(join(tmpdir(), "detective-sim-"));
const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const small = { start: "2026-03-03T09:00:00Z", durationSeconds: 300, workstations: 6 };

describe("simulateTraffic", () => {
  test("the same seed gives the same capture, byte for byte; another seed a different one", () => {
    const a = simulateTraffic({ seed: 3, ...small }, join(dir, "a.pcap"));
    const b = simulateTraffic({ seed: 3, ...small }, join(dir, "b.pcap"));
    const c = simulateTraffic({ seed: 4, ...small }, join(dir, "c.pcap"));
    assert.ok(a.packets > 500, `only ${a.packets} packets`);
    assert.equal(sha(a.pcap), sha(b.pcap));
    assert.equal(readFileSync(a.labels, "utf8"), readFileSync(b.labels, "utf8"));
    assert.notEqual(sha(a.pcap), sha(c.pcap));
  });

  test("packets are in time order, inside the capture window, from allowed address ranges, with valid checksums", () => {
    const r = simulateTraffic(
      {
        seed: 5,
        ...small,
        attacks: [
          { scenario: "port_scan", startSeconds: 60, durationSeconds: 30 },
          { scenario: "udp_flood", startSeconds: 120, durationSeconds: 5, rate: 50 },
        ],
      },
      join(dir, "d.pcap"),
    );
    const { packets, report } = parseCapture(readFileSync(r.pcap));
    assert.equal(report.packets, r.packets);
    assert.equal(report.skipped, 0);
    const allowed = /^(10\.|192\.0\.2\.|198\.51\.100\.|203\.0\.113\.)/;
    let previous = -Infinity;
    for (const p of packets as Packet[]) {
      assert.ok(p.ts >= previous && p.ts >= r.start && p.ts < r.end);
      previous = p.ts;
      assert.match(p.src, allowed);
      assert.match(p.dst, allowed);
      assert.ok(p.ipChecksumOk);
    }
    // TCP and UDP checksums: the sum over pseudo-header and segment, checksum included, is zero.
    const frames = readFileSync(r.pcap);
    let offset = 24;
    let checked = 0;
    while (offset < frames.length) {
      const captured = frames.readUInt32LE(offset + 8);
      const f = frames.subarray(offset + 16, offset + 16 + captured);
      const ihl = (f[14] & 0x0f) * 4;
      const total = (f[16] << 8) | f[17];
      const proto = f[23];
      if (proto === 6 || proto === 17) {
        // A bulk segment cut by the snap length: its checksum is that of the segment with its
        // uncaptured tail zero, so the sum over the captured bytes must be zero as well.
        const seg = f.subarray(14 + ihl, 14 + total);
        const pseudo =
          ((f[26] << 8) | f[27]) +
          ((f[28] << 8) | f[29]) +
          ((f[30] << 8) | f[31]) +
          ((f[32] << 8) | f[33]) +
          proto +
          (total - ihl);
        assert.equal(internetChecksum(seg, 0, seg.length, pseudo), 0, `bad checksum at byte ${offset}`);
        checked++;
      }
      offset += 16 + captured;
    }
    assert.ok(checked > 100);
  });

  test("labels: a window per attack inside the capture, and labelled connections for each", () => {
    const r = simulateTraffic(
      {
        seed: 6,
        start: "2026-03-03T09:00:00Z",
        durationSeconds: 2400,
        workstations: 4,
        attacks: everyAttack(2400),
      },
      join(dir, "e.pcap"),
    );
    const labels = JSON.parse(readFileSync(r.labels, "utf8")) as SimulationLabels;
    assert.equal(labels.windows.length, 8);
    for (const w of labels.windows) {
      assert.ok(w.start >= r.start && w.end <= r.end && w.end > w.start, w.scenario);
      assert.ok((r.attackConnections[w.scenario] ?? 0) > 0, `${w.scenario} has no labelled connection`);
    }
    const scan = labels.windows.find((w) => w.scenario === "port_scan");
    assert.equal(scan?.attacker, "198.51.100.23");
    assert.equal(labels.windows.find((w) => w.scenario === "syn_flood")?.attacker, "spoofed");
    assert.ok(labels.connections.every((c) => c.start >= r.start && c.start < r.end));
  });

  test("bad options are refused with the values involved", () => {
    assert.throws(
      () =>
        simulateTraffic(
          {
            seed: 1,
            ...small,
            attacks: [{ scenario: "port_scan", startSeconds: 250, durationSeconds: 100 }],
          },
          join(dir, "x.pcap"),
        ),
      (e: Error) => e instanceof OptionError && /250-350 s, outside the 300 s capture/.test(e.message),
    );
    assert.throws(
      () => simulateTraffic({ seed: 1, start: "yesterday" }, join(dir, "y.pcap")),
      /not an ISO 8601 time/,
    );
    assert.throws(() => everyAttack(600), /too short/);
  });
});

/** Packets of a capture, decoded. */
const packetsOf = (path: string): Packet[] => parseCapture(readFileSync(path)).packets as Packet[];
const isSyn = (p: Packet): boolean => p.protocol === 6 && (p.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
/** The DNS name `name` in wire format (labels with their lengths), to find it in a payload. */
const wireName = (name: string): Buffer =>
  Buffer.concat(name.split(".").map((l) => Buffer.concat([Buffer.of(l.length), Buffer.from(l)])));
/** Addresses the resolver gave for `name` (A answers are the last four bytes of these responses). */
function answersFor(packets: readonly Packet[], name: string): Set<string> {
  const encoded = wireName(name);
  const out = new Set<string>();
  for (const p of packets) {
    if (p.protocol !== 17 || p.srcPort !== 53 || !Buffer.from(p.payload).includes(encoded)) continue;
    if (p.payload[p.payload.length - 6] !== 0 || p.payload[p.payload.length - 5] !== 4) continue; // RDLENGTH 4
    out.add([...p.payload.subarray(p.payload.length - 4)].join("."));
  }
  return out;
}

describe("a normal office morning", () => {
  // Two busy weekday hours of 6 workstations, no attack.
  const r = simulateTraffic(
    { seed: 21, start: "2026-03-03T08:30:00Z", durationSeconds: 3 * 3600, workstations: 6 },
    join(dir, "office.pcap"),
  );
  const packets = packetsOf(r.pcap);
  const syns = packets.filter(isSyn);

  test("HTTPS is the largest service; HTTP, DNS, NTP, mail, SSH and FTP are there, fewer", () => {
    const byService = new Map<string, number>();
    const count = (key: string): void => void byService.set(key, (byService.get(key) ?? 0) + 1);
    for (const p of syns) count(`tcp/${p.dstPort < 1024 ? p.dstPort : "high"}`);
    const dnsQueries = packets.filter((p) => p.protocol === 17 && p.dstPort === 53).length;
    const ntp = packets.filter((p) => p.protocol === 17 && p.dstPort === 123).length;
    const https = byService.get("tcp/443") ?? 0;
    for (const [service, n] of [...byService, ["udp/53", dnsQueries] as const, ["udp/123", ntp] as const])
      if (service !== "tcp/443") assert.ok(n < https, `${service} (${n}) outnumbers HTTPS (${https})`);
    for (const service of ["tcp/80", "tcp/25", "tcp/465", "tcp/993", "tcp/22"])
      assert.ok((byService.get(service) ?? 0) > 0, `no ${service} connection`);
    assert.ok(dnsQueries > 0 && ntp > 0);
    // Connections per workstation and busy hour: hundreds (the old simulator made about 40).
    const perWorkstationHour = (https + dnsQueries) / 6 / 3;
    assert.ok(
      perWorkstationHour > 150,
      `only ${perWorkstationHour.toFixed(0)} connections per workstation-hour`,
    );
  });

  test("a lookup precedes the first connection to each named outside host, and caching spares most", () => {
    const answered = new Map<string, number>(); // client|address -> first answer's time
    for (const p of packets) {
      if (p.protocol !== 17 || p.srcPort !== 53 || p.payload[3] !== 0x80) continue;
      const address = [...p.payload.subarray(p.payload.length - 4)].join(".");
      const key = `${p.dst}|${address}`;
      if (!answered.has(key)) answered.set(key, p.ts);
    }
    const first = new Map<string, number>();
    for (const p of syns) {
      if (!p.src.startsWith("10.0.1.") || p.dst.startsWith("10.") || p.dstPort !== 443) continue;
      const key = `${p.src}|${p.dst}`;
      if (!first.has(key)) first.set(key, p.ts);
    }
    assert.ok(first.size > 20);
    for (const [key, t] of first) {
      const at = answered.get(key);
      assert.ok(at !== undefined && at < t, `${key}: first connection at ${t} without a lookup before it`);
    }
    const outsideHttps = syns.filter((p) => p.src.startsWith("10.0.1.") && !p.dst.startsWith("10.")).length;
    const lookups = packets.filter(
      (p) => p.protocol === 17 && p.dstPort === 53 && p.src.startsWith("10.0.1."),
    ).length;
    assert.ok(lookups < outsideHttps, `${lookups} lookups for ${outsideHttps} connections: no caching`);
  });

  test("tshark reads the office's capture (TLS, NTP, SSH and SCP, cut bulk segments) with no error or warning but resets", (t) => {
    const version = spawnSync("tshark", ["--version"], { encoding: "utf8" });
    if (version.status !== 0) return t.skip("tshark is not installed");
    const checks = [
      "-o",
      "tcp.check_checksum:TRUE",
      "-o",
      "udp.check_checksum:TRUE",
      "-o",
      "ip.check_checksum:TRUE",
    ];
    const r2 = spawnSync("tshark", ["-r", r.pcap, "-q", "-z", "expert,warn", ...checks], {
      encoding: "utf8",
      maxBuffer: 1 << 26,
    });
    assert.equal(r2.status, 0, r2.stderr);
    assert.doesNotMatch(r2.stdout, /Errors \(|Malformed|checksum|Bad/i, r2.stdout);
    const warnings = [...r2.stdout.matchAll(/^\s+(\d+)\s+(\S+)\s+(\S+)\s+(.+)$/gm)].map((m) => m[4].trim());
    assert.ok(
      warnings.every((w) => w === "Connection reset (RST)"),
      `unexpected warnings: ${warnings.join("; ")}`,
    );
    assert.ok(
      packets.some((p) => p.capturedLength < p.wireLength),
      "no bulk segment was cut",
    );
  });

  test("benign pollers are periodic: telemetry every 15 minutes ±10% from every workstation", () => {
    const telemetry = answersFor(packets, "telemetry.example.net");
    assert.equal(telemetry.size, 1);
    const byClient = new Map<string, number[]>();
    for (const p of syns) {
      if (!telemetry.has(p.dst)) continue;
      byClient.set(p.src, [...(byClient.get(p.src) ?? []), p.ts]);
    }
    assert.equal(byClient.size, 6);
    for (const [client, times] of byClient) {
      assert.ok(times.length >= 10, `${client}: ${times.length} polls in 3 hours`);
      for (let i = 1; i < times.length; i++) {
        const gap = times[i] - times[i - 1];
        // 900 s ± 10%, plus a lookup's few milliseconds when the cached answer has expired
        assert.ok(gap > 805 && gap < 995, `${client}: polls ${gap.toFixed(1)} s apart`);
      }
    }
  });
});

describe("attacks hide among traffic of their own kind", () => {
  const r = simulateTraffic(
    {
      seed: 6,
      start: "2026-03-03T09:00:00Z",
      durationSeconds: 2400,
      workstations: 6,
      attacks: everyAttack(2400),
    },
    join(dir, "hidden.pcap"),
  );
  const labels = JSON.parse(readFileSync(r.labels, "utf8")) as SimulationLabels;
  const packets = packetsOf(r.pcap);
  const tuple = (protocol: string, src: string, srcPort: number, dst: string, dstPort: number): string =>
    `${protocol}|${src}|${srcPort}|${dst}|${dstPort}`;
  const labelled = new Set(
    labels.connections.map((c) => tuple(c.protocol, c.src, c.srcPort, c.dst, c.dstPort)),
  );
  const normalSyns = packets.filter(
    (p) => isSyn(p) && !labelled.has(tuple("tcp", p.src, p.srcPort, p.dst, p.dstPort)),
  );

  test("every labelled connection is in the capture: its first packet at its start, with its 5-tuple", () => {
    // (A spoofed SYN flood may reuse a source address and port: any packet of the 5-tuple at the start.)
    const seen = new Set<string>();
    for (const p of packets) {
      const protocol = p.protocol === 6 ? "tcp" : p.protocol === 17 ? "udp" : "icmp";
      seen.add(`${tuple(protocol, p.src, p.srcPort, p.dst, p.dstPort)}@${Math.round(p.ts * 1e6)}`);
    }
    for (const c of labels.connections.filter((l) => l.protocol !== "icmp")) {
      const key = tuple(c.protocol, c.src, c.srcPort, c.dst, c.dstPort);
      const micros = Math.round(c.start * 1e6);
      const found = [micros - 1, micros, micros + 1].some((us) => seen.has(`${key}@${us}`));
      assert.ok(found, `${c.scenario} ${c.src}:${c.srcPort} -> ${c.dst}:${c.dstPort} at ${c.start} missing`);
    }
  });

  test("C2 beacons and exfiltration are HTTPS with SNI, like hundreds of normal connections, to ordinary-looking names", () => {
    for (const scenario of ["c2_beacon", "exfiltration"]) {
      const conns = labels.connections.filter((c) => c.scenario === scenario && c.protocol === "tcp");
      assert.ok(conns.length > 0 && conns.every((c) => c.dstPort === 443), scenario);
      // The attacker's lookups are labelled too, and go to the resolver like everyone's.
      assert.ok(
        labels.connections.some((c) => c.scenario === scenario && c.protocol === "udp" && c.dstPort === 53),
        `${scenario}: no labelled lookup`,
      );
    }
    assert.ok(normalSyns.filter((p) => p.dstPort === 443).length > 300);
    const c2 = labels.windows.find((w) => w.scenario === "c2_beacon");
    const hello = packets.find((p) => p.dst === c2?.victim && p.dstPort === 443 && p.payload[0] === 22);
    assert.ok(hello && Buffer.from(hello.payload).includes(Buffer.from("edge-api.example.net")));
    // The exfiltration goes to one of the office's cloud-storage hosts, by its name.
    const exfil = labels.windows.find((w) => w.scenario === "exfiltration");
    assert.ok(answersFor(packets, "share.example.org").has(exfil?.victim ?? ""));
  });

  test("brute force and DNS tunnelling share their service with normal logins and lookups", () => {
    for (const port of [22, 21])
      assert.ok(
        normalSyns.some((p) => p.dstPort === port),
        `no normal login on ${port}`,
      );
    const normalLookups = packets.filter(
      (p) =>
        p.protocol === 17 &&
        p.dstPort === 53 &&
        !labelled.has(tuple("udp", p.src, p.srcPort, p.dst, p.dstPort)),
    );
    assert.ok(normalLookups.length > 300, `only ${normalLookups.length} normal lookups`);
    // Normal DNS has TXT queries (the mail relay's SPF and DKIM checks) and long random labels too.
    assert.ok(
      normalLookups.some((p) => p.payload.at(-3) === 16),
      "no normal TXT query",
    );
    assert.ok(normalLookups.some((p) => /[0-9a-f]{32}/.test(Buffer.from(p.payload).toString("latin1"))));
  });
});

test("activity: office hours, lunch, nights and weekends (hand-computed)", () => {
  const at = (iso: string) => activity(Date.parse(iso) / 1000);
  assert.ok(Math.abs(at("2026-03-02T10:00:00Z") - 1.2) < 1e-12); // Monday 10:00, top of the hour: 1.0 x 1.2
  assert.ok(Math.abs(at("2026-03-02T10:30:00Z") - 0.8) < 1e-12); // half past: 1.0 x 0.8
  assert.ok(Math.abs(at("2026-03-02T12:00:00Z") - 0.72) < 1e-12); // lunch: 0.6 x 1.2
  assert.ok(Math.abs(at("2026-03-02T03:00:00Z") - 0.06) < 1e-12); // night: 0.05 x 1.2
  assert.ok(Math.abs(at("2026-03-07T10:00:00Z") - 0.18) < 1e-12); // Saturday: 1.0 x 0.15 x 1.2
});
