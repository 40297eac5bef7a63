/**
 * The records of one HTTP connection as Zeek's base/protocols/http/main.zeek keeps them: a
 * pending `HTTP::Info` per request number and reply number (made by whichever event comes first,
 * so a reply without a request has a record too), `trans_depth` counting the records made, a
 * record written when its final (non-1xx) reply is done, and the rest written when the
 * connection ends. The HTTP reading (`httpParser.ts`) calls it with Zeek's events: a request, a
 * reply, a header, a message done.
 */
import type { ParserContext } from "../parser";
import type { HttpRecord } from "./httpLog";

/**
 * Requests waiting for their reply before the older ones are written out unanswered (Zeek's
 * HTTP::max_pending_requests, 100): bounds a connection's memory under endless pipelining.
 */
export const HTTP_MAX_PENDING_REQUESTS = 100;
/** Log the password of Basic authentication (Zeek's HTTP::default_capture_password, off by default). */
export const HTTP_CAPTURE_PASSWORD = false;
/** Request headers that show a proxy (Zeek's HTTP::proxy_headers). */
const PROXY_HEADERS = new Set([
  "FORWARDED",
  "X-FORWARDED-FOR",
  "X-FORWARDED-FROM",
  "CLIENT-IP",
  "VIA",
  "XROXY-CONNECTION",
  "PROXY-CONNECTION",
]);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Info = Mutable<HttpRecord>;

function inRange1xx(code: number | undefined): boolean {
  return code !== undefined && code >= 100 && code < 200;
}

/** One connection's pending records. */
export class HttpTransactions {
  /** Records not yet written, by request (or reply) number. */
  private readonly pending = new Map<number, Info>();
  private currentRequest = 0;
  private currentResponse = 0;
  private transDepth = 0;

  constructor(private readonly ctx: ParserContext) {}

  private newSession(ts: number): Info {
    return {
      protocol: "http",
      uid: this.ctx.flow.uid,
      ts,
      trans_depth: ++this.transDepth,
      method: undefined,
      host: undefined,
      uri: undefined,
      referrer: undefined,
      version: undefined,
      user_agent: undefined,
      origin: undefined,
      request_body_len: 0,
      response_body_len: 0,
      status_code: undefined,
      status_msg: undefined,
      info_code: undefined,
      info_msg: undefined,
      tags: [],
      username: undefined,
      password: undefined,
      proxied: undefined,
      orig_fuids: undefined,
      orig_filenames: undefined,
      orig_mime_types: undefined,
      resp_fuids: undefined,
      resp_filenames: undefined,
      resp_mime_types: undefined,
    };
  }

  private setState(isOrig: boolean, ts: number): Info {
    const index = isOrig ? this.currentRequest : this.currentResponse;
    let info = this.pending.get(index);
    if (!info) {
      info = this.newSession(ts);
      this.pending.set(index, info);
    }
    return info;
  }

  private write(info: Info): void {
    this.ctx.emit({ ...info });
  }

  /** A request line (Zeek's http_request): the next request number and its record. */
  request(method: string, uri: string, version: string, ts: number): void {
    if (this.currentRequest < this.currentResponse) {
      this.ctx.malformed("response before request");
      this.currentRequest = this.currentResponse;
    }
    if (this.pending.size > HTTP_MAX_PENDING_REQUESTS) {
      this.ctx.malformed("excessive pipelining");
      if (this.currentResponse === 0) this.currentResponse++;
      for (; this.currentResponse < this.currentRequest; this.currentResponse++) {
        const info = this.pending.get(this.currentResponse);
        if (info) {
          this.write(info);
          this.pending.delete(this.currentResponse);
        }
      }
    }
    this.currentRequest++;
    const info = this.setState(true, ts);
    info.method = method;
    info.uri = uri;
    // Zeek logs the reply's version only; a request never answered keeps its own here (the
    // feature extraction reads it), and a reply overwrites it.
    info.version ??= version;
  }

  /**
   * A status line (Zeek's http_reply): the next reply number, unless the record's last reply was
   * a 1xx, whose final reply shares its record.
   */
  reply(version: string, code: number, reason: string, ts: number): void {
    const last = this.pending.get(this.currentResponse);
    if (!last || (last.status_code !== undefined && !inRange1xx(last.status_code))) this.currentResponse++;
    const info = this.setState(false, ts);
    info.status_code = code;
    info.status_msg = reason;
    info.version = version;
    if (inRange1xx(code)) {
      info.info_code = code;
      info.info_msg = reason;
    }
  }

  private requestHeader(info: Info, name: string, value: string): void {
    if (name === "REFERER") info.referrer = value;
    else if (name === "HOST") info.host = value;
    else if (name === "ORIGIN") info.origin = value;
    else if (name === "USER-AGENT") info.user_agent = value;
    else if (PROXY_HEADERS.has(name)) {
      const entry = `${name} -> ${value}`;
      if (!info.proxied?.includes(entry)) info.proxied = [...(info.proxied ?? []), entry];
    } else if ((name === "AUTHORIZATION" || name === "PROXY-AUTHORIZATION") && /^basic /i.test(value)) {
      const userpass = Buffer.from(value.replace(/^basic[ \t]+/i, ""), "base64").toString("latin1");
      const colon = userpass.indexOf(":");
      if (colon >= 0) {
        info.username = userpass.slice(0, colon);
        if (HTTP_CAPTURE_PASSWORD) info.password = userpass.slice(colon + 1);
      } else {
        info.username = `<problem-decoding> (${value})`;
        if (HTTP_CAPTURE_PASSWORD) info.password = userpass;
      }
    }
  }

  /** A header of a request or reply (the request's give the record's host, agent, user...). */
  header(isOrig: boolean, name: string, value: string, ts: number): void {
    const info = this.setState(isOrig, ts);
    if (isOrig) this.requestHeader(info, name, value);
  }

  /** A request or reply is complete: its body length and type; a final reply writes the record. */
  messageDone(isOrig: boolean, length: number, mime: string | undefined, ts: number): void {
    const info = this.setState(isOrig, ts);
    if (isOrig) {
      info.request_body_len = length;
      if (length > 0 && mime) info.orig_mime_types = [...(info.orig_mime_types ?? []), mime];
      return;
    }
    info.response_body_len = length;
    if (length > 0 && mime) info.resp_mime_types = [...(info.resp_mime_types ?? []), mime];
    if (!inRange1xx(info.status_code)) {
      this.write(info);
      this.pending.delete(this.currentResponse);
    }
  }

  /** Writes the records still pending, in order (Zeek's finalize_http; number 0 is never used). */
  writePending(): void {
    const rest = [...this.pending.entries()].filter(([k]) => k !== 0).sort(([a], [b]) => a - b);
    for (const [, info] of rest) this.write(info);
    this.pending.clear();
  }
}
