/**
 * TCP conversations and UDP / ICMP exchanges with timing: what one session puts on the wire.
 * Sessions emit frames into a `PacketSink` (the simulator's time-ordered merge).
 */
import { type Rng, randomInt } from "../core/random";
import { icmpFrame, tcpFrame, udpFrame } from "../packets/frames";
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from "../packets/packet";
import type { Host } from "./network";

/** Ground truth of one simulated connection (attack traffic only; everything else is normal). */
export interface ConnectionLabel {
  readonly scenario: string;
  readonly protocol: "tcp" | "udp" | "icmp";
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  /** First packet, seconds since the epoch. */
  readonly start: number;
}

/** Where sessions put their frames and labels. */
export interface PacketSink {
  emit(ts: number, frame: Uint8Array): void;
  label(label: ConnectionLabel): void;
}

/** Shared state of a simulation run: the sink, the generator, per-host port and IP-id counters. */
export class SimContext {
  private readonly nextPort = new Map<string, number>();
  private readonly nextIpId = new Map<string, number>();
  /** Random bytes that stand in for encrypted or binary payloads, sliced at random offsets. */
  private readonly pool: Uint8Array;
  /**
   * Each host's stub-resolver cache: `host|name` to the time its answer expires (seconds since the
   * epoch). Sessions look a name up only when its cached answer has expired.
   */
  readonly dnsCache = new Map<string, number>();

  constructor(
    readonly sink: PacketSink,
    readonly rng: Rng,
  ) {
    this.pool = new Uint8Array(1 << 16);
    for (let i = 0; i < this.pool.length; i++) this.pool[i] = randomInt(rng, 256);
  }

  /** The next ephemeral port of a host (Linux's range 32768-60999, starting at a random point). */
  ephemeralPort(host: Host): number {
    const FIRST = 32_768;
    const COUNT = 60_999 - FIRST + 1;
    const p = this.nextPort.get(host.address) ?? FIRST + randomInt(this.rng, COUNT);
    this.nextPort.set(host.address, FIRST + ((p - FIRST + 1) % COUNT));
    return p;
  }

  /** The next IPv4 identification of a host. */
  ipId(host: Host): number {
    const id = this.nextIpId.get(host.address) ?? randomInt(this.rng, 65_536);
    this.nextIpId.set(host.address, (id + 1) & 0xffff);
    return id;
  }

  /** `n` bytes of opaque (random-looking) payload. */
  opaque(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const start = randomInt(this.rng, this.pool.length);
      const take = Math.min(n - filled, this.pool.length - start);
      out.set(this.pool.subarray(start, start + take), filled);
      filled += take;
    }
    return out;
  }
}

/** Maximum segment size of the simulated hosts (Ethernet MTU 1500 minus 40 bytes of headers). */
export const MSS = 1460;
/** Time to put a full-size frame on a 100 Mbit/s link, seconds. */
const SERIALISATION_SECONDS = 0.00012;
/** Segments a sender sends back to back in its first round trip (Linux's initial cwnd, RFC 6928). */
const INITIAL_CWND_SEGMENTS = 10;
/**
 * The most segments in flight: 40, under the receiver's 64,240-byte window (44 segments). The
 * congestion window doubles every round trip (slow start) up to this, so a long transfer runs at
 * about 58 kB per round trip (1.2 MB/s at 50 ms) and never loses a segment (no loss is modelled).
 */
const MAX_CWND_SEGMENTS = 40;
/**
 * Segments of bulk transfers (`sendBulk`: TLS application data, uploads, downloads, mail bodies)
 * are captured cut: each keeps its headers and the first SNAP_PAYLOAD_BYTES of payload (96-byte
 * frames, the snap length tcpdump once used by default), its wire length unchanged. So flows keep
 * their true sizes and each TLS record's header is readable while a day's capture stays a few
 * hundred MB. Protocol dialogue (`send`: handshakes, commands, HTTP) is captured whole.
 */
export const SNAP_PAYLOAD_BYTES = 42;

/** The captured bytes of a bulk transfer from `offset`, `n` of them (the rest of the segment is cut). */
export type BulkContent = (offset: number, n: number) => Uint8Array;

type Side = "client" | "server";

/**
 * A TCP connection between `client` and `server`, built step by step; `t` is the time of the last
 * frame. Sequence numbers, acknowledgements, delayed ACKs (every second segment) and teardown
 * follow RFC 793 / 1122 closely enough that Wireshark follows the stream without complaint.
 */
export class TcpConversation {
  t: number;
  private seq: Record<Side, number>;
  private readonly rtt: number;
  /** Congestion window of each sender, segments (slow start from INITIAL_CWND_SEGMENTS). */
  private readonly cwnd: Record<Side, number> = {
    client: INITIAL_CWND_SEGMENTS,
    server: INITIAL_CWND_SEGMENTS,
  };
  packets = 0;
  /** Payload bytes sent (on the wire) by each side. */
  readonly sent: Record<Side, number> = { client: 0, server: 0 };

  constructor(
    private readonly ctx: SimContext,
    readonly client: Host,
    readonly server: Host,
    readonly clientPort: number,
    readonly serverPort: number,
    start: number,
    label?: string,
  ) {
    this.t = start;
    this.rtt = Math.max(client.rtt, server.rtt);
    this.seq = { client: randomInt(ctx.rng, 2 ** 32), server: randomInt(ctx.rng, 2 ** 32) };
    if (label) {
      ctx.sink.label({
        scenario: label,
        protocol: "tcp",
        src: client.address,
        srcPort: clientPort,
        dst: server.address,
        dstPort: serverPort,
        start,
      });
    }
  }

  private frame(
    from: Side,
    flags: number,
    payload?: Uint8Array,
    ack = true,
    wirePayloadLength?: number,
  ): void {
    const to: Side = from === "client" ? "server" : "client";
    const [src, dst] = from === "client" ? [this.client, this.server] : [this.server, this.client];
    const [sp, dp] =
      from === "client" ? [this.clientPort, this.serverPort] : [this.serverPort, this.clientPort];
    const frame = tcpFrame(src, dst, sp, dp, this.seq[from], ack ? this.seq[to] : 0, flags, payload, {
      ipId: this.ctx.ipId(src),
      ttl: src.inside ? 64 : 52,
      wirePayloadLength,
    });
    this.ctx.sink.emit(this.t, frame);
    this.packets++;
  }

  private advance(from: Side, bytes: number): void {
    this.seq[from] = (this.seq[from] + bytes) >>> 0;
  }

  /** SYN, SYN-ACK, ACK. */
  handshake(): this {
    this.frame("client", TCP_SYN, undefined, false);
    this.advance("client", 1);
    this.t += this.rtt;
    this.frame("server", TCP_SYN | TCP_ACK);
    this.advance("server", 1);
    this.t += 0.00005;
    this.frame("client", TCP_ACK);
    return this;
  }

  /** A SYN that nobody completes (the caller decides what, if anything, answers). */
  synOnly(): this {
    this.frame("client", TCP_SYN, undefined, false);
    this.advance("client", 1);
    return this;
  }

  /** The server answers a SYN with SYN-ACK (and then nothing: a half-open connection). */
  synAck(): this {
    this.t += this.rtt;
    this.frame("server", TCP_SYN | TCP_ACK);
    this.advance("server", 1);
    return this;
  }

  /** The server refuses a SYN with RST-ACK (a closed port: KDD's REJ). */
  refuse(): this {
    this.t += this.rtt;
    this.frame("server", TCP_RST | TCP_ACK);
    return this;
  }

  /** `from` sends `data` in MSS-sized segments, captured whole; the other side ACKs every second one. */
  send(from: Side, data: Uint8Array, thinkSeconds = 0): this {
    return this.transmit(
      from,
      data.length,
      (offset, n) => data.subarray(offset, offset + n),
      thinkSeconds,
      true,
    );
  }

  /**
   * `from` sends `bytes` of bulk data (a download, an upload, a response body), each segment
   * captured cut to SNAP_PAYLOAD_BYTES of payload.
   * @param content the captured bytes at a stream offset; default opaque (random-looking) bytes.
   */
  sendBulk(from: Side, bytes: number, thinkSeconds = 0, content?: BulkContent): this {
    return this.transmit(from, bytes, content ?? ((_, n) => this.ctx.opaque(n)), thinkSeconds, false);
  }

  private transmit(
    from: Side,
    length: number,
    content: BulkContent,
    thinkSeconds: number,
    whole: boolean,
  ): this {
    const to: Side = from === "client" ? "server" : "client";
    this.t += thinkSeconds;
    let unacked = 0;
    let inRound = 0;
    for (let offset = 0; offset < length; offset += MSS) {
      const size = Math.min(MSS, length - offset);
      const last = offset + MSS >= length;
      if (inRound === this.cwnd[from]) {
        // A round trip for the acknowledgements, then slow start doubles the window.
        this.t += this.rtt;
        this.cwnd[from] = Math.min(MAX_CWND_SEGMENTS, 2 * this.cwnd[from]);
        inRound = 0;
      }
      inRound++;
      const captured = whole ? size : Math.min(size, SNAP_PAYLOAD_BYTES);
      this.frame(from, TCP_ACK | (last ? TCP_PSH : 0), content(offset, captured), true, size);
      this.advance(from, size);
      this.sent[from] += size;
      this.t += SERIALISATION_SECONDS * (size / MSS);
      if (++unacked === 2 || last) {
        const sent = this.t;
        this.t += this.rtt / 2;
        this.frame(to, TCP_ACK);
        this.t = sent; // the ACK travels while the sender keeps sending
        unacked = 0;
      }
    }
    this.t += this.rtt / 2;
    return this;
  }

  /** Orderly close started by `from`: FIN, FIN+ACK, ACK. */
  close(from: Side = "client"): this {
    const other: Side = from === "client" ? "server" : "client";
    this.frame(from, TCP_FIN | TCP_ACK);
    this.advance(from, 1);
    this.t += this.rtt;
    this.frame(other, TCP_FIN | TCP_ACK);
    this.advance(other, 1);
    this.t += 0.00005;
    this.frame(from, TCP_ACK);
    return this;
  }

  /** `from` aborts the connection with RST. */
  reset(from: Side = "client"): this {
    this.frame(from, TCP_RST | TCP_ACK);
    return this;
  }

  /** Lets time pass. */
  wait(seconds: number): this {
    this.t += seconds;
    return this;
  }
}

/** A UDP request and (optionally) its answer after `serviceSeconds`. Returns the answer's time. */
export function udpExchange(
  ctx: SimContext,
  client: Host,
  server: Host,
  clientPort: number,
  serverPort: number,
  t: number,
  request: Uint8Array,
  response: Uint8Array | undefined,
  serviceSeconds: number,
  label?: string,
): number {
  if (label) {
    ctx.sink.label({
      scenario: label,
      protocol: "udp",
      src: client.address,
      srcPort: clientPort,
      dst: server.address,
      dstPort: serverPort,
      start: t,
    });
  }
  ctx.sink.emit(t, udpFrame(client, server, clientPort, serverPort, request, { ipId: ctx.ipId(client) }));
  if (!response) return t;
  const answered = t + Math.max(client.rtt, server.rtt) + serviceSeconds;
  ctx.sink.emit(
    answered,
    udpFrame(server, client, serverPort, clientPort, response, { ipId: ctx.ipId(server) }),
  );
  return answered;
}

/** ICMP echo request and reply (`ping -c count`), one per second. */
export function ping(ctx: SimContext, from: Host, to: Host, t: number, count: number, label?: string): void {
  const identifier = randomInt(ctx.rng, 65_536);
  if (label)
    ctx.sink.label({
      scenario: label,
      protocol: "icmp",
      src: from.address,
      srcPort: 0,
      dst: to.address,
      dstPort: 0,
      start: t,
    });
  const payload = new Uint8Array(56).map((_, i) => (i + 0x10) & 0xff); // Linux ping's pattern
  for (let k = 0; k < count; k++) {
    const rest = (identifier << 16) | (k + 1);
    const at = t + k;
    ctx.sink.emit(at, icmpFrame(from, to, 8, 0, rest, payload, { ipId: ctx.ipId(from) }));
    ctx.sink.emit(
      at + Math.max(from.rtt, to.rtt),
      icmpFrame(to, from, 0, 0, rest, payload, { ipId: ctx.ipId(to) }),
    );
  }
}

/** Text as bytes (ASCII protocols: HTTP, SMTP, FTP). */
export function ascii(text: string): Uint8Array {
  return Buffer.from(text, "latin1");
}
