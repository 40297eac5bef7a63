/**
 * Zeek's http.log: one record per request and its response (a pipelined connection has several,
 * numbered by `trans_depth`), with the fields and types of Zeek's `HTTP::Info`
 * (base/protocols/http/main.zeek and the file-analysis fields of base/protocols/http/entities.zeek).
 */
import type { ProtocolRecord } from "../parser";
import { CONN_ID_FIELDS, type LogSchema } from "../logs/zeekLog";

/**
 * One request/response pair, named as in Zeek's http.log. Fields Zeek leaves unset are
 * `undefined` (a reply without a request has no `method`; a request without a reply no
 * `status_code`).
 */
export interface HttpRecord extends ProtocolRecord {
  readonly protocol: "http";
  /** Position of the pair in the connection, from 1 (pipelined requests count up). */
  readonly trans_depth: number;
  readonly method: string | undefined;
  /** The Host header as sent (with its port, if any). */
  readonly host: string | undefined;
  /** The request URI with %-escapes decoded, as Zeek logs it. */
  readonly uri: string | undefined;
  readonly referrer: string | undefined;
  /**
   * The version of the reply ("1.1", "1.0", "0.9" for a reply without status line), as Zeek logs
   * it; for a request that got no reply, the request's version (Zeek leaves it unset).
   */
  readonly version: string | undefined;
  readonly user_agent: string | undefined;
  readonly origin: string | undefined;
  /** Body bytes of the request, after dechunking and decompression. */
  readonly request_body_len: number | undefined;
  readonly response_body_len: number | undefined;
  readonly status_code: number | undefined;
  readonly status_msg: string | undefined;
  /** The last 1xx (informational) reply before the final one. */
  readonly info_code: number | undefined;
  readonly info_msg: string | undefined;
  /** Zeek's tags (none are set by the base scripts). */
  readonly tags: readonly string[];
  /** From an Authorization (Basic) header. */
  readonly username: string | undefined;
  /** Only when `HTTP_CAPTURE_PASSWORD` is on (Zeek's `HTTP::default_capture_password`, off by default). */
  readonly password: string | undefined;
  /** Proxy headers seen ("VIA -> 1.1 proxy"). */
  readonly proxied: readonly string[] | undefined;
  readonly orig_fuids: readonly string[] | undefined;
  readonly orig_filenames: readonly string[] | undefined;
  /** The sniffed type of the request body (see httpSniff.ts). */
  readonly orig_mime_types: readonly string[] | undefined;
  readonly resp_fuids: readonly string[] | undefined;
  readonly resp_filenames: readonly string[] | undefined;
  readonly resp_mime_types: readonly string[] | undefined;
}

/** http.log's schema: Zeek's default fields in Zeek's order and types. */
export const HTTP_LOG: LogSchema = {
  path: "http",
  fields: [
    ...CONN_ID_FIELDS,
    { name: "trans_depth", type: "count" },
    { name: "method", type: "string" },
    { name: "host", type: "string" },
    { name: "uri", type: "string" },
    { name: "referrer", type: "string" },
    { name: "version", type: "string" },
    { name: "user_agent", type: "string" },
    { name: "origin", type: "string" },
    { name: "request_body_len", type: "count" },
    { name: "response_body_len", type: "count" },
    { name: "status_code", type: "count" },
    { name: "status_msg", type: "string" },
    { name: "info_code", type: "count" },
    { name: "info_msg", type: "string" },
    { name: "tags", type: "set[enum]" },
    { name: "username", type: "string" },
    { name: "password", type: "string" },
    { name: "proxied", type: "set[string]" },
    { name: "orig_fuids", type: "vector[string]" },
    { name: "orig_filenames", type: "vector[string]" },
    { name: "orig_mime_types", type: "vector[string]" },
    { name: "resp_fuids", type: "vector[string]" },
    { name: "resp_filenames", type: "vector[string]" },
    { name: "resp_mime_types", type: "vector[string]" },
  ],
};
