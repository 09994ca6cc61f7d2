import assert from "node:assert/strict";
import { describe, DISTRIBUTION_STATS } from "./describe.ts";

// Expected values are NumPy's (numpy 2.4.6): np.mean, np.std (ddof=0, the
// population standard deviation) and np.percentile (linear, type 7).

function close(actual: number, expected: number, tol = 1e-9): void {
  assert.ok(
    Math.abs(actual - expected) <= tol,
    `expected ${expected}, got ${actual} (tolerance ${tol})`,
  );
}

Deno.test("describe() summarises an unsorted sample like NumPy", () => {
  // Sorted: [1, 2, 3, 5, 7, 9]; n = 6.
  const d = describe([7, 1, 5, 3, 9, 2]);
  assert.ok(d);
  assert.equal(d.count, 6);
  close(d.mean, 4.5); // 27 / 6
  // Squared deviations: 12.25 + 6.25 + 2.25 + 0.25 + 6.25 + 20.25 = 47.5; 47.5 / 6.
  close(d.std, Math.sqrt(47.5 / 6)); // np.std = 2.8136571693556887
  close(d.std, 2.8136571693556887);
  assert.equal(d.min, 1);
  assert.equal(d.max, 9);
  close(d.p50, 4); // h = 2.5: 3 + 0.5 * (5 - 3)
  close(d.p90, 8); // h = 4.5: 7 + 0.5 * (9 - 7)
  close(d.p95, 8.5); // h = 4.75: 7 + 0.75 * 2
  close(d.p99, 8.9); // h = 4.95: 7 + 0.95 * 2
});

Deno.test("describe() uses the population standard deviation (ddof=0)", () => {
  // [2, 4]: mean 3, deviations ±1 -> population variance 1 (sample variance would be 2).
  assert.equal(describe([2, 4])!.std, 1);
});

Deno.test("describe() of one value has std 0 and every statistic equal to it", () => {
  const d = describe([5]);
  assert.ok(d);
  assert.equal(d.count, 1);
  for (const s of DISTRIBUTION_STATS) {
    assert.equal(d[s], s === "std" ? 0 : 5, s);
  }
});

Deno.test("describe() of two values interpolates its percentiles", () => {
  const d = describe([20, 10])!;
  assert.equal(d.min, 10);
  assert.equal(d.max, 20);
  assert.equal(d.mean, 15);
  assert.equal(d.std, 5);
  close(d.p50, 15);
  close(d.p90, 19);
  close(d.p95, 19.5);
  close(d.p99, 19.9);
});

Deno.test("describe() keeps its precision for values with a large offset", () => {
  // np.std([1e9+1, 1e9+2, 1e9+3]) = sqrt(2/3) = 0.816496580927726; a one-pass
  // sum of squares loses it to cancellation.
  const d = describe([1e9 + 3, 1e9 + 1, 1e9 + 2])!;
  close(d.mean, 1e9 + 2);
  close(d.std, Math.sqrt(2 / 3), 1e-6);
});

Deno.test("describe() returns undefined for an empty sample", () => {
  assert.equal(describe([]), undefined);
  assert.equal(describe(new Float64Array(0)), undefined);
});

Deno.test("describe() does not reorder its input", () => {
  const input = new Float64Array([3, 1, 2]);
  describe(input);
  assert.deepEqual(Array.from(input), [3, 1, 2]);
});
