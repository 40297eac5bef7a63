import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { OptionError } from "../core/errors";
import { parseCapture } from "../packets/capture";
import { internetChecksum, type Packet } from "../packets/packet";
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
        const seg = f.subarray(14 + ihl, 14 + total);
        const pseudo =
          ((f[26] << 8) | f[27]) +
          ((f[28] << 8) | f[29]) +
          ((f[30] << 8) | f[31]) +
          ((f[32] << 8) | f[33]) +
          proto +
          seg.length;
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

test("activity: office hours, lunch, nights and weekends (hand-computed)", () => {
  const at = (iso: string) => activity(Date.parse(iso) / 1000);
  assert.ok(Math.abs(at("2026-03-02T10:00:00Z") - 1.2) < 1e-12); // Monday 10:00, top of the hour: 1.0 x 1.2
  assert.ok(Math.abs(at("2026-03-02T10:30:00Z") - 0.8) < 1e-12); // half past: 1.0 x 0.8
  assert.ok(Math.abs(at("2026-03-02T12:00:00Z") - 0.72) < 1e-12); // lunch: 0.6 x 1.2
  assert.ok(Math.abs(at("2026-03-02T03:00:00Z") - 0.06) < 1e-12); // night: 0.05 x 1.2
  assert.ok(Math.abs(at("2026-03-07T10:00:00Z") - 0.18) < 1e-12); // Saturday: 1.0 x 0.15 x 1.2
});
