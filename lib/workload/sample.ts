/**
 * Picks `n` items of a source with a seed, as `vllm bench serve` does: a
 * seeded shuffle taken without replacement, and when the source holds fewer
 * than `n`, every item once (shuffled) followed by extra items drawn with
 * replacement (oversampling).
 *
 * @module
 */

import type { Random } from "../util/random.ts";

/** What {@linkcode sampleItems} picked. */
export interface SampleResult<T> {
  /** The picked items, in the order they will be sent. */
  items: T[];
  /** How many were drawn a second time or more because the source was too small (0: none). */
  oversampled: number;
}

/**
 * Samples `n` items with a seeded generator.
 *
 * @param source The items to pick from (not modified).
 * @param n How many to pick.
 * @param rng The seeded generator.
 * @returns The picked items and how many were oversampled.
 * @throws {RangeError} When `source` is empty and `n` > 0.
 *
 * @example
 * ```ts
 * import { sampleItems } from "./sample.ts";
 * import { seededRandom } from "../util/random.ts";
 * import assert from "node:assert/strict";
 *
 * const r = sampleItems(["a", "b", "c", "d"], 2, seededRandom(7));
 * assert.equal(r.items.length, 2);
 * assert.notEqual(r.items[0], r.items[1]); // without replacement
 * assert.deepEqual(r, sampleItems(["a", "b", "c", "d"], 2, seededRandom(7)));
 * assert.equal(sampleItems(["a", "b"], 5, seededRandom(0)).oversampled, 3);
 * ```
 */
export function sampleItems<T>(source: readonly T[], n: number, rng: Random): SampleResult<T> {
  if (n <= 0) return { items: [], oversampled: 0 };
  if (source.length === 0) {
    throw new RangeError(`Cannot sample ${n} items: the source has none`);
  }
  const idx = source.map((_, i) => i);
  const take = Math.min(n, idx.length);
  // Partial Fisher–Yates: the first `take` slots are a uniform sample.
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rng.next() * (idx.length - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const items = idx.slice(0, take).map((i) => source[i]);
  for (let k = take; k < n; k++) items.push(source[Math.floor(rng.next() * source.length)]);
  return { items, oversampled: n - take };
}
