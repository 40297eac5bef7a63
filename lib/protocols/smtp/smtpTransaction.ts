/**
 * The script half of Zeek's SMTP analysis (base/protocols/smtp/main.zeek): the smtp.log record
 * being filled (one per mail transaction), from the commands, replies and headers the protocol
 * half (`smtpParser.ts`) reports, and when a record is complete: after the reply to the end of
 * DATA or to BDAT LAST, when a new MAIL FROM starts another transaction, or when the connection
 * ends, each only if the client did something in it.
 */
import { emailAddresses, ipAddresses, mimeAddresses } from "./smtpAddresses";
import type { SmtpRecord } from "./smtpLog";

/** Addresses kept per rcptto, to and cc set (Zeek's `max_rcptto_addresses` and friends); more are counted. */
export const SMTP_MAX_ADDRESSES = 1000;
/** Hosts kept in a path (Zeek's `max_path_length`). */
export const SMTP_MAX_PATH = 1000;
/** Invalid transactions (RCPT before MAIL, DATA before RCPT) after which analysis stops (Zeek's default). */
export const SMTP_MAX_INVALID_TRANSACTIONS = 25;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Fields = Omit<Mutable<SmtpRecord>, "protocol" | "uid" | "rcptto" | "to" | "cc" | "path" | "fuids"> & {
  rcptto: string[] | undefined;
  to: string[] | undefined;
  cc: string[] | undefined;
  path: string[];
};

/** The transactions of one SMTP connection. */
export class SmtpTransactions {
  private helo: string | undefined;
  private messages = 0;
  private info: Fields | undefined;
  private activity = false;
  private mailFromSeen = false;
  private rcptToSeen = false;
  private bdatLastSeen = false;
  private invalid = 0;
  /** Messages begun in the current record; Zeek reads headers of the first only (`entity_count`). */
  private messagesBegun = 0;
  /** True once too many invalid transactions were seen: the caller stops analysing. */
  stopped = false;

  constructor(
    private readonly uid: number,
    private readonly orig: string,
    private readonly resp: string,
    private readonly emit: (record: SmtpRecord) => void,
    private readonly malformed: (reason: string) => void,
    private readonly maxInvalid = SMTP_MAX_INVALID_TRANSACTIONS,
  ) {}

  private current(ts: number): Fields {
    this.info ??= this.fresh(ts);
    return this.info;
  }

  private fresh(ts: number): Fields {
    this.activity = false;
    this.messagesBegun = 0;
    return {
      ts,
      trans_depth: this.messages + 1,
      helo: this.helo,
      mailfrom: undefined,
      rcptto: undefined,
      date: undefined,
      from: undefined,
      to: undefined,
      cc: undefined,
      reply_to: undefined,
      msg_id: undefined,
      in_reply_to: undefined,
      subject: undefined,
      x_originating_ip: undefined,
      first_received: undefined,
      second_received: undefined,
      last_reply: undefined,
      path: [this.resp, this.orig],
      user_agent: undefined,
      tls: false,
    };
  }

  /** Writes the record if the client did something in it, and starts a new one (Zeek's `smtp_message`). */
  private flush(ts: number): void {
    if (this.info && this.activity) {
      const { rcptto, to, cc, path, ...rest } = this.info;
      this.emit({ protocol: "smtp", uid: this.uid, ...rest, rcptto, to, cc, path, fuids: [] });
      this.info = this.fresh(ts);
    }
  }

  private invalidTransaction(reason: string): void {
    this.malformed(reason);
    if (++this.invalid > this.maxInvalid) {
      this.malformed("too many invalid mail transactions");
      this.stopped = true;
    }
  }

  private addAll(set: string[], values: readonly string[], what: string): void {
    for (const v of values) {
      if (set.includes(v)) continue;
      if (set.length >= SMTP_MAX_ADDRESSES) {
        this.malformed(`too many ${what} addresses`);
        return;
      }
      set.push(v);
    }
  }

  /** A client command (word as sent) and its argument. */
  request(command: string, arg: string, ts: number): void {
    const info = this.current(ts);
    const upper = command.toUpperCase();
    if (upper === "HELO" || upper === "EHLO") {
      this.helo = arg;
      info.helo = arg;
    } else if (upper === "RCPT" && /^to:/i.test(arg)) {
      info.rcptto ??= [];
      const addresses = [...new Set(emailAddresses(arg))].map((a) => a.replace(/ORCPT=rfc822;?/g, ""));
      this.addAll(info.rcptto, addresses, "rcptto");
      this.activity = true;
      this.rcptToSeen = true;
      if (!this.mailFromSeen) this.invalidTransaction("rcpt to missing mail from");
    } else if (upper === "MAIL" && /^from:/i.test(arg)) {
      this.flush(ts);
      const next = this.current(ts);
      const first = emailAddresses(arg)[0];
      if (first) next.mailfrom = first;
      this.activity = true;
      this.mailFromSeen = true;
      this.rcptToSeen = false;
    } else if (upper === "DATA" || upper === "BDAT") {
      if (!this.rcptToSeen) this.invalidTransaction("data missing rcpt to");
      if (upper === "BDAT" && arg.endsWith(" LAST")) {
        this.mailFromSeen = false;
        this.rcptToSeen = false;
        this.bdatLastSeen = true;
      }
    } else if (upper === ".") {
      this.mailFromSeen = false;
      this.rcptToSeen = false;
    }
  }

  /**
   * A server reply line: its code, the command it answers ("." for the end of DATA), its text, and
   * whether more lines of the same reply follow.
   */
  reply(code: number, command: string, text: string, continued: boolean, ts: number): void {
    this.current(ts).last_reply = `${code} ${text}`;
    if (command === "." || (!continued && command === "BDAT" && this.bdatLastSeen)) {
      this.messages++;
      this.bdatLastSeen = false;
      this.flush(ts);
      this.info = this.fresh(ts);
    }
  }

  /** STARTTLS succeeded. */
  startTls(ts: number): void {
    this.current(ts).tls = true;
    this.activity = true;
  }

  /** A message (DATA, or the first BDAT chunk) begins in the current record. */
  beginMessage(ts: number): void {
    this.current(ts);
    this.messagesBegun++;
  }

  /** One top-level header of the message being sent (of the record's first message only, as Zeek). */
  header(name: string, value: string, ts: number): void {
    const info = this.current(ts);
    if (this.messagesBegun > 1) return;
    switch (name) {
      case "MESSAGE-ID":
        info.msg_id = value;
        break;
      case "RECEIVED":
        if (info.first_received !== undefined) info.second_received = info.first_received;
        info.first_received = value;
        this.received(info, value);
        break;
      case "IN-REPLY-TO":
        info.in_reply_to = value;
        break;
      case "SUBJECT":
        info.subject = value;
        break;
      case "FROM":
        info.from = value;
        break;
      case "REPLY-TO":
        info.reply_to = value;
        break;
      case "DATE":
        info.date = value;
        break;
      case "TO":
        info.to ??= [];
        this.addAll(info.to, mimeAddresses(value), "to");
        break;
      case "CC":
        info.cc ??= [];
        this.addAll(info.cc, mimeAddresses(value), "cc");
        break;
      case "X-ORIGINATING-IP": {
        const ip = ipAddresses(value)[0];
        if (ip !== undefined) info.x_originating_ip = ip;
        break;
      }
      case "X-MAILER":
      case "USER-AGENT":
      case "X-USER-AGENT":
        info.user_agent = value;
        break;
    }
  }

  /** A relay of a Received header joins the path (Zeek takes the second address when there are more). */
  private received(info: Fields, value: string): void {
    const ips = ipAddresses(value, true);
    const ip = ips.length > 1 ? ips[1] : ips[0];
    if (ip === undefined || info.path[info.path.length - 1] === ip) return;
    if (info.path.length >= SMTP_MAX_PATH) {
      this.malformed("path too long");
      return;
    }
    info.path.push(ip);
  }

  /** The connection ended (or was handed over): the record in progress is written if it has anything. */
  finish(ts: number): void {
    this.flush(ts);
  }
}
