/**
 * SSH (RFC 4253): one ssh.log record per connection, as Zeek writes it. Each direction starts with
 * an identification line (`SSH-2.0-...`, lines before it skipped), then SSH-2 binary packets in the
 * clear until that side's NEWKEYS: the KEXINITs give the negotiated algorithms and the server's
 * key-exchange reply its host key. After NEWKEYS only segment sizes are left, from which
 * `SshAuthInference` infers the login outcome. The record is written when a login succeeds (as
 * Zeek does) or when the connection ends. After a gap nothing more is parsed (as Zeek).
 */
import { addressKind } from "../../net/addressKind";
import type { Direction } from "../../flows/flowTable";
import type { ParserContext, ParserInstance, ProbeContext, ProtocolParser } from "../parser";
import { SshAuthInference } from "./sshAuth";
import { SSH_LOG, type SshRecord } from "./sshLog";
import {
  hostKeyFingerprint,
  hostKeyOf,
  type KexInit,
  MSG_KEXINIT,
  MSG_NEWKEYS,
  negotiated,
  parseKexInit,
} from "./sshMessages";

/** Longest identification (or pre-identification) line kept, bytes (RFC 4253 4.2 allows 255). */
export const SSH_MAX_LINE_BYTES = 1024;
/** Lines a server may send before its identification (RFC 4253 4.2) before we give up on the flow. */
export const SSH_MAX_PRE_BANNER_LINES = 32;
/** Largest clear-text binary packet kept, bytes (RFC 4253 6.1 requires 35000; room for post-quantum keys). */
export const SSH_MAX_PACKET_BYTES = 65536;
/** Compression algorithms after which packet sizes say nothing about logins (Zeek's `compression_algorithms`). */
export const SSH_COMPRESSION_ALGORITHMS: ReadonlySet<string> = new Set(["zlib", "zlib@openssh.com"]);

const SSH_PREFIX = [0x53, 0x53, 0x48, 0x2d]; // "SSH-"

function startsWithSsh(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x53 && b[1] === 0x53 && b[2] === 0x48 && b[3] === 0x2d;
}

/** True for the addresses Zeek's default `Site::local_nets` holds (private address space). */
function isLocal(address: string): boolean {
  const kind = addressKind(address);
  return kind === "private" || kind === "loopback" || kind === "link-local";
}

/** The SSH parser: TCP 22, or any flow whose first bytes are an identification line. */
export const sshParser: ProtocolParser = {
  name: "ssh",
  confirmsService: true,
  transports: ["tcp"],
  ports: [22],
  probe(first: Uint8Array, _dir: Direction, { onPort }: ProbeContext): boolean {
    if (startsWithSsh(first)) return true;
    // A piece of a banner split across segments ("SS"), on the SSH port only.
    if (!onPort || first.length >= 4) return false;
    return first.every((c, i) => c === SSH_PREFIX[i]);
  },
  create(context: ParserContext): ParserInstance {
    return new SshFlow(context);
  },
  log: SSH_LOG,
};

type Phase = "banner" | "packets" | "encrypted" | "off";

/** One direction: where it is, and the bytes of its unfinished line or packet. */
interface Side {
  phase: Phase;
  pending: Uint8Array;
  lines: number;
  /** Inside an over-long line: skip to its end. */
  skipping: boolean;
  banner: string | undefined;
  kexInit: KexInit | undefined;
}

function side(): Side {
  return {
    phase: "banner",
    pending: new Uint8Array(0),
    lines: 0,
    skipping: false,
    banner: undefined,
    kexInit: undefined,
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The SSH major version two banners agree on (Zeek's `set_version`): 2, 1, or 0 when they cannot. */
export function sshVersion(client: string, server: string): number | undefined {
  if (client.length <= 4 || server.length <= 4) return undefined;
  const is199 = (v: string) => v.length > 7 && v[6] === "9" && v[7] === "9";
  const c = client[4];
  const s = server[4];
  if (c === "1" && s === "2") return is199(client) ? 2 : 0;
  if (c === "2" && s === "1") return is199(server) ? 2 : 0;
  if (c === "1" && s === "1") return is199(server) && is199(client) ? 2 : 1;
  if (c === "2" && s === "2") return 2;
  return undefined;
}

class SshFlow implements ParserInstance {
  done = false;
  private readonly orig = side();
  private readonly resp = side();
  private readonly auth = new SshAuthInference();
  private started = false;
  private ts = 0;
  private logged = false;
  private hadGap = false;
  private algorithms: ReturnType<typeof negotiated> | undefined;
  private fingerprint: string | undefined;
  private authSuccess: boolean | undefined;
  private authAttempts = 0;

  constructor(private readonly ctx: ParserContext) {}

  data(dir: Direction, bytes: Uint8Array, ts: number): void {
    if (this.hadGap || this.logged) return;
    const s = dir === "orig" ? this.orig : this.resp;
    let rest = bytes;
    if (s.phase === "banner") rest = this.bannerBytes(s, dir, rest, ts);
    if (s.phase === "packets" && rest.length > 0) rest = this.packetBytes(s, dir, rest);
    if (s.phase === "encrypted" && rest.length > 0) this.encrypted(dir, rest.length);
  }

  /** Identification lines; returns the bytes after the identification (binary packets). */
  private bannerBytes(s: Side, dir: Direction, bytes: Uint8Array, ts: number): Uint8Array {
    let start = 0;
    while (start < bytes.length && s.phase === "banner") {
      const nl = bytes.indexOf(10, start);
      const end = nl < 0 ? bytes.length : nl;
      if (!s.skipping) {
        if (s.pending.length + (end - start) > SSH_MAX_LINE_BYTES) {
          this.ctx.malformed("identification line too long");
          s.pending = new Uint8Array(0);
          s.skipping = true;
        } else {
          s.pending = concat(s.pending, bytes.slice(start, end));
        }
      }
      if (nl < 0) return new Uint8Array(0);
      start = nl + 1;
      if (s.skipping) {
        s.skipping = false;
        continue;
      }
      let line = Buffer.from(s.pending).toString("latin1");
      s.pending = new Uint8Array(0);
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (line.startsWith("SSH-")) {
        this.banner(s, dir, line, ts);
      } else if (++s.lines > SSH_MAX_PRE_BANNER_LINES) {
        this.ctx.malformed("no identification line");
        s.phase = "off";
      }
    }
    return bytes.subarray(start);
  }

  private banner(s: Side, dir: Direction, line: string, ts: number): void {
    if (!this.started) {
      this.started = true;
      this.ts = ts;
    }
    s.banner = line;
    const other = dir === "orig" ? this.resp.banner : this.orig.banner;
    // Both sides identified themselves: SSH for sure (the flow's service names it only now, as in Zeek).
    if (other !== undefined) this.ctx.confirm?.();
    const version = other === undefined ? undefined : this.version();
    // SSH-2 packets follow when both agree on 2, or (the peer unseen) when this side speaks 2 or 1.99.
    const speaksTwo = line.startsWith("SSH-2.") || line.startsWith("SSH-1.99");
    s.phase = version === 2 || (version === undefined && speaksTwo) ? "packets" : "off";
  }

  private version(): number | undefined {
    const { banner: client } = this.orig;
    const { banner: server } = this.resp;
    return client === undefined || server === undefined ? undefined : sshVersion(client, server);
  }

  /** Clear-text binary packets; returns the bytes after NEWKEYS (already encrypted), if any. */
  private packetBytes(s: Side, dir: Direction, bytes: Uint8Array): Uint8Array {
    const buffer = concat(s.pending, bytes);
    let at = 0;
    while (buffer.length - at >= 5) {
      const length =
        ((buffer[at] << 24) | (buffer[at + 1] << 16) | (buffer[at + 2] << 8) | buffer[at + 3]) >>> 0;
      const padding = buffer[at + 4];
      if (length < 2 || length + 4 > SSH_MAX_PACKET_BYTES || padding >= length) {
        this.ctx.malformed("bad packet length");
        s.phase = "off";
        s.pending = new Uint8Array(0);
        return new Uint8Array(0);
      }
      if (buffer.length - at < 4 + length) break;
      const payload = buffer.subarray(at + 5, at + 4 + length - padding);
      at += 4 + length;
      if (payload.length > 0 && payload[0] === MSG_NEWKEYS) {
        s.phase = "encrypted";
        s.pending = new Uint8Array(0);
        return buffer.subarray(at);
      }
      this.message(s, dir, payload);
    }
    s.pending = buffer.slice(at);
    return new Uint8Array(0);
  }

  private message(s: Side, dir: Direction, payload: Uint8Array): void {
    if (payload[0] === MSG_KEXINIT) {
      const kex = parseKexInit(payload);
      if (!kex) {
        this.ctx.malformed("bad KEXINIT");
        return;
      }
      if (s.kexInit) return; // a re-key: Zeek keeps the first negotiation
      s.kexInit = kex;
      if (this.orig.kexInit && this.resp.kexInit)
        this.algorithms = negotiated(this.orig.kexInit, this.resp.kexInit);
      return;
    }
    if (dir === "resp" && this.algorithms && this.fingerprint === undefined) {
      const key = hostKeyOf(payload, this.algorithms.kex_alg);
      if (key) this.fingerprint = hostKeyFingerprint(key);
    }
  }

  private encrypted(dir: Direction, length: number): void {
    if (this.version() !== 2) return;
    const event = this.auth.segment(length, dir === "orig");
    if (!event || this.authSuccess === true) return;
    const compression = this.algorithms?.compression_alg;
    if (compression !== undefined && SSH_COMPRESSION_ALGORITHMS.has(compression)) return;
    this.authSuccess = event === "success";
    this.authAttempts++;
    if (this.authSuccess) {
      // Zeek writes a successful connection at once and stops analysing it.
      this.write();
      this.done = true;
    }
  }

  gap(): void {
    this.hadGap = true;
  }

  end(): void {
    if (!this.logged && this.started) this.write();
  }

  private write(): void {
    this.logged = true;
    const { src, dst } = this.ctx.flow;
    const origLocal = isLocal(src);
    const direction = origLocal === isLocal(dst) ? undefined : origLocal ? "OUTBOUND" : "INBOUND";
    const a = this.algorithms;
    const record: SshRecord = {
      protocol: "ssh",
      uid: this.ctx.flow.uid,
      ts: this.ts,
      version: this.version(),
      auth_success: this.authSuccess,
      auth_attempts: this.authAttempts,
      direction,
      client: this.orig.banner,
      server: this.resp.banner,
      cipher_alg: a?.cipher_alg,
      mac_alg: a?.mac_alg,
      compression_alg: a?.compression_alg,
      kex_alg: a?.kex_alg,
      host_key_alg: a?.host_key_alg,
      host_key_fingerprint: this.fingerprint,
    };
    this.ctx.emit(record);
  }
}
