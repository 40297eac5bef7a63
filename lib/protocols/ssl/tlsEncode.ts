/**
 * TLS messages as the simulator sends them (RFC 8446 and RFC 5246 shapes): a ClientHello carrying
 * SNI and ALPN, the server's first flight for TLS 1.3 or a resumed TLS 1.2 session, the client's
 * Finished, and streams of application-data records whose contents are random bytes. Kept beside
 * the parser that reads them back; nothing here is real cryptography.
 */

/** What the encoders need of the simulator: random-looking bytes (`SimContext` is one). */
export interface OpaqueSource {
  /** `n` bytes of opaque (random-looking) payload. */
  opaque(n: number): Uint8Array;
}

/** The captured bytes of a stream at an offset (the simulator's `BulkContent`). */
export type StreamContent = (offset: number, n: number) => Uint8Array;

/** TLS record content types (RFC 8446 section 5.1). */
const TLS_CHANGE_CIPHER_SPEC = 20;
const TLS_HANDSHAKE = 22;
const TLS_APPLICATION_DATA = 23;
/** Bytes a TLS 1.3 record adds to its plaintext: a content-type byte and a 16-byte AEAD tag. */
const TLS_RECORD_EXPANSION = 17;
/** A record header: type, legacy version (2 bytes), length (2 bytes). */
const TLS_RECORD_HEADER = 5;
/** The size browsers pad a ClientHello to (the padding extension, RFC 7685): 512 bytes of handshake. */
const CLIENT_HELLO_PADDED = 512;

const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
const u24 = (n: number): number[] => [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
const vector16 = (bytes: readonly number[]): number[] => [...u16(bytes.length), ...bytes];
const extension = (type: number, body: readonly number[]): number[] => [...u16(type), ...vector16(body)];

function record(type: number, version: number, body: readonly number[] | Uint8Array): Uint8Array {
  const out = new Uint8Array(TLS_RECORD_HEADER + body.length);
  out.set([type, ...u16(version), ...u16(body.length)]);
  out.set(body, TLS_RECORD_HEADER);
  return out;
}

function handshake(type: number, body: readonly number[]): number[] {
  return [type, ...u24(body.length), ...body];
}

/**
 * A ClientHello record as a current browser sends it: TLS 1.3 and 1.2 offered (supported_versions),
 * the server's name (SNI, RFC 6066), ALPN h2 and http/1.1, an X25519 key share, padded to 512 bytes.
 */
export function tlsClientHello(ctx: OpaqueSource, serverName: string): Uint8Array {
  const name = [...Buffer.from(serverName, "latin1")];
  const extensions = [
    ...extension(0, vector16([0, ...vector16(name)])), // server_name: host_name
    ...extension(23, []), // extended_master_secret
    ...extension(65_281, [0]), // renegotiation_info
    ...extension(10, vector16([...u16(0x1d), ...u16(0x17), ...u16(0x18)])), // supported_groups
    ...extension(11, [1, 0]), // ec_point_formats: uncompressed
    ...extension(35, []), // session_ticket
    ...extension(16, vector16([2, ...Buffer.from("h2"), 8, ...Buffer.from("http/1.1")])), // ALPN
    ...extension(13, vector16([0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601].flatMap(u16))),
    ...extension(51, vector16([...u16(0x1d), ...vector16([...ctx.opaque(32)])])), // key_share: X25519
    ...extension(45, [1, 1]), // psk_key_exchange_modes: psk_dhe_ke
    ...extension(43, [4, ...u16(0x0304), ...u16(0x0303)]), // supported_versions
  ];
  const suites = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8].flatMap(u16);
  const head = [...u16(0x0303), ...ctx.opaque(32), 32, ...ctx.opaque(32), ...vector16(suites), 1, 0];
  // Pad the handshake message to CLIENT_HELLO_PADDED bytes (type 1 + length 3 + body).
  const unpadded = 4 + head.length + 2 + extensions.length + 4;
  const padding = Math.max(0, CLIENT_HELLO_PADDED - unpadded);
  const allExtensions = [...extensions, ...extension(21, new Array<number>(padding).fill(0))];
  return record(TLS_HANDSHAKE, 0x0301, handshake(1, [...head, ...vector16(allExtensions)]));
}

/**
 * The start of the server's first flight. TLS 1.3: ServerHello (supported_versions 1.3, an X25519
 * key share) and ChangeCipherSpec (middlebox compatibility); the encrypted rest of the handshake
 * (certificate chain, Finished) follows as application-data records (`tlsApplicationData`). TLS 1.2
 * resumed from a session ticket (RFC 5077): ServerHello, ChangeCipherSpec and an encrypted Finished.
 */
export function tlsServerHello(ctx: OpaqueSource, version: "1.3" | "1.2"): Uint8Array {
  const sessionId = [32, ...ctx.opaque(32)];
  const parts: Uint8Array[] = [];
  if (version === "1.3") {
    const extensions = [
      ...extension(43, u16(0x0304)),
      ...extension(51, [...u16(0x1d), ...vector16([...ctx.opaque(32)])]),
    ];
    const hello = [
      ...u16(0x0303),
      ...ctx.opaque(32),
      ...sessionId,
      ...u16(0x1301),
      0,
      ...vector16(extensions),
    ];
    parts.push(record(TLS_HANDSHAKE, 0x0303, handshake(2, hello)));
    parts.push(record(TLS_CHANGE_CIPHER_SPEC, 0x0303, [1]));
  } else {
    const extensions = [
      ...extension(65_281, [0]),
      ...extension(23, []),
      ...extension(16, vector16([2, ...Buffer.from("h2")])),
    ];
    const hello = [
      ...u16(0x0303),
      ...ctx.opaque(32),
      ...sessionId,
      ...u16(0xc02f),
      0,
      ...vector16(extensions),
    ];
    parts.push(record(TLS_HANDSHAKE, 0x0303, handshake(2, hello)));
    parts.push(record(TLS_CHANGE_CIPHER_SPEC, 0x0303, [1]));
    parts.push(record(TLS_HANDSHAKE, 0x0303, ctx.opaque(40))); // encrypted Finished
  }
  return Buffer.concat(parts);
}

/** The client's reply to the server's flight: ChangeCipherSpec and its encrypted Finished. */
export function tlsClientFinished(ctx: OpaqueSource, version: "1.3" | "1.2"): Uint8Array {
  return Buffer.concat([
    record(TLS_CHANGE_CIPHER_SPEC, 0x0303, [1]),
    version === "1.3"
      ? record(TLS_APPLICATION_DATA, 0x0303, ctx.opaque(53))
      : record(TLS_HANDSHAKE, 0x0303, ctx.opaque(40)),
  ]);
}

/**
 * Largest TLS record of bulk application data here: one TCP segment (MSS 1460 bytes with its
 * 5-byte header), as servers with dynamic record sizing send them; so every segment of a transfer
 * starts with a record header, and a segment cut by the snap length is still read as one record.
 */
const BULK_RECORD_BYTES = 1_460;

/**
 * `plaintext` bytes of application data as a stream of TLS records of BULK_RECORD_BYTES: returns
 * the bytes on the wire (record headers and 17 bytes of content type and tag per record included)
 * and the content of any part of that stream (random ciphertext with each record's header in
 * place), for `TcpConversation.sendBulk`.
 */
export function tlsApplicationData(
  ctx: OpaqueSource,
  plaintext: number,
): { bytes: number; content: StreamContent } {
  const maxPlain = BULK_RECORD_BYTES - TLS_RECORD_HEADER - TLS_RECORD_EXPANSION;
  const records = Math.max(1, Math.ceil(plaintext / maxPlain));
  const lastCiphertext = Math.max(1, plaintext - maxPlain * (records - 1)) + TLS_RECORD_EXPANSION;
  const bytes = BULK_RECORD_BYTES * (records - 1) + TLS_RECORD_HEADER + lastCiphertext;
  const content: StreamContent = (offset, n) => {
    const out = ctx.opaque(n);
    // Headers of the records that start in, or just before, [offset, offset + n).
    const first = Math.max(0, Math.floor((offset - TLS_RECORD_HEADER) / BULK_RECORD_BYTES));
    for (let k = first; k < records && k * BULK_RECORD_BYTES < offset + n; k++) {
      const length = k < records - 1 ? BULK_RECORD_BYTES - TLS_RECORD_HEADER : lastCiphertext;
      const header = [TLS_APPLICATION_DATA, 3, 3, ...u16(length)];
      for (let i = 0; i < TLS_RECORD_HEADER; i++) {
        const at = k * BULK_RECORD_BYTES + i - offset;
        if (at >= 0 && at < n) out[at] = header[i];
      }
    }
    return out;
  };
  return { bytes, content };
}
