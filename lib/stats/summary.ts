/**
 * Summaries of a metric over independent trials: the mean with a Student-t
 * confidence interval, keeping every per-trial value.
 *
 * @module
 */

import { meanConfidenceInterval } from "./confidence.ts";

/** One metric summarised over trials. */
export interface MetricSummary {
  /** Mean over the trials that have a value. */
  value: number;
  /** Confidence interval of the mean; null with fewer than two values. */
  ci: [number, number] | null;
  /** Per-trial values in trial order (null where a trial has none). */
  trials: (number | null)[];
}

/**
 * Summarises each metric over trials.
 *
 * @param trials One metric map per trial (id → value).
 * @param level Confidence level in (0, 1).
 * @param order Ids in the order wanted; ids not listed follow in first-seen order.
 * @returns Id → summary, for every id that some trial has.
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
    if (present.length === 0) continue;
    const r = meanConfidenceInterval(present, level);
    out[id] = { value: r.mean, ci: r.ci, trials: perTrial };
  }
  return out;
}
