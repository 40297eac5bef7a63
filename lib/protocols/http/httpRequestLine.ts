/**
 * HTTP start lines read as Zeek's HTTP analyzer reads them (HTTP.cc: HTTP_RequestLine,
 * ParseRequest, HTTP_ReplyLine), so that odd lines give Zeek's results: a request without a
 * version is HTTP/0.9 (and then needs a method of three letters or more and a URI), a request
 * without a URI has an empty one, the URI runs to the whitespace before "HTTP/", and a line that
 * does not start with a method token is not a request.
 */

/** A parsed request line. */
export interface RequestLine {
  readonly method: string;
  /** The URI as sent. */
  readonly uri: string;
  /** "1.1", "1.0", "0.9" (no version given), "0.0" (a version Zeek cannot read). */
  readonly version: string;
  /** The URI was missing ("GET HTTP/1.1"). */
  readonly missingUri: boolean;
}

/** Why a line is not a request: no method token, or none but " HTTP/x.y" at its end. */
export type BadRequest = "bad request" | "bad request with version";

/** A parsed status line. */
export interface StatusLine {
  readonly version: string;
  /** 0 when the code is not three digits. */
  readonly code: number;
  /** The reason phrase; "<empty>" when missing (as Zeek's http_reply event gives it). */
  readonly reason: string;
}

/** Per byte: 1 for an HTTP token character (RFC 2616: visible ASCII but separators), 2 for a URI character. */
const CHAR_CLASS = (() => {
  const table = new Uint8Array(256);
  for (let c = 33; c < 127; c++) if (!'()<>@,;:\\"/[]?={}'.includes(String.fromCharCode(c))) table[c] |= 1;
  // RFC 3986 reserved and unreserved characters, and '%'.
  const uri = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:/?#[]@!$&'()*+,;=-._~%";
  for (let i = 0; i < uri.length; i++) table[uri.charCodeAt(i)] |= 2;
  return table;
})();

function isTokenChar(c: number): boolean {
  return (CHAR_CLASS[c & 0xff] & 1) !== 0;
}

function isUriChar(c: number): boolean {
  return (CHAR_CLASS[c & 0xff] & 2) !== 0;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i;
}

/** Zeek's HTTP_Version: "d.d", else "0.0". */
function version(s: string, at: number): string {
  const m = /^(\d)\.(\d)/.exec(s.slice(at, at + 3));
  return m ? `${m[1]}.${m[2]}` : "0.0";
}

/** Reads a request line (without its line end). */
export function parseRequestLine(line: string): RequestLine | BadRequest {
  const n = line.length;
  let endOfMethod = 0;
  while (endOfMethod < n && isTokenChar(line.charCodeAt(endOfMethod))) endOfMethod++;
  if (endOfMethod === 0) {
    return n >= 9 && line.slice(n - 9, n - 3).toLowerCase() === " http/"
      ? "bad request with version"
      : "bad request";
  }
  const rest = skipSpace(line, endOfMethod);
  if (rest === endOfMethod) return "bad request";
  let endOfUri = rest;
  while (endOfUri < n && isUriChar(line.charCodeAt(endOfUri))) endOfUri++;
  let missingUri = false;
  if (endOfUri >= n && line.startsWith("HTTP/", rest)) {
    missingUri = true;
    endOfUri = rest;
  }
  let versionStart = endOfUri;
  for (; versionStart < n; versionStart++) {
    endOfUri = versionStart;
    versionStart = skipSpace(line, versionStart);
    if (line.startsWith("HTTP/", versionStart)) break;
  }
  let v: string;
  if (versionStart >= n) v = "0.9";
  else if (versionStart + 8 <= n) v = version(line, versionStart + 5);
  else v = "0.0";
  const uri = line.slice(rest, endOfUri);
  const method = line.slice(0, endOfMethod);
  if (v === "0.9" && (method.length < 3 || uri.length === 0)) return "bad request";
  return { method, uri, version: v, missingUri };
}

/** Reads a status line; undefined when it is not one (no "HTTP/", or no code). */
export function parseStatusLine(line: string): StatusLine | undefined {
  if (!line.startsWith("HTTP/")) return undefined;
  const n = line.length;
  const v = version(line, 5);
  let i = 5;
  while (i < n && !isSpace(line.charCodeAt(i))) i++;
  if (i >= n) return undefined;
  i = skipSpace(line, i);
  if (i + 3 > n) return undefined;
  const digits = line.slice(i, i + 3);
  const code = /^\d{3}$/.test(digits) ? Number(digits) : 0;
  i += 3;
  while (i < n && !isSpace(line.charCodeAt(i))) i++;
  if (i >= n) return { version: v, code, reason: "<empty>" };
  return { version: v, code, reason: line.slice(skipSpace(line, i)) };
}

/** The URI with %XX escapes decoded (Zeek logs the unescaped URI); other '%' stay as they are. */
export function unescapeUri(uri: string): string {
  if (!uri.includes("%")) return uri;
  return uri.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
