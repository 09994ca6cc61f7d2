/**
 * The saturation search against the realistic simulator: it finds the knee
 * (B_sat) of the `small` profile, whose decode step is memory-bound and flat
 * (5.5 ms) up to 32 sequences and compute-bound (growing with the batch)
 * beyond. An objective on the median TPOT just above the flat step time
 * (5.8 ms) is met up to the knee and missed past it.
 */

import assert from "node:assert/strict";
import { simulator } from "../lib/backends/simulator.ts";
import { PROFILES } from "../lib/sim/profiles.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import { runCli } from "./_helpers.ts";

Deno.test("sweep max-concurrency finds the small profile's saturation knee within 10%", async () => {
  const results = await benchmark({
    backend: simulator({ profile: "small" }),
    prompts: ["Hello there, how are you today?"],
    sweep: { find: "max-concurrency", slo: { tpotMs: 5.8 }, attainment: 0.5, start: 4 },
    warmup: 0,
    runs: 96,
    trials: 1,
    sampling: { maxTokens: 48, ignoreEos: true },
    records: false,
  });
  const doc = results.toJSON();
  const sweep = doc.sweep!;
  const knee = PROFILES.small.saturationBatch;
  assert.ok(sweep.result !== null, JSON.stringify(sweep));
  assert.ok(Math.abs(sweep.result! - knee) <= 0.1 * knee, `found ${sweep.result}, knee ${knee}`);
  // The measured curve is kept: one level per probe, in probe order.
  assert.deepEqual(doc.levels.map((l) => l.concurrency), sweep.probes.map((p) => p.load));
  assert.equal(sweep.bracket[1]! - sweep.bracket[0]!, 1, "bracketed to one sequence");
  assert.match(
    results.toTable(),
    /saturation: max concurrency meeting tpot ≤ 5\.8 ms for 50% of requests: \d+/,
  );
});

Deno.test("sweep max-rate: open-loop probes; a sweep with fixed levels is refused by name", async () => {
  const results = await benchmark({
    backend: simulator({ ttftMs: 10, itlMs: 2 }),
    prompts: ["hi"],
    mode: "serve",
    // E2E of 20 ms is met at any rate the deterministic engine is given;
    // the search stops at its maximum.
    sweep: { find: "max-rate", slo: { e2eMs: 200 }, start: 10, max: 40 },
    warmup: 5,
    runs: 30,
    trials: 1,
    sampling: { maxTokens: 4 },
    records: false,
  });
  const sweep = results.toJSON().sweep!;
  assert.deepEqual(sweep.probes.map((p) => p.load), [10, 20, 40]);
  assert.equal(sweep.result, 40);
  assert.ok(results.levels.every((l) => l.mode === "serve" && l.trials[0].load !== undefined));

  const r = await runCli([
    "run",
    "--backend",
    "simulator",
    "--find",
    "max-concurrency",
    "--slo",
    "tpot_ms=6",
    "--concurrency",
    "1,2",
  ]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /'concurrency' must be absent when the sweep chooses the levels/);
});
