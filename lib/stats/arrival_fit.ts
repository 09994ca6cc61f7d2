/**
 * Whether realised inter-arrival gaps follow the intended arrival process:
 * a one-sample Kolmogorov–Smirnov test (`@stdlib/stats-kstest`) against the
 * exponential (Poisson arrivals) or gamma distribution, or the largest gap
 * error for constant arrivals.
 *
 * @module
 */

import kstest from "npm:@stdlib/stats-kstest@^0.2.3";

/** How well realised inter-arrival gaps fit the intended process. */
export interface ArrivalFit {
  /** Gaps compared. */
  n: number;
  /** Mean realised rate, requests per second (gaps only; the first send starts the clock). */
  rate: number;
  /** Kolmogorov–Smirnov statistic (largest CDF distance); null for constant arrivals. */
  ksStatistic: number | null;
  /** Its p-value (small: the gaps do not follow the intended distribution); null for constant arrivals. */
  ksPValue: number | null;
  /** Constant arrivals: the largest gap error against the intended gap, ms; else null. */
  maxGapErrorMs: number | null;
}

/**
 * Checks realised inter-arrival gaps against the intended distribution with a
 * one-sample Kolmogorov–Smirnov test (exponential for Poisson, gamma for
 * gamma arrivals). Meaningful without a ramp; with one, only the gaps after
 * the ramp should be given.
 *
 * @param gapsMs Realised gaps between consecutive sends, ms.
 * @param options The intended rate, process and burstiness.
 * @returns Fit statistics.
 *
 * @example
 * ```ts
 * import { arrivalFit } from "./arrival_fit.ts";
 * import assert from "node:assert/strict";
 *
 * // Exponential gaps with mean 20 ms, by inverse transform of an even grid.
 * const gaps = Array.from({ length: 2000 }, (_, i) => -20 * Math.log(1 - (i + 0.5) / 2000));
 * const fit = arrivalFit(gaps, { rate: 50, arrival: "poisson" });
 * assert.ok(fit.ksPValue! > 0.01);
 * assert.ok(Math.abs(fit.rate - 50) < 5);
 * ```
 */
export function arrivalFit(
  gapsMs: ArrayLike<number>,
  options: { rate: number; arrival?: "poisson" | "gamma" | "constant"; burstiness?: number },
): ArrivalFit {
  const n = gapsMs.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += gapsMs[i];
  const rate = n > 0 && sum > 0 ? (n * 1000) / sum : 0;
  const arrival = options.arrival ?? "poisson";
  if (arrival === "constant" || n < 2) {
    const gap = 1000 / options.rate;
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(gapsMs[i] - gap));
    return { n, rate, ksStatistic: null, ksPValue: null, maxGapErrorMs: n > 0 ? worst : null };
  }
  const xs = Array.from(gapsMs);
  const meanGap = 1000 / options.rate;
  const r = arrival === "poisson"
    ? kstest(xs, "exponential", 1 / meanGap)
    : kstest(xs, "gamma", options.burstiness ?? 1, (options.burstiness ?? 1) / meanGap);
  return { n, rate, ksStatistic: r.statistic, ksPValue: r.pValue, maxGapErrorMs: null };
}
