/**
 * What both importers share: a level of one trial built from a tool's
 * numbers (and, when the file has them, its per-request values), the
 * document around the levels, and small readers of untyped JSON that say
 * which field was wrong.
 *
 * @module
 */

import type { LevelResult, ResultsDocument } from "../results/document.ts";
import { ResultsFormatError, type ResultsIssue } from "../results/errors.ts";
import { METRIC_IDS } from "../metrics/ids.ts";
import { describeSorted, DISTRIBUTION_STATS, type DistributionStat } from "../stats/describe.ts";
import { sortedCopy } from "../stats/quantile.ts";
import { pooledQuantile, type RankedSample, sortedSample } from "../stats/quantile_interval.ts";
import { summarizePooled, summarizeTrials } from "../stats/summary.ts";
import { VERSION } from "../version.ts";

/** Confidence level of the (rare) intervals an imported level has: one trial has none for means. */
export const IMPORT_CONFIDENCE = 0.95;

/** Per-request values of one level, ms, for splleed's own pooled statistics. */
export interface ImportedSamples {
  /** TTFT of each completed request. */
  ttft?: readonly number[];
  /** Every inter-token gap, pooled over requests. */
  itl?: readonly number[];
  /** TPOT of each completed request with at least 2 output tokens. */
  tpot?: readonly number[];
  /** E2E of each completed request. */
  e2e?: readonly number[];
  /**
   * Requests that failed, with `e2e`: the failure-adjusted E2E percentiles
   * rank each as slower than every completed request.
   */
  failed?: number;
}

/** The load a level was run at, in splleed's terms. */
export interface ImportedLoad {
  /** `latency` (closed loop), `throughput` (burst) or `serve` (open loop). */
  mode: LevelResult["mode"];
  /** Requests in flight (serve: the cap, 0 for none; burst: the burst size). */
  concurrency: number;
  /** Serve mode: requests per second. */
  requestRate?: number | "inf";
}

/**
 * One level of one trial from a tool's figures: the trial's metrics are the
 * tool's numbers; with per-request values, the latency statistics are
 * splleed's own over them (`basis: "pooled"`, with a distribution-free
 * interval where the count allows one).
 *
 * @param load The level's load.
 * @param metrics Metric id → value (ms, req/s, tokens/s, counts).
 * @param errors Failure reason → count.
 * @param samples Per-request values, when the file has them.
 * @returns The level.
 *
 * @example
 * ```ts
 * import { importedLevel } from "./_level.ts";
 * import assert from "node:assert/strict";
 *
 * const l = importedLevel({ mode: "latency", concurrency: 4 }, { ttft_mean_ms: 12 }, {});
 * assert.equal(l.summary.ttft_mean_ms.value, 12);
 * assert.equal(l.summary.ttft_mean_ms.ci, null);
 * ```
 */
export function importedLevel(
  load: ImportedLoad,
  metrics: Record<string, number>,
  errors: Record<string, number>,
  samples: ImportedSamples = {},
): LevelResult {
  const trialMetrics = { ...metrics };
  const pooled: LevelResult["summary"] = {};
  for (const name of ["ttft", "itl", "tpot", "e2e"] as const) {
    const values = samples[name];
    if (values === undefined || values.length === 0) continue;
    const sorted = sortedCopy(values);
    const sample = sortedSample(sorted);
    const d = describeSorted(sorted)!;
    for (const stat of DISTRIBUTION_STATS) trialMetrics[`${name}_${stat}_ms`] = d[stat];
    const stats = summarizePooled(
      sample,
      [sample],
      Object.fromEntries(
        ["min", "max", "p50", "p90", "p95", "p99"].map((s) => [s, [d[s as DistributionStat]]]),
      ),
      IMPORT_CONFIDENCE,
      { independent: name !== "itl" },
    );
    for (const [stat, s] of Object.entries(stats)) pooled[`${name}_${stat}_ms`] = s;
  }
  if (samples.e2e !== undefined && samples.failed !== undefined) {
    Object.assign(pooled, failureAdjusted(samples.e2e, samples.failed, trialMetrics));
  }
  const summary = summarizeTrials([trialMetrics], IMPORT_CONFIDENCE, METRIC_IDS);
  Object.assign(summary, pooled);
  return {
    mode: load.mode,
    concurrency: load.concurrency,
    ...(load.requestRate !== undefined ? { requestRate: load.requestRate } : {}),
    trials: [{ metrics: trialMetrics, errors, complete: true }],
    summary,
    errors: { ...errors },
  };
}

/**
 * E2E percentiles with each failed request ranked above every completed
 * one (as the runner computes them): ∞ where more than the percentile's
 * share failed. Sets the trial's values and returns the summaries.
 */
function failureAdjusted(
  e2e: readonly number[],
  failed: number,
  trialMetrics: Record<string, number>,
): LevelResult["summary"] {
  const sorted = sortedCopy(e2e);
  const sample: RankedSample = {
    length: sorted.length + failed,
    atRanks: (ranks) => ranks.map((r) => (r < sorted.length ? sorted[r] : Infinity)),
    countAtMost: (x) =>
      x === Infinity ? sorted.length + failed : sortedSample(sorted).countAtMost(x),
  };
  const out: LevelResult["summary"] = {};
  for (const [stat, p] of [["p50", 0.5], ["p90", 0.9], ["p95", 0.95], ["p99", 0.99]] as const) {
    const q = pooledQuantile(sample, [sample], p, IMPORT_CONFIDENCE);
    if (q === undefined) continue;
    const id = `e2e_failure_adjusted_${stat}_ms`;
    trialMetrics[id] = q.value;
    out[id] = {
      value: q.value,
      ci: q.ci,
      trials: [q.value],
      basis: "pooled",
      ...(q.noInterval ? { noInterval: q.noInterval } : {}),
    };
  }
  return out;
}

/** The document's fixed parts for an imported run. */
export interface ImportedParts {
  /** What the tool reported of its setup. */
  config: Record<string, unknown>;
  /** Backend kind, model, endpoint. */
  backend: Record<string, unknown>;
  /** ISO start. */
  startedAt: string;
  /** ISO end. */
  finishedAt: string;
  /** Warnings. */
  warnings: string[];
  /** The levels. */
  levels: LevelResult[];
  /** Where it came from. */
  source: NonNullable<ResultsDocument["source"]>;
}

/**
 * A results document around imported levels.
 *
 * @param p The parts.
 * @returns The document (schema version 1, no records file, no workload fingerprint).
 *
 * @example
 * ```ts
 * import { importedDocument } from "./_level.ts";
 * import assert from "node:assert/strict";
 *
 * const d = importedDocument({
 *   config: {}, backend: { kind: "vllm" }, warnings: [], levels: [],
 *   startedAt: "2026-01-01T00:00:00.000Z", finishedAt: "2026-01-01T00:00:10.000Z",
 *   source: { tool: "vllm-bench", file: "r.json", differences: {}, unmapped: {} },
 * });
 * assert.equal(d.recordsFile, null);
 * assert.equal(d.source!.tool, "vllm-bench");
 * ```
 */
export function importedDocument(p: ImportedParts): ResultsDocument {
  return {
    schemaVersion: 1,
    tool: { name: "splleed", version: VERSION, deno: Deno.version.deno },
    config: p.config,
    backend: p.backend,
    startedAt: p.startedAt,
    finishedAt: p.finishedAt,
    interrupted: false,
    interruption: null,
    interruptionCause: null,
    warnings: p.warnings,
    recordsFile: null,
    levels: p.levels,
    source: p.source,
  };
}

/** Is it a plain JSON object? */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A finite number, or undefined (null, absent, a string, NaN). */
export function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/**
 * Throws the error for a file that is not the tool's format: names the
 * file, the tool, the fields that were wrong and what they held.
 *
 * @param file The file.
 * @param what What was expected ("a `vllm bench serve` result (--save-result)").
 * @param issues The fields that were wrong.
 * @param hint A sentence that helps (another tool's file, a splleed document).
 * @returns Never.
 * @throws {ResultsFormatError} Always.
 */
export function notFormat(
  file: string,
  what: string,
  issues: readonly ResultsIssue[],
  hint = "",
): never {
  const listed = issues.slice(0, 6).map((i) =>
    i.path === ""
      ? `${i.expected}, got ${i.received}`
      : `'${i.path}' must be ${i.expected}, got ${i.received}`
  );
  throw new ResultsFormatError(
    file,
    "invalid_fields",
    `expected ${what}: ${listed.join("; ")}${
      issues.length > 6 ? `; ... and ${issues.length - 6} more` : ""
    }${hint ? `. ${hint}` : ""}`,
    { issues },
  );
}

/** A value rendered briefly for a message. */
export function brief(v: unknown): string {
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (isObject(v)) {
    const keys = Object.keys(v);
    return `an object (keys: ${keys.slice(0, 6).join(", ")}${keys.length > 6 ? ", ..." : ""})`;
  }
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** What a document that is not the expected tool's looks like, as a hint. */
export function otherToolHint(value: unknown): string {
  if (!isObject(value)) return "";
  if (isObject(value.tool) && value.tool.name === "splleed") {
    return "It is already a splleed results document: use it directly (splleed report, compare)";
  }
  if (Array.isArray(value.benchmarks)) {
    return "It looks like a GuideLLM report (it has 'benchmarks'): import it with `splleed import guidellm`";
  }
  if ("request_throughput" in value || "mean_ttft_ms" in value || "model_id" in value) {
    return "It looks like a `vllm bench serve` result: import it with `splleed import vllm-bench`";
  }
  return "";
}
