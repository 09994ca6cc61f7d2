import assert from "node:assert/strict";
import { nearestRankSorted, quantileSorted, sortedCopy } from "./quantile.ts";

// Expected values are NumPy's: `np.percentile(a, 100 * p)` (default method
// "linear", Hyndman & Fan type 7), computed with numpy 2.4.6. By hand, for n
// sorted values x[0..n-1]: h = (n - 1) p, q = x[floor(h)] + (h - floor(h)) (x[floor(h) + 1] - x[floor(h)]).
const PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29];

function close(actual: number, expected: number, tol = 1e-9): void {
  assert.ok(
    Math.abs(actual - expected) <= tol,
    `expected ${expected}, got ${actual} (tolerance ${tol})`,
  );
}

Deno.test("quantileSorted() matches numpy.percentile on ten values", () => {
  const cases: [number, number][] = [
    [0, 2], // p0 is the minimum
    [0.1, 2.9], // h = 0.9: 2 + 0.9 * (3 - 2)
    [0.25, 5.5], // h = 2.25: 5 + 0.25 * (7 - 5)
    [0.5, 12], // h = 4.5: 11 + 0.5 * (13 - 11)
    [0.9, 23.6], // h = 8.1: 23 + 0.1 * (29 - 23)
    [0.95, 26.3], // h = 8.55: 23 + 0.55 * 6
    [0.99, 28.46], // h = 8.91: 23 + 0.91 * 6
    [1, 29], // p100 is the maximum
  ];
  for (const [p, expected] of cases) close(quantileSorted(PRIMES, p), expected);
});

Deno.test("quantileSorted() returns the value itself for a single value", () => {
  for (const p of [0, 0.5, 0.99, 1]) assert.equal(quantileSorted([42], p), 42);
});

Deno.test("quantileSorted() interpolates between two values", () => {
  assert.equal(quantileSorted([10, 20], 0), 10);
  assert.equal(quantileSorted([10, 20], 0.5), 15);
  close(quantileSorted([10, 20], 0.9), 19);
  assert.equal(quantileSorted([10, 20], 1), 20);
});

Deno.test("quantileSorted() returns NaN for an empty sample", () => {
  assert.ok(Number.isNaN(quantileSorted([], 0.5)));
  assert.ok(Number.isNaN(quantileSorted(new Float64Array(0), 0)));
});

Deno.test("quantileSorted() throws RangeError for p outside [0, 1]", () => {
  for (const p of [-0.01, 1.01, 99, NaN]) {
    assert.throws(() => quantileSorted([1, 2, 3], p), (err: unknown) => {
      assert.ok(err instanceof RangeError);
      assert.match(err.message, /'p' must be in \[0, 1\]/);
      assert.ok(err.message.includes(`got ${p}`), err.message);
      return true;
    });
  }
});

Deno.test("sortedCopy() sorts numerically and leaves its input alone", () => {
  const input = [10, 9, 100, -1, 2.5];
  const sorted = sortedCopy(input);
  // Default Array sort would give [-1, 10, 100, 2.5, 9] (string order).
  assert.deepEqual(Array.from(sorted), [-1, 2.5, 9, 10, 100]);
  assert.deepEqual(input, [10, 9, 100, -1, 2.5]);
});

Deno.test("nearestRankSorted() is the smallest value with at least p of the sample at or below it", () => {
  // Ten values: p50 covers 5 of them (the 5th, 11), p51 needs 6 (13), p95 and p99 need all 10.
  const cases: [number, number][] = [
    [0, 2],
    [0.1, 2],
    [0.11, 3],
    [0.5, 11],
    [0.51, 13],
    [0.95, 29],
    [0.99, 29],
    [1, 29],
  ];
  for (const [p, expected] of cases) assert.equal(nearestRankSorted(PRIMES, p), expected, `p=${p}`);
  // Twenty values: 0.95 × 20 = 19 exactly, the 19th value (no rounding up to the 20th).
  const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
  assert.equal(nearestRankSorted(twenty, 0.95), 19);
  assert.ok(Number.isNaN(nearestRankSorted([], 0.5)));
  assert.throws(() => nearestRankSorted(PRIMES, 1.5), RangeError);
});
