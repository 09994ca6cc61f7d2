import assert from "node:assert/strict";
import { seededRandom } from "../util/random.ts";
import { meanConfidenceInterval } from "./confidence.ts";

/** Sample standard error s / √n (s divides by n − 1), computed independently. */
function standardError(values: number[]): number {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const ss = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  return Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
}

// Two-sided Student-t critical values t(1 − α/2, df) from a t-table (four
// decimals; they agree with scipy.stats.t.ppf to that precision).
const T_TABLE: { df: number; t95: number; t99: number }[] = [
  { df: 1, t95: 12.7062, t99: 63.6567 },
  { df: 2, t95: 4.3027, t99: 9.9248 },
  { df: 4, t95: 2.7764, t99: 4.6041 },
  { df: 9, t95: 2.2622, t99: 3.2498 },
  { df: 29, t95: 2.0452, t99: 2.7564 },
];

Deno.test("meanConfidenceInterval() uses the Student-t quantile of a t-table", () => {
  for (const { df, t95, t99 } of T_TABLE) {
    // n = df + 1 distinct values 0, 1, ..., df (so s > 0).
    const values = Array.from({ length: df + 1 }, (_, i) => i);
    const se = standardError(values);
    for (const [level, expected] of [[0.95, t95], [0.99, t99]] as const) {
      const r = meanConfidenceInterval(values, level);
      const t = r.halfWidth! / se;
      // Table values are rounded to 4 decimals: allow 5e-5 plus float noise.
      assert.ok(
        Math.abs(t - expected) < 6e-5,
        `df=${df} level=${level}: t ${t}, table ${expected}`,
      );
    }
  }
});

Deno.test("meanConfidenceInterval() gives an interval symmetric around the mean", () => {
  const values = [12.5, 9.75, 11, 10.25, 13];
  const r = meanConfidenceInterval(values, 0.95);
  assert.equal(r.n, 5);
  assert.ok(Math.abs(r.mean - 56.5 / 5) < 1e-12);
  assert.ok(r.ci);
  const [lo, hi] = r.ci;
  assert.ok(Math.abs((lo + hi) / 2 - r.mean) < 1e-12);
  assert.ok(Math.abs((hi - lo) / 2 - r.halfWidth!) < 1e-12);
  // df = 4: half-width = 2.7764 · s / √5.
  assert.ok(Math.abs(r.halfWidth! - 2.7764 * standardError(values)) < 1e-4);
});

Deno.test("meanConfidenceInterval() widens with the level", () => {
  const values = [1, 2, 4, 8];
  const r90 = meanConfidenceInterval(values, 0.9);
  const r95 = meanConfidenceInterval(values, 0.95);
  const r99 = meanConfidenceInterval(values, 0.99);
  assert.ok(r90.halfWidth! < r95.halfWidth! && r95.halfWidth! < r99.halfWidth!);
});

Deno.test("meanConfidenceInterval() of identical values has a zero-width interval", () => {
  const r = meanConfidenceInterval([7, 7, 7], 0.95);
  assert.deepEqual(r.ci, [7, 7]);
  assert.equal(r.halfWidth, 0);
});

Deno.test("meanConfidenceInterval() of one value has the mean and no interval", () => {
  const r = meanConfidenceInterval([3.5], 0.95);
  assert.deepEqual(r, { mean: 3.5, ci: null, halfWidth: null, n: 1 });
});

Deno.test("meanConfidenceInterval() throws RangeError for an empty sample", () => {
  assert.throws(() => meanConfidenceInterval([], 0.95), (err: unknown) => {
    assert.ok(err instanceof RangeError);
    assert.match(err.message, /'values' is empty/);
    return true;
  });
});

Deno.test("meanConfidenceInterval() throws RangeError for a level outside (0, 1)", () => {
  for (const level of [0, 1, 1.5, -0.1, 95, NaN]) {
    assert.throws(() => meanConfidenceInterval([1, 2, 3], level), (err: unknown) => {
      assert.ok(err instanceof RangeError, `level ${level}`);
      assert.ok(err.message.includes("'level' must be in (0, 1)"), err.message);
      assert.ok(err.message.includes(`got ${level}`), err.message);
      return true;
    });
  }
});

Deno.test("meanConfidenceInterval() at 95% covers the true mean in 95% of normal samples", () => {
  // 2,000 replications of n = 5 draws from N(10, 2²) (Box–Muller over the
  // seeded generator). If the interval is right, the number of intervals
  // containing 10 is Binomial(2000, 0.95): standard deviation
  // sqrt(0.95 · 0.05 / 2000) = 0.49 percentage points, so 95% ± 1.5% is about
  // ±3.1 standard deviations (a correct implementation falls outside with
  // probability ≈ 0.2%; the seed is fixed, so the result is reproducible).
  // Using z = 1.96 instead of t(4) = 2.776 would give ≈ 88%, and dividing by n
  // instead of n − 1 ≈ 93%: both fail.
  const rng = seededRandom(20240607);
  const normal = (): number => {
    const u1 = 1 - rng.next(); // (0, 1]: log is finite
    const u2 = rng.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  };
  const reps = 2000;
  let covered = 0;
  for (let r = 0; r < reps; r++) {
    const sample = Array.from({ length: 5 }, () => 10 + 2 * normal());
    const { ci } = meanConfidenceInterval(sample, 0.95);
    if (ci![0] <= 10 && 10 <= ci![1]) covered++;
  }
  const rate = covered / reps;
  assert.ok(Math.abs(rate - 0.95) <= 0.015, `coverage ${rate}`);
});
