/**
 * Seeded mutations of a capture file, for the fuzz test: bit flips, 32-bit field overwrites,
 * timestamp jumps (classic pcap records), truncations and spliced chunks. The same seed gives the
 * same mutant.
 */
import { randomInt, type Rng, seeded } from "../../lib/core/random";

/** Values a 32-bit field overwrite writes: boundaries, lengths that lie, and random words. */
const INTERESTING = [0, 1, 0x7f, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** Seconds a timestamp jump adds: ten years back and ahead, a year, an hour, the 2038 edge. */
const JUMPS = [-315_360_000, -3600, 3600, 31_536_000, 315_360_000, 2 ** 31];

export type Mutation = "bitflip" | "overwrite32" | "tsjump" | "truncate" | "splice";
export const MUTATIONS: readonly Mutation[] = ["bitflip", "overwrite32", "tsjump", "truncate", "splice"];

/** Offsets of the classic pcap records (their 16-byte headers) of `bytes`; [] for pcapng. */
function pcapRecords(bytes: Buffer): number[] {
  if (bytes.length < 24 || bytes.readUInt32LE(0) !== 0xa1b2c3d4) return [];
  const offsets: number[] = [];
  for (let at = 24; at + 16 <= bytes.length; at += 16 + bytes.readUInt32LE(at + 8)) offsets.push(at);
  return offsets;
}

function apply(bytes: Buffer, kind: Mutation, rng: Rng): Buffer {
  switch (kind) {
    case "bitflip": {
      const flips = 1 + randomInt(rng, 16);
      for (let i = 0; i < flips; i++) bytes[randomInt(rng, bytes.length)] ^= 1 << randomInt(rng, 8);
      return bytes;
    }
    case "overwrite32": {
      const writes = 1 + randomInt(rng, 4);
      for (let i = 0; i < writes; i++) {
        const at = randomInt(rng, Math.max(1, bytes.length - 4)) & ~3;
        const value =
          rng() < 0.7 ? INTERESTING[randomInt(rng, INTERESTING.length)] : Math.floor(rng() * 2 ** 32);
        if (at + 4 <= bytes.length) bytes.writeUInt32LE(value >>> 0, at);
      }
      return bytes;
    }
    case "tsjump": {
      const records = pcapRecords(bytes);
      if (records.length === 0) return apply(bytes, "overwrite32", rng);
      const from = randomInt(rng, records.length);
      const jump = JUMPS[randomInt(rng, JUMPS.length)];
      const all = rng() < 0.5; // shift one record, or every record from it on
      for (const at of all ? records.slice(from) : [records[from]]) {
        bytes.writeUInt32LE((bytes.readUInt32LE(at) + jump) >>> 0, at);
      }
      return bytes;
    }
    case "truncate":
      return bytes.subarray(0, randomInt(rng, bytes.length));
    case "splice": {
      const length = 1 + randomInt(rng, Math.min(4096, bytes.length));
      const from = randomInt(rng, bytes.length - length + 1);
      const to = randomInt(rng, bytes.length - length + 1);
      bytes.copy(bytes, to, from, from + length);
      return bytes;
    }
  }
}

/** Mutant `seed` of `original`: one to three mutations, chosen by the seed. */
export function mutate(original: Buffer, seed: number): { bytes: Buffer; mutations: Mutation[] } {
  const rng = seeded(seed);
  let bytes = Buffer.from(original);
  const mutations: Mutation[] = [];
  const n = 1 + randomInt(rng, 3);
  for (let i = 0; i < n; i++) {
    const kind = MUTATIONS[randomInt(rng, MUTATIONS.length)];
    mutations.push(kind);
    bytes = apply(bytes, kind, rng);
  }
  return { bytes, mutations };
}
