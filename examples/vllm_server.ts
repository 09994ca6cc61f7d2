/**
 * Benchmark a running vLLM server (`vllm serve MODEL`) at a few concurrency
 * levels. Set SPLLEED_ENDPOINT to point elsewhere.
 *
 * Run: `deno run -A examples/vllm_server.ts`
 *
 * @module
 */

import { benchmark, vllm } from "../mod.ts";

const results = await benchmark({
  backend: vllm({ endpoint: Deno.env.get("SPLLEED_ENDPOINT") ?? "http://localhost:8000" }),
  prompts: ["What is the capital of France?", "Explain quantum computing briefly."],
  concurrency: [1, 2, 4],
  warmup: 2,
  runs: 10,
  trials: 3,
  sampling: { maxTokens: 100, temperature: 0 },
  slo: { ttftMs: 200, tpotMs: 50, e2eMs: 5000 },
  out: "vllm_results.json",
});
results.print();
