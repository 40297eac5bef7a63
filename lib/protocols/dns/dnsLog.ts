/**
 * Zeek's dns.log: its default fields in Zeek's order and types (`base/protocols/dns/main.zeek`,
 * Zeek 8 with `opcode`/`opcode_name`), and `DnsRecord`, one line of it. Fields of policy scripts
 * (`auth`, `addl`, `original_query`) are left out.
 */
import type { FlowProtocol } from "../../flows/connRecord";
import { CONN_ID_FIELDS, type LogSchema } from "../logs/zeekLog";
import type { ProtocolRecord } from "../parser";

/** One dns.log line: a query and its response, or either alone. Named as Zeek's fields. */
export interface DnsRecord extends ProtocolRecord {
  readonly protocol: "dns";
  readonly proto: FlowProtocol;
  readonly trans_id: number;
  /** Seconds from the query to the first answer; unset without both (or when they coincide). */
  readonly rtt: number | undefined;
  /** The question's name lower-cased (Zeek's normalisation), else the first answer's owner. */
  readonly query: string | undefined;
  readonly qclass: number | undefined;
  readonly qclass_name: string | undefined;
  readonly qtype: number | undefined;
  readonly qtype_name: string | undefined;
  readonly rcode: number | undefined;
  readonly rcode_name: string | undefined;
  readonly AA: boolean;
  readonly TC: boolean;
  readonly RD: boolean;
  readonly RA: boolean;
  readonly Z: number;
  /** The answer section as Zeek renders each record; unset when none was logged. */
  readonly answers: readonly string[] | undefined;
  /** The TTL of each of `answers`, seconds. */
  readonly TTLs: readonly number[] | undefined;
  readonly rejected: boolean;
  readonly opcode: number | undefined;
  readonly opcode_name: string | undefined;
}

/** dns.log's schema. */
export const DNS_LOG: LogSchema = {
  path: "dns",
  fields: [
    ...CONN_ID_FIELDS,
    { name: "proto", type: "enum" },
    { name: "trans_id", type: "count" },
    { name: "rtt", type: "interval" },
    { name: "query", type: "string" },
    { name: "qclass", type: "count" },
    { name: "qclass_name", type: "string" },
    { name: "qtype", type: "count" },
    { name: "qtype_name", type: "string" },
    { name: "rcode", type: "count" },
    { name: "rcode_name", type: "string" },
    { name: "AA", type: "bool" },
    { name: "TC", type: "bool" },
    { name: "RD", type: "bool" },
    { name: "RA", type: "bool" },
    { name: "Z", type: "count" },
    { name: "answers", type: "vector[string]" },
    { name: "TTLs", type: "vector[interval]" },
    { name: "rejected", type: "bool" },
    { name: "opcode", type: "count" },
    { name: "opcode_name", type: "string" },
  ],
};
