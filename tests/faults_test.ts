/**
 * Failures are records with reasons, never crashes and never latency
 * samples: the simulator injects 500s, 429s, dropped streams and stalls, and
 * splleed's counts must equal what the simulator says it injected.
 */

import assert from "node:assert/strict";
import { simulator } from "../lib/backends/simulator.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import { startSimulatorWorker } from "../lib/sim/in_process.ts";
import { openai } from "../lib/backends/openai.ts";
import { readRecords } from "./_helpers.ts";

Deno.test("500s, 429s and dropped streams are counted by reason and kept out of latency statistics", async () => {
  const dir = await Deno.makeTempDir();
  // Run the simulator ourselves so that its own counters can be read afterwards.
  const server = await startSimulatorWorker({
    ttftMs: 20,
    itlMs: 5,
    faults: { http500: 0.1, http429: 0.1, drop: { probability: 0.15, afterTokens: 1 }, seed: 3 },
  });
  try {
    const results = await benchmark({
      backend: openai({ endpoint: server.url, api: "completions" }),
      prompts: ["a", "b", "c"],
      concurrency: [4],
      warmup: 0,
      runs: 120,
      trials: 1,
      records: `${dir}/records.jsonl`,
      sampling: { maxTokens: 10 },
    });
    const injected = await server.stats();
    const t = results.levels[0].trials[0];
    assert.equal(injected.requests, 120);
    assert.ok(
      injected.faults.http500 > 0 && injected.faults.http429 > 0 && injected.faults.drop > 0,
    );
    assert.deepEqual(t.errors, {
      http_500: injected.faults.http500,
      http_429: injected.faults.http429,
      stream_dropped: injected.faults.drop,
    });
    const failed = injected.faults.http500 + injected.faults.http429 + injected.faults.drop;
    assert.equal(t.metrics.requests_failed, failed);
    assert.equal(t.metrics.requests_completed, 120 - failed);

    // A dropped stream (1 token, ~20 ms) is far shorter than any complete one
    // (20 + 9·5 = 65 ms); it must not reach the E2E or TTFT statistics.
    assert.ok(t.metrics.e2e_min_ms >= 65, `e2e_min ${t.metrics.e2e_min_ms}`);
    assert.equal(t.metrics.output_tokens_total, (120 - failed) * 10);

    // The records file holds every request, with its reason.
    const { run, requests } = await readRecords(`${dir}/records.jsonl`);
    assert.equal(run.kind, "run");
    assert.equal(requests.length, 120);
    assert.deepEqual(requests.map((r) => r.id).sort((a, b) => Number(a) - Number(b)), [
      ...Array(120).keys(),
    ]);
    const byReason: Record<string, number> = {};
    for (const r of requests) {
      if (!r.ok) {
        const reason = (r.error as { reason: string }).reason;
        byReason[reason] = (byReason[reason] ?? 0) + 1;
      }
    }
    assert.deepEqual(byReason, t.errors);
    const dropped = requests.find((r) =>
      (r.error as { reason?: string } | null)?.reason === "stream_dropped"
    )!;
    assert.equal(
      (dropped.chunkMs as number[]).length,
      1,
      "the token read before the drop is recorded",
    );
    const http500 = requests.find((r) =>
      (r.error as { reason?: string } | null)?.reason === "http_500"
    )!;
    assert.equal(http500.status, 500);
    assert.match((http500.error as { message: string }).message, /simulated internal server error/);
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a stalled request past the timeout fails as timeout; shorter stalls only raise TTFT", async () => {
  const results = await benchmark({
    backend: simulator({
      ttftMs: 10,
      itlMs: 1,
      faults: { stall: { probability: 0.5, ms: 400 }, seed: 11 },
    }),
    prompts: ["x"],
    concurrency: [4],
    warmup: 0,
    runs: 16,
    trials: 1,
    records: false,
    requestTimeoutMs: 200,
    sampling: { maxTokens: 3 },
  });
  const t = results.levels[0].trials[0];
  assert.ok((t.errors.timeout ?? 0) > 0, `errors: ${JSON.stringify(t.errors)}`);
  assert.equal(t.metrics.requests_completed + (t.errors.timeout ?? 0), 16);
  assert.ok(t.metrics.ttft_max_ms < 200, "timed-out requests never enter TTFT");

  const slow = await benchmark({
    backend: simulator({ ttftMs: 10, itlMs: 1, faults: { stall: { probability: 1, ms: 50 } } }),
    prompts: ["x"],
    concurrency: [1],
    warmup: 0,
    runs: 3,
    trials: 1,
    records: false,
    sampling: { maxTokens: 3 },
  });
  const s = slow.levels[0].trials[0].metrics;
  assert.equal(s.requests_failed, 0);
  assert.ok(s.ttft_min_ms >= 60, `stalled TTFT ${s.ttft_min_ms}`);
});

Deno.test("a server that cannot be reached fails before the run with the endpoint in the message", async () => {
  const l = Deno.listen({ port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  await assert.rejects(
    benchmark({
      backend: openai({ endpoint: `http://127.0.0.1:${port}`, model: "m" }),
      prompts: ["x"],
      records: false,
    }),
    new RegExp(`Cannot reach the server at http://127\\.0\\.0\\.1:${port}`),
  );
});
