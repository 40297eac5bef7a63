/**
 * ssh.log: Zeek's record of one SSH connection (base/protocols/ssh/main.zeek), field for field:
 * the version, the authentication outcome inferred from encrypted packet sizes, the banners, the
 * negotiated algorithms and the server's host key fingerprint.
 */
import type { ProtocolRecord } from "../parser";
import { CONN_ID_FIELDS, type LogSchema } from "../logs/zeekLog";

/** One SSH connection, named as in Zeek's ssh.log. */
export interface SshRecord extends ProtocolRecord {
  readonly protocol: "ssh";
  /** SSH major version both banners agree on (1 or 2; 0 when they cannot agree), unset until both are seen. */
  readonly version: number | undefined;
  /** T when a login succeeded, F when only failures were seen, unset when unknown. */
  readonly auth_success: boolean | undefined;
  /** Authentication attempts inferred from the encrypted replies' sizes. */
  readonly auth_attempts: number;
  /** OUTBOUND (a local client to a remote server) or INBOUND; unset when both or neither are local. */
  readonly direction: "OUTBOUND" | "INBOUND" | undefined;
  /** The client's identification string (`SSH-2.0-OpenSSH_6.6`), without CR LF. */
  readonly client: string | undefined;
  readonly server: string | undefined;
  readonly cipher_alg: string | undefined;
  readonly mac_alg: string | undefined;
  readonly compression_alg: string | undefined;
  readonly kex_alg: string | undefined;
  readonly host_key_alg: string | undefined;
  /** `SHA256:` and the base64 of the SHA-256 of the server's host key blob, as Zeek writes it. */
  readonly host_key_fingerprint: string | undefined;
}

/** Zeek's ssh.log fields and types, in Zeek's order. */
export const SSH_LOG: LogSchema = {
  path: "ssh",
  fields: [
    ...CONN_ID_FIELDS,
    { name: "version", type: "count" },
    { name: "auth_success", type: "bool" },
    { name: "auth_attempts", type: "count" },
    { name: "direction", type: "enum" },
    { name: "client", type: "string" },
    { name: "server", type: "string" },
    { name: "cipher_alg", type: "string" },
    { name: "mac_alg", type: "string" },
    { name: "compression_alg", type: "string" },
    { name: "kex_alg", type: "string" },
    { name: "host_key_alg", type: "string" },
    { name: "host_key_fingerprint", type: "string" },
  ],
};
