/**
 * The clock anchor in nanoseconds, exactly: a run's origin as wall-clock
 * epoch ns, and a time on its clock as epoch ns. Epoch ns (about 1.8e18)
 * lie beyond a double's exact integers (9e15), so they are BigInts built
 * from the whole milliseconds and the fraction apart.
 *
 * @module
 */

/**
 * The epoch ns of an epoch time in ms (its fraction rounded to the ns).
 *
 * @param epochMs Wall-clock ms since the Unix epoch (may carry a fraction).
 * @returns Epoch ns.
 *
 * @example
 * ```ts
 * import { epochNs } from "./_anchor.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(epochNs(1767225600000.25), 1767225600000250000n);
 * ```
 */
export function epochNs(epochMs: number): bigint {
  const whole = Math.floor(epochMs);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((epochMs - whole) * 1e6));
}

/**
 * A time on the run's clock (ms from its origin) as epoch ns.
 *
 * @param originNs The origin's epoch ns ({@linkcode epochNs}).
 * @param ms Ms from the origin.
 * @returns Epoch ns.
 *
 * @example
 * ```ts
 * import { atNs } from "./_anchor.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(atNs(1_000_000_000n, 1.5), 1_001_500_000n);
 * ```
 */
export function atNs(originNs: bigint, ms: number): bigint {
  return originNs + BigInt(Math.round(ms * 1e6));
}
