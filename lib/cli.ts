#!/usr/bin/env node
/**
 * The `detective` command: `detective fetch [--mirror DIR] [--optional] [--only ID,...]`
 * and `detective datasets`.
 */
import { DetectiveError } from "./errors";
import { fetchDatasets } from "./data/fetch";
import { readManifest } from "./data/manifest";

const USAGE = `usage:
  detective fetch [--mirror DIR] [--optional] [--only ID,...]
      Download (or copy from an offline mirror) and verify the datasets of data/manifest.json.
      --mirror DIR   read DIR/<file> or DIR/<file>.gz instead of the URL (default: $DETECTIVE_DATA_MIRROR)
      --optional     also fetch the optional datasets (full KDD99, full KDDTrain+)
      --only ID,...  only these datasets
  detective datasets
      List the datasets of the manifest.`;

/** A progress line on stderr: rewritten in place on a terminal, every 25% otherwise. */
function progressPrinter(): (label: string, done: number, total: number) => void {
  const tty = process.stderr.isTTY;
  let lastLabel = "";
  let lastQuarter = -1;
  return (label, done, total) => {
    if (label !== lastLabel) {
      lastLabel = label;
      lastQuarter = -1;
    }
    const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : -1;
    const text =
      pct >= 0
        ? `${label}: ${pct}% of ${(total / 1e6).toFixed(1)} MB`
        : `${label}: ${(done / 1e6).toFixed(1)} MB`;
    if (tty) {
      process.stderr.write(`\r${text}   ${pct === 100 ? "\n" : ""}`);
    } else if (pct >= 0 && Math.floor(pct / 25) > lastQuarter) {
      lastQuarter = Math.floor(pct / 25);
      process.stderr.write(`${text}\n`);
    }
  };
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "fetch") {
    let mirror: string | undefined;
    let includeOptional = false;
    let ids: string[] | undefined;
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i];
      if (a === "--mirror") mirror = rest[++i];
      else if (a === "--optional") includeOptional = true;
      else if (a === "--only") ids = (rest[++i] ?? "").split(",").filter(Boolean);
      else {
        console.error(`detective fetch: unknown argument "${a}"\n${USAGE}`);
        return 2;
      }
    }
    if (mirror === undefined && rest.includes("--mirror")) {
      console.error("detective fetch: --mirror needs a folder");
      return 2;
    }
    await fetchDatasets({ mirror, includeOptional, ids, onProgress: progressPrinter() });
    return 0;
  }
  if (command === "datasets") {
    const m = readManifest();
    for (const d of m.datasets) {
      console.log(
        `${d.id.padEnd(16)} ${String(d.rows).padStart(9)} rows  ${d.required ? "required" : "optional"}  ${d.file}`,
      );
    }
    for (const g of m.generated) console.log(`${g.id.padEnd(16)} generated: ${g.status}`);
    return 0;
  }
  console.error(USAGE);
  return command === undefined || command === "--help" || command === "-h" ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Our own errors carry their explanation; anything else is a bug worth a stack trace.
    console.error(err instanceof DetectiveError ? `detective: ${err.message}` : err);
    process.exitCode = 1;
  },
);
