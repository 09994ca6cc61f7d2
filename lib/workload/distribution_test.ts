import assert from "node:assert/strict";
import { ConfigError, validate } from "../config/errors.ts";
import { distributionSchema, parseDistribution } from "../config/workload.ts";
import { seededRandom } from "../util/random.ts";
import { distributionSampler, formatDistribution } from "./distribution.ts";

Deno.test("parseDistribution() reads every CLI form and round-trips through formatDistribution()", () => {
  for (
    const [text, want] of [
      ["512", 512],
      [" 512 ", 512],
      ["uniform:256,1024", { dist: "uniform", min: 256, max: 1024 }],
      ["normal:512,64", { dist: "normal", mean: 512, std: 64 }],
      ["normal:512,64,600", { dist: "normal", mean: 512, std: 64, max: 600 }],
      ["lognormal:512,128", { dist: "lognormal", mean: 512, std: 128 }],
      ["LogNormal:10.5,0", { dist: "lognormal", mean: 10.5, std: 0 }],
    ] as const
  ) {
    assert.deepEqual(parseDistribution(text), want, text);
    if (text === text.trim() && !/[A-Z]/.test(text)) {
      assert.equal(formatDistribution(want), text);
    }
  }
});

Deno.test("parseDistribution() rejects bad strings with a ConfigError naming the field", () => {
  for (
    const bad of [
      "",
      "0",
      "-5",
      "1.5",
      "abc",
      "uniform:5",
      "uniform:10,5",
      "uniform:a,b",
      "normal:512",
      "normal:0,1",
      "normal:512,64,0",
      "gauss:1,2",
      "poisson:4,2",
    ]
  ) {
    assert.throws(
      () => parseDistribution(bad, "--input-len"),
      (e: unknown) =>
        e instanceof ConfigError && e.issues[0].path === "--input-len" &&
        e.issues[0].received === JSON.stringify(bad) &&
        /uniform:MIN,MAX/.test(e.issues[0].expected),
      bad,
    );
  }
});

Deno.test("distributionSchema accepts numbers, strings and objects; reports bad ones", () => {
  assert.equal(validate(distributionSchema, 7, "benchmark"), 7);
  assert.deepEqual(validate(distributionSchema, "uniform:1,2", "benchmark"), {
    dist: "uniform",
    min: 1,
    max: 2,
  });
  assert.deepEqual(
    validate(distributionSchema, { dist: "normal", mean: 5, std: 1 }, "benchmark"),
    { dist: "normal", mean: 5, std: 1 },
  );
  assert.throws(
    () => validate(distributionSchema, "uniform:9,1", "benchmark", "inputLen"),
    /'inputLen' must be a length distribution/,
  );
  assert.throws(
    () =>
      validate(distributionSchema, { dist: "uniform", min: 9, max: 1 }, "benchmark", "inputLen"),
    /'inputLen.max' must be a number >= min \(9\), got 1/,
  );
  assert.throws(() => validate(distributionSchema, 0, "benchmark", "inputLen"), ConfigError);
});

Deno.test("distributionSampler(): same seed same draws; values are integers within bounds", async () => {
  const dists = [
    { dist: "uniform", min: 3, max: 9 },
    { dist: "normal", mean: 100, std: 30, max: 150 },
    { dist: "lognormal", mean: 100, std: 80, max: 400 },
  ] as const;
  for (const d of dists) {
    const a = await distributionSampler(d, seededRandom(5));
    const b = await distributionSampler(d, seededRandom(5));
    const xs = Array.from({ length: 2000 }, () => a());
    assert.deepEqual(xs, Array.from({ length: 2000 }, () => b()), d.dist);
    const max = d.max;
    assert.ok(xs.every((x) => Number.isInteger(x) && x >= 1 && x <= max), d.dist);
    const c = await distributionSampler(d, seededRandom(6));
    assert.notDeepEqual(xs, Array.from({ length: 2000 }, () => c()), d.dist);
  }
});

Deno.test("distributionSampler(): uniform covers its range; normal and lognormal hit their mean and std", async () => {
  const u = await distributionSampler({ dist: "uniform", min: 3, max: 9 }, seededRandom(1));
  const seen = new Set(Array.from({ length: 2000 }, () => u()));
  assert.deepEqual([...seen].sort((a, b) => a - b), [3, 4, 5, 6, 7, 8, 9]);
  // 20,000 draws: the standard error of the mean is std/141, so 2% of the
  // mean is far outside sampling noise; std within 5% likewise.
  for (const kind of ["normal", "lognormal"] as const) {
    const draw = await distributionSampler({ dist: kind, mean: 512, std: 128 }, seededRandom(2));
    const xs = Array.from({ length: 20_000 }, () => draw());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
    assert.ok(Math.abs(mean - 512) < 512 * 0.02, `${kind} mean ${mean}`);
    assert.ok(Math.abs(std - 128) < 128 * 0.05, `${kind} std ${std}`);
  }
  // Clamped below at 1: a normal with most of its mass below 0.
  const low = await distributionSampler({ dist: "normal", mean: 1, std: 50 }, seededRandom(3));
  assert.ok(Array.from({ length: 1000 }, () => low()).every((x) => x >= 1));
  assert.equal(
    (await distributionSampler({ dist: "normal", mean: 40, std: 0 }, seededRandom(0)))(),
    40,
  );
});
