/**
 * A small seeded pseudo-random generator (SplitMix32-style mixing over a
 * 32-bit counter) for reproducible choices: the same seed gives the same
 * sequence on every platform. Not for cryptography.
 *
 * @module
 */

/** A seeded source of uniform numbers in [0, 1). */
export interface Random {
  /** Next uniform number in [0, 1). */
  next(): number;
}

/**
 * Creates a seeded generator.
 *
 * @param seed Any integer (only its low 32 bits are used).
 * @returns The generator.
 *
 * @example Same seed, same sequence
 * ```ts
 * import { seededRandom } from "./random.ts";
 * import assert from "node:assert/strict";
 *
 * const a = seededRandom(42), b = seededRandom(42);
 * assert.equal(a.next(), b.next());
 * assert.ok(a.next() < 1);
 * ```
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return {
    next(): number {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      z = (z ^ (z >>> 16)) >>> 0;
      return z / 4294967296;
    },
  };
}

/**
 * A standard normal draw (Box–Muller) from a seeded uniform source.
 *
 * @param rng The uniform source (two draws are used).
 * @returns A draw from N(0, 1).
 *
 * @example
 * ```ts
 * import { normalDraw, seededRandom } from "./random.ts";
 * import assert from "node:assert/strict";
 *
 * const a = seededRandom(7), b = seededRandom(7);
 * assert.equal(normalDraw(a), normalDraw(b));
 * assert.ok(Number.isFinite(normalDraw(a)));
 * ```
 */
export function normalDraw(rng: Random): number {
  const u = 1 - rng.next(); // (0, 1]: log(u) is finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}
