/**
 * The registry of application-protocol parsers, and the choice of a parser for a flow: first the
 * parsers registered on the flow's responder port whose probe accepts its payload, then any parser
 * whose content probe accepts (so HTTP on 8080, SSH on 80 and DNS over TCP are found).
 */
import { OptionError } from "../core/errors";
import type { Direction } from "../flows/flowTable";
import type { FlowProtocol } from "../flows/connRecord";
import { dnsParser } from "./dns/dnsParser";
import { ftpParser } from "./ftp/ftpParser";
import { httpParser } from "./http/httpParser";
import { smtpParser } from "./smtp/smtpParser";
import { sshParser } from "./ssh/sshParser";
import type { ProbeContext, ProtocolParser } from "./parser";
import { sslParser } from "./ssl/sslParser";

const NO_PARSERS: readonly ProtocolParser[] = [];

/** The probe contexts, made once (probes run per unidentified payload; no allocation there). */
const WHERE: Record<FlowProtocol, readonly [ProbeContext, ProbeContext]> = {
  tcp: [
    { transport: "tcp", onPort: false },
    { transport: "tcp", onPort: true },
  ],
  udp: [
    { transport: "udp", onPort: false },
    { transport: "udp", onPort: true },
  ],
  icmp: [
    { transport: "icmp", onPort: false },
    { transport: "icmp", onPort: true },
  ],
};

export class ParserRegistry {
  private readonly parsers: ProtocolParser[] = [];
  /** Per transport, parsers by port. */
  private readonly byPort: Record<FlowProtocol, Map<number, ProtocolParser[]>> = {
    tcp: new Map(),
    udp: new Map(),
    icmp: new Map(),
  };
  private readonly byTransport: Record<FlowProtocol, ProtocolParser[]> = { tcp: [], udp: [], icmp: [] };

  /**
   * Adds a parser; parsers registered earlier are probed first.
   * @throws OptionError when a parser of that name is registered already.
   */
  register(parser: ProtocolParser): this {
    if (this.parsers.some((p) => p.name === parser.name)) {
      throw new OptionError(
        `ParserRegistry: a parser named "${parser.name}" is registered already; give the new one another name.`,
      );
    }
    this.parsers.push(parser);
    for (const t of parser.transports) {
      this.byTransport[t].push(parser);
      for (const port of parser.ports) {
        const list = this.byPort[t].get(port) ?? [];
        list.push(parser);
        this.byPort[t].set(port, list);
      }
    }
    return this;
  }

  /** The registered parsers, in registration order. */
  get names(): string[] {
    return this.parsers.map((p) => p.name);
  }

  /** The parser named `name`, or undefined. */
  get(name: string): ProtocolParser | undefined {
    return this.parsers.find((p) => p.name === name);
  }

  /** Parsers registered on `port` of `transport`. */
  onPort(transport: FlowProtocol, port: number): readonly ProtocolParser[] {
    return this.byPort[transport].get(port) ?? NO_PARSERS;
  }

  /**
   * The parser for a flow of `transport` to responder port `port` whose payload from `dir` is
   * `bytes`: a port parser whose probe accepts, else the first parser whose content probe accepts,
   * else undefined (the caller may try again with the flow's next payload).
   */
  choose(
    transport: FlowProtocol,
    port: number,
    bytes: Uint8Array,
    dir: Direction,
  ): ProtocolParser | undefined {
    const local = this.onPort(transport, port);
    const [elsewhere, onPort] = WHERE[transport];
    for (const p of local) if (p.probe(bytes, dir, onPort)) return p;
    for (const p of this.byTransport[transport]) {
      if (!local.includes(p) && p.probe(bytes, dir, elsewhere)) return p;
    }
    return undefined;
  }
}

/**
 * A registry with the parsers Detective has, in probing order: DNS, HTTP, FTP, SSH, SMTP, TLS
 * ("ssl", as Zeek names it). `replace` swaps one by name for a configured instance (e.g.
 * `{ ftp: createFtpParser({ maxArgLength: 1024 }) }`).
 */
export function defaultRegistry(replace: Readonly<Record<string, ProtocolParser>> = {}): ParserRegistry {
  const registry = new ParserRegistry();
  for (const parser of [dnsParser, httpParser, ftpParser, sshParser, smtpParser, sslParser]) {
    registry.register(replace[parser.name] ?? parser);
  }
  return registry;
}
