/**
 * Engine metrics beside a run: `EngineMetricsObserver` over real runs of the
 * built-in simulator against a scripted `/metrics` server (vLLM names,
 * values that change with every scrape), the ways the page can be missing,
 * and the real llama.cpp server of the test suite started with `--metrics`
 * (`llamacpp({ metrics: true })`; skipped with `SPLLEED_SKIP_E2E=1`, as
 * tests/llamacpp_e2e_test.ts is).
 */

import assert from "node:assert/strict";
import { llamacpp } from "../lib/backends/llamacpp.ts";
import { EngineMetricsObserver } from "../lib/engine/observer.ts";
import type { ResultsDocument, TelemetrySeries } from "../lib/results/document.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import { ensureLlamaServer } from "../scripts/llama_server.ts";
import { ensureTinyModel } from "../scripts/tiny_gguf.ts";

const SKIP_E2E = Deno.env.get("SPLLEED_SKIP_E2E") === "1";
const TRIALS = 2;

/** A `/metrics` server; `page(n)` answers the n-th scrape (0-based). */
function metricsServer(page: (n: number) => Response): {
  url: string;
  scrapes: () => number;
  close: () => Promise<void>;
} {
  let n = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) =>
      new URL(req.url).pathname === "/metrics" ? page(n++) : new Response("", { status: 404 }),
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/metrics`,
    scrapes: () => n,
    close: () => server.shutdown(),
  };
}

/** A vLLM page: running cycles 0..4, waiting 2, KV 10–50 %, one preemption and 1 hit in 4 lookups per scrape. */
function vllmPage(n: number): Response {
  const l = '{model_name="m"}';
  return new Response(
    [
      "# TYPE vllm:num_requests_running gauge",
      `vllm:num_requests_running${l} ${n % 5}.0`,
      "# TYPE vllm:num_requests_waiting gauge",
      `vllm:num_requests_waiting${l} 2.0`,
      "# TYPE vllm:kv_cache_usage_perc gauge",
      `vllm:kv_cache_usage_perc${l} ${0.1 * (1 + (n % 5))}`,
      "# TYPE vllm:num_preemptions_total counter",
      `vllm:num_preemptions_total${l} ${n}.0`,
      "# TYPE vllm:prefix_cache_queries_total counter",
      `vllm:prefix_cache_queries_total${l} ${4 * n}.0`,
      "# TYPE vllm:prefix_cache_hits_total counter",
      `vllm:prefix_cache_hits_total${l} ${n}.0`,
      "",
    ].join("\n"),
    { headers: { "content-type": "text/plain; version=0.0.4" } },
  );
}

/** A short simulator run with the observer; also returns the monotonic time at its end. */
async function run(
  observer: EngineMetricsObserver,
): Promise<{ doc: ResultsDocument; endMs: number }> {
  const results = await benchmark({
    backend: { type: "simulator", ttftMs: 15, itlMs: 5 },
    prompts: ["hello there"],
    concurrency: [1, 2],
    warmup: 0,
    runs: 6,
    trials: TRIALS,
    records: false,
    sampling: { maxTokens: 8 },
    observers: [observer],
  });
  const endMs = performance.now();
  return { doc: results.toJSON(), endMs };
}

const series = (doc: ResultsDocument, name: string): TelemetrySeries => {
  const s = doc.telemetry?.engine?.series.find((x) => x.name === name);
  assert.ok(
    s,
    `series ${name} in ${JSON.stringify(doc.telemetry?.engine?.series.map((x) => x.name))}`,
  );
  return s;
};

Deno.test("engine metrics: series on the run's clock and per-trial figures from a changing page", async () => {
  const srv = metricsServer(vllmPage);
  try {
    const { doc, endMs } = await run(
      new EngineMetricsObserver({ url: srv.url, path: "/metrics", intervalMs: 20 }),
    );
    assert.equal(doc.interrupted, false);
    const engine = doc.telemetry?.engine;
    assert.ok(engine);
    assert.equal(engine.available, true, engine.note);
    assert.equal(engine.intervalMs, 20);
    assert.equal(engine.info?.engine, "vllm");
    assert.equal(engine.info?.url, srv.url);
    // The run-start probe is not a sample; every other scrape is.
    assert.equal(engine.info?.scrapes, srv.scrapes() - 1);
    const running = series(doc, "engine_running");
    // 2 levels × TRIALS trials × 2 edge scrapes at least, plus the timer's.
    assert.ok(running.tMs.length >= 4 * TRIALS, `${running.tMs.length} samples`);
    assert.equal(running.values.length, running.tMs.length);
    for (let i = 1; i < running.tMs.length; i++) assert.ok(running.tMs[i] > running.tMs[i - 1]);
    // On the run's clock: after its origin, before its end.
    assert.ok(doc.clock);
    assert.ok(running.tMs[0] > 0 && running.tMs.at(-1)! < endMs - doc.clock.originMs);
    // The values are the page's: scrape k (1-based after the probe) shows k mod 5 running.
    assert.deepEqual(running.values, running.values.map((_, i) => (i + 1) % 5));
    assert.deepEqual(series(doc, "engine_waiting").values.every((v) => v === 2), true);
    assert.equal(series(doc, "engine_kv_usage_pct").unit, "%");
    assert.deepEqual(
      series(doc, "engine_preemptions_total").values,
      running.values.map((_, i) => i + 1),
    );
    let preempted = 0;
    for (const level of doc.levels) {
      assert.equal(level.trials.length, TRIALS);
      for (const t of level.trials) {
        const m = t.metrics;
        assert.equal(m.engine_waiting_mean, 2);
        assert.equal(m.engine_waiting_max, 2);
        assert.ok(m.engine_running_max >= m.engine_running_mean && m.engine_running_max <= 4);
        assert.ok(m.engine_kv_usage_mean_pct >= 10 && m.engine_kv_usage_max_pct <= 50 + 1e-9);
        // Edge scrapes bracket the trial: at least one scrape apart, one preemption each.
        assert.ok(m.engine_preemptions >= 1, `preemptions ${m.engine_preemptions}`);
        preempted += m.engine_preemptions;
        assert.ok(Math.abs(m.engine_prefix_cache_hit_pct - 25) < 1e-9);
      }
      // Summarised per level like every other metric.
      assert.equal(level.summary.engine_waiting_mean?.value, 2);
    }
    // Trials do not overlap: their counter increases add up to at most the whole run's.
    assert.ok(preempted <= srv.scrapes());
  } finally {
    await srv.close();
  }
});

for (
  const [what, page, expect] of [
    ["a 404 at /metrics", () => new Response("Not Found", { status: 404 }), /HTTP 404/],
    [
      "a page of no known engine",
      () => new Response("process_cpu_seconds_total 1\n"),
      /none of a known engine/,
    ],
  ] as const
) {
  Deno.test(`engine metrics: ${what} leaves the run going, with a note on how to fix it`, async () => {
    const srv = metricsServer(page);
    try {
      const { doc } = await run(
        new EngineMetricsObserver({ url: srv.url, path: "/metrics", intervalMs: 20 }),
      );
      assert.equal(doc.interrupted, false);
      const engine = doc.telemetry?.engine;
      assert.equal(engine?.available, false);
      assert.match(engine.note ?? "", expect);
      assert.ok(engine.note?.includes(srv.url), engine.note);
      assert.match(engine.note ?? "", /--metrics/);
      assert.match(engine.note ?? "", /engineMetrics\.url/);
      assert.deepEqual(engine.series, []);
      assert.equal(srv.scrapes(), 1, "one probe, no timer");
      for (const level of doc.levels) {
        for (const t of level.trials) {
          assert.deepEqual(Object.keys(t.metrics).filter((k) => k.startsWith("engine_")), []);
          assert.ok(t.metrics.requests_completed > 0);
        }
      }
    } finally {
      await srv.close();
    }
  });
}

Deno.test("engine metrics: nothing listening at the endpoint's /metrics; the URL is the endpoint + path", async () => {
  // No url: the simulator's endpoint + path, which the simulator does not serve.
  const { doc } = await run(
    new EngineMetricsObserver({ path: "/no-metrics-here", intervalMs: 20 }),
  );
  const engine = doc.telemetry?.engine;
  assert.equal(engine?.available, false);
  const endpoint = String(doc.backend.endpoint);
  assert.ok(engine.note?.includes(new URL("/no-metrics-here", endpoint).href), engine.note);
  // A closed port: refused, said so.
  const closed = metricsServer(vllmPage);
  await closed.close();
  const { doc: doc2 } = await run(
    new EngineMetricsObserver({ url: closed.url, path: "/metrics", intervalMs: 20 }),
  );
  assert.equal(doc2.telemetry?.engine?.available, false);
  assert.match(doc2.telemetry?.engine?.note ?? "", new RegExp(`GET ${closed.url} failed`));
});

Deno.test("engine metrics: scrapes that fail mid-run are nulls in the series and counted in a note", async () => {
  const srv = metricsServer((n) =>
    n >= 3
      ? new Response("overloaded", { status: 503, statusText: "Service Unavailable" })
      : vllmPage(n)
  );
  try {
    const { doc } = await run(
      new EngineMetricsObserver({ url: srv.url, path: "/metrics", intervalMs: 20 }),
    );
    const engine = doc.telemetry?.engine;
    assert.equal(engine?.available, true);
    const running = series(doc, "engine_running");
    assert.deepEqual(running.values.slice(0, 2), [1, 2]);
    assert.ok(running.values.slice(2).every((v) => v === null));
    const failed = running.values.length - 2;
    assert.equal(engine.info?.failedScrapes, failed);
    assert.match(
      engine.note ?? "",
      new RegExp(`${failed} of ${running.values.length} scrapes .* failed \\(last: HTTP 503`),
    );
  } finally {
    await srv.close();
  }
});

Deno.test("EngineMetricsObserver: a non-positive interval is refused, naming the value", () => {
  assert.throws(
    () => new EngineMetricsObserver({ path: "/metrics", intervalMs: 0 }),
    { name: "RangeError", message: /'intervalMs' must be a positive number of ms, got 0/ },
  );
});

Deno.test({
  name: "engine metrics on the real llama.cpp server started with --metrics",
  ignore: SKIP_E2E,
  async fn() {
    const binary = await ensureLlamaServer({ log: (l) => console.error(`[llama.cpp build] ${l}`) });
    const model = await ensureTinyModel();
    const results = await benchmark({
      backend: llamacpp({ binary, model, parallel: 2, ctxSize: 1024, threads: 1, metrics: true }),
      prompts: ["What is the capital of France?", "Write a haiku about the sea."],
      concurrency: [2],
      warmup: 1,
      runs: 6,
      trials: TRIALS,
      sampling: { maxTokens: 24, ignoreEos: true },
      records: false,
      observers: [new EngineMetricsObserver({ path: "/metrics", intervalMs: 25 })],
    });
    const doc = results.toJSON();
    const server = doc.backend.server as Record<string, unknown>;
    assert.match(String(server.commandLine), / --metrics( |$)/);
    const engine = doc.telemetry?.engine;
    assert.equal(engine?.available, true, engine?.note);
    assert.equal(engine.info?.engine, "llama.cpp");
    assert.equal(engine.info?.url, new URL("/metrics", String(doc.backend.endpoint)).href);
    assert.equal(engine.info?.failedScrapes, 0);
    const running = series(doc, "engine_running");
    assert.ok(running.values.length >= 2 * TRIALS);
    assert.ok(running.values.every((v) => v !== null && v >= 0 && v <= 2), `${running.values}`);
    const queries = series(doc, "engine_prefix_cache_queries_total").values as number[];
    assert.ok(queries.at(-1)! > queries[0], "prompt tokens were processed during the run");
    for (const t of doc.levels[0].trials) {
      const m = t.metrics;
      for (
        const id of [
          "engine_running_mean",
          "engine_running_max",
          "engine_waiting_mean",
          "engine_waiting_max",
        ]
      ) {
        assert.ok(Number.isFinite(m[id]), `${id} = ${m[id]}`);
      }
      assert.ok(m.engine_running_max <= 2 && m.engine_waiting_max >= 0);
      // Six requests' prompts were looked up in the cache during the trial.
      assert.ok(m.engine_prefix_cache_hit_pct >= 0 && m.engine_prefix_cache_hit_pct <= 100);
    }
    assert.ok(Number.isFinite(doc.levels[0].summary.engine_running_mean?.value));
  },
});
