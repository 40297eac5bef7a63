import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigError, OptionError } from "../core/errors";
import { KDD_FEATURES } from "../datasets/kdd99";
import { kddLine } from "../testing/kddLines";
import {
  isLoopback,
  type ReceivedRecord,
  type RejectedInput,
  SocketSource,
  type SocketSourceStats,
} from "./socketSource";

/** A JSON line with all 41 features plus `extra`. */
function jsonLine(extra: Record<string, unknown> = {}): string {
  const obj: Record<string, unknown> = {};
  for (const f of KDD_FEATURES)
    obj[f.name] = { protocol_type: "tcp", service: "http", flag: "SF" }[f.name] ?? 0;
  return JSON.stringify({ ...obj, ...extra });
}

/** A 41-field CSV line whose src_bytes identifies it. */
const csvLine = (n: number): string => kddLine({ src_bytes: n }).split(",").slice(0, 41).join(",");

function assertInvariant(s: SocketSourceStats): void {
  assert.equal(
    s.received,
    s.delivered + s.rejected + s.dropped + s.queueDepth,
    `received ${s.received} != delivered ${s.delivered} + rejected ${s.rejected} + dropped ${s.dropped} + queued ${s.queueDepth}`,
  );
  assert.equal(s.parsed, s.delivered + s.queueDepth);
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

async function tcpClient(port: number): Promise<Socket> {
  const socket = connect({ host: "127.0.0.1", port, noDelay: true });
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  return socket;
}

function write(socket: Socket, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));
}

async function end(socket: Socket, data?: string): Promise<void> {
  await new Promise<void>((resolve) => socket.end(data ?? "", resolve));
}

/** Takes `n` records from the source's async iterator. */
async function take(source: SocketSource, n: number): Promise<ReceivedRecord[]> {
  const out: ReceivedRecord[] = [];
  if (n === 0) return out;
  for await (const item of source) {
    out.push(item);
    if (out.length === n) break;
  }
  return out;
}

describe("SocketSource: TCP", () => {
  test("a mix of JSON, CSV, malformed, oversized and split lines: exact counts, and the stream keeps going", async () => {
    const rejects: RejectedInput[] = [];
    const source = await SocketSource.listen({
      transport: "tcp",
      maxLineBytes: 2048,
      onReject: (r) => rejects.push(r),
    });
    assert.equal(source.address.host, "127.0.0.1");
    const started = performance.now();
    const client = await tcpClient(source.address.port);
    // Several lines in one write: JSON, CSV with 41, 42 and 43 fields, and a bad one between.
    await write(
      client,
      [
        jsonLine({ id: "j1", src: "10.0.0.1", time: 1700000000 }),
        csvLine(1),
        "this is not a record",
        kddLine({ src_bytes: 2 }, "smurf"),
        kddLine({ src_bytes: 3 }, "neptune", 21),
        "",
      ].join("\n"),
    );
    // A JSON line split across three writes.
    const split = jsonLine({ id: "j2" });
    await write(client, split.slice(0, 100));
    await sleep(10);
    await write(client, split.slice(100, 300));
    await sleep(10);
    await write(client, `${split.slice(300)}\n`);
    // An oversized line sent in pieces, then a good line in the same write as its end.
    await write(client, "x".repeat(1500));
    await sleep(10);
    await write(client, "y".repeat(1500));
    await sleep(10);
    await write(client, `${"z".repeat(5000)}\n${csvLine(4)}\n`);
    // An oversized line inside one write, then more bad and good lines.
    await write(
      client,
      `${"w".repeat(3000)}\n{"duration": 0,\n${csvLine(5).replace(",5,", ",five,")}\n\r\n${csvLine(6)}\r\n`,
    );
    // A CSV line with a missing field, then an unterminated last line completed by the close.
    await end(client, `${csvLine(7).split(",").slice(1).join(",")}\n${jsonLine({ id: "j3" })}`);

    const items = await take(source, 8);
    await waitFor("the connection to close", () => source.stats.connections === 0);
    const s = source.stats;
    assert.deepEqual(
      items.map((i) => i.record.id ?? i.record.features.src_bytes),
      ["j1", 1, 2, 3, "j2", 4, 6, "j3"],
    );
    assert.deepEqual(
      items.map((i) => i.record.format),
      ["json", "csv", "csv", "csv", "json", "csv", "csv", "json"],
    );
    assert.equal(items[0].record.src, "10.0.0.1");
    assert.equal(items[2].record.label, "smurf");
    assert.equal(items[3].record.difficulty, 21);
    for (const item of items) {
      assert.ok(item.receivedAt >= started && item.receivedAt <= performance.now());
      assert.match(item.peer, /^127\.0\.0\.1:\d+$/);
    }
    assert.deepEqual(
      rejects.map((r) => r.kind),
      [
        "field count",
        "oversized line",
        "oversized line",
        "invalid json",
        "non-numeric",
        "blank line",
        "field count",
      ],
    );
    assert.match(rejects[1].reason, /longer than the limit of 2048 bytes.*raise maxLineBytes/);
    assert.equal(rejects[1].text, "x".repeat(200));
    assert.match(rejects[4].reason, /column 5 \(src_bytes\) is "five"/);
    assert.match(rejects[6].reason, /has 40 fields; expected 41, 42 or 43/);
    assert.equal(s.received, 15);
    assert.equal(s.delivered, 8);
    assert.equal(s.rejected, 7);
    assert.equal(s.dropped, 0);
    assert.deepEqual(s.rejectedByReason, {
      "field count": 2,
      "oversized line": 2,
      "invalid json": 1,
      "non-numeric": 1,
      "blank line": 1,
    });
    assert.equal(s.connectionsTotal, 1);
    assertInvariant(s);
    await source.close();
  });

  test("a 5 MB line without newlines is rejected once, not buffered, and the next line parses", async () => {
    const source = await SocketSource.listen({ transport: "tcp", maxLineBytes: 4096 });
    const client = await tcpClient(source.address.port);
    const chunk = Buffer.alloc(64 * 1024, "a");
    for (let i = 0; i < 80; i++) await write(client, chunk);
    await end(client, `\n${csvLine(9)}\n`);
    const [item] = await take(source, 1);
    assert.equal(item.record.features.src_bytes, 9);
    await waitFor("the connection to close", () => source.stats.connections === 0);
    const s = source.stats;
    assert.equal(s.received, 2);
    assert.deepEqual(s.rejectedByReason, { "oversized line": 1 });
    assert.equal(s.bytes, 80 * 64 * 1024 + 2 + csvLine(9).length);
    assertInvariant(s);
    await source.close();
  });

  test('backPressure "pause": a slow consumer loses nothing and the queue stays within maxQueue', async () => {
    const source = await SocketSource.listen({ transport: "tcp", maxQueue: 8 });
    const client = await tcpClient(source.address.port);
    const n = 3000;
    const text = Array.from({ length: n }, (_, i) => csvLine(i)).join("\n");
    void end(client, `${text}\n`);
    await sleep(100); // let the sender run ahead of the consumer
    assert.ok(source.stats.pauses >= 1, "reading was paused");
    assert.equal(source.stats.queueDepth, 8);
    const got: number[] = [];
    for await (const item of source) {
      got.push(item.record.features.src_bytes as number);
      if (got.length % 100 === 0) await sleep(1); // a slow consumer
      assertInvariant(source.stats);
      if (got.length === n) break;
    }
    assert.deepEqual(
      got,
      Array.from({ length: n }, (_, i) => i),
      "every record, in order",
    );
    await waitFor("the connection to close", () => source.stats.connections === 0);
    const s = source.stats;
    assert.equal(s.dropped, 0);
    assert.equal(s.received, n);
    assert.ok(s.maxQueueDepth <= 8, `max depth ${s.maxQueueDepth}`);
    assert.ok(s.pauses > 1);
    assertInvariant(s);
    await source.close();
  });

  test('backPressure "drop": what does not fit is counted, the first records are kept', async () => {
    const source = await SocketSource.listen({ transport: "tcp", maxQueue: 5, backPressure: "drop" });
    const client = await tcpClient(source.address.port);
    await end(client, `${Array.from({ length: 50 }, (_, i) => csvLine(i)).join("\n")}\nnot a record\n`);
    await waitFor("all lines", () => source.stats.received === 51);
    let s = source.stats;
    assert.equal(s.queueDepth, 5);
    assert.equal(s.dropped, 46); // the bad line arrived with a full queue: dropped before parsing
    assert.equal(s.rejected, 0);
    assertInvariant(s);
    const batch = source.drain();
    assert.deepEqual(
      batch.map((b) => b.record.features.src_bytes),
      [0, 1, 2, 3, 4],
    );
    s = source.stats;
    assert.equal(s.delivered, 5);
    assertInvariant(s);
    await source.close();
  });

  test("close() counts lines unread in a paused connection as dropped; iterators end after the queue", async () => {
    const source = await SocketSource.listen({ transport: "tcp", maxQueue: 4 });
    const client = await tcpClient(source.address.port);
    client.on("error", () => {}); // the source resets the connection
    await write(
      client,
      `${Array.from({ length: 20 }, (_, i) => csvLine(i)).join("\n")}\n${csvLine(99).slice(0, 10)}`,
    );
    await waitFor("the queue to fill", () => source.stats.queueDepth === 4 && source.stats.pauses >= 1);
    await source.close();
    const s = source.stats;
    assert.equal(s.queueDepth, 4);
    assert.equal(s.droppedAtClose, 17); // 16 whole lines and 1 partial one
    assert.equal(s.received, 21);
    assertInvariant(s);
    const rest: number[] = [];
    for await (const batch of source.batches(3))
      rest.push(...batch.map((b) => b.record.features.src_bytes as number));
    assert.deepEqual(rest, [0, 1, 2, 3]);
    assertInvariant(source.stats);
    await source.close(); // idempotent
  });

  test("connections over maxConnections are refused and counted; others keep working", async () => {
    const source = await SocketSource.listen({ transport: "tcp", maxConnections: 1 });
    const a = await tcpClient(source.address.port);
    const b = connect({ host: "127.0.0.1", port: source.address.port });
    b.on("error", () => {});
    await waitFor("the refusal", () => source.stats.connectionsRefused === 1);
    await end(a, `${csvLine(1)}\n`);
    const [item] = await take(source, 1);
    assert.equal(item.record.features.src_bytes, 1);
    assert.equal(source.stats.connectionsTotal, 1);
    b.destroy();
    await source.close();
  });
});

describe("SocketSource: UDP", () => {
  test("one or more lines per datagram; bad, oversized and empty datagrams are rejected with reasons", async () => {
    const rejects: RejectedInput[] = [];
    const source = await SocketSource.listen({
      transport: "udp",
      maxLineBytes: 1024,
      onReject: (r) => rejects.push(r),
    });
    assert.equal(source.opts.backPressure, "drop");
    const client = createSocket("udp4");
    const send = (text: string): Promise<void> =>
      new Promise((resolve, reject) =>
        client.send(text, source.address.port, "127.0.0.1", (err) => (err ? reject(err) : resolve())),
      );
    await send(`${csvLine(1)}\n${csvLine(2)}\n${csvLine(3)}\n`);
    await send(csvLine(4)); // no newline
    await send(`${jsonLine({ id: "u5", dst: "10.0.0.10", dstPort: 53 })}\n{"broken"\n`);
    await send(`${"q".repeat(2000)}\n${csvLine(6)}`);
    await send("");
    await waitFor("five datagrams", () => source.stats.datagrams === 5);
    const items = source.drain();
    assert.deepEqual(
      items.map((i) => i.record.id ?? i.record.features.src_bytes),
      [1, 2, 3, 4, "u5", 6],
    );
    assert.equal(items[4].record.dstPort, 53);
    assert.deepEqual(
      rejects.map((r) => r.kind),
      ["invalid json", "oversized line", "blank line"],
    );
    const s = source.stats;
    assert.equal(s.received, 9);
    assert.equal(s.delivered, 6);
    assert.equal(s.rejected, 3);
    assertInvariant(s);
    client.close();
    await source.close();
  });

  test("a full queue drops and counts (UDP cannot pause)", async () => {
    const source = await SocketSource.listen({ transport: "udp", maxQueue: 2 });
    const client = createSocket("udp4");
    await new Promise<void>((resolve) =>
      client.send(
        Array.from({ length: 5 }, (_, i) => csvLine(i)).join("\n"),
        source.address.port,
        "127.0.0.1",
        () => resolve(),
      ),
    );
    await waitFor("the datagram", () => source.stats.datagrams === 1);
    const s = source.stats;
    assert.deepEqual([s.received, s.queueDepth, s.dropped], [5, 2, 3]);
    assertInvariant(s);
    client.close();
    await source.close();
  });
});

describe("SocketSource: options", () => {
  test("a non-loopback host needs allowRemote: true, and the error says so", async () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.10", "example.org"]) {
      for (const transport of ["tcp", "udp"] as const) {
        await assert.rejects(
          SocketSource.listen({ transport, host }),
          (e: Error) =>
            e instanceof OptionError &&
            e.message.includes(`"${host}" is not a loopback`) &&
            e.message.includes("{ allowRemote: true }"),
        );
      }
    }
  });

  test("isLoopback", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "localhost"])
      assert.ok(isLoopback(h), h);
    for (const h of ["0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "::2", "example.org", ""])
      assert.ok(!isLoopback(h), h);
  });

  test("impossible or out-of-range options are OptionErrors naming the fix; a busy port names EADDRINUSE", async () => {
    await assert.rejects(
      SocketSource.listen({ transport: "udp", backPressure: "pause" }),
      /UDP has no flow control.*use "drop"/,
    );
    await assert.rejects(
      SocketSource.listen({ transport: "tcp", maxQueue: 0 }),
      /maxQueue must be an integer >= 1, got 0/,
    );
    await assert.rejects(
      SocketSource.listen({ transport: "tcp", port: 70000 }),
      /port must be an integer from 0 to 65535, got 70000/,
    );
    await assert.rejects(
      SocketSource.listen({ transport: "sctp" as "tcp" }),
      /transport must be "tcp" or "udp", got "sctp"/,
    );
    const first = await SocketSource.listen({ transport: "tcp" });
    await assert.rejects(
      SocketSource.listen({ transport: "tcp", port: first.address.port }),
      (e: Error) =>
        e instanceof ConfigError && /EADDRINUSE\). Another process uses that port/.test(e.message),
    );
    await first.close();
  });
});

/** `connectionsTotal = connections + sum(connectionsClosed)`, besides the line identity. */
function assertConnections(s: SocketSourceStats): void {
  assertInvariant(s);
  const closed = Object.values(s.connectionsClosed).reduce((a, b) => a + (b ?? 0), 0);
  assert.equal(
    s.connectionsTotal,
    s.connections + closed,
    `total ${s.connectionsTotal} != open ${s.connections} + closed ${JSON.stringify(s.connectionsClosed)}`,
  );
  const refused = Object.values(s.connectionsRefusedByReason).reduce((a, b) => a + (b ?? 0), 0);
  assert.equal(s.connectionsRefused, refused);
}

/** A TCP client from a chosen loopback address (127.0.0.0/8 is all this machine's). */
async function clientFrom(localAddress: string, port: number): Promise<Socket> {
  const socket = connect({ host: "127.0.0.1", port, localAddress, noDelay: true });
  socket.on("error", () => {}); // the source may refuse, time out or reset it
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  return socket;
}

/** Waits until `socket` is closed by the other side. */
function closedByPeer(socket: Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once("close", () => resolve())));
}

describe("SocketSource: hostile clients", () => {
  test("a few addresses cannot fill every slot: a newcomer from an address holding fewer displaces one (fair share)", async () => {
    const source = await SocketSource.listen({
      transport: "tcp",
      maxConnections: 6,
      maxConnectionsPerAddress: 4,
      displaceIdleMs: 600_000, // no connection counts as idle here: only the fair share displaces
    });
    const port = source.address.port;
    const idle: Socket[] = [];
    const admitted = async (from: string): Promise<void> => {
      const before = source.stats.connectionsTotal;
      idle.push(await clientFrom(from, port));
      await waitFor("the connection to be admitted", () => source.stats.connectionsTotal === before + 1);
    };
    const refused = async (from: string, reason: string): Promise<void> => {
      const before = source.stats.connectionsRefused;
      const socket = await clientFrom(from, port);
      await waitFor(`the refusal (${reason})`, () => source.stats.connectionsRefused === before + 1);
      await closedByPeer(socket);
    };
    for (let i = 0; i < 4; i++) await admitted("127.0.0.1");
    await refused("127.0.0.1", "per-address limit");
    // A well-behaved sender from another address still gets through.
    const good = await clientFrom("127.0.0.2", port);
    await end(good, `${csvLine(1)}\n${csvLine(2)}\n`);
    const items = await take(source, 2);
    assert.deepEqual(
      items.map((i) => i.record.features.src_bytes),
      [1, 2],
    );
    assert.match(items[0].peer, /^127\.0\.0\.2:/);
    await waitFor("the good sender's close", () => source.stats.connectionsClosed.end === 1);
    await admitted("127.0.0.3");
    await admitted("127.0.0.4"); // all 6 slots: .1 holds 4, .3 and .4 one each
    // A newcomer from a new address takes a slot from .1 while, counting the newcomer, its address
    // would still hold fewer than .1.
    const displaced = (n: number) => (): boolean =>
      source.stats.connectionsClosed["displaced: fair share"] === n;
    await admitted("127.0.0.5");
    await waitFor("one of .1's connections to be displaced", displaced(1));
    // A well-behaved sender from yet another address gets its records in while the slots are full.
    const late = await clientFrom("127.0.0.6", port);
    await waitFor("one more displaced", displaced(2));
    await write(late, `${csvLine(3)}\n`);
    assert.equal((await take(source, 1))[0].record.features.src_bytes, 3);
    await admitted("127.0.0.7");
    await waitFor("one more displaced", displaced(3));
    // Now every address holds one: a newcomer is refused.
    await refused("127.0.0.8", "max connections");
    // The displaced ones are .1's longest idle: its first three.
    await Promise.all(idle.slice(0, 3).map(closedByPeer));
    late.destroy();
    const s = source.stats;
    assert.equal(s.connectionsTotal, 10);
    assert.deepEqual(s.connectionsRefusedByReason, { "per-address limit": 1, "max connections": 1 });
    assertConnections(s);
    for (const socket of idle) socket.destroy();
    await waitFor("the idle ones to go", () => source.stats.connections === 0);
    assertConnections(source.stats);
    await source.close();
  });

  test("200 concurrent connections: each is admitted or refused, and counted", async () => {
    const source = await SocketSource.listen({ transport: "tcp" }); // defaults: 64 in all, 16 per address
    const port = source.address.port;
    const sockets = await Promise.all(
      Array.from({ length: 200 }, (_, i) => clientFrom(`127.0.0.${1 + (i % 10)}`, port)),
    );
    await waitFor(
      "every connection to be seen",
      () => source.stats.connectionsTotal + source.stats.connectionsRefused === 200,
    );
    let s = source.stats;
    // Full at 64; newcomers from an address holding two fewer than the busiest displace one of its.
    assert.equal(s.connections, 64);
    const displaced = s.connectionsClosed["displaced: fair share"] ?? 0;
    assert.equal(s.connectionsTotal, 64 + displaced);
    assert.equal(s.connectionsRefused, 136 - displaced);
    assert.equal(
      (s.connectionsRefusedByReason["max connections"] ?? 0) +
        (s.connectionsRefusedByReason["per-address limit"] ?? 0),
      136 - displaced,
    );
    assertConnections(s);
    for (const socket of sockets) socket.destroy();
    await waitFor("every connection to close", () => source.stats.connections === 0);
    s = source.stats;
    assert.equal((s.connectionsClosed.end ?? 0) + (s.connectionsClosed.reset ?? 0), 64);
    assertConnections(s);
    await source.close();
  });

  test("a silent connection is closed by the idle timeout, a slow sender by the line timeout (its half line rejected)", async () => {
    const rejects: RejectedInput[] = [];
    const source = await SocketSource.listen({
      transport: "tcp",
      idleTimeoutMs: 2000, // wide apart, so a loaded machine cannot swap which timeout closes which
      lineTimeoutMs: 200,
      onReject: (r) => rejects.push(r),
    });
    const port = source.address.port;
    const silent = await clientFrom("127.0.0.1", port);
    const slow = await clientFrom("127.0.0.1", port);
    // One byte at a time, never a newline, until the source closes the connection.
    const line = csvLine(5);
    let k = 0;
    const drip = setInterval(() => {
      if (!slow.destroyed) slow.write(line[k++ % line.length]);
    }, 10);
    await Promise.all([closedByPeer(silent), closedByPeer(slow)]);
    clearInterval(drip);
    await waitFor("both closes to be counted", () => source.stats.connections === 0);
    const s = source.stats;
    assert.deepEqual(s.connectionsClosed, { "idle timeout": 1, "line timeout": 1 });
    assert.deepEqual(s.rejectedByReason, { "truncated line": 1 });
    assert.equal(rejects[0].kind, "truncated line");
    assert.match(rejects[0].reason, /closed by the line timeout before the line's newline/);
    assert.ok(line.startsWith(rejects[0].text), rejects[0].text);
    assert.equal(s.delivered, 0);
    assertConnections(s);
    // A sender that sends whole lines is not cut off.
    const good = await clientFrom("127.0.0.1", port);
    await end(good, `${csvLine(6)}\n`);
    const [item] = await take(source, 1);
    assert.equal(item.record.features.src_bytes, 6);
    await source.close();
  });

  test("a reset mid-line: the half line is rejected as truncated, not scored; a clean close still completes one", async () => {
    const rejects: RejectedInput[] = [];
    const source = await SocketSource.listen({ transport: "tcp", onReject: (r) => rejects.push(r) });
    const port = source.address.port;
    const resetter = await clientFrom("127.0.0.1", port);
    const sent = `${csvLine(1)}\n${csvLine(2).slice(0, 30)}`;
    await write(resetter, sent);
    await waitFor("the bytes to arrive", () => source.stats.bytes === sent.length);
    resetter.resetAndDestroy();
    await waitFor("the reset", () => source.stats.connectionsClosed.reset === 1);
    const closer = await clientFrom("127.0.0.1", port);
    await end(closer, csvLine(3)); // no newline, but a clean close (FIN)
    const items = await take(source, 2);
    assert.deepEqual(
      items.map((i) => i.record.features.src_bytes),
      [1, 3],
    );
    await waitFor("the clean close", () => source.stats.connectionsClosed.end === 1);
    const s = source.stats;
    assert.deepEqual(s.rejectedByReason, { "truncated line": 1 });
    assert.match(rejects[0].reason, /^truncated line: the connection was reset by the sender/);
    assert.equal(rejects[0].text, csvLine(2).slice(0, 30));
    assert.equal(s.received, 3);
    assertConnections(s);
    await source.close();
  });

  test("huge lines and escape sequences are rejected with bounded text; a good sender on the same connection goes on", async () => {
    const rejects: RejectedInput[] = [];
    const source = await SocketSource.listen({
      transport: "tcp",
      maxLineBytes: 4096,
      onReject: (r) => rejects.push(r),
    });
    const client = await clientFrom("127.0.0.1", source.address.port);
    const escape = "\u001b[2J\u001b]0;pwned\u0007\u202e";
    await write(client, Buffer.alloc(1 << 20, "h"));
    await end(
      client,
      [
        "",
        `${escape}${csvLine(1)}`,
        jsonLine({ src: `${escape}10.0.0.1` }),
        jsonLine({ src: "x".repeat(1000) }),
        jsonLine({ service: "s".repeat(3000) }),
        csvLine(7),
        "",
      ].join("\n"),
    );
    const [item] = await take(source, 1);
    assert.equal(item.record.features.src_bytes, 7);
    await waitFor("the close", () => source.stats.connections === 0);
    assert.deepEqual(
      rejects.map((r) => r.kind),
      ["oversized line", "non-numeric", "bad address", "bad address", "oversized field"],
    );
    for (const r of rejects) {
      assert.ok(r.text.length <= 200, `${r.kind}: text of ${r.text.length} characters`);
      assert.ok(r.reason.length <= 400, `${r.kind}: reason of ${r.reason.length} characters`);
    }
    assertConnections(source.stats);
    await source.close();
  });

  test("with a secret: no AUTH, a wrong one, a silent client and a flood before AUTH are closed and counted; AUTH lets records in", async () => {
    const secret = "correct horse battery staple 42";
    const source = await SocketSource.listen({ transport: "tcp", secret, authTimeoutMs: 100 });
    const port = source.address.port;
    const noAuth = await clientFrom("127.0.0.1", port);
    noAuth.write(`${csvLine(1)}\n${csvLine(2)}\n`);
    const wrong = await clientFrom("127.0.0.1", port);
    wrong.write(`AUTH not the secret\n${csvLine(3)}\n`);
    const silent = await clientFrom("127.0.0.1", port);
    const flood = await clientFrom("127.0.0.1", port);
    flood.write(Buffer.alloc(64 * 1024, "A"));
    await Promise.all([noAuth, wrong, silent, flood].map(closedByPeer));
    // The AUTH line split across writes, with CRLF, records in the same write as its end.
    const good = await clientFrom("127.0.0.1", port);
    await write(good, "AUTH correct horse");
    await sleep(10);
    await end(good, ` battery staple 42\r\n${csvLine(4)}\n${csvLine(5)}\n`);
    const items = await take(source, 2);
    assert.deepEqual(
      items.map((i) => i.record.features.src_bytes),
      [4, 5],
    );
    await waitFor("every close", () => source.stats.connections === 0);
    const s = source.stats;
    assert.deepEqual(s.connectionsClosed, { unauthenticated: 3, "auth timeout": 1, end: 1 });
    assert.equal(s.received, 2, "lines from unauthenticated connections are not records");
    assertConnections(s);
    await source.close();
  });

  test("allowFrom: TCP connections and UDP datagrams from other addresses are refused and counted", async () => {
    const tcp = await SocketSource.listen({ transport: "tcp", allowFrom: ["127.0.0.2/32", "10.0.0.0/8"] });
    const outsider = await clientFrom("127.0.0.1", tcp.address.port);
    await closedByPeer(outsider);
    const insider = await clientFrom("127.0.0.2", tcp.address.port);
    await end(insider, `${csvLine(1)}\n`);
    assert.equal((await take(tcp, 1))[0].record.features.src_bytes, 1);
    assert.deepEqual(tcp.stats.connectionsRefusedByReason, { "not allowed": 1 });
    await tcp.close();

    const udp = await SocketSource.listen({ transport: "udp", allowFrom: ["127.0.0.2"] });
    const send = async (from: string, text: string): Promise<void> => {
      const client = createSocket("udp4");
      await new Promise<void>((resolve) => client.bind(0, from, resolve));
      await new Promise<void>((resolve, reject) =>
        client.send(text, udp.address.port, "127.0.0.1", (err) => (err ? reject(err) : resolve())),
      );
      client.close();
    };
    await send("127.0.0.1", csvLine(2));
    await send("127.0.0.2", csvLine(3));
    await waitFor("both datagrams", () => udp.stats.datagrams === 2);
    const s = udp.stats;
    assert.equal(s.datagramsRefused, 1);
    assert.equal(s.received, 1, "a refused datagram's lines are not counted");
    assert.deepEqual(
      udp.drain().map((i) => i.record.features.src_bytes),
      [3],
    );
    await udp.close();
  });

  test(
    "UDP: datagrams the kernel drops are read from /proc/net/udp into kernelDrops",
    { skip: process.platform !== "linux" && "no /proc/net/udp" },
    async () => {
      const source = await SocketSource.listen({ transport: "udp", recvBufferBytes: 4096, maxQueue: 1 });
      assert.equal(source.sampleKernelDrops(), 0);
      const client = createSocket("udp4");
      const n = 2000;
      const payload = csvLine(1);
      let sent = 0;
      const allSent = new Promise<void>((resolve) => {
        // Sent in one go: the source cannot read while this loop runs, so its small buffer overflows.
        for (let i = 0; i < n; i++)
          client.send(payload, source.address.port, "127.0.0.1", () => {
            if (++sent === n) resolve();
          });
      });
      await allSent;
      await waitFor(
        "every datagram read or dropped",
        () => source.stats.datagrams + (source.sampleKernelDrops() ?? 0) === n,
      );
      const s = source.stats;
      assert.ok((s.kernelDrops ?? 0) > 0, `kernel drops ${s.kernelDrops}`);
      assert.ok(s.dropped > 0, "the full queue's drops are counted too");
      assertInvariant(s);
      client.close();
      await source.close();
      assert.equal(source.stats.kernelDrops, s.kernelDrops, "the last value stays after close");
    },
  );
});

describe("SocketSource: one sender cannot silence the rest", () => {
  test("junk lines do not hold a slot: they restart no idle timeout, and maxConsecutiveRejects closes the connection", async () => {
    const source = await SocketSource.listen({
      transport: "tcp",
      idleTimeoutMs: 200,
      maxConsecutiveRejects: 5,
    });
    const port = source.address.port;
    // 4 rejected lines, a good one, 4 more: never 5 in a row, so the connection stays open.
    const mixed = await clientFrom("127.0.0.1", port);
    await write(mixed, `${"x\n".repeat(4)}${csvLine(1)}\n${"x\n".repeat(4)}`);
    // 5 in a row: closed at once, even within one write.
    const junk = await clientFrom("127.0.0.1", port);
    await write(junk, `${"x\n".repeat(5)}${csvLine(2)}\n`);
    await closedByPeer(junk);
    assert.equal((await take(source, 1))[0].record.features.src_bytes, 1);
    await closedByPeer(mixed); // idle since its good line: the idle timeout closes it
    await waitFor("both closes", () => source.stats.connections === 0);
    const s = source.stats;
    assert.deepEqual(s.connectionsClosed, { rejects: 1, "idle timeout": 1 });
    assert.equal(s.rejectedByReason["field count"], 13);
    assert.equal(s.delivered, 1, "the line after the fifth reject was not read");
    assertConnections(s);
    await source.close();
  });

  test("16 connections sending junk every few ms are closed by the idle timeout; a good sender from the same address gets in", async () => {
    // The red team's lock-out: every slot of an address held by connections that send a rejected
    // line more often than the idle timeout. Rejected lines no longer restart it.
    const source = await SocketSource.listen({
      transport: "tcp",
      maxConnections: 64,
      maxConnectionsPerAddress: 16,
      idleTimeoutMs: 300,
      displaceIdleMs: 600_000, // only the idle timeout frees slots here
    });
    const port = source.address.port;
    const junk = await Promise.all(Array.from({ length: 16 }, () => clientFrom("127.0.0.1", port)));
    await waitFor("16 admitted", () => source.stats.connectionsTotal === 16);
    const drip = setInterval(() => {
      for (const socket of junk) if (!socket.destroyed) socket.write("x\n");
    }, 20);
    try {
      await Promise.all(junk.map(closedByPeer));
    } finally {
      clearInterval(drip);
    }
    const good = await clientFrom("127.0.0.1", port);
    await end(good, `${csvLine(1)}\n${csvLine(2)}\n`);
    assert.deepEqual(
      (await take(source, 2)).map((i) => i.record.features.src_bytes),
      [1, 2],
    );
    await waitFor("the good close", () => source.stats.connectionsClosed.end === 1);
    const s = source.stats;
    assert.equal(s.connectionsClosed["idle timeout"], 16);
    assert.equal(s.connectionsRefused, 0);
    assertConnections(s);
    await source.close();
  });

  test("an address at its limit: an active newcomer displaces its longest-idle connection (displaceIdleMs)", async () => {
    const source = await SocketSource.listen({
      transport: "tcp",
      maxConnectionsPerAddress: 3,
      displaceIdleMs: 100,
    });
    const port = source.address.port;
    const squatters: Socket[] = [];
    for (let i = 0; i < 3; i++) {
      squatters.push(await clientFrom("127.0.0.1", port));
      await waitFor("admitted", () => source.stats.connectionsTotal === i + 1);
    }
    // The last squatter sends a good line: it is not idle, the first one is the longest idle.
    await write(squatters[2], `${csvLine(1)}\n`);
    assert.equal((await take(source, 1))[0].record.features.src_bytes, 1);
    await sleep(150); // every squatter idle for more than displaceIdleMs
    const good = await clientFrom("127.0.0.1", port);
    await end(good, `${csvLine(2)}\n`);
    assert.equal((await take(source, 1))[0].record.features.src_bytes, 2);
    await closedByPeer(squatters[0]);
    await waitFor("the good close", () => source.stats.connectionsClosed.end === 1);
    const s = source.stats;
    assert.deepEqual(s.connectionsClosed, { "displaced: idle": 1, end: 1 });
    assert.equal(s.connectionsRefused, 0);
    assertConnections(s);
    for (const socket of squatters) socket.destroy();
    await source.close();
  });

  test("with a secret: a reconnect loop of unauthenticated connections cannot keep an authenticated sender out", async () => {
    const secret = "correct horse battery staple 42";
    const source = await SocketSource.listen({
      transport: "tcp",
      secret,
      maxUnauthenticated: 2,
      authTimeoutMs: 600_000, // only displacement frees a waiting slot
    });
    const port = source.address.port;
    // Six hogs from the sender's own address, each reconnecting as soon as it is closed.
    let stop = false;
    const hog = async (): Promise<void> => {
      while (!stop) {
        try {
          const socket = await clientFrom("127.0.0.1", port);
          if (stop) socket.destroy();
          else await closedByPeer(socket);
        } catch {
          // refused before the connect completed: try again
        }
      }
    };
    const hogs = Array.from({ length: 6 }, hog);
    await waitFor(
      "the hogs to churn",
      () => (source.stats.connectionsClosed["displaced: unauthenticated"] ?? 0) > 50,
    );
    // The sender sends its AUTH line with its connection; it retries when displaced or refused.
    let tries = 0;
    while (source.stats.connectionsClosed.end !== 1) {
      assert.ok(++tries <= 100, "the authenticated sender never got in");
      const good = await clientFrom("127.0.0.1", port);
      good.end(`AUTH ${secret}\n${csvLine(tries)}\n`);
      await closedByPeer(good);
      await sleep(5);
    }
    const [item] = await take(source, 1);
    assert.equal(item.record.features.src_bytes, tries);
    stop = true;
    await source.close();
    await Promise.all(hogs);
    const s = source.stats;
    assert.equal(s.received, 1, "lines come only from the authenticated connection");
    assert.equal(s.connectionsClosed.end, 1);
    assertConnections(s);
  });

  test("with a secret, limits count authenticated connections: fair share applies once a newcomer authenticates", async () => {
    const secret = "correct horse battery staple 42";
    const source = await SocketSource.listen({
      transport: "tcp",
      secret,
      maxConnections: 2,
      displaceIdleMs: 600_000,
    });
    const port = source.address.port;
    const holders: Socket[] = [];
    for (let i = 0; i < 2; i++) {
      const socket = await clientFrom("127.0.0.1", port);
      await write(socket, `AUTH ${secret}\n${csvLine(i)}\n`);
      holders.push(socket);
    }
    await take(source, 2);
    // Waiting for AUTH does not take a slot; authenticating from .2 displaces one of .1's.
    const silent = await clientFrom("127.0.0.3", port);
    const good = await clientFrom("127.0.0.2", port);
    await end(good, `AUTH ${secret}\n${csvLine(7)}\n`);
    assert.equal((await take(source, 1))[0].record.features.src_bytes, 7);
    await closedByPeer(holders[0]);
    const s = source.stats;
    assert.equal(s.connectionsClosed["displaced: fair share"], 1);
    assert.equal(s.connectionsRefused, 0);
    silent.destroy();
    holders[1].destroy();
    await waitFor("every close", () => source.stats.connections === 0);
    assertConnections(source.stats);
    await source.close();
  });
});

describe("SocketSource: hostile-input options", () => {
  test("a secret with UDP, a short secret, a bad allowFrom or timeout are refused with the fix", async () => {
    await assert.rejects(
      SocketSource.listen({ transport: "udp", secret: "0123456789abcdef0123" }),
      (e: Error) => e instanceof OptionError && /UDP has none: use transport "tcp"/.test(e.message),
    );
    await assert.rejects(
      SocketSource.listen({ transport: "tcp", secret: "short" }),
      (e: Error) => e instanceof ConfigError && /is 5 bytes; use at least 16/.test(e.message),
    );
    await assert.rejects(
      SocketSource.listen({ transport: "tcp", secret: "0123456789abcdef\n0123" }),
      /holds a line break/,
    );
    await assert.rejects(
      SocketSource.listen({ transport: "tcp", allowFrom: ["10.0.0.0/33"] }),
      (e: Error) =>
        e instanceof OptionError && /allowFrom \(--allow-from\): bad prefix "10.0.0.0\/33"/.test(e.message),
    );
    await assert.rejects(SocketSource.listen({ transport: "tcp", allowFrom: [] }), /allowFrom is empty/);
    await assert.rejects(
      SocketSource.listen({ transport: "tcp", idleTimeoutMs: 0 }),
      /idleTimeoutMs must be a number of milliseconds > 0, got 0/,
    );
    await assert.rejects(
      SocketSource.listen({ transport: "tcp", maxConnectionsPerAddress: 0 }),
      /maxConnectionsPerAddress must be an integer >= 1/,
    );
  });
});
