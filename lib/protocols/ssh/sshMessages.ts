/**
 * The SSH-2 transport messages the ssh.log needs (RFC 4253): KEXINIT's algorithm name-lists, the
 * server's host key in its key-exchange reply, and the negotiation rule (the first algorithm of the
 * client's list the server also offers, RFC 4253 7.1). Readers return undefined on truncated or
 * inconsistent input instead of throwing.
 */
import { createHash } from "node:crypto";

/** SSH_MSG_KEXINIT. */
export const MSG_KEXINIT = 20;
/** SSH_MSG_NEWKEYS: after it, the sender's packets are encrypted. */
export const MSG_NEWKEYS = 21;
/** SSH_MSG_KEXDH_REPLY, also the ECDH, Curve25519 and hybrid post-quantum replies (RFC 5656, 8731). */
export const MSG_KEX_REPLY = 31;
/** SSH_MSG_KEX_DH_GEX_REPLY (RFC 4419); with group exchange, 31 is the server's group instead. */
export const MSG_KEX_GEX_REPLY = 33;

/** The name-lists of a KEXINIT, in RFC 4253's order (languages left out). */
export interface KexInit {
  readonly kex: readonly string[];
  readonly hostKey: readonly string[];
  readonly cipherToServer: readonly string[];
  readonly cipherToClient: readonly string[];
  readonly macToServer: readonly string[];
  readonly macToClient: readonly string[];
  readonly compressionToServer: readonly string[];
  readonly compressionToClient: readonly string[];
}

/** An SSH `string` (uint32 length, then bytes) at `at` of `b`: [start, end] or undefined if it overruns. */
function stringAt(b: Uint8Array, at: number): [number, number] | undefined {
  if (at + 4 > b.length) return undefined;
  const length = ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
  const start = at + 4;
  if (start + length > b.length) return undefined;
  return [start, start + length];
}

/** A KEXINIT message's payload (its first byte is MSG_KEXINIT) as name-lists, or undefined if malformed. */
export function parseKexInit(payload: Uint8Array): KexInit | undefined {
  if (payload.length < 17 || payload[0] !== MSG_KEXINIT) return undefined;
  const lists: string[][] = [];
  let at = 17; // type and the 16-byte cookie
  for (let i = 0; i < 8; i++) {
    const s = stringAt(payload, at);
    if (!s) return undefined;
    const text = Buffer.from(payload.buffer, payload.byteOffset + s[0], s[1] - s[0]).toString("latin1");
    lists.push(text === "" ? [] : text.split(","));
    at = s[1];
  }
  return {
    kex: lists[0],
    hostKey: lists[1],
    cipherToServer: lists[2],
    cipherToClient: lists[3],
    macToServer: lists[4],
    macToClient: lists[5],
    compressionToServer: lists[6],
    compressionToClient: lists[7],
  };
}

/** What Zeek writes when the two lists share no algorithm. */
export const NEGOTIATION_FAILED = "Algorithm negotiation failed";

/** The negotiated algorithm: the first of the client's the server also offers (Zeek's `find_alg`). */
export function negotiate(client: readonly string[], server: readonly string[]): string {
  for (const c of client) if (server.includes(c)) return c;
  return NEGOTIATION_FAILED;
}

/** Both directions negotiated; one name when they agree, else Zeek's "To server: ..., to client: ...". */
export function negotiateBoth(
  clientToServer: [readonly string[], readonly string[]],
  serverToClient: [readonly string[], readonly string[]],
): string {
  const up = negotiate(...clientToServer);
  const down = negotiate(...serverToClient);
  return up === down ? up : `To server: ${up}, to client: ${down}`;
}

/** The algorithms a connection uses, from the client's and the server's KEXINIT. */
export function negotiated(client: KexInit, server: KexInit) {
  return {
    cipher_alg: negotiateBoth(
      [client.cipherToServer, server.cipherToServer],
      [client.cipherToClient, server.cipherToClient],
    ),
    mac_alg: negotiateBoth(
      [client.macToServer, server.macToServer],
      [client.macToClient, server.macToClient],
    ),
    compression_alg: negotiateBoth(
      [client.compressionToServer, server.compressionToServer],
      [client.compressionToClient, server.compressionToClient],
    ),
    kex_alg: negotiate(client.kex, server.kex),
    host_key_alg: negotiate(client.hostKey, server.hostKey),
  };
}

/**
 * The server's host key blob (K_S) out of a key-exchange reply `payload` (type byte first), or
 * undefined. Which message type carries it depends on the key exchange: with Diffie-Hellman group
 * exchange it is 33 (31 is the group), otherwise 31.
 */
export function hostKeyOf(payload: Uint8Array, kexAlg: string): Uint8Array | undefined {
  const groupExchange = kexAlg.includes("group-exchange");
  const type = groupExchange ? MSG_KEX_GEX_REPLY : MSG_KEX_REPLY;
  if (payload.length < 5 || payload[0] !== type) return undefined;
  const s = stringAt(payload, 1);
  return s ? payload.subarray(s[0], s[1]) : undefined;
}

/** Base64 characters of the SHA-256 Zeek keeps in `host_key_fingerprint` (observed in Zeek 8's logs). */
export const FINGERPRINT_BASE64_CHARS = 32;

/** The host key fingerprint as Zeek's ssh.log writes it: `SHA256:` and base64 of the key blob's SHA-256. */
export function hostKeyFingerprint(blob: Uint8Array): string {
  const digest = createHash("sha256").update(blob).digest("base64");
  return `SHA256:${digest.slice(0, FINGERPRINT_BASE64_CHARS)}`;
}
