/**
 * The trend of one metric at one level across the runs of a history, and
 * where it changed (E-divisive with means, {@linkcode changePoints}).
 *
 * @module
 */

import { type ChangePointOptions, changePoints } from "../stats/changepoint.ts";

/** One run's value of one metric at one level. */
export interface TrendPoint {
  /** The history's run id. */
  runId: number;
  /** When the run started (ISO 8601). */
  startedAt: string;
  /** The run's tags (`branch`, `commit`, ...). */
  tags: Record<string, string>;
  /** The engine (`backend.kind`). */
  engine: string;
  /** The model (`backend.model`). */
  model: string;
  /** The workload's fingerprint hash (`workload.sha256`), when it has one. */
  fingerprint: string | null;
  /** The level's summary value (mean over trials). */
  value: number;
  /** Low end of its interval, when it has one. */
  low: number | null;
  /** High end of its interval, when it has one. */
  high: number | null;
  /** Per-trial values. */
  trials: number[];
}

/** A change point of a {@linkcode Trend}, with the runs on each side. */
export interface TrendChange {
  /** Index in `Trend.points` of the first run after the change. */
  index: number;
  /** Permutation p-value of the split. */
  pValue: number;
  /** Mean value of the runs before the change (back to the previous change or the first run). */
  before: number;
  /** Mean value of the runs after the change (up to the next change or the last run). */
  after: number;
  /** Relative change: `after / before − 1` (NaN when `before` is 0). */
  change: number;
  /** The run just before the change. */
  lastBefore: TrendPoint;
  /** The first run after it. */
  firstAfter: TrendPoint;
}

/** One metric at one level across runs, in time order, with its change points. */
export interface Trend {
  /** Metric id, e.g. `ttft_p99_ms`. */
  metric: string;
  /** Level label (`levelLabel`), e.g. `c=16`. */
  level: string;
  /** The runs, sorted by `startedAt` then `runId`. */
  points: TrendPoint[];
  /** Change points, sorted by index. */
  changes: TrendChange[];
}

/**
 * Builds the trend of a metric at a level: sorts the runs by start time
 * (then run id), finds change points in their values with
 * {@linkcode changePoints}, and names the runs on each side of each change.
 *
 * Runs whose value is not a finite number (a metric the run did not
 * measure) stay in `points` but are left out of the change-point search;
 * `before`/`after` are means over the finite values of each segment.
 *
 * @param metric Metric id.
 * @param level Level label.
 * @param points The runs (any order).
 * @param options Options of the change-point search (alpha, permutations, minSegment, seed).
 * @returns The trend.
 * @throws {RangeError} When an option is out of range.
 *
 * @example A regression between two commits
 * ```ts
 * import { buildTrend, type TrendPoint } from "./trend.ts";
 * import assert from "node:assert/strict";
 *
 * const values = [41, 40, 42, 41, 40, 41, 42, 40, 48, 49, 47, 48, 49, 48, 47, 48];
 * const points: TrendPoint[] = values.map((value, i) => ({
 *   runId: i + 1, startedAt: `2026-11-${String(i + 1).padStart(2, "0")}T02:00:00Z`,
 *   tags: { commit: `c${i + 1}` }, engine: "vllm", model: "m", fingerprint: "f",
 *   value, low: null, high: null, trials: [value],
 * }));
 * const trend = buildTrend("ttft_p99_ms", "c=16", points.toReversed());
 * assert.equal(trend.points[0].runId, 1);
 * assert.equal(trend.changes.length, 1);
 * const [c] = trend.changes;
 * assert.equal(c.lastBefore.tags.commit, "c8");
 * assert.equal(c.firstAfter.tags.commit, "c9");
 * assert.ok(Math.abs(c.change - (48 / 41 - 1)) < 0.01);
 * ```
 */
export function buildTrend(
  metric: string,
  level: string,
  points: readonly TrendPoint[],
  options: ChangePointOptions = {},
): Trend {
  // An unreadable date sorts last (by run id among those).
  const time = (p: TrendPoint) => {
    const t = Date.parse(p.startedAt);
    return Number.isNaN(t) ? Number.MAX_VALUE : t;
  };
  const sorted = points.toSorted((a, b) => time(a) - time(b) || a.runId - b.runId);
  // Indexes (in `sorted`) of the runs with a finite value: the series searched.
  const used: number[] = [];
  sorted.forEach((p, i) => {
    if (Number.isFinite(p.value)) used.push(i);
  });
  const found = changePoints(used.map((i) => sorted[i].value), options);
  const changes = found.map((cp): TrendChange => ({
    index: used[cp.index],
    pValue: cp.pValue,
    before: cp.before,
    after: cp.after,
    change: cp.before === 0 ? NaN : cp.after / cp.before - 1,
    lastBefore: sorted[used[cp.index - 1]],
    firstAfter: sorted[used[cp.index]],
  }));
  return { metric, level, points: sorted, changes };
}
