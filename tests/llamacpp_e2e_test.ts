/**
 * End to end against a real engine: llama.cpp's `llama-server`, built from
 * the source the npm package node-llama-cpp ships (`scripts/llama_server.ts`,
 * cached outside the repository; the first run builds it, ~6–15 minutes on
 * two cores) and a tiny random-weight llama model with a real tokenizer
 * (`scripts/tiny_gguf.ts`). The text is gibberish; the engine's work is real.
 *
 * Set `SPLLEED_SKIP_E2E=1` to skip these (never in CI).
 */

import assert from "node:assert/strict";
import { llamacpp } from "../lib/backends/llamacpp.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import type { RequestRecord } from "../lib/record/record.ts";
import { startProcessServer } from "../lib/servers/process.ts";
import { ensureLlamaServer } from "../scripts/llama_server.ts";
import { ensureTinyModel } from "../scripts/tiny_gguf.ts";
import { alive, readRecords, runCli } from "./_helpers.ts";

const SKIP = Deno.env.get("SPLLEED_SKIP_E2E") === "1";
const PROMPTS = [
  "What is the capital of France?",
  "Explain quantum computing briefly.",
  "Write a haiku about the sea.",
];
const MAX_TOKENS = 12;

let ready: Promise<{ binary: string; model: string }> | undefined;
/** Builds (first time) or finds the server and the model. */
function engine(): Promise<{ binary: string; model: string }> {
  ready ??= (async () => {
    const binary = await ensureLlamaServer({ log: (l) => console.error(`[llama.cpp build] ${l}`) });
    const model = await ensureTinyModel();
    return { binary, model };
  })();
  return ready;
}

/** Checks every measured record of a run against what the engine does. */
function checkRecords(requests: Record<string, unknown>[], expectTokens: number): void {
  const measured = requests.filter((r) => r.phase === "measure") as unknown as RequestRecord[];
  assert.ok(measured.length > 0);
  for (const r of measured) {
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.equal(r.status, 200);
    assert.equal(r.outputTokensSource, "usage", "llama.cpp reports usage with include_usage");
    assert.equal(r.outputTokens, expectTokens, "ignore_eos: every request makes max_tokens");
    assert.ok(r.promptTokens !== null && r.promptTokens > 0);
    // Timestamps positive and ordered: sent ≤ headers ≤ first token ≤ … ≤ end.
    const t = [r.sentMs, r.headersMs!, r.firstTokenMs!, ...r.chunkMs, r.endMs!];
    for (let i = 1; i < t.length; i++) assert.ok(t[i] >= t[i - 1], `times out of order: ${t}`);
    assert.ok(r.firstTokenMs! - r.sentMs > 0, "TTFT > 0");
    assert.ok(r.firstTokenMs! <= r.endMs!, "TTFT ≤ E2E");
    // llama.cpp streams one token per chunk: ITL count = tokens − 1.
    assert.equal(r.chunkMs.length, r.outputTokens, "one chunk per token");
    assert.equal(r.chunkMs[0], r.firstTokenMs);
  }
}

Deno.test({
  name:
    "llama.cpp managed, completions: real tokens, usage counts, ordered timestamps, clean teardown",
  ignore: SKIP,
  async fn() {
    const { binary, model } = await engine();
    const dir = await Deno.makeTempDir();
    const results = await benchmark({
      backend: llamacpp({ binary, model, parallel: 2, ctxSize: 1024, threads: 1 }),
      prompts: PROMPTS,
      concurrency: [1, 2],
      warmup: 1,
      runs: 4,
      trials: 2,
      sampling: { maxTokens: MAX_TOKENS, ignoreEos: true },
      records: `${dir}/records.jsonl`,
      out: `${dir}/results.json`,
    });
    assert.equal(results.interrupted, false);
    const doc = results.toJSON();
    for (const level of doc.levels) {
      assert.equal(level.summary.requests_completed.value, 4);
      assert.equal(level.summary.requests_failed.value, 0);
      assert.equal(level.summary.output_tokens_total.value, 4 * MAX_TOKENS);
      const s = level.summary;
      assert.ok(s.ttft_p50_ms.value > 0 && s.ttft_p50_ms.value <= s.e2e_p50_ms.value);
      assert.ok(s.itl_mean_ms.value > 0);
    }
    const recs = await readRecords(`${dir}/records.jsonl`);
    checkRecords(recs.requests, MAX_TOKENS);
    // How the engine was started is in the results, and /props was read.
    const server = doc.backend.server as Record<string, unknown>;
    assert.equal(server.engine, "llama.cpp");
    assert.match(
      String(server.commandLine),
      /llama-server --model \S+\.gguf --parallel 2 --ctx-size 1024 --threads 1 --threads-http 64 --host 127\.0\.0\.1 --port \d+/,
    );
    const info = doc.backend.info as Record<string, unknown>;
    assert.match(String(info.serverVersion), /\S/);
    assert.equal(info.totalSlots, 2);
    assert.match(await Deno.readTextFile(String(server.logFile)), /llama|server/i);
    assert.equal(alive(Number(server.pid)), false, "llama-server is gone after the run");
  },
});

Deno.test({
  name:
    "llama.cpp connect mode, completions and chat: counts match the server's own non-streamed usage",
  ignore: SKIP,
  async fn() {
    const { binary, model } = await engine();
    const server = await startProcessServer({
      kind: "process",
      engine: "llama.cpp",
      argv: [binary, "--model", model, "--parallel", "2", "--ctx-size", "1024", "--threads", "1"],
      dockerArgv: [],
      hostFlag: "--host",
      portFlag: "--port",
      host: "127.0.0.1",
      env: {},
      secretEnv: [],
      readiness: ["/health", "/v1/models"],
      startupTimeoutMs: 120_000,
      stopGraceMs: 5_000,
    });
    try {
      for (const api of ["completions", "chat"] as const) {
        const dir = await Deno.makeTempDir();
        const results = await benchmark({
          backend: llamacpp({ endpoint: server.endpoint, api }),
          prompts: PROMPTS,
          concurrency: [2],
          warmup: 0,
          runs: 3,
          trials: 1,
          sampling: { maxTokens: MAX_TOKENS, ignoreEos: true },
          records: `${dir}/records.jsonl`,
        });
        assert.equal(results.levels[0].summary.requests_completed.value, 3, api);
        const recs = await readRecords(`${dir}/records.jsonl`);
        checkRecords(recs.requests, MAX_TOKENS);
        // The same prompt, not streamed, straight to the server: same prompt token count.
        const first = recs.requests.find((r) => r.promptIndex === 0)!;
        const body = api === "chat"
          ? { messages: [{ role: "user", content: PROMPTS[0] }] }
          : { prompt: PROMPTS[0] };
        const direct = await fetch(
          `${server.endpoint}/v1/${api === "chat" ? "chat/completions" : "completions"}`,
          {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ ...body, max_tokens: MAX_TOKENS, ignore_eos: true }),
          },
        ).then((r) => r.json());
        assert.equal(direct.usage.prompt_tokens, first.promptTokens, `${api}: prompt tokens`);
        assert.equal(direct.usage.completion_tokens, first.outputTokens, `${api}: output tokens`);
      }
    } finally {
      await server.stop();
    }
    assert.equal(alive(server.pid), false);
  },
});

Deno.test({
  name: "llama.cpp embeddings: latency, inputs/s and prompt tokens/s",
  ignore: SKIP,
  async fn() {
    const { binary, model } = await engine();
    const results = await benchmark({
      backend: llamacpp({
        binary,
        model,
        embeddings: true,
        parallel: 2,
        ctxSize: 1024,
        threads: 1,
        extraArgs: ["--pooling", "mean"],
      }),
      prompts: PROMPTS,
      concurrency: [2],
      warmup: 1,
      runs: 6,
      trials: 1,
      records: false,
    });
    const s = results.levels[0].summary;
    assert.equal(results.toJSON().backend.api, "embeddings");
    assert.equal(s.requests_completed.value, 6);
    assert.ok(s.e2e_p50_ms.value > 0);
    assert.ok(s.inputs_per_sec.value > 0);
    assert.ok(s.input_throughput_tokens_per_sec.value > 0);
    assert.equal(s.ttft_p50_ms, undefined, "no TTFT for embeddings");
  },
});

Deno.test({
  name: "llama.cpp with a bad model path: the error shows the command and the log's tail",
  ignore: SKIP,
  async fn() {
    const { binary } = await engine();
    const r = await runCli([
      "run",
      "--backend",
      "llamacpp",
      "--binary",
      binary,
      "--model",
      "/nonexistent/model.gguf",
      "--runs",
      "1",
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /llama\.cpp exited before it was ready \(exit code \d+\)/);
    assert.match(
      r.stderr,
      /command: \S*llama-server --model \/nonexistent\/model\.gguf --threads-http 64 --host 127\.0\.0\.1 --port \d+/,
    );
    assert.match(r.stderr, /last lines of the log:/);
    assert.match(r.stderr, /nonexistent\/model\.gguf/, "llama.cpp's own complaint is shown");
  },
});
