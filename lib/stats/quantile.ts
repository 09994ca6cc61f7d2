/**
 * Quantiles of a sample by linear interpolation between order statistics.
 *
 * This is Hyndman & Fan's definition 7, the default of NumPy's `percentile`
 * (which `vllm bench serve` uses) and of R's `quantile`, so percentiles from
 * splleed and from those tools agree on the same sample.
 *
 * @module
 */

/**
 * Returns the `p` quantile of values that are already sorted in ascending order.
 *
 * @param sorted Values sorted ascending (not checked, for speed).
 * @param p Quantile in [0, 1] (0.99 for p99).
 * @returns The interpolated quantile, or `NaN` for an empty sample.
 * @throws {RangeError} When `p` is outside [0, 1].
 *
 * @example Median of four values
 * ```ts
 * import { quantileSorted } from "./quantile.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
 * assert.ok(Math.abs(quantileSorted([1, 2, 3, 4], 0.99) - 3.97) < 1e-12);
 * ```
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 1)) {
    throw new RangeError(`Cannot compute quantile: 'p' must be in [0, 1], got ${p}`);
  }
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Copies values into a new ascending `Float64Array` (numeric order, unlike
 * `Array.prototype.sort`'s default string order).
 *
 * @param values Any numbers.
 * @returns A sorted copy.
 *
 * @example
 * ```ts
 * import { sortedCopy } from "./quantile.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(Array.from(sortedCopy([10, 9, 100])), [9, 10, 100]);
 * ```
 */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values);
  out.sort();
  return out;
}

/**
 * Returns the nearest-rank `p` quantile of values already sorted ascending:
 * the smallest value with at least a share `p` of the sample at or below it,
 * `sorted[ceil(p·n) − 1]` (`sorted[0]` for `p = 0`). Hyndman & Fan's
 * definition 1. Always one of the values, so integer lengths stay integers:
 * the workload fingerprint's token-length percentiles use it.
 *
 * @param sorted Values sorted ascending (not checked, for speed).
 * @param p Quantile in [0, 1] (0.99 for p99).
 * @returns The value at the nearest rank, or `NaN` for an empty sample.
 * @throws {RangeError} When `p` is outside [0, 1].
 *
 * @example
 * ```ts
 * import { nearestRankSorted } from "./quantile.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(nearestRankSorted([1, 2, 3, 4], 0.5), 2);
 * assert.equal(nearestRankSorted([1, 2, 3, 4], 0.51), 3);
 * assert.equal(nearestRankSorted([1, 2, 3, 4], 0.99), 4);
 * ```
 */
export function nearestRankSorted(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 1)) {
    throw new RangeError(`Cannot compute quantile: 'p' must be in [0, 1], got ${p}`);
  }
  const n = sorted.length;
  if (n === 0) return NaN;
  return sorted[Math.max(0, Math.ceil(p * n) - 1)];
}
