import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConnectionRecord } from "./connections";
import { TrafficFeatures } from "./traffic";

let uid = 0;
function record(
  start: number,
  dst: string,
  service: string,
  flag: string,
  srcPort: number,
  end = start + 0.1,
): ConnectionRecord {
  return {
    uid: uid++,
    start,
    end,
    protocol: "tcp",
    src: "10.0.1.5",
    srcPort,
    dst,
    dstPort: 80,
    state: "SF",
    history: "",
    origPackets: 1,
    respPackets: 1,
    closedBy: "fin",
    features: { service, flag },
  };
}

const close = (a: unknown, b: number) => assert.ok(Math.abs(Number(a) - b) < 1e-12, `${a} != ${b}`);

test("KDD time- and host-based features on a hand-computed sequence", () => {
  const H1 = "10.0.0.10";
  const H2 = "10.0.0.20";
  const r = [
    record(0.0, H1, "http", "SF", 1000),
    record(0.5, H1, "http", "S0", 1001),
    record(1.0, H2, "http", "REJ", 1002),
    record(1.5, H1, "ftp", "SF", 1000),
    record(3.0, H1, "http", "SF", 1003),
  ];
  const f = new TrafficFeatures({ windowSeconds: 2, hostWindow: 3 });
  const out: ConnectionRecord[] = [];
  for (const x of r) f.add(x);
  f.flush((x) => out.push(x));
  assert.deepEqual(
    out.map((x) => x.start),
    [0, 0.5, 1, 1.5, 3],
  );
  // r3 at 1.5 s: the 2 s window holds r0..r3; the host window (3) holds r1, r2, r3.
  const a = out[3].features;
  assert.equal(a.count, 3); // r0, r1, r3 to H1
  assert.equal(a.srv_count, 1); // ftp: r3
  close(a.serror_rate, 1 / 3); // r1 is S0
  close(a.rerror_rate, 0);
  close(a.same_srv_rate, 1 / 3);
  close(a.diff_srv_rate, 2 / 3);
  close(a.srv_serror_rate, 0);
  close(a.srv_diff_host_rate, 0);
  assert.equal(a.dst_host_count, 2); // r1, r3
  assert.equal(a.dst_host_srv_count, 1);
  close(a.dst_host_same_srv_rate, 1 / 2);
  close(a.dst_host_diff_srv_rate, 1 / 2);
  close(a.dst_host_same_src_port_rate, 1);
  close(a.dst_host_srv_diff_host_rate, 0);
  close(a.dst_host_serror_rate, 1 / 2);
  close(a.dst_host_rerror_rate, 0);
  // r4 at 3.0 s: the window [1.0, 3.0] holds r2 (on its edge), r3, r4; the host window r2, r3, r4.
  const b = out[4].features;
  assert.equal(b.count, 2); // r3, r4
  assert.equal(b.srv_count, 2); // http: r2, r4
  close(b.serror_rate, 0);
  close(b.srv_rerror_rate, 1 / 2); // r2 REJ
  close(b.same_srv_rate, 1 / 2);
  close(b.srv_diff_host_rate, 1 / 2); // r2 went to H2
  assert.equal(b.dst_host_count, 2);
  assert.equal(b.dst_host_srv_count, 2);
  close(b.dst_host_same_srv_rate, 1 / 2);
  close(b.dst_host_same_src_port_rate, 1 / 2);
  close(b.dst_host_srv_diff_host_rate, 1 / 2);
  close(b.dst_host_srv_rerror_rate, 1 / 2);
  close(b.dst_host_rerror_rate, 0);
  // the first record counts itself
  assert.equal(out[0].features.count, 1);
  assert.equal(out[0].features.dst_host_count, 1);
});

test("records are released in start order, only when no earlier-starting connection is open", () => {
  const f = new TrafficFeatures({ maxDelaySeconds: 10 });
  const out: number[] = [];
  f.add(record(5, "h", "http", "SF", 1, 6));
  f.add(record(2, "h", "http", "SF", 2, 7)); // finished later but started earlier
  f.release(4, 7, (x) => out.push(x.start)); // a connection that started at 4 is still open
  assert.deepEqual(out, [2]);
  f.release(Number.POSITIVE_INFINITY, 8, (x) => out.push(x.start));
  assert.deepEqual(out, [2, 5]);
  // maxDelaySeconds bounds the wait for a long-open older connection
  f.add(record(20, "h", "http", "SF", 3, 21));
  f.release(10, 25, (x) => out.push(x.start));
  assert.equal(out.length, 2, "waits while within maxDelaySeconds");
  f.release(10, 31.5, (x) => out.push(x.start));
  assert.deepEqual(out, [2, 5, 20]);
  assert.equal(f.waiting, 0);
  assert.throws(() => new TrafficFeatures({ windowSeconds: 0 }), /windowSeconds > 0/);
});
