/**
 * A distribution of many values as a few hundred points of its empirical
 * CDF, for a plot: evenly spaced ranks over the body and log-spaced ranks
 * in the upper tail (p90, p99, p99.9, ...: where latency problems live and
 * where even spacing would put two points), the minimum and the maximum.
 *
 * @module
 */

import type { RankedSample } from "../../stats/quantile_interval.ts";
import type { CdfCurve } from "./types.ts";

/** Points of a CDF curve by default. */
export const CDF_POINTS = 300;

/**
 * The empirical CDF of a sample at no more than about `maxPoints` ranks:
 * each point is a value and the share of values at or below it (rank + 1
 * over n). Every value is a point when there are at most `maxPoints`. Equal
 * values make one point (the highest share), so `x` is strictly ascending.
 *
 * @param sample The values, readable by rank (`sortedSample(sorted)`, a `BlockedSample`).
 * @param maxPoints The most points (at least 10). @default {CDF_POINTS}
 * @returns The curve; `x` and `p` are empty for an empty sample.
 * @throws {RangeError} When `maxPoints` is less than 10.
 *
 * @example
 * ```ts
 * import { cdfPoints } from "./cdf.ts";
 * import { sortedSample } from "../../stats/quantile_interval.ts";
 * import assert from "node:assert/strict";
 *
 * const small = cdfPoints(sortedSample([1, 2, 2, 4]));
 * assert.deepEqual(small, { x: [1, 2, 4], p: [0.25, 0.75, 1], n: 4 });
 *
 * const values = Float64Array.from({ length: 100_000 }, (_, i) => i + 1);
 * const big = cdfPoints(sortedSample(values), 200);
 * assert.ok(big.x.length <= 200 && big.x.length > 150);
 * assert.equal(big.x[0], 1);
 * assert.equal(big.x.at(-1), 100_000);
 * assert.ok(big.x.includes(99_990)); // p99.99 is a point: the tail is sampled finely
 * ```
 */
export function cdfPoints(
  sample: Pick<RankedSample, "length" | "atRanks">,
  maxPoints: number = CDF_POINTS,
): CdfCurve {
  if (!(maxPoints >= 10)) {
    throw new RangeError(`Cannot sample a CDF: 'maxPoints' must be at least 10, got ${maxPoints}`);
  }
  const n = sample.length;
  if (n === 0) return { x: [], p: [], n: 0 };
  let ranks: number[];
  if (n <= maxPoints) {
    ranks = Array.from({ length: n }, (_, i) => i);
  } else {
    const set = new Set<number>([0, n - 1]);
    const body = Math.floor(maxPoints * 0.7);
    for (let i = 0; i < body; i++) set.add(Math.round((i / (body - 1)) * (n - 1)));
    // The tail: p = 1 − 10^−t for t from 1 to log10(n) in equal steps that land on each
    // whole decade (p90, p99, p99.9, ...).
    const tail = maxPoints - body - 2;
    const top = Math.log10(n);
    const perDecade = Math.max(1, Math.floor((tail - 1) / Math.max(1, top - 1)));
    for (let i = 0; 1 + i / perDecade <= top && i < tail; i++) {
      const t = 1 + i / perDecade;
      const rank = Math.ceil((1 - 10 ** -t) * n - 1e-9) - 1;
      set.add(Math.min(n - 1, Math.max(0, rank)));
    }
    ranks = [...set].sort((a, b) => a - b);
  }
  const values = sample.atRanks(ranks);
  const x: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < ranks.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const share = (ranks[i] + 1) / n;
    if (x.length > 0 && x[x.length - 1] === v) p[p.length - 1] = share;
    else {
      x.push(v);
      p.push(share);
    }
  }
  return { x, p, n };
}
