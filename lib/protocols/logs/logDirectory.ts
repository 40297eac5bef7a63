/**
 * A folder of Zeek-style logs (`conn.log`, `dns.log`, ...) in Zeek's tab-separated format or as
 * JSON lines. By default each log is written into a private staging folder inside the target
 * folder (made by this process, mode 0700) and moved into place by `close`, so a reader never sees
 * half a log and no planted link is written through; `abort` removes what was staged. A `live`
 * folder (the monitor's) appends to the logs in place instead, opened without following links,
 * with a header block per run, so they can be read (and tailed) while the monitor runs.
 */
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError, systemError } from "../../core/errors";
import { checkOutputFileSystem, checkOutputTarget, OUTPUT_FILE_MODE } from "../../core/outputFile";
import type { LogSink } from "./protocolLogs";
import { jsonLine, type LogRow, type LogSchema, tsvFooter, tsvHeader, tsvLine } from "./zeekLog";

/** `tsv` is Zeek's default ASCII format; `json` one object per line (Zeek's `LogAscii::use_json`). */
export type LogFormat = "tsv" | "json";

export const LOG_FORMATS: readonly LogFormat[] = ["tsv", "json"];

/** Bytes buffered per log before a write. */
const FLUSH_BYTES = 1 << 16;

interface OpenLog {
  readonly schema: LogSchema;
  readonly fd: number;
  /** The staged file (moved into place by `close`), or "" for a live log. */
  readonly staged: string;
  buffer: string;
}

export interface LogDirectoryOptions {
  /** Append to the logs in place as rows come (the monitor) instead of moving whole logs in at `close`. Default false. */
  live?: boolean;
}

export class LogDirectory implements LogSink {
  private readonly logs = new Map<string, OpenLog>();
  private readonly staging: string;
  private readonly opened = new Date();
  private closed = false;
  private readonly live: boolean;

  /**
   * @throws ConfigError when `folder` is on /proc, /sys or /dev; PermissionError or IoError when it
   *   cannot be made.
   */
  constructor(
    readonly folder: string,
    readonly format: LogFormat = "tsv",
    options: LogDirectoryOptions = {},
  ) {
    this.live = options.live ?? false;
    const abs = resolve(folder);
    try {
      mkdirSync(abs, { recursive: true });
    } catch (err) {
      throw systemError(err, "cannot make the log folder", abs);
    }
    checkOutputFileSystem(abs, "log folder", abs);
    if (this.live) {
      this.staging = "";
      return;
    }
    try {
      this.staging = mkdtempSync(join(abs, ".logs."));
    } catch (err) {
      throw systemError(err, "cannot write in the log folder", abs);
    }
  }

  /** The file a log ends up in. */
  fileOf(path: string): string {
    return join(resolve(this.folder), `${path}.log`);
  }

  write(schema: LogSchema, row: LogRow): void {
    if (this.closed)
      throw new ConfigError(`the log folder ${this.folder} is closed; open a new LogDirectory.`);
    let log = this.logs.get(schema.path);
    if (!log) {
      checkOutputTarget(this.fileOf(schema.path), "log");
      const staged = this.live ? "" : join(this.staging, `${schema.path}.log`);
      const flags =
        constants.O_WRONLY |
        constants.O_CREAT |
        (this.live ? constants.O_APPEND : constants.O_EXCL) |
        (constants.O_NOFOLLOW ?? 0);
      let fd: number;
      try {
        fd = openSync(this.live ? this.fileOf(schema.path) : staged, flags, OUTPUT_FILE_MODE);
        if (!fstatSync(fd).isFile()) {
          closeSync(fd);
          throw new ConfigError(
            `the log ${this.fileOf(schema.path)} is not a regular file; remove it or choose another folder.`,
          );
        }
      } catch (err) {
        if (err instanceof ConfigError) throw err;
        throw systemError(err, "cannot open the log", this.fileOf(schema.path));
      }
      log = { schema, fd, staged, buffer: this.format === "tsv" ? tsvHeader(schema, this.opened) : "" };
      this.logs.set(schema.path, log);
    }
    log.buffer += this.format === "tsv" ? tsvLine(log.schema, row) : jsonLine(log.schema, row);
    if (log.buffer.length >= FLUSH_BYTES) this.flush(log);
  }

  private flush(log: OpenLog): void {
    const bytes = Buffer.from(log.buffer, "latin1");
    log.buffer = "";
    try {
      for (let done = 0; done < bytes.length;) done += writeSync(log.fd, bytes, done, bytes.length - done);
    } catch (err) {
      throw systemError(err, "cannot write the log", this.fileOf(log.schema.path));
    }
  }

  /** Writes what is buffered (a live folder's timer calls it, so rows reach the files within its period). */
  flushAll(): void {
    for (const log of this.logs.values()) if (log.buffer.length > 0) this.flush(log);
  }

  /** Finishes every log (Zeek's `#close` line) and moves it into the folder; returns the files written. */
  close(): string[] {
    if (this.closed) return [];
    const files: string[] = [];
    try {
      for (const log of this.logs.values()) {
        if (this.format === "tsv") log.buffer += tsvFooter(new Date());
        this.flush(log);
        fsyncSync(log.fd);
        closeSync(log.fd);
        if (!this.live) renameSync(log.staged, this.fileOf(log.schema.path));
        files.push(this.fileOf(log.schema.path));
      }
    } catch (err) {
      this.abort();
      throw systemError(err, "cannot finish the logs", this.folder);
    }
    this.closed = true;
    if (!this.live) rmSync(this.staging, { recursive: true, force: true });
    return files;
  }

  /** Drops every log not yet moved into place (a live folder keeps what it wrote). */
  abort(): void {
    this.closed = true;
    for (const log of this.logs.values()) {
      try {
        closeSync(log.fd);
      } catch {
        // closed already
      }
    }
    if (!this.live) rmSync(this.staging, { recursive: true, force: true });
  }
}
