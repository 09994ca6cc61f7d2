/**
 * Confidence intervals for the mean of a handful of independent trials.
 *
 * @module
 */

import tQuantile from "npm:@stdlib/stats-base-dists-t-quantile@^0.2.3";

/** A mean over trials with its confidence interval. */
export interface MeanInterval {
  /** Arithmetic mean of the values. */
  mean: number;
  /** Two-sided interval at the requested level; `null` with fewer than two values. */
  ci: [number, number] | null;
  /** Half the interval's width; `null` with fewer than two values. */
  halfWidth: number | null;
  /** Number of values. */
  n: number;
}

/**
 * Student-t confidence interval for the mean of independent values
 * (for example one value of a metric per trial).
 *
 * The interval is `mean ± t(1 − α/2, n − 1) · s / √n` with `s` the sample
 * standard deviation (divides by n − 1). With one value there is no interval.
 *
 * @param values Independent observations.
 * @param level Confidence level in (0, 1), such as 0.95.
 * @returns The mean and its interval.
 * @throws {RangeError} When `values` is empty or `level` is not in (0, 1).
 *
 * @example Three trials at 95 %
 * ```ts
 * import { meanConfidenceInterval } from "./confidence.ts";
 * import assert from "node:assert/strict";
 *
 * const r = meanConfidenceInterval([10, 12, 14], 0.95);
 * assert.equal(r.mean, 12);
 * // s = 2, t(0.975, 2) = 4.3027, half-width = 4.3027 * 2 / sqrt(3)
 * assert.ok(Math.abs(r.halfWidth! - 4.968) < 1e-3);
 * assert.equal(meanConfidenceInterval([5], 0.95).ci, null);
 * ```
 */
export function meanConfidenceInterval(values: readonly number[], level: number): MeanInterval {
  const n = values.length;
  if (n === 0) {
    throw new RangeError("Cannot compute a confidence interval: 'values' is empty");
  }
  if (!(level > 0 && level < 1)) {
    throw new RangeError(
      `Cannot compute a confidence interval: 'level' must be in (0, 1), got ${level}`,
    );
  }
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  if (n < 2) return { mean, ci: null, halfWidth: null, n };
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  const s = Math.sqrt(ss / (n - 1));
  const t = tQuantile(1 - (1 - level) / 2, n - 1);
  const halfWidth = t * s / Math.sqrt(n);
  return { mean, ci: [mean - halfWidth, mean + halfWidth], halfWidth, n };
}
