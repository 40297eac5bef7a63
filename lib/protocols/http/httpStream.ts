/**
 * One direction of an HTTP/1.x connection as a sequence of messages: a start line, header lines
 * (with continuations), then a body delimited as RFC 9112 section 6 says and as Zeek's HTTP
 * analyzer does it: chunked (HTTP/1.1 only; chunk extensions ignored, trailers read), a
 * Content-Length (or, in a 206 reply, a Content-Range), or the end of the connection. Whether a
 * message may have a body, what the start line means and what the headers mean for the log is
 * the connection's business (`HttpStreamOwner`); this class only delimits. Memory is bounded: a
 * line longer than `HTTP_MAX_LINE_BYTES` is counted and skipped, bodies are counted, not kept.
 */
import { type BodyEncoding, HttpBody } from "./httpBody";

/** Longest start or header line kept, bytes (Apache's default limit is 8190; room for long URIs). */
export const HTTP_MAX_LINE_BYTES = 16_384;

/** Whether a message may have a body (Zeek's HTTP_BODY_MAYBE / EXPECTED / NOT_EXPECTED). */
export type BodyExpectation = "maybe" | "expected" | "none";

/** What a direction's stream asks of, and tells, its connection. */
export interface HttpStreamOwner {
  /** A start line (request or status line); true when it starts a message. */
  startLine(isOrig: boolean, line: string, ts: number): boolean;
  /** A header of the current message (name upper-cased, value trimmed). */
  header(isOrig: boolean, name: string, value: string, ts: number): void;
  /** The header block ended; false stops this stream (a tunnel takes over, `rest` are its bytes). */
  headersDone(isOrig: boolean, ts: number, rest: Uint8Array): boolean;
  expectBody(isOrig: boolean): BodyExpectation;
  /** The message's HTTP version ("1.1": chunked coding applies). */
  messageVersion(isOrig: boolean): string;
  /** The server said it closes the connection (or spoke HTTP/0.9): bodies without length run to the end. */
  connectionClose(): boolean;
  /** The status code of the reply being read (206 reads Content-Range). */
  replyCode(): number;
  messageDone(isOrig: boolean, length: number, mime: string | undefined, ts: number): void;
  /** A gap outside a body of known length: the direction can no longer be parsed. */
  interrupted(isOrig: boolean, ts: number): void;
  malformed(reason: string): void;
}

type State =
  "start" | "headers" | "trailers" | "length" | "chunkSize" | "chunkData" | "chunkEnd" | "close" | "off";

const HEX = /^[ \t]*([0-9a-fA-F]+)/;

/** Zeek's atoi_n: leading digits (an optional minus), or undefined when there are none. */
function leadingInteger(text: string): number | undefined {
  const m = /^(-?)(\d+)/.exec(text);
  if (!m) return undefined;
  const n = Number(m[2]);
  return m[1] ? -n : n;
}

/** A header value's first token (what Zeek's MIME code compares: "chunked", "gzip", "close"). */
export function valueToken(value: string): string {
  const m = /^[^\s;,()<>@:\\"/[\]?={}]*/.exec(value);
  return (m ? m[0] : "").toLowerCase();
}

export class HttpStream {
  private state: State = "start";
  /** The line being read, as latin1 text (at most HTTP_MAX_LINE_BYTES). */
  private line = "";
  private skippingLine = false;
  /** The header being read (a continuation line may still extend it). */
  private headerName = "";
  private headerValue = "";
  private remaining = 0;
  private contentLength = -1;
  private rangeLength = -1;
  /** First byte of a 206 reply's range (its body is not the file's start unless 0). */
  private rangeOffset = 0;
  private chunked = false;
  private encoding: BodyEncoding = "identity";
  /** A multipart/* or message/* body (Zeek reads it line by line). */
  private multipart = false;
  private body: HttpBody | undefined;

  constructor(
    private readonly isOrig: boolean,
    private readonly owner: HttpStreamOwner,
  ) {}

  /** True while a message (its headers or body) is being read. */
  get inMessage(): boolean {
    return this.state !== "start" && this.state !== "off";
  }

  /** True while a body that runs to the end of the connection is being read. */
  get closeDelimited(): boolean {
    return this.state === "close";
  }

  /** True once the stream ignores its bytes (a tunnel, an interruption, not HTTP). */
  get stopped(): boolean {
    return this.state === "off";
  }

  /** Bytes held for an unfinished line (never more than HTTP_MAX_LINE_BYTES). */
  get buffered(): number {
    return this.line.length;
  }

  /** Ignore the rest of this direction. */
  stop(): void {
    this.state = "off";
    this.line = "";
  }

  /** A message starts without a start line or headers (an HTTP/0.9 reply: raw data to the close). */
  beginRawMessage(): void {
    this.newMessage();
    this.state = "close";
    this.body = new HttpBody("identity");
  }

  data(bytes: Uint8Array, ts: number): void {
    let pos = 0;
    while (pos < bytes.length && this.state !== "off") {
      const state = this.state;
      if (state === "length" || state === "chunkData") {
        const n = Math.min(this.remaining, bytes.length - pos);
        this.body?.add(bytes.subarray(pos, pos + n));
        this.remaining -= n;
        pos += n;
        if (this.remaining === 0) {
          if (state === "length") this.finish(ts);
          else this.state = "chunkEnd";
        }
      } else if (state === "close") {
        this.body?.add(bytes.subarray(pos));
        pos = bytes.length;
      } else {
        const nl = bytes.indexOf(10, pos);
        const end = nl < 0 ? bytes.length : nl;
        this.append(bytes, pos, end);
        if (nl < 0) return;
        pos = nl + 1;
        if (this.skippingLine) {
          this.skippingLine = false;
          continue;
        }
        const line = this.line.endsWith("\r") ? this.line.slice(0, -1) : this.line;
        this.line = "";
        this.onLine(line, ts, bytes.subarray(pos));
      }
    }
  }

  private append(bytes: Uint8Array, start: number, end: number): void {
    if (this.skippingLine) return;
    if (this.line.length + (end - start) > HTTP_MAX_LINE_BYTES) {
      this.owner.malformed(this.state === "start" ? "start line too long" : "header line too long");
      this.line = "";
      this.skippingLine = true;
      return;
    }
    this.line += Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("latin1");
  }

  private onLine(line: string, ts: number, rest: Uint8Array): void {
    switch (this.state) {
      case "start":
        if (this.owner.startLine(this.isOrig, line, ts) && this.state === "start") {
          this.newMessage();
          this.state = "headers";
        }
        return;
      case "headers":
      case "trailers":
        this.headerLine(line, ts, rest);
        return;
      case "chunkSize": {
        const m = HEX.exec(line);
        if (!m) this.owner.malformed("bad chunk size");
        const size = m ? Number.parseInt(m[1], 16) : 0;
        if (size > 0 && Number.isSafeInteger(size)) {
          this.remaining = size;
          this.state = "chunkData";
        } else {
          this.state = "trailers";
        }
        return;
      }
      case "chunkEnd":
        if (line !== "") this.owner.malformed("chunk data before CRLF");
        this.state = "chunkSize";
        return;
      default:
        return;
    }
  }

  private newMessage(): void {
    this.headerName = "";
    this.headerValue = "";
    this.contentLength = -1;
    this.rangeLength = -1;
    this.rangeOffset = 0;
    this.chunked = false;
    this.encoding = "identity";
    this.multipart = false;
    this.body = undefined;
  }

  private headerLine(line: string, ts: number, rest: Uint8Array): void {
    if ((line.startsWith(" ") || line.startsWith("\t")) && this.headerName) {
      this.headerValue += ` ${line.trim()}`;
      return;
    }
    this.flushHeader(ts);
    if (line === "") {
      this.endHeaders(ts, rest);
      return;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) {
      this.owner.malformed("bad header line");
      return;
    }
    this.headerName = line.slice(0, colon).trim().toUpperCase();
    this.headerValue = line.slice(colon + 1).trim();
  }

  private flushHeader(ts: number): void {
    if (!this.headerName) return;
    const name = this.headerName;
    const value = this.headerValue;
    this.headerName = "";
    this.headerValue = "";
    if (this.state === "trailers") return; // trailers are read, not used (as Zeek does)
    this.entityHeader(name, value);
    this.owner.header(this.isOrig, name, value, ts);
  }

  /** The headers that delimit or encode the body (Zeek's HTTP_Entity::SubmitHeader). */
  private entityHeader(name: string, value: string): void {
    if (name === "CONTENT-LENGTH") {
      const n = leadingInteger(valueToken(value) || value);
      if (n === undefined) this.owner.malformed("bad content length");
      this.contentLength = n ?? 0;
      if (this.rangeLength > this.contentLength && this.contentLength >= 0)
        this.contentLength = this.rangeLength;
    } else if (name === "CONTENT-RANGE" && !this.isOrig && this.owner.replyCode() === 206) {
      const m = /^bytes\s+(\d+)\s*-\s*(\d+)\s*\/\s*(\d+|\*)/i.exec(value);
      if (!m) {
        this.owner.malformed("bad content range");
        return;
      }
      const length = Number(m[2]) - Number(m[1]) + 1;
      if (length <= 0) {
        this.owner.malformed("non-positive content range");
        return;
      }
      this.rangeLength = length;
      this.rangeOffset = Number(m[1]);
      if (this.contentLength > 0) {
        if (this.contentLength !== length) this.owner.malformed("content range not matching length");
        if (length > this.contentLength) this.contentLength = length;
      } else {
        this.contentLength = length;
      }
    } else if (name === "TRANSFER-ENCODING") {
      if (valueToken(value) === "chunked" && this.owner.messageVersion(this.isOrig) === "1.1")
        this.chunked = true;
    } else if (name === "CONTENT-TYPE") {
      const token = valueToken(value);
      this.multipart = token === "multipart" || token === "message";
    } else if (name === "CONTENT-ENCODING") {
      const token = valueToken(value);
      if (token === "gzip" || token === "x-gzip") this.encoding = "gzip";
      else if (token === "deflate") this.encoding = "deflate";
    }
  }

  /** The end of the header block: how the body is delimited (Zeek's HTTP_Entity::SubmitAllHeaders). */
  private endHeaders(ts: number, rest: Uint8Array): void {
    if (this.state === "trailers") {
      this.finish(ts);
      return;
    }
    if (!this.owner.headersDone(this.isOrig, ts, rest)) {
      this.stop();
      return;
    }
    if (this.state !== "headers") return; // the owner ended or stopped the message
    const expect = this.owner.expectBody(this.isOrig);
    this.body = new HttpBody(this.encoding, this.multipart, !this.multipart && this.rangeOffset === 0);
    if (expect === "none") this.finish(ts);
    else if (this.chunked) this.state = "chunkSize";
    else if (this.contentLength > 0) {
      this.remaining = this.contentLength;
      this.state = "length";
    } else if (this.contentLength === 0) this.finish(ts);
    else if (this.owner.connectionClose() || this.encoding !== "identity" || expect === "expected") {
      this.state = "close";
    } else this.finish(ts);
  }

  /** The message is complete (or cut short): its body goes to the owner. */
  finish(ts: number): void {
    if (!this.inMessage) return;
    const result = (this.body ?? new HttpBody("identity")).finish();
    if (result.badCompression) this.owner.malformed("bad compressed body");
    if (result.inflatedTooLarge) this.owner.malformed("inflated body too large");
    this.body = undefined;
    this.state = "start";
    this.owner.messageDone(this.isOrig, result.length, result.mime, ts);
  }

  /** `length` bytes are missing: skipped inside a body of known length, else the direction stops. */
  gap(length: number, ts: number): void {
    if (this.state === "off") return;
    if ((this.state === "length" || this.state === "chunkData") && this.remaining >= length) {
      this.body?.skip(length);
      this.remaining -= length;
      if (this.remaining === 0) {
        if (this.state === "length") this.finish(ts);
        else this.state = "chunkEnd";
      }
      return;
    }
    this.owner.malformed("content gap");
    this.owner.interrupted(this.isOrig, ts);
  }
}
