/**
 * Trials are independent repetitions: each yields one value per metric, and
 * a level's summary is their mean with a Student-t interval.
 */

import assert from "node:assert/strict";
import tQuantile from "npm:@stdlib/stats-base-dists-t-quantile@^0.2.3";
import { simulator } from "../lib/backends/simulator.ts";
import { benchmark } from "../lib/runner/benchmark.ts";

Deno.test("three trials: the summary is the mean of the per-trial values, inside its t interval", async () => {
  const results = await benchmark({
    backend: simulator({ profile: "small" }),
    prompts: ["one prompt", "another, longer prompt for variety"],
    concurrency: [4],
    warmup: 2,
    runs: 12,
    trials: 3,
    confidenceLevel: 0.9,
    records: false,
    sampling: { maxTokens: 8 },
  });
  const level = results.levels[0];
  assert.equal(level.trials.length, 3);
  for (const [id, s] of Object.entries(level.summary)) {
    const values = s.trials.filter((v): v is number => v !== null);
    assert.equal(values.length, 3, id);
    for (let i = 0; i < 3; i++) {
      assert.equal(s.trials[i], level.trials[i].metrics[id], `${id} trial ${i}`);
    }
    const mean = values.reduce((a, b) => a + b, 0) / 3;
    assert.ok(Math.abs(s.value - mean) <= 1e-9 * Math.max(1, Math.abs(mean)), id);
    assert.ok(s.ci !== null, `${id} has a CI`);
    assert.ok(s.ci[0] <= s.value && s.value <= s.ci[1], `${id}: ${s.ci} contains ${s.value}`);
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / 2);
    const half = tQuantile(0.95, 2) * sd / Math.sqrt(3);
    assert.ok(
      Math.abs((s.ci[1] - s.ci[0]) / 2 - half) <= 1e-9 * Math.max(1, half),
      `${id} half-width`,
    );
  }
  assert.match(results.toTable(), /±/);
});

Deno.test("one trial: values but no confidence interval", async () => {
  const results = await benchmark({
    backend: simulator({ ttftMs: 5, itlMs: 1 }),
    prompts: ["x"],
    concurrency: [2],
    warmup: 0,
    runs: 4,
    trials: 1,
    records: false,
    sampling: { maxTokens: 4 },
  });
  for (const s of Object.values(results.levels[0].summary)) assert.equal(s.ci, null);
  assert.doesNotMatch(results.toTable(), /±/);
  const csvRow = results.toCSV().trim().split("\n")[1].split(",");
  const header = results.toCSV().split("\n")[0].split(",");
  assert.equal(csvRow[header.indexOf("ttft_p50_ms_ci_low")], "");
  assert.notEqual(csvRow[header.indexOf("ttft_p50_ms")], "");
});
