import assert from "node:assert/strict";
import normalQuantile from "npm:@stdlib/stats-base-dists-normal-quantile@^0.3.1";
import { normalDraw, seededRandom } from "../util/random.ts";
import { minimumDetectableChange, minTrialsToReach, trialsNeeded, welchPower } from "./power.ts";
import { mannWhitneyU, welchLogRatio } from "./tests.ts";

/** A seeded standard normal generator. */
function normals(seed: number): () => number {
  const rng = seededRandom(seed);
  return () => normalDraw(rng);
}

/**
 * How often the test splleed runs (welchLogRatio, two-sided, p < alpha)
 * detects a true ratio `1 + change` between lognormal runs, over `draws`
 * seeded pairs of samples.
 */
function simulatedPower(
  o: { nA: number; nB: number; sdLogA: number; sdLogB: number; alpha: number; change: number },
  draws: number,
  seed: number,
): number {
  const z = normals(seed);
  const shift = Math.log1p(o.change);
  let hits = 0;
  for (let i = 0; i < draws; i++) {
    const a = Array.from({ length: o.nA }, () => Math.exp(4 + o.sdLogA * z()));
    const b = Array.from({ length: o.nB }, () => Math.exp(4 + shift + o.sdLogB * z()));
    if (welchLogRatio(a, b, 1 - o.alpha).p < o.alpha) hits++;
  }
  return hits / draws;
}

// 4,000 draws: the binomial SD of a rate near 0.8 is 0.0063, so ±0.04 is 6 SDs;
// the tolerance is the issue's, the margin is for the quadrature.
const DRAWS = 4000;

Deno.test("minimumDetectableChange(): at the change it returns, the test detects it 80 % of the time (simulated)", () => {
  const designs = [
    { nA: 5, nB: 5, sdLogA: 0.05, sdLogB: 0.05 }, // the usual run
    { nA: 3, nB: 3, sdLogA: 0.1, sdLogB: 0.1 }, // few trials: where noncentral t is 0.69
    { nA: 4, nB: 7, sdLogA: 0.02, sdLogB: 0.08 }, // unequal sizes and spreads
  ];
  designs.forEach((d, i) => {
    const change = minimumDetectableChange({ ...d, alpha: 0.05, power: 0.8 });
    assert.ok(change > 0 && Number.isFinite(change), `design ${i}: ${change}`);
    const emp = simulatedPower({ ...d, alpha: 0.05, change }, DRAWS, 100 + i);
    assert.ok(Math.abs(emp - 0.8) <= 0.04, `design ${i}: change ${change}, power ${emp}`);
    // A decrease of the same size on the log scale is detected as often.
    const down = simulatedPower(
      { ...d, alpha: 0.05, change: 1 / (1 + change) - 1 },
      DRAWS,
      200 + i,
    );
    assert.ok(Math.abs(down - 0.8) <= 0.04, `design ${i}: decrease, power ${down}`);
  });
});

Deno.test("minimumDetectableChange() grows with spread, shrinks with trials, and is 0 without spread", () => {
  const base = { nA: 5, nB: 5, sdLogA: 0.05, sdLogB: 0.05, alpha: 0.05, power: 0.8 };
  const mdc = minimumDetectableChange(base);
  assert.ok(minimumDetectableChange({ ...base, sdLogA: 0.1, sdLogB: 0.1 }) > mdc);
  assert.ok(minimumDetectableChange({ ...base, nA: 10, nB: 10 }) < mdc);
  assert.ok(minimumDetectableChange({ ...base, power: 0.9 }) > mdc);
  assert.ok(minimumDetectableChange({ ...base, alpha: 0.01 }) > mdc);
  assert.equal(minimumDetectableChange({ ...base, sdLogA: 0, sdLogB: 0 }), 0);
  assert.equal(minimumDetectableChange({ ...base, power: 0.01 }), 0);
  // Many trials: the normal formula (z(1 − α/2) + z(power))·se.
  const big = minimumDetectableChange({ ...base, nA: 2000, nB: 2000 });
  const z = normalQuantile(0.975, 0, 1) + normalQuantile(0.8, 0, 1);
  const want = Math.expm1(z * Math.sqrt(2 * 0.05 ** 2 / 2000));
  assert.ok(Math.abs(big / want - 1) < 2e-3, `${big} vs ${want}`);
});

Deno.test("welchPower() at no change is the test's false-positive rate (simulated)", () => {
  const d = { nA: 3, nB: 3, sdLogA: 0.1, sdLogB: 0.1, alpha: 0.05 };
  const size = welchPower({ ...d, change: 0 });
  // Welch with 3 vs 3 is conservative: about 0.035, not 0.05.
  assert.ok(size > 0.03 && size < 0.04, `size ${size}`);
  const emp = simulatedPower({ ...d, change: 0 }, 20_000, 7);
  assert.ok(Math.abs(emp - size) < 0.005, `simulated ${emp}, computed ${size}`);
  assert.equal(welchPower({ ...d, sdLogA: 0, sdLogB: 0, change: 0.01 }), 1);
});

Deno.test("trialsNeeded(): the smallest n per side whose power reaches the target", () => {
  const o = { change: 0.02, sdLog: 0.03, alpha: 0.05, power: 0.8 };
  const n = trialsNeeded(o);
  const at = (k: number) =>
    welchPower({
      nA: k,
      nB: k,
      sdLogA: o.sdLog,
      sdLogB: o.sdLog,
      alpha: o.alpha,
      change: o.change,
    });
  assert.ok(at(n) >= 0.8 && at(n - 1) < 0.8, `n ${n}: ${at(n - 1)}, ${at(n)}`);
  // Simulated at n: the target power.
  const emp = simulatedPower(
    { nA: n, nB: n, sdLogA: o.sdLog, sdLogB: o.sdLog, alpha: o.alpha, change: o.change },
    DRAWS,
    3,
  );
  assert.ok(Math.abs(emp - 0.8) <= 0.04, `n ${n}, power ${emp}`);
  // A decrease of 2 % needs about as many; a tiny change the normal formula's count.
  assert.ok(Math.abs(trialsNeeded({ ...o, change: -0.02 }) - n) <= 2);
  const tiny = trialsNeeded({ ...o, change: 0.0001 });
  const z = normalQuantile(0.975, 0, 1) + normalQuantile(0.8, 0, 1);
  assert.equal(tiny, Math.ceil(2 * (z * 0.03 / Math.log1p(0.0001)) ** 2));
  assert.equal(trialsNeeded({ ...o, change: 1, sdLog: 0.01 }), 2);
});

Deno.test("minTrialsToReach(): below it no data reach alpha; at it, fully separated data do", () => {
  for (const alpha of [0.1, 0.05, 0.01, 0.001]) {
    for (const alternative of ["two-sided", "greater"] as const) {
      const n = minTrialsToReach("mann-whitney", alpha, { alternative });
      // The most extreme data possible: all of x above all of y.
      const best = (k: number) =>
        mannWhitneyU(
          Array.from({ length: k }, (_, i) => 100 + i),
          Array.from({ length: k }, (_, i) => i),
          { alternative },
        ).p;
      assert.ok(best(n) <= alpha, `${alpha} ${alternative}: n ${n} gives ${best(n)}`);
      if (n > 1) assert.ok(best(n - 1) > alpha, `${alpha} ${alternative}: n − 1 reaches it`);
    }
  }
  assert.equal(minTrialsToReach("mann-whitney", 0.05), 4);
  assert.equal(minTrialsToReach("welch", 0.001), 2);
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => minTrialsToReach("t" as any, 0.05),
    (e: unknown) => e instanceof RangeError && /'test' must be .* got "t"/.test(e.message),
  );
  assert.throws(
    () => minTrialsToReach("welch", 5),
    (e: unknown) => e instanceof RangeError && /'alpha' must be in \(0, 1\), got 5/.test(e.message),
  );
});

Deno.test("power helpers refuse designs they cannot compute, naming the argument", () => {
  const base = { nA: 5, nB: 5, sdLogA: 0.05, sdLogB: 0.05, alpha: 0.05, power: 0.8 };
  assert.throws(
    () => minimumDetectableChange({ ...base, nA: 1 }),
    (e: unknown) =>
      e instanceof RangeError && /'nA' must be an integer ≥ 2 .* got 1/.test(e.message),
  );
  assert.throws(
    () => minimumDetectableChange({ ...base, sdLogB: NaN }),
    (e: unknown) => e instanceof RangeError && /'sdLogB' .* got NaN/.test(e.message),
  );
  assert.throws(
    () => trialsNeeded({ change: 0, sdLog: 0.1, alpha: 0.05, power: 0.8 }),
    (e: unknown) =>
      e instanceof RangeError && /'change' must be a nonzero .* got 0/.test(e.message),
  );
  assert.throws(
    () => trialsNeeded({ change: 0.1, sdLog: 0.1, alpha: 0.05, power: 1 }),
    (e: unknown) => e instanceof RangeError && /'power' must be in \(0, 1\), got 1/.test(e.message),
  );
});
