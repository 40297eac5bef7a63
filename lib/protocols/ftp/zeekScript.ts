/**
 * FTP settings from a Zeek script's `redef FTP::...` lines (a site policy, or a regression test's
 * `test.zeek`), so a capture can be analysed as Zeek configured by that script analysed it:
 * `logged_commands` (`=` or `+=` a set of names), `default_capture_password`, and the limits
 * `max_pending_commands`, `max_user_length`, `max_password_length`, `max_arg_length`,
 * `max_reply_msg_length`. Other lines are ignored.
 */
import { type FtpOptions, ZEEK_LOGGED_COMMANDS } from "./ftpLog";

const LIMITS: Readonly<Record<string, keyof FtpOptions>> = {
  max_pending_commands: "maxPendingCommands",
  max_user_length: "maxUserLength",
  max_password_length: "maxPasswordLength",
  max_arg_length: "maxArgLength",
  max_reply_msg_length: "maxReplyMsgLength",
};

/** The FTP options a Zeek script sets (empty when it sets none). */
export function ftpOptionsFromZeekScript(script: string): FtpOptions {
  const options: { -readonly [K in keyof FtpOptions]: FtpOptions[K] } = {};
  let logged: Set<string> | undefined;
  for (const m of script.matchAll(/^\s*redef\s+FTP::(\w+)\s*(\+?=)\s*([^;]*);/gm)) {
    const [, name, op, value] = m;
    if (name === "logged_commands") {
      const names = [...value.matchAll(/"([^"]*)"/g)].map((n) => n[1]);
      logged = op === "+=" ? new Set([...(logged ?? ZEEK_LOGGED_COMMANDS), ...names]) : new Set(names);
    } else if (name === "default_capture_password") {
      options.capturePassword = value.trim() === "T";
    } else if (LIMITS[name] && /^\s*\d+\s*$/.test(value)) {
      (options as Record<string, unknown>)[LIMITS[name]] = Number(value);
    }
  }
  if (logged) options.loggedCommands = logged;
  return options;
}
