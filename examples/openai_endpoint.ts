/**
 * Benchmark any OpenAI-compatible endpoint with chat completions. The API key
 * is read from the environment and never written to results.
 *
 * Run: `OPENAI_API_KEY=... deno run -A examples/openai_endpoint.ts`
 *
 * @module
 */

import { benchmark, openai } from "../mod.ts";

const results = await benchmark({
  backend: openai({
    endpoint: Deno.env.get("SPLLEED_ENDPOINT") ?? "https://api.openai.com",
    model: Deno.env.get("SPLLEED_MODEL") ?? "gpt-4o-mini",
    api: "chat",
    apiKeyEnv: "OPENAI_API_KEY",
  }),
  prompts: ["Say hello in five languages."],
  concurrency: [1, 2],
  warmup: 1,
  runs: 5,
  trials: 2,
  sampling: { maxTokens: 64 },
});
results.print();
