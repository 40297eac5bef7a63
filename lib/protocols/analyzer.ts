/**
 * The protocol layer on the flow table: the `FlowHooks` that choose a parser for each flow from
 * its first payloads (registry), feed it each direction's bytes, end it with the flow, name the
 * flow's `service`, and count what happened (flows per protocol, unidentified flows, malformed
 * input per protocol and reason).
 */
import { OptionError } from "../core/errors";
import type { Direction, Flow, FlowHooks } from "../flows/flowTable";
import type { ExpectedEndpoints, ParserContext, ParserInstance, ProtocolRecord } from "./parser";
import { defaultRegistry, type ParserRegistry } from "./registry";

/**
 * Connections announced by parsers (`ParserContext.expect`, e.g. FTP data channels) held at most;
 * beyond it the oldest announcement is forgotten (and counted), so a flood of PORT commands cannot
 * grow memory.
 */
export const MAX_EXPECTED_CONNECTIONS = 10_000;

/** An announced connection: the service it gets and until when it is expected. */
interface Expectation {
  readonly service: string;
  readonly until: number;
}

export interface AnalyzerOptions {
  /** The parsers to choose from. Default `defaultRegistry()` (DNS, HTTP, FTP). */
  registry?: ParserRegistry;
  /**
   * Each malformed input as it is counted (Zeek's weird.log): the flow, the parser's name, the
   * reason, and the time of the bytes being parsed. Default: counted only.
   */
  onWeird?: (flow: Readonly<Flow<unknown>>, protocol: string, reason: string, ts: number) => void;
  /**
   * Payload packets of a flow probed for a parser before the flow is given up as unidentified
   * (its payloads are then no longer delivered). Default 4.
   */
  probePackets?: number;
}

/** What the protocol layer saw. */
export interface AnalyzerStats {
  /** Flows handed to each parser, by parser name. */
  flows: Record<string, number>;
  /** Flows with payload that no parser recognised within `probePackets` payload packets. */
  unidentified: number;
  /** Records emitted, by protocol. */
  records: Record<string, number>;
  /** Malformed input, by `protocol: reason` (e.g. `"dns: label too long"`); `"<protocol>: parser error"` counts parsers that threw. */
  malformed: Record<string, number>;
  /** The message of the last parser that threw, for a bug report. */
  lastError?: string;
  /** Announced connections (`ParserContext.expect`): made, met by a flow, forgotten for room. */
  expected: { made: number; met: number; dropped: number };
}

/** The analyzer's state on a flow (the flow table's `state` slot). */
export interface FlowProtocolState {
  /** Payload packets probed so far without a match. */
  probes: number;
  parser: ParserInstance | undefined;
  /** The chosen parser's name ("" before one is chosen). */
  name: string;
}

/**
 * Hooks for a `FlowTable<FlowProtocolState>`: records go to `onRecord` as the parsers emit them; a
 * flow's records are all out before its conn record (the flow table calls `end` first).
 * @example
 * const analyzer = new ProtocolAnalyzer((r) => records.push(r));
 * const table = new FlowTable<FlowProtocolState>({}, analyzer);
 */
export class ProtocolAnalyzer implements FlowHooks<FlowProtocolState> {
  readonly registry: ParserRegistry;
  private readonly probePackets: number;
  private readonly onWeird: AnalyzerOptions["onWeird"];
  /** Time of the bytes (or gap, or end) being handed to a parser now: a weird's time. */
  private now = 0;
  readonly stats: AnalyzerStats = {
    flows: {},
    unidentified: 0,
    records: {},
    malformed: {},
    expected: { made: 0, met: 0, dropped: 0 },
  };
  /** Announced connections by `orig|resp|port` (orig `*` for any), oldest first. */
  private readonly expected = new Map<string, Expectation>();

  constructor(
    private readonly onRecord: (record: ProtocolRecord, flow: Readonly<Flow<unknown>>) => void,
    options: AnalyzerOptions = {},
  ) {
    this.registry = options.registry ?? defaultRegistry();
    this.onWeird = options.onWeird;
    this.probePackets = options.probePackets ?? 4;
    if (!(Number.isInteger(this.probePackets) && this.probePackets > 0)) {
      throw new OptionError(
        `ProtocolAnalyzer: probePackets must be a positive integer, got ${options.probePackets}.`,
      );
    }
  }

  payload(flow: Flow<FlowProtocolState>, dir: Direction, bytes: Uint8Array, ts: number): void {
    this.now = ts;
    let state = flow.state;
    if (!state) {
      state = { probes: 0, parser: undefined, name: "" };
      flow.state = state;
    }
    try {
      if (state.probes === 0 && !state.parser && !state.name && this.expectedService(flow)) return;
      if (!state.parser) {
        const chosen = this.registry.choose(flow.proto, flow.dstPort, bytes, dir);
        if (!chosen) {
          if (++state.probes >= this.probePackets) {
            this.stats.unidentified++;
            flow.inspect = false;
          }
          return;
        }
        if (!chosen.confirmsService) flow.service = chosen.name;
        state.name = chosen.name;
        this.stats.flows[chosen.name] = (this.stats.flows[chosen.name] ?? 0) + 1;
        state.parser = chosen.create(this.context(flow, chosen.name));
      }
      state.parser.data(dir, bytes, ts);
      if (state.parser.done) flow.inspect = false;
    } catch (e) {
      if (e instanceof ConsumerFailure) throw e.error;
      this.failed(flow, state, e);
    }
  }

  /**
   * A parser (or probe) threw: a bug, not the traffic's fault. Counted as `"<name>: parser error"`,
   * and the flow is no longer parsed, so one bad flow cannot stop the packet path.
   */
  private failed(flow: Flow<FlowProtocolState>, state: FlowProtocolState, e: unknown): void {
    const key = `${state.name || "probe"}: parser error`;
    this.stats.malformed[key] = (this.stats.malformed[key] ?? 0) + 1;
    this.stats.lastError = e instanceof Error ? e.message : String(e);
    state.parser = undefined;
    flow.inspect = false;
  }

  gap(flow: Flow<FlowProtocolState>, dir: Direction, length: number, ts: number): void {
    const state = flow.state;
    if (!state?.parser) return;
    this.now = ts;
    try {
      state.parser.gap(dir, length);
      if (state.parser.done) flow.inspect = false;
    } catch (e) {
      if (e instanceof ConsumerFailure) throw e.error;
      this.failed(flow, state, e);
    }
  }

  end(flow: Flow<FlowProtocolState>, ts: number): void {
    const state = flow.state;
    if (!state) {
      // A flow without payload may still be an announced one (an empty FTP data transfer).
      flow.state = { probes: 0, parser: undefined, name: "" };
      this.expectedService(flow);
      return;
    }
    if (!state.parser) return;
    this.now = ts;
    try {
      state.parser.end(ts);
    } catch (e) {
      if (e instanceof ConsumerFailure) throw e.error;
      this.failed(flow, state, e);
    }
  }

  /**
   * Whether `flow` was announced (`expect`): if so it gets the announced service, is counted under
   * it, is not probed or parsed further, and the announcement is used up.
   */
  private expectedService(flow: Flow<FlowProtocolState>): boolean {
    if (this.expected.size === 0 || flow.proto !== "tcp" || !flow.state) return false;
    for (const key of [`${flow.src}|${flow.dst}|${flow.dstPort}`, `*|${flow.dst}|${flow.dstPort}`]) {
      const e = this.expected.get(key);
      if (!e) continue;
      this.expected.delete(key);
      if (e.until < flow.start) continue;
      this.stats.expected.met++;
      flow.service = flow.service ? `${flow.service},${e.service}` : e.service;
      flow.state.name = e.service;
      flow.inspect = false;
      this.stats.flows[e.service] = (this.stats.flows[e.service] ?? 0) + 1;
      return true;
    }
    return false;
  }

  /** Records an announced connection (`ParserContext.expect`), the table kept within MAX_EXPECTED_CONNECTIONS. */
  private expect(endpoints: ExpectedEndpoints, service: string, seconds: number): void {
    const key = `${endpoints.orig_h ?? "*"}|${endpoints.resp_h}|${endpoints.resp_p}`;
    this.expected.delete(key); // re-announced: now the newest
    this.expected.set(key, { service, until: this.now + seconds });
    this.stats.expected.made++;
    while (this.expected.size > MAX_EXPECTED_CONNECTIONS) {
      const oldest = this.expected.keys().next().value as string;
      this.expected.delete(oldest);
      this.stats.expected.dropped++;
    }
  }

  private context(flow: Flow<FlowProtocolState>, protocol: string): ParserContext {
    const { stats, onRecord } = this;
    const weird = (reason: string): void => {
      const key = `${protocol}: ${reason}`;
      stats.malformed[key] = (stats.malformed[key] ?? 0) + 1;
      if (!this.onWeird) return;
      try {
        this.onWeird(flow, protocol, reason, this.now);
      } catch (error) {
        throw new ConsumerFailure(error);
      }
    };
    return {
      flow,
      emit(record: ProtocolRecord): void {
        stats.records[record.protocol] = (stats.records[record.protocol] ?? 0) + 1;
        try {
          onRecord(record, flow);
        } catch (error) {
          throw new ConsumerFailure(error); // the consumer's error, not the parser's: passed on
        }
      },
      malformed: weird,
      handOver: (name: string, dir?: Direction, rest?: Uint8Array): boolean => {
        const next = this.registry.get(name);
        const state = flow.state;
        if (!next || !state) return false;
        flow.service = flow.service ? `${flow.service},${next.name}` : next.name;
        this.stats.flows[next.name] = (this.stats.flows[next.name] ?? 0) + 1;
        state.name = next.name;
        state.parser = next.create(this.context(flow, next.name));
        if (dir && rest && rest.length > 0) state.parser.data(dir, rest, this.now);
        return true;
      },
      expect: (endpoints: ExpectedEndpoints, service: string, seconds: number): void =>
        this.expect(endpoints, service, seconds),
      violation: (reason: string): void => {
        weird(reason);
        // Zeek's conn.log keeps no service whose analyzer was disabled; the parser (done) gets no more bytes.
        flow.service = flow.service
          .split(",")
          .filter((s) => s !== protocol && s !== "")
          .join(",");
        flow.inspect = false;
      },
      confirm: (): void => {
        if (!flow.service.split(",").includes(protocol)) {
          flow.service = flow.service ? `${flow.service},${protocol}` : protocol;
        }
      },
      markHistory: (letter: string): void => {
        if (!flow.history.includes(letter)) flow.history += letter;
      },
    };
  }
}

/** Carries an error thrown by the record consumer through the parser, so it is not counted as a parser bug. */
class ConsumerFailure {
  constructor(readonly error: unknown) {}
}
