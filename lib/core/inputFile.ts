/**
 * Reading a file named on the command line (a model bundle, a key or secret file, study results)
 * when it may be anything: a FIFO that never ends or blocks the open, a device that never ends
 * (/dev/zero), a folder, or a file far larger than any this kind can be. The file is opened once
 * without blocking (O_NONBLOCK: a FIFO's open would wait for a writer, and a synchronous wait blocks
 * the event loop and so the signal handlers), checked on the open descriptor (a regular file, no
 * larger than the limit), and only then read, never past the limit.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  statSync,
  type Stats,
} from "node:fs";
import { ConfigError, DetectiveError, systemError } from "./errors";

const MIB = 1024 * 1024;
/** The largest model bundle read: 256 MiB (a trained bundle is about 10 KB to a few MB). */
export const MAX_BUNDLE_BYTES = 256 * MIB;
/** The largest key or secret file read: 64 KiB (a key is 16 to a few hundred bytes). */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;
/**
 * The largest study results file read: 500 MiB (the full study's is a few MB), below V8's longest
 * string (about 512 MiB), so a file within the limit can always be decoded as text.
 */
export const MAX_STUDY_RESULTS_BYTES = 500 * MIB;

/** Options of `readInputFile`. */
export interface InputFileOptions {
  /** What the file is, for messages, e.g. "model bundle". */
  readonly what: string;
  /** The largest size accepted, in bytes (see the `MAX_..._BYTES` constants). */
  readonly maxBytes: number;
  /** Refuse a symbolic link (O_NOFOLLOW), as for private files. Default false. */
  readonly noFollow?: boolean;
  /**
   * When the file does not exist: what to do, appended to the ConfigError's message (e.g. "make
   * one with ..."), or the error to throw instead.
   */
  readonly ifMissing?: string | (() => Error);
  /** More checks of the open descriptor's status (e.g. its owner and mode), before anything is read. */
  readonly check?: (stat: Stats) => void;
}

/** What a file is, in words: "a regular file", "a FIFO", "a folder", "a character device". */
export function describeFileKind(stat: Stats): string {
  if (stat.isFile()) return "a regular file";
  if (stat.isDirectory()) return "a folder";
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  if (stat.isSymbolicLink()) return "a symbolic link";
  return "a special file";
}

/** A byte count for messages: "600 MB (629145600 bytes)". */
export function describeBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const [value, unit] = bytes < MIB ? [bytes / 1024, "KiB"] : [bytes / MIB, "MiB"];
  return `${Number(value.toFixed(1))} ${unit} (${bytes} bytes)`;
}

/**
 * The bytes of an input file, refused unless it is a regular file of at most `maxBytes`.
 * @throws ConfigError when the file is missing, a symbolic link (with `noFollow`), not a regular
 *   file (saying what it is) or larger than the limit (saying both sizes); PermissionError or
 *   IoError when it cannot be opened or read; whatever `check` throws. One line each.
 * @example readInputFile("b.json", { what: "model bundle", maxBytes: MAX_BUNDLE_BYTES })
 */
export function readInputFile(path: string, options: InputFileOptions): Buffer {
  const { what, maxBytes } = options;
  // O_NONBLOCK is 0 where the platform has none (Windows, where FIFOs are not files anyway).
  const flags =
    constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (options.noFollow ? (constants.O_NOFOLLOW ?? 0) : 0);
  // A path that is already known not to be a regular file is refused before it is opened: opening
  // some devices does something (a watchdog arms, a tape rewinds). The fstat below closes the race.
  try {
    const before = options.noFollow ? lstatSync(path) : statSync(path);
    if (!before.isFile() && !(options.noFollow && before.isSymbolicLink()))
      throw new ConfigError(
        `${what} ${path} is not a regular file (${describeFileKind(before)}); give the path of a file.`,
      );
  } catch (err) {
    if (err instanceof DetectiveError) throw err;
    // missing or unreadable: the open below reports it
  }
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const { ifMissing } = options;
    if (code === "ENOENT" && typeof ifMissing === "function") throw ifMissing();
    if (code === "ENOENT")
      throw new ConfigError(`${what} ${path} does not exist${ifMissing ? `; ${ifMissing}` : "."}`);
    if (code === "ELOOP" && options.noFollow)
      throw new ConfigError(`${what} ${path} is a symbolic link; give the path of the file itself.`);
    throw systemError(err, `cannot open the ${what}`, path);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile())
      throw new ConfigError(
        `${what} ${path} is not a regular file (${describeFileKind(stat)}); give the path of a file.`,
      );
    if (stat.size > maxBytes) throw tooLarge(what, path, stat.size, maxBytes);
    options.check?.(stat);
    return readAll(fd, stat.size, maxBytes, what, path);
  } catch (err) {
    if (err instanceof DetectiveError) throw err;
    throw systemError(err, `cannot read the ${what}`, path);
  } finally {
    closeSync(fd);
  }
}

/** The refusal of a file over the limit; `size` undefined when it grew past the limit while read. */
function tooLarge(what: string, path: string, size: number | undefined, maxBytes: number): ConfigError {
  const is = size === undefined ? "grew past" : `is ${describeBytes(size)}, over`;
  return new ConfigError(
    `${what} ${path} ${is} the limit of ${describeBytes(maxBytes)} for a ${what}; check the path (no ${what} is this large).`,
  );
}

/** Reads to the end of the file (it may have grown since fstat), refusing it once past `maxBytes`. */
function readAll(fd: number, size: number, maxBytes: number, what: string, path: string): Buffer {
  let buffer = Buffer.allocUnsafe(Math.min(size, maxBytes) + 1);
  let used = 0;
  for (;;) {
    if (used === buffer.length) {
      if (used > maxBytes) throw tooLarge(what, path, undefined, maxBytes);
      const bigger = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
      buffer.copy(bigger, 0, 0, used);
      buffer = bigger;
    }
    const n = readSync(fd, buffer, used, buffer.length - used, null);
    if (n === 0) break;
    used += n;
  }
  if (used > maxBytes) throw tooLarge(what, path, undefined, maxBytes);
  return buffer.subarray(0, used);
}
