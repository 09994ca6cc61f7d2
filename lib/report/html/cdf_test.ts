import assert from "node:assert/strict";
import { sortedSample } from "../../stats/quantile_interval.ts";
import { BlockedSample } from "../../stats/blocked_sample.ts";
import { CDF_POINTS, cdfPoints } from "./cdf.ts";
import { normalDraw, seededRandom } from "../../util/random.ts";

/** A seeded lognormal sample (latencies with a tail), sorted. */
function sample(n: number, seed = 1): Float64Array {
  const rng = seededRandom(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = 20 * Math.exp(0.5 * normalDraw(rng));
  return out.sort();
}

Deno.test("cdfPoints: a large sample becomes at most a few hundred points, on the empirical CDF", () => {
  const values = sample(200_000);
  const c = cdfPoints(sortedSample(values));
  assert.ok(c.x.length <= CDF_POINTS && c.x.length > CDF_POINTS * 0.8, `${c.x.length} points`);
  assert.equal(c.n, values.length);
  assert.equal(c.x[0], values[0]);
  assert.equal(c.x.at(-1), values.at(-1));
  assert.equal(c.p.at(-1), 1);
  for (let i = 1; i < c.x.length; i++) {
    assert.ok(c.x[i] > c.x[i - 1], "x strictly ascending");
    assert.ok(c.p[i] > c.p[i - 1], "p ascending");
  }
  // Each point is on the empirical CDF: the share of values ≤ x.
  for (const i of [0, 50, 150, c.x.length - 2]) {
    assert.equal(c.p[i], sortedSample(values).countAtMost(c.x[i]) / values.length);
  }
  // The tail is sampled finely: points beyond p99.9 and p99.99.
  assert.ok(c.p.some((p) => p > 0.999 && p < 0.9999), "a point in (p99.9, p99.99)");
  assert.ok(c.p.some((p) => p > 0.9999 && p < 1), "a point beyond p99.99");
});

Deno.test("cdfPoints: a BlockedSample (inter-token gaps) reads the same as the sorted values", () => {
  const values = sample(5_000, 7);
  const blocked = new BlockedSample();
  for (const v of values) blocked.push(v);
  const fromBlocked = cdfPoints(blocked, 100);
  const fromSorted = cdfPoints(sortedSample(Float32Array.from(values)), 100);
  assert.deepEqual(fromBlocked, fromSorted);
});

Deno.test("cdfPoints: ties make one point, empty samples no point, too few points a RangeError", () => {
  assert.deepEqual(cdfPoints(sortedSample([5, 5, 5, 7])), { x: [5, 7], p: [0.75, 1], n: 4 });
  assert.deepEqual(cdfPoints(sortedSample([])), { x: [], p: [], n: 0 });
  assert.throws(() => cdfPoints(sortedSample([1]), 3), /'maxPoints' must be at least 10, got 3/);
});
