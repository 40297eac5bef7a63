import assert from "node:assert/strict";
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { LogDirectory } from "./logDirectory";
import { fieldText, jsonLine, type LogSchema, parseTsvLog, tsvFooter, tsvHeader, tsvLine } from "./zeekLog";

const SCHEMA: LogSchema = {
  path: "demo",
  fields: [
    { name: "ts", type: "time" },
    { name: "uid", type: "string" },
    { name: "id.orig_p", type: "port" },
    { name: "rtt", type: "interval" },
    { name: "query", type: "string" },
    { name: "AA", type: "bool" },
    { name: "answers", type: "vector[string]" },
    { name: "TTLs", type: "vector[interval]" },
    { name: "tags", type: "set[enum]" },
  ],
};

const ROW = {
  ts: 1320279566.452687 + 1e-7, // not at a rounding boundary
  uid: "CHhAvVGS1DHFjwGM9",
  "id.orig_p": 50729,
  rtt: 0.0178214,
  query: "a\tb,c\\d\xe9",
  AA: false,
  answers: ["1.2.3.4", "x,y"],
  TTLs: [5, 60.5],
  tags: [],
};

describe("Zeek's log formats", () => {
  test("TSV: Zeek's header lines, six decimals for times, T/F, sets joined by commas, escapes, unset and empty markers", () => {
    const head = tsvHeader(SCHEMA, new Date(Date.UTC(2026, 11, 2, 15, 4, 5)));
    assert.deepEqual(head.trimEnd().split("\n"), [
      "#separator \\x09",
      "#set_separator\t,",
      "#empty_field\t(empty)",
      "#unset_field\t-",
      "#path\tdemo",
      "#open\t2026-12-02-15-04-05",
      "#fields\tts\tuid\tid.orig_p\trtt\tquery\tAA\tanswers\tTTLs\ttags",
      "#types\ttime\tstring\tport\tinterval\tstring\tbool\tvector[string]\tvector[interval]\tset[enum]",
    ]);
    assert.equal(
      tsvLine(SCHEMA, ROW),
      "1320279566.452687\tCHhAvVGS1DHFjwGM9\t50729\t0.017821\ta\\x09b,c\\x5cd\\xe9\tF\t1.2.3.4,x\\x2cy\t5.000000,60.500000\t(empty)\n",
    );
    assert.equal(fieldText("string", undefined), "-");
    assert.equal(fieldText("string", ""), "(empty)");
    assert.equal(fieldText("string", "-"), "\\x2d", "a value that reads as the unset marker is escaped");
    assert.match(tsvFooter(new Date(0)), /^#close\t1970-01-01-00-00-00\n$/);
  });

  test("TSV read back: the same values (times to the microsecond), escapes undone, masked times kept as text", () => {
    const text =
      tsvHeader(SCHEMA, new Date()) +
      tsvLine(SCHEMA, ROW) +
      tsvLine(SCHEMA, { ...ROW, query: "", answers: undefined }) +
      tsvFooter(new Date());
    const log = parseTsvLog(text);
    assert.equal(log.path, "demo");
    assert.deepEqual(log.fields, SCHEMA.fields);
    const [a, b] = log.rows;
    assert.equal(a.query, ROW.query);
    assert.deepEqual(a.answers, ROW.answers);
    assert.deepEqual(a.TTLs, [5, 60.5]);
    assert.deepEqual(a.tags, []);
    assert.equal(a.ts, 1320279566.452687);
    assert.equal(a.AA, false);
    assert.equal(b.query, "");
    assert.equal(b.answers, undefined);
    const masked = parseTsvLog(text.replace(/^1320279566\.452687/m, "XXXXXXXXXX.XXXXXX"));
    assert.equal(masked.rows[0].ts, "XXXXXXXXXX.XXXXXX");
    assert.throws(() => parseTsvLog("1\t2\n"), /before its #fields line/);
  });

  test("JSON lines: typed values, unset fields left out, bytes above 0x7e as \\xNN (ASCII lines)", () => {
    const line = jsonLine(SCHEMA, { ...ROW, rtt: undefined });
    assert.ok(/^[\x20-\x7e]*\n$/.test(line), line);
    const o = JSON.parse(line) as Record<string, unknown>;
    assert.equal(o.ts, 1320279566.452687);
    assert.equal(o["id.orig_p"], 50729);
    assert.ok(!("rtt" in o));
    assert.equal(o.query, "a\tb,c\\d\\xe9");
    assert.deepEqual(o.answers, ["1.2.3.4", "x,y"]);
    assert.deepEqual(o.tags, []);
    assert.equal(o.AA, false);
  });
});

describe("LogDirectory", () => {
  test("logs appear whole at close (staged), and an aborted folder leaves nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "detective-logdir-"));
    const folder = new LogDirectory(join(dir, "out"));
    folder.write(SCHEMA, ROW);
    assert.deepEqual(
      readdirSync(join(dir, "out")).filter((f) => !f.startsWith(".")),
      [],
      "nothing visible before close",
    );
    assert.deepEqual(folder.close(), [join(dir, "out", "demo.log")]);
    assert.deepEqual(readdirSync(join(dir, "out")), ["demo.log"]);
    assert.equal(parseTsvLog(readFileSync(join(dir, "out", "demo.log"), "latin1")).rows.length, 1);
    const aborted = new LogDirectory(join(dir, "aborted"), "json");
    aborted.write(SCHEMA, ROW);
    aborted.abort();
    assert.deepEqual(readdirSync(join(dir, "aborted")), []);
  });

  test("a planted link at a log's name is replaced, never written through; a live folder refuses it", () => {
    const dir = mkdtempSync(join(tmpdir(), "detective-logdir-"));
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, "keep me\n");
    symlinkSync(victim, join(dir, "demo.log"));
    const folder = new LogDirectory(dir);
    folder.write(SCHEMA, ROW);
    folder.close();
    assert.equal(readFileSync(victim, "utf8"), "keep me\n");
    assert.ok(lstatSync(join(dir, "demo.log")).isFile());
    const live = join(dir, "live");
    const liveFolder = new LogDirectory(live, "tsv", { live: true });
    symlinkSync(victim, join(live, "demo.log"));
    assert.throws(() => liveFolder.write(SCHEMA, ROW), /demo\.log/);
    assert.equal(readFileSync(victim, "utf8"), "keep me\n");
  });

  test("a live folder appends in place: rows readable after flushAll, a header block per run", () => {
    const dir = mkdtempSync(join(tmpdir(), "detective-logdir-"));
    for (let run = 0; run < 2; run++) {
      const folder = new LogDirectory(dir, "tsv", { live: true });
      folder.write(SCHEMA, ROW);
      folder.flushAll();
      assert.equal(parseTsvLog(readFileSync(join(dir, "demo.log"), "latin1")).rows.length, run + 1);
      folder.close();
    }
    const text = readFileSync(join(dir, "demo.log"), "latin1");
    assert.equal(text.match(/^#fields/gm)?.length, 2);
    assert.equal(text.match(/^#close/gm)?.length, 2);
    assert.ok(!existsSync(join(dir, ".logs")), "no staging in a live folder");
  });
});
