/**
 * A TCP connection of hand-made segments for protocol tests: the handshake, `send` per direction
 * (each a segment with real sequence numbers), `close` with FINs both ways; and `logRows`, which
 * runs packets through `ProtocolLogs` into rows per log.
 */
import type { Packet } from "../packets/packet";
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from "../packets/packet";
import { ProtocolLogs, type ProtocolLogsOptions } from "../protocols/logs/protocolLogs";
import type { LogRow } from "../protocols/logs/zeekLog";
import { tcp, tcpText } from "./packets";

const DATA = TCP_ACK | TCP_PSH;
let nextPort = 41_000;

export interface TcpSession {
  readonly packets: Packet[];
  /** One segment of `bytes` from the client or the server, 10 ms after the previous one. */
  send(from: "client" | "server", bytes: Uint8Array | string): TcpSession;
  /** An encrypted-looking segment of `n` bytes. */
  sealed(from: "client" | "server", n: number): TcpSession;
  /** FIN both ways and the last ACK; returns every packet. */
  close(): Packet[];
}

/** A connection from `client` (a fresh port each time) to `server`:`port`, starting at `start`. */
export function tcpSession(client: string, server: string, port: number, start = 100): TcpSession {
  const cport = nextPort++;
  let t = start;
  const packets: Packet[] = [
    tcp(t, client, cport, server, port, TCP_SYN),
    tcp((t += 0.001), server, port, client, cport, TCP_SYN | TCP_ACK),
    tcp((t += 0.001), client, cport, server, port, TCP_ACK),
  ];
  const session: TcpSession = {
    packets,
    send(from, bytes) {
      t += 0.01;
      packets.push(
        from === "client"
          ? tcpText(t, client, cport, server, port, DATA, bytes)
          : tcpText(t, server, port, client, cport, DATA, bytes),
      );
      return session;
    },
    sealed(from, n) {
      return session.send(from, new Uint8Array(n).fill(0xa5));
    },
    close() {
      packets.push(tcp((t += 0.01), client, cport, server, port, TCP_FIN | TCP_ACK));
      packets.push(tcp((t += 0.01), server, port, client, cport, TCP_FIN | TCP_ACK));
      packets.push(tcp((t += 0.01), client, cport, server, port, TCP_ACK));
      return packets;
    },
  };
  return session;
}

/** `packets` through `ProtocolLogs`: the rows of each log, the protocol layer's counts, and the logs object. */
export function logRows(
  packets: readonly Packet[],
  options: ProtocolLogsOptions = {},
): { rows: Record<string, LogRow[]>; stats: ProtocolLogs["stats"]; logs: ProtocolLogs } {
  const rows: Record<string, LogRow[]> = {};
  const logs = new ProtocolLogs({ write: (schema, row) => (rows[schema.path] ??= []).push(row) }, options);
  for (const p of packets) logs.add(p);
  logs.flush();
  return { rows, stats: logs.stats, logs };
}
