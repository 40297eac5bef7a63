import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { OptionError } from "../core/errors";
import { KDD_FEATURES } from "../datasets/kdd99";
import { kddLine } from "../testing/kddLines";
import {
  MAX_ID_CHARS,
  MAX_RECORD_TIME,
  MAX_SYMBOL_CHARS,
  parseDecimal,
  parseLine,
  type LineResult,
  type RejectKind,
} from "./lines";

/** A JSON record with all 41 features (0, or tcp/http/SF), overridden by `values`. */
function jsonRecord(values: Record<string, unknown> = {}): Record<string, unknown> {
  const defaults: Record<string, unknown> = { protocol_type: "tcp", service: "http", flag: "SF" };
  const obj: Record<string, unknown> = {};
  for (const f of KDD_FEATURES) obj[f.name] = defaults[f.name] ?? 0;
  return { ...obj, ...values };
}

function expectReject(result: LineResult, kind: RejectKind, reason: RegExp): void {
  assert.equal(result.ok, false, "expected a reject");
  if (result.ok) return;
  assert.equal(result.kind, kind, result.reason);
  assert.match(result.reason, reason);
}

function expectRecord(result: LineResult) {
  if (!result.ok) assert.fail(`expected a record, got reject: ${result.reason}`);
  return result.record;
}

describe("parseLine: JSON", () => {
  test("reads all 41 features, the label and every metadata field", () => {
    const line = JSON.stringify(
      jsonRecord({
        src_bytes: 181,
        serror_rate: 0.05,
        service: "private",
        label: "smurf.",
        difficulty: 19,
        time: 1700000000.25,
        src: "10.0.0.5",
        srcPort: 40000,
        dst: "10.0.0.10",
        dstPort: 80,
        protocol: "tcp",
        id: "c-17",
        zeek_uid: "ignored",
      }),
    );
    const r = expectRecord(parseLine(line));
    assert.equal(r.format, "json");
    assert.equal(Object.keys(r.features).length, 41);
    assert.deepEqual(
      Object.keys(r.features),
      KDD_FEATURES.map((f) => f.name),
    );
    assert.equal(r.features.src_bytes, 181);
    assert.equal(r.features.serror_rate, 0.05);
    assert.equal(r.features.service, "private");
    assert.equal(r.label, "smurf"); // trailing dot removed, as the batch loader does
    assert.equal(r.difficulty, 19);
    assert.equal(r.time, 1700000000.25);
    assert.deepEqual(
      [r.src, r.srcPort, r.dst, r.dstPort, r.protocol, r.id],
      ["10.0.0.5", 40000, "10.0.0.10", 80, "tcp", "c-17"],
    );
    assert.equal("zeek_uid" in r.features, false);
  });

  test("an ISO 8601 time becomes seconds since the epoch; a trailing \\r is ignored", () => {
    const r = expectRecord(
      parseLine(`${JSON.stringify(jsonRecord({ time: "2024-01-02T03:04:05.500Z" }))}\r`),
    );
    assert.equal(r.time, Date.UTC(2024, 0, 2, 3, 4, 5, 500) / 1000);
  });

  test("a CSV number beyond the double range is refused, not read as Infinity", () => {
    expectReject(
      parseLine(kddLine({ src_bytes: "1e400" })),
      "non-numeric",
      /column 5 \(src_bytes\) is "1e400", beyond the largest number.*finite/,
    );
  });

  test("an unseen service is accepted (the fitted pipeline counts it), not rejected", () => {
    const r = expectRecord(parseLine(JSON.stringify(jsonRecord({ service: "quic_over_carrier_pigeon" }))));
    assert.equal(r.features.service, "quic_over_carrier_pigeon");
  });

  test("each kind of bad JSON gets its own specific reason", () => {
    expectReject(
      parseLine('{"duration": 0, '),
      "invalid json",
      /invalid JSON .*one complete JSON object per line/,
    );
    expectReject(parseLine("[1,2,3]"), "field count", /3 fields/); // starts with "[": read as CSV
    expectReject(parseLine("{} "), "missing feature", /missing feature "duration"/);
    const without = jsonRecord();
    delete without.dst_host_srv_rerror_rate;
    expectReject(parseLine(JSON.stringify(without)), "missing feature", /"dst_host_srv_rerror_rate"/);
    expectReject(
      parseLine(JSON.stringify(jsonRecord({ src_bytes: "181" }))),
      "non-numeric",
      /"src_bytes" is the string "181"; it must be a finite JSON number/,
    );
    expectReject(
      parseLine(JSON.stringify(jsonRecord({ count: true }))),
      "non-numeric",
      /"count" is the boolean/,
    );
    expectReject(
      parseLine(JSON.stringify(jsonRecord({ src_bytes: 1 })).replace('"src_bytes":1', '"src_bytes":1e999')),
      "non-numeric",
      /finite/,
    );
    expectReject(parseLine(JSON.stringify(jsonRecord({ hot: null }))), "missing value", /"hot" is null/);
    expectReject(
      parseLine(JSON.stringify(jsonRecord({ service: 80 }))),
      "non-string symbol",
      /"service" is the number "80"/,
    );
    expectReject(parseLine(JSON.stringify(jsonRecord({ flag: "?" }))), "missing value", /"flag"/);
    expectReject(parseLine(JSON.stringify(jsonRecord({ label: 1 }))), "bad label", /"label" is the number/);
    expectReject(
      parseLine(JSON.stringify(jsonRecord({ time: "yesterday" }))),
      "bad metadata",
      /"time" is the string "yesterday"/,
    );
    expectReject(
      parseLine(JSON.stringify(jsonRecord({ srcPort: 70000 }))),
      "bad metadata",
      /"srcPort" .* 0 to 65535/,
    );
    expectReject(parseLine(JSON.stringify(jsonRecord({ dstPort: 8.5 }))), "bad metadata", /"dstPort"/);
    // finite but beyond what a Date holds: no alert could carry its timestamp
    expectReject(parseLine(JSON.stringify(jsonRecord({ time: 1e300 }))), "bad metadata", /"time"/);
    expectReject(parseLine(JSON.stringify(jsonRecord({ src: 10 }))), "bad address", /"src" is the number/);
    expectReject(parseLine(JSON.stringify(jsonRecord({ id: { a: 1 } }))), "bad metadata", /"id"/);
    expectReject(
      parseLine(JSON.stringify(jsonRecord({ difficulty: "hard" }))),
      "bad metadata",
      /"difficulty"/,
    );
  });

  test("a truncated object (e.g. a line cut by a sender) is invalid JSON, not a crash", () => {
    const full = JSON.stringify(jsonRecord());
    expectReject(parseLine(full.slice(0, 200)), "invalid json", /invalid JSON/);
  });
});

describe("parseLine: CSV", () => {
  test("41, 42 (label) and 43 (label, difficulty) fields; same numbers as Number()", () => {
    const bare = kddLine({ src_bytes: 181, serror_rate: "0.05", duration: "1e3" })
      .split(",")
      .slice(0, 41)
      .join(",");
    const r41 = expectRecord(parseLine(bare));
    assert.equal(r41.format, "csv");
    assert.equal(r41.label, undefined);
    assert.equal(r41.features.src_bytes, 181);
    assert.equal(r41.features.serror_rate, 0.05);
    assert.equal(r41.features.duration, 1000);
    assert.equal(r41.features.protocol_type, "tcp");
    const r42 = expectRecord(parseLine(kddLine({ service: "ecr_i" }, "smurf")));
    assert.equal(r42.label, "smurf");
    assert.equal(r42.features.service, "ecr_i");
    const r43 = expectRecord(parseLine(kddLine({}, "neptune", 21)));
    assert.equal(r43.label, "neptune");
    assert.equal(r43.difficulty, 21);
  });

  test("blanks around fields are trimmed, a trailing \\r is ignored", () => {
    const spaced = kddLine({ src_bytes: 7 }, "normal").split(",").join(" ,\t");
    const r = expectRecord(parseLine(`${spaced}\r`));
    assert.equal(r.features.src_bytes, 7);
    assert.equal(r.features.flag, "SF");
    assert.equal(r.label, "normal");
  });

  test("wrong field count names the count and the expected ones", () => {
    const fields = kddLine().split(",");
    expectReject(
      parseLine(fields.slice(0, 40).join(",")),
      "field count",
      /has 40 fields; expected 41, 42 or 43/,
    );
    expectReject(parseLine([...fields, "21", "x"].join(",")), "field count", /has 44 fields/);
  });

  test("non-numeric and missing values name their column", () => {
    expectReject(parseLine(kddLine({ src_bytes: "ten" })), "non-numeric", /column 5 \(src_bytes\) is "ten"/);
    expectReject(
      parseLine(kddLine({ src_bytes: "0x10" })),
      "non-numeric",
      /column 5 \(src_bytes\) is "0x10"/,
    );
    expectReject(parseLine(kddLine({ count: "Infinity" })), "non-numeric", /count/);
    expectReject(parseLine(kddLine({ hot: "?" })), "missing value", /column 10 \(hot\)/);
    expectReject(parseLine(kddLine({ service: "" })), "missing value", /column 3 \(service\)/);
    expectReject(
      parseLine(`${kddLine().split(",").slice(0, 41).join(",")},`),
      "missing value",
      /column 42 \(label\)/,
    );
    expectReject(parseLine(kddLine({}, "normal", Number.NaN)), "non-numeric", /difficulty/);
  });
});

describe("parseLine: shapes and bounds (what one record can cost in the logs)", () => {
  test("src and dst are IP addresses or host names; anything else is rejected with the reason", () => {
    for (const host of [
      "10.0.0.5",
      "2001:db8::1",
      "::ffff:10.1.2.3",
      "fe80::1",
      "db-1.example.org",
      "host_1",
      "a.b.",
    ]) {
      assert.equal(
        expectRecord(parseLine(JSON.stringify(jsonRecord({ src: host, dst: host })))).src,
        host,
        host,
      );
    }
    const longName = `${"a".repeat(63)}.`.repeat(4).slice(0, 253);
    assert.equal(expectRecord(parseLine(JSON.stringify(jsonRecord({ dst: longName })))).dst, longName);
    for (const bad of [
      "x".repeat(1024),
      `${longName}b`,
      "",
      "10.0.0.5:80",
      "<script>",
      "a b",
      "-lead.example",
      "\u001b[31mred",
      "a".repeat(64),
      "ex..ample",
    ]) {
      expectReject(parseLine(JSON.stringify(jsonRecord({ src: bad }))), "bad address", /"src" is the string/);
      expectReject(parseLine(JSON.stringify(jsonRecord({ dst: bad }))), "bad address", /"dst"/);
    }
  });

  test("times from 1970 to 2200, protocol a short token, bounded ids, labels and symbols", () => {
    assert.equal(expectRecord(parseLine(JSON.stringify(jsonRecord({ time: 0 })))).time, 0);
    assert.equal(
      expectRecord(parseLine(JSON.stringify(jsonRecord({ time: MAX_RECORD_TIME })))).time,
      MAX_RECORD_TIME,
    );
    assert.equal(
      expectRecord(parseLine(JSON.stringify(jsonRecord({ time: "2023-11-14T22:13:20Z" })))).time,
      1700000000,
    );
    for (const time of [
      -1,
      MAX_RECORD_TIME + 1,
      8.64e12,
      "2201-01-01T00:00:00Z",
      `2023-11-14T22:13:20Z${" ".repeat(100)}`,
    ]) {
      expectReject(
        parseLine(JSON.stringify(jsonRecord({ time }))),
        "bad metadata",
        /"time" .*between 1970 and 2200/,
      );
    }
    assert.equal(
      expectRecord(parseLine(JSON.stringify(jsonRecord({ protocol: "ipv6-icmp" })))).protocol,
      "ipv6-icmp",
    );
    for (const protocol of ["", "t c p", "x".repeat(33), "tcp\n"]) {
      expectReject(parseLine(JSON.stringify(jsonRecord({ protocol }))), "bad metadata", /"protocol"/);
    }
    assert.equal(
      expectRecord(parseLine(JSON.stringify(jsonRecord({ id: "i".repeat(MAX_ID_CHARS) })))).id?.toString()
        .length,
      MAX_ID_CHARS,
    );
    expectReject(
      parseLine(JSON.stringify(jsonRecord({ id: "i".repeat(MAX_ID_CHARS + 1) }))),
      "oversized field",
      /"id" is 129 characters long, more than the limit of 128/,
    );
    const long = "s".repeat(MAX_SYMBOL_CHARS + 1);
    for (const name of ["protocol_type", "service", "flag", "label"]) {
      expectReject(
        parseLine(JSON.stringify(jsonRecord({ [name]: long }))),
        "oversized field",
        new RegExp(`"${name}" is 65 characters`),
      );
    }
    expectReject(parseLine(kddLine({ service: long })), "oversized field", /"service" is 65 characters/);
    expectReject(parseLine(kddLine({}, long)), "oversized field", /"label" is 65 characters/);
    assert.equal(
      expectRecord(parseLine(kddLine({ service: "s".repeat(MAX_SYMBOL_CHARS) }))).features.service.toString()
        .length,
      64,
    );
  });

  test("a reject's reason is short whatever the line holds", () => {
    const huge = "z".repeat(60_000);
    for (const line of [
      `{"duration": ${huge}}`,
      `{"a": "${huge}`,
      JSON.stringify(jsonRecord({ src: huge })),
      JSON.stringify(jsonRecord({ service: huge })),
      JSON.stringify(jsonRecord({ id: huge })),
      JSON.stringify(jsonRecord({ time: huge })),
      kddLine({ src_bytes: huge }),
      kddLine({ flag: huge }),
    ]) {
      const r = parseLine(line);
      assert.equal(r.ok, false);
      if (!r.ok) assert.ok(r.reason.length < 400, `${r.kind}: ${r.reason.length} characters`);
    }
  });
});

describe("parseLine: limits and blanks", () => {
  test("an oversized line is rejected with its size and the limit, counted in UTF-8 bytes", () => {
    const line = JSON.stringify(jsonRecord({ comment: "x".repeat(2000) }));
    expectReject(
      parseLine(line, { maxLineBytes: 1000 }),
      "oversized line",
      new RegExp(`${line.length} bytes .* limit of 1000`),
    );
    // 400 three-byte characters: 400 UTF-16 units but 1,200 bytes.
    expectReject(parseLine("€".repeat(400), { maxLineBytes: 1000 }), "oversized line", /1200 bytes/);
    assert.equal(parseLine(line).ok, true); // the default limit is 64 KiB
  });

  test("blank lines are rejects, not silently skipped", () => {
    expectReject(parseLine(""), "blank line", /blank line/);
    expectReject(parseLine(" \t\r"), "blank line", /blank line/);
  });

  test("an invalid limit is an OptionError naming the value", () => {
    assert.throws(
      () => parseLine("x", { maxLineBytes: 0 }),
      (e: Error) => e instanceof OptionError && /got 0/.test(e.message),
    );
  });
});

describe("parseDecimal", () => {
  test("equals Number() on decimal text and NaN on anything else", () => {
    for (const t of ["0", "0.00", "1.", ".5", "-3", "+4", "12.345", "1e3", "2.5E-2", "9007199254740993"]) {
      assert.equal(parseDecimal(t), Number(t), t);
    }
    for (const t of ["", "-", ".", "0x10", "1,0", "Infinity", "NaN", " 1", "1e", "1.2.3", "--1"]) {
      assert.ok(Number.isNaN(parseDecimal(t)), t);
    }
  });
});
