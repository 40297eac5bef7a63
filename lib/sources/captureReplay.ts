/**
 * A capture file as a packet source: read as fast as it can be, or paced by the packets'
 * timestamps, so a replay exercises its consumer (the monitor) as live traffic would. Live capture
 * is `captureLive` (packets/tshark): tshark writes pcapng into the same reader.
 */
import { accessSync, constants } from "node:fs";
import { ConfigError, systemError } from "../core/errors";
import { type CaptureReport, readCapture } from "../packets/capture";
import type { Packet } from "../packets/packet";
import { sleep } from "../core/sleep";

/** Options of `replayCapture`. */
export interface CaptureReplayOptions {
  /**
   * Pace: 1 plays the capture as recorded, 10 ten times faster; 0 or absent reads as fast as
   * possible. Default 0.
   */
  speed?: number;
  /** Stops the replay after the chunk (about 1 MB) being read; what was read has been passed on. */
  signal?: AbortSignal;
}

/** What a replay read. */
export interface CaptureReplayResult {
  /** Packets passed on. */
  readonly packets: number;
  /** The signal stopped the replay before the end of the file. */
  readonly stopped: boolean;
  /** The reader's counts: records, skipped records by reason, a truncated tail (see `CaptureReport`). */
  readonly report: CaptureReport;
}

/**
 * Reads a pcap or pcapng file and passes each packet to `onPacket`, in capture order.
 * @returns the packets passed on, whether `signal` stopped the replay early, and the reader's report.
 * @throws ConfigError when there is no file at `path`; PermissionError or IoError when it cannot be
 *   read; the reader's errors for a damaged capture.
 * @example await replayCapture("office.pcap", (p) => featurizer.add(p), { speed: 1 })
 */
export async function replayCapture(
  path: string,
  onPacket: (p: Packet) => void,
  options: CaptureReplayOptions = {},
): Promise<CaptureReplayResult> {
  checkReadable(path);
  let packets = 0;
  const add = (p: Packet): void => {
    packets++;
    onPacket(p);
  };
  const { signal } = options;
  const speed = options.speed ?? 0;
  // Packets of each chunk are held, then passed on at their due time (relative to the first packet).
  const pending: Packet[] = [];
  let first = Number.NaN;
  const started = performance.now();
  const report =
    speed > 0
      ? await readCapture(path, (p) => pending.push(p), {
          signal,
          afterChunk: async () => {
            for (const p of pending) {
              if (signal?.aborted) break;
              if (Number.isNaN(first)) first = p.ts;
              const wait = started + ((p.ts - first) / speed) * 1000 - performance.now();
              if (wait > 1) await sleep(wait, signal);
              if (signal?.aborted) break;
              add(p);
            }
            pending.length = 0;
          },
        })
      : await readCapture(path, add, { signal });
  return { packets, stopped: signal?.aborted === true, report };
}

/**
 * Fails early, with the class a caller can act on, when a capture cannot be read: a missing file is
 * a ConfigError (the path given is wrong), an unreadable one a PermissionError, else an IoError.
 */
function checkReadable(path: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new ConfigError(
        `replayCapture: no capture file at ${path}. Check the path (a pcap or pcapng file).`,
      );
    }
    throw systemError(err, "replayCapture: cannot read the capture", path);
  }
}
