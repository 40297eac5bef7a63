/**
 * FTP control connections (RFC 959), analysed as Zeek's FTP analyzer and scripts do
 * (src/analyzer/protocol/ftp/FTP.cc, base/protocols/ftp/main.zeek): each command waits in a
 * bounded list of pending commands; each reply goes to the pending command that suits it best
 * (`bestPending`); a command is written out (one `FtpRecord`, Zeek's ftp.log row) when the next
 * command comes, when another command is still pending, or when the connection ends. The server's
 * greeting answers the shim command `<init>`. PORT, PASV, EPRT and EPSV announce data channels,
 * which are expected (`ctx.expect`) so their connections get the service `ftp-data`; a 234 reply
 * to AUTH TLS hands the connection to "ssl". A reply line that is not FTP (no numeric code, a code
 * below 100, no space after the code) is a protocol violation, as in Zeek: the parser stops and
 * the flow loses its `ftp` service.
 */
import type { Direction } from "../../flows/flowTable";
import { LineReader } from "../lineReader";
import type { ParserContext, ParserInstance, ProbeContext, ProtocolParser } from "../parser";
import { bestPending, type PendingCommand } from "./ftpCommands";
import {
  compressPath,
  buildPath,
  extractPath,
  ftpUrl,
  lastCount,
  parseFtpEprt,
  parseFtpEpsv,
  parseFtpPasv,
  parseFtpPort,
} from "./ftpChannels";
import {
  FTP_DATA_EXPECT_SECONDS,
  FTP_LOG,
  FTP_MAX_LINE_BYTES,
  type FtpOptions,
  type FtpRecord,
  type FtpSettings,
  ftpSettings,
} from "./ftpLog";

export * from "./ftpLog";

/** Commands whose argument names a file: logged as an `ftp://` URL (Zeek's `file_cmds` that log one). */
const FILE_COMMANDS = new Set([
  "APPE",
  "CWD",
  "DELE",
  "MKD",
  "RETR",
  "RMD",
  "RNFR",
  "RNTO",
  "STOR",
  "STOU",
  "REST",
  "SIZE",
  "MDTM",
]);
/** Commands and reply codes that move the working directory (Zeek's `directory_cmds`). */
const DIRECTORY_REPLIES: Readonly<Record<string, readonly number[]>> = {
  CWD: [250],
  CDUP: [200, 250],
  PWD: [257],
  XPWD: [257],
};
/** A continuation line that still looks like a reply ("226 " and ten printable characters), which Zeek matches anyway. */
const REPLY_LIKE = /^[1-9][0-9]{2} [\x20-\x7e]{10}/;
const HIDDEN = "<hidden>";

const BANNER = /^220[ -][^\r\n]*ftp/i;
const USER_COMMAND = /^USER \S/i;
const REPLY_START = /^\d{3}[ -]/;
const COMMAND_START = /^[A-Za-z]{3,4}[ \r\n]/;

function text(bytes: Uint8Array, max: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, max)).toString("latin1");
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** An FTP parser with `options` (Zeek's defaults for what is not given). */
export function createFtpParser(options: FtpOptions = {}): ProtocolParser {
  const settings = ftpSettings(options);
  return {
    name: "ftp",
    transports: ["tcp"],
    ports: [21, 2811],
    log: FTP_LOG,
    probe(first: Uint8Array, dir: Direction, { onPort }: ProbeContext): boolean {
      if (first.length < 4) return false;
      // On its ports any reply or command line will do; elsewhere a greeting that says FTP, or USER.
      // The first byte is tested before any text is decoded: probes run on every unidentified flow.
      if (dir === "resp") {
        if (first[0] < 0x30 || first[0] > 0x39) return false;
        return onPort ? REPLY_START.test(text(first, 4)) : first[0] === 0x32 && BANNER.test(text(first, 256));
      }
      if (onPort) return COMMAND_START.test(text(first, 5));
      return (first[0] | 0x20) === 0x75 && USER_COMMAND.test(text(first, 16)); // "u" or "U"
    },
    create(context: ParserContext): ParserInstance {
      return new FtpFlow(context, settings);
    },
  };
}

/** The FTP parser with Zeek's default settings: TCP 21 and 2811, or a flow that opens like FTP. */
export const ftpParser: ProtocolParser = createFtpParser();

interface DataChannel {
  readonly passive: boolean;
  readonly orig_h: string;
  readonly resp_h: string;
  readonly resp_p: number;
}

class FtpFlow implements ParserInstance {
  done = false;
  private readonly commands: LineReader;
  private readonly replies: LineReader;
  /** Time of the bytes being parsed. */
  private ts = 0;
  /** Zeek's c$ftp exists (the first command or reply was seen). */
  private started = false;
  private readonly pending = new Map<number, PendingCommand>();
  private seq = 0;
  private current: PendingCommand | undefined;
  private user = "<unknown>";
  private password: string | undefined;
  private cwd = ".";
  private replyCode: number | undefined;
  private replyMsg: string | undefined;
  private fileSize: number | undefined;
  private channel: DataChannel | undefined;
  /** Code of the multi-line reply in progress ("123-" ... "123 "), or 0. */
  private multiline = 0;
  /** A command was accepted (Zeek's AnalyzerConfirmation): from then on odd commands are counted. */
  private confirmed = false;
  /** The argument of the last AUTH command. */
  private auth: string | undefined;

  constructor(
    private readonly ctx: ParserContext,
    private readonly settings: FtpSettings,
  ) {
    this.commands = new LineReader(
      (line) => this.commandLine(line),
      () => ctx.malformed("FTP command line too long"),
      FTP_MAX_LINE_BYTES,
    );
    this.replies = new LineReader(
      (line) => this.replyLine(line),
      () => ctx.malformed("FTP reply line too long"),
      FTP_MAX_LINE_BYTES,
    );
  }

  data(dir: Direction, bytes: Uint8Array, ts: number): void {
    if (this.done) return;
    this.ts = ts;
    (dir === "orig" ? this.commands : this.replies).push(bytes);
  }

  gap(dir: Direction): void {
    (dir === "orig" ? this.commands : this.replies).gap();
  }

  end(ts: number): void {
    if (this.done) return;
    this.ts = ts;
    this.finish();
  }

  /** Zeek's finalize_ftp: every command still pending is written out with the reply state as it is. */
  private finish(): void {
    for (const p of [...this.pending.values()]) {
      this.current = p;
      this.message();
    }
    this.pending.clear();
  }

  private session(): void {
    if (this.started) return;
    this.started = true;
    this.push("<init>", "");
  }

  private push(command: string, arg: string): void {
    const p: PendingCommand = { command, arg, seq: ++this.seq, ts: this.ts, cwdConsumed: false };
    this.pending.set(p.seq, p);
  }

  private commandLine(raw: string): void {
    if (this.done) return;
    let i = 0;
    while (i < raw.length && isSpace(raw.charCodeAt(i))) i++;
    let j = i;
    while (j < raw.length && !isSpace(raw.charCodeAt(j))) j++;
    const word = raw.slice(i, j);
    while (j < raw.length && isSpace(raw.charCodeAt(j))) j++;
    const arg = raw.slice(j);
    if (word.length < 3 || !/^[\x21-\x7e]+$/.test(word)) {
      if (this.confirmed) this.ctx.malformed("FTP_invalid_command");
      return;
    }
    if (word.length > this.settings.maxCommandLength) {
      if (this.confirmed) {
        this.ctx.markHistory?.("X");
        this.ctx.malformed("FTP_max_command_length_exceeded");
      }
      return;
    }
    const command = word.toUpperCase();
    this.confirmed = true;
    if (command === "AUTH") this.auth = arg;
    this.request(command, arg);
  }

  /** Zeek's ftp_request handler. */
  private request(command: string, rawArg: string): void {
    const s = this.settings;
    const current = this.current;
    if (current && this.replyCode !== undefined && this.pending.delete(current.seq)) this.message();
    this.session();
    if (this.pending.size < s.maxPendingCommands) this.push(command, rawArg);
    else this.ctx.malformed("FTP_too_many_pending_commands");
    let arg = rawArg;
    if (command === "USER") {
      if (arg.length > s.maxUserLength) {
        this.ctx.malformed("FTP_user_too_long");
        arg = arg.slice(0, s.maxUserLength);
      }
      this.user = arg;
    } else if (command === "PASS") {
      if (arg.length > s.maxPasswordLength) {
        this.ctx.malformed("FTP_password_too_long");
        arg = arg.slice(0, s.maxPasswordLength);
      }
      this.password = arg;
    } else if (command === "PORT" || command === "EPRT") {
      const port = command === "PORT" ? parseFtpPort(arg) : parseFtpEprt(arg);
      if (port.valid) {
        this.dataChannel({ passive: false, orig_h: this.ctx.flow.dst, resp_h: port.host, resp_p: port.port });
      }
    }
  }

  private dataChannel(channel: DataChannel): void {
    this.channel = channel;
    this.ctx.expect?.(
      { orig_h: channel.orig_h, resp_h: channel.resp_h, resp_p: channel.resp_p },
      "ftp-data",
      FTP_DATA_EXPECT_SECONDS,
    );
  }

  private replyLine(line: string): void {
    if (this.done) return;
    const digits = line.length >= 3 && /^\d{3}/.test(line);
    let code = digits ? Number(line.slice(0, 3)) : 0;
    let message: string;
    let continued: boolean;
    if (this.multiline) {
      if (code === this.multiline && line.length > 3 && line[3] === " ") {
        message = line.slice(3).trimStart();
        this.multiline = 0;
        continued = false;
      } else {
        continued = true;
        code = 0;
        message = line;
      }
    } else {
      continued = false;
      if (code === 0) return this.violation("non-numeric reply code");
      if (code < 100) return this.violation("invalid reply code");
      if (line.length > 3 && line[3] === "-") {
        this.multiline = code;
        message = line.slice(4).trimStart();
        continued = true;
      } else if (line.length > 3 && line[3] !== " ") {
        return this.violation("invalid reply line");
      } else {
        message = line.slice(3).trimStart();
      }
    }
    if (code === 234 && this.auth === "TLS") {
      this.reply(code, message, continued);
      // Zeek's ftp.log gets what is pending now; the rest of the connection is TLS.
      this.finish();
      this.done = true;
      this.ctx.handOver("ssl");
      return;
    }
    this.reply(code, message, continued);
  }

  /** Zeek's ftp_reply handler. */
  private reply(code: number, message: string, continued: boolean): void {
    this.session();
    if (continued && code === 0 && this.replyCode !== undefined && !REPLY_LIKE.test(message)) return;
    const current = bestPending(this.pending.values(), code, message) ?? {
      command: "<unknown>",
      arg: "",
      seq: 0,
      ts: this.ts,
      cwdConsumed: false,
    };
    this.current = current;
    this.replyCode = code;
    this.replyMsg = message;
    if (continued) return;
    const cmd = current.command;
    if ((code === 150 && cmd === "RETR") || (code === 213 && cmd === "SIZE")) {
      this.fileSize = lastCount(message);
    } else if ((code === 227 || code === 229) && (cmd === "PASV" || cmd === "EPSV")) {
      const port = code === 227 ? parseFtpPasv(message) : parseFtpEpsv(message);
      if (port.valid) {
        const host = code === 229 && port.host === "::" ? this.ctx.flow.dst : port.host;
        this.dataChannel({ passive: true, orig_h: this.ctx.flow.src, resp_h: host, resp_p: port.port });
      }
    }
    if (DIRECTORY_REPLIES[cmd]?.includes(code) && !current.cwdConsumed) {
      current.cwdConsumed = true;
      if (cmd === "CWD") this.cwd = compressPath(buildPath(this.cwd, current.arg));
      else if (cmd === "CDUP") this.cwd = compressPath(buildPath(this.cwd, "/.."));
      else this.cwd = extractPath(message);
    }
    if (this.pending.size > 1) {
      this.pending.delete(current.seq);
      this.message();
    }
  }

  /** Not FTP after all (Zeek's analyzer violation): what is pending is written, and the parser stops. */
  private violation(reason: string): void {
    this.finish();
    this.done = true;
    if (this.ctx.violation) this.ctx.violation(reason);
    else this.ctx.malformed(reason);
  }

  private hidePassword(): boolean {
    return !this.settings.capturePassword && !this.settings.guestIds.has(this.user.toLowerCase());
  }

  /** Zeek's ftp_message: the current command and the reply state as one record. */
  private message(): void {
    const p = this.current;
    if (!p) return;
    const s = this.settings;
    let arg = FILE_COMMANDS.has(p.command) ? ftpUrl(this.ctx.flow.dst, this.cwd, p.arg) : p.arg;
    if (arg.length > s.maxArgLength) {
      this.ctx.malformed("FTP_arg_too_long");
      arg = arg.slice(0, s.maxArgLength);
    }
    if (this.replyMsg !== undefined && this.replyMsg.length > s.maxReplyMsgLength) {
      this.ctx.malformed("FTP_reply_msg_too_long");
      this.replyMsg = this.replyMsg.slice(0, s.maxReplyMsgLength);
    }
    const hide = this.hidePassword();
    if (p.command === "PASS" && hide) arg = HIDDEN;
    if (this.password !== undefined && hide) this.password = HIDDEN;
    const channel = this.channel;
    const record: FtpRecord = {
      protocol: "ftp",
      uid: this.ctx.flow.uid,
      ts: p.ts,
      user: this.user,
      password: this.password,
      command: p.command,
      arg: arg === "" ? undefined : arg,
      mime_type: undefined,
      file_size: this.fileSize,
      reply_code: this.replyCode,
      reply_msg: this.replyMsg,
      "data_channel.passive": channel?.passive,
      "data_channel.orig_h": channel?.orig_h,
      "data_channel.resp_h": channel?.resp_h,
      "data_channel.resp_p": channel?.resp_p,
      fuid: undefined,
      ...(s.loggedCommands.has(p.command) ? {} : { unlogged: true }),
    };
    this.fileSize = undefined;
    this.channel = undefined;
    this.ctx.emit(record);
  }
}
