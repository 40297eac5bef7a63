/**
 * The two TLS handshake messages ssl.log is made of: the ClientHello (offered versions, cipher
 * suites, extensions: SNI, ALPN, groups, point formats, signature algorithms, session ticket, PSK;
 * RFC 8446 section 4.1.2, RFC 5246 section 7.4.1.2) and the ServerHello (chosen version, suite,
 * key share group, ALPN; RFC 8446 section 4.1.3), plus the SSLv2-compatible ClientHello (RFC 5246
 * appendix E.2) some old clients still send first. Parsing never throws: a message that does not
 * fit its lengths gives undefined.
 */

/** Extension code points read here (IANA TLS ExtensionType Values). */
export const EXT_SERVER_NAME = 0;
export const EXT_SUPPORTED_GROUPS = 10;
export const EXT_EC_POINT_FORMATS = 11;
export const EXT_SIGNATURE_ALGORITHMS = 13;
export const EXT_ALPN = 16;
export const EXT_SESSION_TICKET = 35;
export const EXT_PRE_SHARED_KEY = 41;
export const EXT_SUPPORTED_VERSIONS = 43;
export const EXT_KEY_SHARE = 51;

/** A ClientHello's fields, in wire order, GREASE values included (fingerprints drop them). */
export interface ClientHello {
  /** legacy_version (0x0303 for TLS 1.2 and 1.3; 0x0002 for an SSLv2 hello). */
  readonly version: number;
  /** The session id as lowercase hex ("" when empty). */
  readonly sessionId: string;
  readonly ciphers: readonly number[];
  /** Extension types in wire order (empty for an SSLv2 hello). */
  readonly extensions: readonly number[];
  /** First host_name of the server_name extension. */
  readonly serverName: string | undefined;
  /** Number of host names in the server_name extension. */
  readonly serverNames: number;
  readonly alpn: readonly string[];
  readonly supportedVersions: readonly number[];
  readonly groups: readonly number[];
  readonly pointFormats: readonly number[];
  readonly signatureAlgorithms: readonly number[];
  /** The session_ticket extension carried a ticket (RFC 5077: resumption without a session id). */
  readonly ticket: boolean;
  /** The pre_shared_key extension was offered (TLS 1.3 resumption). */
  readonly psk: boolean;
  /** True for the SSLv2-compatible hello. */
  readonly v2: boolean;
}

/** A ServerHello's fields. */
export interface ServerHello {
  /** legacy_version (or a TLS 1.3 draft's version for drafts before 22). */
  readonly version: number;
  /** The selected version from supported_versions, when the extension holds exactly one. */
  readonly selectedVersion: number | undefined;
  /** server_random, 32 bytes (a HelloRetryRequest has a fixed one). */
  readonly random: Uint8Array;
  readonly sessionId: string;
  readonly cipher: number;
  /** The key share's group (TLS 1.3), when the extension names one. */
  readonly keyShareGroup: number | undefined;
  readonly alpn: readonly string[];
  readonly psk: boolean;
}

/** A bounds-checked big-endian reader; reads past the end set `bad` and give 0. */
class Reader {
  bad = false;
  constructor(
    private readonly bytes: Uint8Array,
    public at = 0,
    private readonly end = bytes.length,
  ) {}
  get left(): number {
    return this.end - this.at;
  }
  u8(): number {
    if (this.at + 1 > this.end) return this.fail();
    return this.bytes[this.at++];
  }
  u16(): number {
    if (this.at + 2 > this.end) return this.fail();
    const v = (this.bytes[this.at] << 8) | this.bytes[this.at + 1];
    this.at += 2;
    return v;
  }
  u24(): number {
    if (this.at + 3 > this.end) return this.fail();
    const v = (this.bytes[this.at] << 16) | (this.bytes[this.at + 1] << 8) | this.bytes[this.at + 2];
    this.at += 3;
    return v;
  }
  take(n: number): Uint8Array {
    if (this.at + n > this.end) {
      this.fail();
      return new Uint8Array(0);
    }
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  /** A reader over the next `n` bytes (a length-prefixed vector), this one moved past them. */
  sub(n: number): Reader {
    const start = this.at;
    if (start + n > this.end) {
      this.fail();
      return new Reader(this.bytes, start, start);
    }
    this.at += n;
    return new Reader(this.bytes, start, start + n);
  }
  private fail(): number {
    this.bad = true;
    this.at = this.end;
    return 0;
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
}

function u16List(r: Reader): number[] {
  const out: number[] = [];
  while (r.left >= 2) out.push(r.u16());
  return out;
}

function alpnList(r: Reader): string[] {
  const list = r.sub(r.u16());
  const out: string[] = [];
  while (list.left > 0 && !list.bad) out.push(latin1(list.take(list.u8())));
  return out;
}

interface Extensions {
  types: number[];
  serverName?: string;
  serverNames: number;
  alpn: string[];
  versions: number[];
  groups: number[];
  pointFormats: number[];
  signatureAlgorithms: number[];
  ticket: boolean;
  psk: boolean;
  keyShareGroup?: number;
}

/** The extensions block (after the fixed fields); `client` says whose syntax the bodies have. */
function extensions(r: Reader, client: boolean): Extensions | undefined {
  const out: Extensions = {
    types: [],
    serverNames: 0,
    alpn: [],
    versions: [],
    groups: [],
    pointFormats: [],
    signatureAlgorithms: [],
    ticket: false,
    psk: false,
  };
  if (r.left === 0) return out; // no extensions at all (TLS 1.0 era hellos)
  const all = r.sub(r.u16());
  if (r.bad) return undefined;
  while (all.left > 0) {
    const type = all.u16();
    const body = all.sub(all.u16());
    if (all.bad) return undefined;
    out.types.push(type);
    switch (type) {
      case EXT_SERVER_NAME: {
        if (!client || body.left === 0) break;
        const list = body.sub(body.u16());
        while (list.left > 0 && !list.bad) {
          const nameType = list.u8();
          const name = list.take(list.u16());
          if (nameType === 0 && !list.bad) {
            out.serverNames++;
            out.serverName ??= latin1(name);
          }
        }
        break;
      }
      case EXT_ALPN:
        out.alpn = alpnList(body);
        break;
      case EXT_SUPPORTED_VERSIONS:
        out.versions = client ? u16List(body.sub(body.u8())) : [body.u16()];
        break;
      case EXT_SUPPORTED_GROUPS:
        out.groups = u16List(body.sub(body.u16()));
        break;
      case EXT_EC_POINT_FORMATS:
        out.pointFormats = [...body.take(body.u8())];
        break;
      case EXT_SIGNATURE_ALGORITHMS:
        out.signatureAlgorithms = u16List(body.sub(body.u16()));
        break;
      case EXT_SESSION_TICKET:
        out.ticket = body.left > 0;
        break;
      case EXT_PRE_SHARED_KEY:
        out.psk = true;
        break;
      case EXT_KEY_SHARE:
        // ServerHello: one KeyShareEntry (group, key); HelloRetryRequest: the selected group only.
        if (!client && body.left >= 2) out.keyShareGroup = body.u16();
        break;
      default:
        break;
    }
  }
  return out;
}

/** The ClientHello in a handshake message body (after type and length), or undefined. */
export function parseClientHello(body: Uint8Array): ClientHello | undefined {
  const r = new Reader(body);
  const version = r.u16();
  r.take(32); // random
  const sessionId = hex(r.take(r.u8()));
  const suites = r.sub(r.u16());
  const ciphers = u16List(suites);
  const compressions = r.u8();
  r.take(compressions);
  if (r.bad || ciphers.length === 0 || compressions === 0) return undefined;
  const ext = extensions(r, true);
  if (!ext) return undefined;
  return {
    version,
    sessionId,
    ciphers,
    extensions: ext.types,
    serverName: ext.serverName,
    serverNames: ext.serverNames,
    alpn: ext.alpn,
    supportedVersions: ext.versions,
    groups: ext.groups,
    pointFormats: ext.pointFormats,
    signatureAlgorithms: ext.signatureAlgorithms,
    ticket: ext.ticket,
    psk: ext.psk,
    v2: false,
  };
}

/** The ServerHello in a handshake message body, or undefined. */
export function parseServerHello(body: Uint8Array): ServerHello | undefined {
  const r = new Reader(body);
  const version = r.u16();
  const random = r.take(32);
  // TLS 1.3 drafts before 22 sent their own version here and no session id or compression.
  const draft = version >> 8 === 0x7f && (version & 0xff) < 22;
  const sessionId = draft ? "" : hex(r.take(r.u8()));
  const cipher = r.u16();
  if (!draft) r.u8(); // compression method
  if (r.bad) return undefined;
  const ext = extensions(r, false);
  if (!ext) return undefined;
  return {
    version,
    selectedVersion: ext.versions.length === 1 ? ext.versions[0] : undefined,
    random,
    sessionId,
    cipher,
    keyShareGroup: ext.keyShareGroup,
    alpn: ext.alpn,
    psk: ext.psk,
  };
}

/**
 * The SSLv2-compatible ClientHello in an SSLv2 record's body (after its 2-byte header): message
 * type 1, version, then the cipher specs (3 bytes each), session id and challenge lengths.
 */
export function parseV2ClientHello(body: Uint8Array): ClientHello | undefined {
  const r = new Reader(body);
  if (r.u8() !== 1) return undefined;
  const version = r.u16();
  const specLength = r.u16();
  const sessionLength = r.u16();
  const challengeLength = r.u16();
  const specs = r.sub(specLength);
  const sessionId = hex(r.take(sessionLength));
  r.take(challengeLength);
  if (r.bad || specLength % 3 !== 0) return undefined;
  const ciphers: number[] = [];
  while (specs.left >= 3) ciphers.push(specs.u24());
  return {
    version,
    sessionId,
    ciphers,
    extensions: [],
    serverName: undefined,
    serverNames: 0,
    alpn: [],
    supportedVersions: [],
    groups: [],
    pointFormats: [],
    signatureAlgorithms: [],
    ticket: false,
    psk: false,
    v2: true,
  };
}

/** The named curve of an ECDHE ServerKeyExchange (ECParameters with curve_type named_curve, RFC 8422 5.4). */
export function serverKeyExchangeCurve(body: Uint8Array): number | undefined {
  const NAMED_CURVE = 3;
  if (body.length < 3 || body[0] !== NAMED_CURVE) return undefined;
  return (body[1] << 8) | body[2];
}
