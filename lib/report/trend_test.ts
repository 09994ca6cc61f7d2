import assert from "node:assert/strict";
import { buildTrend, type Trend, type TrendPoint } from "../analysis/trend.ts";
import { renderTrend, sparkline } from "./trend.ts";

function point(runId: number, value: number, extra: Partial<TrendPoint> = {}): TrendPoint {
  return {
    runId,
    startedAt: new Date(Date.UTC(2026, 10, runId, 2)).toISOString(),
    tags: { commit: `abcdef0123456789${runId}` },
    engine: "vllm",
    model: "llama",
    fingerprint: "f1",
    value,
    low: null,
    high: null,
    trials: [value],
    ...extra,
  };
}

Deno.test("sparkline() scales from the smallest to the largest value", () => {
  assert.equal(sparkline([10, 20]), "▁█");
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7, 8]), "▁▂▃▄▅▆▇██");
  assert.equal(sparkline([-5, NaN, Infinity, 5]), "▁  █");
  assert.equal(sparkline([NaN, NaN]), "  ");
  assert.equal(sparkline([3, 3, 3]), "▄▄▄");
});

Deno.test("renderTrend() shows the runs, their intervals and each change point with the runs on each side", () => {
  const values = [41.2, 41.0, 41.5, 41.1, 41.3, 41.2, 48.1, 48.0, 47.9, 48.2, 48.0, 47.8];
  const points = values.map((v, i) =>
    point(
      i + 1,
      v,
      i === 0 ? { low: v - 0.4, high: v + 0.4 } : i === 1 ? { low: 40.1, high: 42.9 } : {},
    )
  );
  const trend = buildTrend("ttft_p99_ms", "c=16", points);
  const text = renderTrend(trend);
  const lines = text.split("\n");
  assert.equal(lines[0], "ttft_p99_ms at c=16: 12 runs, vllm llama");
  assert.equal(lines[1], sparkline(values));
  assert.match(text, /ttft_p99_ms \(ms\)/);
  // A mean's interval as ±, an asymmetric one as (low–high); long tags cut.
  assert.match(text, /│\s+1 │ 2026-11-01 │ commit=abcdef012345… │\s+41\.20 ± 0\.40 │/);
  assert.match(text, /41\.0 \(40\.1–42\.9\)/);
  assert.match(text, /48\.1 │ ◀ change │/);
  assert.equal((text.match(/◀ change/g) ?? []).length, 1);
  const last = lines.at(-1)!;
  assert.match(
    last,
    /^change at run 7 \(2026-11-07, commit=abcdef012345…\): ttft_p99_ms 41\.2 → 48\.0 ms \(\+16\.5 %\), p = 0\.00\d+; before: run 6 \(2026-11-06, commit=abcdef012345…\)$/,
  );
  assert.ok(!text.includes("\x1b["), "no colour unless asked");
  // Colour: a worse latency in red, headers cyan.
  const colored = renderTrend(trend, { color: true });
  assert.ok(colored.includes("\x1b[31mttft_p99_ms 41.2 → 48.0 ms"));
  assert.ok(colored.includes("\x1b[36mttft_p99_ms at c=16"));
  // A higher throughput is better: green.
  const up = buildTrend("throughput_tokens_per_sec", "c=16", points);
  assert.ok(
    renderTrend(up, { color: true }).includes(
      "\x1b[32mthroughput_tokens_per_sec 41.2 → 48.0 tokens/s",
    ),
  );
});

Deno.test("renderTrend() without a change, without runs, and across engines or workloads", () => {
  const steady = buildTrend(
    "ttft_p99_ms",
    "r=8/s",
    [1, 2, 3, 4, 5, 6].map((i) => point(i, 40 + (i % 2))),
  );
  assert.match(renderTrend(steady), /\nno change point \(E-divisive, α = 0\.05\)$/);
  assert.match(renderTrend(steady, { alpha: 0.01 }), /α = 0\.01\)$/);
  const none: Trend = { metric: "ttft_p99_ms", level: "c=1", points: [], changes: [] };
  assert.equal(renderTrend(none), "ttft_p99_ms at c=1: 0 runs");
  const mixed = buildTrend("ttft_p99_ms", "c=1", [
    point(1, 40),
    point(2, 41, { engine: "sglang", fingerprint: "f2" }),
  ]);
  const text = renderTrend(mixed);
  assert.equal(text.split("\n")[0], "ttft_p99_ms at c=1: 2 runs");
  assert.match(text, /engines: vllm, sglang; models: llama/);
  assert.match(text, /2 workload fingerprints: runs on different workloads are not comparable/);
  // A metric without a known unit: the id alone.
  const unknown = buildTrend("custom_score", "c=1", [point(1, 1)]);
  assert.match(renderTrend(unknown), /│ custom_score │/);
});
