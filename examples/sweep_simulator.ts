/**
 * A concurrency sweep on the built-in simulated engine, three trials per
 * level, saved as JSON and CSV.
 *
 * Run: `deno run -A examples/sweep_simulator.ts`
 *
 * @module
 */

import { benchmark, simulator } from "../mod.ts";

const results = await benchmark({
  backend: simulator({ profile: "medium" }),
  prompts: ["What is the capital of France?", "Explain quantum computing briefly."],
  concurrency: [1, 8, 32],
  warmup: 4,
  runs: 32,
  trials: 3,
  sampling: { maxTokens: 64, ignoreEos: true },
  slo: { ttftMs: 500, tpotMs: 15 },
  out: "sweep.json",
});
results.print();
await results.save("sweep.csv");
