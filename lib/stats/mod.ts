/**
 * splleed's statistics, for scripts: pure functions, numbers in, numbers out
 * (exported from splleed's `mod.ts` as the `stats` namespace).
 *
 * - Tests of two samples (one value per trial each): {@linkcode welchTTest},
 *   {@linkcode mannWhitneyU} (exact, ties included, or normal approximation).
 * - The change between two runs as a ratio with its interval:
 *   {@linkcode welchLogRatio} (Welch's t on the logs, what `compare()` uses
 *   by default), {@linkcode hodgesLehmannRatio} (distribution-free).
 * - Several metrics at once: {@linkcode holm}, {@linkcode benjaminiHochberg}.
 * - Change points across runs: {@linkcode changePoints} (E-divisive with means,
 *   seeded permutation test).
 * - Power: {@linkcode minimumDetectableChange}, {@linkcode trialsNeeded},
 *   {@linkcode welchPower}, {@linkcode minTrialsToReach}.
 * - Summaries and intervals of one sample: {@linkcode quantileSorted}
 *   (Hyndman & Fan 7, as NumPy and R), {@linkcode describe},
 *   {@linkcode meanConfidenceInterval} (Student t), the order-statistic
 *   interval of a quantile ({@linkcode binomialRanks},
 *   {@linkcode pooledQuantile}), and a seeded {@linkcode bootstrapInterval}.
 *
 * @example Did the candidate change time to first token?
 * ```ts
 * import { holm, minimumDetectableChange, welchLogRatio } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const baseline = [45.2, 44.1, 47.0, 46.3, 43.9]; // TTFT p50 per trial, ms
 * const candidate = [12.3, 12.9, 11.8, 12.6, 12.1];
 * const r = welchLogRatio(baseline, candidate, 0.95);
 * assert.ok(r.ratio - 1 < -0.7 && r.ci[1] < 1); // −73 %, the whole interval below 0
 * const [pTtft] = holm([r.p, 0.41, 0.03]); // adjusted across the metrics compared
 * assert.ok(pTtft < 0.001);
 * const mdc = minimumDetectableChange({
 *   nA: 5, nB: 5, sdLogA: 0.03, sdLogB: 0.03, alpha: 0.05, power: 0.8,
 * });
 * assert.ok(mdc > 0.05 && mdc < 0.08); // ±6–7 % would have been seen
 * ```
 *
 * @module
 */

export {
  type Alternative,
  benjaminiHochberg,
  hodgesLehmannRatio,
  holm,
  type MannWhitneyResult,
  mannWhitneyU,
  type RatioInterval,
  welchLogRatio,
  type WelchResult,
  welchTTest,
} from "./tests.ts";
export { minimumDetectableChange, minTrialsToReach, trialsNeeded, welchPower } from "./power.ts";
export { bootstrapInterval, type BootstrapOptions } from "./bootstrap.ts";
export { quantileSorted, sortedCopy } from "./quantile.ts";
export { describe, type Distribution } from "./describe.ts";
export { meanConfidenceInterval, type MeanInterval } from "./confidence.ts";
export {
  binomialRanks,
  pooledQuantile,
  type PooledQuantileOptions,
  type QuantileEstimate,
  type RankedSample,
  sortedSample,
  valuesNeeded,
} from "./quantile_interval.ts";
export { type ChangePoint, type ChangePointOptions, changePoints } from "./changepoint.ts";
