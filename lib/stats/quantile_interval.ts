/**
 * Confidence intervals for a percentile of a level's pooled requests.
 *
 * The interval is a pair of order statistics of the pooled sample. Two
 * intervals are computed and the wider one is kept:
 *
 * - the distribution-free binomial interval (the number of values below the
 *   true p-quantile is Binomial(n, p)), valid when the values are
 *   independent draws;
 * - a cluster (Woodruff) interval: the share of each trial's values at or
 *   below the pooled estimate varies between trials; its between-trial
 *   variance, with a Student-t quantile on (trials − 1) degrees of freedom,
 *   gives the width in probability, which maps back to ranks. It widens the
 *   interval when trials disagree (drift between trials, warm caches).
 *
 * When the pooled sample is too small for the binomial interval to lie
 * inside the sample (for a 95 % p99: 368 requests), there is no interval:
 * the result says how many values there were and how many are needed.
 *
 * @module
 */

import tQuantile from "npm:@stdlib/stats-base-dists-t-quantile@^0.2.3";

/** A sample whose values can be read by rank (ascending order) and counted. */
export interface RankedSample {
  /** Number of values. */
  readonly length: number;
  /**
   * The values at 0-based ranks of the ascending order.
   *
   * @param ranks Ranks in [0, length).
   * @returns One value per rank, in the order given.
   */
  atRanks(ranks: readonly number[]): number[];
  /**
   * Counts values at or below `x`.
   *
   * @param x A threshold.
   * @returns How many values are ≤ x.
   */
  countAtMost(x: number): number;
}

/**
 * Wraps an ascending array as a {@linkcode RankedSample}.
 *
 * @param sorted Values sorted ascending (not checked).
 * @returns The sample.
 *
 * @example
 * ```ts
 * import { sortedSample } from "./quantile_interval.ts";
 * import assert from "node:assert/strict";
 *
 * const s = sortedSample([1, 2, 2, 5]);
 * assert.deepEqual(s.atRanks([0, 3]), [1, 5]);
 * assert.equal(s.countAtMost(2), 3);
 * ```
 */
export function sortedSample(sorted: ArrayLike<number>): RankedSample {
  return {
    length: sorted.length,
    atRanks: (ranks) => ranks.map((r) => sorted[r]),
    countAtMost(x) {
      let lo = 0, hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sorted[mid] <= x) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    },
  };
}

/**
 * The smallest pooled sample for which a two-sided distribution-free
 * interval of the `p` quantile exists at `level`: both `p^n` and `(1 − p)^n`
 * must be at most `(1 − level) / 2`.
 *
 * @param p Quantile in (0, 1).
 * @param level Confidence level in (0, 1).
 * @returns The number of values needed.
 * @throws {RangeError} When `p` or `level` is outside (0, 1).
 *
 * @example
 * ```ts
 * import { valuesNeeded } from "./quantile_interval.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(valuesNeeded(0.99, 0.95), 368);
 * assert.equal(valuesNeeded(0.9, 0.95), 36);
 * assert.equal(valuesNeeded(0.5, 0.95), 6);
 * ```
 */
export function valuesNeeded(p: number, level: number): number {
  check(p, level);
  const tail = (1 - level) / 2;
  return Math.ceil(Math.log(tail) / Math.log(Math.max(p, 1 - p)) - 1e-12);
}

/**
 * The 0-based ranks `[lo, hi]` of the equal-tailed distribution-free
 * interval of the `p` quantile of `n` independent values: the true quantile
 * lies between the values at those ranks with probability ≥ `level`
 * (exact binomial up to 1,000 values, normal approximation beyond).
 *
 * @param n Sample size.
 * @param p Quantile in (0, 1).
 * @param level Confidence level in (0, 1).
 * @returns The ranks, or null when the sample is too small (see {@linkcode valuesNeeded}).
 * @throws {RangeError} When `p` or `level` is outside (0, 1).
 *
 * @example
 * ```ts
 * import { binomialRanks } from "./quantile_interval.ts";
 * import assert from "node:assert/strict";
 *
 * // Median of 20 values: the 6th to 15th smallest (0-based 5..14), 95.9 %.
 * assert.deepEqual(binomialRanks(20, 0.5, 0.95), [5, 14]);
 * assert.equal(binomialRanks(100, 0.99, 0.95), null);
 * ```
 */
export function binomialRanks(n: number, p: number, level: number): [number, number] | null {
  check(p, level);
  if (n < valuesNeeded(p, level)) return null;
  const tail = (1 - level) / 2;
  let lo: number, hi: number;
  if (n <= 1000) {
    // CDF by summing the pmf from 0, kept in logs (the first terms underflow).
    let logPmf = n * Math.log(1 - p);
    let cdf = Math.exp(logPmf);
    lo = -1;
    hi = n;
    for (let k = 0; k < n; k++) {
      if (cdf <= tail) lo = k;
      if (cdf >= 1 - tail) {
        hi = k;
        break;
      }
      logPmf += Math.log((n - k) / (k + 1)) + Math.log(p / (1 - p));
      cdf += Math.exp(logPmf);
    }
    if (lo < 0 || hi > n - 1) return null;
  } else {
    const z = normalQuantile(1 - tail);
    const sd = Math.sqrt(n * p * (1 - p));
    lo = Math.max(0, Math.floor(n * p - z * sd - 1));
    hi = Math.min(n - 1, Math.ceil(n * p + z * sd));
  }
  return [lo, hi];
}

/** A percentile of pooled values with its interval. */
export interface QuantileEstimate {
  /** The quantile of the pooled values (linear interpolation, Hyndman & Fan 7). */
  value: number;
  /** The interval, or null when the data cannot support one. */
  ci: [number, number] | null;
  /**
   * Why there is no interval: the values pooled and the values needed
   * (`trials`: the trials needed, for samples that are not independent).
   */
  noInterval?: { values: number; needed: number; trials?: number };
}

/** Options of {@linkcode pooledQuantile}. */
export interface PooledQuantileOptions {
  /**
   * False when values within a trial are not independent draws (inter-token
   * gaps of one request): only the between-trial (cluster) interval is
   * used, which needs at least two trials. Default true.
   */
  independent?: boolean;
}

/**
 * The `p` quantile of the pooled values of all trials, with a confidence
 * interval that is the wider of the binomial and the cluster interval
 * (see the module documentation).
 *
 * @param pooled All trials' values together.
 * @param trials Each trial's values (their lengths sum to `pooled.length`).
 * @param p Quantile in (0, 1).
 * @param level Confidence level in (0, 1).
 * @param options Whether values are independent.
 * @returns The estimate, or undefined for an empty sample.
 * @throws {RangeError} When `p` or `level` is outside (0, 1).
 *
 * @example
 * ```ts
 * import { pooledQuantile, sortedSample } from "./quantile_interval.ts";
 * import assert from "node:assert/strict";
 *
 * const a = Array.from({ length: 200 }, (_, i) => i);
 * const b = Array.from({ length: 200 }, (_, i) => i + 0.5);
 * const all = [...a, ...b].sort((x, y) => x - y);
 * const r = pooledQuantile(sortedSample(all), [sortedSample(a), sortedSample(b)], 0.5, 0.95)!;
 * assert.ok(Math.abs(r.value - 99.75) < 1e-9);
 * assert.ok(r.ci![0] < 99.75 && r.ci![1] > 99.75);
 * const small = pooledQuantile(sortedSample(a.slice(0, 30)), [sortedSample(a.slice(0, 30))], 0.99, 0.95)!;
 * assert.equal(small.ci, null);
 * assert.deepEqual(small.noInterval, { values: 30, needed: 368 });
 * ```
 */
export function pooledQuantile(
  pooled: RankedSample,
  trials: readonly RankedSample[],
  p: number,
  level: number,
  options: PooledQuantileOptions = {},
): QuantileEstimate | undefined {
  check(p, level);
  const n = pooled.length;
  if (n === 0) return undefined;
  const independent = options.independent ?? true;
  const h = (n - 1) * p;
  const f = Math.floor(h);
  const [a, b] = pooled.atRanks([f, Math.min(f + 1, n - 1)]);
  const value = h === f || a === b ? a : a + (h - f) * (b - a);
  const needed = valuesNeeded(p, level);
  const binomial = binomialRanks(n, p, level);
  if (binomial === null) return { value, ci: null, noInterval: { values: n, needed } };
  const used = trials.filter((t) => t.length > 0);
  if (!independent && used.length < 2) {
    return { value, ci: null, noInterval: { values: n, needed, trials: 2 } };
  }
  let [lo, hi] = independent ? binomial : [n - 1, 0];
  if (used.length >= 2) {
    // Ratio estimator of the share at or below the estimate, and its
    // between-cluster variance.
    const T = used.length;
    const counts = used.map((t) => t.countAtMost(value));
    const share = counts.reduce((s, c) => s + c, 0) / n;
    let ss = 0;
    used.forEach((t, i) => {
      const d = counts[i] - share * t.length;
      ss += d * d;
    });
    let variance = (T / (T - 1)) * ss / (n * n);
    if (!independent) variance = Math.max(variance, p * (1 - p) / n);
    const half = tQuantile(1 - (1 - level) / 2, T - 1) * Math.sqrt(variance);
    lo = Math.min(lo, Math.max(0, Math.floor(n * (p - half)) - 1));
    hi = Math.max(hi, Math.min(n - 1, Math.ceil(n * (p + half))));
  }
  const [x, y] = pooled.atRanks([lo, hi]);
  return { value, ci: [Math.min(x, value), Math.max(y, value)] };
}

function check(p: number, level: number): void {
  if (!(p > 0 && p < 1)) {
    throw new RangeError(`Cannot compute a quantile interval: 'p' must be in (0, 1), got ${p}`);
  }
  if (!(level > 0 && level < 1)) {
    throw new RangeError(
      `Cannot compute a quantile interval: 'level' must be in (0, 1), got ${level}`,
    );
  }
}

// Acklam's rational approximation of the standard normal quantile (|error| < 1.2e-9).
function normalQuantile(q: number): number {
  const a = [
    -39.69683028665376,
    220.9460984245205,
    -275.9285104469687,
    138.357751867269,
    -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406,
    161.5858368580409,
    -155.6989798598866,
    66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293,
    -0.3223964580411365,
    -2.400758277161838,
    -2.549732539343734,
    4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lowTail = 0.02425;
  if (q < lowTail) {
    const r = Math.sqrt(-2 * Math.log(q));
    return (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) /
      ((((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1);
  }
  if (q > 1 - lowTail) return -normalQuantile(1 - q);
  const r = q - 0.5, s = r * r;
  return (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r /
    (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
}
