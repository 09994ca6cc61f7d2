/**
 * The realistic simulator must respond to load the way a continuous-batching
 * engine does: TTFT grows with concurrency (queueing and prefill of arrivals
 * that come together), ITL stays flat below the saturation batch (32 for the
 * `small` profile) and rises above it.
 */

import assert from "node:assert/strict";
import { simulator } from "../lib/backends/simulator.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import { SAMPLE_PROMPTS } from "../lib/workload/prompts.ts";

Deno.test("realistic profile: TTFT rises with concurrency; ITL flat below saturation, higher above", async () => {
  const results = await benchmark({
    backend: simulator({ profile: "small" }),
    prompts: [...SAMPLE_PROMPTS],
    concurrency: [1, 8, 64],
    warmup: 0,
    runs: 64,
    trials: 1,
    records: false,
    sampling: { maxTokens: 16, ignoreEos: true },
  });
  const [c1, c8, c64] = results.levels.map((l) => l.summary);
  const ttft = [c1, c8, c64].map((s) => s.ttft_p50_ms.value);
  assert.ok(ttft[0] < ttft[1] && ttft[1] < ttft[2], `TTFT p50 by concurrency: ${ttft.join(", ")}`);
  assert.ok(
    ttft[2] > 5 * ttft[0],
    `TTFT at 64 (${ttft[2]}) should be far above TTFT at 1 (${ttft[0]})`,
  );
  const itl = [c1, c8, c64].map((s) => s.itl_p50_ms.value);
  assert.ok(
    Math.abs(itl[1] - itl[0]) / itl[0] < 0.15,
    `ITL p50 at 8 (${itl[1]}) vs 1 (${itl[0]}): below B_sat`,
  );
  assert.ok(itl[2] > 1.5 * itl[0], `ITL p50 at 64 (${itl[2]}) vs 1 (${itl[0]}): above B_sat`);
});
