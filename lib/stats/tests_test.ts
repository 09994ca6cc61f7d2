import assert from "node:assert/strict";
import { normalDraw, seededRandom } from "../util/random.ts";
import { welchPower } from "./power.ts";
import {
  benjaminiHochberg,
  hodgesLehmannRatio,
  holm,
  mannWhitneyU,
  welchLogRatio,
  welchTTest,
} from "./tests.ts";

/** |got − want| ≤ tol · max(1, |want|) (relative for large values, absolute near 0). */
function close(got: number, want: number, tol = 1e-8, what = ""): void {
  assert.ok(
    Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)),
    `${what}: got ${got}, want ${want}`,
  );
}

/** A seeded standard normal generator. */
function normals(seed: number): () => number {
  const rng = seededRandom(seed);
  return () => normalDraw(rng);
}

// Reference values: the (R's t.test / wilcox.test, p.adjust), and
// SciPy 1.17.1 (ttest_ind(equal_var=False), mannwhitneyu) for the one-sided
// and extra cases; every value below was computed there, not here.

Deno.test("welchTTest() reproduces R/SciPy: t, df, p two-sided and one-sided", () => {
  const x = [2, 1, 3, 4], y = [6, 5, 7, 9];
  const r = welchTTest(x, y);
  close(r.t, -3.9703446152, 1e-8, "t");
  close(r.df, 5.5846153846, 1e-8, "df");
  close(r.p, 0.0085128631, 1e-8, "p");
  assert.equal(r.meanDiff, -4.25);
  close(r.se, 4.25 / 3.9703446152237674, 1e-12, "se");
  // "less": x below y, the direction of the data: half the two-sided p.
  close(welchTTest(x, y, { alternative: "less" }).p, 0.0042564315656890865, 1e-8, "less");
  close(welchTTest(x, y, { alternative: "greater" }).p, 0.9957435684343109, 1e-8, "greater");
  // Another pair (unequal sizes), where x is above y.
  const x2 = [10.1, 12.3, 9.8, 11.7, 10.9, 13.2], y2 = [9.2, 9.9, 8.7, 10.4];
  const r2 = welchTTest(x2, y2);
  close(r2.t, 2.7260814710753145, 1e-10, "t2");
  close(r2.df, 7.928705321115845, 1e-10, "df2");
  close(r2.p, 0.02621944662242292, 1e-8, "p2");
  close(welchTTest(x2, y2, { alternative: "greater" }).p, 0.01310972331121146, 1e-8, "greater2");
  close(welchTTest(x2, y2, { alternative: "less" }).p, 0.9868902766887886, 1e-8, "less2");
});

Deno.test("welchTTest() is antisymmetric in its samples; constant samples have a defined answer", () => {
  const x = [3.1, 2.7, 3.3], y = [2.1, 2.6, 2.2, 2.4];
  const a = welchTTest(x, y), b = welchTTest(y, x);
  close(a.t, -b.t, 1e-12, "t");
  close(a.p, b.p, 1e-12, "p");
  close(a.df, b.df, 1e-12, "df");
  close(
    welchTTest(x, y, { alternative: "greater" }).p,
    welchTTest(y, x, { alternative: "less" }).p,
  );
  assert.deepEqual(welchTTest([5, 5], [5, 5, 5]), { t: 0, df: 3, p: 1, meanDiff: 0, se: 0 });
  const d = welchTTest([5, 5], [6, 6]);
  assert.equal(d.t, -Infinity);
  assert.equal(d.p, 0);
  assert.equal(welchTTest([5, 5], [6, 6], { alternative: "greater" }).p, 1);
  // One constant side: df is the other side's n − 1.
  close(welchTTest([5, 5, 5], [1, 2, 3, 4]).df, 3, 1e-12, "df one constant side");
});

Deno.test("welchTTest() refuses samples it cannot test, saying what it got", () => {
  assert.throws(
    () => welchTTest([1], [2, 3]),
    (e: unknown) => e instanceof RangeError && /at least 2 values, got 1 and 2/.test(e.message),
  );
  assert.throws(
    () => welchTTest([1, NaN], [2, 3]),
    (e: unknown) => e instanceof RangeError && /finite numbers, got NaN in x/.test(e.message),
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => welchTTest([1, 2], [2, 3], { alternative: "bigger" as any }),
    (e: unknown) =>
      e instanceof RangeError && /'alternative' must be .* got "bigger"/.test(e.message),
  );
});

Deno.test("mannWhitneyU() reproduces R/SciPy: exact and asymptotic, both tails", () => {
  const x = [19, 22, 16, 29, 24], y = [20, 11, 17, 12];
  const exact = mannWhitneyU(x, y, { method: "exact" });
  assert.deepEqual([exact.u, exact.method], [17, "exact"]);
  close(exact.p, 0.1111111111, 1e-8, "exact two-sided");
  close(mannWhitneyU(x, y, { alternative: "greater" }).p, 0.05555555555555555, 1e-10, "greater");
  close(mannWhitneyU(x, y, { alternative: "less" }).p, 0.9682539682539683, 1e-10, "less");
  const asym = mannWhitneyU(x, y, { method: "asymptotic" });
  assert.equal(asym.method, "asymptotic");
  close(asym.p, 0.1113468865, 1e-8, "asymptotic");
  close(
    mannWhitneyU(x, y, { method: "asymptotic", alternative: "greater" }).p,
    0.055673443266570206,
    1e-8,
    "asymptotic greater",
  );
  close(
    mannWhitneyU(x, y, { method: "asymptotic", alternative: "less" }).p,
    0.9669037101389033,
    1e-8,
    "asymptotic less",
  );
  // U of y is n·m − U of x; the two-sided p is the same.
  const swapped = mannWhitneyU(y, x);
  assert.equal(swapped.u, 3);
  close(swapped.p, exact.p, 1e-12, "swapped");
});

Deno.test("mannWhitneyU() with ties: the tie-corrected normal approximation, with and without continuity", () => {
  const x = Array.from({ length: 10 }, (_, i) => i + 1);
  const y = Array.from({ length: 12 }, (_, i) => 2 * (i + 1));
  const r = mannWhitneyU(x, y, { method: "asymptotic" });
  assert.equal(r.u, 22.5);
  close(r.p, 0.0145593201, 1e-8, "two-sided");
  close(
    mannWhitneyU(x, y, { method: "asymptotic", alternative: "less" }).p,
    0.007279660031035472,
    1e-8,
    "less",
  );
  close(
    mannWhitneyU(x, y, { method: "asymptotic", alternative: "greater" }).p,
    0.9939495872420133,
    1e-8,
    "greater",
  );
  close(
    mannWhitneyU(x, y, { method: "asymptotic", continuity: false }).p,
    0.01327985826328719,
    1e-8,
    "no continuity",
  );
  // Every value tied: no evidence either way.
  assert.equal(mannWhitneyU([3, 3], [3, 3, 3], { method: "asymptotic" }).p, 1);
  assert.equal(mannWhitneyU([3, 3], [3, 3, 3]).p, 1);
});

Deno.test("mannWhitneyU() exact for 12 vs 15 values matches SciPy", () => {
  const c = [
    0.345584,
    0.821618,
    0.330437,
    -1.303157,
    0.905356,
    0.446375,
    -0.536953,
    0.581118,
    0.364572,
    0.294132,
    0.028422,
    0.546713,
  ];
  const d = [
    0.063546,
    0.63709,
    0.317881,
    1.398846,
    0.839722,
    0.507543,
    0.018092,
    0.542808,
    0.808142,
    0.524397,
    2.094064,
    1.806724,
    -1.911162,
    -1.089013,
    0.625228,
  ];
  const r = mannWhitneyU(c, d);
  assert.deepEqual([r.u, r.method], [69, "exact"]);
  close(r.p, 0.32285706396623076, 1e-8, "two-sided");
  close(mannWhitneyU(c, d, { alternative: "less" }).p, 0.16142853198311538, 1e-8, "less");
  close(mannWhitneyU(c, d, { alternative: "greater" }).p, 0.8502286028534515, 1e-8, "greater");
  // The larger sample first: the same p, tabulated from the other side.
  close(mannWhitneyU(d, c).p, r.p, 1e-10, "swapped");
});

/** Exact tails of U by enumerating every split of the pooled values (an independent check). */
function bruteForceTails(x: number[], y: number[]): { lower: number; upper: number; u: number } {
  const all = [...x, ...y], n = all.length, m = x.length;
  const uOf = (xs: number[], ys: number[]) => {
    let u = 0;
    for (const a of xs) for (const b of ys) u += a > b ? 1 : a === b ? 0.5 : 0;
    return u;
  };
  const u0 = uOf(x, y);
  let lower = 0, upper = 0, count = 0;
  for (let mask = 0; mask < 1 << n; mask++) {
    let bits = 0;
    for (let i = 0; i < n; i++) if (mask & (1 << i)) bits++;
    if (bits !== m) continue;
    const xs = all.filter((_, i) => mask & (1 << i)), ys = all.filter((_, i) => !(mask & (1 << i)));
    const u = uOf(xs, ys);
    count++;
    if (u <= u0 + 1e-9) lower++;
    if (u >= u0 - 1e-9) upper++;
  }
  return { lower: lower / count, upper: upper / count, u: u0 };
}

Deno.test("mannWhitneyU() exact with ties is the permutation distribution of U (checked by enumeration)", () => {
  const cases: [number[], number[]][] = [
    [[1, 2, 2, 3, 5], [2, 3, 3, 4, 6, 6]],
    [[10, 10, 10], [10, 11, 12, 12]],
    [[0.5, 0.7, 0.7, 0.9, 1.1, 1.1, 1.3], [0.7, 1.1, 1.5, 1.5, 1.7, 1.9]],
    [[4, 1, 3], [2, 5, 6, 7, 8, 9, 10, 11]],
  ];
  for (const [x, y] of cases) {
    const want = bruteForceTails(x, y);
    const two = mannWhitneyU(x, y, { method: "exact" });
    assert.equal(two.u, want.u);
    assert.equal(two.method, "exact");
    close(two.p, Math.min(1, 2 * Math.min(want.lower, want.upper)), 1e-12, `${x} two-sided`);
    close(mannWhitneyU(x, y, { alternative: "less" }).p, want.lower, 1e-12, `${x} less`);
    close(mannWhitneyU(x, y, { alternative: "greater" }).p, want.upper, 1e-12, `${x} greater`);
  }
});

Deno.test("mannWhitneyU() 'auto' is exact up to 50 per side and asymptotic beyond; exact refuses huge samples", () => {
  const a = Array.from({ length: 50 }, (_, i) => i * 1.01);
  const b = Array.from({ length: 50 }, (_, i) => i * 0.99 + 0.3);
  assert.equal(mannWhitneyU(a, b).method, "exact");
  assert.equal(mannWhitneyU([...a, 100], b).method, "asymptotic");
  // For 50 vs 50 exact and asymptotic agree closely.
  close(mannWhitneyU(a, b).p, mannWhitneyU(a, b, { method: "asymptotic" }).p, 0.01, "50 vs 50");
  const big = Array.from({ length: 600 }, (_, i) => i);
  assert.throws(
    () => mannWhitneyU(big, big.map((v) => v + 0.5), { method: "exact" }),
    (e: unknown) =>
      e instanceof RangeError && /samples of 600 and 600 values is too costly/.test(e.message),
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => mannWhitneyU([1], [2], { method: "permutation" as any }),
    (e: unknown) => e instanceof RangeError && /got "permutation"/.test(e.message),
  );
  assert.throws(
    () => mannWhitneyU([], [2]),
    (e: unknown) => e instanceof RangeError && /at least 1 value, got 0 and 1/.test(e.message),
  );
});

Deno.test("holm() and benjaminiHochberg() reproduce R's p.adjust, in input order", () => {
  const p = [0.008, 0.03, 0.123, 0.6, 0.2];
  holm(p).forEach((v, i) => close(v, [0.04, 0.12, 0.369, 0.6, 0.4][i], 1e-12, `holm ${i}`));
  benjaminiHochberg(p).forEach((v, i) =>
    close(v, [0.04, 0.075, 0.205, 0.6, 0.25][i], 1e-12, `BH ${i}`)
  );
  // Monotone steps, capped at 1; ties keep their order; one p is itself.
  assert.deepEqual(holm([0.5, 0.01, 0.5]), [1, 0.03, 1]);
  assert.deepEqual(benjaminiHochberg([0.02, 0.02, 0.9]), [0.03, 0.03, 0.9]);
  assert.deepEqual(holm([0.04]), [0.04]);
  assert.deepEqual(holm([]), []);
  assert.deepEqual(benjaminiHochberg([]), []);
  assert.throws(
    () => holm([0.1, 1.2]),
    (e: unknown) => e instanceof RangeError && /in \[0, 1\], got 1.2/.test(e.message),
  );
  assert.throws(
    () => benjaminiHochberg([NaN]),
    (e: unknown) => e instanceof RangeError && /got NaN/.test(e.message),
  );
});

Deno.test("welchLogRatio() is Welch on the logs: ratio y/x, its interval, one-sided bounds", () => {
  const x = [100, 104, 98, 101, 97], y = [121, 118, 125, 119, 124];
  const lx = x.map(Math.log), ly = y.map(Math.log);
  const w = welchTTest(lx, ly);
  const r = welchLogRatio(x, y, 0.95);
  close(r.ratio, Math.exp(-w.meanDiff), 1e-12, "ratio");
  close(r.p, w.p, 1e-12, "p");
  close(r.df, w.df, 1e-12, "df");
  // The interval's log half-width is t(0.975, df)·se: recover t and compare
  // with its value from the t distribution (via a zero-p check below).
  const half = Math.log(r.ci[1] / r.ratio);
  close(Math.log(r.ratio / r.ci[0]), half, 1e-12, "symmetric on the log scale");
  assert.ok(r.ci[0] > 1.15 && r.ci[1] < 1.28, `ci ${r.ci}`);
  // One-sided: "less" (x below y) bounds the ratio from below only, and the
  // bound is tighter than the two-sided one.
  const less = welchLogRatio(x, y, 0.95, { alternative: "less" });
  assert.equal(less.ci[1], Infinity);
  assert.ok(less.ci[0] > r.ci[0] && less.ci[0] < r.ratio);
  close(less.p, r.p / 2, 1e-12, "less p");
  const greater = welchLogRatio(x, y, 0.95, { alternative: "greater" });
  assert.equal(greater.ci[0], 0);
  close(greater.p, 1 - r.p / 2, 1e-12, "greater p");
  // Swapping the samples inverts the ratio and its interval.
  const inv = welchLogRatio(y, x, 0.95);
  close(inv.ratio, 1 / r.ratio, 1e-12, "inverse");
  close(inv.ci[0], 1 / r.ci[1], 1e-12, "inverse low");
  assert.throws(
    () => welchLogRatio([1, 0], [1, 2], 0.95),
    (e: unknown) => e instanceof RangeError && /positive .* got 0 in x/.test(e.message),
  );
  assert.throws(
    () => welchLogRatio([1, 2], [1, 2], 95),
    (e: unknown) =>
      e instanceof RangeError && /'confidence' must be in \(0, 1\), got 95/.test(e.message),
  );
});

Deno.test("hodgesLehmannRatio(): median pairwise ratio, exact order-statistic interval (R's conf.int ranks)", () => {
  const x = [100, 104, 98, 101, 97], y = [121, 118, 125, 119, 130];
  const d = x.flatMap((a) => y.map((b) => Math.log(b) - Math.log(a))).sort((a, b) => a - b);
  const r = hodgesLehmannRatio(x, y, 0.95);
  close(r.ratio, Math.exp(d[12]), 1e-12, "median of 25");
  // 5 vs 5 at 95 %: R's qwilcox(0.025, 5, 5) = 3, so [D(3), D(23)].
  close(r.ci[0], Math.exp(d[2]), 1e-12, "low");
  close(r.ci[1], Math.exp(d[22]), 1e-12, "high");
  assert.ok(Number.isNaN(r.df));
  close(r.p, mannWhitneyU(x, y).p, 1e-15, "p is the U test's");
  // 4 vs 4 at 95 %: only the full range [D(1), D(16)] (97.1 %).
  const r4 = hodgesLehmannRatio([1, 2, 3, 4], [5, 6, 7, 8], 0.95);
  close(r4.ci[0], 5 / 4, 1e-12, "4v4 low");
  close(r4.ci[1], 8, 1e-12, "4v4 high");
  // 3 vs 3 at 95 % has no interval; one-sided it has one: [D(1), ∞).
  assert.deepEqual(hodgesLehmannRatio([1, 2, 3], [4, 5, 6], 0.95).ci, [0, Infinity]);
  const one = hodgesLehmannRatio([1, 2, 3], [4, 5, 6], 0.95, { alternative: "less" });
  close(one.ci[0], 4 / 3, 1e-12, "one-sided low");
  assert.equal(one.ci[1], Infinity);
  close(one.p, 0.05, 1e-12, "one-sided p");
  // Even count of differences: the mean of the middle two.
  close(hodgesLehmannRatio([1, 2], [4], 0.5).ratio, Math.sqrt(4 * 2), 1e-12, "even");
});

Deno.test("the ratio intervals agree with their tests: the interval excludes 1 exactly when p ≤ α", () => {
  const z = normals(21);
  for (let rep = 0; rep < 300; rep++) {
    const shift = 0.05 * (rep % 5);
    const x = Array.from({ length: 5 }, () => Math.exp(0.1 * z()));
    const y = Array.from({ length: 6 }, () => Math.exp(shift + 0.1 * z()));
    for (const alternative of ["two-sided", "less", "greater"] as const) {
      const w = welchLogRatio(x, y, 0.95, { alternative });
      assert.equal(w.ci[0] > 1 || w.ci[1] < 1, w.p < 0.05, `welch ${alternative} rep ${rep}`);
      const h = hodgesLehmannRatio(x, y, 0.95, { alternative });
      assert.equal(h.ci[0] > 1 || h.ci[1] < 1, h.p <= 0.05, `HL ${alternative} rep ${rep}`);
    }
  }
});

// Calibration (the issue: every interval splleed prints must cover the truth
// at close to its stated level). 4,000 seeded draws of two runs of 5 trials
// with lognormal trial values (log SD 0.1): the binomial SD of a rate near
// 0.05 over 4,000 draws is 0.0034, so ±0.012 is 3.5 SDs.
const DRAWS = 4000;

Deno.test("calibration: welchLogRatio() — false-positive rate ≈ 5 %, 95 % intervals cover ≈ 95 %", () => {
  const z = normals(1234);
  let rejections = 0, coveredNull = 0, coveredShift = 0;
  for (let i = 0; i < DRAWS; i++) {
    const x = Array.from({ length: 5 }, () => Math.exp(3 + 0.1 * z()));
    const y = Array.from({ length: 5 }, () => Math.exp(3 + 0.1 * z()));
    const r = welchLogRatio(x, y, 0.95);
    if (r.p < 0.05) rejections++;
    if (r.ci[0] <= 1 && 1 <= r.ci[1]) coveredNull++;
    // A true ratio of 1.3 (unequal spreads): covered as often.
    const y2 = Array.from({ length: 5 }, () => 1.3 * Math.exp(3 + 0.2 * z()));
    const r2 = welchLogRatio(x, y2, 0.95);
    if (r2.ci[0] <= 1.3 && 1.3 <= r2.ci[1]) coveredShift++;
  }
  // Welch is slightly conservative with 5 vs 5 equal spreads: its exact size
  // (welchPower at no change) is 0.044; the rate is near both.
  const size = welchPower({ nA: 5, nB: 5, sdLogA: 0.1, sdLogB: 0.1, alpha: 0.05, change: 0 });
  assert.ok(size > 0.04 && size < 0.05, `size ${size}`);
  assert.ok(Math.abs(rejections / DRAWS - size) <= 0.011, `false positives ${rejections / DRAWS}`);
  assert.ok(Math.abs(rejections / DRAWS - 0.05) <= 0.012, `false positives ${rejections / DRAWS}`);
  assert.ok(Math.abs(coveredNull / DRAWS - 0.95) <= 0.012, `coverage ${coveredNull / DRAWS}`);
  assert.ok(Math.abs(coveredShift / DRAWS - 0.95) <= 0.012, `coverage 1.3 ${coveredShift / DRAWS}`);
});

Deno.test("calibration: hodgesLehmannRatio() — exact interval covers at least 95 %, test size ≤ 5 %", () => {
  const z = normals(5678);
  let rejections = 0, coveredNull = 0, coveredShift = 0;
  for (let i = 0; i < DRAWS; i++) {
    const x = Array.from({ length: 5 }, () => Math.exp(3 + 0.1 * z()));
    const y = Array.from({ length: 5 }, () => Math.exp(3 + 0.1 * z()));
    const r = hodgesLehmannRatio(x, y, 0.95);
    if (r.p < 0.05) rejections++;
    if (r.ci[0] <= 1 && 1 <= r.ci[1]) coveredNull++;
    const y2 = Array.from({ length: 5 }, () => 0.8 * Math.exp(3 + 0.1 * z()));
    const r2 = hodgesLehmannRatio(x, y2, 0.95);
    if (r2.ci[0] <= 0.8 && 0.8 <= r2.ci[1]) coveredShift++;
  }
  // 5 vs 5 exact: the nearest achievable level below 5 % is 2·4/252 = 0.0317,
  // so the size is 0.0317 and the coverage 1 − 0.0317 = 0.968.
  const size = 8 / 252;
  assert.ok(Math.abs(rejections / DRAWS - size) <= 0.012, `false positives ${rejections / DRAWS}`);
  assert.ok(rejections / DRAWS <= 0.05 + 0.012);
  for (const [name, c] of [["null", coveredNull], ["0.8", coveredShift]] as const) {
    assert.ok(c / DRAWS >= 0.94, `coverage ${name} ${c / DRAWS}`);
    assert.ok(Math.abs(c / DRAWS - (1 - size)) <= 0.012, `coverage ${name} ${c / DRAWS}`);
  }
});

Deno.test("calibration: hodgesLehmannRatio() beyond 50 per side (normal critical rank) covers ≈ 95 %", () => {
  const z = normals(91);
  const draws = 400;
  let covered = 0;
  for (let i = 0; i < draws; i++) {
    const x = Array.from({ length: 60 }, () => Math.exp(0.3 * z()));
    const y = Array.from({ length: 55 }, () => 1.1 * Math.exp(0.3 * z()));
    const r = hodgesLehmannRatio(x, y, 0.95);
    if (r.ci[0] <= 1.1 && 1.1 <= r.ci[1]) covered++;
  }
  // Binomial SD over 400 draws: 0.011; ±0.035 is 3 SDs.
  assert.ok(Math.abs(covered / draws - 0.95) <= 0.035, `coverage ${covered / draws}`);
});
