/**
 * The top-level header block of a mail message (RFC 5322 2.2), line by line: a line starting with
 * white space continues the header before it (folding; Zeek's MIME analyzer joins the lines
 * as they are, the fold's white space kept), an empty line ends the block (so does a line that is
 * not a header, counted: some senders leave the empty line out). Only the top-level
 * headers matter to smtp.log (Zeek stops at the first nested entity), so the body is ignored.
 * Memory is bounded: a header longer than `SMTP_MAX_HEADER_BYTES` is cut there and counted.
 */

/** Longest header (folded lines joined) kept, bytes; the rest is dropped and counted. */
export const SMTP_MAX_HEADER_BYTES = 16384;

export class MailHeaders {
  private current: string | undefined;
  private inHeaders = true;
  private cut = false;

  /**
   * @param onHeader receives each header: its name upper-cased, its value without leading white space.
   * @param malformed counts malformed input by reason.
   */
  constructor(
    private readonly onHeader: (name: string, value: string) => void,
    private readonly malformed: (reason: string) => void,
  ) {}

  /** One line of the message (without CR LF, dot-stuffing removed). */
  line(line: string): void {
    if (!this.inHeaders) return;
    if (line === "") {
      this.finish();
      this.inHeaders = false;
      return;
    }
    if (line[0] === " " || line[0] === "\t") {
      if (this.current === undefined) {
        this.malformed("header continuation without header");
        return;
      }
      if (this.current.length + line.length > SMTP_MAX_HEADER_BYTES) {
        if (!this.cut) this.malformed("header too long");
        this.cut = true;
        return;
      }
      this.current += line;
      return;
    }
    this.finish();
    if (!line.includes(":")) {
      // Not a header: the sender left out the empty line, and the body starts here.
      this.malformed("header without colon");
      this.inHeaders = false;
      return;
    }
    if (line.length > SMTP_MAX_HEADER_BYTES) {
      this.malformed("header too long");
      this.current = line.slice(0, SMTP_MAX_HEADER_BYTES);
      this.cut = true;
      return;
    }
    this.current = line;
  }

  /** The message ended (or was cut off): the header in progress is complete. */
  finish(): void {
    const header = this.current;
    this.current = undefined;
    this.cut = false;
    if (header === undefined) return;
    const colon = header.indexOf(":");
    if (colon <= 0) {
      this.malformed("header without colon");
      return;
    }
    const name = header.slice(0, colon).trim().toUpperCase();
    const value = header.slice(colon + 1).replace(/^[ \t]+/, "");
    this.onHeader(name, value);
  }
}
