/**
 * What an application-protocol parser is: a description the registry chooses by (name, likely
 * ports, a probe of the first bytes) and, per flow, an instance fed each direction's bytes. The
 * flow table delivers the bytes (`FlowHooks.payload`); with TCP reassembly they will arrive in
 * order with gaps reported (`gap`), which is why an instance sees streams, not packets.
 */
import type { Direction, Flow } from "../flows/flowTable";
import type { FlowProtocol } from "../flows/connRecord";
import type { LogSchema } from "./logs/zeekLog";

/**
 * A record a parser emits: the protocol's name, the `uid` of the flow it came from (joins the conn
 * record), its time, and the protocol's fields (named as in Zeek's logs).
 */
export interface ProtocolRecord {
  readonly protocol: string;
  readonly uid: number;
  /** The record's time as Zeek's log gives it (e.g. a DNS record's query, an HTTP request's first packet), seconds since the epoch. */
  readonly ts: number;
  /**
   * True for a record its log leaves out (FTP commands outside Zeek's `FTP::logged_commands`): the
   * analyzer's consumers (the features) still get it, the protocol log does not.
   */
  readonly unlogged?: boolean;
}

/** What a parser instance may do: emit records and count malformed input (by a short reason). */
export interface ParserContext {
  /** The flow (endpoints, transport, uid); read-only to parsers. */
  readonly flow: Readonly<Flow<unknown>>;
  emit(record: ProtocolRecord): void;
  /** Counts one malformed input of `reason` (a short fixed phrase, e.g. "label too long"); the parser goes on. */
  malformed(reason: string): void;
  /**
   * Hands the rest of the flow to the parser named `name` (SMTP's STARTTLS and FTP's AUTH TLS hand
   * over to "ssl"): the calling instance gets no more bytes and is not ended; the new instance gets
   * every byte after the current `data` call, and the flow's service becomes e.g. "smtp,ssl" (as
   * Zeek's conn.log lists them). `rest`, when given, holds bytes of the current call that belong
   * to the new protocol. Returns false (and nothing changes) when no such parser is registered.
   */
  handOver(name: string, dir?: Direction, rest?: Uint8Array): boolean;
  /**
   * Announces a connection this one has negotiated (FTP's data channels; Zeek's
   * `Analyzer::schedule_analyzer`): the next flow from `orig_h` (any originator when not given) to
   * `resp_h`:`resp_p` within `seconds` gets the service `service` and is not probed. Each expectation
   * serves once; the table of expectations is bounded (the oldest go first).
   */
  expect?(endpoints: ExpectedEndpoints, service: string, seconds: number): void;
  /**
   * The bytes are not this protocol after all (Zeek's analyzer violation): `reason` is counted as
   * malformed, the parser gets no more bytes, and its name leaves the flow's service (as Zeek's
   * conn.log drops a service whose analyzer was disabled).
   */
  violation?(reason: string): void;
  /**
   * The parser is sure the flow is its protocol (Zeek's protocol confirmation): for a parser with
   * `confirmsService`, only now does the flow's service name it. Other parsers are named when chosen.
   */
  confirm?(): void;
  /** Adds a letter to the flow's history once (Zeek's `CheckHistory`; FTP adds X for an ignored over-long command). */
  markHistory?(letter: string): void;
}

/** The endpoints of an expected connection (`ParserContext.expect`). */
export interface ExpectedEndpoints {
  /** The originator; any when not given. */
  readonly orig_h?: string;
  readonly resp_h: string;
  readonly resp_p: number;
}

/** One flow's parser: fed each direction's bytes in order; bounded memory whatever it is fed. */
export interface ParserInstance {
  /** Bytes of `dir` that follow the previous ones (a UDP datagram, or the next piece of a TCP stream). */
  data(dir: Direction, bytes: Uint8Array, ts: number): void;
  /** `length` bytes of `dir` are missing (lost or not captured) before the next `data`. */
  gap(dir: Direction, length: number): void;
  /** The flow ended: emit what is pending. */
  end(ts: number): void;
  /** True once the parser wants no more bytes (the flow table may stop delivering them). */
  readonly done: boolean;
}

/** Where a probe runs: the flow's transport, and whether its responder port is one of the parser's. */
export interface ProbeContext {
  readonly transport: FlowProtocol;
  readonly onPort: boolean;
}

/** An application-protocol parser, as the registry knows it. */
export interface ProtocolParser {
  /** Short lowercase name, also the conn record's `service` and the records' `protocol`. */
  readonly name: string;
  /** Transports it runs on. */
  readonly transports: readonly FlowProtocol[];
  /** Responder ports it is usually found on (tried first); content probes find it elsewhere. */
  readonly ports: readonly number[];
  /**
   * True when `first` (a payload of a flow not yet identified, from `dir`) looks like this protocol.
   * `where.onPort` says the flow's responder port is one of `ports`, where a parser may accept on
   * weaker evidence. Must be cheap and must not throw; a false positive hands the flow to the
   * wrong parser.
   */
  probe(first: Uint8Array, dir: Direction, where: ProbeContext): boolean;
  /** A parser instance for one flow. */
  create(context: ParserContext): ParserInstance;
  /**
   * The log its records are written to (Zeek's shape: `dns`, `http`, ...). A record's fields are
   * named as the schema's; `ts`, `uid` and `id.*` are filled in from the flow.
   */
  readonly log?: LogSchema;
  /**
   * True when the flow's service should name this parser only once it calls `ctx.confirm()` (as
   * Zeek's conn.log names a service on protocol confirmation): SSH confirms when it has seen both
   * sides' banners, so a one-sided capture keeps no service. Default false: named when chosen.
   */
  readonly confirmsService?: boolean;
}
