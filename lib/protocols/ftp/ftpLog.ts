/**
 * FTP's record and log: one `FtpRecord` per command and the reply that answered it, named and
 * typed as Zeek's ftp.log (base/protocols/ftp/info.zeek), and the tunables Zeek's FTP scripts have
 * (which commands are logged, the length limits, the pending-commands bound), with Zeek's defaults.
 */
import type { ProtocolRecord } from "../parser";
import { CONN_ID_FIELDS, type LogSchema } from "../logs/zeekLog";

/** One command and its reply, as a row of Zeek's ftp.log. */
export interface FtpRecord extends ProtocolRecord {
  readonly protocol: "ftp";
  /** The USER of the session, `<unknown>` before any (cut to `maxUserLength`). */
  readonly user: string;
  /** The PASS of the session; `<hidden>` unless the user is a guest or passwords are captured. */
  readonly password: string | undefined;
  /** The command, upper case; `<init>` for the server's greeting, `<unknown>` for a reply no command asked for. */
  readonly command: string;
  /** Its argument (a file command's as an `ftp://` URL, PASS's hidden like the password); unset when empty. */
  readonly arg: string | undefined;
  /** Type of the file sent on the data channel (Zeek sniffs it; not done here, always unset). */
  readonly mime_type: string | undefined;
  /** File size the server announced (150 to RETR, 213 to SIZE). */
  readonly file_size: number | undefined;
  /** The reply's code (the last reply seen when the command was never answered). */
  readonly reply_code: number | undefined;
  readonly reply_msg: string | undefined;
  /** The data channel the command or its reply set up (PASV/EPSV: passive; PORT/EPRT: active). */
  readonly "data_channel.passive": boolean | undefined;
  readonly "data_channel.orig_h": string | undefined;
  readonly "data_channel.resp_h": string | undefined;
  readonly "data_channel.resp_p": number | undefined;
  /** Zeek's file id of the transfer (no file analysis here: always unset). */
  readonly fuid: string | undefined;
}

/** Zeek's ftp.log (base/protocols/ftp/info.zeek), fields in Zeek's order. */
export const FTP_LOG: LogSchema = {
  path: "ftp",
  fields: [
    ...CONN_ID_FIELDS,
    { name: "user", type: "string" },
    { name: "password", type: "string" },
    { name: "command", type: "string" },
    { name: "arg", type: "string" },
    { name: "mime_type", type: "string" },
    { name: "file_size", type: "count" },
    { name: "reply_code", type: "count" },
    { name: "reply_msg", type: "string" },
    { name: "data_channel.passive", type: "bool" },
    { name: "data_channel.orig_h", type: "addr" },
    { name: "data_channel.resp_h", type: "addr" },
    { name: "data_channel.resp_p", type: "port" },
    { name: "fuid", type: "string" },
  ],
};

/** Commands whose command/reply pairs Zeek logs by default (`FTP::logged_commands`). */
export const ZEEK_LOGGED_COMMANDS: readonly string[] = [
  "APPE",
  "DELE",
  "RETR",
  "STOR",
  "STOU",
  "ACCT",
  "PORT",
  "PASV",
  "EPRT",
  "EPSV",
];

/** User names taken as anonymous logins, whose password is logged (`FTP::guest_ids`). */
export const FTP_GUEST_IDS: readonly string[] = ["anonymous", "ftp", "ftpuser", "guest"];

/** Commands a client may send before the server answers; more are dropped and counted (`FTP::max_pending_commands`). */
export const FTP_MAX_PENDING_COMMANDS = 20;
/** Longest user name kept, bytes (`FTP::max_user_length`). */
export const FTP_MAX_USER_LENGTH = 128;
/** Longest password kept, bytes (`FTP::max_password_length`). */
export const FTP_MAX_PASSWORD_LENGTH = 128;
/** Longest logged argument, bytes (`FTP::max_arg_length`). */
export const FTP_MAX_ARG_LENGTH = 4096;
/** Longest logged reply message, bytes (`FTP::max_reply_msg_length`). */
export const FTP_MAX_REPLY_MSG_LENGTH = 4096;
/** Longest command word; a longer one is ignored with its line and counted (Zeek's `FTP::max_command_length`). */
export const FTP_MAX_COMMAND_LENGTH = 100;
/**
 * Longest line kept, bytes: room for the longest logged argument and more; a longer line is
 * skipped and counted (bounds the memory of a peer that never sends a newline).
 */
export const FTP_MAX_LINE_BYTES = 8192;
/** How long a data channel announced by PORT/PASV/EPRT/EPSV is expected, seconds (Zeek: 5 minutes). */
export const FTP_DATA_EXPECT_SECONDS = 300;

/** Settings of the FTP parser; each defaults to Zeek's. */
export interface FtpOptions {
  /** Commands written to the log (others are emitted with `unlogged`). Default `ZEEK_LOGGED_COMMANDS`. */
  loggedCommands?: Iterable<string>;
  /** Log passwords of non-guest users too (`FTP::default_capture_password`). Default false. */
  capturePassword?: boolean;
  guestIds?: Iterable<string>;
  maxPendingCommands?: number;
  maxUserLength?: number;
  maxPasswordLength?: number;
  maxArgLength?: number;
  maxReplyMsgLength?: number;
  maxCommandLength?: number;
}

/** `FtpOptions` with every default filled in. */
export interface FtpSettings {
  readonly loggedCommands: ReadonlySet<string>;
  readonly capturePassword: boolean;
  readonly guestIds: ReadonlySet<string>;
  readonly maxPendingCommands: number;
  readonly maxUserLength: number;
  readonly maxPasswordLength: number;
  readonly maxArgLength: number;
  readonly maxReplyMsgLength: number;
  readonly maxCommandLength: number;
}

/** The options with Zeek's defaults for what is not given. */
export function ftpSettings(o: FtpOptions = {}): FtpSettings {
  return {
    loggedCommands: new Set(o.loggedCommands ?? ZEEK_LOGGED_COMMANDS),
    capturePassword: o.capturePassword ?? false,
    guestIds: new Set([...(o.guestIds ?? FTP_GUEST_IDS)].map((g) => g.toLowerCase())),
    maxPendingCommands: o.maxPendingCommands ?? FTP_MAX_PENDING_COMMANDS,
    maxUserLength: o.maxUserLength ?? FTP_MAX_USER_LENGTH,
    maxPasswordLength: o.maxPasswordLength ?? FTP_MAX_PASSWORD_LENGTH,
    maxArgLength: o.maxArgLength ?? FTP_MAX_ARG_LENGTH,
    maxReplyMsgLength: o.maxReplyMsgLength ?? FTP_MAX_REPLY_MSG_LENGTH,
    maxCommandLength: o.maxCommandLength ?? FTP_MAX_COMMAND_LENGTH,
  };
}

/** User names RFC 1635 gives anonymous FTP (what KDD's is_guest_login reads; Zeek's list is longer). */
const RFC1635_GUEST_USERS = new Set(["anonymous", "ftp"]);

/** True when the user name is an anonymous (guest) login as RFC 1635 names them. */
export function isGuestUser(user: string): boolean {
  return RFC1635_GUEST_USERS.has(user.toLowerCase());
}
