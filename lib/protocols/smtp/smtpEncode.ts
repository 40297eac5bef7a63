/**
 * SMTP's bytes, as a client or server sends them (RFC 5321): command lines, single- and multi-line
 * replies, a message with its headers and dot-stuffing, and the end-of-data mark. The simulator
 * builds its mail sessions from these, and the tests build their traffic from them, so what the
 * parser reads back is what an encoder wrote.
 */

const CRLF = "\r\n";

function bytes(text: string): Uint8Array {
  return Buffer.from(text, "latin1");
}

/** A command line: `verb`, then its argument after a space when there is one. */
export function smtpCommand(verb: string, arg?: string): Uint8Array {
  return bytes(arg === undefined ? `${verb}${CRLF}` : `${verb} ${arg}${CRLF}`);
}

/** A reply: one line per text, all but the last marked as continued (`250-...`). */
export function smtpReply(code: number, lines: readonly string[]): Uint8Array {
  const last = lines.length - 1;
  return bytes(lines.map((line, i) => `${code}${i === last ? " " : "-"}${line}${CRLF}`).join(""));
}

/** The end of a message sent with DATA: a line holding only a dot, after the message's last line. */
export function smtpEndOfData(): Uint8Array {
  return bytes(`${CRLF}.${CRLF}`);
}

/**
 * A message for DATA: its headers (`name: value`; a value with CR LF followed by white space is
 * folded as given), an empty line, the body lines dot-stuffed (RFC 5321 4.5.2), and the end mark.
 */
export function smtpMessage(
  headers: readonly (readonly [string, string])[],
  body: readonly string[],
): Uint8Array {
  const head = headers.map(([name, value]) => `${name}: ${value}${CRLF}`).join("");
  const lines = body.map((line) => (line.startsWith(".") ? `.${line}` : line));
  return bytes(`${head}${CRLF}${lines.join(CRLF)}${CRLF}.${CRLF}`);
}
