import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { OptionError, ParseError, SchemaError } from "../core/errors";
import { kddLine } from "../testing/kddLines";
import { KddParser, loadKdd, parseKddText } from "./loadKdd";

describe("parseKddText", () => {
  test("parses numbers, symbols and labels exactly", () => {
    const text = `${kddLine({ duration: 2, src_bytes: 181, dst_bytes: 5450, serror_rate: 0.05, count: 8 }, "normal")}\n${kddLine({ protocol_type: "icmp", service: "ecr_i", src_bytes: 1032, same_srv_rate: 1 }, "smurf")}\n`;
    const { table, report } = parseKddText(text);
    assert.equal(table.rows, 2);
    assert.equal(report.format, "kdd99");
    assert.equal(table.value("duration", 0), 2);
    assert.equal(table.value("src_bytes", 0), 181);
    assert.equal(table.value("dst_bytes", 0), 5450);
    assert.equal(table.value("serror_rate", 0), 0.05); // same double as the literal
    assert.equal(table.value("protocol_type", 1), "icmp");
    assert.equal(table.value("service", 1), "ecr_i");
    assert.equal(table.value("label", 0), "normal"); // trailing dot stripped
    assert.equal(table.value("label", 1), "smurf");
    assert.equal(table.has("difficulty"), false);
    assert.deepEqual(report.rejectedByReason, {});
  });

  test("reads NSL-KDD lines: label without dot and the difficulty column", () => {
    const { table, report } = parseKddText(
      `${kddLine({ src_bytes: 7 }, "neptune", 21)}\n${kddLine({}, "normal", 15)}`,
    );
    assert.equal(report.format, "nsl-kdd");
    assert.equal(table.rows, 2);
    assert.equal(table.value("label", 0), "neptune");
    assert.deepEqual(Array.from(table.numeric("difficulty")), [21, 15]);
  });

  test("decimal variants parse to the same value as Number()", () => {
    for (const text of [
      "0.0",
      "0.00",
      "1",
      "1.",
      ".5",
      "-3",
      "+4",
      "12.345",
      "1e3",
      "2.5E-2",
      "9007199254740993",
    ]) {
      const { table } = parseKddText(kddLine({ src_bytes: text }));
      assert.equal(table.value("src_bytes", 0), Number(text), text);
    }
  });

  test("rejects bad lines with their line numbers and reasons, keeps the good ones", () => {
    const good = kddLine({ src_bytes: 10 });
    const lines = [
      good,
      good.replace(",10,", ",ten,"), // non-numeric
      good.split(",").slice(1).join(","), // a field missing
      `${good},extra`, // a field too many
      "",
      good,
      good.replace(",10,", ",0x10,"), // hex is not decimal
    ];
    const { table, report } = parseKddText(lines.join("\n"));
    assert.equal(table.rows, 2);
    assert.equal(report.lines, 7);
    assert.equal(report.blankLines, 1);
    assert.equal(report.rejected, 4);
    assert.equal(report.rows + report.rejected + report.blankLines, report.lines);
    assert.deepEqual(report.rejectedByReason, { "non-numeric": 2, "field count": 2 });
    // the line with its first field missing starts "tcp,..." but is reported by its real cause
    assert.deepEqual(
      report.rejectExamples.map((r) => r.line),
      [2, 3, 4, 7],
    );
    assert.match(report.rejectExamples[0].reason, /column 5 \(src_bytes\) is "ten", not a number/);
    assert.match(report.rejectExamples[1].reason, /expected 42 fields, got 41/);
    assert.match(report.rejectExamples[2].reason, /expected 42 fields, got 43/);
  });

  test("missing values: rejected by default, kept as NaN with policy keep", () => {
    const line = kddLine({ src_bytes: "?", service: "?" });
    const strict = parseKddText(line);
    assert.equal(strict.table.rows, 0);
    assert.deepEqual(strict.report.rejectedByReason, { "missing value": 1 });
    assert.match(strict.report.rejectExamples[0].reason, /column 3 \(service\)/);

    const kept = parseKddText(`${line}\n${kddLine({ dst_bytes: "" })}`, { missing: "keep" });
    assert.equal(kept.table.rows, 2);
    assert.ok(Number.isNaN(kept.table.value("src_bytes", 0)));
    assert.equal(kept.table.value("service", 0), "?");
    assert.ok(Number.isNaN(kept.table.value("dst_bytes", 1)));
    assert.deepEqual(kept.report.missingByColumn, { src_bytes: 1, dst_bytes: 1, service: 1 });

    const noLabel = parseKddText(kddLine({}, "").replace(/,\.$/, ","), { missing: "keep" });
    assert.equal(noLabel.table.rows, 0, "a row without a label cannot be evaluated");
  });

  test("handles CRLF line endings and a last line without newline", () => {
    const { table, report } = parseKddText(`${kddLine({ src_bytes: 1 })}\r\n${kddLine({ src_bytes: 2 })}`);
    assert.deepEqual(Array.from(table.numeric("src_bytes")), [1, 2]);
    assert.equal(report.rejected, 0);
  });

  test("an unknown attack label is an error that names it, its count and first line", () => {
    const text = [kddLine(), kddLine({}, "zeroday"), kddLine({}, "zeroday")].join("\n");
    assert.throws(
      () => parseKddText(text),
      (err: Error) => {
        assert.ok(err instanceof SchemaError);
        assert.match(err.message, /"zeroday" \(2 rows, first at line 2\)/);
        assert.match(err.message, /ATTACK_CATEGORY in lib\/datasets\/kdd99\.ts/);
        return true;
      },
    );
    assert.equal(parseKddText(text, { validateLabels: false }).table.rows, 3);
  });

  test("an oversized line is rejected without being buffered whole", () => {
    const parser = new KddParser("<big>", { maxLineBytes: 1000 });
    parser.push(Buffer.from(`${kddLine()}\n`));
    for (let i = 0; i < 100; i++) parser.push(Buffer.alloc(1000, 65)); // 100 kB without a newline
    parser.push(Buffer.from(`\n${kddLine()}\n`));
    const { table, report } = parser.finish();
    assert.equal(table.rows, 2);
    assert.deepEqual(report.rejectedByReason, { "oversized line": 1 });
    assert.equal(report.rejectExamples[0].line, 2);
  });

  test("a file whose format cannot be told is an error saying why", () => {
    assert.throws(() => parseKddText("a,b,c\n"), /line 1, which has 3 fields; KDD99 lines have 42/);
    assert.throws(() => parseKddText("\n\n"), /no data lines/);
    assert.throws(() => parseKddText(kddLine(), { missing: "drop" as never }), OptionError);
  });

  test("grows past its initial capacity and respects an explicit format with expectedRows", () => {
    const lines = Array.from({ length: 3000 }, (_, i) => kddLine({ src_bytes: i })).join("\n");
    for (const options of [{}, { expectedRows: 10 }, { expectedRows: 3000, format: "kdd99" as const }]) {
      const { table } = parseKddText(lines, options);
      assert.equal(table.rows, 3000);
      assert.equal(table.value("src_bytes", 2999), 2999);
      assert.equal(table.value("src_bytes", 1024), 1024);
    }
  });
});

describe("parser properties", () => {
  const value = fc.oneof(
    fc.integer({ min: 0, max: 2_000_000_000 }),
    fc.integer({ min: 0, max: 100 }).map((k) => k / 100),
  );
  const record = fc.record({ src_bytes: value, dst_bytes: value, count: value, serror_rate: value });

  test("any split of the input into chunks gives the same table", () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (records, cuts) => {
          const bytes = Buffer.from(records.map((r) => kddLine(r, "smurf")).join("\n"));
          const parser = new KddParser("<chunks>");
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          let last = 0;
          for (const p of [...points, bytes.length]) {
            parser.push(bytes.subarray(last, p));
            last = p;
          }
          const { table } = parser.finish();
          assert.equal(table.rows, records.length);
          records.forEach((r, i) => {
            for (const [k, v] of Object.entries(r)) assert.equal(table.value(k, i), v);
          });
        },
      ),
      { numRuns: 200, seed: 1 },
    );
  });

  test("arbitrary garbage never crashes and every line is accounted for", () => {
    const garbageLine = fc.oneof(
      fc.string({ maxLength: 300 }),
      record.map((r) => kddLine(r)),
      record.chain((r) =>
        fc.nat({ max: 500 }).map((k) => {
          const line = kddLine(r);
          return line.slice(0, k % line.length) + line.slice((k % line.length) + 1); // one character deleted
        }),
      ),
    );
    fc.assert(
      fc.property(fc.array(garbageLine, { minLength: 1, maxLength: 30 }), (lines) => {
        const text = [kddLine(), ...lines].join("\n"); // a valid first line fixes the format
        let result: ReturnType<typeof parseKddText>;
        try {
          result = parseKddText(text, { validateLabels: false });
        } catch (err) {
          assert.ok(err instanceof ParseError, `unexpected ${String(err)}`); // only a clear ParseError may escape
          return;
        }
        const { report } = result;
        assert.equal(report.rows + report.rejected + report.blankLines, report.lines);
        const expected = text.split("\n").length - (text.endsWith("\n") ? 1 : 0); // a final newline ends a line
        assert.equal(report.lines, expected);
      }),
      { numRuns: 300, seed: 2 },
    );
  });
});

describe("loadKdd", () => {
  const dir = mkdtempSync(join(tmpdir(), "detective-load-"));
  const text = `${[kddLine({ src_bytes: 5 }), kddLine({ src_bytes: 6 }, "neptune")].join("\n")}\n`;

  test("reads plain and gzip files alike", async () => {
    const plain = join(dir, "a.txt");
    const gz = join(dir, "a.gz");
    writeFileSync(plain, text);
    writeFileSync(gz, gzipSync(text));
    for (const path of [plain, gz]) {
      const { table, report } = await loadKdd(path);
      assert.deepEqual(Array.from(table.numeric("src_bytes")), [5, 6]);
      assert.equal(report.source, path);
    }
  });

  test("a truncated gzip file is a ParseError with the byte offset and the fix", async () => {
    const big = Array.from({ length: 5000 }, (_, i) => kddLine({ src_bytes: i })).join("\n");
    const packed = gzipSync(big);
    const path = join(dir, "truncated.gz");
    writeFileSync(path, packed.subarray(0, Math.floor(packed.length / 2)));
    await assert.rejects(loadKdd(path), (err: Error) => {
      assert.ok(err instanceof ParseError);
      assert.match(err.message, /compressed byte \d+ of \d+/);
      assert.match(err.message, /truncated or corrupt: delete it and run `npm run fetch-data`/);
      return true;
    });
  });
});
