/**
 * Seeded pseudo-random numbers. `lib/` never calls `Math.random`: every random step takes an
 * `Rng` built from a seed written down by the caller, so the same seed gives the same numbers.
 */
import { OptionError } from "./errors";

/** A source of uniform numbers in [0, 1), the shape simple-statistics and River accept. */
export type Rng = () => number;

/**
 * A seeded generator: sfc32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG, PractRand-clean),
 * its 128-bit state filled by splitmix32 from the seed.
 *
 * @param seed any integer; the same seed always yields the same sequence.
 * @example
 * const rng = seeded(42); rng(); // 0.7213... (same value on every run)
 */
export function seeded(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new OptionError(`seeded: seed must be a finite number, got ${seed}.`);
  let s = Math.trunc(seed) >>> 0;
  const splitmix32 = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix32();
  let b = splitmix32();
  let c = splitmix32();
  let d = splitmix32();
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** A uniform integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/**
 * Fisher-Yates shuffle in place; returns the same array.
 * @example shuffleInPlace(Int32Array.from([0, 1, 2, 3]), seeded(1)) // a fixed permutation for seed 1
 */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(values: T, rng: Rng): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const tmp = values[i];
    values[i] = values[j];
    values[j] = tmp;
  }
  return values;
}

/**
 * `k` distinct indices drawn without replacement from [0, n), in increasing order
 * (Floyd's algorithm would also do; a partial shuffle is simpler and O(n) memory).
 * @throws OptionError when k > n.
 */
export function sampleIndices(n: number, k: number, rng: Rng): Int32Array {
  if (k > n || k < 0)
    throw new OptionError(`sampleIndices: cannot draw ${k} of ${n} rows; k must be in [0, ${n}].`);
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + randomInt(rng, n - i);
    const tmp = all[i];
    all[i] = all[j];
    all[j] = tmp;
  }
  return all.slice(0, k).sort();
}
