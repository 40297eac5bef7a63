/**
 * From packets to Zeek-style logs: the flow table with TCP reassembly, the protocol analyzer, and
 * one row per conn record, protocol record and malformed input, handed to a `LogSink` with its
 * log's schema. The same object serves a file (`readCapture`) and a live capture: feed packets in
 * capture order, then `flush`.
 */
import { zeekUid } from "../../flows/connRecord";
import { type Flow, FlowTable, type FlowTableOptions } from "../../flows/flowTable";
import type { Packet } from "../../packets/packet";
import { type AnalyzerStats, type FlowProtocolState, ProtocolAnalyzer } from "../analyzer";
import type { ProtocolRecord } from "../parser";
import { defaultRegistry, type ParserRegistry } from "../registry";
import { CONN_LOG, connRow, idFields, WEIRD_LOG } from "./connLog";
import type { LogRow, LogSchema } from "./zeekLog";

/** Where rows go (a `LogDirectory`, a test's array, the monitor). */
export interface LogSink {
  write(schema: LogSchema, row: LogRow): void;
}

export interface ProtocolLogsOptions {
  /** The parsers. Default `defaultRegistry()`. */
  registry?: ParserRegistry;
  /** Flow table tunables (timeouts, reassembly bounds). */
  flows?: FlowTableOptions;
  /** Seed of the `uid` strings (`zeekUid`); give each sensor its own. Default 0. */
  uidSeed?: number;
}

/** The row of a protocol record: ts, uid, id.* from its flow, then the record's own fields. */
export function protocolRow(record: ProtocolRecord, flow: Readonly<Flow<unknown>>, uidSeed = 0): LogRow {
  return { ...record, ...idFields(flow), uid: zeekUid(record.uid, uidSeed) };
}

/**
 * Packets in, log rows out.
 * @example
 * const logs = new ProtocolLogs(sink); for (const p of packets) logs.add(p); logs.flush();
 */
export class ProtocolLogs {
  readonly table: FlowTable<FlowProtocolState>;
  readonly analyzer: ProtocolAnalyzer;
  /** The schema of each protocol's log, by record protocol. */
  private readonly schemas = new Map<string, LogSchema>();
  private readonly uidSeed: number;
  /** Rows written, by log path. */
  readonly rows: Record<string, number> = {};
  private readonly emitConn: (c: Parameters<typeof connRow>[0]) => void;

  constructor(
    private readonly sink: LogSink,
    options: ProtocolLogsOptions = {},
  ) {
    const registry = options.registry ?? defaultRegistry();
    for (const name of registry.names) {
      const log = registry.get(name)?.log;
      if (log) this.schemas.set(name, log);
    }
    this.uidSeed = options.uidSeed ?? 0;
    this.analyzer = new ProtocolAnalyzer((r, flow) => this.record(r, flow), {
      registry,
      onWeird: (flow, protocol, reason, ts) =>
        this.write(WEIRD_LOG, {
          ts,
          uid: zeekUid(flow.uid, this.uidSeed),
          ...idFields(flow),
          name: reason,
          addl: undefined,
          notice: false,
          peer: "detective",
          source: protocol.toUpperCase(),
        }),
    });
    this.table = new FlowTable<FlowProtocolState>(options.flows ?? {}, this.analyzer);
    this.emitConn = (c) => this.write(CONN_LOG, connRow(c, this.uidSeed));
  }

  private record(r: ProtocolRecord, flow: Readonly<Flow<unknown>>): void {
    const schema = this.schemas.get(r.protocol);
    // A record its log leaves out (FTP's commands outside Zeek's logged_commands) still reached the analyzer's consumers.
    if (schema && !r.unlogged) this.write(schema, protocolRow(r, flow, this.uidSeed));
  }

  private write(schema: LogSchema, row: LogRow): void {
    this.rows[schema.path] = (this.rows[schema.path] ?? 0) + 1;
    this.sink.write(schema, row);
  }

  add(p: Packet): void {
    this.table.add(p, this.emitConn);
  }

  /** End of input: every open flow is closed and logged. */
  flush(): void {
    this.table.flush(this.emitConn);
  }

  /** What the protocol layer counted (flows per parser, malformed input by reason). */
  get stats(): AnalyzerStats {
    return this.analyzer.stats;
  }
}
