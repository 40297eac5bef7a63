/**
 * Parity with Zeek on its own regression traces (`../shared/zeek-corpus`, or $DETECTIVE_ZEEK_CORPUS):
 * every case's capture through our protocol logs, compared field by field with the logs Zeek wrote.
 * Writes bench/results/zeek-parity.json (per log type: records_zeek, records_ours, matched,
 * field_agreement, and the agreement per key field) and prints the table; `--disagreements` also
 * prints every disagreeing field.
 */
import { join } from "node:path";
import { writeResult } from "./common";
import { corpusCases, KEY_FIELDS, runCase, summarise, type CaseResult } from "../lib/protocols/logs/parity";

export const CORPUS =
  process.env.DETECTIVE_ZEEK_CORPUS ?? join(__dirname, "..", "..", "shared", "zeek-corpus");

/** Every case of the corpus, in index order. */
export async function parityResults(corpus = CORPUS): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of corpusCases(corpus)) results.push(await runCase(corpus, c));
  return results;
}

/** The results file's content (without the date, which the caller adds). */
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
      fields: Object.fromEntries(Object.entries(s.fields).map(([k, v]) => [k, Number(v.toFixed(4))])),
    };
  }
  return logs;
}

async function main(): Promise<void> {
  const results = await parityResults();
  const logs = parityTable(results);
  if (process.argv.includes("--disagreements")) {
    for (const r of results) for (const d of r.disagreements) console.error(JSON.stringify(d));
  }
  writeResult("zeek-parity", {
    name: "zeek-parity",
    metric: "field agreement with Zeek's logs on its regression traces",
    key_fields: KEY_FIELDS,
    cases: results.length,
    logs,
    date: new Date().toISOString().slice(0, 10),
  });
}

if (require.main === module) void main();
