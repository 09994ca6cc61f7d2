/**
 * Two-sample tests and ratio intervals for comparing benchmark runs: each
 * value is one trial's figure for a metric (the trials are the independent
 * replicates), each sample one run.
 *
 * - {@linkcode welchTTest}: Welch's unequal-variance t-test.
 * - {@linkcode mannWhitneyU}: the Mann–Whitney U (Wilcoxon rank-sum) test,
 *   exact for small samples (ties included), normal approximation with tie
 *   and continuity correction for larger ones.
 * - {@linkcode holm}, {@linkcode benjaminiHochberg}: adjusted p-values for
 *   several metrics tested at once.
 * - {@linkcode welchLogRatio}, {@linkcode hodgesLehmannRatio}: the ratio of
 *   the second sample to the first (candidate / baseline) with a confidence
 *   interval, from a Welch test on the logs or the Hodges–Lehmann estimator.
 *
 * The `alternative` option follows R's `t.test(x, y)` and SciPy: it speaks of
 * the first sample. `"less"`: x's mean (location) is below y's; `"greater"`:
 * above. A one-sided p is half the two-sided p when the data lean the way
 * the alternative says.
 *
 * @module
 */

import tCdf from "npm:@stdlib/stats-base-dists-t-cdf@^0.2.3";
import tQuantile from "npm:@stdlib/stats-base-dists-t-quantile@^0.2.3";
import normalCdf from "npm:@stdlib/stats-base-dists-normal-cdf@^0.3.1";
import normalQuantile from "npm:@stdlib/stats-base-dists-normal-quantile@^0.3.1";

/** Which difference a test looks for; `"less"`: x's mean/location below y's. */
export type Alternative = "two-sided" | "less" | "greater";

/** Result of {@linkcode welchTTest}. */
export interface WelchResult {
  /** The t statistic, (mean(x) − mean(y)) / se. */
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  /** The p-value for the alternative asked for. */
  p: number;
  /** mean(x) − mean(y). */
  meanDiff: number;
  /** Standard error of the difference, √(s²x/nx + s²y/ny). */
  se: number;
}

/** Result of {@linkcode mannWhitneyU}. */
export interface MannWhitneyResult {
  /** U of the first sample: pairs (xi, yj) with xi > yj, ties counting one half. */
  u: number;
  /** The p-value for the alternative asked for. */
  p: number;
  /** Whether p comes from the exact distribution or the normal approximation. */
  method: "exact" | "asymptotic";
}

/** Ratio y/x of two samples' locations with its confidence interval. */
export interface RatioInterval {
  /** The estimated ratio y/x (for example candidate / baseline). */
  ratio: number;
  /**
   * Its interval at the confidence asked for. Two-sided by default; with a
   * one-sided alternative the interval is one-sided, as in R (`[low,
   * Infinity]` for `"less"`, `[0, high]` for `"greater"`). `[0, Infinity]`
   * when the samples are too small for any interval at that confidence.
   */
  ci: [number, number];
  /** The p-value of the matching test for the alternative asked for. */
  p: number;
  /** Degrees of freedom of the t distribution used; `NaN` for rank methods. */
  df: number;
}

/** Samples up to this size (each) get exact Mann–Whitney distributions under `"auto"`. */
const EXACT_MAX_N = 50;

/**
 * Welch's unequal-variance t-test of two independent samples.
 *
 * The statistic is `t = (mean(x) − mean(y)) / √(s²x/nx + s²y/ny)` with
 * Welch–Satterthwaite degrees of freedom; p comes from the Student-t
 * distribution (`@stdlib/stats-base-dists-t-cdf`). The same numbers as R's
 * `t.test(x, y)` and SciPy's `ttest_ind(x, y, equal_var=False)`. When both
 * samples are constant, `df` is `nx + ny − 2` and t is 0 (p = 1) for equal
 * values or ±Infinity (p = 0 in its direction) for different ones.
 *
 * @param x First sample (at least 2 finite values).
 * @param y Second sample (at least 2 finite values).
 * @param options `alternative` (default `"two-sided"`): `"less"` tests mean(x) < mean(y).
 * @returns t, df, p, the difference of means and its standard error.
 * @throws {RangeError} When a sample has fewer than 2 values or a value is not finite,
 *   or `alternative` is unknown.
 *
 * @example
 * ```ts
 * import { welchTTest } from "./tests.ts";
 * import assert from "node:assert/strict";
 *
 * const r = welchTTest([2, 1, 3, 4], [6, 5, 7, 9]);
 * assert.ok(Math.abs(r.t - -3.9703446152) < 1e-9);
 * assert.ok(Math.abs(r.df - 5.5846153846) < 1e-9);
 * assert.ok(Math.abs(r.p - 0.0085128631) < 1e-9);
 * // One-sided, in the direction of the data: half the two-sided p.
 * assert.ok(Math.abs(welchTTest([2, 1, 3, 4], [6, 5, 7, 9], { alternative: "less" }).p - r.p / 2) < 1e-12);
 * ```
 */
export function welchTTest(
  x: readonly number[],
  y: readonly number[],
  options: { alternative?: Alternative } = {},
): WelchResult {
  const what = "Cannot run Welch's t-test";
  checkSamples(what, x, y, 2);
  const alternative = checkAlternative(what, options.alternative);
  const nx = x.length, ny = y.length;
  const mx = mean(x), my = mean(y);
  const vx = variance(x, mx) / nx, vy = variance(y, my) / ny;
  const meanDiff = mx - my;
  const se = Math.sqrt(vx + vy);
  let t: number, df: number;
  if (se === 0) {
    df = nx + ny - 2;
    t = meanDiff === 0 ? 0 : meanDiff > 0 ? Infinity : -Infinity;
  } else {
    t = meanDiff / se;
    df = (vx + vy) ** 2 / (vx * vx / (nx - 1) + vy * vy / (ny - 1));
  }
  const p = alternative === "two-sided"
    ? Math.min(1, 2 * tCdf(-Math.abs(t), df))
    : alternative === "less"
    ? tCdf(t, df)
    : tCdf(-t, df);
  return { t, df, p, meanDiff, se };
}

/**
 * The Mann–Whitney U test (Wilcoxon rank-sum test) of two independent samples.
 *
 * `u` is the U of `x`: the number of pairs (xi, yj) with xi > yj, ties
 * counting one half (the rank sum of x minus nx(nx+1)/2, with midranks).
 *
 * - `"exact"`: p from the exact permutation distribution of the rank sum,
 *   computed by dynamic programming over the (mid)ranks, so it stays exact
 *   with ties (then it is the distribution conditional on the tie pattern,
 *   as `coin::wilcox_test(distribution = "exact")`; without ties it is R's
 *   `wilcox.test(exact = TRUE)`). A two-sided p is twice the smaller tail,
 *   at most 1.
 * - `"asymptotic"`: the normal approximation with the tie correction of the
 *   variance and (by default) a continuity correction of ½, as R's
 *   `wilcox.test(exact = FALSE)` and SciPy's `mannwhitneyu(method = "asymptotic")`.
 * - `"auto"` (default): exact when both samples have at most 50 values,
 *   else asymptotic.
 *
 * @param x First sample (at least 1 finite value).
 * @param y Second sample (at least 1 finite value).
 * @param options `method` (default `"auto"`), `alternative` (default
 *   `"two-sided"`; `"less"`: x tends to be below y), `continuity` (default
 *   true; asymptotic only).
 * @returns U of x, p, and the method used.
 * @throws {RangeError} When a sample is empty, a value is not finite, an option
 *   is unknown, or an exact distribution is asked for samples too large for it.
 *
 * @example
 * ```ts
 * import { mannWhitneyU } from "./tests.ts";
 * import assert from "node:assert/strict";
 *
 * const x = [19, 22, 16, 29, 24], y = [20, 11, 17, 12];
 * const exact = mannWhitneyU(x, y);
 * assert.equal(exact.u, 17);
 * assert.equal(exact.method, "exact");
 * assert.ok(Math.abs(exact.p - 1 / 9) < 1e-12);
 * const approx = mannWhitneyU(x, y, { method: "asymptotic" });
 * assert.ok(Math.abs(approx.p - 0.1113468865) < 1e-9);
 * ```
 */
export function mannWhitneyU(
  x: readonly number[],
  y: readonly number[],
  options: {
    method?: "exact" | "asymptotic" | "auto";
    alternative?: Alternative;
    continuity?: boolean;
  } = {},
): MannWhitneyResult {
  const what = "Cannot run the Mann–Whitney U test";
  checkSamples(what, x, y, 1);
  const alternative = checkAlternative(what, options.alternative);
  const requested = options.method ?? "auto";
  if (!["exact", "asymptotic", "auto"].includes(requested)) {
    throw new RangeError(
      `${what}: 'method' must be "exact", "asymptotic" or "auto", got ${JSON.stringify(requested)}`,
    );
  }
  const nx = x.length, ny = y.length, n = nx + ny;
  const { doubled, tieTerm } = midranks([...x, ...y]);
  let w2 = 0; // sum of doubled midranks of x
  for (let i = 0; i < nx; i++) w2 += doubled[i];
  const u = w2 / 2 - nx * (nx + 1) / 2;
  const method = requested === "auto"
    ? (nx <= EXACT_MAX_N && ny <= EXACT_MAX_N ? "exact" : "asymptotic")
    : requested;
  if (method === "exact") {
    const { lower, upper } = exactRankSumTails(what, doubled, nx, w2);
    const p = alternative === "two-sided"
      ? Math.min(1, 2 * Math.min(lower, upper))
      : alternative === "less"
      ? lower
      : upper;
    return { u, p: Math.min(1, p), method };
  }
  const mu = nx * ny / 2;
  const sigma = Math.sqrt(nx * ny / 12 * (n + 1 - tieTerm / (n * (n - 1))));
  if (!(sigma > 0)) return { u, p: 1, method }; // every value tied: no evidence either way
  const d = u - mu;
  const c = options.continuity === false
    ? 0
    : alternative === "two-sided"
    ? Math.sign(d) * 0.5
    : alternative === "greater"
    ? 0.5
    : -0.5;
  const z = (d - c) / sigma;
  const p = alternative === "two-sided"
    ? Math.min(1, 2 * normalCdf(-Math.abs(z), 0, 1))
    : alternative === "less"
    ? normalCdf(z, 0, 1)
    : normalCdf(-z, 0, 1);
  return { u, p, method };
}

/**
 * Holm's step-down adjustment of p-values (controls the family-wise error
 * rate; uniformly more powerful than Bonferroni). As R's
 * `p.adjust(p, "holm")`.
 *
 * @param p p-values in [0, 1].
 * @returns The adjusted p-values, in the input order.
 * @throws {RangeError} When a value is not in [0, 1].
 *
 * @example
 * ```ts
 * import { holm } from "./tests.ts";
 * import assert from "node:assert/strict";
 *
 * const adj = holm([0.008, 0.03, 0.123, 0.6, 0.2]);
 * const want = [0.04, 0.12, 0.369, 0.6, 0.4];
 * adj.forEach((a, i) => assert.ok(Math.abs(a - want[i]) < 1e-12));
 * ```
 */
export function holm(p: readonly number[]): number[] {
  checkPValues("Cannot adjust p-values (Holm)", p);
  const m = p.length;
  const order = p.map((_, i) => i).sort((a, b) => p[a] - p[b]);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach((idx, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p[idx]));
    out[idx] = running;
  });
  return out;
}

/**
 * The Benjamini–Hochberg step-up adjustment of p-values (controls the
 * false discovery rate). As R's `p.adjust(p, "BH")`.
 *
 * @param p p-values in [0, 1].
 * @returns The adjusted p-values, in the input order.
 * @throws {RangeError} When a value is not in [0, 1].
 *
 * @example
 * ```ts
 * import { benjaminiHochberg } from "./tests.ts";
 * import assert from "node:assert/strict";
 *
 * const adj = benjaminiHochberg([0.008, 0.03, 0.123, 0.6, 0.2]);
 * const want = [0.04, 0.075, 0.205, 0.6, 0.25];
 * adj.forEach((a, i) => assert.ok(Math.abs(a - want[i]) < 1e-12));
 * ```
 */
export function benjaminiHochberg(p: readonly number[]): number[] {
  checkPValues("Cannot adjust p-values (Benjamini–Hochberg)", p);
  const m = p.length;
  const order = p.map((_, i) => i).sort((a, b) => p[b] - p[a]); // largest first
  const out = new Array<number>(m);
  let running = 1;
  order.forEach((idx, k) => {
    const rank = m - k; // 1-based rank in ascending order
    running = Math.min(running, Math.min(1, m / rank * p[idx]));
    out[idx] = running;
  });
  return out;
}

/**
 * The ratio y/x of geometric means, with a Welch-t interval on the logs:
 * the log ratio is `mean(log y) − mean(log x)`, its interval
 * `± t(df) · se` from {@linkcode welchTTest} on the logs, exponentiated.
 * Suited to positive metrics whose spread grows with their size
 * (latencies, throughputs): a change of −20 % and one of +25 % are equally
 * far from 1 on this scale. `p` is Welch's on the logs (see
 * {@linkcode RatioInterval} for one-sided intervals).
 *
 * @param x First sample, such as the baseline's trial values (≥ 2 values, all > 0).
 * @param y Second sample, such as the candidate's (≥ 2 values, all > 0).
 * @param confidence Confidence level in (0, 1), such as 0.95.
 * @param options `alternative` (default `"two-sided"`); `"less"`: x below y, a ratio above 1.
 * @returns The ratio y/x, its interval, the p-value and the degrees of freedom.
 * @throws {RangeError} When a sample has fewer than 2 values, a value is not
 *   finite and positive, or `confidence` is outside (0, 1).
 *
 * @example Candidate 20 % slower than the baseline
 * ```ts
 * import { welchLogRatio } from "./tests.ts";
 * import assert from "node:assert/strict";
 *
 * const base = [100, 104, 98, 101, 97];
 * const cand = base.map((v, i) => v * 1.2 * (1 + (i % 2 ? 0.01 : -0.01)));
 * const r = welchLogRatio(base, cand, 0.95);
 * assert.ok(Math.abs(r.ratio - 1.2) < 0.01);
 * assert.ok(r.ci[0] > 1.1 && r.ci[1] < 1.3 && r.p < 0.001);
 * ```
 */
export function welchLogRatio(
  x: readonly number[],
  y: readonly number[],
  confidence: number,
  options: { alternative?: Alternative } = {},
): RatioInterval {
  const what = "Cannot compute a ratio interval (Welch on logs)";
  checkSamples(what, x, y, 2);
  checkPositive(what, x, y);
  checkConfidence(what, confidence);
  const alternative = checkAlternative(what, options.alternative);
  const r = welchTTest(x.map(Math.log), y.map(Math.log), { alternative });
  const logRatio = -r.meanDiff;
  let ci: [number, number];
  if (alternative === "two-sided") {
    const h = tQuantile(1 - (1 - confidence) / 2, r.df) * r.se;
    ci = [Math.exp(logRatio - h), Math.exp(logRatio + h)];
  } else {
    const h = tQuantile(confidence, r.df) * r.se;
    // "less": x below y, so the ratio y/x is bounded from below.
    ci = alternative === "less" ? [Math.exp(logRatio - h), Infinity] : [0, Math.exp(logRatio + h)];
  }
  return { ratio: Math.exp(logRatio), ci, p: r.p, df: r.df };
}

/**
 * The Hodges–Lehmann ratio y/x: the median of all pairwise log differences
 * `log yj − log xi`, exponentiated, with its distribution-free interval
 * (Bauer 1972; R's `wilcox.test(log(y), log(x), conf.int = TRUE)`).
 *
 * The interval is `[D(k), D(mn + 1 − k)]` of the sorted pairwise
 * differences, with k the largest rank at which the null distribution of
 * U gives `P(U ≤ k − 1) ≤ α/2` (α = 1 − confidence; α for a one-sided
 * interval). When both samples have at most 50 values that distribution is
 * exact (the distribution without ties), so the coverage is at least the
 * confidence asked for (for continuous data); beyond, k comes from the
 * normal approximation with continuity correction. When even the widest
 * interval falls short (for 95 %: 3 trials per side or fewer two-sided),
 * `ci` is `[0, Infinity]`. `p` is {@linkcode mannWhitneyU}'s (method `"auto"`)
 * for the same alternative; `df` is `NaN`.
 *
 * @param x First sample, such as the baseline's trial values (≥ 1 value, all > 0).
 * @param y Second sample, such as the candidate's (≥ 1 value, all > 0).
 * @param confidence Confidence level in (0, 1), such as 0.95.
 * @param options `alternative` (default `"two-sided"`); `"less"`: x below y, a ratio above 1.
 * @returns The ratio y/x, its interval, the p-value; `df` is `NaN`.
 * @throws {RangeError} When a sample is empty, a value is not finite and
 *   positive, or `confidence` is outside (0, 1).
 *
 * @example
 * ```ts
 * import { hodgesLehmannRatio } from "./tests.ts";
 * import assert from "node:assert/strict";
 *
 * const base = [100, 104, 98, 101, 97];
 * const cand = base.map((v) => v * 1.5);
 * const r = hodgesLehmannRatio(base, cand, 0.95);
 * assert.ok(Math.abs(r.ratio - 1.5) < 1e-12);
 * assert.ok(r.ci[0] < 1.5 && r.ci[1] > 1.5);
 * assert.ok(Math.abs(r.p - 2 / 252) < 1e-12); // exact: all of y above all of x
 * assert.deepEqual(hodgesLehmannRatio([1, 2, 3], [4, 5, 6], 0.95).ci, [0, Infinity]);
 * ```
 */
export function hodgesLehmannRatio(
  x: readonly number[],
  y: readonly number[],
  confidence: number,
  options: { alternative?: Alternative } = {},
): RatioInterval {
  const what = "Cannot compute a Hodges–Lehmann ratio";
  checkSamples(what, x, y, 1);
  checkPositive(what, x, y);
  checkConfidence(what, confidence);
  const alternative = checkAlternative(what, options.alternative);
  const m = x.length, n = y.length, mn = m * n;
  const lx = x.map(Math.log), ly = y.map(Math.log);
  const d = new Float64Array(mn);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) d[i * n + j] = ly[j] - lx[i];
  d.sort();
  const median = mn % 2 ? d[(mn - 1) / 2] : (d[mn / 2 - 1] + d[mn / 2]) / 2;
  const tail = alternative === "two-sided" ? (1 - confidence) / 2 : 1 - confidence;
  const k = criticalRank(m, n, tail);
  const low = k === null ? 0 : Math.exp(d[k - 1]);
  const high = k === null ? Infinity : Math.exp(d[mn - k]);
  const ci: [number, number] = alternative === "two-sided"
    ? [low, high]
    : alternative === "less"
    ? [low, Infinity]
    : [0, high];
  const { p } = mannWhitneyU(x, y, { alternative });
  return { ratio: Math.exp(median), ci, p, df: NaN };
}

/**
 * The largest k ≥ 1 with P(U ≤ k − 1) ≤ tail under the null (no ties), or
 * null when there is none: exact for samples up to {@linkcode EXACT_MAX_N},
 * normal approximation with continuity correction beyond.
 */
function criticalRank(m: number, n: number, tail: number): number | null {
  let k: number;
  if (m <= EXACT_MAX_N && n <= EXACT_MAX_N) {
    const probs = uDistribution(Math.min(m, n), Math.max(m, n));
    let cdf = 0;
    k = 0;
    for (let u = 0; u <= m * n; u++) {
      cdf += probs[u];
      if (cdf > tail * (1 + 1e-12)) break;
      k = u + 1;
    }
  } else {
    const sigma = Math.sqrt(m * n * (m + n + 1) / 12);
    k = Math.floor(m * n / 2 + 0.5 - normalQuantile(1 - tail, 0, 1) * sigma);
  }
  k = Math.min(k, Math.floor((m * n + 1) / 2));
  return k >= 1 ? k : null;
}

/** Null distributions of U without ties, by sample sizes (small ones; a few kept). */
const U_CACHE = new Map<string, Float64Array>();

/**
 * P(U = u) for u = 0..mn under the null without ties (m ≤ n): the rank-sum
 * distribution of the smaller sample shifted by m(m+1)/2. U and mn − U share
 * it (it is symmetric), so it serves either sample.
 */
function uDistribution(m: number, n: number): Float64Array {
  const key = `${m},${n}`;
  let probs = U_CACHE.get(key);
  if (probs === undefined) {
    const scores = Array.from({ length: m + n }, (_, i) => i + 1);
    probs = rankSumDistribution(scores, m).slice(m * (m + 1) / 2);
    if (U_CACHE.size >= 32) U_CACHE.delete(U_CACHE.keys().next().value!);
    U_CACHE.set(key, probs);
  }
  return probs;
}

/**
 * Exact tails P(W ≤ w) and P(W ≥ w) of the rank sum of `nx` values drawn
 * without replacement from the given doubled midranks (x's are the first nx).
 */
function exactRankSumTails(
  what: string,
  doubled: readonly number[],
  nx: number,
  w2: number,
): { lower: number; upper: number } {
  const N = doubled.length, ny = N - nx;
  // Common divisor of the scores (2 without ties) keeps the table small.
  let g = 0;
  for (const s of doubled) g = gcd(g, s);
  const scores = doubled.map((s) => s / g);
  const total = scores.reduce((a, b) => a + b, 0);
  const k = Math.min(nx, ny);
  const cost = N * k * total;
  if (cost > 3e8) {
    throw new RangeError(
      `${what}: the exact distribution for samples of ${nx} and ${ny} values is too costly; ` +
        `use method "asymptotic" or "auto", got "exact"`,
    );
  }
  // Distribution of the smaller side's rank sum; x's sum is the total minus y's.
  const probs = rankSumDistribution(scores, k);
  const w = Math.round(w2 / g);
  const target = nx <= ny ? w : total - w; // the smaller side's observed sum
  let below = 0, above = 0;
  for (let s = 0; s < probs.length; s++) {
    if (s <= target) below += probs[s];
    if (s >= target) above += probs[s];
  }
  // x's lower tail is y's upper tail when y is the side tabulated.
  return nx <= ny ? { lower: below, upper: above } : { lower: above, upper: below };
}

/**
 * Null distribution of the sum of k scores chosen at random from the given
 * integer scores: probabilities indexed by the sum, by dynamic programming.
 */
function rankSumDistribution(scores: readonly number[], k: number): Float64Array {
  const sorted = [...scores].sort((a, b) => b - a);
  let T = 0;
  for (let i = 0; i < k; i++) T += sorted[i];
  const width = T + 1;
  const f = new Float64Array((k + 1) * width);
  f[0] = 1;
  let reach = 0; // largest sum reachable so far
  scores.forEach((s, i) => {
    reach = Math.min(T, reach + s);
    for (let j = Math.min(i + 1, k); j >= 1; j--) {
      const row = j * width, prev = (j - 1) * width;
      for (let t = reach; t >= s; t--) f[row + t] += f[prev + t - s];
    }
  });
  const out = f.subarray(k * width, (k + 1) * width);
  let sum = 0;
  for (const v of out) sum += v;
  return out.map((v) => v / sum);
}

/** Doubled midranks (integers) of the values, and Σ(t³ − t) over tie groups. */
function midranks(values: readonly number[]): { doubled: number[]; tieTerm: number } {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const doubled = new Array<number>(values.length);
  let tieTerm = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) doubled[order[k]] = i + j + 2; // ranks i+1..j+1, doubled mean
    i = j + 1;
  }
  return { doubled, tieTerm };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function mean(v: readonly number[]): number {
  let s = 0;
  for (const x of v) s += x;
  return s / v.length;
}

function variance(v: readonly number[], m: number): number {
  let ss = 0;
  for (const x of v) ss += (x - m) * (x - m);
  return ss / (v.length - 1);
}

function checkSamples(what: string, x: readonly number[], y: readonly number[], min: number) {
  if (x.length < min || y.length < min) {
    throw new RangeError(
      `${what}: each sample needs at least ${min} value${
        min > 1 ? "s" : ""
      }, got ${x.length} and ${y.length}`,
    );
  }
  for (const [name, s] of [["x", x], ["y", y]] as const) {
    const bad = s.find((v) => !Number.isFinite(v));
    if (bad !== undefined) {
      throw new RangeError(`${what}: values must be finite numbers, got ${bad} in ${name}`);
    }
  }
}

function checkPositive(what: string, x: readonly number[], y: readonly number[]) {
  for (const [name, s] of [["x", x], ["y", y]] as const) {
    const bad = s.find((v) => !(v > 0));
    if (bad !== undefined) {
      throw new RangeError(
        `${what}: values must be positive (ratios use logs), got ${bad} in ${name}`,
      );
    }
  }
}

function checkConfidence(what: string, confidence: number) {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`${what}: 'confidence' must be in (0, 1), got ${confidence}`);
  }
}

function checkAlternative(what: string, a: Alternative | undefined): Alternative {
  const alt = a ?? "two-sided";
  if (alt !== "two-sided" && alt !== "less" && alt !== "greater") {
    throw new RangeError(
      `${what}: 'alternative' must be "two-sided", "less" or "greater", got ${JSON.stringify(a)}`,
    );
  }
  return alt;
}

function checkPValues(what: string, p: readonly number[]) {
  const bad = p.find((v) => !(v >= 0 && v <= 1));
  if (bad !== undefined) {
    throw new RangeError(`${what}: p-values must be in [0, 1], got ${bad}`);
  }
}
