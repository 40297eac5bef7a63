/**
 * smtp.log: Zeek's record of one mail transaction (base/protocols/smtp/main.zeek), field for field:
 * the envelope (HELO, MAIL FROM, RCPT TO), the message's top-level headers, the server's last
 * reply, the relay path and whether the session switched to TLS.
 */
import type { ProtocolRecord } from "../parser";
import { CONN_ID_FIELDS, type LogSchema } from "../logs/zeekLog";

/** One mail transaction, named as in Zeek's smtp.log. */
export interface SmtpRecord extends ProtocolRecord {
  readonly protocol: "smtp";
  /** 1 for the connection's first message, then one more per message delivered. */
  readonly trans_depth: number;
  readonly helo: string | undefined;
  /** The first address of MAIL FROM. */
  readonly mailfrom: string | undefined;
  /** Addresses of every RCPT TO of the transaction. */
  readonly rcptto: readonly string[] | undefined;
  readonly date: string | undefined;
  readonly from: string | undefined;
  readonly to: readonly string[] | undefined;
  readonly cc: readonly string[] | undefined;
  readonly reply_to: string | undefined;
  readonly msg_id: string | undefined;
  readonly in_reply_to: string | undefined;
  readonly subject: string | undefined;
  readonly x_originating_ip: string | undefined;
  /** The last Received header of the message (Zeek's naming: the one added first on the way). */
  readonly first_received: string | undefined;
  readonly second_received: string | undefined;
  /** The server's last reply line, "code text". */
  readonly last_reply: string | undefined;
  /** Responder, originator, then the relays named in the Received headers. */
  readonly path: readonly string[];
  readonly user_agent: string | undefined;
  /** True once STARTTLS succeeded (the rest of the connection is TLS). */
  readonly tls: boolean;
  /** File ids of the message's parts: left empty (Detective has no file analysis). */
  readonly fuids: readonly string[];
}

/** Zeek's smtp.log fields and types, in Zeek's order (as Zeek 8 writes them by default). */
export const SMTP_LOG: LogSchema = {
  path: "smtp",
  fields: [
    ...CONN_ID_FIELDS,
    { name: "trans_depth", type: "count" },
    { name: "helo", type: "string" },
    { name: "mailfrom", type: "string" },
    { name: "rcptto", type: "set[string]" },
    { name: "date", type: "string" },
    { name: "from", type: "string" },
    { name: "to", type: "set[string]" },
    { name: "cc", type: "set[string]" },
    { name: "reply_to", type: "string" },
    { name: "msg_id", type: "string" },
    { name: "in_reply_to", type: "string" },
    { name: "subject", type: "string" },
    { name: "x_originating_ip", type: "addr" },
    { name: "first_received", type: "string" },
    { name: "second_received", type: "string" },
    { name: "last_reply", type: "string" },
    { name: "path", type: "vector[addr]" },
    { name: "user_agent", type: "string" },
    { name: "tls", type: "bool" },
    { name: "fuids", type: "vector[string]" },
  ],
};
