import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError, OptionError } from "../core/errors";
import { type AlertLike, IncidentAggregator, type IncidentOptions, type IncidentRecord } from "./incidents";

interface TestAlert extends AlertLike {
  readonly detail?: string;
}

let nextId = 0;
const alert = (
  time: number,
  src: string,
  score = 1,
  kind = "IsolationForest",
  detail?: string,
): TestAlert => ({
  id: nextId++,
  time,
  src,
  kind,
  score,
  ...(detail ? { detail } : {}),
});

/** Runs alerts through an aggregator; returns the records, optionally flushed at the end. */
function run(alerts: TestAlert[], options: IncidentOptions = {}, flush = true) {
  const agg = new IncidentAggregator<TestAlert>(options);
  const out: IncidentRecord<TestAlert>[] = [];
  const emit = (r: IncidentRecord<TestAlert>): void => {
    out.push(r);
  };
  for (const a of alerts) agg.add(a, emit);
  if (flush) agg.flush(emit);
  return { agg, out, emit };
}

const brief = (r: IncidentRecord<TestAlert>) => [r.event, r.src, r.count, r.closedBy ?? "-"];

describe("IncidentAggregator", () => {
  test("merges alerts per (src, kind) within the window; keeps count, times, max score, sample, first alert", () => {
    nextId = 0;
    const first = alert(100, "10.0.0.1", 2, "IsolationForest", "first one");
    const { out, agg } = run(
      [
        first,
        alert(105, "10.0.0.2", 1),
        alert(110, "10.0.0.1", 9),
        alert(112, "10.0.0.1", 4, "ZScore"), // same src, other kind: its own incident
        alert(150, "10.0.0.1", 3),
        alert(300, "10.0.0.1", 1), // 150 s after the last: the first incident closed, a new one opens
      ],
      { windowSeconds: 60 },
      false,
    );
    assert.deepEqual(out.map(brief), [
      ["open", "10.0.0.1", 1, "-"],
      ["open", "10.0.0.2", 1, "-"],
      ["open", "10.0.0.1", 1, "-"], // ZScore
      ["close", "10.0.0.2", 1, "window"], // at t=300 every incident is idle: closed oldest activity first
      ["close", "10.0.0.1", 1, "window"], // ZScore, last at 112
      ["close", "10.0.0.1", 3, "window"], // IsolationForest, last at 150
      ["open", "10.0.0.1", 1, "-"],
    ]);
    const closed = out[5];
    assert.equal(closed.kind, "IsolationForest");
    assert.equal(closed.incident, "incident-0");
    assert.equal(closed.id, "incident-0:close", "each line has its own id");
    assert.equal(closed.time, 150, "a close line's time is the incident's last alert");
    assert.equal(closed.timestamp, new Date(150_000).toISOString());
    assert.equal(closed.v, 1);
    assert.equal(closed.firstSeen, 100);
    assert.equal(closed.lastSeen, 150);
    assert.equal(closed.maxScore, 9);
    assert.deepEqual(closed.sampleIds, [0, 2, 4]);
    assert.equal(closed.first, undefined, "the close line names its first alert, it does not repeat it");
    assert.equal(
      out.find((r) => r.id === "incident-0:open")?.first,
      first,
      "the open line carries it in full",
    );
    assert.equal(out[6].incident, "incident-5");
    assert.equal(out[6].id, "incident-5:open");
    assert.equal(agg.openIncidents, 1);
    assert.equal(agg.stats.opened, agg.stats.closed + agg.openIncidents);
  });

  test("window edge: exactly windowSeconds later still merges, a moment later opens anew", () => {
    const { out } = run([alert(0, "a"), alert(60, "a"), alert(120, "a"), alert(180.001, "a")], {
      windowSeconds: 60,
    });
    assert.deepEqual(out.map(brief), [
      ["open", "a", 1, "-"],
      ["close", "a", 3, "window"],
      ["open", "a", 1, "-"],
      ["close", "a", 1, "flush"],
    ]);
  });

  test("a flood of 1,000,000 alerts becomes five lines: open, three updates, close", () => {
    const agg = new IncidentAggregator({ windowSeconds: 60, updateSeconds: 300, sampleSize: 10 });
    const out: IncidentRecord[] = [];
    const emit = (r: IncidentRecord): void => {
      out.push(r);
    };
    for (let i = 0; i < 1_000_000; i++) {
      agg.add(
        {
          id: i,
          time: 1000 + i / 1000,
          src: "10.0.0.9",
          kind: "IsolationForest",
          score: i === 777_777 ? 42 : 1,
        },
        emit,
      );
    }
    assert.equal(agg.openIncidents, 1);
    agg.flush(emit);
    assert.deepEqual(
      out.map((r) => [r.event, r.count]),
      [
        ["open", 1],
        ["update", 300_001],
        ["update", 600_001],
        ["update", 900_001],
        ["close", 1_000_000],
      ],
    );
    assert.deepEqual(
      out.map((r) => r.id),
      [
        "incident-0:open",
        "incident-0:update-1",
        "incident-0:update-2",
        "incident-0:update-3",
        "incident-0:close",
      ],
      "one incident, five lines, five distinct ids",
    );
    assert.ok(out.every((r) => r.incident === "incident-0"));
    const last = out[4];
    assert.equal(last.maxScore, 42);
    assert.deepEqual(last.sampleIds, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(last.firstSeen, 1000);
    assert.equal(last.lastSeen, 1000 + 999_999 / 1000);
    assert.equal(agg.stats.alerts, 1_000_000);
  });

  test("emitted records are snapshots: later merges do not change them", () => {
    const { out } = run([alert(0, "a", 1), alert(1, "a", 5), alert(2, "a", 3)]);
    assert.equal(out[0].count, 1);
    assert.equal(out[0].maxScore, 1);
    assert.deepEqual(out[0].sampleIds.length, 1);
    assert.equal(out[1].count, 3);
  });

  test("maxOpen evicts the least recently active incident and counts it", () => {
    const { out, agg } = run(
      [alert(0, "A"), alert(1, "B"), alert(2, "C"), alert(3, "A"), alert(4, "D"), alert(5, "E")],
      { maxOpen: 3 },
      false,
    );
    assert.deepEqual(
      out.filter((r) => r.event === "close").map((r) => [r.src, r.closedBy]),
      [
        ["B", "evicted"], // A was touched at t=3, so B is the least recently active
        ["C", "evicted"],
      ],
    );
    assert.equal(agg.stats.evicted, 2);
    assert.equal(agg.openIncidents, 3);
  });

  test("advance() closes idle incidents without a new alert; flush() closes the rest", () => {
    const { out, agg, emit } = run([alert(0, "a"), alert(50, "b")], { windowSeconds: 60 }, false);
    agg.advance(59, emit);
    assert.equal(out.length, 2);
    agg.advance(60.5, emit);
    assert.deepEqual(out.slice(2).map(brief), [["close", "a", 1, "window"]]);
    agg.advance(30, emit); // going back in time does nothing
    assert.equal(agg.time, 60.5);
    agg.flush(emit);
    assert.deepEqual(out.slice(3).map(brief), [["close", "b", 1, "flush"]]);
    assert.equal(agg.openIncidents, 0);
    assert.deepEqual(agg.stats, {
      alerts: 2,
      opened: 2,
      updates: 0,
      closed: 2,
      evicted: 0,
      destinations: 0,
      outOfOrder: 0,
    });
  });

  test("out-of-order alerts merge (firstSeen takes the earliest) and are counted", () => {
    const { out, agg } = run([alert(100, "a"), alert(90, "a"), alert(101, "a")]);
    assert.equal(agg.stats.outOfOrder, 1);
    const closed = out.at(-1) as IncidentRecord<TestAlert>;
    assert.equal(closed.count, 3);
    assert.equal(closed.firstSeen, 90);
    assert.equal(closed.lastSeen, 101);
  });

  test("records serialise to one JSON line", () => {
    const { out } = run([alert(0, "a", 1, "ZScore", "x\ny")]);
    for (const r of out) {
      const text = JSON.stringify(r);
      assert.equal(text.includes("\n"), false);
      assert.deepEqual(JSON.parse(text), r);
    }
  });

  test("bad alerts and options are clear errors", () => {
    const agg = new IncidentAggregator();
    const noop = (): void => {};
    assert.throws(
      () => agg.add({ id: 1, time: Number.NaN, src: "a", kind: "k", score: 1 }, noop),
      (e: Error) => e instanceof InputError && /alert 1 has time NaN.*finite event time/.test(e.message),
    );
    assert.throws(
      () => agg.add({ id: 2, time: 1, src: "a", kind: "k", score: Number.NaN }, noop),
      /score NaN/,
    );
    assert.equal(agg.stats.alerts, 0);
    assert.throws(
      () => new IncidentAggregator({ windowSeconds: 0 }),
      (e: Error) => e instanceof OptionError && /got 0/.test(e.message),
    );
    assert.throws(() => new IncidentAggregator({ maxOpen: 0 }), /maxOpen must be an integer >= 1, got 0/);
    assert.throws(() => new IncidentAggregator({ sampleSize: 1.5 }), /sampleSize/);
    assert.throws(() => new IncidentAggregator({ updateSeconds: -1 }), /updateSeconds/);
    assert.throws(() => new IncidentAggregator({ fanIn: 0 }), /fanIn must be at least 1/);
  });

  test("a flood from forged sources becomes one destination incident after fanIn sources", () => {
    // 5,000 alerts on one victim, each from a different (forged) address, 1 ms apart
    const flood = Array.from({ length: 5000 }, (_, i): TestAlert => ({
      ...alert(1000 + i / 1000, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 2),
      dst: "192.0.2.80",
    }));
    const { agg, out } = run(flood, { fanIn: 20 });
    const opens = out.filter((r) => r.event === "open");
    assert.equal(opens.length, 21, "20 sources on their own, then one destination incident");
    assert.ok(opens.slice(0, 20).every((r) => r.scope === "source" && r.count === 1));
    const closes = out.filter((r) => r.event === "close");
    const victim = closes.find((r) => r.scope === "destination");
    assert.ok(victim);
    assert.equal(victim.src, "*");
    assert.equal(victim.dst, "192.0.2.80");
    assert.equal(victim.count, 4980, "every later alert merged");
    assert.equal(victim.sources, 256);
    assert.equal(victim.sourcesAtLeast, true, "more sources than counted exactly");
    assert.equal(agg.stats.destinations, 1);
    assert.equal(
      closes.reduce((n, r) => n + r.count, 0),
      5000,
      "no alert is lost between the incidents",
    );
  });

  test("a few sources on one destination, and a source with its own incident, stay keyed by source", () => {
    const alerts: TestAlert[] = [];
    for (let i = 0; i < 300; i++) alerts.push({ ...alert(i, `src-${i % 5}`), dst: "victim" });
    // a source that opened its own incident keeps it, even after the destination crossed fanIn
    for (let i = 0; i < 30; i++) alerts.push({ ...alert(300 + i / 100, `spoof-${i}`), dst: "victim" });
    alerts.push({ ...alert(301, "src-0"), dst: "victim" });
    const { out } = run(alerts, { fanIn: 20 });
    const closes = out.filter((r) => r.event === "close");
    const src0 = closes.find((r) => r.src === "src-0");
    assert.equal(src0?.count, 61);
    const victim = closes.find((r) => r.scope === "destination");
    assert.equal(victim?.count, 15, "the 16th source onwards (5 + 15 = 20 on their own)");
    assert.equal(victim?.sources, 15);
    // without a destination (or with fanIn off) nothing merges by destination
    const off = run(alerts, { fanIn: Number.POSITIVE_INFINITY }).out;
    assert.equal(off.filter((r) => r.scope === "destination").length, 0);
  });

  test("destinations are forgotten after the window: an old fan-in does not merge new sources", () => {
    const alerts: TestAlert[] = [];
    for (let i = 0; i < 25; i++) alerts.push({ ...alert(i * 0.1, `s${i}`), dst: "v" });
    // 10 minutes later: 3 new sources, far below fanIn again
    for (let i = 0; i < 3; i++) alerts.push({ ...alert(600 + i, `t${i}`), dst: "v" });
    // one source keeps alerting on the victim meanwhile: the flood's sources still leave the window
    for (let t = 10; t < 600; t += 5) alerts.push({ ...alert(t, "s0"), dst: "v" });
    alerts.sort((a, b) => a.time - b.time);
    const { out } = run(alerts, { fanIn: 20, windowSeconds: 60 });
    const late = out.filter((r) => r.event === "open" && r.firstSeen >= 600);
    assert.deepEqual(
      late.map((r) => [r.scope, r.src]),
      [
        ["source", "t0"],
        ["source", "t1"],
        ["source", "t2"],
      ],
    );
  });
});
