#!/usr/bin/env node
/**
 * The `detective` command: `detective fetch [--mirror DIR] [--optional] [--only ID,...]`
 * `detective datasets`, `detective simulate`, `detective study` and `detective report`.
 */
import { join } from "node:path";
import { DetectiveError, OptionError } from "../core/errors";
import { fetchDatasets } from "../datasets/fetch";
import { ensureGenerated } from "../datasets/generated";
import { readManifest } from "../datasets/manifest";
import { ATTACK_SCENARIOS, type AttackScenario, type AttackSpec, everyAttack } from "../simulate/attacks";
import { simulateTraffic } from "../simulate/simulate";
import { readStudyResults, runStudy, studyResultsPath, writeStudyResults } from "../eval/runStudy";
import { loadStudyConfig, resolveStudyConfig, studyConfigPath } from "../eval/studyConfig";
import { projectRoot } from "../core/paths";
import { closeFigureRenderer } from "../plots/render";
import { writeReport } from "../report/write";
import { loadDataset } from "../datasets/datasets";
import { loadTensorflow } from "../core/tf";
import { BENCHMARK_KEYS, type BenchmarkKey } from "../eval/benchmarks";
import { NEURAL_DETECTORS } from "../detectors/registry";
import { HOST_WINDOW } from "../features/traffic";
import { AlertLog } from "../events/alertLog";
import { loadBundle, saveBundle } from "../model/bundle";
import { trainBundle } from "../eval/trainBundle";
import { alertSummary, Monitor } from "../monitor/monitor";
import { monitorCapture, monitorLive, monitorSocket, monitorTable } from "../monitor/run";

const USAGE = `usage:
  detective fetch [--mirror DIR] [--optional] [--only ID,...]
      Download (or copy from an offline mirror) and verify the datasets of data/manifest.json.
      --mirror DIR   read DIR/<file> or DIR/<file>.gz instead of the URL (default: $DETECTIVE_DATA_MIRROR)
      --optional     also fetch the optional datasets (full KDD99, full KDDTrain+)
      --only ID,...  only these datasets
      Also generates the simulated captures of the manifest when missing or made by an older simulator.
  detective datasets
      List the datasets of the manifest.
  detective simulate --out FILE.pcap [--seed N] [--start ISO-TIME] [--duration SECONDS]
                     [--workstations N] [--intensity X] [--attacks none|every|SCENARIO@START+LENGTH,...]
      Simulate enterprise traffic into a pcap file and FILE.labels.json (ground truth).
      Scenarios: ${ATTACK_SCENARIOS.join(", ")}; e.g. --attacks port_scan@600+120,c2_beacon@0+3600
  detective study [--quick] [--config study.json] [--out RESULTS.json]
      Run the comparative study of the configuration: every detector on every benchmark and seed.
      Writes report/results/study.json (--quick: .cache/study-quick/results/study.json).
  detective report [--quick] [--results RESULTS.json] [--out DIR] [--no-pdf]
      Build the report (report.md, report.html, report.pdf, figures/) from a results file, without
      re-running anything. Default: report/ from report/results/study.json (--quick: .cache/study-quick/).
  detective train --benchmark kdd99|nslKdd|simulated --detector NAME [--seed N] [--fpr 0.01]
                  [--series EwmaChart|RollingZScore|MovingAverageChart|LstmForecaster [--interval 10]] --out BUNDLE.json
      Train a model bundle (pipeline + detector + threshold + training metadata) for the monitor, as
      the study does. Use --benchmark simulated for packet captures (features packets carry); --series
      adds a volume watch on per-interval traffic totals, fitted on the normal simulated capture.
  detective monitor --bundle BUNDLE.json SOURCE [--alerts alerts.jsonl] [--rejects rejects.jsonl]
                    [--alerts-per-incident 10|all] [--scores scores.jsonl] [--stats-seconds 10] [--quiet]
      Score records in real time and write alerts (JSON lines) and incidents. Alerts from one source
      merge into an incident; its first 10 alerts are written in full and the rest counted in its
      lines (--alerts-per-incident all writes every one; --scores logs every record's score). SOURCE is one of:
      --pcap FILE [--speed X]     replay a capture through the packet pipeline, as fast as possible,
                                  or paced by its timestamps (--speed 1 as recorded, 10 ten times faster)
      --interface IF [--filter BPF] [--duration S]   live capture through tshark (root or CAP_NET_RAW)
                                  (packet sources: the first --warmup 100 connections fill the window
                                  features and are logged as "suppressed", not alerted)
      --listen tcp|udp [--port 9400] [--host 127.0.0.1] [--allow-remote]
                                  JSON or KDD CSV lines on a socket (loopback unless --allow-remote)
      --dataset ID [--rate N]     replay a dataset of the manifest (e.g. nsl-test) at N records/s`;

/** Parses `--attacks`: none, every, or a list of SCENARIO@START+LENGTH (seconds). */
function parseAttacks(text: string, durationSeconds: number): AttackSpec[] {
  if (text === "none") return [];
  if (text === "every") return everyAttack(durationSeconds);
  return text.split(",").map((item) => {
    const m = /^([a-z0-9_]+)@(\d+(?:\.\d+)?)\+(\d+(?:\.\d+)?)$/.exec(item.trim());
    if (!m || !(ATTACK_SCENARIOS as readonly string[]).includes(m[1])) {
      throw new OptionError(
        `--attacks: "${item}" is not SCENARIO@START+LENGTH with a scenario among ${ATTACK_SCENARIOS.join(", ")}.`,
      );
    }
    return { scenario: m[1] as AttackScenario, startSeconds: Number(m[2]), durationSeconds: Number(m[3]) };
  });
}

/** `--name value` pairs; a flag without a value is an error. */
function options(args: string[], known: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i].replace(/^--/, "");
    if (!args[i].startsWith("--") || !known.includes(name)) {
      throw new OptionError(
        `unknown argument "${args[i]}"; expected one of ${known.map((k) => `--${k}`).join(", ")}.`,
      );
    }
    if (args[i + 1] === undefined) throw new OptionError(`${args[i]} needs a value.`);
    out.set(name, args[i + 1]);
  }
  return out;
}

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new OptionError(`--${name} must be a number, got "${value}".`);
  return n;
}

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
    await fetchDatasets({
      mirror,
      includeOptional,
      ids: ids?.filter((id) => !id.startsWith("sim-")),
      onProgress: progressPrinter(),
    });
    ensureGenerated({ ids: ids?.filter((id) => id.startsWith("sim-")) });
    return 0;
  }
  if (command === "datasets") {
    const m = readManifest();
    for (const d of m.datasets) {
      console.log(
        `${d.id.padEnd(16)} ${String(d.rows).padStart(9)} rows  ${d.required ? "required" : "optional"}  ${d.file}`,
      );
    }
    for (const g of m.generated) console.log(`${g.id.padEnd(16)} generated: ${g.title} -> ${g.files.pcap}`);
    return 0;
  }
  if (command === "simulate") {
    const o = options(rest, ["out", "seed", "start", "duration", "workstations", "intensity", "attacks"]);
    const out = o.get("out");
    if (!out) throw new OptionError("simulate needs --out FILE.pcap.");
    const durationSeconds = numberOption(o.get("duration"), "duration", 3600);
    const result = simulateTraffic(
      {
        seed: numberOption(o.get("seed"), "seed", 1),
        start: o.get("start"),
        durationSeconds,
        workstations: numberOption(o.get("workstations"), "workstations", 30),
        intensity: numberOption(o.get("intensity"), "intensity", 1),
        attacks: parseAttacks(o.get("attacks") ?? "none", durationSeconds),
      },
      out,
    );
    console.error(
      `simulate: ${result.packets.toLocaleString("en")} packets, ${(result.bytes / 1e6).toFixed(1)} MB -> ${result.pcap}; labels -> ${result.labels}`,
    );
    for (const w of result.windows) console.error(`  ${w.scenario}: ${w.description}`);
    return 0;
  }
  if (command === "study" || command === "report") {
    const quick = rest.includes("--quick");
    const noPdf = rest.includes("--no-pdf");
    const o = options(
      rest.filter((a) => a !== "--quick" && a !== "--no-pdf"),
      command === "study" ? ["config", "out"] : ["results", "out"],
    );
    const mode = quick ? "quick" : "full";
    const started = performance.now();
    const clock = (): string => {
      const s = Math.round((performance.now() - started) / 1000);
      return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
    };
    if (command === "study") {
      const config = resolveStudyConfig(loadStudyConfig(o.get("config") ?? studyConfigPath()), mode);
      const out = o.get("out") ?? studyResultsPath(mode);
      console.error(
        `study (${mode} mode): ${config.benchmarks.length} benchmarks x ${config.seeds.length} seeds x ${config.detectors.length} detectors, ` +
          `${config.series.detectors.length} series detectors`,
      );
      const results = await runStudy(config, {
        onProgress: (p) => console.error(`[study ${clock()}] (${p.step}/${p.steps}) ${p.message}`),
      });
      writeStudyResults(results, out);
      console.error(`[study ${clock()}] ${results.runs.length} runs -> ${out}`);
      return 0;
    }
    const results = readStudyResults(o.get("results") ?? studyResultsPath(mode));
    const dir =
      o.get("out") ?? (quick ? join(projectRoot(), ".cache", "study-quick") : join(projectRoot(), "report"));
    try {
      const written = await writeReport(results, dir, {
        pdf: !noPdf,
        onFigure: (name) => console.error(`[report ${clock()}] figure ${name}`),
      });
      console.error(
        `[report ${clock()}] ${written.figures.length} figures; ${written.markdown}, ${written.html}${written.pdf ? `, ${written.pdf}` : ""}`,
      );
    } finally {
      await closeFigureRenderer();
    }
    return 0;
  }
  if (command === "train") {
    const o = options(rest, ["benchmark", "detector", "seed", "fpr", "out", "series", "interval"]);
    const benchmark = o.get("benchmark") ?? "";
    if (!BENCHMARK_KEYS.includes(benchmark as BenchmarkKey)) {
      throw new OptionError(
        `train: --benchmark must be one of ${BENCHMARK_KEYS.join(", ")}, got "${benchmark}".`,
      );
    }
    const out = o.get("out");
    const detector = o.get("detector");
    if (!out || !detector) throw new OptionError("train needs --detector NAME and --out BUNDLE.json.");
    if ([detector, o.get("series")].some((d) => d && NEURAL_DETECTORS.has(d))) await loadTensorflow();
    const series = o.get("series");
    if (series && benchmark !== "simulated") {
      throw new OptionError(
        "train: --series needs --benchmark simulated (the volume watch learns a normal capture's traffic series).",
      );
    }
    const bundle = await trainBundle({
      series: series
        ? { detector: series, intervalSeconds: numberOption(o.get("interval"), "interval", 10) }
        : undefined,
      benchmark: benchmark as BenchmarkKey,
      detector,
      seed: numberOption(o.get("seed"), "seed", 1),
      fpr: numberOption(o.get("fpr"), "fpr", 0.01),
    });
    saveBundle(bundle, out);
    console.error(
      `train: ${detector} on ${bundle.training.benchmark} (${bundle.training.trainRows} training rows, seed ${bundle.training.seed}), ` +
        `threshold ${bundle.threshold.toPrecision(4)} at ${bundle.training.fpr * 100}% validation FPR` +
        `${bundle.series ? `; volume watch ${bundle.series.detector.name} on ${bundle.series.intervalSeconds} s intervals` : ""} -> ${out}`,
    );
    return 0;
  }
  if (command === "monitor") {
    return runMonitor(rest);
  }
  console.error(USAGE);
  return command === undefined || command === "--help" || command === "-h" ? 0 : 2;
}

/** `detective monitor`: one source into the monitor, alerts to a log and the console, counters every few seconds. */
async function runMonitor(args: string[]): Promise<number> {
  const flags = new Set(["--quiet", "--allow-remote"]);
  const o = options(
    args.filter((a) => !flags.has(a)),
    [
      "bundle",
      "pcap",
      "interface",
      "filter",
      "duration",
      "listen",
      "port",
      "host",
      "dataset",
      "rate",
      "alerts",
      "alerts-per-incident",
      "warmup",
      "rejects",
      "scores",
      "stats-seconds",
    ],
  );
  const quiet = args.includes("--quiet");
  const bundlePath = o.get("bundle");
  if (!bundlePath)
    throw new OptionError("monitor needs --bundle BUNDLE.json (make one with `detective train`).");
  const sources = ["pcap", "interface", "listen", "dataset"].filter((k) => o.has(k));
  if (sources.length !== 1) {
    throw new OptionError(
      `monitor needs exactly one source (--pcap, --interface, --listen or --dataset), got ${sources.length}.`,
    );
  }
  const bundle = loadBundle(bundlePath);
  if ([bundle.detector, bundle.series?.detector].some((d) => d && NEURAL_DETECTORS.has(d.name)))
    await loadTensorflow();
  const alerts = AlertLog.open(o.get("alerts") ?? "alerts.jsonl");
  const rejects = AlertLog.open(o.get("rejects") ?? "rejects.jsonl");
  const scores = o.has("scores") ? AlertLog.open(o.get("scores") ?? "") : undefined;
  const warmupRecords = numberOption(o.get("warmup"), "warmup", HOST_WINDOW);
  const every = o.get("alerts-per-incident");
  const perIncident =
    every === "all" ? Number.POSITIVE_INFINITY : numberOption(every, "alerts-per-incident", 10);
  const monitor = new Monitor(bundle, {
    alerts,
    rejects,
    scores,
    alertsPerIncident: perIncident,
    onAlert: quiet ? undefined : (a, written) => written && console.log(alertSummary(a)),
    onVolumeAlert: quiet
      ? undefined
      : (a, written) =>
          written &&
          console.log(
            `${a.timestamp} ${a.severity.toUpperCase().padEnd(6)} ${a.id} network ${a.kind} score ${a.score.toPrecision(4)} > ${a.threshold.toPrecision(4)} ` +
              `(${a.contributors
                .slice(0, 3)
                .map((c) => `${c.feature} z=${c.z.toFixed(1)}`)
                .join(", ")})`,
          ),
    onIncident: quiet
      ? undefined
      : (i) => {
          if (i.event !== "update")
            console.log(
              `incident ${i.event} ${i.id}: ${i.scope === "destination" ? `${i.sources}${i.sourcesAtLeast ? "+" : ""} source(s) -> ${i.dst}` : i.src} ${i.kind}, ${i.count} alert(s), max score ${i.maxScore.toPrecision(4)}`,
            );
        },
  });
  const statsEvery = numberOption(o.get("stats-seconds"), "stats-seconds", 10) * 1000;
  const timer = setInterval(
    () => console.error(`stats ${JSON.stringify(monitor.stats.snapshot())}`),
    statsEvery,
  );
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  console.error(
    `monitor: ${bundle.detector.name} trained on ${bundle.training.benchmark} (seed ${bundle.training.seed}), threshold ${bundle.threshold.toPrecision(4)}; ` +
      `alerts -> ${alerts.path} (${alerts.linesAtOpen} lines already there), rejects -> ${rejects.path}`,
  );
  try {
    if (o.has("pcap")) {
      const speed = o.has("speed") ? numberOption(o.get("speed"), "speed", 0) : 0;
      const r = await monitorCapture(monitor, o.get("pcap") ?? "", {
        speed,
        signal: ac.signal,
        warmupRecords,
      });
      console.error(`monitor: ${r.packets} packets, ${r.records} connection records`);
    } else if (o.has("interface")) {
      await monitorLive(monitor, {
        interface: o.get("interface") ?? "",
        filter: o.get("filter"),
        durationSeconds: o.has("duration") ? numberOption(o.get("duration"), "duration", 0) : undefined,
        signal: ac.signal,
        warmupRecords,
      });
    } else if (o.has("listen")) {
      const transport = o.get("listen");
      if (transport !== "tcp" && transport !== "udp")
        throw new OptionError(`--listen must be tcp or udp, got "${transport}".`);
      await monitorSocket(
        monitor,
        {
          transport,
          port: numberOption(o.get("port"), "port", 9400),
          host: o.get("host") ?? "127.0.0.1",
          allowRemote: args.includes("--allow-remote"),
        },
        ac.signal,
        (s) =>
          console.error(
            `monitor: listening on ${transport} ${s.address.host}:${s.address.port} (Ctrl-C stops)`,
          ),
      );
    } else {
      const { table } = await loadDataset(o.get("dataset") ?? "");
      const rate = o.has("rate") ? numberOption(o.get("rate"), "rate", 0) : undefined;
      await monitorTable(monitor, table, { recordsPerSecond: rate, signal: ac.signal });
    }
  } finally {
    clearInterval(timer);
    monitor.close();
    for (const log of [alerts, rejects, scores]) log?.close();
  }
  console.error(`stats ${JSON.stringify(monitor.stats.snapshot())}`);
  return 0;
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
