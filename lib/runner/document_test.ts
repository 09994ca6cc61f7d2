import assert from "node:assert/strict";
import type { TrialSamples } from "../metrics/trial.ts";
import type { TrialResult } from "../results/document.ts";
import type { PlannedLevel } from "../results/plan.ts";
import { BlockedSample } from "../stats/blocked_sample.ts";
import { summarizeLevel } from "./document.ts";

const LEVEL = {
  index: 0,
  label: "c=2",
  mode: "latency",
  concurrency: 2,
  load: { kind: "closed", concurrency: 2 },
} as unknown as PlannedLevel;

function samples(values: number[], failed = 0, itl: number[] = []): TrialSamples {
  const gaps = new BlockedSample();
  for (const g of itl) gaps.push(g);
  const sorted = Float64Array.from(values).sort();
  return { ttft: sorted, tpot: sorted, e2e: sorted, schedule_lag: sorted, itl: gaps, failed };
}

function trial(metrics: Record<string, number>, complete = true): TrialResult {
  return { metrics, errors: {}, complete };
}

Deno.test("summarizeLevel: percentiles over the pooled requests, means over trials", () => {
  const a = Array.from({ length: 200 }, (_, i) => i);
  const b = Array.from({ length: 200 }, (_, i) => 1000 + i);
  const r = summarizeLevel(
    LEVEL,
    [
      trial({ ttft_p50_ms: 99.5, ttft_mean_ms: 99.5 }),
      trial({ ttft_p50_ms: 1099.5, ttft_mean_ms: 1099.5 }),
    ],
    0.95,
    [samples(a, 0, [1, 2]), samples(b, 0, [3])],
  );
  const p50 = r.summary.ttft_p50_ms;
  assert.equal(p50.basis, "pooled");
  assert.equal(p50.value, 599.5); // between the two halves
  assert.deepEqual(p50.trials, [99.5, 1099.5]);
  assert.deepEqual(p50.spread, { min: 99.5, max: 1099.5 });
  // The trials disagree completely: the cluster interval spans both halves.
  assert.ok(p50.ci![0] <= 199 && p50.ci![1] >= 1000, `${p50.ci}`);
  assert.equal(r.summary.ttft_max_ms.value, 1199);
  assert.equal(r.summary.ttft_mean_ms.basis, undefined);
  assert.equal(r.summary.ttft_mean_ms.value, 599.5);
  // ITL: 3 gaps, p99 needs 368 values.
  assert.deepEqual(r.summary.itl_p99_ms.noInterval, { values: 3, needed: 368 });
  assert.equal(r.summary.itl_max_ms.value, 3);
  assert.ok(r.summary.ttft_p99_ms.ci !== null); // 400 requests: enough for p99 (368)
  assert.ok(
    r.notes!.some((n) => /no 95 % interval for itl_p99_ms: 3 gaps pooled, 368 needed/.test(n)),
  );
});

Deno.test("summarizeLevel: failure-adjusted E2E pools failures as the slowest requests", () => {
  const ten = Array.from({ length: 10 }, (_, i) => 10 + i);
  const r = summarizeLevel(
    LEVEL,
    [trial({ requests_failed: 0 }), trial({ requests_failed: 10 })],
    0.95,
    [samples(ten, 0), samples(ten, 10)],
  );
  // 20 completed (10, 10, 11, 11, …, 19, 19) and 10 failures: the p50 of 30 is between
  // the 15th and 16th values, both 17.
  assert.equal(r.summary.e2e_failure_adjusted_p50_ms.value, 17);
  assert.equal(r.summary.e2e_failure_adjusted_p90_ms.value, Infinity);
  assert.equal(r.summary.e2e_p50_ms.value, 14.5);
  assert.ok(r.notes!.some((n) => /10 requests failed/.test(n)));
});

Deno.test("summarizeLevel: incomplete trials are left out of the pool when a complete one exists", () => {
  const r = summarizeLevel(
    LEVEL,
    [trial({ ttft_p50_ms: 1 }), trial({ ttft_p50_ms: 100 }, false)],
    0.95,
    [samples([1, 1, 1, 1, 1, 1]), samples([100, 100])],
  );
  assert.equal(r.summary.ttft_max_ms.value, 1);
  assert.deepEqual(r.summary.ttft_p50_ms.trials, [1]);
  // Without samples, every statistic is the mean over trials.
  const m = summarizeLevel(LEVEL, [trial({ ttft_p50_ms: 2 }), trial({ ttft_p50_ms: 4 })], 0.95);
  assert.equal(m.summary.ttft_p50_ms.value, 3);
  assert.equal(m.summary.ttft_p50_ms.basis, undefined);
});
