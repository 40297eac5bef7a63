/**
 * Packets to featurised connection records: the assembler and the traffic features chained, the
 * one path for a capture file and a live stream (a file is a replay of the stream). Also the
 * conversion of records to the columnar `Table` the KDD data uses (their ground-truth labels are
 * evaluation's: `eval/groundTruth.ts`).
 */
import { ShapeError } from "../core/errors";
import { type CaptureOptions, type CaptureReport, readCapture } from "../packets/capture";
import { KDD_FEATURES, LABEL_COLUMN, NORMAL_LABEL } from "../datasets/kdd99";
import type { Packet } from "../packets/packet";
import { type Column, Table } from "../datasets/table";
import {
  type AssemblerOptions,
  type AssemblerStats,
  ConnectionAssembler,
  type ConnectionRecord,
} from "./connections";
import { type TrafficFeatureOptions, TrafficFeatures } from "./traffic";
import type { AnalyzerStats } from "../protocols/analyzer";
import type { DnsRecord } from "../protocols/dns/dnsParser";
import type { HttpRecord } from "../protocols/http/httpParser";
import type { ProtocolRecord } from "../protocols/parser";

export interface FeaturizeOptions extends AssemblerOptions, TrafficFeatureOptions {}

/** How often (in capture seconds) finished records are released to the traffic features. */
const RELEASE_INTERVAL_SECONDS = 1;

/**
 * Packets in, featurised records out (in start order) through `onRecord`.
 * @example
 * const f = new PacketFeaturizer((r) => records.push(r)); for (const p of packets) f.add(p); f.finish();
 */
export class PacketFeaturizer {
  readonly assembler: ConnectionAssembler;
  readonly traffic: TrafficFeatures;
  private lastRelease = Number.NEGATIVE_INFINITY;
  private readonly toTraffic = (r: ConnectionRecord): void => this.traffic.add(r);

  constructor(
    private readonly onRecord: (r: ConnectionRecord) => void,
    options: FeaturizeOptions = {},
  ) {
    this.assembler = new ConnectionAssembler(options);
    this.traffic = new TrafficFeatures(options);
  }

  add(p: Packet): void {
    this.assembler.add(p, this.toTraffic);
    const now = this.assembler.time;
    if (now - this.lastRelease >= RELEASE_INTERVAL_SECONDS) {
      this.lastRelease = now;
      this.traffic.release(this.assembler.oldestOpenStart(), now, this.onRecord);
    }
  }

  /** End of input: every open connection is closed and every record released. */
  finish(): void {
    this.assembler.flush(this.toTraffic);
    this.traffic.flush(this.onRecord);
  }
}

/** What `featurizeCapture` read and built. */
export interface FeaturizedCapture {
  readonly records: ConnectionRecord[];
  /** What the protocol parsers read (DNS queries, HTTP requests, FTP replies), joined to `records` by `uid`. */
  readonly protocols: ProtocolRecord[];
  readonly capture: CaptureReport;
  readonly assembler: AssemblerStats;
  /** Flows per protocol, unidentified flows, malformed input by reason. */
  readonly protocolStats: AnalyzerStats;
}

/**
 * Reads a pcap / pcapng file and returns its featurised connection records.
 * @throws ParseError for a file that is not a capture or is corrupt (with the byte offset).
 */
export async function featurizeCapture(
  path: string,
  options: FeaturizeOptions & CaptureOptions = {},
): Promise<FeaturizedCapture> {
  const records: ConnectionRecord[] = [];
  const protocols: ProtocolRecord[] = [];
  const onProtocolRecord = options.onProtocolRecord;
  const f = new PacketFeaturizer((r) => records.push(r), {
    ...options,
    onProtocolRecord: (r, flow) => {
      protocols.push(r);
      onProtocolRecord?.(r, flow);
    },
  });
  const capture = await readCapture(path, (p) => f.add(p), options);
  f.finish();
  return {
    records,
    protocols,
    capture,
    assembler: { ...f.assembler.stats },
    protocolStats: structuredClone(f.assembler.protocols.stats),
  };
}

/** Largest dictionary of a symbolic table column (codes are 16-bit). */
const MAX_SYMBOLS = 65_536;

function symbolic(name: string, values: readonly string[]): Column {
  const lookup = new Map<string, number>();
  const dictionary: string[] = [];
  const codes = new Uint16Array(values.length);
  values.forEach((v, i) => {
    let c = lookup.get(v);
    if (c === undefined) {
      c = dictionary.length;
      if (c >= MAX_SYMBOLS) {
        throw new ShapeError(
          `recordsToTable: column "${name}" has more than ${MAX_SYMBOLS} distinct values; split the records.`,
        );
      }
      dictionary.push(v);
      lookup.set(v, c);
    }
    codes[i] = c;
  });
  return { kind: "symbolic", name, codes, dictionary };
}

function numeric(name: string, values: ArrayLike<number>): Column {
  return { kind: "numeric", name, values: Float64Array.from(values) };
}

/** Metadata columns kept beside the 41 KDD features (not model features). */
export const RECORD_METADATA_COLUMNS = [
  "start",
  "end",
  "src",
  "src_port",
  "dst",
  "dst_port",
  "state",
  "history",
  "orig_packets",
  "resp_packets",
] as const;

/**
 * Columns taken from the protocol records when `recordsToTable` is given them: the first DNS
 * query's name, the first HTTP request's Host and URI of each connection ("" when none).
 */
export const PROTOCOL_METADATA_COLUMNS = ["dns_query", "http_host", "http_uri"] as const;

/**
 * The records as a `Table` with the 41 KDD feature columns (same names and kinds as the KDD
 * files, so the same `FeaturePipeline` and detectors run on both), a `label` column, the metadata
 * columns of RECORD_METADATA_COLUMNS, and, when `protocols` is given, PROTOCOL_METADATA_COLUMNS.
 * @param labels one label per record (e.g. from `labelRecords`); default all `normal`.
 * @param protocols the protocol records of the same capture (`FeaturizedCapture.protocols`).
 */
export function recordsToTable(
  records: readonly ConnectionRecord[],
  labels?: readonly string[],
  protocols?: readonly ProtocolRecord[],
): Table {
  if (labels && labels.length !== records.length) {
    throw new ShapeError(`recordsToTable: ${labels.length} labels for ${records.length} records.`);
  }
  const columns: Column[] = KDD_FEATURES.map((f) =>
    f.kind === "symbolic"
      ? symbolic(
          f.name,
          records.map((r) => String(r.features[f.name])),
        )
      : numeric(
          f.name,
          records.map((r) => Number(r.features[f.name])),
        ),
  );
  columns.push(symbolic(LABEL_COLUMN, labels ?? records.map(() => NORMAL_LABEL)));
  columns.push(
    numeric(
      "start",
      records.map((r) => r.start),
    ),
    numeric(
      "end",
      records.map((r) => r.end),
    ),
    symbolic(
      "src",
      records.map((r) => r.src),
    ),
    numeric(
      "src_port",
      records.map((r) => r.srcPort),
    ),
    symbolic(
      "dst",
      records.map((r) => r.dst),
    ),
    numeric(
      "dst_port",
      records.map((r) => r.dstPort),
    ),
    symbolic(
      "state",
      records.map((r) => r.state),
    ),
    symbolic(
      "history",
      records.map((r) => r.history),
    ),
    numeric(
      "orig_packets",
      records.map((r) => r.origPackets),
    ),
    numeric(
      "resp_packets",
      records.map((r) => r.respPackets),
    ),
  );
  if (protocols) {
    // The first query and the first request of each connection.
    const dns = new Map<number, DnsRecord>();
    const http = new Map<number, HttpRecord>();
    for (const p of protocols) {
      if (p.protocol === "dns" && !dns.has(p.uid)) dns.set(p.uid, p as DnsRecord);
      else if (p.protocol === "http" && !http.has(p.uid)) http.set(p.uid, p as HttpRecord);
    }
    columns.push(
      symbolic(
        "dns_query",
        records.map((r) => dns.get(r.uid)?.query ?? ""),
      ),
      symbolic(
        "http_host",
        records.map((r) => http.get(r.uid)?.host ?? ""),
      ),
      symbolic(
        "http_uri",
        records.map((r) => http.get(r.uid)?.uri ?? ""),
      ),
    );
  }
  return new Table(columns);
}
