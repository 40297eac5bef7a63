/**
 * Error classes, one per kind of failure, so callers (notebooks, the monitor) can tell bad input
 * from a bug. Every message says what went wrong, the values involved, and what to do.
 */

/** Base class of every error Detective throws on purpose. */
export class DetectiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A dataset file does not match the manifest (checksum, row count) or cannot be obtained. */
export class DataError extends DetectiveError {}

/** The decompressed content of a file does not hash to the manifest's SHA-256. */
export class ChecksumError extends DataError {}

/** Input that does not follow the expected format (wrong field count, non-numeric value, bad gzip). */
export class ParseError extends DataError {}

/** A label or category outside the schema (e.g. an attack name missing from the category map). */
export class SchemaError extends DataError {}

/** A method that needs fitted state was called before `fit`. */
export class NotFittedError extends DetectiveError {}

/** Matrix or table dimensions that do not agree (e.g. column counts at fit vs transform time). */
export class ShapeError extends DetectiveError {}

/** An option outside its valid range; the message quotes the allowed values and the value received. */
export class OptionError extends DetectiveError {}

/**
 * A file whose integrity or authenticity check failed: a model bundle whose checksum does not match
 * its content, or whose signature is missing, wrong or made with another key.
 */
export class IntegrityError extends SchemaError {}

/*
 * Errors of the running system (the monitor, its sources and event logs). A caller tells them
 * apart with `instanceof`: fix the input, fix the setup, fix the permissions, or retry / free space.
 * OptionError stays the error for a value outside its valid range (fix the argument); ConfigError
 * is for valid values that do not work together or with the machine (a port in use, a log another
 * process holds, a bundle that cannot stream): change the configuration.
 */

/** Data received at run time that is not what it should be (a malformed event line, an unparsable record). */
export class InputError extends DetectiveError {}

/** Valid options that conflict with each other or with the machine (a port in use, a log locked by another process). */
export class ConfigError extends DetectiveError {}

/** A system error carried with the file (or address) it concerns. */
interface SystemErrorFields {
  /** The file, folder or address the operation was on. */
  readonly path: string;
  /** The system error code, e.g. "EACCES", "ENOSPC". */
  readonly code: string;
}

/** The process may not do this to `path` (EACCES, EPERM, EROFS): the message names the path and what to do. */
export class PermissionError extends DetectiveError implements SystemErrorFields {
  constructor(
    message: string,
    readonly path: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Reading or writing failed for a reason of the machine (ENOSPC, EIO, EMFILE, ...): the message names the path and the code. */
export class IoError extends DetectiveError implements SystemErrorFields {
  constructor(
    message: string,
    readonly path: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const PERMISSION_CODES = new Set(["EACCES", "EPERM", "EROFS"]);

/** What to do about a system error code, in a few words. */
function remedy(code: string): string {
  switch (code) {
    case "EACCES":
    case "EPERM":
      return "Give this user write access to it (or run as a user who has it), or choose a path you own.";
    case "EROFS":
      return "The file system is read-only: choose a path on a writable one.";
    case "ENOSPC":
    case "EDQUOT":
      return "The disk (or quota) is full: free space or choose another disk.";
    case "EMFILE":
    case "ENFILE":
      return "Too many open files: close some, or raise the limit (ulimit -n).";
    case "ENOTDIR":
    case "EISDIR":
    case "ENOENT":
      return "Check the path: a folder is missing or a file stands where a folder should be.";
    default:
      return "Check the disk and the path, then try again.";
  }
}

/**
 * Wraps a Node.js system error (`err.code`) as a PermissionError (EACCES, EPERM, EROFS) or an
 * IoError (anything else), with a one-line message: what failed, on which path, and what to do.
 * An error without a code is returned as it is (a bug, not the machine).
 * @example
 * try { openSync("/root/alerts.jsonl", "a") } catch (err) { throw systemError(err, "cannot open the log", "/root/alerts.jsonl") }
 * // PermissionError: cannot open the log /root/alerts.jsonl (EACCES). Give this user write access ...
 */
export function systemError(err: unknown, what: string, path: string): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== "string") return err as Error;
  const message = `${what} ${path} (${code}). ${remedy(code)}`;
  return PERMISSION_CODES.has(code)
    ? new PermissionError(message, path, code)
    : new IoError(message, path, code);
}
