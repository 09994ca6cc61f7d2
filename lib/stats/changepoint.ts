/**
 * Change points of a series of runs: E-divisive with means (Matteson &
 * James 2014, the energy statistic with exponent α = 1), as MongoDB's
 * `signal-processing-algorithms` and Hunter use it on their nightly
 * performance series, with a seeded permutation test of each split.
 *
 * No npm package was used: the registry holds no E-divisive implementation
 * (searched "e-divisive", "changepoint", "change-point"; the one hit,
 * `bayesian-changepoint`, is an unrelated, mislabelled package).
 *
 * @module
 */

import { splitMix32 } from "./_random.ts";

/** A change point found by {@linkcode changePoints}. */
export interface ChangePoint {
  /** First index of the new segment (`values[index]` is after the change). */
  index: number;
  /** Permutation p-value of this split (`(count + 1) / (permutations + 1)`). */
  pValue: number;
  /** Mean of the segment before the change (back to the previous change point or the start). */
  before: number;
  /** Mean of the segment after the change (up to the next change point or the end). */
  after: number;
}

/** Options of {@linkcode changePoints}. */
export interface ChangePointOptions {
  /**
   * Significance level: a split is accepted when its permutation p-value is ≤ `alpha`.
   *
   * @default {0.05}
   */
  alpha?: number;
  /**
   * Number of permutations of each tested segment.
   *
   * @default {999}
   */
  permutations?: number;
  /**
   * Shortest segment: no change point closer than this to another one or to either end.
   *
   * @default {3}
   */
  minSegment?: number;
  /**
   * Seed of the permutations (the same seed gives the same change points on every platform).
   *
   * @default {1}
   */
  seed?: number;
}

/**
 * Finds where the level of a series shifted: E-divisive with means.
 *
 * For a segment of `n` values, each split `τ` (left `X` = the first `τ`
 * values, right `Y` = the rest, both at least `minSegment` long) is scored
 * by the energy statistic with α = 1,
 * `q̂ = m·k/(m+k) · (2/(m·k)·Σ|x−y| − Σ_{i<j}|xᵢ−xⱼ|/C(m,2) − Σ_{i<j}|yᵢ−yⱼ|/C(k,2))`
 * (`m`, `k` the sizes of `X` and `Y`), and the best split is tested by
 * permuting the segment `permutations` times (seeded): its p-value is
 * `(1 + #{permuted max q̂ ≥ observed}) / (permutations + 1)`. An accepted split
 * (p ≤ `alpha`) divides the segment and both sides are searched again
 * (hierarchical, binary). A series without any change is therefore reported
 * as changed with probability `alpha` (the first test's size); the rate is
 * measured in `changepoint_test.ts` and `docs/change_points.md`.
 *
 * Cost: O(n²) per permutation of a segment of n values (the scores of all
 * splits are updated incrementally), so O(permutations · n²) per tested
 * segment: a few milliseconds for n = 60, fine up to n ≈ 500.
 *
 * @param values The series in time order (finite numbers; NaN and ±Infinity
 *   are rejected, never skipped: drop missing runs before calling).
 * @param options Significance level, permutations, shortest segment and seed.
 * @returns The change points, sorted by index; none for a series shorter
 *   than `2 × minSegment` or a constant one.
 * @throws {RangeError} When a value is not finite or an option is out of range.
 *
 * @example A step up at run 10
 * ```ts
 * import { changePoints } from "./changepoint.ts";
 * import assert from "node:assert/strict";
 *
 * const ttft = [41, 40, 42, 41, 40, 41, 42, 40, 41, 42, 48, 49, 47, 48, 49, 48, 47, 48, 49, 48];
 * const [cp, ...rest] = changePoints(ttft);
 * assert.equal(cp.index, 10);
 * assert.equal(rest.length, 0);
 * assert.ok(cp.pValue <= 0.05 && cp.after > cp.before);
 * assert.deepEqual(changePoints([41, 40, 42, 41, 40, 41, 42, 40]), []);
 * ```
 */
export function changePoints(
  values: readonly number[],
  options: ChangePointOptions = {},
): ChangePoint[] {
  const what = "Cannot find change points";
  const alpha = options.alpha ?? 0.05;
  const permutations = options.permutations ?? 999;
  const minSegment = options.minSegment ?? 3;
  const seed = options.seed ?? 1;
  if (!(alpha > 0 && alpha < 1)) {
    throw new RangeError(`${what}: 'alpha' must be in (0, 1), got ${alpha}`);
  }
  if (!(Number.isInteger(permutations) && permutations >= 1)) {
    throw new RangeError(
      `${what}: 'permutations' must be a positive integer, got ${permutations}`,
    );
  }
  if (!(Number.isInteger(minSegment) && minSegment >= 1)) {
    throw new RangeError(`${what}: 'minSegment' must be a positive integer, got ${minSegment}`);
  }
  if (!Number.isInteger(seed)) {
    throw new RangeError(`${what}: 'seed' must be an integer, got ${seed}`);
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new RangeError(
        `${what}: 'values' must be finite numbers, got ${values[i]} at index ${i}`,
      );
    }
  }
  const next = splitMix32(seed);
  const found: { index: number; pValue: number }[] = [];
  // Segments still to search, as [start, end) pairs; an explicit stack, no recursion.
  const stack: [number, number][] = [[0, values.length]];
  const scratch = new Float64Array(values.length);
  while (stack.length > 0) {
    const [start, end] = stack.pop()!;
    if (end - start < 2 * minSegment) continue;
    const segment = Float64Array.from(values.slice(start, end));
    const best = bestSplit(segment, minSegment);
    if (!(best.q > 0)) continue; // a constant segment: nothing to split
    let atLeast = 0;
    const shuffled = scratch.subarray(0, segment.length);
    // A shuffle that splits the same values apart scores the same q̂ up to
    // the order of the sums' rounding: counted as equal, not as smaller.
    const bar = best.q * (1 - 1e-12);
    for (let r = 0; r < permutations; r++) {
      shuffled.set(segment);
      shuffle(shuffled, next);
      if (bestSplit(shuffled, minSegment).q >= bar) atLeast++;
    }
    const pValue = (atLeast + 1) / (permutations + 1);
    if (pValue > alpha) continue;
    const index = start + best.tau;
    found.push({ index, pValue });
    stack.push([index, end], [start, index]);
  }
  found.sort((a, b) => a.index - b.index);
  refine(values, found, minSegment);
  const bounds = [0, ...found.map((f) => f.index), values.length];
  return found.map((f, k) => ({
    index: f.index,
    pValue: f.pValue,
    before: mean(values, bounds[k], bounds[k + 1]),
    after: mean(values, bounds[k + 1], bounds[k + 2]),
  }));
}

/**
 * The split of `x` with the largest scaled energy statistic q̂, over
 * `tau` in [minSegment, n − minSegment]. Incremental: moving one value from
 * the right part to the left updates the three sums of distances in O(n).
 */
function bestSplit(x: Float64Array, minSegment: number): { tau: number; q: number } {
  const n = x.length;
  // left = Σ_{i<j<τ}|xᵢ−xⱼ|, right = Σ_{τ≤i<j}|xᵢ−xⱼ|, cross = Σ_{i<τ≤j}|xᵢ−xⱼ|.
  let left = 0, cross = 0, right = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) right += Math.abs(x[i] - x[j]);
  }
  let best = { tau: -1, q: -Infinity };
  for (let tau = 1; tau <= n - minSegment; tau++) {
    // x[tau − 1] moves from the right part to the left one.
    const v = x[tau - 1];
    let toLeft = 0, toRight = 0;
    for (let i = 0; i < tau - 1; i++) toLeft += Math.abs(v - x[i]);
    for (let j = tau; j < n; j++) toRight += Math.abs(v - x[j]);
    left += toLeft;
    right -= toRight;
    cross += toRight - toLeft;
    if (tau < minSegment) continue;
    const m = tau, k = n - tau;
    const within = (sum: number, size: number) => size > 1 ? (2 * sum) / (size * (size - 1)) : 0;
    const energy = (2 * cross) / (m * k) - within(left, m) - within(right, k);
    const q = ((m * k) / n) * energy;
    if (q > best.q) best = { tau, q };
  }
  return best;
}

/**
 * Binary segmentation fixes each split with the segments known at the time:
 * the first split of a series with two shifts is placed while the second
 * shift still blurs one side. Once all change points are known, each one is
 * placed again at the best split between its neighbours (the same statistic),
 * until none moves (at most 10 passes). The p-values stay those of the tests.
 */
function refine(
  values: readonly number[],
  found: { index: number; pValue: number }[],
  minSegment: number,
): void {
  for (let pass = 0; pass < 10; pass++) {
    let moved = false;
    for (let k = 0; k < found.length; k++) {
      const start = k === 0 ? 0 : found[k - 1].index;
      const end = k === found.length - 1 ? values.length : found[k + 1].index;
      const best = bestSplit(Float64Array.from(values.slice(start, end)), minSegment);
      if (best.q > 0 && start + best.tau !== found[k].index) {
        found[k].index = start + best.tau;
        moved = true;
      }
    }
    if (!moved) return;
  }
}

/** Fisher–Yates shuffle in place with a seeded uniform source. */
function shuffle(x: Float64Array, next: () => number): void {
  for (let i = x.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = x[i];
    x[i] = x[j];
    x[j] = t;
  }
}

function mean(values: readonly number[], start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i++) s += values[i];
  return s / (end - start);
}
