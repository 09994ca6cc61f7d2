/**
 * Descriptive statistics of one sample: the `mean`, `std`, `min`, `max`,
 * `p50`, `p90`, `p95` and `p99` that every latency metric reports.
 *
 * @module
 */

import { quantileSorted, sortedCopy } from "./quantile.ts";

/** The statistic suffixes every distribution metric has, in report order. */
export const DISTRIBUTION_STATS = [
  "mean",
  "std",
  "min",
  "max",
  "p50",
  "p90",
  "p95",
  "p99",
] as const;

/** One of {@linkcode DISTRIBUTION_STATS}. */
export type DistributionStat = typeof DISTRIBUTION_STATS[number];

/** A sample summarised by {@linkcode describe}. */
export type Distribution = Record<DistributionStat, number> & {
  /** Number of values in the sample. */
  count: number;
};

/**
 * Summarises a sample.
 *
 * `std` is the population standard deviation (divides by n), as NumPy's
 * `np.std` does in `vllm bench serve`, so it is defined for a single value.
 * Quantiles use linear interpolation (see {@linkcode quantileSorted}).
 *
 * @param values The sample; NaN values are not allowed (not checked).
 * @returns The summary, or `undefined` for an empty sample.
 *
 * @example
 * ```ts
 * import { describe } from "./describe.ts";
 * import assert from "node:assert/strict";
 *
 * const d = describe([4, 1, 3, 2])!;
 * assert.equal(d.mean, 2.5);
 * assert.equal(d.p50, 2.5);
 * assert.equal(d.min, 1);
 * assert.equal(d.max, 4);
 * assert.equal(d.std, Math.sqrt(1.25));
 * assert.equal(describe([]), undefined);
 * ```
 */
export function describe(values: ArrayLike<number>): Distribution | undefined {
  if (values.length === 0) return undefined;
  return describeSorted(sortedCopy(values));
}

/**
 * {@linkcode describe} for values already sorted ascending (no copy: for
 * large samples whose owner sorts them in place).
 *
 * @param sorted Values sorted ascending (not checked).
 * @returns The summary, or `undefined` for an empty sample.
 *
 * @example
 * ```ts
 * import { describeSorted } from "./describe.ts";
 * import assert from "node:assert/strict";
 *
 * const v = new Float32Array([3, 1, 2]).sort();
 * assert.equal(describeSorted(v)!.p50, 2);
 * ```
 */
export function describeSorted(sorted: ArrayLike<number>): Distribution | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  // Two-pass mean and variance: exact enough for latency samples and free of
  // the cancellation a one-pass sum of squares suffers.
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = sorted[i] - mean;
    ss += d * d;
  }
  return {
    count: n,
    mean,
    std: Math.sqrt(ss / n),
    min: sorted[0],
    max: sorted[n - 1],
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
  };
}
