/**
 * DNS over TCP's framing (RFC 1035 4.2.2, RFC 7766 8): each message behind a 2-byte length, any
 * number per segment, a message across any number of segments. An unfinished message is copied
 * once into a buffer of its announced length (at most `DNS_MAX_TCP_BUFFER` bytes per direction),
 * so a message sent a byte at a time costs linear time, not quadratic.
 */

/** Largest message a length prefix announces. */
export const DNS_MAX_TCP_MESSAGE = 65_535;
/** Most bytes one direction holds: a length prefix and an unfinished message. */
export const DNS_MAX_TCP_BUFFER = 2 + DNS_MAX_TCP_MESSAGE;

/** One direction's framing state: messages out to `onMessage` as they complete. */
export class DnsFraming {
  /** The length prefix's first byte when only it arrived, else -1. */
  private high = -1;
  /** The unfinished message and how much of it arrived. */
  private buffer: Uint8Array | undefined;
  private filled = 0;

  constructor(private readonly onMessage: (msg: Uint8Array) => void) {}

  /** Whether part of a message (or of its length) is held. */
  get pending(): boolean {
    return this.high >= 0 || this.buffer !== undefined;
  }

  /** Forgets what is held (after a gap, at the end). */
  clear(): void {
    this.high = -1;
    this.buffer = undefined;
    this.filled = 0;
  }

  /** The next bytes of the stream. */
  push(bytes: Uint8Array): void {
    let o = 0;
    while (o < bytes.length) {
      if (this.buffer) {
        const n = Math.min(this.buffer.length - this.filled, bytes.length - o);
        this.buffer.set(bytes.subarray(o, o + n), this.filled);
        this.filled += n;
        o += n;
        if (this.filled === this.buffer.length) {
          const msg = this.buffer;
          this.clear();
          this.onMessage(msg);
        }
        continue;
      }
      let length: number;
      if (this.high >= 0) {
        length = (this.high << 8) | bytes[o];
        this.high = -1;
        o += 1;
      } else if (bytes.length - o >= 2) {
        length = (bytes[o] << 8) | bytes[o + 1];
        o += 2;
      } else {
        this.high = bytes[o];
        o += 1;
        continue;
      }
      if (bytes.length - o >= length) {
        // The whole message is in this piece: no copy.
        this.onMessage(bytes.subarray(o, o + length));
        o += length;
      } else {
        this.buffer = new Uint8Array(length);
        this.filled = 0;
      }
    }
  }
}
