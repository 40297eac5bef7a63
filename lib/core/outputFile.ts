/**
 * Writing a file named on the command line when the name may already be something else: a
 * symbolic or hard link planted to redirect the write (as root, into any file of the system), a
 * FIFO that blocks the write forever, a device (/dev/full), or a file of /proc or /sys whose write
 * changes the running system (/proc/sys/kernel/hostname). Every output is written to a new
 * temporary file in the same folder (created with O_EXCL | O_NOFOLLOW, so it is this process's own
 * new file), flushed to disk, then renamed over the target: the name is replaced, whatever it was
 * (a link included), and nothing the name pointed to is ever written. A reader sees the old file or
 * the whole new one, never half of it.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  lstatSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  statfsSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { ConfigError, DetectiveError, systemError } from "./errors";
import { describeFileKind } from "./inputFile";

/** statfs(2)'s type of /proc (linux/magic.h): writing its files changes the running kernel. */
export const PROC_SUPER_MAGIC = 0x9fa0;
/** statfs(2)'s type of /sys: writing its files changes devices and kernel settings. */
export const SYSFS_MAGIC = 0x62656572;
/** statfs(2)'s type of devtmpfs (/dev): its files are devices, not files to write results into. */
export const DEVTMPFS_MAGIC = 0x1373;

/** The file systems no output is written on, by statfs type, with their name for messages. */
const REFUSED_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [PROC_SUPER_MAGIC, "/proc (the kernel's process file system)"],
  [SYSFS_MAGIC, "/sys (the kernel's device file system)"],
  [DEVTMPFS_MAGIC, "/dev (devtmpfs, a file system of devices)"],
  [0x64626720, "debugfs (a kernel interface)"],
  [0x73636673, "securityfs (a kernel interface)"],
  [0x27e0eb, "cgroup (a kernel interface)"],
  [0x63677270, "cgroup2 (a kernel interface)"],
  [0xcafe4a11, "bpffs (a kernel interface)"],
]);

/**
 * The kernel file system `folder` is on when no file should be written there (/proc, /sys, /dev,
 * debugfs, cgroup ...), with its name for messages; undefined otherwise, or when `folder` cannot be
 * examined (it does not exist: the caller's check or the write reports that).
 */
export function refusedFileSystem(folder: string): string | undefined {
  try {
    return REFUSED_FILE_SYSTEMS.get(Number(statfsSync(folder).type));
  } catch {
    return undefined;
  }
}

/** The mode of a new output file: readable by all, as `umask` allows. Use 0o600 for secrets. */
export const OUTPUT_FILE_MODE = 0o644;

/**
 * Checks that `path` may be written as an output file: nothing there, a regular file, or a
 * symbolic link (which is replaced, not followed); and its folder not on /proc, /sys or /dev.
 * A missing folder is not reported here (the write says so).
 * @throws ConfigError naming the path, what is there, and what to do.
 * @example checkOutputTarget("/proc/sys/kernel/hostname", "model bundle") // throws: on /proc
 */
export function checkOutputTarget(path: string, what: string): void {
  try {
    const stat = lstatSync(path);
    if (stat.isDirectory()) throw new ConfigError(`${what} ${path} is a folder; give the path of a file.`);
    if (!stat.isFile() && !stat.isSymbolicLink())
      throw new ConfigError(
        `${what} ${path} is not a regular file (${describeFileKind(stat)}); ` +
          "Detective writes only regular files: choose another path.",
      );
  } catch (err) {
    if (err instanceof DetectiveError) throw err;
    // Nothing there (or a folder above is missing, which the write reports).
  }
  checkOutputFileSystem(dirname(resolve(path)), what, path);
}

/**
 * Refuses output into `folder` when it is on /proc, /sys or /dev (by statfs type); a folder that
 * does not exist is not reported here.
 * @throws ConfigError naming `path` (the output the folder is for) and the file system.
 */
export function checkOutputFileSystem(folder: string, what: string, path: string): void {
  const fileSystem = refusedFileSystem(folder);
  if (fileSystem !== undefined)
    throw new ConfigError(
      `${what} ${path} is on ${fileSystem}, where a write changes the system, not a file; choose a path on a disk.`,
    );
}

/** Options of `writeOutputFile`. */
export interface OutputFileOptions {
  /** What the file is, for messages, e.g. "model bundle". */
  readonly what: string;
  /** The new file's mode (before `umask`). Default `OUTPUT_FILE_MODE` (0644); 0o600 for secrets. */
  readonly mode?: number;
}

/** A new temporary file beside `path` (same folder, so a rename moves it into place), open for writing. */
function createTemporary(path: string, mode: number): { fd: number; temporary: string } {
  const folder = dirname(resolve(path));
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  for (let attempt = 0; ; attempt++) {
    const temporary = join(folder, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      return { fd: openSync(temporary, flags, mode), temporary };
    } catch (err) {
      // EEXIST: a name taken (by chance or by someone planting names); try another.
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 10) throw err;
    }
  }
}

/** Flushes a folder's entries (the rename) to disk, where the platform allows it. */
function syncFolder(folder: string): void {
  try {
    const fd = openSync(folder, constants.O_RDONLY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every platform or file system can fsync a folder; the data itself is already synced.
  }
}

/**
 * Writes `data` to `path` atomically and without following what is at `path`: a temporary file in
 * the same folder (O_EXCL | O_NOFOLLOW), fsync, then rename over `path`. A symbolic or hard link at
 * `path` is replaced, never written through. The temporary file is removed when anything fails.
 * @throws ConfigError when `path` is a folder, a FIFO, a device or on /proc, /sys or /dev (see
 *   `checkOutputTarget`); PermissionError or IoError (a full disk, a missing folder) naming the
 *   path and what to do.
 * @example writeOutputFile("b.json", JSON.stringify(bundle), { what: "model bundle" })
 */
export function writeOutputFile(path: string, data: string | Uint8Array, options: OutputFileOptions): void {
  const { what, mode = OUTPUT_FILE_MODE } = options;
  checkOutputTarget(path, what);
  let created: { fd: number; temporary: string };
  try {
    created = createTemporary(path, mode);
  } catch (err) {
    throw systemError(err, `cannot create the ${what}`, path);
  }
  const { fd, temporary } = created;
  let open = true;
  try {
    keepMode(fd, path);
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
    open = false;
    closeSync(fd);
    renameSync(temporary, path);
  } catch (err) {
    if (open) closeSync(fd);
    rmSync(temporary, { force: true });
    throw systemError(err, `cannot write the ${what}`, path);
  }
  syncFolder(dirname(resolve(path)));
}

/**
 * A file replaced by a new one keeps its permissions: a results file made private (0600) must
 * not become world-readable because a command rewrote it. (Its owner becomes the writer's.)
 */
function keepMode(fd: number, path: string): void {
  let mode: number;
  try {
    const st = lstatSync(path);
    if (!st.isFile()) return; // nothing there, or a link: the new file keeps its own mode
    mode = st.mode & 0o7777;
  } catch {
    return;
  }
  fchmodSync(fd, mode);
}

/**
 * Runs `write` on temporary paths standing for `targets`, then moves each into place: for outputs
 * written by code that opens the path itself (a pcap streamed by `PcapWriter`). Each temporary path
 * is in a new private folder (mode 0700, made by this process) inside the target's folder, so no
 * one else can plant a link there; at the end each file is synced and renamed over its target,
 * replacing whatever link was there. When `write` (or a move) fails, the temporaries are removed
 * and the error is thrown (a system error as PermissionError or IoError naming the first target).
 * @throws ConfigError for a target that is a folder, a FIFO, a device or on /proc, /sys or /dev.
 * @example stageOutputs(["x.pcap", "x.labels.json"], "capture", ([pcap, labels]) => simulate(pcap, labels))
 */
export function stageOutputs<T>(
  targets: readonly string[],
  what: string,
  write: (staged: readonly string[]) => T,
): T {
  for (const target of targets) checkOutputTarget(target, what);
  const folders: string[] = [];
  try {
    const staged = targets.map((target) => {
      let folder: string;
      try {
        folder = mkdtempSync(join(dirname(resolve(target)), `.${basename(target)}.`));
      } catch (err) {
        throw systemError(err, `cannot create the ${what}`, target);
      }
      folders.push(folder);
      return join(folder, basename(target));
    });
    let result: T;
    try {
      result = write(staged);
      for (const [i, file] of staged.entries()) {
        const fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(file, targets[i]);
      }
    } catch (err) {
      if (err instanceof DetectiveError) throw err;
      throw systemError(err, `cannot write the ${what}`, targets[0]);
    }
    for (const target of targets) syncFolder(dirname(resolve(target)));
    return result;
  } finally {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  }
}
