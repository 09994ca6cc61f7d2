import assert from "node:assert/strict";
import { summarizeTrials } from "./summary.ts";

Deno.test("summarizeTrials() puts ids in the given order, then in first-seen order", () => {
  const s = summarizeTrials(
    [{ z: 1, b: 2, a: 3 }, { y: 4, a: 5 }],
    0.95,
    ["a", "missing", "b"],
  );
  // "missing" is in no trial, so it is left out; z and y follow as first seen.
  assert.deepEqual(Object.keys(s), ["a", "b", "z", "y"]);
});

Deno.test("summarizeTrials() keeps per-trial values in trial order with null for missing ones", () => {
  const s = summarizeTrials([{ a: 1, b: 10 }, { a: 3 }, { a: 2, b: 30 }], 0.95);
  assert.deepEqual(s.a.trials, [1, 3, 2]);
  assert.deepEqual(s.b.trials, [10, null, 30]);
  // The mean is over the trials that have a value.
  assert.equal(s.b.value, 20);
});

Deno.test("summarizeTrials() gives the mean and Student-t interval at the requested level", () => {
  const trials = [{ a: 1 }, { a: 3 }, { a: 2 }];
  // mean 2, s = 1, df = 2: t(0.975) = 4.3027, t(0.995) = 9.9248 (t-table).
  const s95 = summarizeTrials(trials, 0.95);
  assert.equal(s95.a.value, 2);
  const hw95 = 4.3027 / Math.sqrt(3);
  assert.ok(Math.abs(s95.a.ci![0] - (2 - hw95)) < 1e-4);
  assert.ok(Math.abs(s95.a.ci![1] - (2 + hw95)) < 1e-4);
  const s99 = summarizeTrials(trials, 0.99);
  const hw99 = 9.9248 / Math.sqrt(3);
  assert.ok(Math.abs(s99.a.ci![1] - (2 + hw99)) < 1e-4);
});

Deno.test("summarizeTrials() gives a null interval when one trial has a value", () => {
  const s = summarizeTrials([{ a: 1, b: 7 }, { a: 2 }], 0.95);
  assert.equal(s.b.value, 7);
  assert.equal(s.b.ci, null);
  assert.notEqual(s.a.ci, null);
});

Deno.test("summarizeTrials() leaves non-finite values out of the mean and counts them", () => {
  const s = summarizeTrials(
    [{ a: 1, x: NaN }, { a: NaN, x: Infinity }, { a: 3 }, { a: Infinity }],
    0.95,
  );
  // Only 1 and 3 count.
  assert.equal(s.a.value, 2);
  assert.ok(s.a.ci);
  assert.ok(Number.isFinite(s.a.ci[0]) && Number.isFinite(s.a.ci[1]));
  assert.equal(s.a.nonFinite, 2);
  assert.deepEqual(s.a.spread, { min: 1, max: 3 });
  // An id with no finite value at all is kept, as NaN with its count.
  assert.ok(Number.isNaN(s.x.value));
  assert.equal(s.x.nonFinite, 2);
  assert.equal(s.x.ci, null);
});

Deno.test("summarizeTrials() of no trials is empty", () => {
  assert.deepEqual(summarizeTrials([], 0.95, ["a"]), {});
});
