/**
 * TCP and UDP listeners that receive connection records as text lines (JSON or KDD CSV, see
 * `lines.ts`) and hand them to the monitor through a bounded queue.
 *
 * - **Safe by default**: binds to 127.0.0.1; any non-loopback address needs `allowRemote: true`,
 *   because records from the network steer what the monitor alerts on.
 * - **TCP** is newline-framed: lines split across packets and many lines per packet both work. A
 *   line longer than `maxLineBytes` is rejected as soon as it crosses the limit, its bytes skipped
 *   up to the next newline (so memory per connection stays under `maxLineBytes`), and the stream
 *   carries on with the next line. An unterminated last line is parsed when its sender closes.
 * - **UDP**: each datagram holds one or more lines (the final newline is optional).
 * - **Back-pressure**: at most `maxQueue` records wait for the consumer. For TCP, `pause` (the
 *   default) stops reading from the sockets while the queue is full and resumes once it has half
 *   drained, so nothing is lost: TCP flow control slows the senders. `drop` keeps reading and
 *   counts what does not fit. UDP has no flow control, so only `drop` is possible; datagrams the
 *   kernel discards when the socket's receive buffer overflows are not visible here (watch
 *   `RcvbufErrors` in /proc/net/snmp, or raise `recvBufferBytes`).
 *
 * Accounting, at every moment: `received = delivered + rejected + dropped + queued`, where a line
 * is received when it is framed (a newline seen, or the line crossed the size limit), rejected when
 * it does not parse, dropped when the queue is full under `drop` (before parsing, to shed load
 * cheaply) or left unread at `close()`, and delivered when the consumer takes it.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from "node:dgram";
import { createServer, isIP, type Server, type Socket } from "node:net";
import { ConfigError, IoError, OptionError, PermissionError } from "../core/errors";
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
  /** Records waiting for the consumer at most. Default 10,000. */
  maxQueue?: number;
  /** Full-queue policy: TCP default "pause" (lossless); UDP only "drop" (its default). */
  backPressure?: BackPressurePolicy;
  /** Longest accepted line in bytes, without the newline. Default 65,536. */
  maxLineBytes?: number;
  /** Simultaneous TCP connections at most; more are refused and counted. Default 64. */
  maxConnections?: number;
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

/** A line that was rejected, with why. */
export interface RejectedInput {
  readonly kind: RejectKind;
  readonly reason: string;
  /** The start of the line (at most 200 characters). */
  readonly text: string;
  readonly receivedAt: number;
  readonly peer: string;
}

/** The source's counters; `received = delivered + rejected + dropped + queueDepth` always holds. */
export interface SocketSourceStats {
  readonly transport: "tcp" | "udp";
  /** Lines framed. */
  readonly received: number;
  /** Lines parsed into records (delivered + queued). */
  readonly parsed: number;
  /** Records taken by the consumer. */
  readonly delivered: number;
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
  /** UDP datagrams received. */
  readonly datagrams: number;
  /** TCP connections open now, accepted in all, and refused (over `maxConnections`). */
  readonly connections: number;
  readonly connectionsTotal: number;
  readonly connectionsRefused: number;
  /** Socket errors (e.g. ECONNRESET); the connection is closed, the source keeps running. */
  readonly socketErrors: number;
}

const NEWLINE = 10;
/** Characters of a rejected line kept in `RejectedInput.text`. */
const REJECT_TEXT_CHARS = 200;

/** Per-TCP-connection framing state. */
interface Conn {
  readonly socket: Socket;
  readonly peer: string;
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
  readonly opts: Readonly<Required<Omit<SocketSourceOptions, "onReject" | "recvBufferBytes">>>;
  private readonly onReject: ((reject: RejectedInput) => void) | undefined;
  private readonly lineOptions: { maxLineBytes: number };
  // The queue: a ring buffer of maxQueue slots.
  private readonly ring: (ReceivedRecord | undefined)[];
  private head = 0;
  private size = 0;
  private readonly resumeDepth: number;
  private waiters: (() => void)[] = [];
  private readonly blocked = new Set<Conn>();
  private readonly conns = new Set<Conn>();
  private server: Server | undefined;
  private udp: UdpSocket | undefined;
  private closed = false;
  private boundAddress = { host: "", port: 0 };
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
  private connectionsTotal = 0;
  private connectionsRefused = 0;
  private socketErrors = 0;

  private constructor(options: SocketSourceOptions) {
    this.opts = Object.freeze(checkOptions(options));
    this.onReject = options.onReject;
    this.lineOptions = { maxLineBytes: this.opts.maxLineBytes };
    this.ring = new Array<ReceivedRecord | undefined>(this.opts.maxQueue);
    this.resumeDepth = Math.floor(this.opts.maxQueue / 2);
  }

  /**
   * Starts listening.
   * @throws OptionError for a non-loopback host without `allowRemote: true`, `backPressure: "pause"`
   *   with UDP, or an option out of range; ConfigError when the port is in use (EADDRINUSE) or
   *   the host is not this machine's; PermissionError for a privileged port; IoError for other
   *   failures to bind. Each names the address and the fix.
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

  /** A snapshot of the counters. */
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
      connections: this.conns.size,
      connectionsTotal: this.connectionsTotal,
      connectionsRefused: this.connectionsRefused,
      socketErrors: this.socketErrors,
    };
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
   * Stops listening and closes every connection. Lines still unread in paused connections are
   * counted as dropped (`droppedAtClose`); queued records stay available to the iterators.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const conn of this.conns) {
      const unread = countUnreadLines(conn);
      this.received += unread;
      this.dropped += unread;
      this.droppedAtClose += unread;
      conn.pending = null;
      conn.carry = null;
      conn.finished = true;
      conn.socket.destroy();
    }
    this.conns.clear();
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
    for (const conn of [...this.blocked]) {
      this.blocked.delete(conn);
      conn.blocked = false;
      const pending = conn.pending as Buffer;
      conn.pending = null;
      this.frame(conn, pending, conn.pendingAt);
      if (conn.blocked) continue; // filled the queue again
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
    else
      this.reject(
        result.kind,
        result.reason,
        buf.toString("utf8", start, Math.min(end, start + REJECT_TEXT_CHARS)),
        at,
        peer,
      );
  }

  /** Counts and rejects one line over the size limit, given (at least) its first bytes. */
  private oversized(head: Buffer, at: number, peer: string): void {
    this.received++;
    this.reject(
      "oversized line",
      `line longer than the limit of ${this.opts.maxLineBytes} bytes; its bytes were skipped up to the next newline. ` +
        `Send one record per line, or raise maxLineBytes.`,
      head.toString("utf8", 0, Math.min(head.length, REJECT_TEXT_CHARS)),
      at,
      peer,
    );
  }

  private reject(kind: RejectKind, reason: string, text: string, at: number, peer: string): void {
    this.rejected++;
    this.rejectedByReason[kind] = (this.rejectedByReason[kind] ?? 0) + 1;
    this.onReject?.({ kind, reason, text, receivedAt: at, peer });
  }

  // ------------------------------------------------------------------------------------------
  // TCP

  private async listenTcp(): Promise<void> {
    const server = createServer({ noDelay: true });
    server.maxConnections = this.opts.maxConnections;
    server.on("connection", (socket) => this.accept(socket));
    server.on("drop", () => this.connectionsRefused++);
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err) => reject(bindError(this.opts, err)));
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    server.on("error", () => this.socketErrors++);
    const address = server.address();
    if (address && typeof address === "object")
      this.boundAddress = { host: address.address, port: address.port };
    this.server = server;
  }

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const conn: Conn = {
      socket,
      peer: `${socket.remoteAddress}:${socket.remotePort}`,
      carry: null,
      skipping: false,
      pending: null,
      pendingAt: 0,
      blocked: false,
      ended: false,
      finished: false,
    };
    this.conns.add(conn);
    this.connectionsTotal++;
    socket.on("data", (chunk: Buffer) => {
      const at = performance.now();
      this.bytes += chunk.length;
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
    });
    socket.on("close", () => {
      conn.ended = true;
      if (!conn.blocked) this.finish(conn);
    });
  }

  /**
   * Frames the lines of buf. Under "pause", stops before a line when the queue is full and keeps
   * the rest of buf for later.
   */
  private frame(conn: Conn, buf: Buffer, at: number): void {
    const pause = this.opts.backPressure === "pause";
    const max = this.opts.maxLineBytes;
    let pos = 0;
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
    if (conn.skipping || part.length === 0) return;
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

  /** The sender closed: its unterminated last line, if any, is still a line. */
  private finish(conn: Conn): void {
    if (conn.finished) return;
    if (
      conn.carry &&
      !conn.skipping &&
      this.opts.backPressure === "pause" &&
      this.size >= this.opts.maxQueue
    ) {
      // No room for the last line: wait like a paused connection (afterDequeue finishes it).
      this.block(conn, Buffer.alloc(0), performance.now());
      return;
    }
    conn.finished = true;
    if (conn.carry && !conn.skipping) {
      const carry = conn.carry;
      conn.carry = null;
      this.line(carry, 0, carry.length, performance.now(), conn.peer);
    }
    this.conns.delete(conn);
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
  }

  private datagram(msg: Buffer, rinfo: RemoteInfo): void {
    const at = performance.now();
    this.datagrams++;
    this.bytes += msg.length;
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

function checkOptions(
  options: SocketSourceOptions,
): Required<Omit<SocketSourceOptions, "onReject" | "recvBufferBytes">> {
  const transport = options.transport;
  if (transport !== "tcp" && transport !== "udp") {
    throw new OptionError(`SocketSource: transport must be "tcp" or "udp", got "${String(transport)}".`);
  }
  const opts = {
    transport,
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    allowRemote: options.allowRemote ?? false,
    maxQueue: options.maxQueue ?? 10_000,
    backPressure: options.backPressure ?? (transport === "tcp" ? "pause" : "drop"),
    maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    maxConnections: options.maxConnections ?? 64,
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
  for (const key of ["maxQueue", "maxLineBytes", "maxConnections"] as const) {
    if (!Number.isInteger(opts[key]) || opts[key] < 1) {
      throw new OptionError(`SocketSource: ${key} must be an integer >= 1, got ${opts[key]}.`);
    }
  }
  return opts;
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
