/**
 * Which engine serves a `/metrics` page, and its queue depth, KV-cache
 * usage, preemptions and prefix-cache hits, read from the metric names each
 * engine documents:
 *
 * | | vLLM | SGLang | TGI | llama.cpp |
 * |---|---|---|---|---|
 * | running | `vllm:num_requests_running` | `sglang:num_running_reqs` | `tgi_batch_current_size` | `llamacpp:requests_processing` |
 * | waiting | `vllm:num_requests_waiting` | `sglang:num_queue_reqs` | `tgi_queue_size` | `llamacpp:requests_deferred` |
 * | KV usage (0–1) | `vllm:kv_cache_usage_perc`, older `vllm:gpu_cache_usage_perc` | `sglang:token_usage` | — | `llamacpp:kv_cache_usage_ratio` (older builds) |
 * | preemptions (counter) | `vllm:num_preemptions_total` | — | — | — |
 * | prefix-cache hits / queries (counters) | `vllm:prefix_cache_hits_total` / `vllm:prefix_cache_queries_total` (older V1: `vllm:gpu_prefix_cache_*`) | — | — | `llamacpp:prompt_tokens_cached_total` / (that + `llamacpp:prompt_tokens_total`), in tokens |
 * | prefix-cache hit rate (gauge, 0–1) | `vllm:gpu_prefix_cache_hit_rate` (V0) | `sglang:cache_hit_rate` | — | — |
 *
 * Counts and counters are summed over label sets (a data-parallel vLLM
 * reports one series per engine); ratios are averaged.
 *
 * @module
 */

import type { PromFamily } from "./prometheus.ts";

/** The engines whose metric names splleed knows. */
export type EngineName = "vllm" | "sglang" | "tgi" | "llama.cpp";

/** What one scrape says about the engine (null: the engine does not report it). */
export interface EngineReading {
  /** Requests being decoded (in the running batch). */
  running: number | null;
  /** Requests queued, not yet scheduled. */
  waiting: number | null;
  /** KV-cache usage, % (0–100). */
  kvUsagePct: number | null;
  /** Preemptions since the engine started (counter). */
  preemptionsTotal: number | null;
  /** Prefix-cache hits since the engine started (counter; blocks or tokens, per engine). */
  prefixHitsTotal: number | null;
  /** Prefix-cache lookups since the engine started (counter, same unit as the hits). */
  prefixQueriesTotal: number | null;
  /** The engine's own prefix-cache hit rate, % (a gauge, for engines without counters). */
  prefixHitPct: number | null;
}

/** The metric names of one engine, in order of preference (the first present is read). */
export interface EngineMetricNames {
  /** Which engine. */
  engine: EngineName;
  /** Requests running. */
  running: readonly string[];
  /** Requests waiting. */
  waiting: readonly string[];
  /** KV-cache usage as a 0–1 ratio. */
  kvUsageRatio: readonly string[];
  /** Preemptions counter. */
  preemptions: readonly string[];
  /** Prefix-cache hits counter. */
  prefixHits: readonly string[];
  /** Prefix-cache queries: counters summed (llama.cpp counts cached + uncached prompt tokens). */
  prefixQueries: readonly (readonly string[])[];
  /** Prefix-cache hit rate as a 0–1 gauge. */
  prefixHitRatio: readonly string[];
}

/**
 * The names each engine documents (see the module doc for the table).
 *
 * @example
 * ```ts
 * import { ENGINE_METRIC_NAMES } from "./engines.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(ENGINE_METRIC_NAMES.map((e) => e.engine), ["vllm", "sglang", "tgi", "llama.cpp"]);
 * ```
 */
export const ENGINE_METRIC_NAMES: readonly EngineMetricNames[] = [
  {
    engine: "vllm",
    running: ["vllm:num_requests_running"],
    waiting: ["vllm:num_requests_waiting"],
    kvUsageRatio: ["vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"],
    preemptions: ["vllm:num_preemptions_total", "vllm:num_preemptions"],
    prefixHits: ["vllm:prefix_cache_hits_total", "vllm:gpu_prefix_cache_hits_total"],
    prefixQueries: [["vllm:prefix_cache_queries_total"], ["vllm:gpu_prefix_cache_queries_total"]],
    prefixHitRatio: ["vllm:gpu_prefix_cache_hit_rate"],
  },
  {
    engine: "sglang",
    running: ["sglang:num_running_reqs"],
    waiting: ["sglang:num_queue_reqs"],
    kvUsageRatio: ["sglang:token_usage"],
    preemptions: [],
    prefixHits: [],
    prefixQueries: [],
    prefixHitRatio: ["sglang:cache_hit_rate"],
  },
  {
    engine: "tgi",
    running: ["tgi_batch_current_size"],
    waiting: ["tgi_queue_size"],
    kvUsageRatio: [],
    preemptions: [],
    prefixHits: [],
    prefixQueries: [],
    prefixHitRatio: [],
  },
  {
    engine: "llama.cpp",
    running: ["llamacpp:requests_processing"],
    waiting: ["llamacpp:requests_deferred"],
    kvUsageRatio: ["llamacpp:kv_cache_usage_ratio"],
    preemptions: [],
    prefixHits: ["llamacpp:prompt_tokens_cached_total"],
    prefixQueries: [["llamacpp:prompt_tokens_total", "llamacpp:prompt_tokens_cached_total"]],
    prefixHitRatio: [],
  },
];

/**
 * Which engine served these metrics: the one whose running or waiting
 * metric is present.
 *
 * @param families The parsed page.
 * @returns The engine's names, or null when none matches.
 *
 * @example
 * ```ts
 * import { detectEngine } from "./engines.ts";
 * import { parsePrometheus } from "./prometheus.ts";
 * import assert from "node:assert/strict";
 *
 * const page = parsePrometheus("tgi_queue_size 2\ntgi_batch_current_size 4\n");
 * assert.equal(detectEngine(page)?.engine, "tgi");
 * assert.equal(detectEngine(parsePrometheus("process_cpu_seconds_total 1\n")), null);
 * ```
 */
export function detectEngine(families: Map<string, PromFamily>): EngineMetricNames | null {
  return ENGINE_METRIC_NAMES.find((e) =>
    [...e.running, ...e.waiting].some((n) => families.has(n))
  ) ?? null;
}

/** The finite values of the first family present among `names`. */
function firstValues(families: Map<string, PromFamily>, names: readonly string[]): number[] | null {
  for (const n of names) {
    const f = families.get(n);
    if (f === undefined) continue;
    const v = f.samples.map((s) => s.value).filter(Number.isFinite);
    if (v.length > 0) return v;
  }
  return null;
}

function sumOf(families: Map<string, PromFamily>, names: readonly string[]): number | null {
  const v = firstValues(families, names);
  return v === null ? null : v.reduce((a, b) => a + b, 0);
}

function meanPctOf(families: Map<string, PromFamily>, names: readonly string[]): number | null {
  const v = firstValues(families, names);
  return v === null ? null : 100 * v.reduce((a, b) => a + b, 0) / v.length;
}

/**
 * Reads the engine's state from one scrape.
 *
 * @param families The parsed page.
 * @param names The engine's metric names (from {@linkcode detectEngine}).
 * @returns The reading; a figure the engine does not report is null.
 *
 * @example
 * ```ts
 * import { detectEngine, readEngine } from "./engines.ts";
 * import { parsePrometheus } from "./prometheus.ts";
 * import assert from "node:assert/strict";
 *
 * const page = parsePrometheus([
 *   "llamacpp:requests_processing 2",
 *   "llamacpp:requests_deferred 1",
 *   "llamacpp:prompt_tokens_total 30",
 *   "llamacpp:prompt_tokens_cached_total 10",
 * ].join("\n"));
 * const r = readEngine(page, detectEngine(page)!);
 * assert.equal(r.running, 2);
 * assert.equal(r.waiting, 1);
 * assert.equal(r.prefixHitsTotal, 10);
 * assert.equal(r.prefixQueriesTotal, 40);
 * assert.equal(r.kvUsagePct, null);
 * ```
 */
export function readEngine(
  families: Map<string, PromFamily>,
  names: EngineMetricNames,
): EngineReading {
  let prefixQueriesTotal: number | null = null;
  for (const group of names.prefixQueries) {
    const parts = group.map((n) => sumOf(families, [n]));
    if (parts.every((p) => p !== null)) {
      prefixQueriesTotal = (parts as number[]).reduce((a, b) => a + b, 0);
      break;
    }
  }
  return {
    running: sumOf(families, names.running),
    waiting: sumOf(families, names.waiting),
    kvUsagePct: meanPctOf(families, names.kvUsageRatio),
    preemptionsTotal: sumOf(families, names.preemptions),
    prefixHitsTotal: sumOf(families, names.prefixHits),
    prefixQueriesTotal,
    prefixHitPct: meanPctOf(families, names.prefixHitRatio),
  };
}
