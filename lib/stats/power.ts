/**
 * Power and sample size for comparing two runs with Welch's t-test on the
 * logs of their trial values (see `welchLogRatio` in `tests.ts`), and the
 * fewest trials at which a test can reach a significance level at all.
 *
 * The power is computed for the test splleed actually runs, Welch's test
 * with its estimated degrees of freedom, not for a textbook stand-in: with
 * normal log values, the mean difference is independent of the two sample
 * variances, so the power is an expectation over the two scaled χ²
 * variables of the sample variances (a two-dimensional quadrature, 96 × 96
 * nodes) of the normal probability that |t| exceeds the critical value
 * `t(1 − α/2, df̂)` at the Welch–Satterthwaite `df̂` those variances give.
 * The noncentral-t formula with the true degrees of freedom overstates the
 * power of few trials (for 3 trials per side at a 5 % level, 0.80 claimed
 * is 0.69 real); this one agrees with simulation (see `power_test.ts`).
 * The standard deviations given are taken as the true ones: estimated from a
 * handful of trials, they carry that uncertainty into the answer.
 *
 * @module
 */

import normalCdf from "npm:@stdlib/stats-base-dists-normal-cdf@^0.3.1";
import normalQuantile from "npm:@stdlib/stats-base-dists-normal-quantile@^0.3.1";
import tQuantile from "npm:@stdlib/stats-base-dists-t-quantile@^0.2.3";

/** Quadrature nodes per χ variable. */
const NODES = 96;

/**
 * The power of a two-sided Welch t-test on the logs (level `alpha`) to
 * detect a relative change `change` (candidate / baseline − 1) between two
 * samples of `nA` and `nB` lognormal values with log standard deviations
 * `sdLogA` and `sdLogB`.
 *
 * @param o Sample sizes (≥ 2 each), log SDs (≥ 0), `alpha` in (0, 1) and the
 *   change (> −1; 0.05 for +5 %).
 * @returns The probability that the test's p is below `alpha`.
 * @throws {RangeError} When an argument is out of range.
 *
 * @example
 * ```ts
 * import { welchPower } from "./power.ts";
 * import assert from "node:assert/strict";
 *
 * const o = { nA: 5, nB: 5, sdLogA: 0.05, sdLogB: 0.05, alpha: 0.05 };
 * // No change: the false-positive rate, a little under alpha (Welch is conservative here).
 * const size = welchPower({ ...o, change: 0 });
 * assert.ok(size > 0.04 && size <= 0.05);
 * assert.ok(welchPower({ ...o, change: 0.2 }) > 0.99);
 * assert.ok(welchPower({ ...o, change: 0.05 }) < welchPower({ ...o, change: 0.1 }));
 * ```
 */
export function welchPower(
  o: { nA: number; nB: number; sdLogA: number; sdLogB: number; alpha: number; change: number },
): number {
  const what = "Cannot compute the power of Welch's test";
  checkDesign(what, o);
  if (!(o.change > -1 && Number.isFinite(o.change))) {
    throw new RangeError(`${what}: 'change' must be a number above -1, got ${o.change}`);
  }
  const delta = Math.abs(Math.log1p(o.change));
  const g = welchGrid(o);
  if (g === null) return delta > 0 ? 1 : 0; // no spread: any change is certain
  return g.power(delta / g.se);
}

/**
 * The smallest relative change (as a ratio − 1, e.g. 0.061 for ±6.1 %) that
 * a two-sided Welch test on the logs at level `alpha` detects with
 * probability `power`, given each side's log standard deviation and number
 * of trials (see the module documentation for how the power is computed).
 * The change is symmetric on the log scale: 0.061 up means 1 − 1/1.061 =
 * 5.7 % down.
 *
 * @param o Trials per side `nA`, `nB` (≥ 2 each), log SDs `sdLogA`, `sdLogB`
 *   (≥ 0), `alpha` and `power` in (0, 1).
 * @returns The detectable change (0 when both SDs are 0 or `power` ≤ `alpha`).
 * @throws {RangeError} When an argument is out of range.
 *
 * @example Five trials per side with 5 % spread: about ±10 %
 * ```ts
 * import { minimumDetectableChange } from "./power.ts";
 * import assert from "node:assert/strict";
 *
 * const mdc = minimumDetectableChange({ nA: 5, nB: 5, sdLogA: 0.05, sdLogB: 0.05, alpha: 0.05, power: 0.8 });
 * assert.ok(mdc > 0.09 && mdc < 0.12);
 * ```
 */
export function minimumDetectableChange(
  o: { nA: number; nB: number; sdLogA: number; sdLogB: number; alpha: number; power: number },
): number {
  const what = "Cannot compute the minimum detectable change";
  checkDesign(what, o);
  checkProbability(what, "power", o.power);
  const g = welchGrid(o);
  if (g === null || o.power <= g.power(0)) return 0;
  let hi = 1;
  while (g.power(hi) < o.power) hi *= 2;
  let lo = 0;
  // To 1e-6 of λ: far finer than the "±6.1 %" it is printed as, at a third of the evaluations.
  for (let i = 0; i < 60 && hi - lo > 1e-6 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (g.power(mid) < o.power) lo = mid;
    else hi = mid;
  }
  return Math.expm1(hi * g.se);
}

/**
 * Trials per side (the same on both) needed for a two-sided Welch test on
 * the logs at level `alpha` to detect a relative change `change` with
 * probability `power`, when the trials' log standard deviation is `sdLog`
 * on both sides. Exact power (see the module documentation) up to a million
 * trials; beyond, the normal approximation.
 *
 * @param o `change` (> −1, not 0; 0.02 for 2 %), `sdLog` (≥ 0), `alpha` and
 *   `power` in (0, 1).
 * @returns Trials per side, at least 2.
 * @throws {RangeError} When an argument is out of range.
 *
 * @example
 * ```ts
 * import { trialsNeeded } from "./power.ts";
 * import assert from "node:assert/strict";
 *
 * // 2 % with 3 % spread: the textbook 2·(1.96 + 0.84)²·(0.03/0.0198)² ≈ 36, plus a little for t.
 * const n = trialsNeeded({ change: 0.02, sdLog: 0.03, alpha: 0.05, power: 0.8 });
 * assert.ok(n >= 36 && n <= 40);
 * assert.equal(trialsNeeded({ change: 0.5, sdLog: 0, alpha: 0.05, power: 0.8 }), 2);
 * ```
 */
export function trialsNeeded(
  o: { change: number; sdLog: number; alpha: number; power: number },
): number {
  const what = "Cannot compute the trials needed";
  if (!(o.change > -1 && o.change !== 0 && Number.isFinite(o.change))) {
    throw new RangeError(`${what}: 'change' must be a nonzero number above -1, got ${o.change}`);
  }
  if (!(o.sdLog >= 0 && Number.isFinite(o.sdLog))) {
    throw new RangeError(`${what}: 'sdLog' must be a finite number ≥ 0, got ${o.sdLog}`);
  }
  checkProbability(what, "alpha", o.alpha);
  checkProbability(what, "power", o.power);
  if (o.sdLog === 0) return 2;
  const delta = Math.abs(Math.log1p(o.change));
  const z = normalQuantile(1 - o.alpha / 2, 0, 1) + normalQuantile(o.power, 0, 1);
  const approx = Math.ceil(2 * (z * o.sdLog / delta) ** 2);
  if (approx > 1e6) return approx;
  const power = (n: number) =>
    welchPower({
      nA: n,
      nB: n,
      sdLogA: o.sdLog,
      sdLogB: o.sdLog,
      alpha: o.alpha,
      change: o.change,
    });
  let hi = 2;
  while (power(hi) < o.power) hi *= 2;
  let lo = hi / 2; // power(lo) < target unless hi is 2
  if (hi === 2) return 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (power(mid) < o.power) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The fewest trials per side (the same on both) at which a test can give
 * `p ≤ alpha` at all, whatever the data. Welch's test needs 2 per side (its
 * p can then be as small as the data make it). The exact Mann–Whitney test's
 * smallest p is `2 / C(2n, n)` two-sided (`1 / C(2n, n)` one-sided): at a
 * 5 % level, 4 per side two-sided (3 vs 3 gives p ≥ 0.1), 3 one-sided.
 *
 * @param test `"welch"` or `"mann-whitney"`.
 * @param alpha Significance level in (0, 1).
 * @param options `alternative` (default `"two-sided"`); `"less"` and `"greater"` are one-sided.
 * @returns Trials per side.
 * @throws {RangeError} When `test` is unknown or `alpha` is outside (0, 1).
 *
 * @example
 * ```ts
 * import { minTrialsToReach } from "./power.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(minTrialsToReach("welch", 0.05), 2);
 * assert.equal(minTrialsToReach("mann-whitney", 0.05), 4);
 * assert.equal(minTrialsToReach("mann-whitney", 0.05, { alternative: "greater" }), 3);
 * assert.equal(minTrialsToReach("mann-whitney", 0.01), 5);
 * ```
 */
export function minTrialsToReach(
  test: "welch" | "mann-whitney",
  alpha: number,
  options: { alternative?: "two-sided" | "less" | "greater" } = {},
): number {
  const what = "Cannot compute the trials needed to reach alpha";
  checkProbability(what, "alpha", alpha);
  const alternative = options.alternative ?? "two-sided";
  if (!["two-sided", "less", "greater"].includes(alternative)) {
    throw new RangeError(
      `${what}: 'alternative' must be "two-sided", "less" or "greater", got ${
        JSON.stringify(alternative)
      }`,
    );
  }
  if (test === "welch") return 2;
  if (test !== "mann-whitney") {
    throw new RangeError(
      `${what}: 'test' must be "welch" or "mann-whitney", got ${JSON.stringify(test)}`,
    );
  }
  const tails = alternative === "two-sided" ? 2 : 1;
  let n = 1, ways = 2; // C(2n, n)
  while (tails / ways > alpha * (1 + 1e-12)) {
    ways = ways * (2 * n + 1) * (2 * n + 2) / ((n + 1) * (n + 1));
    n++;
  }
  return n;
}

/** Power as a function of λ = δ / se, for fixed sample sizes and SDs. */
interface WelchGrid {
  /** The true standard error of the difference of log means. */
  se: number;
  /** Probability that the two-sided test rejects when the true difference is λ·se. */
  power(lambda: number): number;
}

/**
 * The quadrature of the module documentation: nodes (V_A, V_B) of the two
 * χ² variables with their weights, and at each the critical value times the
 * estimated standard error, in units of the true one. Null when both SDs are 0.
 */
function welchGrid(
  o: { nA: number; nB: number; sdLogA: number; sdLogB: number; alpha: number },
): WelchGrid | null {
  const qa = o.sdLogA ** 2 / o.nA, qb = o.sdLogB ** 2 / o.nB;
  const se2 = qa + qb;
  if (se2 === 0) return null;
  const a = o.nA - 1, b = o.nB - 1;
  const nodesA = chiNodes(a), nodesB = chiNodes(b);
  const crit = criticalValues(Math.min(a, b), a + b, 1 - o.alpha / 2);
  const r: number[] = [], w: number[] = [];
  for (const [va, wa] of nodesA) {
    for (const [vb, wb] of nodesB) {
      const weight = wa * wb;
      if (weight < 1e-14) continue;
      const sa = qa * va / a, sb = qb * vb / b; // the estimated squared standard errors
      const s2 = sa + sb;
      const df = s2 === 0 ? a + b : s2 * s2 / (sa * sa / a + sb * sb / b);
      r.push(crit(df) * Math.sqrt(s2 / se2));
      w.push(weight);
    }
  }
  const total = w.reduce((x, y) => x + y, 0);
  return {
    se: Math.sqrt(se2),
    power(lambda: number): number {
      let p = 0;
      for (let i = 0; i < r.length; i++) {
        p += w[i] * (normalCdf(lambda - r[i], 0, 1) + normalCdf(-lambda - r[i], 0, 1));
      }
      return Math.min(1, p / total);
    },
  };
}

/**
 * Nodes and weights (summing to 1) for a χ² variable with ν degrees of
 * freedom: the midpoint rule in w = √V around the mode of its density
 * ∝ w^(ν−1)·e^(−w²/2), over ±8 (its SD is about 0.7).
 */
function chiNodes(nu: number): [number, number][] {
  const mode = Math.sqrt(Math.max(nu - 1, 0));
  const lo = Math.max(0, mode - 8), hi = mode + 8;
  const h = (hi - lo) / NODES;
  const logs: number[] = [];
  for (let i = 0; i < NODES; i++) {
    const x = lo + (i + 0.5) * h;
    logs.push((nu - 1) * Math.log(x) - x * x / 2);
  }
  const max = Math.max(...logs);
  const weights = logs.map((l) => Math.exp(l - max));
  const sum = weights.reduce((x, y) => x + y, 0);
  return weights.map((wt, i) => {
    const x = lo + (i + 0.5) * h;
    return [x * x, wt / sum];
  });
}

/**
 * The t quantile at probability q as a function of the degrees of freedom
 * in [dfMin, dfMax]: tabulated at 129 points evenly spaced in 1/df (where
 * it is smooth) and interpolated linearly.
 */
function criticalValues(dfMin: number, dfMax: number, q: number): (df: number) => number {
  if (dfMax - dfMin < 1e-9) {
    const c = tQuantile(q, dfMin);
    return () => c;
  }
  const K = 128, x0 = 1 / dfMax, x1 = 1 / dfMin;
  const table = Array.from({ length: K + 1 }, (_, i) => tQuantile(q, 1 / (x0 + (x1 - x0) * i / K)));
  return (df: number) => {
    const pos = Math.min(K, Math.max(0, (1 / df - x0) / (x1 - x0) * K));
    const i = Math.min(K - 1, Math.floor(pos));
    return table[i] + (pos - i) * (table[i + 1] - table[i]);
  };
}

function checkDesign(
  what: string,
  o: { nA: number; nB: number; sdLogA: number; sdLogB: number; alpha: number },
): void {
  for (const k of ["nA", "nB"] as const) {
    if (!(Number.isInteger(o[k]) && o[k] >= 2)) {
      throw new RangeError(`${what}: '${k}' must be an integer ≥ 2 (trials per side), got ${o[k]}`);
    }
  }
  for (const k of ["sdLogA", "sdLogB"] as const) {
    if (!(o[k] >= 0 && Number.isFinite(o[k]))) {
      throw new RangeError(`${what}: '${k}' must be a finite number ≥ 0, got ${o[k]}`);
    }
  }
  checkProbability(what, "alpha", o.alpha);
}

function checkProbability(what: string, name: string, v: number): void {
  if (!(v > 0 && v < 1)) {
    throw new RangeError(`${what}: '${name}' must be in (0, 1), got ${v}`);
  }
}
