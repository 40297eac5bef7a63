import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { OptionError, ParseError } from "../core/errors";
import { CaptureParser, type CaptureReport, parseCapture, readCapture } from "./capture";
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW, type Packet, TCP_SYN } from "./packet";

/** Bytes from hex text (spaces ignored) and number arrays, in order. */
function bytes(...parts: (string | readonly number[])[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part !== "string") {
      out.push(...part);
      continue;
    }
    const h = part.replace(/\s+/g, "");
    for (let i = 0; i < h.length; i += 2) out.push(parseInt(h.slice(i, i + 2), 16));
  }
  return Uint8Array.from(out);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// Frames checked with tshark (checksum validation on); decode.test.ts tests their fields in detail.
/** Ethernet, IPv4 10.0.0.5:49152 -> 10.0.0.1:80 TCP SYN, 60 bytes with padding. */
const SYN = bytes(
  "001122334455 66778899aabb 0800",
  "4500 002c 1c46 4000 4006 0a81 0a000005 0a000001",
  "c000 0050 12345678 00000000 6002 faf0 6033 0000 020405b4 0000",
);
/** Ethernet ARP request, 60 bytes. */
const ARP = bytes(
  "ffffffffffff 66778899aabb 0806",
  "0001 0800 06 04 0001 66778899aabb 0a000005 000000000000 0a000001",
  new Array<number>(18).fill(0),
);
/** Raw IPv4 ICMP echo request 10.0.0.1 -> 10.0.0.2, 84 bytes. */
const ICMP_ECHO = bytes("4500 0054 0001 0000 4001 66a6 0a000001 0a000002", "0800 eeb7 1234 0001", range(56));
/** Linux cooked v2, IPv6 TCP 443 -> 51000 with "hello", 85 bytes. */
const SLL2_TCP = bytes(
  "86dd 0000 00000002 0001 04 06 66778899aabb0000",
  "6000 0000 0019 06 39 20010db8000000000000000000000001 20010db8000000000001000000000002",
  "01bb c738 000003e8 000007d0 5018 01f5 39df 0000 68656c6c6f",
);

// ---- classic pcap writer ----

interface PcapRecord {
  frame: Uint8Array;
  sec: number;
  /** Microseconds, or nanoseconds in a nanosecond file. */
  frac: number;
  wireLength?: number;
}

function pcapFile(
  records: readonly PcapRecord[],
  { littleEndian = true, nano = false, linkType = LINKTYPE_ETHERNET } = {},
): Uint8Array {
  const header = new DataView(new ArrayBuffer(24));
  header.setUint32(0, nano ? 0xa1b23c4d : 0xa1b2c3d4, littleEndian);
  header.setUint16(4, 2, littleEndian);
  header.setUint16(6, 4, littleEndian);
  header.setUint32(16, 65535, littleEndian);
  header.setUint32(20, linkType, littleEndian);
  const parts = [new Uint8Array(header.buffer)];
  for (const r of records) {
    const h = new DataView(new ArrayBuffer(16));
    h.setUint32(0, r.sec, littleEndian);
    h.setUint32(4, r.frac, littleEndian);
    h.setUint32(8, r.frame.length, littleEndian);
    h.setUint32(12, r.wireLength ?? r.frame.length, littleEndian);
    parts.push(new Uint8Array(h.buffer), r.frame);
  }
  return concat(parts);
}

// ---- pcapng writer ----

/** Little-endian unless `le` is false: fields written by a `write(view)` callback. */
function fields(length: number, write: (v: DataView) => void): Uint8Array {
  const v = new DataView(new ArrayBuffer(length));
  write(v);
  return new Uint8Array(v.buffer);
}

function block(type: number, body: Uint8Array, le: boolean): Uint8Array {
  const padded = Math.ceil(body.length / 4) * 4;
  const total = 12 + padded;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, le);
  v.setUint32(4, total, le);
  out.set(body, 8);
  v.setUint32(total - 4, total, le);
  return out;
}

function option(code: number, value: Uint8Array, le: boolean): Uint8Array {
  const head = fields(4, (v) => {
    v.setUint16(0, code, le);
    v.setUint16(2, value.length, le);
  });
  return concat([head, value, new Uint8Array((4 - (value.length % 4)) % 4)]);
}

const shb = (le: boolean): Uint8Array =>
  block(
    0x0a0d0d0a,
    fields(16, (v) => {
      v.setUint32(0, 0x1a2b3c4d, le);
      v.setUint16(4, 1, le);
      v.setBigInt64(8, -1n, le); // section length unknown
    }),
    le,
  );

function idb(linkType: number, le: boolean, options: readonly Uint8Array[] = []): Uint8Array {
  const head = fields(8, (v) => {
    v.setUint16(0, linkType, le);
    v.setUint32(4, 65535, le);
  });
  const opts = options.length ? [...options, option(0, new Uint8Array(0), le)] : [];
  return block(1, concat([head, ...opts]), le);
}

function epb(
  iface: number,
  units: bigint,
  frame: Uint8Array,
  le: boolean,
  wireLength = frame.length,
): Uint8Array {
  const head = fields(20, (v) => {
    v.setUint32(0, iface, le);
    v.setUint32(4, Number(units >> 32n), le);
    v.setUint32(8, Number(units & 0xffffffffn), le);
    v.setUint32(12, frame.length, le);
    v.setUint32(16, wireLength, le);
  });
  return block(6, concat([head, frame]), le);
}

function obsoletePacketBlock(iface: number, units: bigint, frame: Uint8Array, le: boolean): Uint8Array {
  const head = fields(20, (v) => {
    v.setUint16(0, iface, le);
    v.setUint32(4, Number(units >> 32n), le);
    v.setUint32(8, Number(units & 0xffffffffn), le);
    v.setUint32(12, frame.length, le);
    v.setUint32(16, frame.length, le);
  });
  return block(2, concat([head, frame]), le);
}

const spb = (frame: Uint8Array, le: boolean): Uint8Array =>
  block(3, concat([fields(4, (v) => v.setUint32(0, frame.length, le)), frame]), le);

const TS_SEC = 1_700_000_000;

/** Two interfaces (Ethernet µs, raw IP ns), an SPB, two blocks to skip, and a packet on a missing interface. */
function twoInterfaceFile(le: boolean): Uint8Array {
  return concat([
    shb(le),
    idb(LINKTYPE_ETHERNET, le),
    idb(LINKTYPE_RAW, le, [option(9, Uint8Array.of(9), le)]), // if_tsresol = 10^-9
    epb(0, BigInt(TS_SEC) * 1_000_000n + 500_000n, SYN, le),
    epb(1, BigInt(TS_SEC) * 1_000_000_000n + 123_456_789n, ICMP_ECHO, le),
    spb(ARP, le),
    block(5, new Uint8Array(20), le), // Interface Statistics Block
    block(0x00000bad, Uint8Array.of(1, 2, 3), le), // custom block
    epb(7, 0n, SYN, le), // interface 7 was never described
  ]);
}

function parseInChunks(
  data: Uint8Array,
  cuts: readonly number[],
): { packets: Packet[]; report: CaptureReport } {
  const packets: Packet[] = [];
  const parser = new CaptureParser("<bytes>");
  let last = 0;
  for (const cut of [...cuts, data.length]) {
    parser.push(data.subarray(last, cut), (p) => packets.push(p));
    last = cut;
  }
  return { packets, report: parser.finish() };
}

const oneByteAtATime = (data: Uint8Array): { packets: Packet[]; report: CaptureReport } =>
  parseInChunks(
    data,
    range(data.length).filter((i) => i > 0),
  );

function assertAccounted(report: CaptureReport): void {
  assert.equal(report.records, report.packets + report.skipped);
  const bySum = Object.values(report.skippedByReason).reduce((a, b) => a + b, 0);
  assert.equal(bySum, report.skipped);
}

const THREE = [
  { frame: SYN, sec: TS_SEC, frac: 500_000 },
  { frame: ARP, sec: TS_SEC + 1, frac: 1 },
  { frame: SYN, sec: TS_SEC + 2, frac: 999_999 },
];

describe("classic pcap", () => {
  test("little-endian microsecond file: packets, timestamps and report", () => {
    const data = pcapFile(THREE);
    const { packets, report } = parseCapture(data, {}, "trace.pcap");
    assert.deepEqual(report, {
      source: "trace.pcap",
      format: "pcap",
      linkTypes: [LINKTYPE_ETHERNET],
      records: 3,
      packets: 3,
      skipped: 0,
      skippedByReason: {},
      otherBlocks: {},
      bytes: data.length,
      truncatedTail: false,
      firstSkips: [],
    });
    assert.deepEqual(
      packets.map((p) => p.ts),
      [TS_SEC + 0.5, TS_SEC + 1.000001, TS_SEC + 2.999999],
    );
    assert.equal(packets[0].tcpFlags, TCP_SYN);
    assert.equal(packets[0].src, "10.0.0.5");
    assert.equal(packets[1].ipVersion, 0);
  });

  test("big-endian gives the same packets", () => {
    assert.deepEqual(
      parseCapture(pcapFile(THREE, { littleEndian: false })).packets,
      parseCapture(pcapFile(THREE)).packets,
    );
  });

  test("nanosecond files, both byte orders", () => {
    for (const littleEndian of [true, false]) {
      const data = pcapFile(
        [
          { frame: SYN, sec: TS_SEC, frac: 123_456_789 },
          { frame: SYN, sec: 7, frac: 999 },
        ],
        { littleEndian, nano: true },
      );
      const [a, b] = parseCapture(data).packets;
      assert.ok(Math.abs(a.ts - (TS_SEC + 0.123456789)) < 1e-6, String(a.ts));
      assert.equal(b.ts, 7 + 999e-9);
    }
  });

  test("frames that do not decode are counted by reason with their offsets", () => {
    const cut = SYN.subarray(0, 14 + 20 + 10);
    const data = pcapFile([
      { frame: SYN, sec: 1, frac: 0 },
      { frame: cut, sec: 2, frac: 0, wireLength: 60 },
      { frame: ARP, sec: 3, frac: 0 },
    ]);
    const { packets, report } = parseCapture(data);
    assert.equal(packets.length, 2);
    assert.deepEqual(report.skippedByReason, { "truncated TCP header": 1 });
    assert.deepEqual(report.firstSkips, [{ offset: 24 + 16 + 60, reason: "truncated TCP header" }]);
    assertAccounted(report);

    const unsupported = parseCapture(pcapFile(THREE, { linkType: 105 })).report;
    assert.deepEqual(unsupported.skippedByReason, { "unsupported link type 105": 3 });
    assert.deepEqual(unsupported.linkTypes, [105]);
  });

  test("FCS bits above the link type are ignored", () => {
    const data = pcapFile(THREE);
    data[23] = 0x14; // FCS length 1 (16-bit words), F bit set
    assert.deepEqual(parseCapture(data).report.linkTypes, [LINKTYPE_ETHERNET]);
  });
});

describe("pcapng", () => {
  for (const le of [true, false]) {
    test(`${le ? "little" : "big"}-endian: two interfaces, if_tsresol=9, SPB, skipped blocks`, () => {
      const { packets, report } = parseCapture(twoInterfaceFile(le));
      assert.equal(report.format, "pcapng");
      assert.deepEqual(report.linkTypes, [LINKTYPE_ETHERNET, LINKTYPE_RAW]);
      assert.equal(report.records, 4);
      assert.equal(report.packets, 3);
      assert.deepEqual(report.skippedByReason, { "unknown interface": 1 });
      assert.deepEqual(report.otherBlocks, { "0x00000005": 1, "0x00000bad": 1 });
      assert.equal(report.truncatedTail, false);
      assertAccounted(report);
      const [syn, icmp, arp] = packets;
      assert.equal(syn.ts, TS_SEC + 0.5);
      assert.equal(syn.dstPort, 80);
      assert.ok(Math.abs(icmp.ts - (TS_SEC + 0.123456789)) < 1e-6, String(icmp.ts));
      assert.equal(icmp.icmpType, 8);
      assert.equal(arp.ts, 0, "simple packet blocks carry no timestamp");
      assert.equal(arp.ipVersion, 0);
      assert.equal(arp.capturedLength, 60);
    });
  }

  test("several sections with different byte orders, an obsolete Packet Block, if_tsresol 2^-10 and if_tsoffset", () => {
    const le = true;
    const be = false;
    const offset = fields(8, (v) => v.setBigInt64(0, 1000n, be));
    const data = concat([
      shb(le),
      idb(LINKTYPE_ETHERNET, le),
      epb(0, 2_000_000n, SYN, le),
      shb(be), // a new section: interface ids start again
      idb(LINKTYPE_LINUX_SLL2, be, [option(9, Uint8Array.of(0x8a), be), option(14, offset, be)]),
      epb(0, 1024n * 100n + 512n, SLL2_TCP, be),
      obsoletePacketBlock(0, 1024n, SLL2_TCP, be),
    ]);
    const { packets, report } = parseCapture(data);
    assert.deepEqual(report.linkTypes, [LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2]);
    assert.equal(report.records, 3);
    assert.equal(report.packets, 3);
    assert.deepEqual(
      packets.map((p) => [p.ts, p.srcPort]),
      [
        [2, 49152],
        [1100.5, 443],
        [1001, 443],
      ],
    );
  });

  test("a timestamp beyond what a date can hold (a seconds-resolution pcapng block) is skipped and counted", () => {
    const le = true;
    const data = concat([
      shb(le),
      idb(LINKTYPE_ETHERNET, le, [option(9, Uint8Array.of(0), le)]), // if_tsresol 10^0: whole seconds
      epb(0, 0xffffffff_00000000n, SYN, le), // 1.8e19 s
      epb(0, 1_772_532_000n, SYN, le),
    ]);
    const { packets, report } = parseCapture(data);
    assert.deepEqual(
      packets.map((p) => p.ts),
      [1_772_532_000],
    );
    assert.deepEqual(report.skippedByReason, { "timestamp out of range": 1 });
    assertAccounted(report);
  });

  test("an SPB is cut to the interface's snap length", () => {
    const le = true;
    const snap20 = block(
      1,
      fields(8, (v) => {
        v.setUint16(0, LINKTYPE_ETHERNET, le);
        v.setUint32(4, 20, le);
      }),
      le,
    );
    const { packets, report } = parseCapture(concat([shb(le), snap20, spb(ARP, le)]));
    assert.equal(report.packets, 1);
    assert.equal(packets[0].capturedLength, 20);
    assert.equal(packets[0].wireLength, 60);
  });
});

describe("chunking", () => {
  const FILES: readonly [string, Uint8Array][] = [
    ["pcap", pcapFile(THREE)],
    ["pcap big-endian nanosecond", pcapFile(THREE, { littleEndian: false, nano: true })],
    ["pcapng", twoInterfaceFile(true)],
    ["pcapng big-endian", twoInterfaceFile(false)],
  ];

  for (const [name, data] of FILES) {
    test(`${name}: one byte at a time gives identical packets and report`, () => {
      assert.deepEqual(oneByteAtATime(data), parseCapture(data));
    });
  }

  test("any split into chunks gives identical packets and report", () => {
    fc.assert(
      fc.property(fc.constantFrom(...FILES), fc.array(fc.nat(), { maxLength: 12 }), ([, data], cuts) => {
        const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
        assert.deepEqual(parseInChunks(data, points), parseCapture(data));
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  test("a 200 kB record split into one-byte chunks is assembled once (linear time)", () => {
    const big = new Uint8Array(200_000);
    big.set(ARP.subarray(0, 14)); // an ARP Ethernet header, then bytes
    const data = pcapFile([{ frame: big, sec: 1, frac: 0 }, ...THREE]);
    const started = performance.now();
    const { packets, report } = oneByteAtATime(data);
    assert.ok(performance.now() - started < 5000, "quadratic buffering would take far longer");
    assert.equal(report.packets, 4);
    assert.equal(packets[0].capturedLength, 200_000);
  });
});

describe("truncated and corrupt files", () => {
  test("a file that ends inside a record: truncatedTail and a counted skip, no throw", () => {
    const data = pcapFile(THREE);
    const lastRecord = 24 + 2 * (16 + 60);
    for (const end of [lastRecord + 5, lastRecord + 16 + 30]) {
      const { packets, report } = parseCapture(data.subarray(0, end));
      assert.equal(packets.length, 2);
      assert.equal(report.truncatedTail, true);
      assert.equal(report.records, 3);
      assert.deepEqual(report.skippedByReason, { "truncated last record": 1 });
      assert.deepEqual(report.firstSkips, [{ offset: lastRecord, reason: "truncated last record" }]);
    }
    assert.equal(parseCapture(data.subarray(0, lastRecord)).report.truncatedTail, false);
  });

  test("every prefix of a valid file is either a ParseError (inside the file header) or an accounted report", () => {
    for (const [data, headerBytes] of [
      [pcapFile(THREE), 24],
      [twoInterfaceFile(true), 28],
    ] as const) {
      for (let end = 0; end <= data.length; end++) {
        const prefix = data.subarray(0, end);
        if (end < headerBytes) {
          assert.throws(() => parseCapture(prefix), ParseError, `prefix ${end}`);
          continue;
        }
        const { report } = parseCapture(prefix);
        assertAccounted(report);
        assert.equal(report.bytes, end);
      }
    }
  });

  test("a cut pcapng packet block counts as a skipped record; a cut statistics block does not", () => {
    const le = true;
    const head = concat([shb(le), idb(LINKTYPE_ETHERNET, le)]);
    const cutPacket = parseCapture(concat([head, epb(0, 0n, SYN, le).subarray(0, 40)])).report;
    assert.equal(cutPacket.truncatedTail, true);
    assert.equal(cutPacket.records, 1);
    assert.deepEqual(cutPacket.skippedByReason, { "truncated last record": 1 });
    const cutStats = parseCapture(concat([head, block(5, new Uint8Array(20), le).subarray(0, 10)])).report;
    assert.equal(cutStats.truncatedTail, true);
    assert.equal(cutStats.records, 0);
  });

  test("a corrupt pcap record length is a ParseError naming the byte offset, the length and the limit", () => {
    const data = pcapFile(THREE);
    const second = 24 + 16 + 60;
    new DataView(data.buffer).setUint32(second + 8, 1_000_000, true);
    const parser = new CaptureParser("bad.pcap");
    const seen: Packet[] = [];
    assert.throws(
      () => parser.push(data, (p) => seen.push(p)),
      (err: Error) => {
        assert.ok(err instanceof ParseError);
        assert.match(err.message, new RegExp(`bad\\.pcap: the file is corrupt from byte ${second}:`));
        assert.match(err.message, /1000000 captured bytes, more than the limit of 262144/);
        return true;
      },
    );
    assert.equal(seen.length, 1, "the records before the damage were delivered");
    assert.throws(() => parser.finish(), ParseError, "the parser stays failed");
    assert.throws(() => parseCapture(pcapFile(THREE), { maxRecordBytes: 59 }), /more than the limit of 59/);
  });

  test("impossible pcapng block lengths are ParseErrors naming the byte offset", () => {
    const le = true;
    const head = concat([shb(le), idb(LINKTYPE_ETHERNET, le)]);
    const at = head.length;
    const withEpb = (edit: (v: DataView, length: number) => void): Uint8Array => {
      const data = concat([head, epb(0, 0n, SYN, le), epb(0, 0n, SYN, le)]);
      edit(new DataView(data.buffer, at), 32 + 60);
      return data;
    };
    const cases: [Uint8Array, RegExp][] = [
      [withEpb((v) => v.setUint32(4, 95, le)), /total length of 95 bytes, not a multiple of 4/],
      [withEpb((v) => v.setUint32(4, 8, le)), /total length of 8 bytes, less than the minimum of 12/],
      [
        withEpb((v) => v.setUint32(4, 1 << 20, le)),
        /total length of 1048576 bytes, more than the limit of 262208/,
      ],
      [withEpb((v, n) => v.setUint32(n - 4, 96, le)), /leading length of 92 but a trailing length of 96/],
      [withEpb((v) => v.setUint32(20, 61, le)), /claims 61 captured bytes, more than the limit of 60/],
    ];
    for (const [data, message] of cases) {
      assert.throws(
        () => parseCapture(data),
        (err: Error) => {
          assert.ok(err instanceof ParseError, err.message);
          assert.match(
            err.message,
            new RegExp(`corrupt from byte ${at}: the pcapng block of type 0x00000006`),
          );
          assert.match(err.message, message);
          return true;
        },
      );
    }
    const badMagic = shb(le);
    badMagic[8] = 0x99;
    assert.throws(() => parseCapture(badMagic), /byte-order magic "99 3c 2b 1a"/);
  });

  test("input that is not a capture is a ParseError naming the magic bytes at offset 0", () => {
    assert.throws(
      () => parseCapture(Buffer.from("GET / HTTP/1.1\r\n"), {}, "page.html"),
      (err: Error) => {
        assert.ok(err instanceof ParseError);
        assert.match(
          err.message,
          /page\.html: not a pcap or pcapng file: the magic bytes at byte offset 0 are "47 45 54 20"/,
        );
        return true;
      },
    );
    assert.throws(() => parseCapture(gzipSync(pcapFile(THREE))), /gzip-compressed: decompress it first/);
    assert.throws(() => parseCapture(bytes("34cdb2a1 0000")), /modified \(Kuznetzov\) pcap/);
    assert.throws(() => parseCapture(new Uint8Array(0)), /the input is empty \(0 bytes\)/);
    assert.throws(() => parseCapture(bytes("d4c3")), /magic bytes at byte offset 0 are "d4 c3"/);
    assert.throws(
      () => parseCapture(pcapFile([]).subarray(0, 10)),
      /ends at byte 10, inside its pcap file header/,
    );
  });

  test("bad options and misuse", () => {
    assert.throws(() => new CaptureParser("x", { maxRecordBytes: 0 }), OptionError);
    assert.throws(() => new CaptureParser("x", { maxRecordBytes: 1.5 }), OptionError);
    const parser = new CaptureParser("x");
    parser.push(pcapFile(THREE), () => undefined);
    const report = parser.finish();
    assert.equal(parser.finish(), report, "finish is idempotent");
    assert.throws(() => parser.push(pcapFile(THREE), () => undefined), /push\(\) after finish\(\)/);
  });
});

describe("readCapture", () => {
  const dir = mkdtempSync(join(tmpdir(), "detective-capture-"));

  test("streams a file to the same packets and report as parsing it in memory", async () => {
    const data = twoInterfaceFile(true);
    const path = join(dir, "two.pcapng");
    writeFileSync(path, data);
    const packets: Packet[] = [];
    const report = await readCapture(path, (p) => packets.push(p));
    assert.deepEqual({ packets, report }, parseCapture(data, {}, path));
  });

  test("I/O errors become ParseErrors naming the path; errors from onPacket propagate unchanged", async () => {
    const missing = join(dir, "missing.pcap");
    await assert.rejects(
      readCapture(missing, () => undefined),
      (err: Error) => {
        assert.ok(err instanceof ParseError);
        assert.ok(err.message.includes(missing));
        assert.match(err.message, /could not read the capture at byte 0/);
        return true;
      },
    );
    const path = join(dir, "three.pcap");
    writeFileSync(path, pcapFile(THREE));
    await assert.rejects(
      readCapture(path, () => {
        throw new TypeError("consumer bug");
      }),
      TypeError,
    );
  });
});

describe("robustness", () => {
  type Edit =
    | { kind: "set"; at: number; value: number }
    | { kind: "insert"; at: number; values: Uint8Array }
    | { kind: "delete"; at: number; count: number };
  const edit: fc.Arbitrary<Edit> = fc.oneof(
    fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({
      kind: fc.constant("insert" as const),
      at: fc.nat(),
      values: fc.uint8Array({ maxLength: 9 }),
    }),
    fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), count: fc.integer({ min: 1, max: 9 }) }),
  );

  function applyEdits(original: Uint8Array, edits: readonly Edit[]): Uint8Array {
    let data = original.slice();
    for (const e of edits) {
      const at = e.at % (data.length + 1);
      if (e.kind === "set" && data.length > 0) data[at % data.length] = e.value;
      if (e.kind === "insert") data = concat([data.subarray(0, at), e.values, data.subarray(at)]);
      if (e.kind === "delete") data = concat([data.subarray(0, at), data.subarray(at + e.count)]);
    }
    return data;
  }

  const valid = [
    pcapFile([...THREE, { frame: ICMP_ECHO, sec: 5, frac: 5 }]),
    pcapFile(THREE, { littleEndian: false, nano: true }),
    twoInterfaceFile(true),
    twoInterfaceFile(false),
  ];

  test(
    "random damage: an accounted report or a ParseError, never another exception",
    { timeout: 30_000 },
    () => {
      let reports = 0;
      let parseErrors = 0;
      fc.assert(
        fc.property(
          fc.constantFrom(...valid),
          fc.array(edit, { minLength: 1, maxLength: 6 }),
          fc.array(fc.nat(), { maxLength: 4 }),
          (original, edits, cuts) => {
            const data = applyEdits(original, edits);
            const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
            try {
              const { packets, report } = parseInChunks(data, points);
              assertAccounted(report);
              assert.equal(packets.length, report.packets);
              assert.equal(report.bytes, data.length);
              assert.ok(report.firstSkips.length <= 100);
              reports++;
            } catch (err) {
              if (!(err instanceof ParseError)) throw err;
              parseErrors++;
            }
          },
        ),
        { numRuns: 3000, seed: 42, interruptAfterTimeLimit: 2000 },
      );
      assert.ok(
        reports > 0 && parseErrors > 0,
        `both outcomes occur (${reports} reports, ${parseErrors} errors)`,
      );
    },
  );
});
