/**
 * TLS messages built from their fields (RFC 8446 section 4, RFC 5246 section 7.4): records,
 * handshake messages, extensions, and ClientHello / ServerHello bodies with any suites and
 * extensions. For tests and traffic generators that need hellos other than the simulator's
 * browser-like one (`tlsEncode`).
 */

const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
const u24 = (n: number): number[] => [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];

/** A record: content type, version, 16-bit length, body. */
export function tlsRecord(type: number, version: number, body: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out.set([type, ...u16(version), ...u16(body.length)]);
  out.set(body, 5);
  return out;
}

/** A handshake message: type, 24-bit length, body. */
export function tlsHandshake(type: number, body: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out.set([type, ...u24(body.length)]);
  out.set(body, 4);
  return out;
}

/** One extension: type, 16-bit length, body. */
export function tlsExtension(type: number, body: ArrayLike<number> = []): number[] {
  return [...u16(type), ...u16(body.length), ...Array.from(body)];
}

/** A 16-bit-length-prefixed vector of 16-bit values. */
export function u16Vector(values: readonly number[]): number[] {
  return [...u16(values.length * 2), ...values.flatMap(u16)];
}

/** The server_name extension's body for one host name (RFC 6066 section 3). */
export function sniBody(name: string): number[] {
  const bytes = [...Buffer.from(name, "latin1")];
  const entry = [0, ...u16(bytes.length), ...bytes];
  return [...u16(entry.length), ...entry];
}

/** The ALPN extension's body (RFC 7301). */
export function alpnBody(protocols: readonly string[]): number[] {
  const list = protocols.flatMap((p) => [p.length, ...Buffer.from(p, "latin1")]);
  return [...u16(list.length), ...list];
}

/** Fields of a ClientHello to build. */
export interface ClientHelloFields {
  version?: number;
  sessionId?: readonly number[];
  ciphers: readonly number[];
  /** Extensions already encoded (`tlsExtension`), in order; undefined leaves out the block. */
  extensions?: readonly number[][];
}

/** A ClientHello handshake body (random all zero). */
export function clientHelloBody(f: ClientHelloFields): number[] {
  const session = f.sessionId ?? [];
  const ext = f.extensions?.flat();
  return [
    ...u16(f.version ?? 0x0303),
    ...new Array<number>(32).fill(0),
    session.length,
    ...session,
    ...u16Vector(f.ciphers),
    1,
    0,
    ...(ext ? [...u16(ext.length), ...ext] : []),
  ];
}

/** Fields of a ServerHello to build. */
export interface ServerHelloFields {
  version?: number;
  random?: readonly number[];
  sessionId?: readonly number[];
  cipher: number;
  extensions?: readonly number[][];
}

/** A ServerHello handshake body. */
export function serverHelloBody(f: ServerHelloFields): number[] {
  const session = f.sessionId ?? [];
  const ext = f.extensions?.flat();
  return [
    ...u16(f.version ?? 0x0303),
    ...(f.random ?? new Array<number>(32).fill(1)),
    session.length,
    ...session,
    ...u16(f.cipher),
    0,
    ...(ext ? [...u16(ext.length), ...ext] : []),
  ];
}
