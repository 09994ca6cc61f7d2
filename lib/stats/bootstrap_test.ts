import assert from "node:assert/strict";
import { normalDraw, seededRandom } from "../util/random.ts";
import { bootstrapInterval } from "./bootstrap.ts";

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** A seeded standard normal generator. */
function normals(seed: number): () => number {
  const rng = seededRandom(seed);
  return () => normalDraw(rng);
}

Deno.test("bootstrapInterval() covers the true mean at about its level (1,000 seeded samples of 50)", () => {
  const z = normals(5);
  const draws = 1000;
  let covered = 0;
  for (let i = 0; i < draws; i++) {
    const values = Array.from({ length: 50 }, () => 10 + 2 * z());
    const [lo, hi] = bootstrapInterval(values, mean, { resamples: 1000, seed: i });
    if (lo <= 10 && 10 <= hi) covered++;
  }
  // Binomial SD over 1,000 draws: 0.007. The percentile interval runs a
  // little short at n = 50 (about 0.94); ±0.025 around 0.95.
  assert.ok(Math.abs(covered / draws - 0.95) <= 0.025, `coverage ${covered / draws}`);
});

Deno.test("bootstrapInterval() is reproducible by seed, and its width follows the confidence", () => {
  const z = normals(9);
  const values = Array.from({ length: 40 }, () => z());
  const a = bootstrapInterval(values, mean, { seed: 3 });
  assert.deepEqual(bootstrapInterval(values, mean, { seed: 3 }), a);
  assert.notDeepEqual(bootstrapInterval(values, mean, { seed: 4 }), a);
  const narrow = bootstrapInterval(values, mean, { seed: 3, confidence: 0.5 });
  assert.ok(narrow[0] > a[0] && narrow[1] < a[1]);
  // Width near the normal theory's 2·1.96·s/√n (within 15 %).
  const m = mean(values);
  const s = Math.sqrt(values.reduce((acc, v) => acc + (v - m) ** 2, 0) / (values.length - 1));
  const width = a[1] - a[0], want = 2 * 1.96 * s / Math.sqrt(values.length);
  assert.ok(Math.abs(width / want - 1) < 0.15, `width ${width}, normal theory ${want}`);
  // Constant data: a zero-width interval; the statistic may reorder its resample.
  assert.deepEqual(bootstrapInterval([4, 4, 4], (v) => v.sort()[1]), [4, 4]);
});

Deno.test("bootstrapInterval() refuses what it cannot resample, saying what it got", () => {
  const cases: [() => unknown, RegExp][] = [
    [() => bootstrapInterval([], mean), /'values' is empty/],
    [() => bootstrapInterval([1, 2], mean, { confidence: 1 }), /'confidence' .* got 1/],
    [() => bootstrapInterval([1, 2], mean, { resamples: 0 }), /'resamples' .* got 0/],
    [() => bootstrapInterval([1, 2], mean, { seed: 1.5 }), /'seed' .* got 1.5/],
    [() => bootstrapInterval([1, 2], () => NaN), /finite number for every resample, got NaN/],
  ];
  for (const [f, re] of cases) {
    assert.throws(f, (e: unknown) => e instanceof RangeError && re.test(e.message));
  }
});
