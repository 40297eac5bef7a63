import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { simulateTraffic, type SimulationLabels } from "../simulate/simulate";
import {
  baseDomain,
  dnsProfile,
  ftpProfile,
  labelledLogs,
  type LabelledLogs,
  rowsByScenario,
  tlsProfile,
} from "./protocolProfile";

describe("protocol profiles of a simulated capture", () => {
  let logs: LabelledLogs;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), "detective-profile-"));
    const pcap = join(dir, "office.pcap");
    simulateTraffic(
      {
        seed: 4,
        start: "2026-03-04T10:00:00Z",
        durationSeconds: 900,
        workstations: 6,
        attacks: [
          { scenario: "dns_tunnel", startSeconds: 120, durationSeconds: 180 },
          { scenario: "ftp_bruteforce", startSeconds: 500, durationSeconds: 180 },
        ],
      },
      pcap,
    );
    const labels = JSON.parse(readFileSync(join(dir, "office.labels.json"), "utf8")) as SimulationLabels;
    logs = await labelledLogs(pcap, labels);
  });

  test("every row of every log has a scenario, through its connection", () => {
    for (const [path, rows] of Object.entries(logs.rows))
      assert.equal(logs.scenarios[path].length, rows.length, path);
    const groups = rowsByScenario(logs, "dns");
    assert.deepEqual([...groups.keys()].sort(), ["dns_tunnel", "normal"]);
  });

  test("the DNS tunnel's names are longer than any normal one, and nearly all unique", () => {
    const dns = dnsProfile(logs);
    const normal = dns.find((r) => r.scenario === "normal");
    const tunnel = dns.find((r) => r.scenario === "dns_tunnel");
    assert.ok(normal && tunnel);
    assert.ok(
      Number(tunnel.medianLength) > Number(normal.longest),
      `${tunnel.medianLength} vs ${normal.longest}`,
    );
    assert.ok(Number(tunnel.distinctNames) / Number(tunnel.queries) > 0.9);
  });

  test("the FTP brute force is refused logins (530), which the profile's FTP log shows", () => {
    const ftp = ftpProfile(logs);
    const brute = ftp.find((r) => r.scenario === "ftp_bruteforce");
    assert.ok(brute, JSON.stringify(ftp));
    assert.ok(Number(brute.loginsFailed) > 10);
    assert.equal(brute.loginsOk, 0);
  });

  test("TLS handshakes are profiled per scenario; registered domains are the last labels", () => {
    const tls = tlsProfile(logs);
    assert.ok(Number(tls.find((r) => r.scenario === "normal")?.handshakes) > 0);
    assert.equal(baseDomain("a.b.example.com"), "example.com");
    assert.equal(baseDomain("www.example.co.uk"), "example.co.uk");
  });
});
