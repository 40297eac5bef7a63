/**
 * The data manifest (`data/manifest.json`): every dataset with its upstream URL, row count and
 * the SHA-256 of its decompressed content.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../core/errors";
import { dataDir } from "../core/paths";
import type { KddFormat } from "./kdd99";

/** One downloadable dataset file. */
export interface DatasetEntry {
  readonly id: string;
  readonly title: string;
  readonly format: KddFormat;
  /** Path under `data/` (and under a mirror), e.g. `kdd99/corrected.gz`. */
  readonly file: string;
  readonly url: string;
  readonly origin: string;
  readonly rows: number;
  /** SHA-256 of the decompressed content; null when not pinned yet (then rows are checked and the hash printed). */
  readonly contentSha256: string | null;
  /** Fetched by default; optional files need `--optional`. */
  readonly required: boolean;
}

/** A dataset the project generates itself: the simulated traffic (`lib/simulate`). */
export interface GeneratedEntry {
  readonly id: string;
  readonly title: string;
  /** Paths under `data/`: the capture and its ground-truth labels. */
  readonly files: { readonly pcap: string; readonly labels: string };
  /** Simulator options; `attacks` is "none" or "every" (each scenario once, see `everyAttack`). */
  readonly simulation: {
    readonly seed: number;
    readonly start: string;
    readonly durationSeconds: number;
    readonly workstations: number;
    readonly intensity: number;
    readonly attacks: "none" | "every";
  };
  readonly required: boolean;
}

export interface Manifest {
  readonly datasets: readonly DatasetEntry[];
  readonly generated: readonly GeneratedEntry[];
}

/**
 * Reads and checks `data/manifest.json` (or the file given).
 * @throws DataError naming the entry and field that is wrong.
 */
export function readManifest(path = join(dataDir(), "manifest.json")): Manifest {
  const raw = JSON.parse(readFileSync(path, "utf8")) as {
    format?: string;
    datasets?: Partial<DatasetEntry>[];
    generated?: GeneratedEntry[];
  };
  if (raw.format !== "detective-data-manifest" || !Array.isArray(raw.datasets)) {
    throw new DataError(
      `${path}: not a Detective data manifest (expected "format": "detective-data-manifest").`,
    );
  }
  const ids = new Set<string>();
  for (const d of raw.datasets) {
    for (const key of ["id", "title", "format", "file", "url", "origin", "rows", "required"] as const) {
      if (d[key] === undefined) throw new DataError(`${path}: dataset ${d.id ?? "?"} has no "${key}".`);
    }
    if (d.contentSha256 !== null && !/^[0-9a-f]{64}$/.test(String(d.contentSha256))) {
      throw new DataError(`${path}: dataset ${d.id} has a malformed contentSha256 (64 hex digits or null).`);
    }
    if (ids.has(d.id as string)) throw new DataError(`${path}: dataset id ${d.id} appears twice.`);
    ids.add(d.id as string);
  }
  return { datasets: raw.datasets as DatasetEntry[], generated: raw.generated ?? [] };
}

/**
 * The manifest entry with this id.
 * @throws DataError listing the known ids.
 */
export function datasetEntry(id: string, manifest: Manifest = readManifest()): DatasetEntry {
  const entry = manifest.datasets.find((d) => d.id === id);
  if (!entry) {
    throw new DataError(
      `unknown dataset "${id}"; the manifest has ${manifest.datasets.map((d) => d.id).join(", ")}.`,
    );
  }
  return entry;
}
