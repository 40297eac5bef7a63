/**
 * `detective train`: a model bundle for the monitor, trained as the study trains (a benchmark's
 * pipeline, a detector, the threshold on validation normals), signed when a bundle key is configured.
 */
import { loadTensorflow } from "../core/tf";
import { DETECTORS, NEURAL_DETECTORS } from "../detectors/registry";
import { BENCHMARK_KEYS, type BenchmarkKey } from "../eval/benchmarks";
import { trainBundle } from "../eval/trainBundle";
import { MAX_SERIES_INTERVAL_SECONDS, MIN_SERIES_INTERVAL_SECONDS, saveBundle } from "../model/bundle";
import { BUNDLE_KEY_ENV, bundleKey } from "../model/bundleKey";
import { type Command, type FlagSpec, SEED_FLAG, UsageError } from "./flags";
import { checkOutputFile } from "./outputs";

/**
 * Every registered detector may score records or a series (the sequence models score records in
 * arrival order; an autoencoder can watch a series); the help names each kind first.
 */
const ALL_DETECTORS = DETECTORS.map((d) => d.name);
const RECORD_DETECTORS = DETECTORS.filter((d) => d.kind === "record").map((d) => d.name);
const SERIES_DETECTORS = DETECTORS.filter((d) => d.kind === "series").map((d) => d.name);

/** `--key-file`, shared by train (signs) and monitor (verifies). */
export const KEY_FILE_FLAG: FlagSpec = {
  name: "key-file",
  kind: "string",
  value: "FILE",
  help: `file of the bundle key (16+ bytes, mode 600); else $${BUNDLE_KEY_ENV} holds the key itself`,
};

/** `detective train`: its flags and what it runs; `--pcap` (issue 17) is one more row of its table. */
export const trainCommand: Command = {
  name: "train",
  description: [
    "Train a model bundle (pipeline + detector + threshold + training metadata) for the monitor, as",
    "the study does. Use --benchmark simulated for packet captures (features packets carry); --series",
    "adds a volume watch on per-interval traffic totals, fitted on the normal simulated capture.",
    `With a bundle key (--key-file or $${BUNDLE_KEY_ENV}) the bundle is signed; the monitor verifies it.`,
  ],
  flags: [
    {
      name: "benchmark",
      kind: "enum",
      choices: BENCHMARK_KEYS,
      required: true,
      help: "the training data",
    },
    {
      name: "detector",
      kind: "enum",
      value: "NAME",
      choices: ALL_DETECTORS,
      required: true,
      help: `the record detector: ${RECORD_DETECTORS.join(", ")} (or a sequence model)`,
    },
    { name: "out", kind: "string", value: "BUNDLE.json", required: true, help: "the bundle to write" },
    { ...SEED_FLAG, help: "seed of the split and of seeded detectors" },
    {
      name: "fpr",
      kind: "number",
      default: 0.01,
      above: 0,
      below: 1,
      help: "false-positive rate on validation normals that sets the threshold",
    },
    {
      name: "series",
      kind: "enum",
      value: "NAME",
      choices: ALL_DETECTORS,
      help: `volume watch detector: ${SERIES_DETECTORS.join(", ")} (or a record detector)`,
    },
    {
      name: "interval",
      kind: "number",
      default: 10,
      unit: "s",
      min: MIN_SERIES_INTERVAL_SECONDS,
      max: MAX_SERIES_INTERVAL_SECONDS,
      with: ["series"],
      help: "the volume watch's interval",
    },
    KEY_FILE_FLAG,
  ],
  async run(flags) {
    const benchmark = flags.required("benchmark") as BenchmarkKey;
    const detector = flags.required("detector");
    const series = flags.string("series");
    const out = flags.required("out");
    if (series && benchmark !== "simulated") {
      throw new UsageError(
        "train: --series needs --benchmark simulated (the volume watch learns a normal capture's traffic series).",
      );
    }
    checkOutputFile("train --out", out);
    // The key is resolved before training, so a bad key file fails in a second, not after the fit.
    const key = bundleKey({ keyFile: flags.string("key-file") });
    if ([detector, series].some((d) => d && NEURAL_DETECTORS.has(d))) await loadTensorflow();
    const bundle = await trainBundle({
      series: series ? { detector: series, intervalSeconds: flags.number("interval") } : undefined,
      benchmark,
      detector,
      seed: flags.number("seed") ?? 1,
      fpr: flags.number("fpr"),
    });
    saveBundle(bundle, out, { key });
    console.error(
      `train: ${detector} on ${bundle.training.benchmark} (${bundle.training.trainRows} training rows, seed ${bundle.training.seed}), ` +
        `threshold ${bundle.threshold.toPrecision(4)} at ${bundle.training.fpr * 100}% validation FPR` +
        `${bundle.series ? `; volume watch ${bundle.series.detector.name} on ${bundle.series.intervalSeconds} s intervals` : ""} -> ${out}` +
        (key ? ` (signed, HMAC-SHA-256, key from ${key.source})` : " (unsigned: no bundle key configured)"),
    );
    return 0;
  },
};
