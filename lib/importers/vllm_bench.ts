/**
 * `vllm bench serve --save-result` (and the older
 * `benchmarks/benchmark_serving.py`) results as a splleed results document.
 *
 * Read from vLLM's `vllm/benchmarks/serve.py` (the `result_json` written by
 * `main`, the `result` dict of `benchmark()`, `calculate_metrics()`): one
 * JSON object per run (`--append-result` appends one per line; each becomes
 * a level). The tool's summary numbers become the level's one trial; with
 * `--save-detailed` (per-request `ttfts`, `itls`, `latencies`,
 * `output_lens`, `errors`) splleed computes its own statistics from the
 * per-request values (the same linear-interpolation percentiles as NumPy's
 * default, so they agree with the tool's) and reports any that disagree.
 *
 * @module
 */

import type { LevelResult, ResultsDocument } from "../results/document.ts";
import type { ResultsIssue } from "../results/errors.ts";
import {
  brief,
  importedDocument,
  importedLevel,
  type ImportedLoad,
  type ImportedSamples,
  isObject,
  notFormat,
  num,
  otherToolHint,
} from "./_level.ts";

/** vLLM's latency names → splleed's. */
const LATENCY: Record<string, string> = { ttft: "ttft", tpot: "tpot", itl: "itl", e2el: "e2e" };

/** vLLM's scalar fields → splleed metric ids. */
const SCALARS: Record<string, string> = {
  completed: "requests_completed",
  failed: "requests_failed",
  total_input_tokens: "input_tokens_total",
  total_output_tokens: "output_tokens_total",
  request_throughput: "request_throughput_per_sec",
  request_goodput: "goodput_requests_per_sec",
  output_throughput: "throughput_tokens_per_sec",
  total_token_throughput: "total_throughput_tokens_per_sec",
  duration: "duration_s",
};

/** The per-request arrays splleed reads (the rest are kept under `source.unmapped`). */
const DETAIL_READ = new Set(["ttfts", "itls", "latencies", "output_lens", "errors"]);

/** The run's setup as `vllm bench serve` writes it (copied into `config`). */
const SETUP = [
  "date",
  "endpoint_type",
  "backend",
  "label",
  "model_id",
  "tokenizer_id",
  "num_prompts",
  "request_rate",
  "burstiness",
  "max_concurrency",
  "ramp_up_strategy",
  "ramp_up_start_rps",
  "ramp_up_end_rps",
];

/**
 * How vLLM's definitions differ from splleed's, per metric id (from
 * `vllm/benchmarks/serve.py` and `vllm/benchmarks/lib/endpoint_request_func.py`).
 */
export const VLLM_DIFFERENCES: Readonly<Record<string, string>> = {
  ttft:
    "vLLM starts the clock just before session.post (as splleed) but counts the first SSE message with a non-empty 'choices' list as the first token even when its text is empty (a role-only chat chunk); splleed counts the first chunk that carries content",
  itl:
    "vLLM pools the gaps between all SSE messages with choices, including ones with empty text (a final finish_reason chunk); splleed's gaps are between token chunks only",
  tpot:
    "vLLM: per request with more than 1 output token, (latency - TTFT) / (output tokens - 1), latency ending at the last chunk received; output tokens from server usage, else re-tokenized generated text (splleed: usage, else chunk count, and leaves hidden reasoning tokens out of the divisor)",
  e2e:
    "vLLM's latency ends at the last chunk received, not at the end of the stream ([DONE], usage chunk) as splleed's",
  rate:
    "vLLM divides by its benchmark duration, from a start taken before the first scheduled delay (an open loop waits about 1/rate for its first request) to the end of the last request, failed ones included; splleed's window runs from the first send",
  input_tokens_total:
    "vLLM sums the prompt lengths of its dataset as counted by its client-side tokenizer; splleed sums the server's usage.prompt_tokens",
  output_tokens_total:
    "vLLM: server usage, else the generated text re-tokenized client-side; failed requests count 0",
  goodput_requests_per_sec:
    "same rule as splleed (every --goodput objective met, inclusive; 1-token requests pass TPOT), over vLLM's benchmark duration",
  e2e_failure_adjusted:
    "vLLM reports none: computed by splleed from the per-request E2E of completed requests and the failed count (--save-detailed), each failure ranked slowest",
  requests_failed:
    "requests whose RequestFuncOutput.success was false (any exception or non-200 status)",
};

function differenceFor(id: string): string | undefined {
  const base = id.replace(/_(mean|std|min|max|p50|p90|p95|p99)_ms$/, "");
  if (base !== id) return VLLM_DIFFERENCES[base];
  if (/_per_sec$/.test(id) && id !== "goodput_requests_per_sec") return VLLM_DIFFERENCES.rate;
  return VLLM_DIFFERENCES[id];
}

/**
 * Converts a `vllm bench serve` result (`--save-result`) to a splleed
 * results document: one level per result object (a list: the lines of
 * `--append-result`), one trial each.
 *
 * The level is `c=N` for `--request-rate inf --max-concurrency N`, a burst
 * of `num_prompts` for `inf` without a cap, and `r=R/s` (serve) for a finite
 * rate. `source.differences` says how each definition differs;
 * `source.unmapped` keeps every field that maps to no metric id (the
 * setup, peak figures, other percentiles, speculative-decoding figures,
 * per-request arrays not read); a list's unmapped fields are under
 * `[i].field`.
 *
 * @param json The parsed result: an object, or a list of them.
 * @param file The file it came from (for messages and `source.file`).
 * @returns The document.
 * @throws {ResultsFormatError} When it is not a `vllm bench serve` result:
 *   the message names the fields that were wrong and, for another tool's
 *   file, which command imports it.
 *
 * @example
 * ```ts
 * import { fromVllmBench } from "./vllm_bench.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = fromVllmBench({
 *   date: "20260301-120000", backend: "vllm", model_id: "m", num_prompts: 10,
 *   request_rate: "inf", burstiness: 1, max_concurrency: 4, duration: 2,
 *   completed: 10, failed: 0, request_throughput: 5, mean_ttft_ms: 20, p99_ttft_ms: 31,
 * }, "r.json");
 * assert.equal(doc.levels[0].concurrency, 4);
 * assert.equal(doc.levels[0].summary.ttft_p99_ms.value, 31);
 * assert.equal(doc.source!.tool, "vllm-bench");
 * ```
 */
export function fromVllmBench(json: unknown, file: string): ResultsDocument {
  const runs = Array.isArray(json) ? json : [json];
  if (runs.length === 0) {
    notFormat(file, "a `vllm bench serve` result (--save-result)", [{
      path: "",
      expected: "a result object (or one per line)",
      received: "an empty list",
    }]);
  }
  const levels: LevelResult[] = [];
  const unmapped: Record<string, unknown> = {};
  const warnings: string[] = [];
  const differences: Record<string, string> = {};
  const recomputed = new Set<string>();
  for (const [i, run] of runs.entries()) {
    checkRun(run, runs.length > 1 ? `[${i}]` : "", file);
    const r = run as Record<string, unknown>;
    const prefix = runs.length > 1 ? `[${i}].` : "";
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(r)) {
      const id = metricId(k);
      if (id !== undefined && num(v) !== undefined) metrics[id] = v as number;
      else if (id !== undefined && v === null) continue; // request_goodput without --goodput
      else if (!DETAIL_READ.has(k) || !Array.isArray(v)) unmapped[`${prefix}${k}`] = v;
    }
    // splleed's input throughput from the same figures (vLLM prints none).
    if (metrics.input_tokens_total !== undefined && metrics.duration_s > 0) {
      metrics.input_throughput_tokens_per_sec = metrics.input_tokens_total / metrics.duration_s;
    }
    const samples = perRequest(r, prefix, warnings);
    for (const name of ["ttft", "itl", "tpot", "e2e"] as const) {
      const values = samples[name];
      if (values === undefined) continue;
      for (const w of disagreements(name, values, metrics, prefix)) warnings.push(w);
      recomputed.add(name);
    }
    // Older versions write no `failed`: the detailed `errors` list says which failed.
    const failed = num(r.failed) ??
      (Array.isArray(r.errors)
        ? r.errors.filter((x) => typeof x === "string" && x !== "").length
        : 0);
    if (metrics.requests_failed === undefined && Array.isArray(r.errors)) {
      metrics.requests_failed = failed;
    }
    const errors: Record<string, number> = failed > 0 ? { failed } : {};
    const level = importedLevel(loadOf(r), metrics, errors, samples);
    const messages = Array.isArray(r.errors)
      ? r.errors.filter((e): e is string => typeof e === "string" && e !== "")
      : [];
    if (messages.length > 0) level.errorMessages = { failed: messages[0].slice(0, 500) };
    levels.push(level);
    for (const id of Object.keys(level.trials[0].metrics)) {
      const d = differenceFor(id);
      if (d !== undefined) differences[id] = d;
    }
  }
  for (const name of recomputed) {
    for (const id of Object.keys(differences)) {
      if (id.startsWith(`${name}_`) && id.endsWith("_ms") && !id.includes("failure_adjusted")) {
        differences[id] += "; statistics recomputed by splleed from the file's per-request " +
          "values (--save-detailed), percentiles by linear interpolation as NumPy's default, " +
          "so they equal vLLM's on the same values";
      }
    }
  }
  const first = runs[0] as Record<string, unknown>;
  const { startedAt, finishedAt, note } = times(
    first,
    runs[runs.length - 1] as Record<string, unknown>,
  );
  warnings.unshift(
    "imported from vllm bench serve: latency measured by that tool, not by splleed; " +
      "see source.differences for how its definitions differ",
    "no workload fingerprint: the file holds no prompts (only their lengths), so " +
      "comparisons cannot check that both runs sent the same requests",
    ...(note ? [note] : []),
  );
  const config: Record<string, unknown> = {
    tool: "vllm bench serve",
    mode: levels[0].mode,
    trials: 1,
    ...(num(first.num_prompts) !== undefined ? { runs: first.num_prompts } : {}),
  };
  for (const k of SETUP) if (k in first) config[k] = first[k];
  const kind = typeof first.backend === "string"
    ? first.backend
    : typeof first.endpoint_type === "string"
    ? first.endpoint_type
    : "unknown";
  return importedDocument({
    config,
    backend: {
      kind,
      model: typeof first.model_id === "string" ? first.model_id : null,
      endpoint: null,
      ...(typeof first.tokenizer_id === "string" ? { tokenizer: first.tokenizer_id } : {}),
    },
    startedAt,
    finishedAt,
    warnings,
    levels,
    source: { tool: "vllm-bench", file, differences, unmapped },
  });
}

/** The splleed id of a vLLM field, or undefined. */
function metricId(key: string): string | undefined {
  if (key in SCALARS) return SCALARS[key];
  const m = /^(mean|median|std|p\d+(?:\.\d+)?)_(ttft|tpot|itl|e2el)_ms$/.exec(key);
  if (m === null) return undefined;
  const stat = m[1] === "median" ? "p50" : m[1];
  if (!["mean", "std", "p50", "p90", "p95", "p99"].includes(stat)) return undefined;
  return `${LATENCY[m[2]]}_${stat}_ms`;
}

function checkRun(run: unknown, at: string, file: string): void {
  const what = "a `vllm bench serve` result (the JSON of --save-result)";
  if (!isObject(run)) {
    notFormat(file, what, [{ path: at, expected: "an object", received: brief(run) }]);
  }
  const issues: ResultsIssue[] = [];
  for (const k of ["completed", "duration", "request_throughput"]) {
    if (num(run[k]) === undefined) {
      issues.push({ path: `${at}${k}`, expected: "a number", received: brief(run[k]) });
    }
  }
  if (issues.length > 0) notFormat(file, what, issues, otherToolHint(run));
}

/** The level's load from vLLM's traffic fields. */
function loadOf(r: Record<string, unknown>): ImportedLoad {
  const cap = num(r.max_concurrency);
  const rate = num(r.request_rate);
  if (rate === undefined || rate === Infinity) {
    if (cap !== undefined) return { mode: "latency", concurrency: cap };
    const n = num(r.num_prompts) ?? (num(r.completed) ?? 0) + (num(r.failed) ?? 0);
    return { mode: "throughput", concurrency: n };
  }
  return { mode: "serve", concurrency: cap ?? 0, requestRate: rate };
}

/** Per-request values (ms) of completed requests, from --save-detailed arrays. */
function perRequest(
  r: Record<string, unknown>,
  prefix: string,
  warnings: string[],
): ImportedSamples {
  const ttfts = numbers(r.ttfts), latencies = numbers(r.latencies);
  const outputLens = numbers(r.output_lens);
  const itls = Array.isArray(r.itls) && r.itls.every((x) => numbers(x) !== undefined)
    ? r.itls as number[][]
    : undefined;
  const n = [ttfts, latencies, itls].find((a) => a !== undefined)?.length;
  if (n === undefined) return {};
  // Which requests completed: the `errors` array ("" for success), else all
  // of them when none failed and the counts agree.
  let ok: boolean[] | undefined;
  if (Array.isArray(r.errors) && r.errors.length === n) {
    ok = r.errors.map((e) => e === "" || e === null);
  } else if ((num(r.failed) ?? 0) === 0 && num(r.completed) === n) {
    ok = new Array(n).fill(true);
  }
  if (ok === undefined) {
    warnings.push(
      `${prefix}per-request values not used: the file does not say which of its ${n} ` +
        "requests failed (no 'errors' list of the same length); the tool's statistics are used",
    );
    return {};
  }
  const keep = <T>(a: T[] | undefined) =>
    a !== undefined && a.length === n ? a.filter((_, i) => ok![i]) : undefined;
  const t = keep(ttfts), o = keep(outputLens), g = keep(itls);
  // Older versions (benchmarks/benchmark_serving.py) save no `latencies`: a
  // request's latency is its TTFT plus its gaps (the last chunk's time), as
  // vLLM's own timeline plot rebuilds it.
  const e = keep(latencies) ??
    (t && g ? t.map((x, i) => x + g[i].reduce((a, b) => a + b, 0)) : undefined);
  if (e !== undefined && latencies === undefined) {
    warnings.push(
      `${prefix}the file has no 'latencies' (an older vllm bench): each E2E is TTFT + the sum ` +
        "of its inter-token gaps (the last chunk's time, as vLLM's latency)",
    );
  }
  const out: ImportedSamples = {};
  if (t) out.ttft = t.map((s) => s * 1000);
  if (g) out.itl = g.flat().map((s) => s * 1000);
  if (e) {
    out.e2e = e.map((s) => s * 1000);
    out.failed = ok.filter((x) => !x).length;
  }
  if (t && e && o) {
    out.tpot = o.flatMap((len, i) => len > 1 ? [(e[i] - t[i]) * 1000 / (len - 1)] : []);
  }
  return out;
}

function numbers(v: unknown): number[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === "number") ? v as number[] : undefined;
}

/** Warnings where splleed's statistic of the per-request values differs from the tool's. */
function disagreements(
  name: string,
  values: readonly number[],
  tool: Record<string, number>,
  prefix: string,
): string[] {
  if (values.length === 0) return [];
  const level = importedLevel({ mode: "latency", concurrency: 1 }, {}, {}, { [name]: values });
  const mine = level.trials[0].metrics;
  const out: string[] = [];
  for (const stat of ["mean", "std", "p50", "p90", "p95", "p99"]) {
    const id = `${name}_${stat}_ms`;
    const theirs = tool[id];
    if (theirs === undefined) continue;
    if (Math.abs(mine[id] - theirs) > 1e-6 * Math.max(1, Math.abs(theirs))) {
      out.push(
        `${prefix}${id}: ${mine[id]} recomputed from the per-request values, the file says ` +
          `${theirs} (the figures below are splleed's)`,
      );
    }
  }
  return out;
}

/** Start and end: vLLM's `date` is written after the run, local time without a zone. */
function times(
  first: Record<string, unknown>,
  last: Record<string, unknown>,
): { startedAt: string; finishedAt: string; note: string } {
  const parse = (r: Record<string, unknown>) => {
    const m = typeof r.date === "string"
      ? /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/.exec(r.date)
      : null;
    return m === null ? undefined : Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  };
  const end = parse(last);
  const firstEnd = parse(first);
  if (end === undefined || firstEnd === undefined) {
    const epoch = new Date(0).toISOString();
    return {
      startedAt: epoch,
      finishedAt: epoch,
      note: `the file has no 'date' of the form YYYYMMDD-HHMMSS (got ${
        brief(first.date)
      }): start and end times are unknown (shown as ${epoch})`,
    };
  }
  const start = firstEnd - (num(first.duration) ?? 0) * 1000;
  return {
    startedAt: new Date(start).toISOString(),
    finishedAt: new Date(end).toISOString(),
    note: "times from the file's 'date', written by vllm bench serve when the run ended, " +
      "in the machine's local time without a zone: read as UTC, start = date - duration",
  };
}
