/**
 * Event ids unique across restarts and across processes appending to one log: `<prefix>-<ULID>`,
 * where the ULID (https://github.com/ulid/spec) is 48 bits of milliseconds since the epoch and 80
 * random bits, as 26 characters of Crockford base32. Ids sort by time as text, so a log's ids
 * are in order, and two processes (or two runs of one) never draw the same one in practice: a
 * collision needs the same millisecond and the same 80 random bits.
 *
 * Within one generator ids are monotonic: in the same millisecond (or if the clock steps back)
 * the random part is incremented instead of drawn again, as the spec's monotonic mode does, so
 * even a million ids per second stay ordered and distinct.
 */
import { randomBytes } from "node:crypto";
import { OptionError } from "../core/errors";
import { seeded } from "../core/random";

/** Crockford's base32 alphabet (no I, L, O, U). */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TWO_40 = 2 ** 40;
/** Bytes of randomness drawn from the system at a time (10 per new millisecond). */
const POOL_BYTES = 4000;

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
  const draw40 = seed === undefined ? systemRandom40() : seededRandom40(seed);
  let lastMs = Number.NEGATIVE_INFINITY;
  let timeText = "";
  let hi = 0;
  let lo = 0;
  let hiText = "";
  const fresh = (ms: number): void => {
    if (!(ms >= 0 && ms < 2 ** 48)) {
      throw new OptionError(
        `idGenerator: the clock gave ${ms}; it must return milliseconds since the epoch (Date.now()).`,
      );
    }
    lastMs = ms;
    timeText = encode(ms, 10);
    hi = draw40();
    lo = draw40();
    hiText = encode(hi, 8);
  };
  return (prefix: string): string => {
    const ms = Math.floor(clock());
    if (ms > lastMs) fresh(ms);
    else if (++lo === TWO_40) {
      lo = 0;
      if (++hi === TWO_40)
        fresh(lastMs + 1); // 2^80 ids in one millisecond: borrow the next
      else hiText = encode(hi, 8);
    }
    return `${prefix}-${timeText}${hiText}${encode(lo, 8)}`;
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

/** 40 random bits at a time from a pool of `crypto.randomBytes`. */
function systemRandom40(): () => number {
  let pool = randomBytes(POOL_BYTES);
  let pos = 0;
  return () => {
    if (pos + 5 > pool.length) {
      pool = randomBytes(POOL_BYTES);
      pos = 0;
    }
    const v = pool.readUIntBE(pos, 5);
    pos += 5;
    return v;
  };
}

/** 40 bits at a time from the seeded generator: 20 bits from each of two draws. */
function seededRandom40(seed: number): () => number {
  const rng = seeded(seed);
  return () => Math.floor(rng() * 2 ** 20) * 2 ** 20 + Math.floor(rng() * 2 ** 20);
}
