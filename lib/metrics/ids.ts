/**
 * The flat metric ids used identically in JSON, CSV, thresholds and docs,
 * in report order, and one table of what each means: its unit, whether
 * larger is better, and a label for people. Definitions are in
 * `docs/metrics.md`.
 *
 * @module
 */

import { DISTRIBUTION_STATS } from "../stats/describe.ts";

/** The latency distributions, each reported as `<name>_<stat>_ms`. */
export const LATENCY_DISTRIBUTIONS = ["ttft", "itl", "tpot", "e2e", "schedule_lag"] as const;

/** The percentiles of E2E with each failed request counted as slower than any completed one. */
export const FAILURE_ADJUSTED_METRICS = ["p50", "p90", "p95", "p99"].map(
  (p) => `e2e_failure_adjusted_${p}_ms`,
);

/** Rates and counts, one value per trial. */
export const SCALAR_METRICS = [
  "request_throughput_per_sec",
  "achieved_request_rate_per_sec",
  "throughput_tokens_per_sec",
  "total_throughput_tokens_per_sec",
  "input_throughput_tokens_per_sec",
  "inputs_per_sec",
  "goodput_requests_per_sec",
  "goodput_ratio",
  "requests_completed",
  "requests_failed",
  "requests_aborted",
  "requests_cut",
  "output_tokens_total",
  "input_tokens_total",
  "reasoning_tokens_total",
  "requests_tokens_from_usage",
  "requests_tokens_from_chunks",
  "requests_not_streamed",
  "requests_usage_zero",
  "requests_hidden_reasoning",
  "structured_valid_ratio",
  "structured_checked",
  "tool_call_ratio",
  "tool_call_requests",
  "duration_s",
] as const;

/** Metrics only embedding runs have (`api: "embeddings"`). */
export const EMBEDDINGS_ONLY_METRICS: readonly string[] = ["inputs_per_sec"];

/** Metrics only runs with requests that asked for structured output have (`response_format`, `guided_json`). */
export const STRUCTURED_ONLY_METRICS: readonly string[] = ["structured_valid_ratio"];

/** Metrics only open-loop (`serve`) runs have. */
export const OPEN_LOOP_ONLY_METRICS: readonly string[] = ["achieved_request_rate_per_sec"];

/**
 * Per-trial summaries of telemetry sampled beside the run (present only
 * when it was asked for and available): GPU through NVML (`gpuMetrics`) and
 * the engine's own Prometheus metrics (`engineMetrics`). A GPU metric is
 * over all sampled devices (utilisation and power averaged across devices,
 * memory and energy summed).
 */
export const TELEMETRY_METRICS = [
  "gpu_util_mean_pct",
  "gpu_util_min_pct",
  "gpu_util_max_pct",
  "gpu_mem_util_mean_pct",
  "gpu_memory_peak_mib",
  "gpu_power_mean_w",
  "gpu_energy_j",
  "gpu_energy_per_token_j",
  "engine_running_mean",
  "engine_running_max",
  "engine_waiting_mean",
  "engine_waiting_max",
  "engine_kv_usage_mean_pct",
  "engine_kv_usage_max_pct",
  "engine_preemptions",
  "engine_prefix_cache_hit_pct",
] as const;

/** Every metric id, in report order. */
export const METRIC_IDS: readonly string[] = [
  ...LATENCY_DISTRIBUTIONS.flatMap((d) => DISTRIBUTION_STATS.map((s) => `${d}_${s}_ms`)),
  ...FAILURE_ADJUSTED_METRICS,
  ...SCALAR_METRICS,
  ...TELEMETRY_METRICS,
];

/** What a metric measures, for every part that shows or compares it. */
export interface MetricInfo {
  /** The id. */
  id: string;
  /**
   * Unit: `ms`, `s`, `req/s`, `tokens/s`, `inputs/s`, `requests`, `tokens`,
   * `ratio`, or for telemetry `%`, `MiB`, `W`, `J`, `J/token`.
   */
  unit:
    | "ms"
    | "s"
    | "req/s"
    | "tokens/s"
    | "inputs/s"
    | "requests"
    | "tokens"
    | "ratio"
    | "%"
    | "MiB"
    | "W"
    | "J"
    | "J/token";
  /** Which direction is better; `neither` for counts that only describe the run. */
  better: "higher" | "lower" | "neither";
  /** A label for people. */
  label: string;
}

const LATENCY_LABEL: Record<string, string> = {
  ttft: "time to first token",
  itl: "inter-token latency",
  tpot: "time per output token",
  e2e: "end-to-end latency",
  schedule_lag: "schedule lag",
};

const SCALAR_INFO: Record<
  typeof SCALAR_METRICS[number] | typeof TELEMETRY_METRICS[number],
  Omit<MetricInfo, "id">
> = {
  request_throughput_per_sec: {
    unit: "req/s",
    better: "higher",
    label: "completed requests per second",
  },
  achieved_request_rate_per_sec: {
    unit: "req/s",
    better: "higher",
    label: "requests sent per second",
  },
  throughput_tokens_per_sec: {
    unit: "tokens/s",
    better: "higher",
    label: "output tokens per second",
  },
  total_throughput_tokens_per_sec: {
    unit: "tokens/s",
    better: "higher",
    label: "input and output tokens per second",
  },
  input_throughput_tokens_per_sec: {
    unit: "tokens/s",
    better: "higher",
    label: "input tokens per second",
  },
  inputs_per_sec: { unit: "inputs/s", better: "higher", label: "embedded inputs per second" },
  goodput_requests_per_sec: {
    unit: "req/s",
    better: "higher",
    label: "requests meeting the objectives per second",
  },
  goodput_ratio: {
    unit: "ratio",
    better: "higher",
    label: "share of requests meeting the objectives",
  },
  requests_completed: { unit: "requests", better: "higher", label: "requests completed" },
  requests_failed: { unit: "requests", better: "lower", label: "requests failed" },
  requests_aborted: { unit: "requests", better: "neither", label: "requests aborted by the user" },
  requests_cut: {
    unit: "requests",
    better: "neither",
    label: "requests cut at the end of a time-bounded trial",
  },
  output_tokens_total: { unit: "tokens", better: "neither", label: "output tokens" },
  input_tokens_total: { unit: "tokens", better: "neither", label: "input tokens" },
  reasoning_tokens_total: {
    unit: "tokens",
    better: "neither",
    label: "reasoning tokens (server usage)",
  },
  requests_tokens_from_usage: {
    unit: "requests",
    better: "neither",
    label: "token counts from server usage",
  },
  requests_tokens_from_chunks: {
    unit: "requests",
    better: "neither",
    label: "token counts from chunks",
  },
  requests_not_streamed: { unit: "requests", better: "lower", label: "responses not streamed" },
  requests_usage_zero: {
    unit: "requests",
    better: "lower",
    label: "usage of 0 tokens with content",
  },
  requests_hidden_reasoning: {
    unit: "requests",
    better: "neither",
    label: "requests with hidden reasoning",
  },
  structured_valid_ratio: {
    unit: "ratio",
    better: "higher",
    label: "share of structured outputs that were valid",
  },
  structured_checked: {
    unit: "requests",
    better: "neither",
    label: "structured outputs checked",
  },
  tool_call_ratio: {
    unit: "ratio",
    better: "neither",
    label: "share of completed requests that called a tool",
  },
  tool_call_requests: {
    unit: "requests",
    better: "neither",
    label: "completed requests that called a tool",
  },
  duration_s: { unit: "s", better: "neither", label: "trial duration" },
  gpu_util_mean_pct: { unit: "%", better: "neither", label: "GPU utilisation mean" },
  gpu_util_min_pct: { unit: "%", better: "neither", label: "GPU utilisation min" },
  gpu_util_max_pct: { unit: "%", better: "neither", label: "GPU utilisation max" },
  gpu_mem_util_mean_pct: { unit: "%", better: "neither", label: "GPU memory-bus utilisation mean" },
  gpu_memory_peak_mib: { unit: "MiB", better: "neither", label: "GPU memory used, peak" },
  gpu_power_mean_w: { unit: "W", better: "neither", label: "GPU power mean" },
  gpu_energy_j: { unit: "J", better: "neither", label: "GPU energy" },
  gpu_energy_per_token_j: {
    unit: "J/token",
    better: "lower",
    label: "GPU energy per output token",
  },
  engine_running_mean: {
    unit: "requests",
    better: "neither",
    label: "engine requests running, mean",
  },
  engine_running_max: {
    unit: "requests",
    better: "neither",
    label: "engine requests running, max",
  },
  engine_waiting_mean: { unit: "requests", better: "lower", label: "engine queue depth, mean" },
  engine_waiting_max: { unit: "requests", better: "lower", label: "engine queue depth, max" },
  engine_kv_usage_mean_pct: { unit: "%", better: "neither", label: "engine KV-cache usage, mean" },
  engine_kv_usage_max_pct: { unit: "%", better: "neither", label: "engine KV-cache usage, max" },
  engine_preemptions: { unit: "requests", better: "lower", label: "engine preemptions" },
  engine_prefix_cache_hit_pct: {
    unit: "%",
    better: "higher",
    label: "engine prefix-cache hit rate",
  },
};

/**
 * What a metric id means: unit, better direction and label. Latency ids
 * (`<name>_<stat>_ms`, failure-adjusted E2E) are lower-is-better in ms,
 * except `_std_` (spread: neither).
 *
 * @param id A metric id.
 * @returns Its description, or undefined for an id splleed does not produce.
 *
 * @example
 * ```ts
 * import { metricInfo } from "./ids.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(metricInfo("ttft_p99_ms"), {
 *   id: "ttft_p99_ms", unit: "ms", better: "lower", label: "time to first token p99",
 * });
 * assert.equal(metricInfo("achieved_request_rate_per_sec")!.better, "higher");
 * assert.equal(metricInfo("no_such_metric"), undefined);
 * ```
 */
export function metricInfo(id: string): MetricInfo | undefined {
  if (id in SCALAR_INFO) return { id, ...SCALAR_INFO[id as keyof typeof SCALAR_INFO] };
  const adjusted = /^e2e_failure_adjusted_(p\d+)_ms$/.exec(id);
  if (adjusted) {
    return {
      id,
      unit: "ms",
      better: "lower",
      label: `end-to-end latency ${adjusted[1]}, failures as slowest`,
    };
  }
  const m = /^(ttft|itl|tpot|e2e|schedule_lag)_([a-z0-9]+)_ms$/.exec(id);
  if (m && (DISTRIBUTION_STATS as readonly string[]).includes(m[2])) {
    return {
      id,
      unit: "ms",
      better: m[2] === "std" ? "neither" : "lower",
      label: `${LATENCY_LABEL[m[1]]} ${m[2]}`,
    };
  }
  return undefined;
}

/**
 * Whether larger values of a metric are better (throughputs, rates, goodput,
 * completions) rather than worse (latencies, failures) or neutral (counts).
 * Used by comparisons and regression checks; from {@linkcode metricInfo}.
 *
 * @param id A metric id.
 * @returns True when larger is better.
 *
 * @example
 * ```ts
 * import { higherIsBetter } from "./ids.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(higherIsBetter("ttft_p99_ms"), false);
 * assert.equal(higherIsBetter("throughput_tokens_per_sec"), true);
 * assert.equal(higherIsBetter("inputs_per_sec"), true);
 * assert.equal(higherIsBetter("achieved_request_rate_per_sec"), true);
 * ```
 */
export function higherIsBetter(id: string): boolean {
  return metricInfo(id)?.better === "higher";
}
