/**
 * Quotes the latest benchmark results in the README, between the bench markers, so the figures
 * there are always the ones in bench/results/*.json.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

interface Result {
  name: string;
  metric: string;
  ours: number;
  reference: number;
  reference_tool: string;
  unit: string;
  ratio: number;
  rows: number;
  date: string;
  memory?: { ours_mb: number; reference_mb: number; ratio: number };
  roc_auc?: { ours: number; reference: number };
  others?: { tool: string; seconds: number; peak_rss_mb: number | null }[];
  single_thread?: { ours: number; ratio: number };
  scoring?: { metric: string; ours: number; reference: number; unit: string; ratio: number };
  under_attack?: { metric: string; ours: number; reference: number; ratio: number };
  p99_sent_to_alert_ms_at_20000?: number | null;
  every_alert_written_records_per_second?: number | null;
  goal?: string;
}

const START = "<!-- bench:start -->";
const END = "<!-- bench:end -->";
const PARITY_START = "<!-- parity:start -->";
const PARITY_END = "<!-- parity:end -->";

interface LogParity {
  records_zeek: number;
  records_ours: number;
  matched: number;
  field_agreement: number;
}

/** The Zeek parity table: per log, with each case's settings and with our defaults. */
export function parityTable(result: {
  cases: number;
  logs: Record<string, LogParity>;
  logs_with_defaults: Record<string, LogParity>;
  date: string;
}): string {
  const lines = [
    "| log | Zeek's records | ours | matched | field agreement | with our defaults |",
    "|---|---|---|---|---|---|",
  ];
  for (const [log, p] of Object.entries(result.logs)) {
    const d = result.logs_with_defaults[log];
    const defaults =
      d && d.field_agreement !== p.field_agreement
        ? `${d.field_agreement} (${d.records_ours} records, ${d.matched} matched)`
        : "the same";
    lines.push(
      `| ${log} | ${p.records_zeek} | ${p.records_ours} | ${p.matched} | **${p.field_agreement}** | ${defaults} |`,
    );
  }
  lines.push(
    "",
    `${result.cases} traces, measured ${result.date.slice(0, 10)} (\`bench/results/zeek-parity.json\`).`,
  );
  return lines.join("\n");
}

interface Growth {
  packets: number;
  ours_seconds: number;
  tshark_seconds: number;
  ratio: number;
  ours_packets_per_second: number;
  tshark_packets_per_second: number;
  ours_peak_rss_mb: number;
  tshark_peak_rss_mb: number;
  memory_ratio: number;
}

/** How time and memory grow with the capture (bench/protocols.ts's `growth`). */
export function growthTable(growth: readonly Growth[]): string {
  const lines = [
    "| packets | ours | tshark | ratio | ours, packets/s | tshark, packets/s | peak memory, ours / tshark |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const g of growth) {
    lines.push(
      `| ${g.packets.toLocaleString("en")} | ${g.ours_seconds} s | ${g.tshark_seconds} s | **${g.ratio}** | ` +
        `${g.ours_packets_per_second.toLocaleString("en")} | ${g.tshark_packets_per_second.toLocaleString("en")} | ` +
        `${g.ours_peak_rss_mb} MB / ${g.tshark_peak_rss_mb} MB (${g.memory_ratio}) |`,
    );
  }
  return lines.join("\n");
}

/** Replaces the text between `start` and `end` in `text`. */
function fill(text: string, start: string, end: string, content: string): string {
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md has no ${start} ... ${end} section to fill.`);
  return `${text.slice(0, a + start.length)}\n${content}\n${text.slice(b)}`;
}

export function benchTable(results: readonly Result[]): string {
  const lines = [
    "| benchmark | what | ours | reference | ratio (ours / ref.) | peak memory, ours / ref. | measured |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const r of results) {
    const memory = r.memory
      ? `${r.memory.ours_mb} MB / ${r.memory.reference_mb} MB (${r.memory.ratio})`
      : "n/a";
    const quality = r.roc_auc ? `; ROC-AUC ours ${r.roc_auc.ours}, reference ${r.roc_auc.reference}` : "";
    lines.push(
      `| ${r.name} | ${r.metric}${quality} | ${r.ours} ${r.unit} | ${r.reference} ${r.unit} (${r.reference_tool}) | ` +
        `**${r.ratio}** | ${memory} | ${r.date.slice(0, 10)} |`,
    );
    if (r.single_thread)
      lines.push(
        `| ${r.name} (one thread) | the same, ours on one thread | ${r.single_thread.ours} ${r.unit} | ${r.reference} ${r.unit} | **${r.single_thread.ratio}** | | |`,
      );
    if (r.scoring)
      lines.push(
        `| ${r.name} (scoring) | ${r.scoring.metric} | ${r.scoring.ours} ${r.scoring.unit} | ${r.scoring.reference} ${r.scoring.unit} | **${r.scoring.ratio}** | | |`,
      );
    if (r.under_attack)
      lines.push(
        `| ${r.name} (under attack) | ${r.under_attack.metric} | ${r.under_attack.ours} ${r.unit} | ${r.under_attack.reference} ${r.unit} | **${r.under_attack.ratio}** | | |`,
      );
    if (r.p99_sent_to_alert_ms_at_20000 !== undefined && r.p99_sent_to_alert_ms_at_20000 !== null)
      lines.push(
        `| ${r.name} (latency) | p99 latency from a record sent to its alert raised, at 20,000 records/s (goal: under 10 ms; the log is flushed every 5 ms after that) | ${r.p99_sent_to_alert_ms_at_20000} ms | | | | |`,
      );
    if (r.every_alert_written_records_per_second)
      lines.push(
        `| ${r.name} (every alert written) | the same unpaced, with every alert written in full (\`--alerts-per-incident all\`) | ${r.every_alert_written_records_per_second.toLocaleString("en")} records/s | | | | |`,
      );
    for (const o of r.others ?? []) {
      const mb =
        typeof o.peak_rss_mb === "number" && Number.isFinite(o.peak_rss_mb) ? `, ${o.peak_rss_mb} MB` : "";
      lines.push(`| ${r.name} (context) | same data | | ${o.seconds} s${mb} (${o.tool}) | | | |`);
    }
  }
  return lines.join("\n");
}

function main(): void {
  const root = join(__dirname, "..");
  const dir = join(__dirname, "results");
  const results = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Result);
  const readmePath = join(root, "README.md");
  let readme = fill(readFileSync(readmePath, "utf8"), START, END, benchTable(results));
  const parity = results.find((r) => r.name === "zeek-parity");
  if (parity)
    readme = fill(
      readme,
      PARITY_START,
      PARITY_END,
      parityTable(parity as unknown as Parameters<typeof parityTable>[0]),
    );
  const protocols = results.find((r) => r.name === "protocols") as
    (Result & { growth?: Growth[] }) | undefined;
  if (protocols?.growth)
    readme = fill(readme, "<!-- growth:start -->", "<!-- growth:end -->", growthTable(protocols.growth));
  writeFileSync(readmePath, readme);
  console.error(`README.md: quoted ${results.length} benchmark result(s)`);
}

if (require.main === module) main();
