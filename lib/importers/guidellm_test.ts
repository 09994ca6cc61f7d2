import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { ResultsFormatError } from "../results/errors.ts";
import { parseResults } from "../results/read.ts";
import { fromGuidellm } from "./guidellm.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
const load = (name: string) => JSON.parse(Deno.readTextFileSync(fixture(name)));
const roundTrip = (doc: unknown) => parseResults(JSON.parse(JSON.stringify(doc)), "imported");

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("a GuideLLM sweep: one level per benchmark, each figure the report's own", () => {
  const raw = load("guidellm_sweep.json");
  const doc = roundTrip(fromGuidellm(raw, "benchmarks.json"));
  assert.deepEqual(doc.levels.map((l) => [l.mode, l.concurrency, l.requestRate]), [
    ["latency", 1, undefined], // synchronous
    ["throughput", 180, undefined], // throughput: a burst of what it completed
    ["serve", 0, 4.5], // constant at 4.5 req/s
  ]);
  for (const [i, level] of doc.levels.entries()) {
    const b: Json = raw.benchmarks[i].metrics;
    const m = level.trials[0].metrics;
    const ttft = b.time_to_first_token_ms.successful;
    assert.equal(m.ttft_mean_ms, ttft.mean);
    assert.equal(m.ttft_std_ms, ttft.std_dev);
    assert.equal(m.ttft_min_ms, ttft.min);
    assert.equal(m.ttft_max_ms, ttft.max);
    assert.equal(m.ttft_p50_ms, ttft.percentiles.p50);
    assert.equal(m.ttft_p99_ms, ttft.percentiles.p99);
    assert.equal(level.summary.ttft_p99_ms.value, ttft.percentiles.p99);
    // GuideLLM's inter-token latency is (last - first) / (n - 1): splleed's TPOT.
    assert.equal(m.tpot_mean_ms, b.inter_token_latency_ms.successful.mean);
    assert.equal(m.tpot_p90_ms, b.inter_token_latency_ms.successful.percentiles.p90);
    assert.equal(m.itl_mean_ms, undefined, "GuideLLM has no pooled-gap ITL");
    // request_latency is in seconds.
    assert.equal(m.e2e_p50_ms, b.request_latency.successful.percentiles.p50 * 1000);
    assert.equal(m.e2e_max_ms, b.request_latency.successful.max * 1000);
    assert.equal(m.request_throughput_per_sec, b.requests_per_second.successful.mean);
    assert.equal(m.throughput_tokens_per_sec, b.output_tokens_per_second.successful.mean);
    assert.equal(m.total_throughput_tokens_per_sec, b.tokens_per_second.successful.mean);
    assert.equal(m.input_throughput_tokens_per_sec, b.prompt_tokens_per_second.successful.mean);
    assert.equal(m.requests_completed, b.request_totals.successful);
    assert.equal(m.requests_failed, b.request_totals.errored);
    assert.equal(m.requests_cut, b.request_totals.incomplete);
    assert.equal(m.output_tokens_total, Math.round(b.output_token_count.successful.total_sum));
    assert.equal(m.duration_s, raw.benchmarks[i].duration);
    assert.equal(
      level.summary.ttft_p50_ms.ci,
      null,
      "one trial of the tool's statistics: no interval",
    );
    // Kept, not mapped: TPOT as GuideLLM defines it (TTFT included) and the rest.
    assert.deepEqual(
      doc.source!.unmapped[`benchmarks[${i}].metrics.time_per_output_token_ms`],
      b.time_per_output_token_ms,
    );
    assert.deepEqual(doc.source!.unmapped[`benchmarks[${i}].config`], raw.benchmarks[i].config);
  }
  assert.deepEqual(doc.levels[1].errors, { errored: 2 });
  assert.equal(doc.source!.tool, "guidellm");
  assert.equal(doc.source!.version, "0.0.0-fixture");
  assert.deepEqual(doc.source!.unmapped.metadata, raw.metadata);
  assert.deepEqual(doc.source!.unmapped.args, raw.args);
  assert.match(doc.source!.differences.tpot_mean_ms, /inter_token_latency_ms/);
  assert.match(doc.source!.differences.ttft_p99_ms, /nearest-rank/);
  assert.doesNotMatch(doc.source!.differences.ttft_mean_ms, /nearest-rank/);
  assert.match(doc.source!.differences.e2e_p50_ms, /seconds, converted to ms/);
  assert.deepEqual(doc.backend, {
    kind: "openai_http",
    model: "Qwen/Qwen2.5-0.5B-Instruct",
    endpoint: "http://localhost:8000",
  });
  assert.equal(doc.startedAt, new Date(raw.benchmarks[0].start_time * 1000).toISOString());
  assert.equal(doc.finishedAt, new Date(raw.benchmarks[2].end_time * 1000).toISOString());
  assert.ok(doc.warnings.some((w) => /its inter-token latency is splleed's TPOT/.test(w)));
});

Deno.test("concurrent streams are c=N and poisson rates serve levels", () => {
  const raw = load("guidellm_sweep.json");
  raw.benchmarks[0].config.strategy = { type_: "concurrent", streams: 16, startup_duration: 0 };
  raw.benchmarks[1].config.strategy = { type_: "poisson", rate: 2.25, random_seed: 42 };
  const doc = fromGuidellm(raw, "b.json");
  assert.deepEqual(doc.levels.slice(0, 2).map((l) => [l.mode, l.concurrency, l.requestRate]), [
    ["latency", 16, undefined],
    ["serve", 0, 2.25],
  ]);
  raw.benchmarks[2].config.strategy = { type_: "replay", time_scale: 1 };
  assert.throws(
    () => fromGuidellm(raw, "b.json"),
    /'benchmarks\[2\]\.config\.strategy' must be synchronous, concurrent .*got "replay"/,
  );
});

Deno.test("report versions and formats this splleed does not read are refused, saying what was found", () => {
  const raw = load("guidellm_sweep.json");
  raw.metadata.version = 2;
  assert.throws(
    () => fromGuidellm(raw, "b.json"),
    (e: unknown) =>
      e instanceof ResultsFormatError && e.problem === "unsupported_version" &&
      /expected a GuideLLM report of metadata.version 1, got metadata.version 2 \(written by guidellm 0.0.0-fixture\)/
        .test(e.message),
  );
  // The older report: benchmarks with run_stats and args, no config.
  const old = {
    benchmarks: [{ type_: "generative_benchmark", run_stats: {}, args: {}, metrics: {} }],
  };
  assert.throws(
    () => fromGuidellm(old, "old.json"),
    (e: unknown) =>
      e instanceof ResultsFormatError && e.problem === "unsupported_version" &&
      /got the older format \(benchmarks\[0\] has 'run_stats' and 'args', no 'config'\)/.test(
        e.message,
      ),
  );
  const embeddings = load("guidellm_sweep.json");
  embeddings.benchmarks[0].type_ = "embeddings_benchmark";
  assert.throws(
    () => fromGuidellm(embeddings, "e.json"),
    /'benchmarks\[0\]\.type_' must be "generative_benchmark", got "embeddings_benchmark"/,
  );
});

Deno.test("a vLLM result given as a GuideLLM report says which command imports it", () => {
  const vllm = load("vllm_summary.json");
  assert.throws(
    () => fromGuidellm(vllm, "result.json"),
    (e: unknown) =>
      e instanceof ResultsFormatError &&
      /^Cannot read result\.json: expected a GuideLLM report .*'benchmarks' must be a list of benchmarks, got nothing/
        .test(e.message) &&
      /splleed import vllm-bench/.test(e.message),
  );
  const noTtft = load("guidellm_sweep.json");
  delete noTtft.benchmarks[1].metrics.time_to_first_token_ms;
  assert.throws(
    () => fromGuidellm(noTtft, "b.json"),
    /'benchmarks\[1\]\.metrics\.time_to_first_token_ms\.successful' must be a distribution summary, got nothing/,
  );
});
