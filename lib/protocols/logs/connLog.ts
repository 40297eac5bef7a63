/**
 * conn.log and weird.log: the flow table's `ConnRecord` as Zeek's conn.log row, and a parser's
 * malformed input as a weird.log row.
 */
import { type ConnRecord, zeekUid } from "../../flows/connRecord";
import { type AddressKind, addressKind } from "../../net/addressKind";
import { CONN_ID_FIELDS, type LogRow, type LogSchema } from "./zeekLog";

/** Zeek's conn.log (base/protocols/conn/main.zeek), without the fields of optional scripts. */
export const CONN_LOG: LogSchema = {
  path: "conn",
  fields: [
    ...CONN_ID_FIELDS,
    { name: "proto", type: "enum" },
    { name: "service", type: "string" },
    { name: "duration", type: "interval" },
    { name: "orig_bytes", type: "count" },
    { name: "resp_bytes", type: "count" },
    { name: "conn_state", type: "string" },
    { name: "local_orig", type: "bool" },
    { name: "local_resp", type: "bool" },
    { name: "missed_bytes", type: "count" },
    { name: "history", type: "string" },
    { name: "orig_pkts", type: "count" },
    { name: "orig_ip_bytes", type: "count" },
    { name: "resp_pkts", type: "count" },
    { name: "resp_ip_bytes", type: "count" },
    { name: "tunnel_parents", type: "set[string]" },
    { name: "ip_proto", type: "count" },
  ],
};

/** Zeek's weird.log: one line per malformed input a parser counted. */
export const WEIRD_LOG: LogSchema = {
  path: "weird",
  fields: [
    ...CONN_ID_FIELDS,
    { name: "name", type: "string" },
    { name: "addl", type: "string" },
    { name: "notice", type: "bool" },
    { name: "peer", type: "string" },
    { name: "source", type: "string" },
  ],
};

/** The endpoints of a flow, as the `id.*` fields of a row. */
export function idFields(flow: {
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
}): LogRow {
  return {
    "id.orig_h": flow.src,
    "id.orig_p": flow.srcPort,
    "id.resp_h": flow.dst,
    "id.resp_p": flow.dstPort,
  };
}

/**
 * Address kinds Zeek counts as local by default (`Site::private_address_space_is_local`: its
 * private address space, the special-purpose ranges that are not multicast, joins `local_nets`).
 */
const LOCAL_KINDS: ReadonlySet<AddressKind> = new Set<AddressKind>([
  "unspecified",
  "loopback",
  "private",
  "link-local",
  "documentation",
  "reserved",
  "broadcast",
]);

/** Whether Zeek's default site policy takes `address` as local (local_orig, local_resp). */
export function isLocalAddress(address: string): boolean {
  const kind = addressKind(address);
  return kind !== undefined && LOCAL_KINDS.has(kind);
}

/** A conn record as a conn.log row; `uidSeed` as in `zeekUid`. */
export function connRow(c: ConnRecord, uidSeed = 0): LogRow {
  // Zeek sets duration and the byte counts only when the duration is above 0 (conn/main.zeek's set_conn).
  const single = !(c.duration > 0);
  return {
    ts: c.ts,
    uid: zeekUid(c.uid, uidSeed),
    ...idFields(c),
    proto: c.proto,
    service: c.service === "" ? undefined : c.service,
    duration: single ? undefined : c.duration,
    orig_bytes: single ? undefined : c.origBytes,
    resp_bytes: single ? undefined : c.respBytes,
    conn_state: c.state,
    local_orig: isLocalAddress(c.src),
    local_resp: isLocalAddress(c.dst),
    missed_bytes: c.missedBytes,
    history: c.history === "" ? undefined : c.history,
    orig_pkts: c.origPackets,
    orig_ip_bytes: c.origIpBytes,
    resp_pkts: c.respPackets,
    resp_ip_bytes: c.respIpBytes,
    tunnel_parents: undefined,
    ip_proto: c.ipProto,
  };
}
