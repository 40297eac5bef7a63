/**
 * The TLS record layer of one direction (RFC 8446 section 5.1, RFC 5246 section 6.2): splits the
 * reassembled byte stream into records whatever the segment boundaries, hands plaintext records
 * over whole and encrypted ones as a length only (their bytes are skipped, not kept), and the
 * handshake messages inside plaintext records reassembled across records (RFC 8446 section 5.1:
 * a message may span records, a record may hold several). Memory per direction is bounded by
 * SSL_MAX_RECORD_BYTES and SSL_MAX_HANDSHAKE_BYTES whatever the stream holds.
 */

/** Bytes of a record header: content type, version, length. */
export const TLS_RECORD_HEADER_BYTES = 5;
/**
 * Longest record body accepted: TLSCiphertext's limit of 2^14 + 2048 bytes (RFC 5246 6.2.3); a
 * longer length means the stream is not (or no longer) TLS.
 */
export const SSL_MAX_RECORD_BYTES = 16_384 + 2_048;
/**
 * Longest handshake message kept for parsing. Hellos are far shorter (a post-quantum key share
 * makes a ClientHello about 1.8 kB); a longer message (a large certificate chain) is skipped, its
 * type still counted in the history.
 */
export const SSL_MAX_HANDSHAKE_BYTES = 65_536;
/** Bytes of a handshake message header: type and 24-bit length. */
const HANDSHAKE_HEADER_BYTES = 4;

/** What the record layer of a direction reports. */
export interface RecordSink {
  /**
   * A record header was read: returns "keep" to receive the body whole (`record`), "skip" to have
   * it skipped (`skipped` once past), or "stop" to read no more of this direction.
   */
  header(type: number, version: number, length: number, head: Uint8Array): "keep" | "skip" | "stop";
  record(type: number, version: number, body: Uint8Array): void;
  skipped(type: number, version: number, length: number): void;
}

/** Splits one direction's stream into records. */
export class RecordReader {
  private readonly head = new Uint8Array(TLS_RECORD_HEADER_BYTES);
  private headFill = 0;
  private body: Uint8Array | undefined;
  private bodyFill = 0;
  private skip = 0;
  private type = 0;
  private version = 0;
  private length = 0;
  private stopped = false;

  constructor(private readonly sink: RecordSink) {}

  /** True while a record is partly read (the stream ended or broke inside it). */
  get partial(): boolean {
    return this.headFill > 0 || this.body !== undefined || this.skip > 0;
  }

  /** Stops reading (a protocol violation or a gap). */
  stop(): void {
    this.stopped = true;
  }

  push(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length && !this.stopped) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, bytes.length - i);
        this.skip -= n;
        i += n;
        if (this.skip === 0) this.sink.skipped(this.type, this.version, this.length);
      } else if (this.body) {
        const n = Math.min(this.body.length - this.bodyFill, bytes.length - i);
        this.body.set(bytes.subarray(i, i + n), this.bodyFill);
        this.bodyFill += n;
        i += n;
        if (this.bodyFill === this.body.length) {
          const body = this.body;
          this.body = undefined;
          this.sink.record(this.type, this.version, body);
        }
      } else {
        const n = Math.min(TLS_RECORD_HEADER_BYTES - this.headFill, bytes.length - i);
        this.head.set(bytes.subarray(i, i + n), this.headFill);
        this.headFill += n;
        i += n;
        if (this.headFill === TLS_RECORD_HEADER_BYTES) this.startRecord();
      }
    }
  }

  private startRecord(): void {
    this.headFill = 0;
    const h = this.head;
    this.type = h[0];
    this.version = (h[1] << 8) | h[2];
    // An SSLv2 record (high bit of the first byte): 2-byte length, which counts the 3 header bytes
    // read past it (message type and version) that the sink finds in `head`.
    this.length = h[0] & 0x80 ? Math.max(0, (((h[0] & 0x7f) << 8) | h[1]) - 3) : (h[3] << 8) | h[4];
    const action = this.sink.header(this.type, this.version, this.length, h);
    if (action === "stop") {
      this.stopped = true;
    } else if (this.length === 0) {
      if (action === "keep") this.sink.record(this.type, this.version, new Uint8Array(0));
      else this.sink.skipped(this.type, this.version, 0);
    } else if (action === "keep") {
      this.body = new Uint8Array(this.length);
      this.bodyFill = 0;
    } else {
      this.skip = this.length;
    }
  }
}

/** Reassembles handshake messages from the bodies of one direction's handshake records. */
export class HandshakeReader {
  /** Bytes held (a message's start), `fill` of them used; grown by doubling, so appends stay linear. */
  private buffer = new Uint8Array(0);
  private fill = 0;
  /** Bytes of an oversized message still to skip. */
  private skip = 0;

  constructor(
    private readonly onMessage: (type: number, body: Uint8Array) => void,
    private readonly onOversized: (type: number, length: number) => void,
  ) {}

  /** True while a message is partly read. */
  get partial(): boolean {
    return this.fill > 0 || this.skip > 0;
  }

  push(bytes: Uint8Array): void {
    let data = bytes;
    if (this.skip > 0) {
      const n = Math.min(this.skip, data.length);
      this.skip -= n;
      data = data.subarray(n);
    }
    if (data.length === 0) return;
    this.append(data);
    // Nothing to parse until the pending message is whole (its header says how long it is).
    if (this.fill >= HANDSHAKE_HEADER_BYTES && this.fill < this.needed()) return;
    let at = 0;
    while (this.fill - at >= HANDSHAKE_HEADER_BYTES) {
      const b = this.buffer;
      const type = b[at];
      const length = (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
      const have = this.fill - at - HANDSHAKE_HEADER_BYTES;
      if (length > SSL_MAX_HANDSHAKE_BYTES) {
        this.onOversized(type, length);
        if (have >= length) {
          at += HANDSHAKE_HEADER_BYTES + length;
          continue;
        }
        this.skip = length - have;
        at = this.fill;
        break;
      }
      if (have < length) break;
      this.onMessage(type, b.subarray(at + HANDSHAKE_HEADER_BYTES, at + HANDSHAKE_HEADER_BYTES + length));
      at += HANDSHAKE_HEADER_BYTES + length;
    }
    // Keep the rest at the front (a copy: the message handed out above may still be read).
    const rest = this.buffer.slice(at, this.fill);
    this.buffer = rest;
    this.fill = rest.length;
  }

  /** Bytes the buffered message needs in all (header and body). */
  private needed(): number {
    const b = this.buffer;
    const length = (b[1] << 16) | (b[2] << 8) | b[3];
    return length > SSL_MAX_HANDSHAKE_BYTES ? HANDSHAKE_HEADER_BYTES : HANDSHAKE_HEADER_BYTES + length;
  }

  private append(data: Uint8Array): void {
    if (this.fill + data.length > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.fill + data.length, this.buffer.length * 2, 256));
      grown.set(this.buffer.subarray(0, this.fill));
      this.buffer = grown;
    }
    this.buffer.set(data, this.fill);
    this.fill += data.length;
  }
}
