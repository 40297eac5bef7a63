/**
 * Event ids unique across restarts and across processes appending to one log: `<prefix>-<ULID>`,
 * where the ULID (https://github.com/ulid/spec) is 48 bits of milliseconds since the epoch and 80
 * random bits, as 26 characters of Crockford base32. Ids sort by time as text, so a log's ids
 * are in order.
 *
 * The 80 bits are drawn once per generator (from `crypto.randomBytes`) and then incremented by one
 * per id, as the spec's monotonic mode does within a millisecond; here across milliseconds too,
 * which keeps ids ordered when the clock steps back and makes an id cost a counter step and a
 * string join (drawing and encoding 80 fresh bits for each new millisecond cost more than the rest
 * of an alert). Two generators (two runs, two processes) collide only if they run in the same
 * millisecond with random starts less than their id counts apart: about n / 2^80 for n ids.
 */
import { randomBytes } from "node:crypto";
import { OptionError } from "../core/errors";
import { seeded } from "../core/random";

/** Crockford's base32 alphabet (no I, L, O, U). */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** Every 10-bit value as its two base32 digits: the last two characters of an id by lookup. */
const PAIRS = Array.from({ length: 1024 }, (_, v) => ALPHABET[v >> 5] + ALPHABET[v & 31]);
const TWO_30 = 2 ** 30;
const TWO_40 = 2 ** 40;

/** Options of `idGenerator`. */
export interface IdGeneratorOptions {
  /**
   * Seed for the random part: the same seed and clock give the same ids (for tests). Default:
   * none, the random part comes from `crypto.randomBytes` (ids are identifiers, not experiment
   * randomness, and must differ between runs).
   */
  seed?: number;
  /** Milliseconds since the epoch. Default `Date.now`. Tests pass a fixed one. */
  clock?: () => number;
}

/** Makes the next id with the given prefix, e.g. `next("alert")` -> "alert-01JD7X3M9Q8ZK4N2C5V6B7R8T0". */
export type IdGenerator = (prefix: string) => string;

/**
 * A new id generator (see the file comment). Each process, or each monitor, makes one.
 * @throws OptionError for a seed that is not an integer.
 * @example
 * const next = idGenerator();
 * next("alert"); // "alert-01JD7X3M9Q8ZK4N2C5V6B7R8T0"
 * next("alert"); // "alert-01JD7X3M9Q8ZK4N2C5V6B7R8T1" (same millisecond: the random part + 1)
 * idGenerator({ seed: 1, clock: () => 0 })("reject"); // the same text on every run
 */
export function idGenerator(options: IdGeneratorOptions = {}): IdGenerator {
  const { seed, clock = Date.now } = options;
  if (seed !== undefined && !Number.isInteger(seed)) {
    throw new OptionError(`idGenerator: seed must be an integer, got ${seed}.`);
  }
  // The 80 random bits as 40 + 30 + 10, so an id re-encodes only the part that changed.
  let [hi, mid, lo] = seed === undefined ? systemRandom() : seededRandom(seed);
  let hiText = encode(hi, 8);
  let midText = encode(mid, 6);
  lo--; // the first id takes the drawn value
  let lastMs = Number.NEGATIVE_INFINITY;
  let timeText = "";
  return (prefix: string): string => {
    const ms = Math.floor(clock());
    if (ms > lastMs || !(ms >= 0)) {
      if (!(ms >= 0 && ms < 2 ** 48)) {
        throw new OptionError(
          `idGenerator: the clock gave ${ms}; it must return milliseconds since the epoch (Date.now()).`,
        );
      }
      lastMs = ms;
      timeText = encode(ms, 10);
    }
    if (++lo === 1024) {
      lo = 0;
      if (++mid === TWO_30) {
        mid = 0;
        hi = (hi + 1) % TWO_40; // after 2^70 ids: wraps, never reached
        hiText = encode(hi, 8);
      }
      midText = encode(mid, 6);
    }
    return `${prefix}-${timeText}${hiText}${midText}${PAIRS[lo]}`;
  };
}

/** `value` (an integer below 32^chars, at most 2^53) as `chars` base32 digits, most significant first. */
function encode(value: number, chars: number): string {
  let out = "";
  for (let i = 0; i < chars; i++) {
    const digit = value % 32;
    out = ALPHABET[digit] + out;
    value = (value - digit) / 32;
  }
  return out;
}

/** 80 random bits from the system, as 40, 30 and 10 bits. */
function systemRandom(): [number, number, number] {
  const b = randomBytes(10);
  return [b.readUIntBE(0, 5), b.readUIntBE(5, 4) >>> 2, ((b[8] & 3) << 8) | b[9]];
}

/** 80 bits from the seeded generator, as 40, 30 and 10 bits. */
function seededRandom(seed: number): [number, number, number] {
  const rng = seeded(seed);
  const bits = (n: number): number => Math.floor(rng() * 2 ** n);
  return [bits(20) * 2 ** 20 + bits(20), bits(30), bits(10)];
}
