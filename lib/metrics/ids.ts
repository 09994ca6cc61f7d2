/**
 * The flat metric ids used identically in JSON, CSV, thresholds and docs,
 * in report order. Definitions are in `docs/metrics.md`.
 *
 * @module
 */

import { DISTRIBUTION_STATS } from "../stats/describe.ts";

/** The latency distributions, each reported as `<name>_<stat>_ms`. */
export const LATENCY_DISTRIBUTIONS = ["ttft", "itl", "tpot", "e2e", "schedule_lag"] as const;

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
  "output_tokens_total",
  "input_tokens_total",
  "duration_s",
] as const;

/** Metrics only embedding runs have (`api: "embeddings"`). */
export const EMBEDDINGS_ONLY_METRICS: readonly string[] = ["inputs_per_sec"];

/** Metrics only open-loop (`serve`) runs have. */
export const OPEN_LOOP_ONLY_METRICS: readonly string[] = ["achieved_request_rate_per_sec"];

/** Every metric id, in report order. */
export const METRIC_IDS: readonly string[] = [
  ...LATENCY_DISTRIBUTIONS.flatMap((d) => DISTRIBUTION_STATS.map((s) => `${d}_${s}_ms`)),
  ...SCALAR_METRICS,
];

/**
 * Whether larger values of a metric are better (throughputs, goodput) or
 * worse (latencies, failures). Used by comparisons and regression checks.
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
 * ```
 */
export function higherIsBetter(id: string): boolean {
  return /throughput|goodput|requests_completed|tokens_total/.test(id);
}
