/**
 * The JSON-lines event sink: an append-only log, one JSON value per line (like Suricata's EVE
 * log), used by the monitor for its events (alerts, incidents, rejects; see `event.ts`) and for
 * raw score lines.
 *
 * Crash safety, in three parts:
 * - every record becomes one whole line (`JSON.stringify(x) + "\n"`; JSON text never contains a
 *   raw newline), and buffered lines are written with a single `write` per flush;
 * - the buffer is written at least every `flushMs` and on `flush()`, `close()` and process exit,
 *   so a crash of the process loses at most the last `flushMs` of records (written lines are in
 *   the kernel's page cache). Each write is followed by `fdatasync` for power losses: `flush()`
 *   and `close()` sync before they return; the timer's flushes sync on libuv's thread pool, one at
 *   a time, so the disk's latency does not stall scoring;
 * - on open, a file whose last line has no newline (a write torn by a crash or a full disk) gets
 *   that newline, so the torn line stays in the file as it was (nothing already written is ever
 *   cut) and the next record starts a line of its own; `recovery` reports it, with its line number
 *   (readers skip it: `readEvents(path, { skipMalformed: true })`).
 * Opening also counts the lines already in the file (`linesAtOpen`). (Event ids do not come from
 * it: they are unique across restarts and processes by themselves, see `idGenerator`.)
 *
 * Failures are typed: a folder or file this user cannot write is a PermissionError naming the
 * path, a full disk or an I/O error an IoError, a log another running process holds a
 * ConfigError, a record with no JSON text an InputError.
 *
 * Hostile neighbours: the folder must exist (a mistyped path is not created silently); a log path
 * that is a symbolic link (or reached through a folder link planted in a folder every user may
 * write), that is not a regular file (a FIFO, a socket, a folder; a character device such as
 * /dev/null is allowed, without a lock), that has several names (hard links), that every user may
 * write, that lies on /proc or sysfs, or that belongs to another user (root's files are accepted) is
 * refused with a ConfigError, so a file planted in a shared folder cannot redirect, block or expose
 * what the monitor (often root) writes; new logs are created 0600.
 *
 * Two writers: the log itself carries an advisory lock (an open-file-description lock, `fcntl`
 * F_OFD_SETLK), held while it is open. A second writer, in this or another process, is refused;
 * the kernel drops the lock when its holder exits, however it dies (`kill -9` included), so a
 * restart never waits for or trips over a stale lock, whatever became of the old pid.
 */
import {
  closeSync,
  constants,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  writeSync,
} from "node:fs";
import { tryLock } from "fs-native-extensions";
import { dirname, join, resolve, sep } from "node:path";
import {
  ConfigError,
  DetectiveError,
  InputError,
  IoError,
  OptionError,
  PermissionError,
  systemError,
} from "../core/errors";
import { describeFileKind } from "../core/inputFile";
import { refusedFileSystem } from "../core/outputFile";
import type { DetectiveEvent } from "./event";
import type { EventSink } from "./eventSink";

/** Options of `EventLog.open`. */
export interface EventLogOptions {
  /** Longest time a record waits in memory before it is written and synced. Default 200 ms. */
  flushMs?: number;
  /** `fdatasync` after each flush, so flushed lines survive a power loss too. Default true. */
  fsync?: boolean;
  /** Flush at once when this much text is buffered (UTF-16 characters, about bytes), whatever `flushMs` says. Default 1 MiB. */
  maxBufferBytes?: number;
  /** Hold an advisory lock on the log while it is open, so a second writer is refused. Default true. */
  lock?: boolean;
  /**
   * Open a log path that is a symbolic link (its target is appended to). Default false: a link is
   * refused, because in a folder others can write, a planted link would make the monitor (often
   * root) write into a file it should not touch.
   */
  followSymlinks?: boolean;
  /** Create the log's folder (and its parents) when missing. Default false: a missing folder is a ConfigError. */
  createFolder?: boolean;
}

/** What opening the log found and repaired. */
export interface EventLogRecovery {
  /** Lines in the file when it was opened (after any repair; a repaired torn line counts). */
  readonly linesAtOpen: number;
  /** File size in bytes after any repair. */
  readonly bytesAtOpen: number;
  /** Torn last lines found (0 or 1): a line without its newline, cut by a crash or a full disk. */
  readonly partialLines: number;
  /** Bytes of that torn line (kept in the file; a newline was added after them). */
  readonly partialBytes: number;
  /** Its 1-based line number in the file, when there was one: readers find it there as invalid JSON. */
  readonly partialLine?: number;
}

const DEFAULT_FLUSH_MS = 200;
const DEFAULT_MAX_BUFFER_BYTES = 1 << 20;
/** Read size when counting the lines of an existing log. */
const SCAN_CHUNK_BYTES = 1 << 20;
const NEWLINE = 10;

/**
 * An append-only JSON-lines file. Not safe to share between processes (the lock prevents it); in
 * one process, create one `EventLog` per file.
 *
 * @example
 * const log = EventLog.open("logs/alerts.jsonl");
 * log.recovery; // { linesAtOpen: 1201, bytesAtOpen: 512038, partialLines: 1, partialBytes: 37, partialLine: 1201 }
 * log.write(event); // an event of event.ts, as one line (the EventSink method)
 * log.append({ time: 1700000000.5, src: "10.0.0.5", score: 7.2 }); // any JSON value; returns 1200, its line index
 * log.close(); // flushes, syncs and releases the lock
 */
export class EventLog implements EventSink {
  /** The log file. */
  readonly path: string;
  /** What opening found and repaired; see `EventLogRecovery`. */
  readonly recovery: EventLogRecovery;
  private readonly opts: Readonly<Required<EventLogOptions>>;
  private fd: number | undefined;
  private chunks: string[] = [];
  private bufferedChars = 0;
  /** Bytes of a flush that failed part-way (e.g. a full disk): written first on the next flush. */
  private unwritten: Buffer | undefined;
  private lines: number;
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  /** A background `fdatasync` is running; `syncAgain`: data was written since it started. */
  private syncing = false;
  private syncAgain = false;
  /** Lines were written since the last completed `fdatasync`. */
  private unsynced = false;
  /** `close()` came while a background sync ran: its callback closes the descriptor. */
  private closeAfterSync = false;
  private readonly onExit = (): void => {
    try {
      this.close();
    } catch (err) {
      // An exit handler cannot throw usefully: say what was lost instead.
      process.stderr.write(
        `EventLog: could not write the last lines of ${this.path} at exit: ${(err as Error).message}\n`,
      );
    }
  };

  private constructor(path: string, options: EventLogOptions) {
    this.path = path;
    this.opts = Object.freeze(checkOptions(options));
    checkFolder(path, this.opts.createFolder);
    if (!this.opts.followSymlinks) checkFolderLinks(path);
    try {
      // Created private (alerts can hold payload data); a symbolic link is refused unless allowed.
      const flags =
        constants.O_RDWR |
        constants.O_APPEND |
        constants.O_CREAT |
        (this.opts.followSymlinks ? 0 : constants.O_NOFOLLOW);
      try {
        this.fd = openSync(path, flags, LOG_FILE_MODE);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ELOOP") {
          throw new ConfigError(
            `EventLog: ${path} is a symbolic link; refusing to write through it (a link planted in a shared folder ` +
              `would redirect the log). Give the real path, or allow links explicitly (followSymlinks; the CLI's --follow-symlinks).`,
          );
        }
        throw err;
      }
      const regular = checkFile(this.fd, path);
      // A device (/dev/null, /dev/full) is shared by every writer and has no lines: no lock, no count.
      if (this.opts.lock && regular) takeLock(this.fd, path);
      this.recovery = Object.freeze(
        regular
          ? repairAndCount(this.fd)
          : { linesAtOpen: 0, bytesAtOpen: 0, partialLines: 0, partialBytes: 0 },
      );
    } catch (err) {
      if (this.fd !== undefined) closeSync(this.fd); // releases the lock too
      if (err instanceof ConfigError) throw err;
      throw systemError(err, "EventLog: cannot open the log", path);
    }
    this.lines = this.recovery.linesAtOpen;
    process.on("exit", this.onExit);
  }

  /**
   * Opens (or creates) a log for appending, ending a torn last line.
   * @throws OptionError for invalid options; ConfigError when another writer holds the log, when
   *   its folder is missing (unless `createFolder`), or when the path is a link, not a regular
   *   file, or another user's file; PermissionError when this user may not create or write the file
   *   or its folder (naming the path); IoError for other system errors (ENOSPC, EIO, ...).
   * @example EventLog.open("logs/rejects.jsonl", { flushMs: 1000 }).linesAtOpen // 0 for a new file
   */
  static open(path: string, options: EventLogOptions = {}): EventLog {
    return new EventLog(path, options);
  }

  /** Lines in the file when it was opened: the line index the first append gets. */
  get linesAtOpen(): number {
    return this.recovery.linesAtOpen;
  }

  /** Lines in the log, counting those still buffered: the index the next appended line gets. */
  get lineCount(): number {
    return this.lines;
  }

  /** False after `close()`. */
  get isOpen(): boolean {
    return this.fd !== undefined;
  }

  /**
   * Appends one record as one line; it reaches the file within `flushMs`, or at `flush()`/`close()`.
   * @returns the record's line index in the file (0-based; `linesAtOpen` for the first append).
   * @throws DetectiveError when the log is closed; InputError when the record has no JSON text
   *   (undefined, a function) or cannot be serialised (a cycle, a BigInt); IoError or
   *   PermissionError when an earlier background flush failed (the message carries the system
   *   error, e.g. ENOSPC).
   */
  append(record: unknown): number {
    this.checkUsable("append");
    let text: string | undefined;
    try {
      text = JSON.stringify(record);
    } catch (err) {
      throw new InputError(
        `EventLog.append(${this.path}): the record cannot be written as JSON (${(err as Error).message.split("\n")[0]}). ` +
          `Pass plain data: no cycles, no BigInt.`,
      );
    }
    if (text === undefined) {
      throw new InputError(
        `EventLog.append(${this.path}): the record (${typeof record}) has no JSON text. Pass an object, array, string, number or boolean.`,
      );
    }
    // Characters a terminal acts on (C1 controls, bidirectional overrides, line separators) are
    // written as \u escapes, so `tail -f` of a log shows what the network sent, not what it meant.
    if (TERMINAL_UNSAFE.test(text)) text = text.replace(TERMINAL_UNSAFE_ALL, escapeCodeUnit);
    this.chunks.push(text, "\n");
    this.bufferedChars += text.length + 1;
    const index = this.lines++;
    if (this.bufferedChars >= this.opts.maxBufferBytes) {
      this.writeBuffered(false);
      this.syncInBackground();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(this.onTimer, this.opts.flushMs);
      this.timer.unref();
    }
    return index;
  }

  /**
   * Writes one event as one line (the `EventSink` method; the same as `append`).
   * @throws as `append`.
   */
  write(event: DetectiveEvent): void {
    this.append(event);
  }

  /**
   * Writes the buffered lines with one write and syncs them to disk.
   * @throws DetectiveError when the log is closed; IoError (ENOSPC, EIO, ...) or PermissionError
   *   when the write fails (the unwritten bytes are kept and retried first by the next flush, so
   *   no line is lost or torn by the retry).
   */
  flush(): void {
    this.checkUsable("flush");
    this.writeBuffered();
  }

  /**
   * Flushes, syncs, closes the file (which releases the lock). Calling it again does nothing.
   * @throws IoError or PermissionError when the final write fails (the file is closed all the same).
   */
  close(): void {
    if (this.fd === undefined) return;
    process.removeListener("exit", this.onExit);
    this.failure = undefined; // the final write below retries whatever failed before
    const fd = this.fd;
    try {
      this.writeBuffered();
    } finally {
      // The thread pool may still be syncing this descriptor: it closes it when done, so the
      // number is not reused under it.
      if (this.syncing) this.closeAfterSync = true;
      else closeSync(fd);
      this.fd = undefined;
    }
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (this.fd === undefined) return;
    try {
      this.writeBuffered(false);
      this.syncInBackground();
    } catch (err) {
      // Raised by the next append/flush: a timer has no caller to throw to.
      this.failure = err as Error;
    }
  };

  /** One `fdatasync` at a time on the thread pool; data written meanwhile gets one more. */
  private syncInBackground(): void {
    if (!this.opts.fsync || this.fd === undefined) return;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = true;
    const fd = this.fd;
    fdatasync(fd, (err) => {
      this.syncing = false;
      if (this.closeAfterSync) {
        closeSync(fd); // close() already synced everything
        return;
      }
      if (err) this.failure ??= err;
      else if (!this.syncAgain) this.unsynced = false;
      if (this.syncAgain) {
        this.syncAgain = false;
        this.syncInBackground();
      }
    });
  }

  private checkUsable(op: string): void {
    if (this.fd === undefined) {
      throw new DetectiveError(
        `EventLog.${op}(${this.path}): the log is closed. Open it again with EventLog.open.`,
      );
    }
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      // A failed write was wrapped by writeBuffered; a failed background sync is a bare system error.
      const base =
        failure instanceof IoError || failure instanceof PermissionError
          ? failure
          : systemError(failure, "EventLog: cannot sync the log", this.path);
      const message =
        `EventLog.${op}: an earlier background flush failed. ${base.message} ` +
        `Buffered lines are kept and written by the next flush.`;
      if (base instanceof PermissionError) throw new PermissionError(message, base.path, base.code);
      if (base instanceof IoError) throw new IoError(message, base.path, base.code);
      throw new DetectiveError(message);
    }
  }

  /** Writes the buffered lines; with `sync` (flush, close), also `fdatasync` before returning. */
  private writeBuffered(sync = true): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.bufferedChars === 0 && this.unwritten === undefined) {
      // nothing new, but a background sync may not have covered what the timer wrote
      if (sync && this.opts.fsync && this.unsynced && this.fd !== undefined) {
        fdatasyncSync(this.fd);
        this.unsynced = false;
      }
      return;
    }
    const fresh = this.bufferedChars > 0 ? Buffer.from(this.chunks.join(""), "utf8") : undefined;
    this.chunks = [];
    this.bufferedChars = 0;
    let data: Buffer;
    if (this.unwritten && fresh) data = Buffer.concat([this.unwritten, fresh]);
    else data = (this.unwritten ?? fresh) as Buffer;
    this.unwritten = undefined;
    const fd = this.fd as number;
    let offset = 0;
    try {
      // One write for the whole batch; the loop only continues after a short write.
      while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
      this.unsynced = true;
      if (sync && this.opts.fsync) {
        fdatasyncSync(fd);
        this.unsynced = false;
      }
    } catch (err) {
      if (offset < data.length) this.unwritten = data.subarray(offset);
      throw systemError(err, "EventLog: cannot write the log", this.path);
    }
  }
}

/** Code units JSON.stringify leaves raw that terminals interpret: C1 controls, bidi controls, U+2028/9. */
const TERMINAL_UNSAFE = /[\u0080-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const TERMINAL_UNSAFE_ALL = new RegExp(TERMINAL_UNSAFE.source, "g");
const escapeCodeUnit = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** Logs are created readable and writable by their owner only. */
const LOG_FILE_MODE = 0o600;

function checkOptions(options: EventLogOptions): Required<EventLogOptions> {
  const opts = {
    flushMs: options.flushMs ?? DEFAULT_FLUSH_MS,
    fsync: options.fsync ?? true,
    maxBufferBytes: options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES,
    lock: options.lock ?? true,
    followSymlinks: options.followSymlinks ?? false,
    createFolder: options.createFolder ?? false,
  };
  if (!(opts.flushMs >= 0) || !Number.isFinite(opts.flushMs)) {
    throw new OptionError(
      `EventLog: flushMs must be a finite number of milliseconds >= 0, got ${opts.flushMs}.`,
    );
  }
  if (!(opts.maxBufferBytes >= 1)) {
    throw new OptionError(`EventLog: maxBufferBytes must be at least 1, got ${opts.maxBufferBytes}.`);
  }
  return opts;
}

/** A missing folder is a mistyped path more often than a wish: created only when asked. */
function checkFolder(path: string, create: boolean): void {
  const folder = dirname(path);
  if (create) {
    try {
      mkdirSync(folder, { recursive: true });
    } catch (err) {
      throw systemError(err, "EventLog: cannot create the folder of the log", folder);
    }
    return;
  }
  let isFolder: boolean;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw systemError(err, "EventLog: cannot reach the folder of the log", folder);
    }
    throw new ConfigError(
      `EventLog: the folder ${folder} of the log ${path} does not exist. Create it (mkdir -p ${folder}) or give another path.`,
    );
  }
  if (!isFolder) {
    throw new ConfigError(
      `EventLog: ${folder} (the folder of the log ${path}) is not a folder. Give another path.`,
    );
  }
}

/**
 * The opened log must be a regular file (or a character device such as /dev/null) owned by this
 * user (or by root): a FIFO would block or feed another reader, another user's file would let
 * them read what the monitor writes.
 */
function checkFile(fd: number, path: string): boolean {
  const st = fstatSync(fd);
  if (!st.isFile() && !st.isCharacterDevice()) {
    throw new ConfigError(
      `EventLog: ${path} is not a regular file (${describeFileKind(st)}); give the path of a log file.`,
    );
  }
  if (!st.isFile()) return false;
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid && st.uid !== 0) {
    throw new ConfigError(
      `EventLog: ${path} belongs to another user (uid ${st.uid}), who could read or replace what is written to it. ` +
        "Move it away (it may have been planted), or chown it to this user, and start again.",
    );
  }
  if (st.nlink > 1) {
    throw new ConfigError(
      `EventLog: ${path} has ${st.nlink} names (hard links); another of them may be a file the log must not ` +
        "touch (a link planted in a shared folder). Give a log file with one name.",
    );
  }
  if ((st.mode & 0o002) !== 0) {
    throw new ConfigError(
      `EventLog: ${path} is writable by every user (mode ${(st.mode & 0o777).toString(8)}), so anyone could forge ` +
        `lines in it. Make it private (chmod 600 ${path}) and start again.`,
    );
  }
  const fs = refusedFileSystem(dirname(path));
  if (fs) {
    throw new ConfigError(
      `EventLog: ${path} is on ${fs}, not a file system for logs; give a log path on a disk.`,
    );
  }
  return true;
}

/**
 * A folder on the way to the log that is a symbolic link in a folder every user may write (such
 * as /tmp), or a link another user owns, could have been planted to move the log elsewhere:
 * refused unless links are allowed. Links root set up in folders only root writes (/var/run ->
 * /run) are fine.
 */
function checkFolderLinks(path: string): void {
  const uid = process.getuid?.();
  const parts = resolve(dirname(path))
    .split(sep)
    .filter((p) => p !== "");
  let at: string = sep;
  for (const part of parts) {
    const next = join(at, part);
    let st;
    try {
      st = lstatSync(next);
    } catch {
      return; // a missing folder is checkFolder's to report
    }
    if (st.isSymbolicLink()) {
      const parentWritable = (statSync(at).mode & 0o002) !== 0;
      const foreign = uid !== undefined && st.uid !== uid && st.uid !== 0;
      if (parentWritable || foreign) {
        throw new ConfigError(
          `EventLog: ${next}, on the way to the log ${path}, is a symbolic link ${foreign ? `owned by another user (uid ${st.uid})` : `in ${at}, which every user may write`}; ` +
            "it may have been planted to move the log. Give the real path, or allow links explicitly " +
            "(followSymlinks; the CLI's --follow-symlinks).",
        );
      }
    }
    at = next;
  }
}

/**
 * Counts the lines of the open file and ends a torn last line with a newline (its bytes stay).
 * Reads the whole file once (about 1 s per GB from the page cache); rotate logs to keep it short.
 */
function repairAndCount(fd: number): EventLogRecovery {
  const size = fstatSync(fd).size;
  const buf = Buffer.allocUnsafe(Math.min(SCAN_CHUNK_BYTES, Math.max(size, 1)));
  let lines = 0;
  let lastNewline = -1;
  for (let pos = 0; pos < size;) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
    if (n === 0) break;
    for (let i = buf.indexOf(NEWLINE, 0); i >= 0 && i < n; i = buf.indexOf(NEWLINE, i + 1)) {
      lines++;
      lastNewline = pos + i;
    }
    pos += n;
  }
  const partialBytes = size - (lastNewline + 1);
  if (partialBytes === 0) return { linesAtOpen: lines, bytesAtOpen: size, partialLines: 0, partialBytes: 0 };
  writeSync(fd, "\n"); // O_APPEND: after the torn bytes, whatever they are
  fdatasyncSync(fd);
  return {
    linesAtOpen: lines + 1,
    bytesAtOpen: size + 1,
    partialLines: 1,
    partialBytes,
    partialLine: lines + 1,
  };
}

/**
 * Takes the advisory lock on the open log, or says who holds it. An open-file-description lock
 * conflicts with every other open of the file, in this process or another, and the kernel
 * releases it when the descriptor closes or its process dies.
 */
function takeLock(fd: number, path: string): void {
  if (tryLock(fd)) return;
  throw new ConfigError(
    `EventLog: ${path} is already open for appending by another writer (it holds the file's lock; ` +
      `\`fuser ${path}\` names its process). Stop that writer, or use another log path.`,
  );
}
