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
