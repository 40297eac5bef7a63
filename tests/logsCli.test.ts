/**
 * `detective logs` as a user runs it: a simulated capture into Zeek-style logs (TSV and JSON lines),
 * one-line errors for bad input, and a live capture on loopback (root and tshark, as in CI) of HTTP
 * requests to a local server on a port that is not HTTP's, found by content.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createServer, get } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { parseTsvLog, simulateTraffic } from "../lib/index";

const ROOT = join(__dirname, "..");
const MAIN = join(ROOT, "lib", "dist", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "detective-logs-"));
const pcap = join(dir, "office.pcap");
const STACK = /^\s+at /m;

function detective(args: string[]): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stderr: r.stderr };
}

before(() => {
  simulateTraffic({ seed: 3, start: "2026-03-04T10:00:00Z", durationSeconds: 900, workstations: 8 }, pcap);
});

describe("detective logs", () => {
  test("a capture becomes Zeek's TSV logs; every protocol record's uid is a conn record's", () => {
    const out = join(dir, "tsv");
    const r = detective(["logs", "--pcap", pcap, "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^logs: [\d,]+ packets -> .*conn [\d,]+/m);
    const files = readdirSync(out).sort();
    for (const f of ["conn.log", "dns.log", "ssl.log"])
      assert.ok(files.includes(f), `${f} in ${files.join(" ")}`);
    assert.ok(!files.some((f) => f.startsWith(".")), "no staging folder left behind");
    const conn = parseTsvLog(readFileSync(join(out, "conn.log"), "latin1"));
    assert.equal(conn.path, "conn");
    assert.deepEqual(
      conn.fields.slice(0, 8).map((f) => f.name),
      ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service"],
    );
    const uids = new Set(conn.rows.map((row) => row.uid));
    assert.equal(uids.size, conn.rows.length, "uids are distinct");
    for (const f of files.filter((f) => f !== "conn.log")) {
      const log = parseTsvLog(readFileSync(join(out, f), "latin1"));
      assert.ok(log.rows.length > 0, `${f} has rows`);
      for (const row of log.rows)
        assert.ok(uids.has(row.uid), `${f}: uid ${String(row.uid)} has no conn record`);
    }
    const dns = parseTsvLog(readFileSync(join(out, "dns.log"), "latin1"));
    assert.ok(dns.rows.every((row) => typeof row.query === "string" && row.query.length > 0));
    assert.ok(
      conn.rows.some((row) => row.service === "dns") && conn.rows.some((row) => row.service === "ssl"),
    );
  });

  test("--format json writes one object per line with Zeek's field names, unset fields left out", () => {
    const out = join(dir, "json");
    const r = detective(["logs", "--pcap", pcap, "--out", out, "--format", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const tsv = parseTsvLog(readFileSync(join(dir, "tsv", "conn.log"), "latin1"));
    const lines = readFileSync(join(out, "conn.log"), "utf8").trim().split("\n");
    assert.equal(lines.length, tsv.rows.length);
    const first = JSON.parse(lines[0]) as Record<string, unknown>;
    assert.equal(first.uid, tsv.rows[0].uid);
    assert.equal(typeof first.ts, "number");
    assert.equal(typeof first["id.orig_p"], "number");
    assert.equal(tsv.rows[0].tunnel_parents, undefined);
    assert.ok(!("tunnel_parents" in first), "unset fields are left out");
  });

  test("bad input: one line saying what is wrong, no stack, no logs left behind", () => {
    const notCapture = join(dir, "notes.txt");
    writeFileSync(notCapture, "this is not a capture\n".repeat(10));
    const cases: [string[], number, RegExp][] = [
      [["logs", "--pcap", join(dir, "missing.pcap"), "--out", join(dir, "o1")], 1, /missing\.pcap/],
      [["logs", "--pcap", notCapture, "--out", join(dir, "o2")], 1, /notes\.txt/],
      [["logs", "--pcap", pcap, "--out", notCapture], 1, /is a file, not a folder/],
      [["logs", "--out", join(dir, "o3")], 2, /--pcap|--interface/],
      [["logs", "--pcap", pcap, "--out", join(dir, "o4"), "--format", "xml"], 2, /--format/],
    ];
    for (const [args, code, message] of cases) {
      const r = detective(args);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, STACK);
    }
    for (const o of ["o1", "o2"]) {
      const left = existsSync(join(dir, o)) ? readdirSync(join(dir, o)) : [];
      assert.deepEqual(left, [], `${o}: ${left.join(" ")}`);
    }
  });
});

const root = process.getuid?.() === 0;
const tshark = spawnSync("tshark", ["--version"]).status === 0;

test(
  "live: HTTP to a local server on a port that is not HTTP's is captured on loopback and logged",
  { skip: !root || !tshark ? "needs root and tshark (live capture)" : false },
  async () => {
    const server = createServer((req, res) => res.end(`page ${req.url}`));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const out = join(dir, "live");
    const child = spawn(
      process.execPath,
      [MAIN, "logs", "--interface", "lo", "--filter", `tcp port ${port}`, "--duration", "30", "--out", out],
      { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    const capturing = new Promise<void>((resolve) =>
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes("capturing on lo")) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      await Promise.race([capturing, exited]);
      await new Promise((r) => setTimeout(r, 1000));
      for (let i = 0; i < 5; i++) {
        await new Promise<void>((resolve, reject) =>
          get({ host: "127.0.0.1", port, path: `/item/${i}`, agent: false }, (res) => {
            res.resume();
            res.on("end", resolve);
          }).on("error", reject),
        );
      }
      await new Promise((r) => setTimeout(r, 1500));
      child.kill("SIGINT"); // Ctrl-C: the capture stops, what was read is logged
      assert.equal(await exited, 0, stderr);
    } finally {
      child.kill("SIGKILL");
      server.close();
    }
    const http = parseTsvLog(readFileSync(join(out, "http.log"), "latin1"));
    assert.deepEqual(
      http.rows.map((r) => r.uri),
      [0, 1, 2, 3, 4].map((i) => `/item/${i}`),
    );
    assert.ok(http.rows.every((r) => r.status_code === 200 && r["id.resp_p"] === port));
    const conn = parseTsvLog(readFileSync(join(out, "conn.log"), "latin1"));
    assert.equal(conn.rows.filter((r) => r.service === "http").length, 5);
  },
);
