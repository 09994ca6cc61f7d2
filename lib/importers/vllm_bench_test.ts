import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { ResultsFormatError } from "../results/errors.ts";
import { parseResults } from "../results/read.ts";
import { fromVllmBench } from "./vllm_bench.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
const load = (name: string) => JSON.parse(Deno.readTextFileSync(fixture(name)));
/** Through JSON, as the file is written, then the reader. */
const roundTrip = (doc: unknown) => parseResults(JSON.parse(JSON.stringify(doc)), "imported");

function close(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined, `${what} is missing`);
  assert.ok(
    Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} != ${expected}`,
  );
}

/** Linear interpolation between order statistics (NumPy's default), written out here. */
function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * p, lo = Math.floor(h);
  return s[lo] + (h - lo) * (s[Math.min(lo + 1, s.length - 1)] - s[lo]);
}

Deno.test("a detailed vllm bench serve result: the tool's numbers, splleed's own percentiles, the rest kept", () => {
  const raw = load("vllm_detailed.json");
  const doc = roundTrip(fromVllmBench(raw, "vllm_detailed.json"));
  assert.equal(doc.levels.length, 1);
  const level = doc.levels[0];
  // --request-rate inf --max-concurrency 4 is a closed loop of 4.
  assert.equal(level.mode, "latency");
  assert.equal(level.concurrency, 4);
  const m = level.trials[0].metrics;
  for (
    const [theirs, ours] of [["ttft", "ttft"], ["tpot", "tpot"], ["itl", "itl"], ["e2el", "e2e"]]
  ) {
    close(m[`${ours}_mean_ms`], raw[`mean_${theirs}_ms`], `${ours}_mean_ms`);
    close(m[`${ours}_std_ms`], raw[`std_${theirs}_ms`], `${ours}_std_ms`);
    close(m[`${ours}_p50_ms`], raw[`median_${theirs}_ms`], `${ours}_p50_ms`);
    close(m[`${ours}_p90_ms`], raw[`p90_${theirs}_ms`], `${ours}_p90_ms`);
    close(m[`${ours}_p99_ms`], raw[`p99_${theirs}_ms`], `${ours}_p99_ms`);
    close(level.summary[`${ours}_p99_ms`].value, raw[`p99_${theirs}_ms`], `summary ${ours}_p99_ms`);
  }
  assert.equal(m.request_throughput_per_sec, raw.request_throughput);
  assert.equal(m.throughput_tokens_per_sec, raw.output_throughput);
  assert.equal(m.total_throughput_tokens_per_sec, raw.total_token_throughput);
  assert.equal(m.goodput_requests_per_sec, raw.request_goodput);
  assert.equal(m.requests_completed, 11);
  assert.equal(m.requests_failed, 1);
  assert.equal(m.input_tokens_total, raw.total_input_tokens);
  assert.equal(m.output_tokens_total, raw.total_output_tokens);
  assert.equal(m.duration_s, raw.duration);
  close(m.input_throughput_tokens_per_sec, raw.total_input_tokens / raw.duration, "input rate");
  assert.deepEqual(level.errors, { failed: 1 });
  assert.match(level.errorMessages!.failed, /500, message='Internal Server Error'/);

  // From the per-request arrays (the failed request left out, seconds → ms):
  // p95 and min/max are not in the file at all.
  const ok = (raw.errors as string[]).map((e) => e === "");
  const ttfts = (raw.ttfts as number[]).filter((_, i) => ok[i]).map((s) => s * 1000);
  close(m.ttft_p95_ms, percentile(ttfts, 0.95), "ttft_p95_ms");
  close(m.ttft_min_ms, Math.min(...ttfts), "ttft_min_ms");
  close(m.ttft_max_ms, Math.max(...ttfts), "ttft_max_ms");
  const gaps = (raw.itls as number[][]).filter((_, i) => ok[i]).flat().map((s) => s * 1000);
  close(m.itl_max_ms, Math.max(...gaps), "itl_max_ms");
  assert.equal(level.summary.ttft_p50_ms.basis, "pooled");
  assert.notEqual(level.summary.ttft_p50_ms.ci, null, "11 requests support a p50 interval");
  assert.equal(level.summary.ttft_p99_ms.ci, null);
  assert.deepEqual(level.summary.ttft_p99_ms.noInterval, { values: 11, needed: 368 });
  assert.equal(level.summary.request_throughput_per_sec.ci, null, "one trial: no interval");

  // 1 of 12 failed: ranked slowest, p50 moves up one rank, p99 is beyond every completed request.
  const e2e = (raw.latencies as number[]).filter((_, i) => ok[i]).map((s) => s * 1000);
  close(m.e2e_failure_adjusted_p50_ms, percentile([...e2e, 1e308], 0.5), "failure-adjusted p50");
  assert.ok(m.e2e_failure_adjusted_p50_ms > m.e2e_p50_ms);
  assert.ok(
    Number.isNaN(m.e2e_failure_adjusted_p99_ms),
    "∞ in the run, null in JSON, NaN read back",
  );
  assert.match(doc.source!.differences.e2e_failure_adjusted_p50_ms, /vLLM reports none/);

  // Nothing dropped: fields without an id are kept as read.
  const u = doc.source!.unmapped;
  assert.equal(u["p99.9_ttft_ms"], raw["p99.9_ttft_ms"]);
  assert.equal(u.max_output_tokens_per_s, 214);
  assert.deepEqual(u.generated_texts, raw.generated_texts);
  assert.deepEqual(u.queue_times, raw.queue_times);
  assert.equal(u.mean_client_queue_time_ms, raw.mean_client_queue_time_ms);
  assert.equal(u.model_id, "Qwen/Qwen2.5-0.5B-Instruct");
  assert.equal(u.ttfts, undefined, "read arrays are mapped, not kept twice");

  assert.equal(doc.source!.tool, "vllm-bench");
  assert.equal(doc.source!.file, "vllm_detailed.json");
  assert.match(doc.source!.differences.tpot_mean_ms, /\(latency - TTFT\) \/ \(output tokens - 1\)/);
  assert.match(doc.source!.differences.ttft_p99_ms, /recomputed by splleed/);
  assert.match(doc.source!.differences.e2e_p50_ms, /last chunk/);
  assert.match(
    doc.source!.differences.request_throughput_per_sec,
    /before the first scheduled delay/,
  );
  assert.equal(doc.backend.kind, "openai-chat");
  assert.equal(doc.backend.model, "Qwen/Qwen2.5-0.5B-Instruct");
  assert.equal(doc.workload, undefined);
  assert.ok(doc.warnings.some((w) => /latency measured by that tool/.test(w)));
  assert.ok(doc.warnings.some((w) => /no workload fingerprint: the file holds no prompts/.test(w)));
  assert.ok(
    !doc.warnings.some((w) => /recomputed from the per-request values/.test(w)),
    doc.warnings.join("\n"),
  );
  // `date` is written when the run ended: start = date - duration.
  assert.equal(doc.finishedAt, "2026-03-01T10:15:00.000Z");
  assert.equal(doc.startedAt, "2026-03-01T10:14:59.570Z");
});

Deno.test("a tool statistic that disagrees with its own per-request values is named in a warning", () => {
  const raw = load("vllm_detailed.json");
  raw.p99_ttft_ms += 5;
  const doc = fromVllmBench(raw, "r.json");
  const w = doc.warnings.find((x) => x.startsWith("ttft_p99_ms:"));
  assert.ok(w, doc.warnings.join("\n"));
  assert.match(w, new RegExp(`the file says ${raw.p99_ttft_ms}`));
  close(doc.levels[0].trials[0].metrics.ttft_p99_ms, raw.p99_ttft_ms - 5, "splleed's value");
});

Deno.test("a summary-only result at a request rate: serve level, the tool's numbers, no made-up percentiles", () => {
  const raw = load("vllm_summary.json");
  const doc = roundTrip(fromVllmBench(raw, "vllm_summary.json"));
  const level = doc.levels[0];
  assert.equal(level.mode, "serve");
  assert.equal(level.requestRate, 8);
  assert.equal(level.concurrency, 0);
  const m = level.trials[0].metrics;
  assert.equal(m.ttft_p99_ms, raw.p99_ttft_ms);
  assert.equal(m.ttft_p50_ms, raw.median_ttft_ms);
  assert.equal(m.ttft_p90_ms, undefined, "not in the file, no per-request TTFTs");
  assert.equal(m.goodput_requests_per_sec, undefined, "request_goodput is null without --goodput");
  // `latencies` survive without --save-detailed and no request failed: E2E is splleed's own.
  close(
    m.e2e_p50_ms,
    percentile((raw.latencies as number[]).map((s) => s * 1000), 0.5),
    "e2e_p50_ms",
  );
  assert.deepEqual(level.errors, {});
});

Deno.test("--append-result lines are one level each; inf without a cap is a burst of num_prompts", () => {
  const a = load("vllm_summary.json");
  const b = { ...load("vllm_summary.json"), request_rate: "inf", date: "20260301-102100" };
  const doc = roundTrip(fromVllmBench([a, b], "runs.jsonl"));
  assert.deepEqual(doc.levels.map((l) => [l.mode, l.concurrency, l.requestRate]), [
    ["serve", 0, 8],
    ["throughput", 6, undefined],
  ]);
  assert.equal(doc.source!.unmapped["[1].date"], "20260301-102100");
  assert.equal(doc.finishedAt, "2026-03-01T10:21:00.000Z");
});

Deno.test("another tool's file, a splleed document or a bare object is refused, naming what was found", () => {
  const guidellm = load("guidellm_sweep.json");
  assert.throws(
    () => fromVllmBench(guidellm, "benchmarks.json"),
    (e: unknown) =>
      e instanceof ResultsFormatError && e.problem === "invalid_fields" &&
      /^Cannot read benchmarks\.json: expected a `vllm bench serve` result/.test(e.message) &&
      /'completed' must be a number, got nothing/.test(e.message) &&
      /looks like a GuideLLM report .*splleed import guidellm/.test(e.message),
  );
  assert.throws(
    () => fromVllmBench({ schemaVersion: 1, tool: { name: "splleed" } }, "results.json"),
    /already a splleed results document/,
  );
  assert.throws(() => fromVllmBench([1, 2], "x.json"), /'\[0\]' must be an object, got 1/);
  assert.throws(() => fromVllmBench([], "x.json"), /got an empty list/);
});

Deno.test("an older benchmark_serving.py result (no 'failed', no 'latencies') imports from its detailed arrays", () => {
  const raw = load("vllm_detailed.json");
  // benchmarks/benchmark_serving.py wrote neither field, nor the later additions.
  for (const k of ["failed", "latencies", "start_times", "queue_times", "endpoint_type", "rtfx"]) {
    delete raw[k];
  }
  const doc = roundTrip(fromVllmBench(raw, "old.json"));
  const m = doc.levels[0].trials[0].metrics;
  assert.equal(m.requests_failed, 1, "counted from the 'errors' list");
  assert.deepEqual(doc.levels[0].errors, { failed: 1 });
  // E2E rebuilt as TTFT + the gaps: vLLM's latency ends at the last chunk, so they agree.
  close(m.e2e_p50_ms, raw.median_e2el_ms, "e2e_p50_ms");
  close(m.e2e_p99_ms, raw.p99_e2el_ms, "e2e_p99_ms");
  close(m.tpot_mean_ms, raw.mean_tpot_ms, "tpot_mean_ms");
  assert.ok(doc.warnings.some((w) => /no 'latencies' \(an older vllm bench\)/.test(w)));
  assert.ok(
    !doc.warnings.some((w) => /recomputed from the per-request values/.test(w)),
    doc.warnings.join("\n"),
  );
});
