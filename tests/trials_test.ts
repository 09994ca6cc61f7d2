/**
 * Trials are independent repetitions: each yields one value per metric. A
 * level's means, rates and counts are the mean over trials with a Student-t
 * interval; its latency percentiles, minimum and maximum are over the pooled
 * requests of all trials, with a distribution-free interval or none.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import tQuantile from "npm:@stdlib/stats-base-dists-t-quantile@^0.2.3";
import { simulator } from "../lib/backends/simulator.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import { quantileSorted } from "../lib/stats/quantile.ts";

Deno.test("three trials: means over trials with a t interval, percentiles over pooled requests", async () => {
  const dir = await Deno.makeTempDir();
  const recordsFile = join(dir, "records.jsonl");
  const results = await benchmark({
    backend: simulator({ profile: "small" }),
    prompts: ["one prompt", "another, longer prompt for variety"],
    concurrency: [4],
    warmup: 2,
    runs: 12,
    trials: 3,
    confidenceLevel: 0.9,
    records: recordsFile,
    sampling: { maxTokens: 8 },
  });
  const level = results.levels[0];
  assert.equal(level.trials.length, 3);
  // The pooled TTFT of the 36 measured requests, from the records file (times kept to 1 µs).
  const ttft = (await Deno.readTextFile(recordsFile)).trim().split("\n").map((l) => JSON.parse(l))
    .filter((r) => r.kind === "request" && r.phase === "measure" && r.ok)
    .map((r) => r.firstTokenMs - r.sentMs).sort((a: number, b: number) => a - b);
  assert.equal(ttft.length, 36);
  await Deno.remove(dir, { recursive: true });
  let pooledIds = 0;
  for (const [id, s] of Object.entries(level.summary)) {
    const values = s.trials.filter((v): v is number => v !== null);
    assert.equal(values.length, 3, id);
    for (let i = 0; i < 3; i++) {
      assert.equal(s.trials[i], level.trials[i].metrics[id], `${id} trial ${i}`);
    }
    assert.deepEqual(s.spread, { min: Math.min(...values), max: Math.max(...values) }, id);
    if (s.basis === "pooled") {
      pooledIds++;
      assert.match(id, /_(min|max|p50|p90|p95|p99)_ms$/);
      if (s.ci === null) {
        assert.ok(/_(min|max)_ms$/.test(id) || s.noInterval, `${id} says why it has no interval`);
      } else {
        assert.ok(s.ci[0] <= s.value && s.value <= s.ci[1], `${id}: ${s.ci} contains ${s.value}`);
      }
      continue;
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
  assert.equal(pooledIds, 5 * 6 + 4); // 5 latencies × 6 stats, 4 failure-adjusted E2E
  const t = level.summary;
  assert.ok(Math.abs(t.ttft_p50_ms.value - quantileSorted(ttft, 0.5)) < 2e-3);
  assert.ok(Math.abs(t.ttft_max_ms.value - ttft[35]) < 2e-3);
  assert.ok(t.ttft_p50_ms.ci !== null && t.ttft_p90_ms.ci !== null); // 36 requests: enough at 90 % (p90 needs 29)
  assert.equal(t.ttft_p95_ms.ci, null);
  assert.deepEqual(t.ttft_p99_ms.noInterval, { values: 36, needed: 299 }); // at 90 %
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
