/**
 * SMTP (RFC 5321) with pipelining, BDAT/CHUNKING (RFC 3030) and STARTTLS (RFC 3207): the
 * protocol half of Zeek's analysis (its SMTP analyzer). Client lines are commands, or message
 * lines while in DATA, or raw chunk bytes after BDAT; server replies are paired with commands in
 * order (clients pipeline whether or not the server offers it, so commands queue). The message's
 * top-level headers and the commands and replies go to `SmtpTransactions`, which makes the
 * smtp.log records. After STARTTLS succeeds the rest of the flow is handed to the "ssl" parser.
 * After a gap, client lines are ignored until the next reply (Zeek's gap recovery).
 */
import type { Direction } from "../../flows/flowTable";
import type { ParserContext, ParserInstance, ProbeContext, ProtocolParser } from "../parser";
import { MailHeaders } from "./smtpHeaders";
import { SMTP_LOG } from "./smtpLog";
import { SMTP_MAX_INVALID_TRANSACTIONS, SmtpTransactions } from "./smtpTransaction";

/** Longest command, reply or message line kept, bytes (RFC 5321 allows 1000; room for long headers); longer ones are skipped and counted. */
export const SMTP_MAX_LINE_BYTES = 8192;
/** Commands waiting for their reply, at most (Zeek's 1000); on overflow the queue is dropped and counted. */
export const SMTP_MAX_PENDING_COMMANDS = 1000;
/** Largest BDAT chunk size accepted (larger or unparsable sizes are malformed, as Zeek's). */
export const SMTP_MAX_CHUNK_BYTES = Number.MAX_SAFE_INTEGER;

/** The commands Zeek's analyzer knows (SMTP_cmd.def); other words are unknown commands. */
const COMMANDS = new Set([
  "EHLO",
  "HELO",
  "MAIL",
  "RCPT",
  "DATA",
  "BDAT",
  "RSET",
  "SEND",
  "SOML",
  "SAML",
  "VRFY",
  "EXPN",
  "HELP",
  "NOOP",
  "QUIT",
  "TURN",
  "STARTTLS",
  "AUTH",
  "ETRN",
  "ATRN",
  "BURL",
  "X-EXPS",
  "XADR",
  "XQUE",
  "XSTA",
  "XTRN",
  "XUSR",
  "X-ANONYMOUSTLS",
  "X-LINK2STATE",
]);
/** Pseudo-commands: the greeting the first reply answers, the end of DATA, an AUTH exchange line. */
const GREETING = ">";
const END_OF_DATA = ".";
const AUTH_ANSWER = "***";

const GREETING_START = /^220[ -]/;
const COMMAND_START = /^(?:EHLO|HELO) \S/i;
const REPLY_START = /^[1-5][0-9]{2}[ -]/;
const WORD_START = /^([A-Za-z-]{4,14})[ \r\n]/;

/** `line` without the CRs before its LF (Zeek allows several); a loop, not a regex, so long runs of CR cost linear time. */
function withoutCr(line: string): string {
  let end = line.length;
  while (end > 0 && line.charCodeAt(end - 1) === 13) end--;
  return end === line.length ? line : line.slice(0, end);
}

function text(bytes: Uint8Array, max: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, max)).toString("latin1");
}

/**
 * The SMTP parser: on TCP 25 and 587 any reply or known command (a capture may join mid-session),
 * elsewhere a greeting that names SMTP or an EHLO/HELO.
 */
/** SMTP's tunables (Zeek's `SMTP::` options of the same names). */
export interface SmtpOptions {
  /** Invalid mail transactions after which analysis of the connection stops (Zeek's `max_invalid_mail_transactions`). Default `SMTP_MAX_INVALID_TRANSACTIONS` (25). */
  readonly maxInvalidTransactions?: number;
}

/** The SMTP parser with `options`; `smtpParser` is the one with the defaults. */
export function createSmtpParser(options: SmtpOptions = {}): ProtocolParser {
  return { ...smtpParser, create: (context: ParserContext) => new SmtpFlow(context, options) };
}

export const smtpParser: ProtocolParser = {
  name: "smtp",
  transports: ["tcp"],
  ports: [25, 587],
  probe(first: Uint8Array, dir: Direction, { onPort }: ProbeContext): boolean {
    if (first.length < 4) return false;
    if (dir === "resp") {
      if (onPort) return REPLY_START.test(text(first, 4)); // joined mid-session: any reply
      if (first[0] !== 0x32) return false; // "2"
      const line = text(first, 512);
      return GREETING_START.test(line) && /E?SMTP/.test(line.split("\n")[0]);
    }
    if (onPort) {
      const m = WORD_START.exec(text(first, 16));
      return m !== null && COMMANDS.has(m[1].toUpperCase());
    }
    return COMMAND_START.test(text(first, 16));
  },
  create(context: ParserContext): ParserInstance {
    return new SmtpFlow(context);
  },
  log: SMTP_LOG,
};

type State = "command" | "data" | "auth" | "afterGap" | "tls";

/** One direction's unfinished line. */
interface Pending {
  text: string;
  skipping: boolean;
}

class SmtpFlow implements ParserInstance {
  done = false;
  private state: State = "command";
  private readonly transactions: SmtpTransactions;
  private readonly client: Pending = { text: "", skipping: false };
  private readonly server: Pending = { text: "", skipping: false };
  /** The command the next reply answers (GREETING at first), then those queued behind it. */
  private first: string | undefined = GREETING;
  private readonly queue: string[] = [];
  /** The command the reply in progress answers. */
  private lastAnswered: string | undefined;
  /** Code of the multi-line reply in progress, or 0. */
  private continuing = 0;
  /** Bytes of the BDAT chunk still to come, and whether it is the last. */
  private chunkLeft = 0;
  private chunkLast = false;
  private headers: MailHeaders | undefined;
  /** Chunk bytes of an unfinished message line (BDAT). */
  private chunkLine = "";
  private ts = 0;

  constructor(
    private readonly ctx: ParserContext,
    options: SmtpOptions = {},
  ) {
    const { flow } = ctx;
    this.transactions = new SmtpTransactions(
      flow.uid,
      flow.src,
      flow.dst,
      (r) => ctx.emit(r),
      (reason) => ctx.malformed(reason),
      options.maxInvalidTransactions ?? SMTP_MAX_INVALID_TRANSACTIONS,
    );
  }

  data(dir: Direction, bytes: Uint8Array, ts: number): void {
    if (this.done) return;
    this.ts = ts;
    const pending = dir === "orig" ? this.client : this.server;
    let at = 0;
    while (at < bytes.length && !this.done) {
      if (dir === "orig" && this.chunkLeft > 0) {
        const n = Math.min(this.chunkLeft, bytes.length - at);
        this.chunkBytes(bytes.subarray(at, at + n));
        this.chunkLeft -= n;
        at += n;
        if (this.chunkLeft === 0) this.chunkDone();
        continue;
      }
      const nl = bytes.indexOf(10, at);
      const end = nl < 0 ? bytes.length : nl;
      if (!pending.skipping) {
        if (pending.text.length + (end - at) > SMTP_MAX_LINE_BYTES) {
          this.ctx.malformed(dir === "orig" ? "client line too long" : "reply line too long");
          pending.text = "";
          pending.skipping = true;
        } else {
          pending.text += text(bytes.subarray(at, end), end - at);
        }
      }
      if (nl < 0) return;
      at = nl + 1;
      if (pending.skipping) {
        pending.skipping = false;
        continue;
      }
      const line = withoutCr(pending.text);
      pending.text = "";
      if (dir === "orig") this.clientLine(line);
      else if (this.serverLine(line)) {
        // STARTTLS succeeded: what follows is TLS.
        if (!this.ctx.handOver("ssl", dir, bytes.subarray(at))) this.done = true;
        return;
      }
    }
  }

  private clientLine(line: string): void {
    const ts = this.ts;
    if (this.state === "afterGap") return; // command or message line? Unknown until the next reply.
    if (this.state === "data") {
      if (line === ".") {
        this.command(END_OF_DATA);
        this.endData();
        this.transactions.request(END_OF_DATA, "", ts);
        return;
      }
      this.headers?.line(line.startsWith(".") ? line.slice(1) : line);
      return;
    }
    if (this.state === "auth") {
      this.command(AUTH_ANSWER);
      return;
    }
    const space = line.search(/\s/);
    const word = space < 0 ? line : line.slice(0, space);
    const arg = space < 0 ? "" : line.slice(space).replace(/^\s+/, "");
    const upper = word.toUpperCase();
    if (!COMMANDS.has(upper)) {
      this.ctx.malformed("unknown command");
      return;
    }
    this.command(upper);
    this.transactions.request(word, arg, ts);
    if (this.transactions.stopped) {
      this.stop();
      return;
    }
    if (upper === "DATA") this.beginData();
    else if (upper === "BDAT") this.bdat(arg);
  }

  /** A command joins the queue of those awaiting a reply. */
  private command(name: string): void {
    if (this.first === undefined) {
      this.first = name;
      return;
    }
    if (this.queue.length >= SMTP_MAX_PENDING_COMMANDS) {
      this.ctx.malformed("too many commands unanswered");
      this.queue.length = 0;
    }
    this.queue.push(name);
  }

  private beginData(): void {
    this.state = "data";
    this.transactions.beginMessage(this.ts);
    this.headers = new MailHeaders(
      (name, value) => this.transactions.header(name, value, this.ts),
      (reason) => this.ctx.malformed(reason),
    );
  }

  private endData(): void {
    this.headers?.finish();
    this.headers = undefined;
    if (this.state === "data") this.state = "command";
  }

  /** BDAT <size> [LAST]: the next `size` client bytes are message bytes. */
  private bdat(arg: string): void {
    const m = /^(\d+)(?:\s+LAST)?\s*$/i.exec(arg);
    const size = m ? Number(m[1]) : NaN;
    if (!m || !(size <= SMTP_MAX_CHUNK_BYTES)) {
      this.ctx.malformed("bad BDAT chunk size");
      return;
    }
    this.chunkLast = /LAST\s*$/i.test(arg);
    if (!this.headers) {
      this.transactions.beginMessage(this.ts);
      this.headers = new MailHeaders(
        (name, value) => this.transactions.header(name, value, this.ts),
        (reason) => this.ctx.malformed(reason),
      );
      this.chunkLine = "";
    }
    this.chunkLeft = size;
    if (size === 0) this.chunkDone();
  }

  /** Message bytes of a BDAT chunk: lines may run across chunks. */
  private chunkBytes(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length) {
      const nl = bytes.indexOf(10, at);
      const end = nl < 0 ? bytes.length : nl;
      if (this.chunkLine.length + (end - at) <= SMTP_MAX_LINE_BYTES)
        this.chunkLine += text(bytes.subarray(at, end), end - at);
      if (nl < 0) return;
      this.headers?.line(withoutCr(this.chunkLine));
      this.chunkLine = "";
      at = nl + 1;
    }
  }

  private chunkDone(): void {
    if (!this.chunkLast) return;
    if (this.chunkLine !== "") this.headers?.line(withoutCr(this.chunkLine));
    this.chunkLine = "";
    this.headers?.finish();
    this.headers = undefined;
    this.chunkLast = false;
  }

  /** One reply line; true when it completes a successful STARTTLS. */
  private serverLine(line: string): boolean {
    const ts = this.ts;
    const code = /^[0-9]{3}/.test(line) ? Number(line.slice(0, 3)) : -1;
    if (code < 100 || code > 599) {
      this.ctx.malformed("bad reply");
      return false;
    }
    if (this.continuing && code !== this.continuing) {
      this.ctx.malformed("reply code does not match the continuing reply");
      this.continuing = 0;
    }
    let answered = this.lastAnswered;
    if (!this.continuing) answered = this.newReply(code);
    const continued = line[3] === "-";
    this.continuing = continued ? code : 0;
    const message = line.slice(continued ? 4 : 3).replace(/^\s+/, "");
    this.transactions.reply(code, answered ?? "(UNKNOWN)", message, continued, ts);
    if (!continued && answered === "STARTTLS" && code === 220) {
      this.transactions.startTls(ts);
      this.transactions.finish(ts);
      this.state = "tls";
      return true;
    }
    return false;
  }

  /** The first line of a reply: it answers the oldest command waiting. */
  private newReply(code: number): string | undefined {
    if (this.state === "afterGap") this.state = "command";
    const answered = this.first;
    this.lastAnswered = answered;
    this.first = this.queue.shift();
    if (answered === "DATA" && code !== 354) this.endData();
    else if (answered === "AUTH" || answered === AUTH_ANSWER) this.state = code === 334 ? "auth" : "command";
    return answered;
  }

  private stop(): void {
    this.done = true;
    this.endData();
  }

  gap(dir: Direction, length: number): void {
    if (this.done) return;
    if (dir === "orig" && this.chunkLeft > 0) {
      // Inside a BDAT chunk the missing bytes are chunk bytes: the chunk is shortened and the
      // session goes on (Zeek's corpus: DATA after such a gap is still read as a command).
      this.chunkLine = "";
      this.chunkLeft = Math.max(0, this.chunkLeft - length);
      if (this.chunkLeft === 0) this.chunkDone();
      return;
    }
    // As Zeek: a message in progress is cut off, queued commands are forgotten, and client lines
    // are ignored until the server replies again.
    this.endData();
    this.chunkLeft = 0;
    this.chunkLast = false;
    this.chunkLine = "";
    this.queue.length = 0;
    this.first = undefined;
    this.lastAnswered = undefined;
    this.continuing = 0;
    this.state = "afterGap";
    const pending = dir === "orig" ? this.client : this.server;
    pending.text = "";
    pending.skipping = true;
  }

  end(ts: number): void {
    if (this.state === "tls") return;
    this.headers?.finish();
    this.transactions.finish(ts);
  }
}
