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
  const readme = readFileSync(readmePath, "utf8");
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} ... ${END} section to fill.`);
  const updated = `${readme.slice(0, a + START.length)}\n${benchTable(results)}\n${readme.slice(b)}`;
  writeFileSync(readmePath, updated);
  console.error(`README.md: quoted ${results.length} benchmark result(s)`);
}

if (require.main === module) main();
