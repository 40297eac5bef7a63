/**
 * TCP and UDP listeners that receive connection records as text lines (JSON or KDD CSV, see
 * `lines.ts`) and hand them to the monitor through a bounded queue.
 *
 * - **Safe by default**: binds to 127.0.0.1; any non-loopback address needs `allowRemote: true`,
 *   because records from the network steer what the monitor alerts on. `allowFrom` (a list of CIDR
 *   blocks) refuses connections and datagrams from other addresses; `secret` makes every TCP
 *   connection start with the line `AUTH <secret>` (see README, "Listening on the network").
 * - **TCP** is newline-framed: lines split across packets and many lines per packet both work. A
 *   line longer than `maxLineBytes` is rejected as soon as it crosses the limit, its bytes skipped
 *   up to the next newline (so memory per connection stays under `maxLineBytes`), and the stream
 *   carries on with the next line. An unterminated last line is parsed when its sender closes
 *   cleanly (FIN); when the connection is reset or closed by a timeout, it is rejected as a
 *   "truncated line" (half a record is not scored as a whole one).
 * - **Hostile senders** cannot hold the listener: at most `maxConnections` connections, at most
 *   `maxConnectionsPerAddress` of them from one address; a connection that completes no line for
 *   `idleTimeoutMs` (silent, or dripping bytes), that takes longer than `lineTimeoutMs` over one
 *   line (slow-loris), or that does not authenticate within `authTimeoutMs`, is closed. Every
 *   connection refused or closed is counted with its reason.
 * - **UDP**: each datagram holds one or more lines (the final newline is optional).
 * - **Back-pressure**: at most `maxQueue` records wait for the consumer. For TCP, `pause` (the
 *   default) stops reading from the sockets while the queue is full and resumes once it has half
 *   drained, so nothing is lost: TCP flow control slows the senders (a paused connection is not
 *   idle: its timeouts wait). `drop` keeps reading and counts what does not fit. UDP has no flow
 *   control, so only `drop` is possible; datagrams the kernel discards when the socket's receive
 *   buffer overflows are read from the socket's `drops` counter in /proc/net/udp (Linux) into
 *   `kernelDrops` by `sampleKernelDrops()` (raise `recvBufferBytes` when it grows).
 *
 * Accounting, at every moment:
 * - lines: `received = delivered + rejected + dropped + queued`, where a line is received when it
 *   is framed (a newline seen, the line crossed the size limit, or its connection closed with the
 *   line unterminated), rejected when it does not parse or was truncated, dropped when the queue is
 *   full under `drop` (before parsing, to shed load cheaply) or left unread at `close()`, and
 *   delivered when the consumer takes it. The `AUTH` line is not a record and not counted; bytes
 *   from a connection that never authenticated are counted in `bytes` only.
 * - TCP connections: every connection the process accepts from the kernel is either refused at
 *   once (`connectionsRefused`, by reason) or admitted (`connectionsTotal`), and an admitted one
 *   is open (`connections`) or closed with a reason: `connectionsTotal = connections +
 *   sum(connectionsClosed)`. Connections the kernel itself turns away when the listen backlog is
 *   full never reach the process (Linux counts them, for all sockets, as ListenOverflows in
 *   /proc/net/netstat).
 * - UDP datagrams: `datagrams` read, of which `datagramsRefused` came from outside `allowFrom`
 *   (their lines are not counted); `kernelDrops` were discarded by the kernel before being read.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from "node:dgram";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer, isIP, type Server, type Socket } from "node:net";
import { ConfigError, IoError, OptionError, ParseError, PermissionError } from "../core/errors";
import { CidrSet } from "../net/cidrSet";
import { DEFAULT_MAX_LINE_BYTES, type LineRecord, parseLine, type RejectKind } from "./lines";

/** What to do when the queue is full: stop reading (TCP only) or drop and count. */
export type BackPressurePolicy = "pause" | "drop";

/** Options of `SocketSource.listen`. */
export interface SocketSourceOptions {
  transport: "tcp" | "udp";
  /** Address to bind. Default "127.0.0.1". Anything but loopback needs `allowRemote`. */
  host?: string;
  /** Port to bind; 0 (default) picks a free one (read it from `address`). */
  port?: number;
  /** Allow a non-loopback `host` (e.g. "0.0.0.0"), accepting records from the network. Default false. */
  allowRemote?: boolean;
  /**
   * Senders allowed, as CIDR blocks or addresses (e.g. ["10.0.0.0/8", "192.0.2.7"]); connections
   * and datagrams from any other address (loopback included, unless listed) are refused and
   * counted. Default: every sender that can reach `host`.
   */
  allowFrom?: readonly string[];
  /**
   * Shared secret (TCP only), at least 16 bytes, no line break: a connection's first line must be
   * `AUTH <secret>`, else it is closed and counted. Default none (no authentication).
   */
  secret?: Uint8Array | string;
  /** Time a TCP connection has to send its `AUTH` line when a `secret` is set, in ms. Default 5,000. */
  authTimeoutMs?: number;
  /** Records waiting for the consumer at most. Default 10,000. */
  maxQueue?: number;
  /** Full-queue policy: TCP default "pause" (lossless); UDP only "drop" (its default). */
  backPressure?: BackPressurePolicy;
  /** Longest accepted line in bytes, without the newline. Default 65,536. */
  maxLineBytes?: number;
  /** Simultaneous TCP connections at most; more are refused and counted. Default 64. */
  maxConnections?: number;
  /** Simultaneous TCP connections from one address at most; more are refused and counted. Default 16. */
  maxConnectionsPerAddress?: number;
  /**
   * A TCP connection that completes no line for this long (silent, or sending bytes without a
   * newline) is closed and counted, in ms; counted from the connection (or its `AUTH` line) and
   * from each line. Default 60,000.
   */
  idleTimeoutMs?: number;
  /** A TCP connection whose current line has been arriving for this long is closed (slow senders), in ms. Default 10,000. */
  lineTimeoutMs?: number;
  /** UDP socket receive buffer (SO_RCVBUF) in bytes; the OS default when unset. */
  recvBufferBytes?: number;
  /** Called with every rejected line (write it to the reject log); rejects are counted either way. */
  onReject?: (reject: RejectedInput) => void;
}

/** A record as delivered to the consumer. */
export interface ReceivedRecord {
  readonly record: LineRecord;
  /** `performance.now()` (ms) when the bytes holding the line arrived: the start of its latency. */
  readonly receivedAt: number;
  /** Sender as "address:port". */
  readonly peer: string;
}

/** Why a line was rejected: a parse failure (`RejectKind`), or a line its connection cut short. */
export type SourceRejectKind = RejectKind | "truncated line";

/** A line that was rejected, with why. */
export interface RejectedInput {
  readonly kind: SourceRejectKind;
  readonly reason: string;
  /** The start of the line (at most 200 characters). */
  readonly text: string;
  readonly receivedAt: number;
  readonly peer: string;
}

/** Why a TCP connection was refused as it arrived (`connectionsRefusedByReason`). */
export type RefusalReason = "max connections" | "per-address limit" | "not allowed" | "closing";

/**
 * How a TCP connection ended (`connectionsClosed`): the sender closed it ("end") or reset it
 * ("reset", any socket error); or the source closed it: a timeout, no valid `AUTH` line
 * ("unauthenticated"), or `close()` ("shutdown").
 */
export type CloseReason =
  "end" | "reset" | "idle timeout" | "line timeout" | "auth timeout" | "unauthenticated" | "shutdown";

/** The source's counters; see the accounting identities in the file header. */
export interface SocketSourceStats {
  readonly transport: "tcp" | "udp";
  /** Lines framed. */
  readonly received: number;
  /** Lines parsed into records (delivered + queued). */
  readonly parsed: number;
  /** Records taken by the consumer. */
  readonly delivered: number;
  /** Lines rejected: unparsable, or truncated by a reset or a timeout. */
  readonly rejected: number;
  readonly rejectedByReason: Readonly<Record<string, number>>;
  /** Lines dropped: queue full under `drop`, plus `droppedAtClose`. */
  readonly dropped: number;
  /** Lines still unread in paused connections when the source closed (part of `dropped`). */
  readonly droppedAtClose: number;
  readonly queueDepth: number;
  readonly maxQueueDepth: number;
  /** Times reading was paused because the queue was full (policy `pause`). */
  readonly pauses: number;
  readonly bytes: number;
  /** UDP datagrams read, and those of them refused (sender outside `allowFrom`; their lines are not counted). */
  readonly datagrams: number;
  readonly datagramsRefused: number;
  /**
   * UDP datagrams the kernel discarded for this socket before it could read them (receive buffer
   * full): the socket's `drops` in /proc/net/udp or udp6, as of the last `sampleKernelDrops()`;
   * null for TCP and where the platform has no such counter.
   */
  readonly kernelDrops: number | null;
  /** TCP connections open now, admitted in all, and refused as they arrived (over a limit, not allowed). */
  readonly connections: number;
  readonly connectionsTotal: number;
  readonly connectionsRefused: number;
  readonly connectionsRefusedByReason: Readonly<Partial<Record<RefusalReason, number>>>;
  /** Admitted TCP connections closed, by how they ended: `connectionsTotal = connections + sum`. */
  readonly connectionsClosed: Readonly<Partial<Record<CloseReason, number>>>;
  /** Socket errors (e.g. ECONNRESET); the connection is closed, the source keeps running. */
  readonly socketErrors: number;
}

/** The options `SocketSource.opts` holds, with defaults filled in (not the secret itself). */
export type ResolvedSocketSourceOptions = Required<
  Omit<SocketSourceOptions, "onReject" | "recvBufferBytes" | "secret" | "allowFrom">
> & { readonly allowFrom: readonly string[] | null; readonly authenticate: boolean };

const NEWLINE = 10;
/** Characters of a rejected line kept in `RejectedInput.text`. */
const REJECT_TEXT_CHARS = 200;
/** Shortest shared secret, in bytes (128 bits). */
export const MIN_SECRET_BYTES = 16;
/** Longest `AUTH` line read, in bytes: a longer first line fails authentication at once. */
const MAX_AUTH_LINE_BYTES = 1024;
const AUTH_PREFIX = Buffer.from("AUTH ");

/** Per-TCP-connection framing state. */
interface Conn {
  readonly socket: Socket;
  readonly peer: string;
  /** The sender's address, IPv4-mapped IPv6 as IPv4 (the key of the per-address limit). */
  readonly address: string;
  /** Start of a line whose newline has not arrived yet (at most maxLineBytes). */
  carry: Buffer | null;
  /** Inside an oversized line: bytes are skipped up to the next newline. */
  skipping: boolean;
  /** Bytes received but not framed yet, held while the queue is full (policy `pause`). */
  pending: Buffer | null;
  pendingAt: number;
  blocked: boolean;
  ended: boolean;
  finished: boolean;
  /** The connection sent its `AUTH` line (always true without a secret). */
  authed: boolean;
  /** The connection failed with a socket error (a reset): its unterminated line is not a line. */
  reset: boolean;
  /** `performance.now()` of the connection, or of its last line: the idle timeout counts from it. */
  lastLineAt: number;
  /** `performance.now()` when the current unterminated line began, or -1 between lines. */
  lineSince: number;
}

/**
 * Tells whether a host string is a loopback address (127.0.0.0/8, ::1, "localhost").
 * @example isLoopback("127.0.0.1") // true
 * isLoopback("0.0.0.0") // false
 */
export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  const h = host.startsWith("::ffff:") ? host.slice(7) : host;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return /^(0{0,4}:){7}0{0,3}1$|^::1$/.test(h);
  return false;
}

/**
 * A TCP or UDP listener delivering parsed records through a bounded queue. Consume it with
 * `for await (const item of source)` (one record at a time) or `source.batches()` (arrays, for
 * throughput); stop it with `close()`, after which the iterators yield what is still queued and end.
 *
 * @example
 * const source = await SocketSource.listen({ transport: "tcp", port: 9400, onReject: (r) => rejects.append(r) });
 * for await (const { record, receivedAt } of source) {
 *   const x = pipeline.transformRecord(record.features);
 *   stats.recordLatency(performance.now() - receivedAt);
 * }
 * source.stats; // { received: 1200, parsed: 1190, rejected: 10, rejectedByReason: { "field count": 10 }, dropped: 0, ... }
 */
export class SocketSource implements AsyncIterable<ReceivedRecord> {
  /** The options, with defaults filled in. */
  readonly opts: Readonly<ResolvedSocketSourceOptions>;
  private readonly onReject: ((reject: RejectedInput) => void) | undefined;
  private readonly lineOptions: { maxLineBytes: number };
  /** SHA-256 of the secret, compared in constant time with the hash of what a client sends. */
  private readonly secretHash: Buffer | undefined;
  private readonly allowed: CidrSet<true> | undefined;
  // The queue: a ring buffer of maxQueue slots.
  private readonly ring: (ReceivedRecord | undefined)[];
  private head = 0;
  private size = 0;
  private readonly resumeDepth: number;
  private waiters: (() => void)[] = [];
  private readonly blocked = new Set<Conn>();
  private readonly conns = new Set<Conn>();
  /** Open connections per sender address. */
  private readonly perAddress = new Map<string, number>();
  private server: Server | undefined;
  private udp: UdpSocket | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;
  private boundAddress = { host: "", port: 0 };
  /** The UDP socket's inode, once found in /proc/net/udp (-1: not yet). */
  private udpInode = -1;
  // Counters.
  private received = 0;
  private delivered = 0;
  private rejected = 0;
  private readonly rejectedByReason: Record<string, number> = {};
  private dropped = 0;
  private droppedAtClose = 0;
  private maxDepth = 0;
  private pauses = 0;
  private bytes = 0;
  private datagrams = 0;
  private datagramsRefused = 0;
  private kernelDrops: number | null = null;
  private connectionsTotal = 0;
  private connectionsRefused = 0;
  private readonly refusedByReason: Partial<Record<RefusalReason, number>> = {};
  private readonly closedByReason: Partial<Record<CloseReason, number>> = {};
  private socketErrors = 0;

  private constructor(options: SocketSourceOptions) {
    const { opts, secret, allowed } = checkOptions(options);
    this.opts = Object.freeze(opts);
    this.secretHash = secret && sha256(secret);
    this.allowed = allowed;
    this.onReject = options.onReject;
    this.lineOptions = { maxLineBytes: this.opts.maxLineBytes };
    this.ring = new Array<ReceivedRecord | undefined>(this.opts.maxQueue);
    this.resumeDepth = Math.floor(this.opts.maxQueue / 2);
  }

  /**
   * Starts listening.
   * @throws OptionError for a non-loopback host without `allowRemote: true`, `backPressure: "pause"`
   *   with UDP, an `allowFrom` entry that is not a CIDR block, or an option out of range;
   *   ConfigError for a `secret` with UDP or a secret too short or with a line break, when the
   *   port is in use (EADDRINUSE) or the host is not this machine's; PermissionError for a
   *   privileged port; IoError for other failures to bind. Each names the address and the fix.
   */
  static async listen(options: SocketSourceOptions): Promise<SocketSource> {
    const source = new SocketSource(options);
    if (source.opts.transport === "tcp") await source.listenTcp();
    else await source.listenUdp(options.recvBufferBytes);
    return source;
  }

  /** The bound address (with the real port when 0 was asked for). */
  get address(): { readonly transport: "tcp" | "udp"; readonly host: string; readonly port: number } {
    return { transport: this.opts.transport, ...this.boundAddress };
  }

  /** A snapshot of the counters (`kernelDrops` as of the last `sampleKernelDrops()`). */
  get stats(): SocketSourceStats {
    return {
      transport: this.opts.transport,
      received: this.received,
      parsed: this.delivered + this.size,
      delivered: this.delivered,
      rejected: this.rejected,
      rejectedByReason: { ...this.rejectedByReason },
      dropped: this.dropped,
      droppedAtClose: this.droppedAtClose,
      queueDepth: this.size,
      maxQueueDepth: this.maxDepth,
      pauses: this.pauses,
      bytes: this.bytes,
      datagrams: this.datagrams,
      datagramsRefused: this.datagramsRefused,
      kernelDrops: this.kernelDrops,
      connections: this.conns.size,
      connectionsTotal: this.connectionsTotal,
      connectionsRefused: this.connectionsRefused,
      connectionsRefusedByReason: { ...this.refusedByReason },
      connectionsClosed: { ...this.closedByReason },
      socketErrors: this.socketErrors,
    };
  }

  /** Records queued now (cheaper than `stats` on a hot path). */
  get queueDepth(): number {
    return this.size;
  }

  /**
   * Reads the UDP socket's kernel drop counter (Linux: the `drops` column of /proc/net/udp or
   * udp6, found by the bound port and the socket's inode) into `stats.kernelDrops`, and returns
   * it; null for TCP or where unavailable. It reads a file: call it when taking a stats
   * snapshot, not per record. After `close()` it returns the last value read.
   */
  sampleKernelDrops(): number | null {
    if (!this.udp || this.closed) return this.kernelDrops;
    const found = readUdpDrops(isIP(this.boundAddress.host) === 6, this.boundAddress.port, this.udpInode);
    if (found) {
      this.udpInode = found.inode;
      this.kernelDrops = found.drops;
    }
    return this.kernelDrops;
  }

  /** Takes up to `max` queued records at once, without waiting (an empty array when none). */
  drain(max = Number.POSITIVE_INFINITY): ReceivedRecord[] {
    const n = Math.min(max, this.size);
    const out = new Array<ReceivedRecord>(n);
    for (let i = 0; i < n; i++) out[i] = this.shift();
    this.afterDequeue();
    return out;
  }

  /** Resolves when a record is queued or the source is closed (at once if either holds now). */
  ready(): Promise<void> {
    if (this.size > 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Records one at a time; ends after `close()` once the queue is empty. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ReceivedRecord, void, undefined> {
    for (;;) {
      if (this.size === 0) {
        if (this.closed) return;
        await this.ready();
        continue;
      }
      const item = this.shift();
      this.afterDequeue();
      yield item;
    }
  }

  /**
   * Records in arrays of up to `maxBatch` (everything queued when the consumer asks): one await per
   * batch instead of per record. Ends after `close()` once the queue is empty.
   */
  async *batches(maxBatch = 1024): AsyncGenerator<ReceivedRecord[], void, undefined> {
    if (!(maxBatch >= 1))
      throw new OptionError(`SocketSource.batches: maxBatch must be >= 1, got ${maxBatch}.`);
    for (;;) {
      if (this.size === 0) {
        if (this.closed) return;
        await this.ready();
        continue;
      }
      yield this.drain(maxBatch);
    }
  }

  /**
   * Stops listening and closes every connection (counted as closed by "shutdown"). Lines still
   * unread in paused connections are counted as dropped (`droppedAtClose`); queued records stay
   * available to the iterators.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.sampleKernelDrops(); // the socket's row goes with it
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const conn of this.conns) {
      const unread = conn.authed ? countUnreadLines(conn) : 0;
      this.received += unread;
      this.dropped += unread;
      this.droppedAtClose += unread;
      conn.pending = null;
      conn.carry = null;
      conn.finished = true;
      this.count(this.closedByReason, "shutdown");
      conn.socket.destroy();
    }
    this.conns.clear();
    this.perAddress.clear();
    this.blocked.clear();
    this.wake();
    if (this.server) {
      const server = this.server;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (this.udp) {
      const udp = this.udp;
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    }
  }

  // ------------------------------------------------------------------------------------------
  // Queue

  private shift(): ReceivedRecord {
    const item = this.ring[this.head] as ReceivedRecord;
    this.ring[this.head] = undefined;
    this.head = this.head + 1 === this.ring.length ? 0 : this.head + 1;
    this.size--;
    this.delivered++;
    return item;
  }

  private push(item: ReceivedRecord): void {
    let tail = this.head + this.size;
    if (tail >= this.ring.length) tail -= this.ring.length;
    this.ring[tail] = item;
    this.size++;
    if (this.size > this.maxDepth) this.maxDepth = this.size;
    if (this.waiters.length > 0) this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resumes paused connections once the queue has drained to half. */
  private afterDequeue(): void {
    if (this.blocked.size === 0 || this.size > this.resumeDepth || this.closed) return;
    const now = performance.now();
    for (const conn of [...this.blocked]) {
      this.blocked.delete(conn);
      conn.blocked = false;
      // The time spent paused was ours, not the sender's: its timeouts start again.
      conn.lastLineAt = now;
      if (conn.lineSince >= 0) conn.lineSince = now;
      const pending = conn.pending as Buffer;
      conn.pending = null;
      this.frame(conn, pending, conn.pendingAt);
      if (conn.blocked || conn.finished) continue; // filled the queue again, or closed
      if (conn.ended) this.finish(conn);
      else conn.socket.resume();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Lines

  /** Counts, parses and queues (or rejects, or drops) one framed line buf[start, end). */
  private line(buf: Buffer, start: number, end: number, at: number, peer: string): void {
    if (end - start > this.opts.maxLineBytes) {
      this.oversized(buf.subarray(start, end), at, peer);
      return;
    }
    this.received++;
    if (this.size >= this.opts.maxQueue) {
      // Only under "drop" (and UDP): "pause" stops framing before the queue can overflow.
      this.dropped++;
      return;
    }
    const result = parseLine(buf.toString("utf8", start, end), this.lineOptions);
    if (result.ok) this.push({ record: result.record, receivedAt: at, peer });
    else this.reject(result.kind, result.reason, buf, start, end, at, peer);
  }

  /** Counts and rejects one line over the size limit, given (at least) its first bytes. */
  private oversized(head: Buffer, at: number, peer: string): void {
    this.received++;
    this.reject(
      "oversized line",
      `line longer than the limit of ${this.opts.maxLineBytes} bytes; its bytes were skipped up to the next newline. ` +
        `Send one record per line, or raise maxLineBytes.`,
      head,
      0,
      head.length,
      at,
      peer,
    );
  }

  /** Counts a rejected line buf[start, end) and hands its first characters to `onReject`. */
  private reject(
    kind: SourceRejectKind,
    reason: string,
    buf: Buffer,
    start: number,
    end: number,
    at: number,
    peer: string,
  ): void {
    this.rejected++;
    this.rejectedByReason[kind] = (this.rejectedByReason[kind] ?? 0) + 1;
    if (this.onReject) {
      const text = buf.toString("utf8", start, Math.min(end, start + REJECT_TEXT_CHARS));
      this.onReject({ kind, reason, text, receivedAt: at, peer });
    }
  }

  private count<K extends string>(counts: Partial<Record<K, number>>, key: K): void {
    counts[key] = (counts[key] ?? 0) + 1;
  }

  // ------------------------------------------------------------------------------------------
  // TCP

  private async listenTcp(): Promise<void> {
    // Limits are enforced in `accept` (not with server.maxConnections, whose refusals have no reason).
    const server = createServer({ noDelay: true });
    server.on("connection", (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err) => reject(bindError(this.opts, err)));
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    server.on("error", () => this.socketErrors++);
    const address = server.address();
    if (address && typeof address === "object")
      this.boundAddress = { host: address.address, port: address.port };
    this.server = server;
    const { idleTimeoutMs, lineTimeoutMs, authTimeoutMs } = this.opts;
    // Timeouts are checked by one sweep over the connections, at a quarter of the shortest one
    // (a timeout fires within 1.25 times its length), at most once a second.
    const every = Math.max(5, Math.min(1000, Math.min(idleTimeoutMs, lineTimeoutMs, authTimeoutMs) / 4));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  private accept(socket: Socket): void {
    const remote = socket.remoteAddress ?? "";
    const address = remote.startsWith("::ffff:") && isIP(remote.slice(7)) === 4 ? remote.slice(7) : remote;
    const refusal: RefusalReason | undefined = this.closed
      ? "closing"
      : this.allowed && !this.allowed.has(address)
        ? "not allowed"
        : this.conns.size >= this.opts.maxConnections
          ? "max connections"
          : (this.perAddress.get(address) ?? 0) >= this.opts.maxConnectionsPerAddress
            ? "per-address limit"
            : undefined;
    if (refusal) {
      this.connectionsRefused++;
      this.count(this.refusedByReason, refusal);
      socket.on("error", () => {}); // a reset racing the destroy is not a socket error of ours
      socket.destroy();
      return;
    }
    const now = performance.now();
    const conn: Conn = {
      socket,
      peer: `${remote}:${socket.remotePort}`,
      address,
      carry: null,
      skipping: false,
      pending: null,
      pendingAt: 0,
      blocked: false,
      ended: false,
      finished: false,
      authed: this.secretHash === undefined,
      reset: false,
      lastLineAt: now,
      lineSince: -1,
    };
    this.conns.add(conn);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    this.connectionsTotal++;
    socket.on("data", (chunk: Buffer) => {
      const at = performance.now();
      this.bytes += chunk.length;
      if (conn.finished) return;
      if (conn.blocked) {
        // pause() stops further "data" events; this only guards against one already under way.
        conn.pending = conn.pending ? Buffer.concat([conn.pending, chunk]) : chunk;
        return;
      }
      this.frame(conn, chunk, at);
    });
    socket.on("end", () => {
      conn.ended = true;
      if (!conn.blocked) this.finish(conn);
    });
    socket.on("error", () => {
      this.socketErrors++;
      conn.reset = true;
    });
    socket.on("close", () => {
      conn.ended = true;
      if (!conn.blocked) this.finish(conn);
    });
  }

  /** Closes connections past a deadline: no `AUTH` line, a line too slow, or idle. */
  private sweep(): void {
    const now = performance.now();
    const { idleTimeoutMs, lineTimeoutMs, authTimeoutMs } = this.opts;
    for (const conn of this.conns) {
      if (conn.blocked || conn.finished) continue; // a paused connection waits for us, not the sender
      if (!conn.authed) {
        if (now - conn.lastLineAt >= authTimeoutMs) this.drop(conn, "auth timeout");
      } else if (conn.lineSince >= 0 && now - conn.lineSince >= lineTimeoutMs) {
        this.drop(conn, "line timeout");
      } else if (now - conn.lastLineAt >= idleTimeoutMs) {
        this.drop(conn, "idle timeout");
      }
    }
  }

  /**
   * Frames the lines of buf. Under "pause", stops before a line when the queue is full and keeps
   * the rest of buf for later. A connection that must authenticate has its first line checked first.
   */
  private frame(conn: Conn, buf: Buffer, at: number): void {
    const pause = this.opts.backPressure === "pause";
    const max = this.opts.maxLineBytes;
    let pos = 0;
    if (!conn.authed) {
      pos = this.authenticate(conn, buf, at);
      if (pos < 0) return;
    }
    while (pos < buf.length) {
      if (pause && this.size >= this.opts.maxQueue) {
        this.block(conn, buf.subarray(pos), at);
        return;
      }
      const nl = buf.indexOf(NEWLINE, pos);
      if (nl < 0) {
        this.carry(conn, buf.subarray(pos), at);
        return;
      }
      conn.lastLineAt = at;
      conn.lineSince = -1;
      if (conn.skipping) {
        conn.skipping = false; // the oversized line ends here; it was counted when it crossed the limit
      } else if (conn.carry) {
        const carry = conn.carry;
        conn.carry = null;
        if (carry.length + (nl - pos) > max) {
          this.oversized(carry, at, conn.peer);
        } else {
          const whole = Buffer.concat([carry, buf.subarray(pos, nl)]);
          this.line(whole, 0, whole.length, at, conn.peer);
        }
      } else {
        this.line(buf, pos, nl, at, conn.peer);
      }
      pos = nl + 1;
    }
  }

  /**
   * Reads the `AUTH <secret>` line at the start of buf (after what `carry` holds of it). Returns
   * where the records start in buf (buf.length while the line is incomplete), or -1 when the
   * connection failed and was closed.
   */
  private authenticate(conn: Conn, buf: Buffer, at: number): number {
    const nl = buf.indexOf(NEWLINE);
    const part = nl < 0 ? buf : buf.subarray(0, nl);
    const length = (conn.carry?.length ?? 0) + part.length;
    if (length > MAX_AUTH_LINE_BYTES) {
      this.drop(conn, "unauthenticated");
      return -1;
    }
    const line = conn.carry ? Buffer.concat([conn.carry, part]) : part;
    if (nl < 0) {
      conn.carry = Buffer.from(line);
      return buf.length;
    }
    conn.carry = null;
    let end = line.length;
    if (end > 0 && line[end - 1] === 13) end--;
    const ok =
      end >= AUTH_PREFIX.length &&
      line.subarray(0, AUTH_PREFIX.length).equals(AUTH_PREFIX) &&
      timingSafeEqual(sha256(line.subarray(AUTH_PREFIX.length, end)), this.secretHash as Buffer);
    if (!ok) {
      this.drop(conn, "unauthenticated");
      return -1;
    }
    conn.authed = true;
    conn.lastLineAt = at;
    return nl + 1;
  }

  /** Pauses a connection until the queue drains, keeping its unframed bytes. */
  private block(conn: Conn, rest: Buffer, at: number): void {
    conn.pending = rest;
    conn.pendingAt = at;
    conn.blocked = true;
    this.blocked.add(conn);
    this.pauses++;
    conn.socket.pause();
  }

  /** Keeps the start of an unterminated line, or rejects it once it exceeds the limit. */
  private carry(conn: Conn, part: Buffer, at: number): void {
    if (part.length === 0) return;
    if (conn.lineSince < 0) conn.lineSince = at;
    if (conn.skipping) return;
    const length = (conn.carry?.length ?? 0) + part.length;
    if (length > this.opts.maxLineBytes) {
      // Reject now, without buffering the rest of the line; skip its bytes up to the next newline.
      const head = conn.carry ?? part;
      conn.carry = null;
      conn.skipping = true;
      this.oversized(head, at, conn.peer);
      return;
    }
    conn.carry = conn.carry ? Buffer.concat([conn.carry, part]) : Buffer.from(part);
  }

  /**
   * The connection closed: its unterminated last line, if any, is still a line when the sender
   * closed cleanly, and a truncated one (rejected) when it was reset.
   */
  private finish(conn: Conn): void {
    if (conn.finished) return;
    const last = conn.authed && conn.carry && !conn.skipping ? conn.carry : null;
    if (last && !conn.reset && this.opts.backPressure === "pause" && this.size >= this.opts.maxQueue) {
      // No room for the last line: wait like a paused connection (afterDequeue finishes it).
      this.block(conn, Buffer.alloc(0), performance.now());
      return;
    }
    conn.carry = null;
    if (last && conn.reset) this.truncated(conn, last, "reset by the sender");
    else if (last) this.line(last, 0, last.length, performance.now(), conn.peer);
    this.release(conn, conn.reset ? "reset" : conn.authed ? "end" : "unauthenticated");
  }

  /** Closes a connection from this side (a timeout, a failed `AUTH`), rejecting its unterminated line. */
  private drop(conn: Conn, reason: CloseReason): void {
    if (conn.finished) return;
    const last = conn.authed && conn.carry && !conn.skipping ? conn.carry : null;
    conn.carry = null;
    if (last) this.truncated(conn, last, `closed by the ${reason}`);
    this.release(conn, reason);
    conn.socket.destroy();
  }

  /** Counts an unterminated line cut short by its connection's end as received and rejected. */
  private truncated(conn: Conn, line: Buffer, how: string): void {
    this.received++;
    this.reject(
      "truncated line",
      `truncated line: the connection was ${how} before the line's newline, so the line is not scored; ` +
        `end every record with a newline and close connections cleanly.`,
      line,
      0,
      line.length,
      performance.now(),
      conn.peer,
    );
  }

  /** Marks a connection finished and counts how it ended. */
  private release(conn: Conn, reason: CloseReason): void {
    conn.finished = true;
    if (!this.conns.delete(conn)) return; // close() took it already
    const n = (this.perAddress.get(conn.address) ?? 1) - 1;
    if (n > 0) this.perAddress.set(conn.address, n);
    else this.perAddress.delete(conn.address);
    this.count(this.closedByReason, reason);
  }

  // ------------------------------------------------------------------------------------------
  // UDP

  private async listenUdp(recvBufferBytes: number | undefined): Promise<void> {
    const type = isIP(this.opts.host) === 6 ? "udp6" : "udp4";
    const udp = createSocket({ type, ...(recvBufferBytes ? { recvBufferSize: recvBufferBytes } : {}) });
    udp.on("message", (msg: Buffer, rinfo: RemoteInfo) => this.datagram(msg, rinfo));
    await new Promise<void>((resolve, reject) => {
      udp.once("error", (err) => reject(bindError(this.opts, err)));
      udp.bind(this.opts.port, this.opts.host, () => resolve());
    });
    udp.on("error", () => this.socketErrors++);
    const address = udp.address();
    this.boundAddress = { host: address.address, port: address.port };
    this.udp = udp;
    this.sampleKernelDrops();
  }

  private datagram(msg: Buffer, rinfo: RemoteInfo): void {
    const at = performance.now();
    this.datagrams++;
    this.bytes += msg.length;
    if (this.allowed && !this.allowed.has(rinfo.address)) {
      this.datagramsRefused++;
      return;
    }
    const peer = `${rinfo.address}:${rinfo.port}`;
    let pos = 0;
    for (;;) {
      const nl = msg.indexOf(NEWLINE, pos);
      if (nl < 0) {
        // The last line; its newline is optional, but an empty datagram is one blank line.
        if (pos < msg.length || msg.length === 0) this.line(msg, pos, msg.length, at, peer);
        return;
      }
      this.line(msg, pos, nl, at, peer);
      pos = nl + 1;
    }
  }
}

function sha256(data: Uint8Array | string): Buffer {
  return createHash("sha256").update(data).digest();
}

/**
 * The kernel's drop counter of the UDP socket bound to `port`: its row in /proc/net/udp (udp6 for
 * IPv6), the last column. When several sockets share the port, the one with `inode`, or else the
 * one this process holds (its /proc/self/fd links). Undefined where there is no such file or row.
 */
function readUdpDrops(
  v6: boolean,
  port: number,
  inode: number,
): { drops: number; inode: number } | undefined {
  let table: string;
  try {
    table = readFileSync(v6 ? "/proc/net/udp6" : "/proc/net/udp", "latin1");
  } catch {
    return undefined;
  }
  const rows: { drops: number; inode: number }[] = [];
  for (const line of table.split("\n").slice(1)) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    const colon = f[1].lastIndexOf(":");
    if (Number.parseInt(f[1].slice(colon + 1), 16) !== port) continue;
    rows.push({ inode: Number(f[9]), drops: Number(f[12]) });
  }
  const known = rows.find((r) => r.inode === inode);
  if (known) return known;
  if (rows.length <= 1) return rows[0];
  const mine = new Set<number>();
  try {
    for (const fd of readdirSync("/proc/self/fd")) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
        if (m) mine.add(Number(m[1]));
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return undefined;
  }
  const ours = rows.filter((r) => mine.has(r.inode));
  return ours.length === 1 ? ours[0] : undefined;
}

/** Defaults of the limits, as `SocketSource.opts` fills them in (the CLI's flags show the same). */
export const SOCKET_SOURCE_DEFAULTS = Object.freeze({
  maxQueue: 10_000,
  maxLineBytes: DEFAULT_MAX_LINE_BYTES,
  maxConnections: 64,
  maxConnectionsPerAddress: 16,
  idleTimeoutMs: 60_000,
  lineTimeoutMs: 10_000,
  authTimeoutMs: 5_000,
});

function checkOptions(options: SocketSourceOptions): {
  opts: ResolvedSocketSourceOptions;
  secret: Buffer | undefined;
  allowed: CidrSet<true> | undefined;
} {
  const transport = options.transport;
  if (transport !== "tcp" && transport !== "udp") {
    throw new OptionError(`SocketSource: transport must be "tcp" or "udp", got "${String(transport)}".`);
  }
  const d = SOCKET_SOURCE_DEFAULTS;
  const opts = {
    transport,
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    allowRemote: options.allowRemote ?? false,
    allowFrom: options.allowFrom ? Object.freeze([...options.allowFrom]) : null,
    authenticate: options.secret !== undefined,
    maxQueue: options.maxQueue ?? d.maxQueue,
    backPressure: options.backPressure ?? (transport === "tcp" ? "pause" : "drop"),
    maxLineBytes: options.maxLineBytes ?? d.maxLineBytes,
    maxConnections: options.maxConnections ?? d.maxConnections,
    maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? d.maxConnectionsPerAddress,
    idleTimeoutMs: options.idleTimeoutMs ?? d.idleTimeoutMs,
    lineTimeoutMs: options.lineTimeoutMs ?? d.lineTimeoutMs,
    authTimeoutMs: options.authTimeoutMs ?? d.authTimeoutMs,
  } as const;
  if (!isLoopback(opts.host) && !opts.allowRemote) {
    throw new OptionError(
      `SocketSource: host "${opts.host}" is not a loopback address, so anyone on the network could send records. ` +
        `Pass { allowRemote: true } (the CLI flag --allow-remote) to listen there on purpose, or use host "127.0.0.1".`,
    );
  }
  if (opts.backPressure !== "pause" && opts.backPressure !== "drop") {
    throw new OptionError(
      `SocketSource: backPressure must be "pause" or "drop", got "${String(opts.backPressure)}".`,
    );
  }
  if (transport === "udp" && opts.backPressure === "pause") {
    throw new OptionError(
      `SocketSource: UDP has no flow control, so backPressure "pause" is impossible; use "drop" (drops are counted) or TCP.`,
    );
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65_535) {
    throw new OptionError(`SocketSource: port must be an integer from 0 to 65535, got ${opts.port}.`);
  }
  for (const key of ["maxQueue", "maxLineBytes", "maxConnections", "maxConnectionsPerAddress"] as const) {
    if (!Number.isInteger(opts[key]) || opts[key] < 1) {
      throw new OptionError(`SocketSource: ${key} must be an integer >= 1, got ${opts[key]}.`);
    }
  }
  for (const key of ["idleTimeoutMs", "lineTimeoutMs", "authTimeoutMs"] as const) {
    if (!(Number.isFinite(opts[key]) && opts[key] > 0)) {
      throw new OptionError(`SocketSource: ${key} must be a number of milliseconds > 0, got ${opts[key]}.`);
    }
  }
  let allowed: CidrSet<true> | undefined;
  if (opts.allowFrom) {
    if (opts.allowFrom.length === 0) {
      throw new OptionError(
        `SocketSource: allowFrom is empty, which would refuse every sender; list CIDR blocks (e.g. ["10.0.0.0/8"]) or omit it.`,
      );
    }
    allowed = new CidrSet<true>();
    for (const cidr of opts.allowFrom) {
      try {
        allowed.add(cidr, true);
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
        throw new OptionError(`SocketSource: allowFrom (--allow-from): ${err.message}`);
      }
    }
  }
  let secret: Buffer | undefined;
  if (options.secret !== undefined) {
    if (transport === "udp") {
      throw new ConfigError(
        `SocketSource: a shared secret authenticates TCP connections, and UDP has none: ` +
          `use transport "tcp" (--listen tcp) with the secret, or restrict UDP senders with allowFrom (--allow-from).`,
      );
    }
    secret = Buffer.from(options.secret);
    if (secret.length < MIN_SECRET_BYTES) {
      throw new ConfigError(
        `SocketSource: the shared secret is ${secret.length === 0 ? "empty" : `${secret.length} bytes`}; ` +
          `use at least ${MIN_SECRET_BYTES} random bytes, e.g. \`(umask 077; openssl rand -hex 32 > monitor.secret)\`.`,
      );
    }
    if (secret.includes(NEWLINE) || secret.includes(13)) {
      throw new ConfigError(
        `SocketSource: the shared secret holds a line break, and it is sent on one line (AUTH <secret>); use a secret without one.`,
      );
    }
  }
  return { opts, secret, allowed };
}

/**
 * Why listening failed, as the error class a caller can act on: a port in use or an address not
 * on this machine is a ConfigError (choose another), a privileged port a PermissionError, anything
 * else an IoError; each names the address and the fix.
 */
function bindError(
  opts: { transport: string; host: string; port: number },
  err: Error,
): ConfigError | PermissionError | IoError {
  const code = (err as NodeJS.ErrnoException).code ?? "unknown";
  const address = `${opts.transport} ${opts.host}:${opts.port}`;
  const what = `SocketSource: cannot listen on ${address} (${code}).`;
  switch (code) {
    case "EADDRINUSE":
      return new ConfigError(
        `${what} Another process uses that port: stop it or choose another port (0 picks a free one).`,
      );
    case "EADDRNOTAVAIL":
      return new ConfigError(
        `${what} The host is not an address of this machine: use one it has, e.g. 127.0.0.1.`,
      );
    case "EACCES":
    case "EPERM":
      return new PermissionError(
        `${what} Ports below 1024 need privileges: choose a port above 1023 (or grant CAP_NET_BIND_SERVICE).`,
        address,
        code,
      );
    default:
      return new IoError(`${what} ${err.message}. Check the host and port.`, address, code);
  }
}

/**
 * Lines still unread in a connection at close: those its pending bytes would frame, plus a line
 * in progress (an oversized line being skipped was counted when it crossed the limit).
 */
function countUnreadLines(conn: Conn): number {
  let lines = 0;
  let skipping = conn.skipping;
  let open = conn.carry !== null;
  const pending = conn.pending;
  if (pending) {
    let pos = 0;
    for (let nl = pending.indexOf(NEWLINE); nl >= 0; nl = pending.indexOf(NEWLINE, pos)) {
      if (skipping) skipping = false;
      else lines++;
      open = false;
      pos = nl + 1;
    }
    if (pos < pending.length && !skipping) open = true;
  }
  return lines + (open ? 1 : 0);
}
