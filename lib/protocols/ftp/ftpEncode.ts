/**
 * FTP's bytes on the wire (RFC 959): command lines, reply lines, the passive-mode reply that
 * announces a data channel. The simulator builds its FTP sessions from these, and the parser's
 * tests read them back, so what is written and what is parsed are the same protocol.
 */

/** Latin-1 text as bytes (FTP's control connection is 8-bit text). */
function bytes(text: string): Uint8Array {
  return Buffer.from(text, "latin1");
}

/** A command line: `COMMAND` or `COMMAND arg`, CRLF-terminated. */
export function ftpCommand(command: string, arg?: string): Uint8Array {
  return bytes(arg === undefined ? `${command}\r\n` : `${command} ${arg}\r\n`);
}

/** A single-line reply: `code text`, CRLF-terminated. */
export function ftpReply(code: number, text: string): Uint8Array {
  return bytes(`${code} ${text}\r\n`);
}

/**
 * The 227 reply to PASV announcing `host` (IPv4 text) and `port`, in vsftpd's words:
 * `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2).`
 */
export function ftpPassiveReply(host: string, port: number): Uint8Array {
  return ftpReply(227, `Entering Passive Mode (${host.split(".").join(",")},${port >> 8},${port & 0xff}).`);
}

/** The texts of the replies a vsftpd 3.0.3 server gives (what the simulator's server says). */
export const VSFTPD_REPLIES = {
  greeting: "(vsFTPd 3.0.3)",
  password: "Please specify the password.",
  loginIncorrect: "Login incorrect.",
  loginSuccessful: "Login successful.",
  binary: "Switching to Binary mode.",
  opening: "Opening BINARY mode data connection.",
  transferComplete: "Transfer complete.",
  goodbye: "Goodbye.",
} as const;
