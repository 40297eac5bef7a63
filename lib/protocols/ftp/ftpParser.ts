/**
 * FTP control connections (RFC 959): commands and the replies that answer them, one `FtpRecord`
 * per reply, with the user name of the session (what KDD's login features read: 530 is a failed
 * login, 230 a successful one, USER anonymous or ftp a guest). Data channels come with issue 16.
 */
import type { Direction } from "../../flows/flowTable";
import { LineReader } from "../lineReader";
import type { ParserContext, ParserInstance, ProbeContext, ProtocolParser, ProtocolRecord } from "../parser";

/** One reply and the command it answers, named as in Zeek's ftp.log. */
export interface FtpRecord extends ProtocolRecord {
  readonly protocol: "ftp";
  /** The USER given last in the session ("" before any). */
  readonly user: string;
  /** The command answered, upper case; "" for a reply no command asked for (the greeting). */
  readonly command: string;
  readonly arg: string;
  /** The reply's code; -1 when the flow ended before the command was answered. */
  readonly reply_code: number;
  readonly reply_msg: string;
}

/** Longest command or reply line kept, bytes (RFC 959 servers accept 512; room for long paths). */
export const FTP_MAX_LINE_BYTES = 2048;
/** Commands waiting for their reply, at most; an older one is answered as lost (-1) to keep memory bounded. */
export const FTP_MAX_PENDING = 32;

/** User names RFC 1635 gives anonymous FTP. */
const GUEST_USERS = new Set(["anonymous", "ftp"]);

/** True when the user name is an anonymous (guest) login. */
export function isGuestUser(user: string): boolean {
  return GUEST_USERS.has(user.toLowerCase());
}

const REPLY = /^(\d{3})([ -])(.*)$/;
const COMMAND = /^([A-Za-z]{3,4})(?: (.*))?$/;
const BANNER = /^220[ -][^\r\n]*ftp/i;
const USER_COMMAND = /^USER \S/i;
const REPLY_START = /^\d{3}[ -]/;
const COMMAND_START = /^[A-Za-z]{3,4}[ \r\n]/;

function text(bytes: Uint8Array, max: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, max)).toString("latin1");
}

/** The FTP parser: TCP 21, or a flow that opens with a greeting that names FTP, or a USER command. */
export const ftpParser: ProtocolParser = {
  name: "ftp",
  transports: ["tcp"],
  ports: [21],
  probe(first: Uint8Array, dir: Direction, { onPort }: ProbeContext): boolean {
    if (first.length < 4) return false;
    // On port 21 any reply or command line will do; elsewhere a greeting that says FTP, or USER.
    // The first byte is tested before any text is decoded: probes run on every unidentified flow.
    if (dir === "resp") {
      if (first[0] < 0x30 || first[0] > 0x39) return false;
      return onPort ? REPLY_START.test(text(first, 4)) : first[0] === 0x32 && BANNER.test(text(first, 256));
    }
    if (onPort) return COMMAND_START.test(text(first, 5));
    return (first[0] | 0x20) === 0x75 && USER_COMMAND.test(text(first, 16)); // "u" or "U"
  },
  create(context: ParserContext): ParserInstance {
    return new FtpFlow(context);
  },
};

interface Pending {
  command: string;
  arg: string;
}

class FtpFlow implements ParserInstance {
  readonly done = false;
  private user = "";
  private readonly pending: Pending[] = [];
  /** Code of the multi-line reply in progress (RFC 959 4.2: "123-" ... "123 "), or "". */
  private multiline = "";
  private readonly commands: LineReader;
  private readonly replies: LineReader;
  private ts = 0;

  constructor(private readonly ctx: ParserContext) {
    this.commands = new LineReader(
      (line) => this.command(line),
      () => ctx.malformed("command line too long"),
      FTP_MAX_LINE_BYTES,
    );
    this.replies = new LineReader(
      (line) => this.reply(line),
      () => ctx.malformed("reply line too long"),
      FTP_MAX_LINE_BYTES,
    );
  }

  data(dir: Direction, bytes: Uint8Array, ts: number): void {
    this.ts = ts;
    (dir === "orig" ? this.commands : this.replies).push(bytes);
  }

  private command(line: string): void {
    const m = COMMAND.exec(line);
    if (!m) {
      this.ctx.malformed("bad command");
      return;
    }
    const command = m[1].toUpperCase();
    const arg = m[2] ?? "";
    if (command === "USER") this.user = arg;
    if (this.pending.length >= FTP_MAX_PENDING) {
      this.ctx.malformed("too many commands unanswered");
      this.emit(this.pending.shift() as Pending, -1, "");
    }
    this.pending.push({ command, arg });
  }

  private reply(line: string): void {
    if (this.multiline) {
      // Inside a multi-line reply only its closing line ("code" and a space) matters.
      if (line.startsWith(`${this.multiline} `)) {
        const code = this.multiline;
        this.multiline = "";
        this.answer(Number(code), line.slice(4));
      }
      return;
    }
    const m = REPLY.exec(line);
    if (!m) {
      this.ctx.malformed("bad reply");
      return;
    }
    if (m[2] === "-") this.multiline = m[1];
    else this.answer(Number(m[1]), m[3]);
  }

  private answer(code: number, message: string): void {
    // A 1yz reply is preliminary: the command stays pending for its completion reply.
    const pending = code < 200 ? this.pending[0] : this.pending.shift();
    this.emit(pending ?? { command: "", arg: "" }, code, message);
  }

  private emit(p: Pending, code: number, message: string): void {
    const record: FtpRecord = {
      protocol: "ftp",
      uid: this.ctx.flow.uid,
      ts: this.ts,
      user: this.user,
      command: p.command,
      arg: p.arg,
      reply_code: code,
      reply_msg: message,
    };
    this.ctx.emit(record);
  }

  gap(dir: Direction): void {
    (dir === "orig" ? this.commands : this.replies).gap();
  }

  end(ts: number): void {
    this.ts = ts;
    for (const p of this.pending.splice(0)) this.emit(p, -1, "");
  }
}
