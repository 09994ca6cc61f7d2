/**
 * The seeded uniform generator of the resampling and permutation routines.
 * It is the same sequence as `lib/util/random.ts`'s `seededRandom`, written
 * again here because stats/ imports nothing else from lib/ (HOUSE_STYLE).
 *
 * @module
 */

/**
 * A seeded uniform generator on [0, 1): SplitMix32-style mixing over a
 * 32-bit counter.
 *
 * @param seed The seed (the same seed gives the same sequence everywhere).
 * @returns The next number, each call.
 */
export function splitMix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  };
}
