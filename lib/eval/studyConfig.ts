/**
 * The study's one configuration (`study.json`): datasets, detectors with their hyperparameters,
 * seeds and the threshold policy. `runStudy` reads it, and the results record it, so the report
 * states exactly what ran. Quick mode (the test suite) applies the `quick` caps on top.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DETECTORS, type DetectorInfo } from "../detectors/registry";
import { OptionError } from "../core/errors";
import { projectRoot } from "../core/paths";
import { BENCHMARK_KEYS, type BenchmarkKey } from "./benchmarks";

/** A detector of the study: its registry name and constructor options (the seed is added per run). */
export interface DetectorSpec {
  readonly name: string;
  readonly options?: Readonly<Record<string, unknown>>;
  /** One-Class SVM only: choose nu and gamma on validation normals (`tuneOneClassSvm`), per benchmark and seed. */
  readonly tune?: boolean;
}

/** A published figure the study compares itself with. */
export interface LiteratureAnchor {
  readonly detector: string;
  readonly test: string;
  readonly accuracy: number;
  /** The validation false-positive rate at which our threshold is set for this comparison. */
  readonly fpr: number;
  readonly source: string;
}

/** Caps of the quick mode. */
export interface QuickCaps {
  readonly seeds: readonly number[];
  readonly maxTrainRows: number;
  readonly maxTestRows: number;
  readonly maxEpochs: number;
  readonly maxSvmTrainRows: number;
}

/** The configuration as written in `study.json`. */
export interface StudyConfig {
  readonly seeds: readonly number[];
  /** Target false-positive rate on validation normals for every threshold. */
  readonly fpr: number;
  /** Further validation false-positive rates reported alongside (e.g. for published comparisons). */
  readonly extraFprs: readonly number[];
  /** The benchmarks to run, in order. Default: all of `BENCHMARK_KEYS`. */
  readonly benchmarks: readonly BenchmarkKey[];
  readonly detectors: readonly DetectorSpec[];
  readonly series: { readonly intervalSeconds: number; readonly detectors: readonly DetectorSpec[] };
  readonly literature: readonly LiteratureAnchor[];
  readonly quick: QuickCaps;
}

/** The configuration a run used: the file's, with the quick caps applied in quick mode. */
export interface ResolvedStudyConfig extends StudyConfig {
  readonly mode: "full" | "quick";
}

/** Where the study's configuration lives. */
export function studyConfigPath(): string {
  return join(projectRoot(), "study.json");
}

function fail(where: string, problem: string): never {
  throw new OptionError(`study configuration ${where}: ${problem}. Fix study.json (see its $comment).`);
}

function numberArray(value: unknown, where: string): number[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => Number.isInteger(v))) {
    fail(where, `expected a non-empty list of integers, got ${JSON.stringify(value)}`);
  }
  return value as number[];
}

function rate(value: unknown, where: string): number {
  if (typeof value !== "number" || !(value > 0 && value < 1))
    fail(where, `expected a number in (0, 1), got ${JSON.stringify(value)}`);
  return value;
}

function positive(value: unknown, where: string): number {
  if (typeof value !== "number" || !(value > 0))
    fail(where, `expected a positive number, got ${JSON.stringify(value)}`);
  return value;
}

/** Checks a list of detectors of one kind ("record" for `detectors`, "series" for `series.detectors`). */
function detectorSpecs(value: unknown, where: string, kind: DetectorInfo["kind"]): DetectorSpec[] {
  if (!Array.isArray(value) || value.length === 0) fail(where, "expected a non-empty list of detectors");
  const known = DETECTORS.filter((d) => d.kind === kind);
  return (value as unknown[]).map((v, i) => {
    const spec = v as Partial<DetectorSpec> | null;
    const at = `${where}[${i}]`;
    if (!spec || typeof spec.name !== "string") fail(at, 'each detector needs a "name"');
    const info = known.find((d) => d.name === spec.name);
    if (!info) {
      const other = DETECTORS.some((d) => d.name === spec.name)
        ? ` (a ${kind === "record" ? "series" : "record"} detector)`
        : "";
      fail(
        `${at}.name`,
        `unknown ${kind} detector "${spec.name}"${other}; known: ${known.map((d) => d.name).join(", ")}`,
      );
    }
    if (
      spec.options !== undefined &&
      (typeof spec.options !== "object" || spec.options === null || Array.isArray(spec.options))
    ) {
      fail(`${at}.options`, "expected an object of constructor options");
    }
    if (spec.options && "seed" in spec.options)
      fail(`${at}.options.seed`, 'seeds come from "seeds", not from a detector\'s options');
    if (spec.tune && !info.tune) {
      const tunable = DETECTORS.filter((d) => d.tune).map((d) => d.name);
      fail(`${at}.tune`, `only ${tunable.join(", ")} can be tuned`);
    }
    try {
      info.create({ ...spec.options }); // the constructor checks every option's name and value
    } catch (err) {
      fail(`${at}.options`, (err as Error).message.replace(/\.$/, ""));
    }
    return { name: spec.name, options: spec.options ?? {}, tune: spec.tune === true };
  });
}

/**
 * Checks a parsed configuration and fills defaults.
 * @throws OptionError naming the field, what was found and what is expected.
 */
export function parseStudyConfig(value: unknown): StudyConfig {
  const c = (value ?? {}) as Record<string, unknown>;
  if (c.protocols !== undefined) fail("protocols", 'renamed to "benchmarks" (same values)');
  const benchmarks = (c.benchmarks ?? BENCHMARK_KEYS) as unknown;
  if (
    !Array.isArray(benchmarks) ||
    benchmarks.length === 0 ||
    !benchmarks.every((p) => BENCHMARK_KEYS.includes(p))
  ) {
    fail("benchmarks", `expected a list of ${BENCHMARK_KEYS.join(", ")}, got ${JSON.stringify(benchmarks)}`);
  }
  const series = (c.series ?? {}) as Record<string, unknown>;
  const quick = (c.quick ?? {}) as Record<string, unknown>;
  const literature = (c.literature ?? []) as unknown;
  if (!Array.isArray(literature)) fail("literature", "expected a list");
  return {
    seeds: numberArray(c.seeds, "seeds"),
    fpr: rate(c.fpr ?? 0.01, "fpr"),
    extraFprs: ((c.extraFprs ?? []) as unknown[]).map((v, i) => rate(v, `extraFprs[${i}]`)),
    benchmarks: benchmarks as BenchmarkKey[],
    detectors: detectorSpecs(c.detectors, "detectors", "record"),
    series: {
      intervalSeconds: positive(series.intervalSeconds ?? 10, "series.intervalSeconds"),
      detectors: detectorSpecs(series.detectors, "series.detectors", "series"),
    },
    literature: (literature as Partial<LiteratureAnchor>[]).map((a, i) => {
      if (typeof a?.detector !== "string" || typeof a.test !== "string" || typeof a.source !== "string") {
        fail(`literature[${i}]`, 'each anchor needs "detector", "test", "accuracy", "fpr" and "source"');
      }
      return {
        detector: a.detector,
        test: a.test,
        source: a.source,
        accuracy: rate(a.accuracy, `literature[${i}].accuracy`),
        fpr: rate(a.fpr, `literature[${i}].fpr`),
      };
    }),
    quick: {
      seeds: numberArray(quick.seeds ?? [1], "quick.seeds"),
      maxTrainRows: positive(quick.maxTrainRows ?? 3000, "quick.maxTrainRows"),
      maxTestRows: positive(quick.maxTestRows ?? 20000, "quick.maxTestRows"),
      maxEpochs: positive(quick.maxEpochs ?? 3, "quick.maxEpochs"),
      maxSvmTrainRows: positive(quick.maxSvmTrainRows ?? 1500, "quick.maxSvmTrainRows"),
    },
  };
}

/**
 * Reads and checks `study.json` (or another file).
 * @throws OptionError for a missing file, invalid JSON or an invalid field.
 */
export function loadStudyConfig(path = studyConfigPath()): StudyConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new OptionError(
      `study configuration: cannot read ${path}. Run from a checkout of the project, or pass --config.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new OptionError(`study configuration: ${path} is not valid JSON (${(err as Error).message}).`);
  }
  return parseStudyConfig(value);
}

/** The configuration for a mode: in quick mode, the quick seeds, and epoch and SVM-row caps in every detector's options. */
export function resolveStudyConfig(config: StudyConfig, mode: "full" | "quick"): ResolvedStudyConfig {
  if (mode === "full") return { ...config, mode };
  const cap = (spec: DetectorSpec): DetectorSpec => {
    const options = { ...spec.options };
    if (typeof options.epochs === "number") options.epochs = Math.min(options.epochs, config.quick.maxEpochs);
    if (spec.name === "OneClassSvm") {
      options.maxTrainRows = Math.min(Number(options.maxTrainRows ?? Infinity), config.quick.maxSvmTrainRows);
    }
    return { ...spec, options };
  };
  return {
    ...config,
    mode,
    seeds: config.quick.seeds,
    detectors: config.detectors.map(cap),
    series: { ...config.series, detectors: config.series.detectors.map(cap) },
  };
}
