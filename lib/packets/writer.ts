/**
 * Writing classic libpcap files (https://www.tcpdump.org/manpages/pcap-savefile.5.html):
 * little-endian, microsecond timestamps, Ethernet link type. Buffered synchronous writes, so a
 * simulator can stream millions of packets without holding them.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { OptionError } from "../core/errors";
import { LINKTYPE_ETHERNET } from "./packet";

const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;
const BUFFER_BYTES = 1 << 20;

export interface PcapWriterOptions {
  /** Default LINKTYPE_ETHERNET. */
  linkType?: number;
  /** Largest captured length recorded in the header. Default 262,144 (tcpdump's default). */
  snapLength?: number;
}

/** A pcap file being written; call `close` to flush it. */
export class PcapWriter {
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  private lastTs = -Infinity;
  private readonly snapLength: number;
  /** Packets written so far. */
  packets = 0;
  /** Bytes written so far, headers included. */
  bytes = 0;

  constructor(
    readonly path: string,
    options: PcapWriterOptions = {},
  ) {
    this.snapLength = options.snapLength ?? 262_144;
    this.fd = openSync(path, "w");
    const header = Buffer.alloc(GLOBAL_HEADER);
    header.writeUInt32LE(PCAP_MAGIC_MICROSECONDS, 0);
    header.writeUInt16LE(2, 4); // version 2.4
    header.writeUInt16LE(4, 6);
    header.writeInt32LE(0, 8); // thiszone
    header.writeUInt32LE(0, 12); // sigfigs
    header.writeUInt32LE(this.snapLength, 16);
    header.writeUInt32LE(options.linkType ?? LINKTYPE_ETHERNET, 20);
    this.append(header);
  }

  /**
   * Appends one frame captured at `ts` (seconds since the epoch; microsecond resolution).
   * @param wireLength the frame's length on the wire when `frame` holds only its first bytes (a
   *   frame cut by a snap length); default `frame.length`.
   * @throws OptionError when time goes backwards: a capture is in time order.
   */
  write(ts: number, frame: Uint8Array, wireLength = frame.length): void {
    if (ts < this.lastTs) {
      throw new OptionError(
        `PcapWriter: packet at ${ts} s written after one at ${this.lastTs} s; write in time order.`,
      );
    }
    this.lastTs = ts;
    let seconds = Math.floor(ts);
    let micros = Math.round((ts - seconds) * 1e6);
    if (micros === 1_000_000) {
      seconds += 1;
      micros = 0;
    }
    const captured = Math.min(frame.length, this.snapLength);
    if (this.used + RECORD_HEADER + captured > BUFFER_BYTES) this.flush();
    const b = this.buffer;
    b.writeUInt32LE(seconds, this.used);
    b.writeUInt32LE(micros, this.used + 4);
    b.writeUInt32LE(captured, this.used + 8);
    b.writeUInt32LE(Math.max(frame.length, wireLength), this.used + 12);
    this.used += RECORD_HEADER;
    if (captured > BUFFER_BYTES) {
      this.flush();
      writeSync(this.fd, frame, 0, captured);
    } else {
      b.set(frame.subarray(0, captured), this.used);
      this.used += captured;
    }
    this.packets++;
    this.bytes += RECORD_HEADER + captured;
  }

  private append(bytes: Uint8Array): void {
    if (this.used + bytes.length > BUFFER_BYTES) this.flush();
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
    this.bytes += bytes.length;
  }

  private flush(): void {
    let off = 0;
    while (off < this.used) off += writeSync(this.fd, this.buffer, off, this.used - off);
    this.used = 0;
  }

  /** Flushes and closes the file. */
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
