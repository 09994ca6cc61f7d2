/**
 * GuideLLM's `benchmarks.json` (a `GenerativeBenchmarksReport`) as a
 * splleed results document: one level per benchmark of the report.
 *
 * Read from GuideLLM's source (`src/guidellm/benchmark/schemas/generative/
 * report.py`, `benchmark.py` and `metrics.py`, `src/guidellm/schemas/
 * statistics.py` and `request_stats.py`): the report has `metadata`
 * (`version: 1`, `guidellm_version`), `args` and `benchmarks[]`; each
 * benchmark has `config.strategy` (`type_`: `synchronous`, `concurrent`
 * with `streams`, `throughput`, `constant` / `poisson` with `rate`) and
 * `metrics`, whose distributions are `StatusDistributionSummary`
 * (`successful`, `incomplete`, `errored`, `total`) of `DistributionSummary`
 * (`mean`, `median`, `std_dev`, `min`, `max`, `count`, `total_sum`,
 * `percentiles.p50` ... `p999`). A sweep's rates map naturally to serve
 * levels (`r=N/s`), concurrent runs to closed-loop levels (`c=N`), so one
 * document with one level per benchmark reads as one splleed sweep would.
 *
 * @module
 */

import type { LevelResult, ResultsDocument } from "../results/document.ts";
import { ResultsFormatError, type ResultsIssue } from "../results/errors.ts";
import {
  brief,
  importedDocument,
  importedLevel,
  type ImportedLoad,
  isObject,
  notFormat,
  num,
  otherToolHint,
} from "./_level.ts";

/** The report schema versions (`metadata.version`) this importer reads. */
export const GUIDELLM_REPORT_VERSIONS: readonly number[] = [1];

/** GuideLLM latency distributions → splleed's, with the factor to ms. */
const LATENCY: ReadonlyArray<[string, string, number]> = [
  ["time_to_first_token_ms", "ttft", 1],
  ["inter_token_latency_ms", "tpot", 1],
  ["request_latency", "e2e", 1000],
];

/** GuideLLM rate distributions → splleed ids (their successful mean). */
const RATES: ReadonlyArray<[string, string]> = [
  ["requests_per_second", "request_throughput_per_sec"],
  ["output_tokens_per_second", "throughput_tokens_per_sec"],
  ["tokens_per_second", "total_throughput_tokens_per_sec"],
  ["prompt_tokens_per_second", "input_throughput_tokens_per_sec"],
];

/** Token totals (successful `total_sum`). */
const TOTALS: ReadonlyArray<[string, string]> = [
  ["output_token_count", "output_tokens_total"],
  ["prompt_token_count", "input_tokens_total"],
];

/** The metrics fields read (the rest are kept under `source.unmapped`). */
const READ = new Set([
  ...LATENCY.map(([k]) => k),
  ...RATES.map(([k]) => k),
  ...TOTALS.map(([k]) => k),
  "request_totals",
]);

/**
 * How GuideLLM's definitions differ from splleed's, per metric id family
 * (from `request_stats.py`, `metrics.py` and `statistics.py`).
 */
export const GUIDELLM_DIFFERENCES: Readonly<Record<string, string>> = {
  ttft:
    "GuideLLM: first token iteration - request start, wall clock (time.time()), first non-empty content (reasoning-only deltas do not count in the version read; in splleed they do)",
  tpot:
    "from GuideLLM's inter_token_latency_ms: per request (last token - first token) / (output tokens - 1), weighted by output tokens - 1 in the distribution: splleed's TPOT definition, under GuideLLM's other name (its time_per_output_token_ms includes TTFT and divides by n; it is kept under source.unmapped)",
  e2e:
    "from GuideLLM's request_latency (seconds, converted to ms): request start to request end, the end of the response as splleed's",
  percentiles:
    "GuideLLM's percentiles are weighted nearest-rank (no interpolation) and its std_dev a weighted population std; splleed interpolates linearly",
  rate:
    "the mean of GuideLLM's rate distribution of successful requests: requests per second over the measurement window (after warm-up, before cool-down); token rates over the span of the tokens' own timings",
  input_tokens_total:
    "sum of successful requests' prompt tokens (server usage, else GuideLLM's count)",
  output_tokens_total:
    "sum of successful requests' output tokens: server usage, else the number of stream iterations",
  requests_failed: "GuideLLM's errored requests in the measurement window",
  requests_cut:
    "GuideLLM's incomplete requests (cancelled at the end of the benchmark), which splleed calls cut",
  duration_s: "GuideLLM's measurement window (measure_end_time - measure_start_time)",
};

function differenceFor(id: string): string | undefined {
  const m = /^(ttft|tpot|e2e)_(mean|std|min|max|p50|p90|p95|p99)_ms$/.exec(id);
  if (m !== null) {
    return GUIDELLM_DIFFERENCES[m[1]] +
      (m[2] === "mean" || m[2] === "min" || m[2] === "max"
        ? ""
        : `; ${GUIDELLM_DIFFERENCES.percentiles}`);
  }
  if (/_per_sec$/.test(id)) return GUIDELLM_DIFFERENCES.rate;
  return GUIDELLM_DIFFERENCES[id];
}

/**
 * Converts a GuideLLM report (`benchmarks.json`) to one splleed results
 * document with one level per benchmark, one trial each.
 *
 * `synchronous` is `c=1`, `concurrent` `c=streams`, `constant` and
 * `poisson` `r=rate/s` (serve), `throughput` a burst of the benchmark's
 * requests. Figures are the distributions of successful requests;
 * `source.unmapped` keeps the rest of each benchmark under
 * `benchmarks[i].<field>` and the report's `metadata` and `args`.
 *
 * @param json The parsed report.
 * @param file The file it came from.
 * @returns The document.
 * @throws {ResultsFormatError} When it is not a GuideLLM generative report
 *   (`invalid_fields`, naming the fields and, for another tool's file, the
 *   command that imports it), or its `metadata.version` is not one this
 *   importer reads, or it is of the older format with `run_stats` and no
 *   `config` (`unsupported_version`).
 *
 * @example
 * ```ts
 * import { fromGuidellm } from "./guidellm.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => fromGuidellm({ benchmarks: [] }, "b.json"), /at least one benchmark/);
 * assert.throws(() => fromGuidellm({ metadata: { version: 9 }, benchmarks: [{}] }, "b.json"), /metadata.version 9/);
 * ```
 */
export function fromGuidellm(json: unknown, file: string): ResultsDocument {
  const what = "a GuideLLM report (benchmarks.json: a GenerativeBenchmarksReport)";
  if (!isObject(json) || !Array.isArray(json.benchmarks)) {
    notFormat(
      file,
      what,
      [{
        path: "benchmarks",
        expected: "a list of benchmarks",
        received: isObject(json) ? brief(json.benchmarks) : brief(json),
      }],
      otherToolHint(json),
    );
  }
  const report = json as Record<string, unknown> & { benchmarks: unknown[] };
  const metadata = isObject(report.metadata) ? report.metadata : undefined;
  const version = metadata?.version;
  if (version !== undefined && !GUIDELLM_REPORT_VERSIONS.includes(version as number)) {
    throw new ResultsFormatError(
      file,
      "unsupported_version",
      `expected a GuideLLM report of metadata.version ${
        GUIDELLM_REPORT_VERSIONS.join(", ")
      }, got metadata.version ${brief(version)}${
        typeof metadata?.guidellm_version === "string"
          ? ` (written by guidellm ${metadata.guidellm_version})`
          : ""
      }: this splleed does not read that report format`,
    );
  }
  if (report.benchmarks.length === 0) {
    notFormat(file, what, [{
      path: "benchmarks",
      expected: "at least one benchmark",
      received: "an empty list",
    }]);
  }
  const levels: LevelResult[] = [];
  const unmapped: Record<string, unknown> = {};
  const differences: Record<string, string> = {};
  if (metadata !== undefined) unmapped.metadata = metadata;
  if ("args" in report) unmapped.args = report.args;
  for (const [k, v] of Object.entries(report)) {
    if (!["metadata", "args", "benchmarks"].includes(k)) unmapped[k] = v;
  }
  let start = Infinity, end = -Infinity;
  for (const [i, b] of report.benchmarks.entries()) {
    const at = `benchmarks[${i}]`;
    checkBenchmark(b, at, file);
    const bench = b as Record<string, unknown> & {
      config: Record<string, unknown> & { strategy: Record<string, unknown> };
      metrics: Record<string, unknown>;
    };
    const m = bench.metrics;
    const metrics: Record<string, number> = {};
    for (const [key, name, factor] of LATENCY) {
      const d = successful(m[key]);
      if (d === undefined || num(d.count) === 0) continue;
      const pct = isObject(d.percentiles) ? d.percentiles : {};
      const stats: Record<string, unknown> = {
        mean: d.mean,
        std: d.std_dev,
        min: d.min,
        max: d.max,
        p50: pct.p50 ?? d.median,
        p90: pct.p90,
        p95: pct.p95,
        p99: pct.p99,
      };
      for (const [stat, v] of Object.entries(stats)) {
        const x = num(v);
        if (x !== undefined) metrics[`${name}_${stat}_ms`] = x * factor;
      }
    }
    for (const [key, id] of RATES) {
      const x = num(successful(m[key])?.mean);
      if (x !== undefined) metrics[id] = x;
    }
    for (const [key, id] of TOTALS) {
      // total_sum is mean × count, so a float: tokens are whole.
      const x = num(successful(m[key])?.total_sum);
      if (x !== undefined) metrics[id] = Math.round(x);
    }
    const totals = isObject(m.request_totals) ? m.request_totals : {};
    const ok = num(totals.successful), errored = num(totals.errored) ?? 0;
    const incomplete = num(totals.incomplete) ?? 0;
    if (ok !== undefined) metrics.requests_completed = ok;
    metrics.requests_failed = errored;
    metrics.requests_cut = incomplete;
    const duration = num(bench.duration);
    if (duration !== undefined) metrics.duration_s = duration;
    const errors: Record<string, number> = errored > 0 ? { errored } : {};
    levels.push(importedLevel(loadOf(bench, at, file, ok), metrics, errors));
    for (const id of Object.keys(metrics)) {
      const d = differenceFor(id);
      if (d !== undefined) differences[id] = d;
    }
    for (const [k, v] of Object.entries(m)) if (!READ.has(k)) unmapped[`${at}.metrics.${k}`] = v;
    for (const [k, v] of Object.entries(bench)) if (k !== "metrics") unmapped[`${at}.${k}`] = v;
    const s = num(bench.start_time), e = num(bench.end_time);
    if (s !== undefined) start = Math.min(start, s);
    if (e !== undefined) end = Math.max(end, e);
  }
  const args = isObject(report.args) ? report.args : {};
  const first = report.benchmarks[0] as { config: Record<string, unknown> };
  const backendConfig = isObject(first.config.backend) ? first.config.backend : {};
  const str = (...vs: unknown[]) => vs.find((v): v is string => typeof v === "string");
  const guidellmVersion = str(metadata?.guidellm_version);
  const warnings = [
    "imported from GuideLLM: latency measured by that tool, not by splleed; " +
    "see source.differences for how its definitions differ (its inter-token latency is splleed's TPOT)",
    "no workload fingerprint: the report holds no prompts, so comparisons cannot check " +
    "that both runs sent the same requests",
    "no per-request values: GuideLLM's 'requests' are a sample (sample_requests), so the " +
    "figures are GuideLLM's own statistics, without intervals",
  ];
  if (!Number.isFinite(start)) {
    warnings.push("the benchmarks have no start_time/end_time: times are unknown (shown as 1970)");
    start = 0;
    end = 0;
  }
  return importedDocument({
    config: {
      tool: "guidellm",
      mode: levels.every((l) => l.mode === levels[0].mode) ? levels[0].mode : "mixed",
      trials: 1,
      ...(typeof args.profile === "string" ? { profile: args.profile } : {}),
      ...(args.rate !== undefined ? { rate: args.rate } : {}),
      ...(args.max_seconds !== undefined ? { durationS: args.max_seconds } : {}),
      ...(args.max_requests !== undefined ? { runs: args.max_requests } : {}),
      ...(args.data !== undefined ? { data: args.data } : {}),
    },
    backend: {
      kind: str(
        typeof args.backend === "string" ? args.backend : undefined,
        isObject(args.backend) ? args.backend.type_ : undefined,
        backendConfig.type_,
        args.backend_type,
      ) ?? "unknown",
      model: str(args.model, backendConfig.model) ?? null,
      endpoint: str(args.target, backendConfig.target) ?? null,
    },
    startedAt: new Date(start * 1000).toISOString(),
    finishedAt: new Date(end * 1000).toISOString(),
    warnings,
    levels,
    source: {
      tool: "guidellm",
      ...(guidellmVersion !== undefined ? { version: guidellmVersion } : {}),
      file,
      differences,
      unmapped,
    },
  });
}

function successful(v: unknown): Record<string, unknown> | undefined {
  return isObject(v) && isObject(v.successful) ? v.successful : undefined;
}

function checkBenchmark(b: unknown, at: string, file: string): void {
  const what = "a GuideLLM generative benchmark";
  if (!isObject(b)) {
    notFormat(file, what, [{ path: at, expected: "an object", received: brief(b) }]);
  }
  if (b.type_ !== undefined && b.type_ !== "generative_benchmark") {
    notFormat(file, what, [{
      path: `${at}.type_`,
      expected: '"generative_benchmark"',
      received: brief(b.type_),
    }]);
  }
  if (!isObject(b.config) && "run_stats" in b) {
    throw new ResultsFormatError(
      file,
      "unsupported_version",
      `expected a GuideLLM report whose benchmarks have 'config' and 'metrics' (report ` +
        `metadata.version ${GUIDELLM_REPORT_VERSIONS.join(", ")}), got the older format ` +
        `(${at} has 'run_stats' and 'args', no 'config'): this splleed does not read it; ` +
        "re-run the benchmark with a current guidellm",
    );
  }
  const issues: ResultsIssue[] = [];
  const config = b.config;
  if (
    !isObject(config) || !isObject(config.strategy) || typeof config.strategy.type_ !== "string"
  ) {
    issues.push({
      path: `${at}.config.strategy.type_`,
      expected: "the scheduling strategy's type (a string)",
      received: brief(
        isObject(config) && isObject(config.strategy) ? config.strategy.type_ : undefined,
      ),
    });
  }
  if (!isObject(b.metrics) || successful(b.metrics.time_to_first_token_ms) === undefined) {
    issues.push({
      path: `${at}.metrics.time_to_first_token_ms.successful`,
      expected: "a distribution summary",
      received: brief(isObject(b.metrics) ? b.metrics.time_to_first_token_ms : b.metrics),
    });
  }
  if (issues.length > 0) notFormat(file, what, issues);
}

/** The level's load from the benchmark's scheduling strategy. */
function loadOf(
  b: { config: { strategy: Record<string, unknown> } },
  at: string,
  file: string,
  completed: number | undefined,
): ImportedLoad {
  const s = b.config.strategy;
  const cap = num(s.max_concurrency);
  switch (s.type_) {
    case "synchronous":
      return { mode: "latency", concurrency: 1 };
    case "concurrent": {
      const streams = num(s.streams);
      if (streams !== undefined && streams > 0) return { mode: "latency", concurrency: streams };
      break;
    }
    case "throughput":
      return { mode: "throughput", concurrency: cap ?? completed ?? 0 };
    case "constant":
    case "poisson": {
      const rate = num(s.rate);
      if (rate !== undefined && rate > 0) {
        return { mode: "serve", concurrency: cap ?? 0, requestRate: rate };
      }
      break;
    }
  }
  return notFormat(file, "a GuideLLM scheduling strategy splleed can map to a load level", [{
    path: `${at}.config.strategy`,
    expected: "synchronous, concurrent (streams > 0), throughput, or constant / poisson (rate > 0)",
    received: brief(s.type_) +
      (s.streams !== undefined ? ` with streams ${brief(s.streams)}` : "") +
      (s.rate !== undefined ? ` with rate ${brief(s.rate)}` : ""),
  }]);
}
