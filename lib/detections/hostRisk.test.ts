import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Evidence, HostIncident } from "./evidence";
import { HostRisk } from "./hostRisk";

function ev(e: Partial<Evidence> & Pick<Evidence, "host" | "time" | "points">): Evidence {
  return {
    note: "Model::Connection",
    detector: "connection",
    firstSeen: e.time,
    role: "attacker",
    severity: "low",
    message: "m",
    ...e,
  };
}

describe("HostRisk", () => {
  test("an incident opens when the host's risk reaches the opening level, with the evidence that led there", () => {
    const lines: [string, HostIncident][] = [];
    const risk = new HostRisk((i, event) => lines.push([event, i]));
    for (let k = 0; k < 9; k++) risk.add(ev({ host: "10.0.1.5", time: 100, points: 1 }));
    assert.equal(lines.length, 0);
    risk.add(ev({ host: "10.0.1.5", time: 100, points: 0.5 }));
    assert.equal(lines.length, 0);
    risk.add(ev({ host: "10.0.1.5", time: 100, points: 0.5 }));
    assert.equal(lines.length, 1);
    const [event, inc] = lines[0];
    assert.equal(event, "open");
    assert.equal(inc.evidence, 11);
    assert.equal(inc.samples.length, 10); // the sample holds the first 10
    assert.equal(inc.firstSeen, 100);
    assert.equal(inc.risk, 10);
  });

  test("risk decays with its half-life; the incident stays one while it is above the closing level, then closes", () => {
    const lines: [string, HostIncident][] = [];
    const risk = new HostRisk((i, event) => lines.push([event, i]), { halfLifeSeconds: 60 });
    risk.add(ev({ host: "10.0.1.25", time: 0, points: 20, note: "C2::Beacon", detector: "beacon" }));
    risk.add(ev({ host: "10.0.1.25", time: 60, points: 20, note: "C2::Beacon", detector: "beacon" })); // 10 + 20
    risk.advance(120);
    assert.deepEqual(
      lines.map(([e]) => e),
      ["open", "update"],
    );
    assert.equal(lines[1][1].risk, 30);
    risk.advance(60 + 60 * Math.log2(30 / 2) + 1); // below 2: closed
    assert.deepEqual(
      lines.map(([e]) => e),
      ["open", "update", "close"],
    );
    assert.equal(lines[2][1].evidence, 2);
    risk.add(ev({ host: "10.0.1.25", time: 5000, points: 20, note: "C2::Beacon", detector: "beacon" }));
    assert.equal(lines.length, 4); // a new incident, later
    assert.notEqual(lines[3][1].id, lines[0][1].id);
  });

  test("a flood's bystanders: model alerts driven by the window features fold into the victim's incident", () => {
    const lines: [string, HostIncident][] = [];
    const risk = new HostRisk((i, event) => lines.push([event, i]));
    risk.add(
      ev({
        host: "10.0.0.10",
        role: "victim",
        time: 10,
        points: 20,
        note: "DoS::Syn_Flood",
        detector: "flood",
      }),
    );
    for (let k = 0; k < 30; k++) {
      risk.add(ev({ host: `10.0.1.${k}`, time: 11 + k, points: 3, facts: { window: 1 } }));
      risk.add(ev({ host: `10.0.2.${k}`, peer: "10.0.0.10", time: 11 + k, points: 3 }));
    }
    risk.add(ev({ host: "10.0.1.99", time: 50, points: 12 })); // not collateral: its own incident
    const ranked = risk.ranked();
    assert.deepEqual(
      ranked.map((i) => [i.host, i.role]),
      [
        ["10.0.0.10", "victim"],
        ["10.0.1.99", "attacker"],
      ],
    );
    assert.equal(risk.stats.collateral, 60);
    risk.flush();
    const close = lines.find(([e, i]) => e === "close" && i.host === "10.0.0.10")![1];
    assert.equal(close.collateral, 60);
  });

  test("ranking: highest peak risk first; options checked", () => {
    const risk = new HostRisk();
    risk.add(ev({ host: "a", time: 0, points: 15 }));
    risk.add(ev({ host: "b", time: 1, points: 40 }));
    risk.add(ev({ host: "c", time: 2, points: 25 }));
    assert.deepEqual(
      risk.ranked().map((i) => i.host),
      ["b", "c", "a"],
    );
    assert.throws(() => new HostRisk(undefined, { openAt: 1, closeBelow: 2 }), /openAt > closeBelow/);
    assert.throws(() => new HostRisk(undefined, { halfLifeSeconds: 0 }), /halfLifeSeconds/);
  });
});
