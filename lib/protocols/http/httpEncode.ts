/**
 * HTTP/1.1 messages as the simulator sends them (lib/simulate's plain-HTTP browsing): a keep-alive
 * GET with a browser's headers, and the head of a 200 reply whose body (`contentLength` opaque
 * bytes) the caller appends. Kept beside the parser so that what the simulator writes and what
 * the parser reads are checked against each other (httpEncode.test.ts).
 */

/** The User-Agent of the simulated browsers. */
export const SIMULATED_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64)";

function latin1(text: string): Uint8Array {
  return Buffer.from(text, "latin1");
}

/** A GET of `path` from `hostName`, keeping the connection open for more. */
export function httpGetRequest(path: string, hostName: string): Uint8Array {
  return latin1(
    `GET ${path} HTTP/1.1\r\nHost: ${hostName}\r\nUser-Agent: ${SIMULATED_USER_AGENT}\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n`,
  );
}

/** The head of a 200 reply with a body of `contentLength` bytes (nginx, an octet stream). */
export function httpResponseHead(contentLength: number): Uint8Array {
  return latin1(
    `HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/octet-stream\r\nContent-Length: ${contentLength}\r\n\r\n`,
  );
}
