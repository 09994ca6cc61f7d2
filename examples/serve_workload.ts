/**
 * Open-loop load with a synthetic workload on the simulated engine: Poisson
 * arrivals at three rates, prompts of a normal length distribution, and the
 * load-delivered section and workload fingerprint in the printed results.
 * Then a saturation search for the highest concurrency that meets a TPOT
 * objective.
 *
 * Run: `deno run -A examples/serve_workload.ts`
 *
 * @module
 */

import { benchmark, simulator } from "../mod.ts";

if (import.meta.main) {
  const serve = await benchmark({
    backend: simulator({ profile: "small" }),
    workload: {
      source: "synthetic",
      inputLen: { dist: "normal", mean: 256, std: 32 },
      outputLen: 32,
      count: 200,
      seed: 1,
    },
    mode: "serve",
    requestRates: [10, 40, 160],
    arrival: "poisson",
    runs: 200,
    trials: 2,
    warmup: 10,
    sampling: { maxTokens: 32, ignoreEos: true },
    slo: { ttftMs: 100, tpotMs: 8 },
    records: false,
  });
  serve.print();

  const knee = await benchmark({
    backend: simulator({ profile: "small" }),
    prompts: ["Describe continuous batching in two sentences."],
    sweep: { find: "max-concurrency", slo: { tpotMs: 5.8 }, attainment: 0.5, start: 4 },
    runs: 96,
    trials: 1,
    warmup: 0,
    sampling: { maxTokens: 48, ignoreEos: true },
    records: false,
  });
  knee.print();
}
