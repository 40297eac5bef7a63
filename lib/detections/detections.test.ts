import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ConnRecord } from "../flows/connRecord";
import type { Flow } from "../flows/flowTable";
import type { ProtocolRecord } from "../protocols/parser";
import { BEACON_MIN_INTERVALS } from "./beacon";
import { BRUTEFORCE_MIN, failedAttempts } from "./bruteforce";
import type { DetectionBaseline } from "./detection";
import { DNS_TUNNEL_MIN_UNIQUE, entropy, registeredDomain } from "./dnsTunnel";
import type { Evidence } from "./evidence";
import { EXFIL_MIN_BYTES } from "./exfil";
import { SYN_FLOOD_MIN } from "./flood";
import { DETECTIONS, HostDetections } from "./hostDetections";
import { PORT_SCAN_MIN } from "./scan";

let uid = 0;
function conn(c: Partial<ConnRecord>): ConnRecord {
  const ts = c.ts ?? 1000;
  return {
    uid: uid++,
    ts,
    end: c.end ?? ts + 0.1,
    duration: 0.1,
    proto: "tcp",
    ipProto: 6,
    src: "10.0.1.5",
    srcPort: 40000 + (uid % 20000),
    dst: "10.0.0.10",
    dstPort: 80,
    icmpType: -1,
    icmpCode: -1,
    service: "",
    state: "SF",
    history: "ShADadFf",
    origPackets: 5,
    respPackets: 5,
    origBytes: 300,
    respBytes: 3000,
    origIpBytes: 500,
    respIpBytes: 3200,
    missedBytes: 0,
    urgentPackets: 0,
    wrongFragments: 0,
    closedBy: "fin",
    ...c,
  };
}

function flow(src: string, dst: string, proto: "tcp" | "udp" = "tcp"): Flow<unknown> {
  return {
    uid: uid++,
    proto,
    src,
    srcPort: 50000,
    dst,
    dstPort: 53,
    start: 0,
    origPackets: 1,
    respPackets: 1,
    state: undefined,
    inspect: true,
    service: "",
    history: "",
  };
}

/** Runs learn mode over `normal`, then detect mode over `attack`; returns the evidence. */
function run(
  normal: (h: HostDetections) => void,
  attack: (h: HostDetections) => void,
): { evidence: Evidence[]; hosts: HostDetections; baselines: Record<string, DetectionBaseline> } {
  const learn = new HostDetections({ learning: true });
  normal(learn);
  learn.flush();
  const baselines = learn.baselines();
  const evidence: Evidence[] = [];
  const hosts = new HostDetections({ baselines, onEvidence: (e) => evidence.push(e) });
  attack(hosts);
  hosts.flush();
  return { evidence, hosts, baselines };
}

const quietNormal = (h: HostDetections): void => {
  for (let i = 0; i < 200; i++) h.conn(conn({ ts: 1000 + i * 7, src: `10.0.1.${i % 20}` }));
};

describe("detections", () => {
  test("every detection names its notes and description, and learn mode raises nothing", () => {
    for (const d of DETECTIONS) {
      assert.ok(d.notes.length > 0 && d.notes.every((n) => /^[A-Za-z0-9]+::[A-Za-z_]+$/.test(n)), d.name);
      assert.ok(d.description.length > 40, d.name);
    }
    const { evidence } = run(
      (h) => {
        for (let p = 1; p <= 100; p++)
          h.conn(
            conn({
              ts: 5000 + p / 10,
              src: "10.0.1.9",
              dstPort: p,
              state: "REJ",
              origBytes: 0,
              respBytes: 0,
              history: "Sr",
            }),
          );
      },
      () => {},
    );
    assert.equal(evidence.length, 0);
  });

  test("Scan::Port_Scan: failed attempts to many ports of one host; a busy client's real connections never count", () => {
    const { evidence } = run(quietNormal, (h) => {
      for (let p = 1; p <= 40; p++)
        h.conn(
          conn({
            ts: 2000 + p / 10,
            src: "198.51.100.23",
            dstPort: p,
            state: p % 2 ? "REJ" : "RSTO",
            origBytes: 0,
            respBytes: 0,
            history: p % 2 ? "Sr" : "ShR",
          }),
        );
      for (let p = 1; p <= 40; p++) h.conn(conn({ ts: 2000 + p / 10, src: "10.0.1.7", dstPort: 8000 + p })); // payload: not a scan
    });
    assert.equal(evidence.length, 1);
    const [e] = evidence;
    assert.equal(e.note, "Scan::Port_Scan");
    assert.equal(e.host, "198.51.100.23");
    assert.equal(e.role, "attacker");
    assert.equal(e.facts?.distinct, PORT_SCAN_MIN);
    assert.ok(Math.abs(e.time - 2001.5) < 1e-9 && e.firstSeen === 2000.1);
  });

  test("a scan threshold learned from a noisy baseline is higher than the default", () => {
    const { hosts } = run(
      (h) => {
        for (let p = 1; p <= 30; p++)
          h.conn(
            conn({
              ts: 5000 + p,
              src: "10.0.1.9",
              dstPort: p,
              state: "S0",
              origBytes: 0,
              respBytes: 0,
              history: "S",
            }),
          );
      },
      () => {},
    );
    assert.equal(hosts.thresholds().scan.portScanPorts, 60);
  });

  test("DoS::Syn_Flood from forged sources is evidence about the victim only; from one source, about it too", () => {
    const spoofed = run(quietNormal, (h) => {
      for (let i = 0; i < 300; i++)
        h.conn(
          conn({
            ts: 3000 + i / 50,
            src: `203.0.113.${i % 250}`,
            srcPort: 1000 + i,
            state: "S0",
            origBytes: 0,
            respBytes: 0,
            history: "S",
            respPackets: 0,
          }),
        );
    }).evidence;
    assert.deepEqual(
      spoofed.map((e) => [e.note, e.host, e.role]),
      [["DoS::Syn_Flood", "10.0.0.10", "victim"]],
    );
    assert.equal(spoofed[0].facts?.attempts, SYN_FLOOD_MIN);
    const single = run(quietNormal, (h) => {
      for (let i = 0; i < 300; i++)
        h.conn(
          conn({
            ts: 3000 + i / 50,
            src: "192.0.2.66",
            srcPort: 1000 + i,
            state: "S0",
            origBytes: 0,
            respBytes: 0,
            history: "S",
            respPackets: 0,
          }),
        );
    }).evidence;
    assert.deepEqual(
      single.map((e) => [e.host, e.role]),
      [
        ["10.0.0.10", "victim"],
        ["192.0.2.66", "attacker"],
      ],
    );
  });

  test("brute force counts attempts, not connections: SSH attempts in a session, FTP 530s, HTTP 401s", () => {
    assert.equal(
      failedAttempts({
        protocol: "ssh",
        uid: 1,
        ts: 0,
        auth_attempts: 3,
        auth_success: false,
      } as ProtocolRecord),
      3,
    );
    assert.equal(
      failedAttempts({
        protocol: "ssh",
        uid: 1,
        ts: 0,
        auth_attempts: 2,
        auth_success: true,
      } as ProtocolRecord),
      1,
    );
    assert.equal(failedAttempts({ protocol: "ssh", uid: 1, ts: 0, auth_attempts: 0 } as ProtocolRecord), 1);
    assert.equal(
      failedAttempts({ protocol: "ftp", uid: 1, ts: 0, command: "PASS", reply_code: 530 } as ProtocolRecord),
      1,
    );
    assert.equal(
      failedAttempts({ protocol: "ftp", uid: 1, ts: 0, command: "USER", reply_code: 331 } as ProtocolRecord),
      0,
    );
    const { evidence } = run(
      (h) => {
        // a user mistyping three times
        for (let i = 0; i < 3; i++)
          h.protocol(
            { protocol: "ftp", uid: i, ts: 100 + i, command: "PASS", reply_code: 530 } as ProtocolRecord,
            flow("10.0.1.4", "10.0.0.21"),
          );
      },
      (h) => {
        // 7 sessions of 3 guesses each: 21 attempts, 7 connections
        for (let i = 0; i < 7; i++)
          h.protocol(
            { protocol: "ssh", uid: i, ts: 200 + i, auth_attempts: 3, auth_success: false } as ProtocolRecord,
            flow("203.0.113.99", "10.0.0.22"),
          );
        for (let i = 0; i < 10; i++)
          h.protocol(
            { protocol: "http", uid: i, ts: 300 + i, status_code: 401 } as ProtocolRecord,
            flow("10.0.1.8", "10.0.0.10"),
          );
      },
    );
    assert.deepEqual(
      evidence.map((e) => [e.note, e.host, e.facts?.failed]),
      [["SSH::Password_Guessing", "203.0.113.99", 21]],
    );
    assert.ok(BRUTEFORCE_MIN <= 21);
  });

  test("DNS::Tunnel: one client, one registered domain, many long random names; CDN names and the baseline's noisy domains do not alert", () => {
    assert.equal(registeredDomain("aGVsbG8.t.cdn-sync.example"), "cdn-sync.example");
    assert.equal(registeredDomain("www.bbc.co.uk."), "bbc.co.uk");
    assert.ok(entropy("aaaa") === 0 && Math.abs(entropy("abcd") - 2) < 1e-12);
    const dns = (h: HostDetections, client: string, name: string, t: number, qtype = "A"): void =>
      h.protocol(
        {
          protocol: "dns",
          uid: 1,
          ts: t,
          query: name,
          qtype_name: qtype,
          rcode_name: "NOERROR",
        } as ProtocolRecord,
        flow(client, "10.0.0.53", "udp"),
      );
    const hex = (i: number): string => {
      let x = ((i + 1) * 2654435761) % 2147483647;
      return Array.from({ length: 40 }, () => ((x = (x * 48271) % 2147483647) % 36).toString(36)).join("");
    };
    const { evidence, baselines } = run(
      (h) => {
        for (let i = 0; i < 200; i++) dns(h, "10.0.1.3", `${hex(i)}.telemetry.vendor.example`, 100 + i); // learned as noisy
        for (let i = 0; i < 50; i++) dns(h, "10.0.1.3", `www${i % 5}.news.example`, 100 + i);
      },
      (h) => {
        for (let i = 0; i < 200; i++)
          dns(h, "10.0.1.17", `${hex(i)}.t.cdn-sync.example`, 1000 + i / 4, "TXT");
        for (let i = 0; i < 200; i++) dns(h, "10.0.1.5", `${hex(i)}.e1234.akamaiedge.net`, 1000 + i / 4); // CDN
        for (let i = 0; i < 200; i++)
          dns(h, "10.0.1.6", `${hex(i + 7)}.telemetry.vendor.example`, 1000 + i / 4); // baseline's own
        for (let i = 0; i < 200; i++) dns(h, "10.0.1.7", `host${i}.corp.example`, 1000 + i / 4); // short names
      },
    );
    assert.deepEqual((baselines.dnsTunnel as { quietDomains: string[] }).quietDomains, ["vendor.example"]);
    const tunnel = evidence.filter((e) => e.note === "DNS::Tunnel");
    assert.deepEqual(
      tunnel.map((e) => [e.host, e.peer]),
      [["10.0.1.17", "cdn-sync.example"]],
    );
    assert.equal(tunnel[0].facts?.distinct, DNS_TUNNEL_MIN_UNIQUE);
    assert.ok((tunnel[0].facts?.entropy as number) > 3);
  });

  test("Exfil::Volume: a host uploading far more than its own baseline; another host's usual volume does not alert", () => {
    const { evidence } = run(
      (h) => {
        for (let i = 0; i < 20; i++) {
          h.conn(
            conn({
              ts: 100 + i * 60,
              src: "10.0.1.21",
              dst: "203.0.113.204",
              dstPort: 443,
              origBytes: 100_000,
              respBytes: 5000,
            }),
          );
          h.conn(
            conn({
              ts: 100 + i * 60,
              src: "10.0.1.30",
              dst: "203.0.113.9",
              dstPort: 443,
              origBytes: 3_000_000,
              respBytes: 5000,
            }),
          );
        }
      },
      (h) => {
        for (let i = 0; i < 20; i++) {
          h.conn(
            conn({
              ts: 5000 + i * 5,
              src: "10.0.1.21",
              dst: "203.0.113.204",
              dstPort: 443,
              origBytes: 1_000_000,
              respBytes: 5000,
            }),
          );
          h.conn(
            conn({
              ts: 5000 + i * 60,
              src: "10.0.1.30",
              dst: "203.0.113.9",
              dstPort: 443,
              origBytes: 3_000_000,
              respBytes: 5000,
            }),
          );
        }
      },
    );
    assert.deepEqual(
      evidence.map((e) => [e.note, e.host]),
      [["Exfil::Volume", "10.0.1.21"]],
    );
    assert.equal(evidence[0].facts?.threshold, EXFIL_MIN_BYTES);
  });

  test("C2::Beacon: one host at a jittered period; bursty browsing and a fleet-wide poller do not alert", () => {
    let seed = 7;
    const rand = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const { evidence } = run(quietNormal, (h) => {
      let t = 10_000;
      for (let i = 0; i < 12; i++) {
        h.conn(conn({ ts: t, src: "10.0.1.25", dst: "198.51.100.77", dstPort: 443 }));
        t += 60 * (0.9 + 0.2 * rand()); // 60 s +- 10%
      }
      let b = 10_000;
      for (let i = 0; i < 40; i++) {
        h.conn(conn({ ts: b, src: "10.0.1.26", dst: "192.0.2.80" })); // browsing: exponential gaps
        b += -Math.log(1 - rand()) * 30;
      }
      for (let i = 0; i < 12; i++)
        for (let w = 0; w < 5; w++)
          h.conn(conn({ ts: 10_000 + i * 60 + w, src: `10.0.1.${40 + w}`, dst: "192.0.2.99", dstPort: 443 }));
    });
    assert.deepEqual(
      evidence.map((e) => [e.note, e.host, e.peer]),
      [["C2::Beacon", "10.0.1.25", "198.51.100.77:443"]],
    );
    assert.equal(evidence[0].facts?.connections, BEACON_MIN_INTERVALS + 1);
    assert.ok(Math.abs((evidence[0].facts?.periodSeconds as number) - 60) < 6);
  });
});
