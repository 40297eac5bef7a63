/**
 * Parity with Zeek on its own regression traces (`../shared/zeek-corpus`, or $DETECTIVE_ZEEK_CORPUS):
 * every case's capture through our protocol logs, compared field by field with the logs Zeek wrote.
 * Each case is analysed with the settings its `test.zeek` gives Zeek where our parsers have their
 * equivalent (the figures that compare like with like), and again with our defaults. Writes
 * bench/results/zeek-parity.json (per log type: records_zeek, records_ours, matched,
 * field_agreement, and the agreement per key field) and prints it; `--disagreements` also prints
 * every disagreeing field.
 */
import { join } from "node:path";
import { writeResult } from "./common";
import {
  caseSettings,
  corpusCases,
  KEY_FIELDS,
  runCase,
  summarise,
  type CaseResult,
} from "../lib/protocols/logs/parity";

export const CORPUS =
  process.env.DETECTIVE_ZEEK_CORPUS ?? join(__dirname, "..", "..", "shared", "zeek-corpus");

/** Every case of the corpus, in index order, with each case's settings (or our defaults). */
export async function parityResults(
  corpus = CORPUS,
  settings: "case" | "default" = "case",
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of corpusCases(corpus)) results.push(await runCase(corpus, c, settings));
  return results;
}

/** The cases whose test.zeek settings we apply, and which. */
export function appliedSettings(corpus = CORPUS): Record<string, string[]> {
  return Object.fromEntries(
    corpusCases(corpus)
      .map((c) => [c.dir, caseSettings(corpus, c).applied] as const)
      .filter(([, applied]) => applied.length > 0),
  );
}

/** The results file's per-log table. */
export function parityTable(results: readonly CaseResult[]): Record<string, object> {
  const summary = summarise(results);
  const logs: Record<string, object> = {};
  for (const log of Object.keys(KEY_FIELDS)) {
    const s = summary[log];
    if (!s) continue;
    logs[log] = {
      records_zeek: s.records_zeek,
      records_ours: s.records_ours,
      matched: s.matched,
      field_agreement: Number(s.field_agreement.toFixed(4)),
      // null: never compared (every baseline masks it, as Zeek's test suite does with ts)
      fields: Object.fromEntries(
        Object.entries(s.fields).map(([k, v]) => [k, v === null ? null : Number(v.toFixed(4))]),
      ),
    };
  }
  return logs;
}

async function main(): Promise<void> {
  const results = await parityResults();
  const defaults = await parityResults(CORPUS, "default");
  if (process.argv.includes("--disagreements")) {
    for (const r of results) for (const d of r.disagreements) console.error(JSON.stringify(d));
  }
  const totals = Object.values(summarise(results));
  const agree = totals.reduce((a, t) => a + t.agree, 0);
  const compared = totals.reduce((a, t) => a + t.compared, 0);
  const overall = Number((agree / compared).toFixed(4));
  writeResult("zeek-parity", {
    name: "zeek-parity",
    metric:
      `key-field agreement with Zeek's own logs on its ${results.length} regression traces, all logs together ` +
      "(each case with the settings its test.zeek gives Zeek where we have their equivalent; per log below)",
    ours: overall,
    reference: 1,
    reference_tool: "Zeek's logs for the same traces (the baselines of its test suite)",
    unit: "of key-field values",
    ratio: overall,
    rows: totals.reduce((a, t) => a + t.records_zeek, 0),
    key_fields: KEY_FIELDS,
    cases: results.length,
    logs: parityTable(results),
    settings_applied: appliedSettings(),
    logs_with_defaults: parityTable(defaults),
    date: new Date().toISOString().slice(0, 10),
  });
}

if (require.main === module) void main();
