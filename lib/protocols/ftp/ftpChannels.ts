/**
 * What FTP's commands and replies say about data channels and paths, read as Zeek reads them:
 * PORT arguments and 227 replies (RFC 959 "h1,h2,h3,h4,p1,p2"), EPRT arguments and 229 replies
 * (RFC 2428 "|af|addr|port|"), the file size in a 150 or 213 reply, and the URL Zeek logs as a
 * file command's argument (the working directory joined with the file name).
 */
import { canonicalAddress } from "../../net/address";
import { isAddress } from "../../net/addressKind";

/** An address and port a data connection is announced on; `valid` false when the text did not parse. */
export interface FtpPort {
  readonly host: string;
  readonly port: number;
  readonly valid: boolean;
}

const INVALID: FtpPort = { host: "0.0.0.0", port: 0, valid: false };
/** sscanf("%d,%d,%d,%d,%d,%d"): six integers, each maybe preceded by white space. */
const SIX_NUMBERS = /^\s*([-+]?\d+),\s*([-+]?\d+),\s*([-+]?\d+),\s*([-+]?\d+),\s*([-+]?\d+),\s*([-+]?\d+)/;

/** A PORT argument (or the part of a 227 reply after its parenthesis): h1,h2,h3,h4,p1,p2. */
export function parseFtpPort(text: string): FtpPort {
  const m = text.length >= 11 ? SIX_NUMBERS.exec(text) : null;
  if (!m) return INVALID;
  const b = m.slice(1, 7).map(Number);
  const valid = b.every((x) => x >= 0 && x <= 255);
  const host = b
    .slice(0, 4)
    .map((x) => x & 255)
    .join(".");
  return { host, port: valid ? b[4] * 256 + b[5] : 0, valid };
}

/** A 227 reply's message: the numbers after "(", or after "PORT", or the comma list's first number. */
export function parseFtpPasv(message: string): FtpPort {
  const paren = message.indexOf("(");
  if (paren >= 0) return parseFtpPort(message.slice(paren + 1));
  const port = message.indexOf("PORT");
  if (port >= 0) return parseFtpPort(message.slice(port + 5));
  const comma = message.indexOf(",");
  if (comma < 0) return INVALID;
  let start = comma;
  while (start > 0 && message.charCodeAt(start - 1) >= 0x30 && message.charCodeAt(start - 1) <= 0x39) start--;
  return parseFtpPort(message.slice(start));
}

/**
 * An EPRT argument, or a 229 reply's part after "(": a delimiter, the address family (1 IPv4, 2
 * IPv6, or empty with an empty address: "the control connection's server"), the address, the port.
 * An empty address is returned as "::" (Zeek's [::]), which the 229 handling replaces.
 */
export function parseFtpEprt(text: string): FtpPort {
  const delimiter = text.charAt(0);
  const code = text.charCodeAt(0);
  if (!(code >= 33 && code <= 126)) return INVALID;
  const parts = text.slice(1).split(delimiter);
  if (parts.length < 4) return INVALID;
  const [family, address, portText] = parts;
  if (!/^\d{1,5}$/.test(portText)) return INVALID;
  const port = Number(portText);
  if (port > 65535) return INVALID;
  if (address === "")
    return family === "" || family === "1" || family === "2" ? { host: "::", port, valid: true } : INVALID;
  const v6 = address.includes(":");
  if (!((family === "1" && !v6) || (family === "2" && v6)) || !isAddress(address)) return INVALID;
  return { host: canonicalAddress(address), port, valid: true };
}

/** A 229 reply's message: what follows "(" in "Entering Extended Passive Mode (|||6446|)". */
export function parseFtpEpsv(message: string): FtpPort {
  const paren = message.indexOf("(");
  return paren < 0 ? INVALID : parseFtpEprt(message.slice(paren + 1));
}

/** The last number in a reply message (Zeek's `extract_count(msg, F)`), 0 when there is none. */
export function lastCount(message: string): number {
  const all = message.match(/\d+/g);
  return all ? Number(all[all.length - 1]) : 0;
}

const ABSOLUTE = /^(\/|[A-Za-z]:[\\/])/;

/** `file` in `dir` (Zeek's build_path): an absolute file, or an empty dir, gives the file alone. */
export function buildPath(dir: string, file: string): string {
  if (ABSOLUTE.test(file) || dir === "") return file;
  return dir.endsWith("/") ? `${dir}${file}` : `${dir}/${file}`;
}

/** A path without "//", "/./" and "x/.." (Zeek's compress_path); a path with none of them loses only a trailing "/". */
export function compressPath(path: string): string {
  if (!path.includes("/.") && !path.includes("//")) {
    return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  }
  const absolute = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else out.push(part);
  }
  const joined = out.join("/");
  return absolute ? `/${joined}` : joined === "" ? "." : joined;
}

/** An address as a URL's host: IPv6 in brackets. */
export function addressToUri(address: string): string {
  return address.includes(":") ? `[${address}]` : address;
}

/** The argument Zeek logs for a file command: `ftp://<server><cwd joined with the argument>`. */
export function ftpUrl(server: string, cwd: string, arg: string): string {
  let path = compressPath(buildPath(cwd, arg));
  if (!path.startsWith("/")) path = `/${path}`;
  return `ftp://${addressToUri(server)}${path}`;
}

/** The first absolute path in a 257 reply (quoted or not), "" when none (Zeek's extract_path). */
export function extractPath(message: string): string {
  const quoted = /"((?:\/|[A-Za-z]:[\\/])[^"]*)"/.exec(message);
  if (quoted) return quoted[1];
  const bare = /(?:\/|[A-Za-z]:[\\/])(?:[^" ]|\\ )*/.exec(message);
  return bare ? bare[0] : "";
}
