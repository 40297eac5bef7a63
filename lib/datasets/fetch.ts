/**
 * The fetch step: get every dataset of the manifest into `data/`, from an offline mirror
 * (`DETECTIVE_DATA_MIRROR` or `--mirror`) or its upstream URL, verify its decompressed content
 * (rows and SHA-256) in a temporary file, and only then move it into place. A file that fails
 * verification is never used. `data/.verified.json` remembers verified files (size and mtime),
 * so a second run is instant.
 */
import { createHash } from "node:crypto";
import {
  constants as fsConstants,
  createReadStream,
  createWriteStream,
  existsSync,
  promises as fsp,
  readFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createGunzip } from "node:zlib";
import { ChecksumError, DataError } from "../core/errors";
import { dataDir } from "../core/paths";
import { type DatasetEntry, type Manifest, readManifest } from "./manifest";

/** What verification measured of a file's decompressed content. */
export interface ContentDigest {
  readonly sha256: string;
  readonly rows: number;
  readonly bytes: number;
}

/** One line of the fetch log. */
export type FetchLog = (message: string) => void;

export interface FetchOptions {
  /** Dataset ids; default all required ones (plus optional ones with `includeOptional`). */
  ids?: readonly string[];
  includeOptional?: boolean;
  /** Offline mirror folder; default `DETECTIVE_DATA_MIRROR`. */
  mirror?: string;
  /** Where datasets go; default `<root>/data`. */
  dir?: string;
  manifest?: Manifest;
  log?: FetchLog;
  /** Progress of a long step: done and total bytes (total 0 if unknown). */
  onProgress?: (label: string, done: number, total: number) => void;
  /** Abort a download that sends nothing for this long. Default 60 s. */
  stallTimeoutMs?: number;
}

export interface FetchResult {
  readonly id: string;
  readonly path: string;
  readonly action: "verified" | "copied" | "downloaded";
  readonly digest: ContentDigest;
}

interface Stamp {
  size: number;
  mtimeMs: number;
  sha256: string;
  rows: number;
}

const STAMP_FILE = ".verified.json";

/**
 * SHA-256, row count and size of a file's content, decompressing gzip (detected by magic bytes).
 * @throws DataError for a truncated or corrupt gzip stream.
 */
export async function digestContent(
  path: string,
  onProgress?: (done: number, total: number) => void,
): Promise<ContentDigest> {
  const { size } = await fsp.stat(path);
  const gzip = await isGzip(path);
  const hash = createHash("sha256");
  let newlines = 0;
  let bytes = 0;
  let last = -1;
  let read = 0;
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  file.on("data", (chunk) => {
    read += chunk.length;
    onProgress?.(read, size);
  });
  const input = gzip ? file.pipe(createGunzip()) : file;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
      let i = chunk.indexOf(10);
      while (i >= 0) {
        newlines++;
        i = chunk.indexOf(10, i + 1);
      }
      if (chunk.length > 0) last = chunk[chunk.length - 1];
    }
  } catch (err) {
    file.destroy();
    throw new DataError(`${path}: the compressed data is truncated or corrupt (${(err as Error).message}).`);
  }
  const rows = newlines + (bytes > 0 && last !== 10 ? 1 : 0);
  return { sha256: hash.digest("hex"), rows, bytes };
}

async function isGzip(path: string): Promise<boolean> {
  const fh = await fsp.open(path, "r");
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * Checks a digest against the manifest entry.
 * @throws ChecksumError with both values and what to do.
 */
export function checkDigest(entry: DatasetEntry, digest: ContentDigest, path: string): void {
  if (digest.rows !== entry.rows) {
    throw new ChecksumError(
      `${path}: ${digest.rows} rows, the manifest expects ${entry.rows} for ${entry.id}. ` +
        "The file is truncated or a different version; it was not used. Run `npm run fetch-data` again.",
    );
  }
  if (entry.contentSha256 !== null && digest.sha256 !== entry.contentSha256) {
    throw new ChecksumError(
      `${path}: SHA-256 of the content is ${digest.sha256}, the manifest expects ${entry.contentSha256} for ${entry.id}. ` +
        "The file is corrupt or a different version; it was not used. Run `npm run fetch-data` again.",
    );
  }
}

function readStamps(dir: string): Record<string, Stamp> {
  const path = join(dir, STAMP_FILE);
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, Stamp>;
  } catch {
    return {}; // a damaged stamp file only costs a re-verification
  }
}

async function writeStamp(dir: string, file: string, stamp: Stamp): Promise<void> {
  const stamps = readStamps(dir);
  stamps[file] = stamp;
  const tmp = join(dir, `${STAMP_FILE}.tmp-${process.pid}`);
  // A stale or planted file at the temporary name is removed, and the new one created exclusively
  // ("wx": O_EXCL, so never written through a link left there).
  await fsp.rm(tmp, { force: true });
  await fsp.writeFile(tmp, `${JSON.stringify(stamps, null, 2)}\n`, { flag: "wx" });
  await fsp.rename(tmp, join(dir, STAMP_FILE));
}

/** The stored file of a dataset: `data/<file>` or, when it was obtained compressed, `data/<file>.gz`. */
export function storedPath(entry: DatasetEntry, dir = dataDir()): string | undefined {
  for (const candidate of [entry.file, `${entry.file}.gz`]) {
    const path = join(dir, candidate);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/**
 * True when `path` was verified for `entry` and has not changed since (same size and mtime).
 */
export async function isVerified(entry: DatasetEntry, path: string, dir = dataDir()): Promise<boolean> {
  const stamp = readStamps(dir)[relative(dir, path)];
  if (!stamp) return false;
  const st = await fsp.stat(path);
  return (
    stamp.size === st.size &&
    stamp.mtimeMs === st.mtimeMs &&
    stamp.rows === entry.rows &&
    (entry.contentSha256 === null || stamp.sha256 === entry.contentSha256)
  );
}

function relative(dir: string, path: string): string {
  return path.slice(dir.length + 1);
}

/**
 * Fetches and verifies the datasets. Idempotent: verified files are left alone.
 * @throws DataError naming the URL that failed and how to use a mirror; ChecksumError for bad content.
 */
export async function fetchDatasets(options: FetchOptions = {}): Promise<FetchResult[]> {
  const manifest = options.manifest ?? readManifest();
  const dir = options.dir ?? dataDir();
  const log = options.log ?? ((m: string) => console.error(m));
  const mirror = options.mirror ?? process.env.DETECTIVE_DATA_MIRROR;
  const wanted = options.ids
    ? options.ids.map((id) => {
        const e = manifest.datasets.find((d) => d.id === id);
        if (!e)
          throw new DataError(
            `fetch: unknown dataset "${id}"; known: ${manifest.datasets.map((d) => d.id).join(", ")}.`,
          );
        return e;
      })
    : manifest.datasets.filter((d) => d.required || options.includeOptional);
  const results: FetchResult[] = [];
  for (const entry of wanted) {
    const existing = storedPath(entry, dir);
    if (existing) {
      if (await isVerified(entry, existing, dir)) {
        const stamp = readStamps(dir)[relative(dir, existing)];
        log(`data: ${entry.id} ok (${relative(dir, existing)}, ${entry.rows} rows, verified)`);
        results.push({
          id: entry.id,
          path: existing,
          action: "verified",
          digest: { ...stamp, bytes: stamp.size },
        });
        continue;
      }
      log(`data: ${entry.id}: verifying ${relative(dir, existing)} ...`);
      try {
        const digest = await digestContent(existing, (d, t) =>
          options.onProgress?.(`verify ${entry.id}`, d, t),
        );
        checkDigest(entry, digest, existing);
        await stampFile(dir, existing, digest);
        log(
          `data: ${entry.id} ok (${relative(dir, existing)}, ${digest.rows} rows, SHA-256 ${pinNote(entry, digest)})`,
        );
        results.push({ id: entry.id, path: existing, action: "verified", digest });
        continue;
      } catch (err) {
        const aside = `${existing}.rejected`;
        await fsp.rename(existing, aside);
        log(`data: ${entry.id}: ${(err as Error).message} Moved aside to ${aside}; fetching a fresh copy.`);
      }
    }
    results.push(await obtain(entry, dir, mirror, log, options));
  }
  return results;
}

function pinNote(entry: DatasetEntry, digest: ContentDigest): string {
  return entry.contentSha256 === null
    ? `${digest.sha256}; no checksum pinned in the manifest, only the row count was checked`
    : "matches the manifest";
}

async function stampFile(dir: string, path: string, digest: ContentDigest): Promise<void> {
  const st = await fsp.stat(path);
  await writeStamp(dir, relative(dir, path), {
    size: st.size,
    mtimeMs: st.mtimeMs,
    sha256: digest.sha256,
    rows: digest.rows,
  });
}

async function obtain(
  entry: DatasetEntry,
  dir: string,
  mirror: string | undefined,
  log: FetchLog,
  options: FetchOptions,
): Promise<FetchResult> {
  await fsp.mkdir(dirname(join(dir, entry.file)), { recursive: true });
  let source: { kind: "mirror"; path: string } | { kind: "url"; url: string } = {
    kind: "url",
    url: entry.url,
  };
  const names = entry.file.endsWith(".gz") ? [entry.file] : [entry.file, `${entry.file}.gz`];
  if (mirror) {
    const candidate = names.map((f) => join(mirror, f)).find((p) => existsSync(p));
    if (candidate) source = { kind: "mirror", path: candidate };
    else if (!existsSync(mirror))
      log(`data: the mirror folder ${mirror} does not exist; trying ${entry.url}`);
    else log(`data: ${entry.id}: not in the mirror ${mirror}; trying ${entry.url}`);
  }
  const compressed = source.kind === "mirror" ? source.path.endsWith(".gz") : entry.url.endsWith(".gz");
  const target = join(dir, compressed && !entry.file.endsWith(".gz") ? `${entry.file}.gz` : entry.file);
  const tmp = `${target}.part-${process.pid}`;
  // As for the stamps: the temporary file is always this run's own new file, never a link's target.
  await fsp.rm(tmp, { force: true });
  try {
    if (source.kind === "mirror") {
      log(`data: ${entry.id}: copying from mirror ${source.path}`);
      await fsp.copyFile(source.path, tmp, fsConstants.COPYFILE_EXCL);
      await fsp.chmod(tmp, 0o644); // a read-only mirror must not make the copy read-only
    } else {
      log(`data: ${entry.id}: downloading ${source.url}`);
      await download(source.url, tmp, options.stallTimeoutMs ?? 60_000, (d, t) =>
        options.onProgress?.(`download ${entry.id}`, d, t),
      );
    }
    const digest = await digestContent(tmp, (d, t) => options.onProgress?.(`verify ${entry.id}`, d, t));
    checkDigest(entry, digest, source.kind === "mirror" ? source.path : source.url);
    await fsp.rename(tmp, target);
    await stampFile(dir, target, digest);
    log(
      `data: ${entry.id} ok (${relative(dir, target)}, ${digest.rows} rows, SHA-256 ${pinNote(entry, digest)})`,
    );
    return { id: entry.id, path: target, action: source.kind === "mirror" ? "copied" : "downloaded", digest };
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    if (err instanceof DataError) throw err;
    throw new DataError(
      `data: ${entry.id}: could not get ${source.kind === "mirror" ? source.path : source.url} ` +
        `(${(err as Error).message}). Without internet access, point the fetch step at an offline mirror that ` +
        `holds ${names.join(" or ")}: DETECTIVE_DATA_MIRROR=/path/to/mirror npm run fetch-data.`,
    );
  }
}

async function download(
  url: string,
  path: string,
  stallTimeoutMs: number,
  onProgress: (done: number, total: number) => void,
): Promise<void> {
  const controller = new AbortController();
  let timer = setTimeout(
    () => controller.abort(new Error(`no answer in ${stallTimeoutMs / 1000} s`)),
    stallTimeoutMs,
  );
  const touch = (): void => {
    clearTimeout(timer);
    timer = setTimeout(
      () => controller.abort(new Error(`download stalled for ${stallTimeoutMs / 1000} s`)),
      stallTimeoutMs,
    );
  };
  try {
    const res = await fetch(url, { signal: controller.signal, redirect: "follow" });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    const total = Number(res.headers.get("content-length") ?? 0);
    let done = 0;
    const body = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
    body.on("data", (chunk: Buffer) => {
      done += chunk.length;
      touch();
      onProgress(done, total);
    });
    await pipeline(body, createWriteStream(path, { flags: "wx" }));
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    // fetch() hides the network reason (ECONNREFUSED, ENOTFOUND) in err.cause: surface it.
    throw new Error(cause?.code ?? cause?.message ?? (err as Error).message, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
