/**
 * Managed mode: splleed starts llama.cpp's server, benchmarks it, and stops
 * it (also on Ctrl-C or if the run fails). With no arguments it uses the
 * llama-server and tiny model the test suite builds and caches.
 *
 * Run: `deno run -A examples/managed_llamacpp.ts [path/to/llama-server] [model.gguf]`
 *
 * @module
 */

import { benchmark, llamacpp } from "../mod.ts";
import { ensureLlamaServer } from "../scripts/llama_server.ts";
import { ensureTinyModel } from "../scripts/tiny_gguf.ts";

if (import.meta.main) {
  const binary = Deno.args[0] ?? await ensureLlamaServer();
  const model = Deno.args[1] ?? await ensureTinyModel();
  const results = await benchmark({
    backend: llamacpp({ binary, model, parallel: 4, ctxSize: 4096 }),
    prompts: ["What is the capital of France?", "Explain quantum computing briefly."],
    concurrency: [1, 4],
    warmup: 2,
    runs: 16,
    trials: 3,
    sampling: { maxTokens: 64, ignoreEos: true },
    out: "llamacpp.json",
  });
  results.print();
  console.log(`engine log: ${(results.toJSON().backend.server as { logFile: string }).logFile}`);
}
