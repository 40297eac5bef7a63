/**
 * `detective monitor`: one source into the monitor, alerts to a log and the console, counters
 * every few seconds. The bundle's signature is verified when a bundle key is configured.
 */
import { randomInt } from "node:crypto";
import { resolve as resolvePath } from "node:path";
import { InputError, OptionError } from "../core/errors";
import { MAX_TIMER_MS } from "../core/sleep";
import type { CaptureReport } from "../packets/capture";
import { loadTensorflow } from "../core/tf";
import { loadDataset } from "../datasets/datasets";
import { NEURAL_DETECTORS } from "../detectors/registry";
import { EventLog } from "../events/eventLog";
import { HOST_WINDOW } from "../features/traffic";
import { readBundle } from "../model/bundle";
import { BUNDLE_KEY_ENV, bundleKey } from "../model/bundleKey";
import { Monitor } from "../monitor/monitor";
import { ConsoleSink } from "../events/consoleSink";
import type { SocketSourceOptions } from "../sources/socketSource";
import { monitorCapture, monitorLive, monitorSocket, monitorTable } from "../monitor/run";
import { readPrivateFile } from "../core/privateFile";
import { checkSocketSourceOptions, isLoopback, SOCKET_SOURCE_DEFAULTS } from "../sources/socketSource";
import { type Command, type Flags, LIVE_CAPTURE_FLAGS } from "./flags";
import { LOG_FORMATS, LogDirectory, type LogFormat } from "../protocols/logs/logDirectory";
import { ProtocolLogs } from "../protocols/logs/protocolLogs";
import { KEY_FILE_FLAG } from "./train";
import { checkOutputFolder } from "./outputs";

/** `detective monitor`: its flags (SOURCE: exactly one of --pcap, --interface, --listen, --dataset) and what it runs. */
export const monitorCommand: Command = {
  name: "monitor",
  description: [
    "Score records in real time and write alerts (JSON lines) and incidents. Alerts from one source",
    "merge into an incident; its first 10 alerts are written in full and the rest counted in its",
    "lines (--alerts-per-incident all writes every one; --scores logs every record's score).",
    `A bundle key (--key-file or $${BUNDLE_KEY_ENV}) makes the monitor refuse unsigned or altered bundles.`,
  ],
  groups: [{ name: "source", title: "SOURCE", required: true }],
  flags: [
    {
      name: "bundle",
      kind: "string",
      value: "BUNDLE.json",
      required: true,
      help: "the model bundle (make one with `detective train`)",
    },
    KEY_FILE_FLAG,
    { name: "alerts", kind: "string", value: "FILE", default: "alerts.jsonl", help: "alert log (appended)" },
    { name: "rejects", kind: "string", value: "FILE", default: "rejects.jsonl", help: "rejected input log" },
    {
      name: "alerts-per-incident",
      kind: "integer",
      value: "N|all",
      default: 10,
      min: 1,
      words: { all: Number.POSITIVE_INFINITY },
      help: "alerts of an incident written in full",
    },
    { name: "scores", kind: "string", value: "FILE", help: "also log every record's score" },
    {
      name: "protocol-logs",
      kind: "string",
      value: "DIR",
      with: ["pcap", "interface"],
      help: "packet sources: also write Zeek-style protocol logs (conn, dns, http, ...) into DIR, appended",
    },
    {
      name: "log-format",
      kind: "enum",
      choices: LOG_FORMATS,
      default: "tsv",
      with: ["protocol-logs"],
      help: "format of --protocol-logs: tsv (Zeek's) or json lines",
    },
    {
      name: "stats-seconds",
      kind: "number",
      default: 10,
      unit: "s",
      // at most ten lines a second; setInterval takes at most MAX_TIMER_MS (beyond, Node fires every ms)
      min: 0.1,
      max: Math.floor(MAX_TIMER_MS / 1000),
      help: "interval of the counters on stderr",
    },
    { name: "quiet", kind: "boolean", help: "no alert and incident lines on the console" },
    {
      name: "follow-symlinks",
      kind: "boolean",
      help: "write logs through symbolic links (refused by default: a planted link redirects the log)",
    },
    {
      name: "pcap",
      kind: "string",
      value: "FILE",
      group: "source",
      help: "replay a capture through the packet pipeline, as fast as possible",
    },
    {
      name: "speed",
      kind: "number",
      min: 0.001,
      with: ["pcap"],
      help: "pace the replay by its timestamps: 1 as recorded, 10 ten times faster",
    },
    ...LIVE_CAPTURE_FLAGS,
    {
      name: "warmup",
      kind: "integer",
      default: HOST_WINDOW,
      min: 0,
      with: ["pcap", "interface"],
      help: 'packet sources: first connections fill the window features, logged as "suppressed"',
    },
    {
      name: "listen",
      kind: "enum",
      choices: ["tcp", "udp"],
      group: "source",
      help: "JSON or KDD CSV lines on a socket (loopback unless --allow-remote)",
    },
    { name: "port", kind: "integer", default: 9400, min: 1, max: 65535, with: ["listen"], help: "port" },
    {
      name: "host",
      kind: "string",
      value: "ADDR",
      default: "127.0.0.1",
      with: ["listen"],
      help: "address to bind",
    },
    {
      name: "allow-remote",
      kind: "boolean",
      with: ["listen"],
      help: "allow a non-loopback --host (warns without --secret-file or --allow-from)",
    },
    {
      name: "allow-from",
      kind: "list",
      value: "CIDR,...",
      with: ["listen"],
      help: "accept only senders in these blocks (list 127.0.0.1 too for local senders); others refused, counted",
    },
    {
      name: "secret-file",
      kind: "string",
      value: "FILE",
      with: ["listen"],
      help: "TCP: a connection's first line must be AUTH <the file's secret>; file mode 0600, yours",
    },
    {
      name: "max-connections",
      kind: "integer",
      default: SOCKET_SOURCE_DEFAULTS.maxConnections,
      min: 1,
      with: ["listen"],
      help: "TCP connections open at most (with --secret-file: authenticated); see --displace-idle",
    },
    {
      name: "max-connections-per-address",
      kind: "integer",
      default: SOCKET_SOURCE_DEFAULTS.maxConnectionsPerAddress,
      min: 1,
      with: ["listen"],
      help: "TCP connections from one address at most; a newcomer from an address holding fewer displaces one",
    },
    {
      name: "max-unauthenticated",
      kind: "integer",
      default: SOCKET_SOURCE_DEFAULTS.maxUnauthenticated,
      min: 1,
      with: ["listen"],
      help: "TCP with --secret-file: connections waiting for AUTH at most; a newcomer displaces the oldest",
    },
    {
      name: "max-consecutive-rejects",
      kind: "integer",
      default: SOCKET_SOURCE_DEFAULTS.maxConsecutiveRejects,
      min: 1,
      with: ["listen"],
      help: "TCP: close a connection that sends this many rejected lines in a row",
    },
    {
      name: "displace-idle",
      kind: "number",
      default: SOCKET_SOURCE_DEFAULTS.displaceIdleMs / 1000,
      unit: "s",
      above: 0,
      max: Math.floor(MAX_TIMER_MS / 1000),
      with: ["listen"],
      help: "TCP, limits full: a newcomer replaces its own address's connection idle (no valid line) this long",
    },
    {
      name: "idle-timeout",
      kind: "number",
      default: SOCKET_SOURCE_DEFAULTS.idleTimeoutMs / 1000,
      unit: "s",
      above: 0,
      max: Math.floor(MAX_TIMER_MS / 1000),
      with: ["listen"],
      help: "TCP: close a connection that completes no valid line for this long",
    },
    {
      name: "line-timeout",
      kind: "number",
      default: SOCKET_SOURCE_DEFAULTS.lineTimeoutMs / 1000,
      unit: "s",
      above: 0,
      max: Math.floor(MAX_TIMER_MS / 1000),
      with: ["listen"],
      help: "TCP: close a connection whose line takes longer than this to arrive (slow senders)",
    },
    {
      name: "auth-timeout",
      kind: "number",
      default: SOCKET_SOURCE_DEFAULTS.authTimeoutMs / 1000,
      unit: "s",
      above: 0,
      max: Math.floor(MAX_TIMER_MS / 1000),
      with: ["listen"],
      help: "TCP with --secret-file: time a connection has to send its AUTH line",
    },
    {
      name: "max-line-bytes",
      kind: "integer",
      default: SOCKET_SOURCE_DEFAULTS.maxLineBytes,
      min: 1,
      with: ["listen"],
      help: "longest line; longer ones are rejected",
    },
    {
      name: "recv-buffer",
      kind: "integer",
      value: "BYTES",
      min: 1,
      max: 2 ** 31 - 1, // Node's recvBufferSize is an int32
      with: ["listen"],
      help: "UDP receive buffer (SO_RCVBUF; the kernel's drops are in the stats); default the OS's",
    },
    {
      name: "dataset",
      kind: "string",
      value: "ID",
      group: "source",
      help: "replay a dataset of the manifest (e.g. nsl-test)",
    },
    {
      name: "rate",
      kind: "number",
      unit: "records/s",
      min: 0.01,
      with: ["dataset"],
      help: "replay rate; default as fast as possible",
    },
  ],
  run: runMonitor,
};

/**
 * The socket source's options from the flags, checked (a bad value throws its one-line error); warns
 * when a remote listener has no protection.
 */
function socketOptions(flags: Flags, transport: "tcp" | "udp"): Omit<SocketSourceOptions, "onReject"> {
  const secretFile = flags.string("secret-file");
  const seconds = (name: string): number => (flags.number(name) as number) * 1000;
  const options: Omit<SocketSourceOptions, "onReject"> = {
    transport,
    port: flags.number("port"),
    host: flags.string("host"),
    allowRemote: flags.boolean("allow-remote"),
    allowFrom: flags.list("allow-from"),
    secret:
      secretFile === undefined
        ? undefined
        : readPrivateFile(secretFile, {
            what: "secret file",
            content: "a shared secret",
            makeOne: "(umask 077; openssl rand -hex 32 > monitor.secret)",
          }),
    authTimeoutMs: seconds("auth-timeout"),
    maxConnections: flags.number("max-connections"),
    maxConnectionsPerAddress: flags.number("max-connections-per-address"),
    maxUnauthenticated: flags.number("max-unauthenticated"),
    maxConsecutiveRejects: flags.number("max-consecutive-rejects"),
    displaceIdleMs: seconds("displace-idle"),
    idleTimeoutMs: seconds("idle-timeout"),
    lineTimeoutMs: seconds("line-timeout"),
    maxLineBytes: flags.number("max-line-bytes"),
    recvBufferBytes: flags.number("recv-buffer"),
  };
  checkSocketSourceOptions(options);
  const host = options.host ?? "127.0.0.1";
  if (!isLoopback(host) && options.allowFrom === undefined && options.secret === undefined) {
    console.error(
      `monitor: warning: listening on ${transport} ${host} with no --allow-from and no --secret-file: anyone who can ` +
        `reach this port can send records, and so steer the alerts and fill the logs. Restrict the senders ` +
        `(--allow-from 10.0.0.0/8) and, for TCP, require a secret (--secret-file FILE); see the README.`,
    );
  }
  return options;
}

async function runMonitor(flags: Flags): Promise<number> {
  let unreadable: CaptureReport | undefined;
  const quiet = flags.boolean("quiet");
  // The socket flags (and the secret file) are checked before any work: the bundle, the logs.
  const listen = flags.string("listen");
  const socket = listen === "tcp" || listen === "udp" ? socketOptions(flags, listen) : undefined;
  const key = bundleKey({ keyFile: flags.string("key-file") });
  const loaded = readBundle(flags.required("bundle"), { key });
  const bundle = loaded.bundle;
  if (loaded.signature === "unverified") {
    console.error(
      `monitor: warning: the bundle is signed${loaded.keyId ? ` (key "${loaded.keyId}")` : ""} but its signature was not verified: ` +
        `no bundle key is configured (--key-file or $${BUNDLE_KEY_ENV}); only its checksum was checked.`,
    );
  }
  if ([bundle.detector, bundle.series?.detector].some((d) => d && NEURAL_DETECTORS.has(d.name)))
    await loadTensorflow();
  const logOptions = { followSymlinks: flags.boolean("follow-symlinks") };
  distinctLogs(flags);
  const opened: EventLog[] = [];
  const open = (path: string): EventLog => {
    try {
      const log = EventLog.open(path, logOptions);
      opened.push(log);
      return log;
    } catch (err) {
      for (const log of opened) log.close(); // a later log refused: the earlier ones are released
      throw err;
    }
  };
  const alerts = open(flags.required("alerts"));
  const rejects = open(flags.required("rejects"));
  const scoresPath = flags.string("scores");
  const scores = scoresPath === undefined ? undefined : open(scoresPath);
  for (const log of [alerts, rejects, scores]) {
    const r = log?.recovery;
    if (r && r.partialLines > 0)
      console.error(
        `monitor: warning: ${log.path} ended in a torn line (${r.partialBytes} bytes, line ${r.partialLine}: a crash or a full disk?); ` +
          "it was kept as it was and ended with a newline, so new records start on a line of their own",
      );
  }
  const warmupRecords = flags.number("warmup");
  const protocolLogsPath = flags.string("protocol-logs");
  let protocolFolder: LogDirectory | undefined;
  try {
    if (protocolLogsPath !== undefined) {
      checkOutputFolder("monitor --protocol-logs", protocolLogsPath);
      protocolFolder = new LogDirectory(protocolLogsPath, flags.required("log-format") as LogFormat, {
        live: true,
      });
    }
  } catch (err) {
    for (const log of opened) log.close();
    throw err;
  }
  // Each run's uids from a seed of its own: runs appended to one folder never share a uid.
  const tap = protocolFolder ? new ProtocolLogs(protocolFolder, { uidSeed: randomInt(2 ** 32) }) : undefined;
  const monitor = new Monitor(bundle, {
    alerts,
    rejects,
    scores,
    alertsPerIncident: flags.number("alerts-per-incident"),
    // The console gets one line per alert written and per incident opened or closed.
    sinks: quiet ? [] : [new ConsoleSink({ types: ["alert", "incident", "notice"] })],
  });
  const statsEvery = (flags.number("stats-seconds") ?? 10) * 1000;
  const timer = setInterval(
    () => console.error(`stats ${JSON.stringify(monitor.stats.snapshot())}`),
    statsEvery,
  );
  const ac = new AbortController();
  // Protocol rows reach their files within a second.
  const folder = protocolFolder;
  // A write that fails (a full disk) stops the monitor like a signal, and is reported as its error.
  let logFailure: unknown;
  const logTimer = folder
    ? setInterval(() => {
        try {
          folder.flushAll();
        } catch (err) {
          logFailure ??= err;
          ac.abort();
        }
      }, 1000)
    : undefined;
  const logs = [alerts, rejects, scores];
  const printStats = (): void => console.error(`stats ${JSON.stringify(monitor.stats.snapshot())}`);
  const { onSignal: stopOnSignal, cancel: cancelStop } = stopper(ac, () => {
    // a second signal, or a stop that overran its grace: close what is open and exit now
    clearInterval(timer);
    clearInterval(logTimer);
    monitor.close();
    for (const log of logs) log?.close();
    try {
      protocolFolder?.close();
    } catch {
      // exiting anyway: what reached the protocol logs stays
    }
    printStats();
  });
  process.on("SIGINT", stopOnSignal);
  process.on("SIGTERM", stopOnSignal);
  const signed =
    loaded.signature === "verified"
      ? `signature verified (${key?.source})`
      : `${loaded.signature}, checksum verified`;
  console.error(
    `monitor: ${bundle.detector.name} trained on ${bundle.training.benchmark} (seed ${bundle.training.seed}), threshold ${bundle.threshold.toPrecision(4)}, ${signed}; ` +
      `alerts -> ${alerts.path} (${alerts.linesAtOpen} lines already there), rejects -> ${rejects.path}`,
  );
  let completed = false;
  try {
    const pcap = flags.string("pcap");
    const iface = flags.string("interface");
    if (pcap !== undefined) {
      const r = await monitorCapture(monitor, pcap, {
        speed: flags.number("speed") ?? 0,
        signal: ac.signal,
        warmupRecords,
        tap,
      });
      console.error(
        `monitor: ${r.packets} packets, ${r.records} connection records${captureNotes(r.report)}`,
      );
      if (r.report.packets === 0 && !r.stopped) unreadable = r.report;
    } else if (iface !== undefined) {
      const r = await monitorLive(monitor, {
        interface: iface,
        filter: flags.string("filter"),
        durationSeconds: flags.number("duration"),
        signal: ac.signal,
        warmupRecords,
        tap,
        onCapturing: () => console.error(`monitor: capturing on ${iface} (Ctrl-C stops)`),
      });
      console.error(`monitor: ${r.packets} packets`);
    } else if (socket) {
      await monitorSocket(monitor, socket, ac.signal, (s) =>
        console.error(
          `monitor: listening on ${s.address.transport} ${s.address.host}:${s.address.port} (Ctrl-C stops)`,
        ),
      );
    } else {
      const { table } = await loadDataset(flags.required("dataset"));
      await monitorTable(monitor, table, { recordsPerSecond: flags.number("rate"), signal: ac.signal });
    }
    completed = true;
  } finally {
    clearInterval(timer);
    clearInterval(logTimer);
    cancelStop();
    process.removeListener("SIGINT", stopOnSignal);
    process.removeListener("SIGTERM", stopOnSignal);
    monitor.close();
    for (const log of logs) log?.close();
    try {
      protocolFolder?.close();
    } catch (err) {
      logFailure ??= err;
    }
    // also after a failure part-way (a capture corrupt in the middle): what was scored until then
    if (completed || monitor.stats.received > 0) printStats();
  }
  if (logFailure) throw logFailure;
  if (unreadable) throw nothingReadable(flags.required("pcap"), unreadable);
  return 0;
}

/** "; 12 records skipped (truncated TCP header 10, ...); the file ends inside a record": what the reader could not use. */
export function captureNotes(report: CaptureReport): string {
  const reasons = Object.entries(report.skippedByReason)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([reason, n]) => `${reason} ${n}`);
  const skipped =
    report.skipped > 0
      ? `; ${report.skipped} of ${report.records} records skipped (${reasons.join(", ")}${Object.keys(report.skippedByReason).length > 3 ? ", ..." : ""})`
      : "";
  return skipped + (report.truncatedTail ? "; the file ends inside a record (cut short?)" : "");
}

/** The error for a capture the monitor could not read one packet of. */
export function nothingReadable(path: string, report: CaptureReport): InputError {
  return new InputError(
    report.records === 0
      ? `${path} holds no packets; nothing was monitored. Check that it is the capture you meant.`
      : `none of the ${report.records} records of ${path} could be read (${Object.keys(report.skippedByReason).join(", ")}); ` +
          `nothing was monitored. Check the capture with \`capinfos\` or Wireshark.`,
  );
}

/** Two logs on one file would interleave (and the second is refused by the lock as "another writer"): said plainly. */
function distinctLogs(flags: Flags): void {
  const named = (["alerts", "rejects", "scores"] as const)
    .map((flag) => ({ flag, path: flags.string(flag) }))
    .filter((l): l is { flag: "alerts" | "rejects" | "scores"; path: string } => l.path !== undefined);
  for (let i = 0; i < named.length; i++) {
    for (let j = i + 1; j < named.length; j++) {
      if (resolvePath(named[i].path) === resolvePath(named[j].path)) {
        throw new OptionError(
          `--${named[i].flag} and --${named[j].flag} name the same file (${named[i].path}); give each log a file of its own.`,
        );
      }
    }
  }
}

/** After Ctrl-C or SIGTERM, the longest a stop may take before the monitor exits at once. */
const STOP_GRACE_MS = 1000;

/**
 * The monitor's signal handler: the first SIGINT or SIGTERM aborts the source (what was read is
 * scored and logged, then the command returns); a second one, or a stop still running after
 * `STOP_GRACE_MS`, runs `closeNow` (logs flushed and closed) and exits with 128 + the signal
 * (`exit`, replaceable in tests). `cancel` disarms the deadline once the stop has finished.
 */
export function stopper(
  ac: AbortController,
  closeNow: () => void,
  exit: (code: number) => void = (code) => process.exit(code),
  command = "monitor",
): { onSignal: (signal: NodeJS.Signals) => void; cancel: () => void } {
  let grace: NodeJS.Timeout | undefined;
  const exitNow = (signal: NodeJS.Signals, why: string): void => {
    console.error(`${command}: ${why}; logs flushed, exiting now`);
    try {
      closeNow();
    } finally {
      exit(128 + (signal === "SIGINT" ? 2 : 15));
    }
  };
  return {
    onSignal: (signal) => {
      if (ac.signal.aborted) return exitNow(signal, `${signal} again`);
      console.error(
        `${command}: ${signal}: stopping (what was read is ${command === "monitor" ? "scored and " : ""}logged)`,
      );
      ac.abort();
      grace = setTimeout(() => exitNow(signal, `the stop took over ${STOP_GRACE_MS} ms`), STOP_GRACE_MS);
      grace.unref();
    },
    // the stop finished in time: the deadline must not fire later
    cancel: () => clearTimeout(grace),
  };
}
