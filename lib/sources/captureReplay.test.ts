import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError } from "../core/errors";
import { udpFrame } from "../packets/frames";
import { PcapWriter } from "../packets/writer";
import { host } from "../testing/packets";
import { replayCapture } from "./captureReplay";

/** A pcap of `n` UDP datagrams, one every `gapSeconds`. */
function capture(n: number, gapSeconds: number): string {
  const path = join(mkdtempSync(join(tmpdir(), "detective-replay-")), "udp.pcap");
  const w = new PcapWriter(path);
  for (let i = 0; i < n; i++) {
    w.write(
      1_700_000_000 + i * gapSeconds,
      udpFrame(host("10.0.1.5"), host("10.0.0.2"), 40_000 + i, 53, new Uint8Array(20)),
    );
  }
  w.close();
  return path;
}

test("replayCapture passes every packet in order, fast or paced by the timestamps", async () => {
  const path = capture(50, 0.01);
  const fast: number[] = [];
  const r = await replayCapture(path, (p) => fast.push(p.srcPort));
  assert.deepEqual([r.packets, r.stopped, r.report.records, r.report.skipped], [50, false, 50, 0]);
  assert.deepEqual(
    fast,
    Array.from({ length: 50 }, (_, i) => 40_000 + i),
  );
  // 0.49 s of capture at speed 1 takes about that long (not less: packets wait for their time)
  const t0 = performance.now();
  const paced: number[] = [];
  await replayCapture(path, (p) => paced.push(p.srcPort), { speed: 1 });
  assert.ok(performance.now() - t0 >= 400, `paced replay took ${performance.now() - t0} ms`);
  assert.deepEqual(paced, fast);
});

test("replayCapture stops when its signal aborts and says so", async () => {
  const ac = new AbortController();
  let seen = 0;
  const r = await replayCapture(capture(200, 0.01), () => ++seen === 10 && ac.abort(), {
    speed: 1,
    signal: ac.signal,
  });
  assert.equal(r.stopped, true);
  assert.equal(r.packets, 10);
});

test("a paced replay waiting for a packet ten years ahead stops at once when its signal aborts", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "detective-replay-")), "jump.pcap");
  const w = new PcapWriter(path);
  const frame = new Uint8Array(60);
  w.write(1_772_532_000, frame);
  w.write(1_772_532_000 + 315_360_000, frame);
  w.close();
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  const t0 = performance.now();
  const r = await replayCapture(path, () => {}, { speed: 1, signal: ac.signal });
  assert.deepEqual([r.packets, r.stopped], [1, true]);
  assert.ok(performance.now() - t0 < 5000, `stopped after ${performance.now() - t0} ms`);
});

test("replayCapture: a missing file is a ConfigError naming the path; garbage is the reader's error", async () => {
  const dir = mkdtempSync(join(tmpdir(), "detective-replay-"));
  await assert.rejects(
    replayCapture(join(dir, "nope.pcap"), () => {}),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match((e as Error).message, /no capture file at .*nope\.pcap/);
      return true;
    },
  );
  const junk = join(dir, "junk.pcap");
  writeFileSync(junk, "this is not a capture at all, just text");
  chmodSync(junk, 0o644);
  await assert.rejects(
    replayCapture(junk, () => {}),
    /pcap|capture|magic/i,
  );
});
