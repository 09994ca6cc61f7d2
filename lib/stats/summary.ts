/**
 * Summaries of a metric over a level's trials. Means and rates: the mean
 * over trials with a Student-t confidence interval. Percentiles, minimum and
 * maximum of a latency: computed over the pooled values of all trials, with
 * a distribution-free interval (see `quantile_interval.ts`). Every per-trial
 * value is kept, with the spread between trials.
 *
 * @module
 */

import { meanConfidenceInterval } from "./confidence.ts";
import { pooledQuantile, type RankedSample } from "./quantile_interval.ts";

/** One metric summarised over trials. */
export interface MetricSummary {
  /**
   * The level's value: the mean over the trials that have a finite value,
   * or (`basis: "pooled"`) the statistic of all trials' values pooled.
   */
  value: number;
  /**
   * Confidence interval of the value; null with fewer than two trials (a
   * mean) or too few values (a pooled percentile: `noInterval` says why).
   */
  ci: [number, number] | null;
  /** Per-trial values in trial order (null where a trial has none). */
  trials: (number | null)[];
  /** `pooled`: the value is over all trials' values pooled; absent: the mean over trials. */
  basis?: "pooled";
  /** Smallest and largest finite per-trial value (shows drift between trials); absent with one. */
  spread?: { min: number; max: number };
  /**
   * Why a pooled percentile has no interval: the values pooled, the values
   * a 95 % (or the run's level) distribution-free interval needs, and for
   * values that are not independent (ITL) the trials needed.
   */
  noInterval?: { values: number; needed: number; trials?: number };
  /** Per-trial values that were not finite (NaN, ±Infinity); left out of the mean, never hidden. */
  nonFinite?: number;
}

/** The pooled statistics of a latency, keyed as in `DISTRIBUTION_STATS`. */
export const POOLED_STATS = ["min", "max", "p50", "p90", "p95", "p99"] as const;

const QUANTILE_OF: Record<string, number> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

/**
 * Summarises one latency over the pooled values of a level's trials: its
 * minimum, maximum and percentiles, each with its interval (percentiles
 * only), per-trial values and spread.
 *
 * @param pooled All trials' values.
 * @param trials Each trial's values.
 * @param perTrial Stat (`p50`, ...) → the per-trial values (as in the trials' metrics).
 * @param level Confidence level in (0, 1).
 * @param options `independent: false` for values that are not independent draws (ITL).
 * @returns Stat → summary; empty for an empty sample.
 *
 * @example
 * ```ts
 * import { summarizePooled } from "./summary.ts";
 * import { sortedSample } from "./quantile_interval.ts";
 * import assert from "node:assert/strict";
 *
 * const a = [1, 2, 3, 4], b = [5, 6, 7, 8];
 * const s = summarizePooled(sortedSample([...a, ...b]), [sortedSample(a), sortedSample(b)],
 *   { p50: [2.5, 6.5], max: [4, 8] }, 0.95);
 * assert.equal(s.p50!.value, 4.5);
 * assert.deepEqual(s.p50!.trials, [2.5, 6.5]);
 * assert.deepEqual(s.p50!.spread, { min: 2.5, max: 6.5 });
 * assert.equal(s.max!.value, 8);
 * assert.equal(s.p99!.ci, null);
 * assert.deepEqual(s.p99!.noInterval, { values: 8, needed: 368 });
 * ```
 */
export function summarizePooled(
  pooled: RankedSample,
  trials: readonly RankedSample[],
  perTrial: Partial<Record<string, (number | null)[]>>,
  level: number,
  options: { independent?: boolean } = {},
): Partial<Record<typeof POOLED_STATS[number], MetricSummary>> {
  const n = pooled.length;
  const out: Partial<Record<typeof POOLED_STATS[number], MetricSummary>> = {};
  if (n === 0) return out;
  const [min, max] = pooled.atRanks([0, n - 1]);
  for (const stat of POOLED_STATS) {
    const values = perTrial[stat] ?? trials.map(() => null);
    const base = { trials: values, basis: "pooled" as const, ...extras(values) };
    if (stat === "min" || stat === "max") {
      out[stat] = { value: stat === "min" ? min : max, ci: null, ...base };
      continue;
    }
    const q = pooledQuantile(pooled, trials, QUANTILE_OF[stat], level, options)!;
    out[stat] = {
      value: q.value,
      ci: q.ci,
      ...base,
      ...(q.noInterval ? { noInterval: q.noInterval } : {}),
    };
  }
  return out;
}

function extras(values: readonly (number | null)[]): Pick<MetricSummary, "spread" | "nonFinite"> {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const nonFinite = values.filter((v) => v !== null && !Number.isFinite(v)).length;
  return {
    ...(finite.length > 1
      ? { spread: { min: Math.min(...finite), max: Math.max(...finite) } }
      : {}),
    ...(nonFinite > 0 ? { nonFinite } : {}),
  };
}

/**
 * Summarises each metric over trials.
 *
 * @param trials One metric map per trial (id → value).
 * @param level Confidence level in (0, 1).
 * @param order Ids in the order wanted; ids not listed follow in first-seen order.
 * @returns Id → summary, for every id that some trial has. Non-finite
 *   per-trial values are left out of the mean and counted in `nonFinite`; an
 *   id with no finite value has `value: NaN`.
 *
 * @example
 * ```ts
 * import { summarizeTrials } from "./summary.ts";
 * import assert from "node:assert/strict";
 *
 * const s = summarizeTrials([{ a: 1 }, { a: 3 }, { a: 2, b: 5 }], 0.95);
 * assert.equal(s.a.value, 2);
 * assert.ok(s.a.ci![0] < 2 && s.a.ci![1] > 2);
 * assert.deepEqual(s.b.trials, [null, null, 5]);
 * assert.equal(s.b.ci, null);
 * ```
 */
export function summarizeTrials(
  trials: readonly Record<string, number>[],
  level: number,
  order: readonly string[] = [],
): Record<string, MetricSummary> {
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const id of order) {
    if (trials.some((t) => t[id] !== undefined)) {
      ids.push(id);
      seen.add(id);
    }
  }
  for (const t of trials) {
    for (const id of Object.keys(t)) {
      if (!seen.has(id)) {
        seen.add(id);
        ids.push(id);
      }
    }
  }
  const out: Record<string, MetricSummary> = {};
  for (const id of ids) {
    const perTrial = trials.map((t) => t[id] ?? null);
    const present = perTrial.filter((v): v is number => v !== null && Number.isFinite(v));
    if (present.length === 0) {
      out[id] = { value: NaN, ci: null, trials: perTrial, ...extras(perTrial) };
      continue;
    }
    const r = meanConfidenceInterval(present, level);
    out[id] = { value: r.mean, ci: r.ci, trials: perTrial, ...extras(perTrial) };
  }
  return out;
}
