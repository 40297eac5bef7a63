/**
 * HTTP/1.x over reassembled TCP streams, with Zeek's http.log as the result: requests and
 * replies are read per direction (`HttpStream`), pipelined requests are matched to replies in
 * order, and each pair becomes one `HttpRecord` when its reply is complete (or when the
 * connection ends). The pairing follows Zeek's base/protocols/http/main.zeek (pending records by
 * request and reply number, `trans_depth` counting the records of the connection, a 1xx reply
 * kept in the record of its final reply), and the reading follows Zeek's HTTP analyzer (HTTP.cc),
 * so odd traffic (HTTP/0.9, a reply before any request, cruft after a request) gives Zeek's
 * records. After a 200 reply to CONNECT the rest of the connection is a tunnel, handed to the
 * "ssl" parser when one is registered.
 */
import type { Direction } from "../../flows/flowTable";
import type { ParserContext, ParserInstance, ProbeContext, ProtocolParser } from "../parser";
import { HTTP_LOG } from "./httpLog";
import { parseRequestLine, parseStatusLine, unescapeUri } from "./httpRequestLine";
import { type BodyExpectation, HttpStream, type HttpStreamOwner, valueToken } from "./httpStream";
import { HTTP_MAX_PENDING_REQUESTS, HttpTransactions } from "./httpTransactions";

export type { HttpRecord } from "./httpLog";
export { HTTP_LOG } from "./httpLog";
export { HTTP_CAPTURE_PASSWORD, HTTP_MAX_PENDING_REQUESTS } from "./httpTransactions";

/** Bytes of a first payload the probe reads (one request or status line). */
export const HTTP_PROBE_BYTES = 2048;

/** Off its ports: a whole request line with a version, or a status line. */
const REQUEST_LINE = /^[A-Z][A-Z_-]{2,19} [^\s]+ HTTP\/\d\.\d\r?\n/;
const STATUS_LINE = /^HTTP\/\d\.\d \d{3}[ \r\n]/;
/** On its ports: an upper-case method and a space, or a line that ends in a version. */
const METHOD_START = /^[A-Z]{2,20}[ \t]+\S/;
const VERSION_END = / HTTP\/\d\.\d\s*(\n|$)/;

function head(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, HTTP_PROBE_BYTES)).toString(
    "latin1",
  );
}

function firstLine(text: string): string {
  const nl = text.indexOf("\n");
  return nl < 0 ? text : text.slice(0, nl + 1);
}

/** The HTTP parser: TCP 80, 8080 and friends, or any TCP flow that starts with a request or status line. */
export const httpParser: ProtocolParser = {
  name: "http",
  transports: ["tcp"],
  ports: [80, 81, 631, 1080, 3128, 8000, 8008, 8080, 8888],
  log: HTTP_LOG,
  probe(first: Uint8Array, dir: Direction, { onPort }: ProbeContext): boolean {
    if (first.length < 4) return false;
    if (dir === "resp") {
      if (first[0] !== 0x48) return false; // "H"
      const text = head(first);
      return onPort ? text.startsWith("HTTP/") : STATUS_LINE.test(text);
    }
    if (!onPort) return first[0] >= 0x41 && first[0] <= 0x5a && REQUEST_LINE.test(head(first));
    const line = firstLine(head(first));
    return METHOD_START.test(line) || VERSION_END.test(line);
  },
  create(context: ParserContext): ParserInstance {
    return new HttpFlow(context);
  },
};

/** One connection: both directions' streams and the pending records (Zeek's HTTP::State). */
class HttpFlow implements ParserInstance, HttpStreamOwner {
  done = false;
  private readonly orig: HttpStream;
  private readonly resp: HttpStream;
  /** The records (Zeek's script-level state). */
  private readonly log: HttpTransactions;
  /** Methods of requests not yet answered (a reply to HEAD has no body). */
  private readonly unanswered: string[] = [];
  private numRequests = 0;
  private keepAlive = false;
  private closing = false;
  private connectRequest = false;
  private requestVersion = "";
  private replyVersion = "";
  private code = 0;
  private upgradeConnection = false;
  private upgradeProtocol = "";
  /** The last request was HTTP/0.9: the server's next bytes are a raw reply. */
  private http09Reply = false;
  /** A request or reply was read: the connection speaks HTTP (Zeek's analyzer confirmation). */
  private confirmed = false;
  /** The connection ended and the pending records are out. */
  private finished = false;
  /** Time of the latest bytes (a gap's messages are done then). */
  private lastTs = 0;

  constructor(private readonly ctx: ParserContext) {
    this.orig = new HttpStream(true, this);
    this.resp = new HttpStream(false, this);
    this.log = new HttpTransactions(ctx);
  }

  data(dir: Direction, bytes: Uint8Array, ts: number): void {
    if (this.done) return;
    this.lastTs = ts;
    if (dir === "orig") {
      this.orig.data(bytes, ts);
      return;
    }
    if (this.http09Reply && !this.resp.stopped) this.beginHttp09Reply(ts);
    this.resp.data(bytes, ts);
  }

  gap(dir: Direction, length: number): void {
    if (this.done) return;
    (dir === "orig" ? this.orig : this.resp).gap(length, this.lastTs);
  }

  end(ts: number): void {
    if (this.finished) return;
    this.finished = true;
    this.lastTs = ts;
    // Each side's message ends with its close. A reply that runs to the close ends first (its
    // server closed), so a request still open then is done after it, in a record of its own, as
    // Zeek writes it; otherwise the client's side is taken first.
    if (this.resp.closeDelimited) {
      this.resp.finish(ts);
      this.orig.finish(ts);
    } else {
      this.orig.finish(ts);
      this.resp.finish(ts);
    }
    this.log.writePending();
    this.done = true;
  }

  // --- What the streams ask (Zeek's HTTP analyzer) ---

  startLine(isOrig: boolean, line: string, ts: number): boolean {
    return isOrig ? this.requestLine(line, ts) : this.statusLine(line, ts);
  }

  private requestLine(line: string, ts: number): boolean {
    const r = parseRequestLine(line);
    if (typeof r === "string") {
      if (this.numRequests > 0 && !this.keepAlive) {
        this.ctx.malformed("crud trailing request");
      } else if (line === "") {
        this.ctx.malformed("empty request");
      } else {
        this.ctx.malformed(r);
        this.violation(true, ts);
      }
      return false;
    }
    if (r.missingUri) this.ctx.malformed("missing uri");
    this.confirmed = true;
    this.numRequests++;
    this.setVersion("request", r.version);
    this.unanswered.push(r.method);
    if (this.unanswered.length > HTTP_MAX_PENDING_REQUESTS) this.unanswered.shift();
    if (r.method.toUpperCase() === "CONNECT") this.connectRequest = true;
    this.log.request(r.method, unescapeUri(r.uri), r.version, ts);
    if (r.version === "0.9") {
      // HTTP/0.9: the reply is raw data up to the close (a reply still being read ends then).
      this.http09Reply = true;
    }
    return true;
  }

  private beginHttp09Reply(ts: number): void {
    this.http09Reply = false;
    this.resp.finish(ts);
    if (this.unanswered.length > 0) this.confirmed = true;
    this.setVersion("reply", "0.9");
    this.closing = true;
    this.code = 0;
    this.log.reply("0.9", 0, "<empty>", ts);
    this.resp.beginRawMessage();
  }

  private statusLine(line: string, ts: number): boolean {
    if (line === "") return false;
    const s = parseStatusLine(line);
    if (!s) {
      this.ctx.malformed("bad reply line");
      this.violation(false, ts);
      return false;
    }
    if (this.unanswered.length > 0) this.confirmed = true;
    this.setVersion("reply", s.version);
    this.code = s.code;
    if (this.connectRequest && s.code !== 200) this.connectRequest = false;
    this.log.reply(s.version, s.code, s.reason, ts);
    return true;
  }

  /**
   * A line that is not HTTP where a request or status line belongs. Zeek stops reading that side;
   * once the connection was confirmed as HTTP, the analyzer is removed (both sides end, what is
   * pending is written at the close).
   */
  private violation(isOrig: boolean, ts: number): void {
    if (!this.confirmed) {
      (isOrig ? this.orig : this.resp).stop();
      if (this.orig.stopped && this.resp.stopped) this.done = true;
      return;
    }
    this.orig.finish(ts);
    this.resp.finish(ts);
    this.orig.stop();
    this.resp.stop();
    this.done = true;
  }

  private setVersion(which: "request" | "reply", version: string): void {
    if (which === "request") this.requestVersion = version;
    else this.replyVersion = version;
    if (version === "1.1" || Number(version) > 1) this.keepAlive = true;
  }

  header(isOrig: boolean, name: string, value: string, ts: number): void {
    if (name === "CONNECTION") {
      const token = valueToken(value);
      if (isOrig && token === "keep-alive") this.keepAlive = true;
      if (!isOrig && token === "close") this.closing = true;
      if (!isOrig && token === "upgrade") this.upgradeConnection = true;
    }
    if (!isOrig && name === "UPGRADE") this.upgradeProtocol = valueToken(value);
    this.log.header(isOrig, name, value, ts);
  }

  headersDone(isOrig: boolean, ts: number, rest: Uint8Array): boolean {
    if (isOrig || !this.connectRequest) return true;
    // A 200 reply to CONNECT: the rest of the connection is the tunnelled protocol.
    this.resp.finish(ts);
    this.orig.stop();
    this.log.writePending();
    this.finished = true;
    this.done = true;
    this.ctx.handOver("ssl", "resp", rest);
    return false;
  }

  expectBody(isOrig: boolean): BodyExpectation {
    if (isOrig) return "maybe";
    if (this.unanswered[0]?.toUpperCase() === "HEAD") return "none";
    if ((this.code >= 100 && this.code < 200) || this.code === 204 || this.code === 304) return "none";
    return "expected";
  }

  messageVersion(isOrig: boolean): string {
    return isOrig ? this.requestVersion : this.replyVersion;
  }

  connectionClose(): boolean {
    return this.closing;
  }

  replyCode(): number {
    return this.code;
  }

  messageDone(isOrig: boolean, length: number, mime: string | undefined, ts: number): void {
    this.log.messageDone(isOrig, length, mime, ts);
    if (isOrig) return;
    if ((this.code < 100 || this.code >= 200) && this.unanswered.length > 0) this.unanswered.shift();
    if (this.code === 101 && this.upgradeConnection && this.upgradeProtocol) {
      // An upgraded connection (WebSocket, h2c): no more HTTP/1.x on it.
      this.orig.stop();
      this.resp.stop();
      this.done = true;
    }
    this.code = 0;
    this.upgradeConnection = false;
    this.upgradeProtocol = "";
  }

  interrupted(isOrig: boolean, ts: number): void {
    // Zeek: a gap on the client's side ends both messages (whether a reply has a body depends on
    // its request); on the server's side only the reply. The direction is not read any more.
    if (isOrig) {
      this.orig.finish(ts);
      this.orig.stop();
    }
    this.resp.finish(ts);
    this.resp.stop();
    if (this.orig.stopped) this.done = true;
  }

  malformed(reason: string): void {
    this.ctx.malformed(reason);
  }
}
