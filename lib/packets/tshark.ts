/**
 * tshark (Wireshark's command-line engine, the one PyShark wraps) as a packet source: live
 * capture from an interface, with tshark writing pcapng to a pipe that our own `CaptureParser`
 * reads (so live packets go through exactly the code that reads files); and field extraction,
 * which tests use to cross-check our decoder packet by packet.
 */
import { spawn, spawnSync } from "node:child_process";
import { DataError } from "../core/errors";
import { CaptureParser, type CaptureReport } from "./capture";
import type { Packet } from "./packet";

/** The tshark executable: `DETECTIVE_TSHARK` or `tshark` from PATH. */
export function tsharkPath(): string {
  return process.env.DETECTIVE_TSHARK ?? "tshark";
}

/**
 * tshark's version, or an error saying how to install it.
 * @throws DataError when tshark cannot be run.
 */
export function tsharkVersion(): string {
  const r = spawnSync(tsharkPath(), ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    throw new DataError(
      `tshark is not available (${r.error?.message ?? `exit ${r.status}`}). Install it with \`apt-get install tshark\` ` +
        "(npm test and npm run study do this), or set DETECTIVE_TSHARK to its path.",
    );
  }
  return r.stdout.split("\n")[0].trim();
}

export interface LiveCaptureOptions {
  /** Interface name (`eth0`, `lo`, `any`). */
  interface: string;
  /** Capture filter in BPF syntax (`tcp port 80`), applied in the kernel. */
  filter?: string;
  /** Stop after this many seconds (tshark's `-a duration:`); default: run until `signal` aborts. */
  durationSeconds?: number;
  /** Stop after this many packets (tshark's `-c`). */
  packetCount?: number;
  signal?: AbortSignal;
  /** Called once when tshark reports that it is capturing (its "Capturing on ..." line): traffic sent from then on is seen. */
  onCapturing?: () => void;
}

/**
 * Captures live traffic with tshark and passes each decoded packet to `onPacket`.
 * Resolves with the capture report when tshark stops (duration, count, or abort).
 * @throws DataError when tshark is missing, or the interface cannot be opened (with what to do:
 *   capturing needs root or the CAP_NET_RAW / CAP_NET_ADMIN capabilities).
 */
export function captureLive(
  options: LiveCaptureOptions,
  onPacket: (p: Packet) => void,
): Promise<CaptureReport> {
  tsharkVersion();
  const args = ["-i", options.interface, "-w", "-", "-F", "pcapng", "-q"];
  if (options.filter) args.push("-f", options.filter);
  if (options.durationSeconds !== undefined) args.push("-a", `duration:${options.durationSeconds}`);
  if (options.packetCount !== undefined) args.push("-c", String(options.packetCount));
  // tshark runs under a small shell watchdog in a process group of its own: when this process
  // dies, however (kill -9 included), the watchdog's stdin closes and it ends the whole group, so
  // tshark and the dumpcap it starts never keep capturing on their own. (A parent-death signal
  // cannot do it: the kernel clears it when dumpcap, which has file capabilities, is executed.)
  const child = spawn("/bin/sh", ["-c", CAPTURE_WATCHDOG, tsharkPath(), ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  child.stdin.on("error", () => {}); // EPIPE once the group has gone: nothing to tell
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // ESRCH: the group has already exited
    }
  };
  const parser = new CaptureParser(`tshark -i ${options.interface}`);
  let stderr = "";
  let failure: Error | undefined;
  let capturing = false;
  child.stderr.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
    if (!capturing && /Capturing on/.test(stderr)) {
      capturing = true;
      options.onCapturing?.();
    }
  });
  child.stdout.on("data", (chunk: Buffer) => {
    if (failure) return;
    try {
      parser.push(chunk, onPacket);
    } catch (err) {
      failure = err as Error;
      signalGroup("SIGTERM");
    }
  });
  const abort = (): void => signalGroup("SIGINT");
  options.signal?.addEventListener("abort", abort, { once: true });
  return new Promise((resolve, reject) => {
    child.on("error", (err) => reject(new DataError(`could not start tshark: ${err.message}`)));
    child.on("close", (code) => {
      options.signal?.removeEventListener("abort", abort);
      child.stdin.end(); // the watchdog ends, and with it the group
      if (failure) return reject(failure);
      const stopped = options.signal?.aborted === true;
      if (code !== 0 && !stopped) {
        const permission = /permission|not permitted|don't have permission/i.test(stderr);
        return reject(
          new DataError(
            `tshark could not capture on "${options.interface}" (exit ${code}): ${tsharkCause(stderr)}` +
              (permission
                ? " Capturing needs root, or membership of the wireshark group with dumpcap's capabilities " +
                  "(`sudo dpkg-reconfigure wireshark-common`, then `sudo usermod -aG wireshark $USER` and log in again)."
                : " Check the interface name with `tshark -D`."),
          ),
        );
      }
      try {
        resolve(parser.finish());
      } catch (err) {
        // Stopped before tshark wrote its file header (a Ctrl-C in the first moments): nothing was
        // captured, which is not an error.
        if (stopped) resolve(parser.progress());
        else reject(err as Error);
      }
    });
  });
}

/**
 * `sh -c` script: runs "$0" "$@" (tshark and its arguments) and waits for it, while a watcher
 * reads the shell's stdin (a pipe from this process) and, at its end, signals the whole process
 * group. A background job's stdin is /dev/null in sh, hence the copy on descriptor 3.
 */
const CAPTURE_WATCHDOG =
  'exec 3<&0; (cat <&3 >/dev/null; kill -TERM 0) >/dev/null 2>&1 & "$0" "$@" </dev/null 3<&- & t=$!; exec 3<&-; wait $t; exit $?';

/** tshark's stderr without its chatter ("Capturing on", "N packets captured", debug lines): the cause of a failure. */
function tsharkCause(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(
      (l) =>
        l !== "" &&
        !/^(Capturing on|Running as user|\*\* \(|\(This is not a crash|File: |tshark:\s*$|\d+ packets? captured)/.test(
          l,
        ),
    );
  return lines.slice(-2).join(" ") || stderr.trim().split("\n").slice(-2).join(" ");
}

/** The fields tshark extracts for the cross-check, in this order. */
export const TSHARK_FIELDS = [
  "frame.time_epoch",
  "frame.len",
  "ip.src",
  "ip.dst",
  "ip.proto",
  "tcp.srcport",
  "tcp.dstport",
  "udp.srcport",
  "udp.dstport",
  "tcp.flags",
  "icmp.type",
] as const;

/** One packet as tshark sees it (the key fields of the cross-check). */
export interface TsharkPacket {
  readonly ts: number;
  readonly wireLength: number;
  readonly src: string;
  readonly dst: string;
  readonly protocol: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly tcpFlags: number;
  readonly icmpType: number;
}

/**
 * Decodes a capture file with tshark (`-T fields`) into its key fields, for cross-checking.
 * Fields are separated by tabs; an ICMP error quoting a packet lists the quoted header's values
 * after a comma, so only the first value of each field is kept.
 * @throws DataError when tshark fails.
 */
export function tsharkPackets(path: string): TsharkPacket[] {
  tsharkVersion();
  const args = ["-r", path, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f"];
  for (const f of TSHARK_FIELDS) args.push("-e", f);
  const r = spawnSync(tsharkPath(), args, { encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new DataError(`tshark -r ${path} failed (exit ${r.status}): ${r.stderr.trim()}`);
  const num = (s: string | undefined, fallback: number): number =>
    s === undefined || s === "" ? fallback : Number(s);
  return r.stdout
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const [ts, len, src, dst, proto, tsp, tdp, usp, udp, flags, icmpType] = line.split("\t");
      return {
        ts: Number(ts),
        wireLength: Number(len),
        src: src ?? "",
        dst: dst ?? "",
        protocol: num(proto, -1),
        srcPort: num(tsp || usp, 0),
        dstPort: num(tdp || udp, 0),
        tcpFlags: num(flags, 0),
        icmpType: num(icmpType, -1),
      };
    });
}
