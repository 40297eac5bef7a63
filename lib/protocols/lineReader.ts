/**
 * Text lines out of a byte stream (CRLF or LF ended, latin1), for line-based protocols (FTP, SMTP,
 * HTTP headers). Memory is bounded: a line longer than `maxLineBytes` is reported once as too long
 * and skipped up to its end, so a peer that never sends a newline cannot grow the buffer.
 */

/** Default longest line kept, bytes (FTP and SMTP allow 512; HTTP servers commonly 8 KiB). */
export const MAX_PROTOCOL_LINE_BYTES = 8192;

export class LineReader {
  private pending = "";
  /** Inside an over-long line: drop bytes until its end. */
  private skipping = false;

  /**
   * @param onLine receives each complete line without its CR LF.
   * @param onTooLong is called once per line longer than `maxLineBytes`.
   * @param maxLineBytes longest line kept, bytes (default MAX_PROTOCOL_LINE_BYTES).
   */
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onTooLong: () => void,
    readonly maxLineBytes = MAX_PROTOCOL_LINE_BYTES,
  ) {}

  /** Bytes held for an unfinished line (never more than `maxLineBytes`). */
  get buffered(): number {
    return this.pending.length;
  }

  push(bytes: Uint8Array): void {
    let start = 0;
    while (start < bytes.length) {
      const nl = bytes.indexOf(10, start);
      const end = nl < 0 ? bytes.length : nl;
      if (!this.skipping) {
        if (this.pending.length + (end - start) > this.maxLineBytes) {
          this.onTooLong();
          this.pending = "";
          this.skipping = true;
        } else {
          this.pending += Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("latin1");
        }
      }
      if (nl < 0) return;
      if (!this.skipping) {
        const line = this.pending.endsWith("\r") ? this.pending.slice(0, -1) : this.pending;
        this.pending = "";
        this.onLine(line);
      }
      this.skipping = false;
      start = nl + 1;
    }
  }

  /** Bytes were lost: the line in progress cannot be trusted, so it is dropped up to its end. */
  gap(): void {
    this.pending = "";
    this.skipping = true;
  }
}
