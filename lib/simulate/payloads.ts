/**
 * Application payloads the simulator puts in its frames beyond plain text: NTP version 4 packets
 * (RFC 5905). TLS records come from the TLS parser's encoder (`protocols/ssl/tlsEncode`).
 */
import { randomInt } from "../core/random";
import type { SimContext } from "./conversation";

const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];

/** Seconds from the NTP era (1900-01-01) to the Unix epoch (RFC 5905). */
const NTP_UNIX_OFFSET = 2_208_988_800;

function ntpTimestamp(epochSeconds: number): number[] {
  const seconds = Math.floor(epochSeconds) + NTP_UNIX_OFFSET;
  const fraction = Math.floor((epochSeconds - Math.floor(epochSeconds)) * 2 ** 32);
  return [
    ...u16(Math.floor(seconds / 65_536)),
    ...u16(seconds % 65_536),
    ...u16(Math.floor(fraction / 65_536)),
    ...u16(fraction % 65_536),
  ];
}

/**
 * An NTPv4 packet of 48 bytes (RFC 5905 figure 8). A client request (mode 3) carries its transmit
 * time; a server reply (mode 4, stratum `stratum`) echoes it as origin and adds receive and transmit
 * times and the reference clock's address.
 */
export function ntpPacket(
  ctx: SimContext,
  mode: "client" | "server",
  transmitTime: number,
  request?: {
    readonly transmit: number;
    readonly received: number;
    readonly stratum: number;
    readonly reference: Uint8Array;
  },
): Uint8Array {
  const poll = 10; // 2^10 = 1024 s, ntpd's and chrony's longest default polling interval
  const precision = 0xe9; // 2^-23 s
  if (mode === "client") {
    return Uint8Array.from([
      0x23, // LI 0, version 4, mode 3
      0,
      poll,
      precision,
      ...new Array<number>(12).fill(0), // root delay, root dispersion, reference ID
      ...new Array<number>(24).fill(0), // reference, origin and receive timestamps
      ...ntpTimestamp(transmitTime),
    ]);
  }
  if (!request) throw new RangeError("ntpPacket: a server reply needs the request's times");
  return Uint8Array.from([
    0x24, // LI 0, version 4, mode 4
    request.stratum,
    poll,
    precision,
    0,
    0,
    ...u16(0x0100 + randomInt(ctx.rng, 0x0800)), // root delay (16.16 seconds)
    0,
    0,
    ...u16(0x0200 + randomInt(ctx.rng, 0x0800)), // root dispersion
    ...request.reference,
    ...ntpTimestamp(request.transmit - 64 - randomInt(ctx.rng, 900)), // last set from its own server
    ...ntpTimestamp(request.transmit),
    ...ntpTimestamp(request.received),
    ...ntpTimestamp(transmitTime),
  ]);
}
