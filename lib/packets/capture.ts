/**
 * Streaming reader for packet captures: classic pcap (microsecond and nanosecond, either byte
 * order) and pcapng (any number of sections and interfaces, each with its own link type and
 * timestamp resolution). Frames go through `decodeFrame` and come out as `Packet`s.
 *
 * Every record is accounted for in the `CaptureReport`: it either decodes (`packets`) or is counted
 * as skipped by reason (`skipped`, `skippedByReason`), so `records = packets + skipped`. Damage the
 * reader cannot step over safely (a record length no sane file has, a pcapng block whose length
 * fields disagree) stops it with a `ParseError` naming the byte offset where the file goes wrong.
 */
import { createReadStream } from "node:fs";
import { DetectiveError, OptionError, ParseError } from "../core/errors";
import { decodeFrame, isDecodeFailure } from "./decode";
import { type Packet } from "./packet";

/** Options of `CaptureParser` and `readCapture`. */
export interface CaptureOptions {
  /**
   * Largest captured frame accepted, in bytes. Default 262,144 (libpcap's largest snap length). A
   * record claiming more is taken as corruption; pcapng blocks may be up to 64 bytes longer.
   */
  maxRecordBytes?: number;
}

/** The container format, told from the file's first four bytes. */
export type CaptureFormat = "pcap" | "pcapng";

/** A skipped record, kept as an example in the report. */
export interface SkippedRecord {
  /** Byte offset of the record (pcap record header or pcapng block) in the file. */
  readonly offset: number;
  readonly reason: string;
}

/** What the reader did: every record and every byte shows up here. */
export interface CaptureReport {
  readonly source: string;
  readonly format: CaptureFormat;
  /** Link types of the file (pcap) or of its interfaces (pcapng), in order of first appearance. */
  readonly linkTypes: readonly number[];
  /** Packet records seen (pcap records; pcapng enhanced, simple and obsolete packet blocks). */
  readonly records: number;
  /** Records decoded into a `Packet` (non-IP frames such as ARP included). */
  readonly packets: number;
  /** Records not decoded: `records = packets + skipped`. */
  readonly skipped: number;
  /** Skipped records by reason kind, e.g. `{ "truncated TCP header": 2, "unsupported link type 105": 9 }`. */
  readonly skippedByReason: Readonly<Record<string, number>>;
  /** pcapng blocks other than section headers, interfaces and packets, by block type (`"0x00000005"`). */
  readonly otherBlocks: Readonly<Record<string, number>>;
  /** Bytes of input read. */
  readonly bytes: number;
  /** The input ended inside a record or block (a capture still being written, or a cut download). */
  readonly truncatedTail: boolean;
  /** The first skipped records (at most 100), with their byte offsets. */
  readonly firstSkips: readonly SkippedRecord[];
}

const DEFAULT_MAX_RECORD_BYTES = 262_144; // libpcap's MAXIMUM_SNAPLEN
/** Largest timestamp, in seconds either side of 1970, that a date can hold (JavaScript's Date: year 275760). */
const MAX_TIMESTAMP_SECONDS = 8.64e12;
const MAX_SKIP_EXAMPLES = 100;
/** Room for a pcapng block's own fields (an EPB has 32 bytes) and a few options around the frame. */
const BLOCK_OVERHEAD = 64;

const PCAP_HEADER_BYTES = 24;
const PCAP_RECORD_HEADER_BYTES = 16;
const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
const PCAP_MAGIC_NANO = 0xa1b23c4d;
const PCAP_MAGIC_KUZNETZOV = 0xa1b2cd34;

/** pcapng block types (draft-ietf-opsawg-pcapng). */
const SHB = 0x0a0d0d0a; // a palindrome: the same in both byte orders
const IDB = 0x00000001;
const PB = 0x00000002; // obsolete Packet Block
const SPB = 0x00000003;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const SHB_MIN_BYTES = 28;
const IDB_MIN_BYTES = 20;
const EPB_MIN_BYTES = 32; // also the obsolete Packet Block
const SPB_MIN_BYTES = 16;
const BLOCK_MIN_BYTES = 12;
const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
const TWO_32 = 4_294_967_296;

// Parser states; `need` is how many queued bytes the state needs before it can act.
const MAGIC = 0;
const PCAP_HEADER = 1;
const PCAP_RECORD_HEADER = 2;
const PCAP_RECORD = 3;
const BLOCK_HEADER = 4;
const BLOCK = 5;

/** One pcapng interface: how to decode its frames and read its timestamps. */
interface CaptureInterface {
  readonly linkType: number;
  readonly snapLength: number;
  /** Timestamp units per second (if_tsresol; 10^6 by default). */
  readonly unitsPerSecond: number;
  /** Seconds added to every timestamp (if_tsoffset). */
  readonly offsetSeconds: number;
}

function u16(b: Uint8Array, o: number, littleEndian: boolean): number {
  return littleEndian ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
}

function u32(b: Uint8Array, o: number, littleEndian: boolean): number {
  return littleEndian
    ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
    : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
}

const EMPTY = new Uint8Array(0);

/**
 * The pushed chunks not yet consumed. A record that lies inside one chunk is returned as a view
 * (no copy); one that spans chunks is copied once, when all its bytes have arrived, so a record
 * split into many tiny chunks costs linear time.
 */
class ChunkQueue {
  private chunks: Uint8Array[] = [];
  private first = 0; // index of the first live chunk
  private start = 0; // bytes of chunks[first] already consumed
  /** Bytes queued. */
  length = 0;

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The first `n` queued bytes (0 < n <= length) as one array. */
  peek(n: number): Uint8Array {
    const head = this.chunks[this.first];
    if (head.length - this.start >= n) return head.subarray(this.start, this.start + n);
    const out = new Uint8Array(n);
    let filled = 0;
    let from = this.start;
    for (let i = this.first; filled < n; i++, from = 0) {
      const chunk = this.chunks[i];
      const take = Math.min(n - filled, chunk.length - from);
      out.set(chunk.subarray(from, from + take), filled);
      filled += take;
    }
    return out;
  }

  /** Drops the first `n` queued bytes (n <= length). */
  skip(n: number): void {
    this.length -= n;
    let left = n;
    while (left > 0) {
      const available = this.chunks[this.first].length - this.start;
      if (left < available) {
        this.start += left;
        return;
      }
      left -= available;
      this.chunks[this.first++] = EMPTY; // let the consumed chunk be collected
      this.start = 0;
    }
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first > 1024 && this.first * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}

/**
 * Incremental capture parser: push chunks of the file in order, then call `finish`. `readCapture`
 * drives it from a file; tests and the live monitor can drive it from memory or a socket.
 *
 * Packets are handed to `onPacket` as soon as their record is complete. A packet's `payload` is a
 * view into the pushed chunk when the record lay inside one chunk, so do not overwrite a chunk's
 * memory after pushing it while its packets are still in use.
 *
 * @example
 * const parser = new CaptureParser("trace.pcap");
 * parser.push(bytes, (p) => console.log(p.src, p.dst, p.protocol));
 * parser.finish().records // 3
 */
export class CaptureParser {
  private readonly maxRecordBytes: number;
  private readonly queue = new ChunkQueue();
  private state = MAGIC;
  private need = 4;
  /** File offset of the first queued byte. */
  private offset = 0;
  private format: CaptureFormat | undefined;
  private littleEndian = true;
  private pcapUnitsPerSecond = 1e6;
  private pcapLinkType = 0;
  private sections = 0;
  private interfaces: CaptureInterface[] = [];
  private readonly linkTypes: number[] = [];
  private records = 0;
  private packets = 0;
  private skipped = 0;
  private readonly skippedByReason: Record<string, number> = {};
  private readonly otherBlocks: Record<string, number> = {};
  private readonly firstSkips: SkippedRecord[] = [];
  private bytes = 0;
  private error: ParseError | undefined;
  private report: CaptureReport | undefined;

  /**
   * @param source Name used in error messages and the report (usually the file path).
   * @throws OptionError when maxRecordBytes is not a positive integer.
   */
  constructor(
    private readonly source: string,
    options: CaptureOptions = {},
  ) {
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (!Number.isSafeInteger(this.maxRecordBytes) || this.maxRecordBytes <= 0) {
      throw new OptionError(
        `CaptureParser: maxRecordBytes must be a positive integer (bytes), got ${String(options.maxRecordBytes)}.`,
      );
    }
  }

  /**
   * Feeds the next chunk of the file; calls `onPacket` for each record completed by it.
   * @throws ParseError when the input is not a capture or is corrupt beyond repair (the message
   *   names the byte offset); every later call throws the same error.
   */
  push(chunk: Uint8Array, onPacket: (p: Packet) => void): void {
    if (this.error) throw this.error;
    if (this.report) {
      throw new DetectiveError(
        `${this.source}: push() after finish(); create a new CaptureParser for new input.`,
      );
    }
    this.bytes += chunk.length;
    this.queue.append(chunk);
    try {
      this.drain(onPacket);
    } catch (err) {
      if (err instanceof ParseError) this.error = err;
      throw err;
    }
  }

  /**
   * Ends the input and returns the report. A partial last record sets `truncatedTail` and is
   * counted as skipped ("truncated last record").
   * @throws ParseError when the input was empty, not a capture, or ended inside the file header.
   */
  finish(): CaptureReport {
    if (this.error) throw this.error;
    if (this.report) return this.report;
    const q = this.queue;
    if (this.state === MAGIC) {
      throw (this.error =
        this.bytes === 0
          ? new ParseError(`${this.source}: the input is empty (0 bytes); expected a pcap or pcapng capture.`)
          : this.notCapture(q.peek(q.length)));
    }
    if (this.state === PCAP_HEADER || this.sections === 0) {
      throw (this.error = new ParseError(
        `${this.source}: the file ends at byte ${this.bytes}, inside its ${this.format} file header; ` +
          `it holds no packets. The capture was cut short: copy or capture it again.`,
      ));
    }
    const truncatedTail = q.length > 0;
    if (truncatedTail) {
      // A partial pcapng block is a record only if it is a packet block (or too short to tell).
      const type = this.format === "pcapng" && q.length >= 4 ? u32(q.peek(4), 0, this.littleEndian) : -1;
      if (this.format === "pcap" || type === -1 || type === EPB || type === SPB || type === PB) {
        this.records++;
        this.skip(this.offset, "truncated last record");
      }
    }
    this.report = this.progress(truncatedTail);
    return this.report;
  }

  /**
   * The counts so far, without ending the input: for a read stopped before the end (a record
   * split across the last chunk is neither counted nor skipped).
   */
  progress(truncatedTail = false): CaptureReport {
    return {
      source: this.source,
      format: this.format ?? "pcap",
      linkTypes: [...this.linkTypes],
      records: this.records,
      packets: this.packets,
      skipped: this.skipped,
      skippedByReason: { ...this.skippedByReason },
      otherBlocks: { ...this.otherBlocks },
      bytes: this.bytes,
      truncatedTail,
      firstSkips: [...this.firstSkips],
    };
  }

  /** Runs the state machine while the queue holds what the current state needs; each step consumes bytes or raises `need`. */
  private drain(onPacket: (p: Packet) => void): void {
    const q = this.queue;
    while (q.length >= this.need) {
      switch (this.state) {
        case MAGIC:
          this.readMagic(q.peek(4));
          break;
        case PCAP_HEADER: {
          const h = q.peek(PCAP_HEADER_BYTES);
          // libpcap's LT_LINKTYPE: the upper 16 bits carry FCS information, not the link type.
          this.pcapLinkType = u32(h, 20, this.littleEndian) & 0xffff;
          this.linkTypes.push(this.pcapLinkType);
          this.sections = 1;
          this.consume(PCAP_HEADER_BYTES, PCAP_RECORD_HEADER, PCAP_RECORD_HEADER_BYTES);
          break;
        }
        case PCAP_RECORD_HEADER: {
          const capturedLength = u32(q.peek(PCAP_RECORD_HEADER_BYTES), 8, this.littleEndian);
          if (capturedLength > this.maxRecordBytes) {
            throw new ParseError(
              `${this.source}: the file is corrupt from byte ${this.offset}: the record header there claims ` +
                `${capturedLength} captured bytes, more than the limit of ${this.maxRecordBytes} (maxRecordBytes). ` +
                `Classic pcap has no markers to resynchronise on, so reading stops here. ${this.salvage(this.offset)}`,
            );
          }
          this.state = PCAP_RECORD;
          this.need = PCAP_RECORD_HEADER_BYTES + capturedLength;
          break;
        }
        case PCAP_RECORD: {
          const length = this.need;
          const r = q.peek(length);
          const at = this.offset;
          this.consume(length, PCAP_RECORD_HEADER, PCAP_RECORD_HEADER_BYTES);
          const le = this.littleEndian;
          const ts = u32(r, 0, le) + u32(r, 4, le) / this.pcapUnitsPerSecond;
          const capturedLength = length - PCAP_RECORD_HEADER_BYTES;
          const wireLength = Math.max(u32(r, 12, le), capturedLength);
          this.deliver(this.pcapLinkType, r.subarray(PCAP_RECORD_HEADER_BYTES), ts, wireLength, at, onPacket);
          break;
        }
        case BLOCK_HEADER:
          this.readBlockHeader();
          break;
        case BLOCK: {
          const length = this.need;
          const b = q.peek(length);
          const at = this.offset;
          this.consume(length, BLOCK_HEADER, 8);
          this.readBlock(b, at, onPacket);
          break;
        }
      }
    }
  }

  /** Drops a finished unit from the queue and moves to the next state. */
  private consume(n: number, nextState: number, nextNeed: number): void {
    this.queue.skip(n);
    this.offset += n;
    this.state = nextState;
    this.need = nextNeed;
  }

  private readMagic(m: Uint8Array): void {
    const big = u32(m, 0, false);
    const little = u32(m, 0, true);
    if (big === SHB) {
      this.format = "pcapng";
      this.state = BLOCK_HEADER;
      this.need = 12; // a section header needs its byte-order magic read first
      return;
    }
    for (const le of [false, true]) {
      const magic = le ? little : big;
      if (magic === PCAP_MAGIC_MICRO || magic === PCAP_MAGIC_NANO) {
        this.format = "pcap";
        this.littleEndian = le;
        this.pcapUnitsPerSecond = magic === PCAP_MAGIC_NANO ? 1e9 : 1e6;
        this.state = PCAP_HEADER;
        this.need = PCAP_HEADER_BYTES;
        return;
      }
    }
    throw this.notCapture(m);
  }

  private notCapture(m: Uint8Array): ParseError {
    const found = hexBytes(m.subarray(0, 4));
    let hint = "Convert other formats with `editcap -F pcapng IN OUT` (from Wireshark).";
    if (m[0] === 0x1f && m[1] === 0x8b) hint = "It looks gzip-compressed: decompress it first (`gunzip`).";
    else if (
      m.length >= 4 &&
      (u32(m, 0, true) === PCAP_MAGIC_KUZNETZOV || u32(m, 0, false) === PCAP_MAGIC_KUZNETZOV)
    ) {
      hint = "That is the modified (Kuznetzov) pcap format: convert it with `editcap -F pcap IN OUT`.";
    }
    return new ParseError(
      `${this.source}: not a pcap or pcapng file: the magic bytes at byte offset 0 are "${found}"; expected ` +
        `"d4 c3 b2 a1" or "a1 b2 c3 d4" (pcap), "4d 3c b2 a1" or "a1 b2 3c 4d" (pcap, nanosecond) or ` +
        `"0a 0d 0d 0a" (pcapng). ${hint}`,
    );
  }

  /** Reads a pcapng block's type and length (and a section header's byte order), then waits for the block. */
  private readBlockHeader(): void {
    const q = this.queue;
    const h = q.peek(8);
    if (u32(h, 0, false) === SHB) {
      if (q.length < 12) {
        this.need = 12;
        return;
      }
      const magic = q.peek(12);
      if (u32(magic, 8, true) === BYTE_ORDER_MAGIC) this.littleEndian = true;
      else if (u32(magic, 8, false) === BYTE_ORDER_MAGIC) this.littleEndian = false;
      else {
        throw new ParseError(
          `${this.source}: the file is corrupt from byte ${this.offset}: a pcapng section header there has ` +
            `byte-order magic "${hexBytes(magic.subarray(8, 12))}", expected "1a 2b 3c 4d" or "4d 3c 2b 1a". ` +
            `Keep the part before byte ${this.offset} (\`editcap\`) or capture again.`,
        );
      }
    }
    const type = u32(h, 0, this.littleEndian);
    const length = u32(h, 4, this.littleEndian);
    const limit = this.maxRecordBytes + BLOCK_OVERHEAD;
    const minimum = type === SHB ? SHB_MIN_BYTES : BLOCK_MIN_BYTES;
    let problem = "";
    if (length % 4 !== 0) problem = "not a multiple of 4";
    else if (length < minimum) problem = `less than the minimum of ${minimum}`;
    else if (length > limit) problem = `more than the limit of ${limit} (maxRecordBytes + ${BLOCK_OVERHEAD})`;
    if (problem) throw this.corruptBlock(type, `claims a total length of ${length} bytes, ${problem}`);
    this.state = BLOCK;
    this.need = length;
  }

  private corruptBlock(type: number, what: string, at = this.offset): ParseError {
    return new ParseError(
      `${this.source}: the file is corrupt from byte ${at}: the pcapng block of type ` +
        `0x${type.toString(16).padStart(8, "0")} there ${what}. ${this.salvage(at)}`,
    );
  }

  /** What to do with a capture corrupt from byte `at`: keep what came before it, if anything. */
  private salvage(at: number): string {
    const keep =
      this.records > 0
        ? `Keep the ${this.records} records before byte ${at} (\`editcap -r IN OUT 1-${this.records}\`) or capture again`
        : "Nothing before it can be kept: capture again";
    return (
      `${keep}. (Frames really larger than ${this.maxRecordBytes} bytes are not supported; ` +
      `the library's readCapture takes a larger { maxRecordBytes }.)`
    );
  }

  /** Handles one complete pcapng block `b` that started at file offset `at`. */
  private readBlock(b: Uint8Array, at: number, onPacket: (p: Packet) => void): void {
    const le = this.littleEndian;
    const length = b.length;
    const type = u32(b, 0, le);
    const trailing = u32(b, length - 4, le);
    if (trailing !== length) {
      throw this.corruptBlock(
        type,
        `has a leading length of ${length} but a trailing length of ${trailing}`,
        at,
      );
    }
    switch (type) {
      case SHB:
        this.sections++;
        this.interfaces = []; // interface ids are numbered per section
        return;
      case IDB:
        this.readInterface(b, at);
        return;
      case EPB:
      case PB: {
        if (length < EPB_MIN_BYTES)
          throw this.corruptBlock(type, `is ${length} bytes, less than ${EPB_MIN_BYTES}`, at);
        const id = type === EPB ? u32(b, 8, le) : u16(b, 8, le);
        const capturedLength = u32(b, 20, le);
        const room = Math.min(length - EPB_MIN_BYTES, this.maxRecordBytes);
        if (capturedLength > room) {
          throw this.corruptBlock(
            type,
            `claims ${capturedLength} captured bytes, more than the limit of ${room} that the block ` +
              `(${length} bytes) and maxRecordBytes (${this.maxRecordBytes}) allow`,
            at,
          );
        }
        this.records++;
        const i = this.interfaces[id];
        if (!i) {
          this.skip(at, "unknown interface");
          return;
        }
        const units = u32(b, 12, le) * TWO_32 + u32(b, 16, le);
        const ts = i.offsetSeconds + units / i.unitsPerSecond;
        const wireLength = Math.max(u32(b, 24, le), capturedLength);
        this.deliverCounted(i.linkType, b.subarray(28, 28 + capturedLength), ts, wireLength, at, onPacket);
        return;
      }
      case SPB: {
        if (length < SPB_MIN_BYTES)
          throw this.corruptBlock(type, `is ${length} bytes, less than ${SPB_MIN_BYTES}`, at);
        this.records++;
        const i = this.interfaces[0];
        if (!i) {
          this.skip(at, "unknown interface");
          return;
        }
        // An SPB has no captured length: it is the original length cut to the snap length and the block.
        const wireLength = u32(b, 8, le);
        let capturedLength = Math.min(wireLength, length - SPB_MIN_BYTES);
        if (i.snapLength > 0) capturedLength = Math.min(capturedLength, i.snapLength);
        this.deliverCounted(i.linkType, b.subarray(12, 12 + capturedLength), 0, wireLength, at, onPacket);
        return;
      }
      default: {
        const key = `0x${type.toString(16).padStart(8, "0")}`;
        this.otherBlocks[key] = (this.otherBlocks[key] ?? 0) + 1;
      }
    }
  }

  private readInterface(b: Uint8Array, at: number): void {
    const le = this.littleEndian;
    if (b.length < IDB_MIN_BYTES) {
      throw this.corruptBlock(IDB, `is ${b.length} bytes, less than ${IDB_MIN_BYTES}`, at);
    }
    const linkType = u16(b, 8, le);
    const snapLength = u32(b, 12, le);
    let unitsPerSecond = 1e6;
    let offsetSeconds = 0;
    const end = b.length - 4;
    // Options: code, length, value padded to 4 bytes. A malformed option ends the list, keeping the defaults.
    for (let p = 16; p + 4 <= end;) {
      const code = u16(b, p, le);
      const optionLength = u16(b, p + 2, le);
      if (code === OPT_ENDOFOPT || p + 4 + optionLength > end) break;
      if (code === OPT_IF_TSRESOL && optionLength >= 1) {
        const v = b[p + 4];
        unitsPerSecond = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
      } else if (code === OPT_IF_TSOFFSET && optionLength >= 8) {
        // A signed 64-bit count of seconds, stored in the section's byte order.
        const high = u32(b, le ? p + 8 : p + 4, le) | 0;
        const low = u32(b, le ? p + 4 : p + 8, le);
        offsetSeconds = high * TWO_32 + low;
      }
      p += 4 + ((optionLength + 3) & ~3);
    }
    this.interfaces.push({ linkType, snapLength, unitsPerSecond, offsetSeconds });
    if (!this.linkTypes.includes(linkType)) this.linkTypes.push(linkType);
  }

  /** Counts a record and decodes it. */
  private deliver(
    linkType: number,
    frame: Uint8Array,
    ts: number,
    wireLength: number,
    at: number,
    onPacket: (p: Packet) => void,
  ): void {
    this.records++;
    this.deliverCounted(linkType, frame, ts, wireLength, at, onPacket);
  }

  /** Decodes an already counted record and hands the packet on, or counts the skip. */
  private deliverCounted(
    linkType: number,
    frame: Uint8Array,
    ts: number,
    wireLength: number,
    at: number,
    onPacket: (p: Packet) => void,
  ): void {
    if (!(Math.abs(ts) <= MAX_TIMESTAMP_SECONDS)) {
      // Only a damaged or crafted pcapng block gets here (64-bit units at a coarse resolution).
      this.skip(at, "timestamp out of range");
      return;
    }
    const result = decodeFrame(linkType, frame, ts, wireLength);
    if (isDecodeFailure(result)) {
      this.skip(at, result.reason);
      return;
    }
    this.packets++;
    onPacket(result);
  }

  private skip(offset: number, reason: string): void {
    this.skipped++;
    this.skippedByReason[reason] = (this.skippedByReason[reason] ?? 0) + 1;
    if (this.firstSkips.length < MAX_SKIP_EXAMPLES) this.firstSkips.push({ offset, reason });
  }
}

/**
 * Parses a capture already in memory (tests, small files).
 * @throws ParseError as `CaptureParser` does.
 * @example parseCapture(readFileSync("trace.pcap")).report.packets // 3
 */
export function parseCapture(
  bytes: Uint8Array,
  options: CaptureOptions = {},
  source = "<bytes>",
): { packets: Packet[]; report: CaptureReport } {
  const packets: Packet[] = [];
  const parser = new CaptureParser(source, options);
  parser.push(bytes, (p) => packets.push(p));
  return { packets, report: parser.finish() };
}

/**
 * Streams a pcap or pcapng file through `CaptureParser`, 1 MiB at a time, calling `onPacket` for
 * every decoded packet in file order.
 * @throws ParseError when the file cannot be read (missing, unreadable; the message names the byte
 *   reached) or is not a capture / is corrupt. Errors thrown by `onPacket` propagate unchanged.
 * @example const report = await readCapture("data/captures/trace.pcapng", (p) => assembler.add(p)); report.records // 1200
 */
export async function readCapture(
  path: string,
  onPacket: (p: Packet) => void,
  options: CaptureOptions & {
    /** Awaited after the packets of each chunk read (about 1 MB) were passed on, e.g. to pace a replay. */
    afterChunk?: () => Promise<void>;
    /** Stops the read after the chunk being read; the report then holds the counts so far (`CaptureParser.progress`). */
    signal?: AbortSignal;
  } = {},
): Promise<CaptureReport> {
  const parser = new CaptureParser(path, options);
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let bytesRead = 0;
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new ParseError(
          `${path}: could not read the capture at byte ${bytesRead} (${message}). Check that the file exists ` +
            `and is readable.`,
        );
      }
      if (next.done) break;
      const chunk = next.value;
      bytesRead += chunk.length;
      // A plain Uint8Array view, so packet payloads have one type whether or not a record spanned chunks.
      parser.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length), onPacket);
      if (options.afterChunk) await options.afterChunk();
      if (options.signal?.aborted) return parser.progress();
    }
  } finally {
    stream.destroy();
  }
  return parser.finish();
}
