/**
 * One HTTP message body as Zeek measures it: its length after dechunking and, for a
 * `Content-Encoding: gzip` / `x-gzip` / `deflate` body, after decompression (Zeek's HTTP analyzer
 * inflates such bodies before counting them and before file analysis sniffs their type), and the
 * first bytes kept for sniffing. Memory is bounded: compressed bytes are kept up to
 * `HTTP_MAX_INFLATE_INPUT_BYTES` (the rest is counted as it is) and the inflated output is capped.
 */
import { constants, inflateRawSync, unzipSync } from "node:zlib";
import { HTTP_SNIFF_BYTES, sniffMime } from "./httpSniff";

/** Compressed body bytes kept for inflating at the end of the message; beyond, bytes count as sent. */
export const HTTP_MAX_INFLATE_INPUT_BYTES = 1 << 20;
/** Largest inflated output computed (a bound against decompression bombs); a larger body counts as this. */
export const HTTP_MAX_INFLATE_OUTPUT_BYTES = 16 << 20;

/** How a body is encoded (Content-Encoding). */
export type BodyEncoding = "identity" | "gzip" | "deflate";

/** What a finished body gives the log. */
export interface BodyResult {
  readonly length: number;
  readonly mime: string | undefined;
  /** The compressed body could not be inflated. */
  readonly badCompression: boolean;
  /** The body inflated beyond HTTP_MAX_INFLATE_OUTPUT_BYTES (its length is then that bound). */
  readonly inflatedTooLarge: boolean;
}

export class HttpBody {
  private length = 0;
  /** Copies of the body's first bytes, HTTP_SNIFF_BYTES at most in all. */
  private readonly head: Uint8Array[] = [];
  private headLength = 0;
  private readonly compressed: Uint8Array[] = [];
  private compressedBytes = 0;
  /** Compressed bytes beyond the kept ones, or lost in gaps: counted as they are. */
  private uncounted = 0;

  /** The body's last two bytes (does it end in CR LF?). */
  private lastBytes = 0;

  /**
   * @param encoding the Content-Encoding.
   * @param byLines count as Zeek counts a multipart (or message/*) body, which its MIME reader
   *   takes in CR LF ended lines: a last line without CR LF is counted as if it had one.
   * @param sniff whether the body's type is sniffed (not for a multipart body, whose parts Zeek
   *   types one by one, nor for a range that does not start at the file's first byte).
   */
  constructor(
    private readonly encoding: BodyEncoding,
    private readonly byLines = false,
    private readonly sniff = true,
  ) {}

  /** Body bytes that arrived. */
  add(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.encoding === "identity") {
      this.length += bytes.length;
      this.keepHead(bytes);
      if (this.byLines) this.countLines(bytes);
    } else if (this.compressedBytes + bytes.length <= HTTP_MAX_INFLATE_INPUT_BYTES && this.uncounted === 0) {
      this.compressed.push(bytes.slice());
      this.compressedBytes += bytes.length;
    } else {
      this.uncounted += bytes.length;
    }
  }

  /** `n` body bytes are missing (a gap inside a body of known length): counted, as Zeek does. */
  skip(n: number): void {
    if (this.encoding === "identity") this.length += n;
    else this.uncounted += n;
  }

  private countLines(bytes: Uint8Array): void {
    const n = bytes.length;
    this.lastBytes = n >= 2 ? (bytes[n - 2] << 8) | bytes[n - 1] : ((this.lastBytes & 0xff) << 8) | bytes[0];
  }

  private keepHead(bytes: Uint8Array): void {
    const room = HTTP_SNIFF_BYTES - this.headLength;
    if (room <= 0) return;
    const take = bytes.slice(0, room);
    this.head.push(take);
    this.headLength += take.length;
  }

  /** The body's length and sniffed type. */
  finish(): BodyResult {
    let badCompression = false;
    let inflatedTooLarge = false;
    if (this.encoding !== "identity" && this.compressedBytes > 0) {
      const input = Buffer.concat(this.compressed);
      const inflated = inflate(input, this.encoding);
      if (inflated === "too large") {
        inflatedTooLarge = true;
        this.length += HTTP_MAX_INFLATE_OUTPUT_BYTES;
      } else if (inflated) {
        this.length += inflated.length;
        this.keepHead(inflated.subarray(0, HTTP_SNIFF_BYTES));
      } else {
        badCompression = true;
        this.length += input.length;
      }
    }
    this.length += this.uncounted;
    // The last line, counted with the CR LF it lacks.
    if (this.byLines && this.length > 0 && this.lastBytes !== 0x0d0a) this.length += 2;
    const mime = this.sniff ? sniffMime(Buffer.concat(this.head)) : undefined;
    return { length: this.length, mime, badCompression, inflatedTooLarge };
  }
}

const OPTIONS = { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: HTTP_MAX_INFLATE_OUTPUT_BYTES };

/** Node's error when the output would pass `maxOutputLength`. */
function tooLarge(e: unknown): boolean {
  return e instanceof RangeError || (e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
}

/**
 * Inflates a gzip or zlib stream, or raw deflate (servers that send "deflate" without the zlib
 * header); undefined when it is neither.
 */
function inflate(input: Buffer, encoding: BodyEncoding): Buffer | "too large" | undefined {
  try {
    return unzipSync(input, OPTIONS);
  } catch (e) {
    if (tooLarge(e)) return "too large";
    if (encoding !== "deflate") return undefined;
  }
  try {
    return inflateRawSync(input, OPTIONS);
  } catch (e) {
    return tooLarge(e) ? "too large" : undefined;
  }
}
