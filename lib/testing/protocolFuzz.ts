/**
 * Fuzzing the protocol layer with the corpus's own traffic: every capture of Zeek's regression
 * traces read into packets, then mutated with a seeded generator (payload bytes flipped, set to
 * 0x00 / 0xff or to protocol-significant characters, payloads cut short, packets dropped,
 * duplicated and swapped with their neighbour, TCP sequence numbers shifted) and fed through
 * `ProtocolLogs`. A parser may count the damage as malformed, never throw (a throw is counted as
 * "<protocol>: parser error") and never hang; run as a script it prints a JSON summary, so a test
 * can run it in a child process under a time limit.
 */
import { join } from "node:path";
import { randomInt, type Rng, seeded } from "../core/random";
import type { Packet } from "../packets/packet";
import { readCapture } from "../packets/capture";
import { corpusCases } from "../protocols/logs/parity";
import { ProtocolLogs } from "../protocols/logs/protocolLogs";

/** Bytes a mutation likes to write: separators and length-ish values that parsers branch on. */
const INTERESTING = [0x00, 0xff, 0x0d, 0x0a, 0x20, 0x3a, 0x2e, 0x7f, 0x80, 0xc0, 0x3f, 0x16, 0x03];

/** The packets of a capture, their payloads copied (mutations must not touch the file's buffer). */
export async function packetsOf(path: string): Promise<Packet[]> {
  const packets: Packet[] = [];
  await readCapture(path, (p) => packets.push({ ...p, payload: p.payload.slice() }));
  return packets;
}

/** One mutated copy of `packets` (the input is not changed). */
export function mutate(packets: readonly Packet[], rng: Rng, rate = 0.05): Packet[] {
  const out: Packet[] = [];
  for (const p of packets) {
    const roll = rng();
    if (roll < rate / 4) continue; // dropped
    let payload = p.payload;
    if (payload.length > 0 && rng() < rate * 4) {
      payload = payload.slice();
      const flips = 1 + randomInt(rng, 4);
      for (let i = 0; i < flips; i++) {
        const at = randomInt(rng, payload.length);
        payload[at] = rng() < 0.5 ? INTERESTING[randomInt(rng, INTERESTING.length)] : randomInt(rng, 256);
      }
      if (rng() < 0.2) payload = payload.subarray(0, randomInt(rng, payload.length + 1));
    }
    const tcpSeq = rng() < rate / 4 ? (p.tcpSeq + randomInt(rng, 1 << 16) - (1 << 15)) >>> 0 : p.tcpSeq;
    const q: Packet = { ...p, payload, tcpSeq };
    out.push(q);
    if (roll > 1 - rate / 4) out.push(q); // duplicated
    if (out.length >= 2 && rng() < rate / 4) {
      const n = out.length;
      [out[n - 2], out[n - 1]] = [out[n - 1], out[n - 2]]; // reordered
    }
  }
  return out;
}

export interface FuzzSummary {
  cases: number;
  runs: number;
  packets: number;
  /** Malformed input counted, summed over runs (the parsers saw the damage and went on). */
  malformed: number;
  /** Parser throws ("<protocol>: parser error"), by protocol, with the last message. */
  parserErrors: Record<string, number>;
  lastError?: string;
  /** Exceptions that escaped ProtocolLogs, by case. */
  escaped: { case: string; message: string }[];
}

/** `rounds` mutated runs of every corpus case, seeded by `seed`. */
export async function fuzzCorpus(corpus: string, seed: number, rounds: number): Promise<FuzzSummary> {
  const summary: FuzzSummary = { cases: 0, runs: 0, packets: 0, malformed: 0, parserErrors: {}, escaped: [] };
  const rng = seeded(seed);
  for (const c of corpusCases(corpus)) {
    summary.cases++;
    const packets = await packetsOf(join(corpus, c.dir, c.trace));
    for (let r = 0; r < rounds; r++) {
      const input = mutate(packets, rng);
      summary.runs++;
      summary.packets += input.length;
      const logs = new ProtocolLogs({ write() {} });
      try {
        for (const p of input) logs.add(p);
        logs.flush();
      } catch (e) {
        summary.escaped.push({ case: c.dir, message: e instanceof Error ? e.message : String(e) });
      }
      for (const [key, n] of Object.entries(logs.stats.malformed)) {
        if (key.endsWith(": parser error")) {
          summary.parserErrors[key] = (summary.parserErrors[key] ?? 0) + n;
          summary.lastError = `${c.dir}: ${logs.stats.lastError}`;
        } else summary.malformed += n;
      }
    }
  }
  return summary;
}

if (require.main === module) {
  const [corpus, seed = "1", rounds = "8"] = process.argv.slice(2);
  void fuzzCorpus(corpus, Number(seed), Number(rounds)).then((s) => console.log(JSON.stringify(s)));
}
