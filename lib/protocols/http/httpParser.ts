/**
 * HTTP/1.x: today the request line and Host header of each request that starts a piece of the
 * originator's stream, one `HttpRecord` per request. Until TCP reassembly (issue 16) a request is
 * recognised when a segment starts with its request line, which is how clients send them; bodies,
 * pipelining across segments and responses come with it.
 */
import type { Direction } from "../../flows/flowTable";
import type { ParserContext, ParserInstance, ProtocolParser, ProtocolRecord } from "../parser";

/** An HTTP request, named as in Zeek's http.log. */
export interface HttpRecord extends ProtocolRecord {
  readonly protocol: "http";
  readonly method: string;
  readonly uri: string;
  readonly version: string;
  /** The Host header, undefined when the request has none. */
  readonly host: string | undefined;
}

/** Bytes of a request head read for the request line and Host (an upper bound of the work per segment). */
export const HTTP_MAX_HEAD_BYTES = 2048;
/** Shortest request line: "GET / HTTP/1.0\r\n". */
const MIN_REQUEST_BYTES = 16;

const REQUEST_LINE = /^(GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH|CONNECT) (\S+) HTTP\/(1\.[01])\r\n/;
const METHOD_TOKEN = /^(GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH|CONNECT) /;
const HOST = /\r\nHost: *([^\r\n]+)/i;
const STATUS_LINE = /^HTTP\/1\.[01] \d{3} /;

function head(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, HTTP_MAX_HEAD_BYTES)).toString(
    "latin1",
  );
}

/** Could `bytes` start a request (cheap test before decoding text)? An upper-case first letter and room for a request line. */
function mayBeRequest(bytes: Uint8Array): boolean {
  return bytes.length >= MIN_REQUEST_BYTES && bytes[0] >= 0x41 && bytes[0] <= 0x5a;
}

/** The HTTP parser: TCP 80, 8080 and friends, or any TCP flow that starts with a request or status line. */
export const httpParser: ProtocolParser = {
  name: "http",
  transports: ["tcp"],
  ports: [80, 8000, 8008, 8080, 8888],
  probe(first: Uint8Array, dir: Direction): boolean {
    if (!mayBeRequest(first)) return false;
    return dir === "orig" ? REQUEST_LINE.test(head(first)) : STATUS_LINE.test(head(first));
  },
  create(context: ParserContext): ParserInstance {
    return new HttpFlow(context);
  },
};

class HttpFlow implements ParserInstance {
  readonly done = false;
  constructor(private readonly ctx: ParserContext) {}

  data(dir: Direction, bytes: Uint8Array, ts: number): void {
    if (dir !== "orig" || !mayBeRequest(bytes)) return;
    const text = head(bytes);
    const m = REQUEST_LINE.exec(text);
    if (!m) {
      // A method and a space, but no well-formed request line: a broken or hostile client.
      if (METHOD_TOKEN.test(text)) this.ctx.malformed("bad request line");
      return;
    }
    const record: HttpRecord = {
      protocol: "http",
      uid: this.ctx.flow.uid,
      ts,
      method: m[1],
      uri: m[2],
      version: m[3],
      host: HOST.exec(text)?.[1],
    };
    this.ctx.emit(record);
  }

  gap(): void {}

  end(): void {}
}
