/**
 * SSH's bytes (RFC 4253): the identification line, binary packets with their padding, KEXINIT with
 * its algorithm lists, a key-exchange reply carrying a host key, NEWKEYS, and the clear length
 * header of an encrypted packet (encrypt-then-MAC and AES-GCM modes). The simulator builds its SSH
 * sessions from these and the tests build their traffic from them.
 */
import { type KexInit, MSG_KEX_REPLY, MSG_KEXINIT, MSG_NEWKEYS } from "./sshMessages";

/** Bytes of an SSH packet's MAC (hmac-sha2-256-etm@openssh.com truncated, or an AEAD tag): 16. */
export const SSH_MAC_BYTES = 16;
/** Cipher block size packets are padded to before keys are in use (RFC 4253 6: at least 8). */
export const SSH_CLEAR_BLOCK_BYTES = 8;

/** The identification line `SSH-2.0-<software>` and CR LF. */
export function sshBanner(software: string, protocol = "2.0"): Uint8Array {
  return Buffer.from(`SSH-${protocol}-${software}\r\n`, "latin1");
}

function uint32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

function sshString(b: Uint8Array | string): number[] {
  const data = typeof b === "string" ? Buffer.from(b, "latin1") : b;
  return [...uint32(data.length), ...data];
}

/**
 * A clear binary packet of `payload`: length, padding length, payload, and padding (zeros) so the
 * whole is a multiple of the block size with at least 4 bytes of padding.
 */
export function sshPacket(payload: Uint8Array): Uint8Array {
  let padding = SSH_CLEAR_BLOCK_BYTES - ((5 + payload.length) % SSH_CLEAR_BLOCK_BYTES);
  if (padding < 4) padding += SSH_CLEAR_BLOCK_BYTES;
  const length = 1 + payload.length + padding;
  return Uint8Array.from([...uint32(length), padding, ...payload, ...new Uint8Array(padding)]);
}

/** A KEXINIT payload with these algorithm lists (cookie zero, no languages, no guessed packet). */
export function sshKexInit(k: KexInit): Uint8Array {
  const lists = [
    k.kex,
    k.hostKey,
    k.cipherToServer,
    k.cipherToClient,
    k.macToServer,
    k.macToClient,
    k.compressionToServer,
    k.compressionToClient,
    [],
    [],
  ];
  return Uint8Array.from([
    MSG_KEXINIT,
    ...new Uint8Array(16),
    ...lists.flatMap((l) => sshString(l.join(","))),
    0,
    ...uint32(0),
  ]);
}

/** A key-exchange reply (ECDH, Curve25519, hybrid) carrying `hostKey`, then placeholder public value and signature. */
export function sshKexReply(hostKey: Uint8Array): Uint8Array {
  return Uint8Array.from([
    MSG_KEX_REPLY,
    ...sshString(hostKey),
    ...sshString(new Uint8Array(32)),
    ...sshString(new Uint8Array(64)),
  ]);
}

/** NEWKEYS: what follows from this side is encrypted. */
export function sshNewKeys(): Uint8Array {
  return Uint8Array.of(MSG_NEWKEYS);
}

/**
 * Writes the clear length header of an encrypted packet filling a TCP segment of `segmentBytes`
 * into the first bytes of `out` (the segment's first `out.length` bytes; a packet length of
 * zero or less is not written).
 */
export function sshEncryptedLength(out: Uint8Array, segmentBytes: number): void {
  const length = segmentBytes - 4 - SSH_MAC_BYTES;
  if (length > 0)
    for (let i = 0; i < Math.min(4, out.length); i++) out[i] = (length >>> (8 * (3 - i))) & 0xff;
}
