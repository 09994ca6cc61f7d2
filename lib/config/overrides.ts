/**
 * Typed overrides: the `splleed run` flags applied over a config file. Flags
 * win over the file; `--backend` of another type replaces the file's backend,
 * otherwise backend fields merge (and `--docker-*` merge into the file's
 * `docker`); sampling fields merge (`--extra-body` merges into the file's
 * `sampling.extra`); `--find` builds `sweep`; workload flags
 * replace the file's workload or refine it; `--trace` replaces both.
 *
 * The command line names at most one source of requests (`--prompts`,
 * `--dataset`, `--input-len`, `--trace`), as a config file does; it replaces
 * the file's `prompts`, `workload` or `trace`. A flag the resulting source
 * cannot take is an error, never dropped.
 *
 * Flags arrive converted (numbers, lists, distributions): the command line
 * does that when it parses them. Relative paths given as flags are resolved
 * against the working directory here; those of a config file were resolved
 * against its folder when it was parsed (`parseConfigText`).
 *
 * @module
 */

import { parse as parseYaml } from "npm:yaml@^2.9.1";
import type { BackendType } from "./backends.ts";
import type { BenchmarkSpecInput } from "./benchmark.ts";
import { ConfigError, renderValue } from "./errors.ts";
import {
  resolveBackendPaths,
  resolvePath,
  resolveTokenizer,
  resolveWorkloadPaths,
} from "./paths.ts";
import type { Distribution } from "./workload.ts";

/** The options of `splleed run` that shape the benchmark, converted from text. */
export interface RunFlags {
  /** `--backend`: the backend type; another type than the file's replaces its backend. */
  backend?: BackendType;
  /** `--endpoint`: the server's base URL (without a backend, an `openai` one). */
  endpoint?: string;
  /** `--model`: the model (a GGUF path for a managed llamacpp). */
  model?: string;
  /** `--api`: completions, chat, embeddings or generate. */
  api?: string;
  /** `--ttft-ms`: simulator backend, deterministic time to first token. */
  ttftMs?: number;
  /** `--itl-ms`: simulator backend, deterministic inter-token interval. */
  itlMs?: number;
  /** `--profile`: simulator backend, engine profile. */
  profile?: string;
  /** The engine-option flags (`--tensor-parallel`, `--docker-image`, ...) as backend fields (`{ tensorParallel: 2, docker: { image } }`). */
  backendOptions?: Record<string, unknown>;
  /** `--prompts`: a prompts file (text, or JSONL with `prompt`). */
  prompts?: string;
  /** `--dataset`: a Hugging Face dataset id, a `.parquet` file or folder, or a ShareGPT `.json`. */
  dataset?: string;
  /** `--dataset-split`: the Hugging Face split. */
  datasetSplit?: string;
  /** `--dataset-column`: the column with the prompt or conversation. */
  datasetColumn?: string;
  /** `--num-prompts`: sample this many prompts. */
  numPrompts?: number;
  /** `--input-len`: synthetic prompts of this many tokens (the suffix, with prefix sharing). */
  inputLen?: Distribution;
  /** `--output-len`: output tokens to ask for per request. */
  outputLen?: Distribution;
  /** `--tokenizer`: a tokenizer.json path or a Hugging Face model id. */
  tokenizer?: string;
  /** `--prefix-groups`: prefix sharing, distinct shared prefixes. */
  prefixGroups?: number;
  /** `--prefix-tokens`: prefix sharing, tokens per shared prefix. */
  prefixTokens?: number;
  /** `--trace`: a JSONL trace to replay. */
  trace?: string;
  /** `--trace-speed`: replay speed (with `--trace`). */
  traceSpeed?: number;
  /** `--mode`. */
  mode?: "latency" | "throughput" | "serve";
  /** `--concurrency`. */
  concurrency?: number[];
  /** `--request-rate`. */
  requestRate?: number[];
  /** `--arrival`. */
  arrival?: "poisson" | "gamma" | "constant";
  /** `--burstiness`. */
  burstiness?: number;
  /** `--max-concurrency`. */
  maxConcurrency?: number;
  /** `--ramp-up`, s. */
  rampUp?: number;
  /** `--duration`, s. */
  duration?: number;
  /** `--duration-grace`, s. */
  durationGrace?: number;
  /** `--seed`. */
  seed?: number;
  /** `--runs`. */
  runs?: number;
  /** `--warmup`. */
  warmup?: number;
  /** `--trials`. */
  trials?: number;
  /** `--find`: saturation search. */
  find?: "max-rate" | "max-concurrency";
  /** `--attainment`: the sweep's SLO attainment. */
  attainment?: number;
  /** `--max-tokens`. */
  maxTokens?: number;
  /** `--temperature`. */
  temperature?: number;
  /** `--top-p`. */
  topP?: number;
  /** `--ignore-eos`. */
  ignoreEos?: boolean;
  /**
   * `--extra-body`: fields merged into every request body, over the file's
   * `sampling.extra`: the flag's JSON or YAML text (parsed here), or the fields.
   */
  extraBody?: string | Record<string, unknown>;
  /** `--confidence`. */
  confidence?: number;
  /** `--slo`, as SLO fields (`{ ttftMs: 200 }`). */
  slo?: Record<string, number>;
  /** `--timeout`, ms. */
  timeout?: number;
  /** `--first-byte-timeout`, ms. */
  firstByteTimeout?: number;
  /** `--idle-timeout`, ms. */
  idleTimeout?: number;
  /** `--max-failure-rate`, a share (0 to 1). */
  maxFailureRate?: number;
  /** `--transport`. */
  transport?: "http1" | "fetch";
  /** `--out`. */
  out?: string;
  /** `--html`: the HTML report's path. */
  html?: string;
  /** `--gpu-metrics`: sample GPU telemetry through NVML. */
  gpuMetrics?: boolean;
  /** `--engine-metrics`: scrape the engine's Prometheus metrics. */
  engineMetrics?: boolean;
  /** `--emit-markers`: one NVTX range per request. */
  emitMarkers?: boolean;
  /** `--tag k=v`, repeated: the run's tags (added to the file's). */
  tag?: string[];
  /** `--history-db`: add the run to this history database when it ends. */
  historyDb?: string;
  /** `--metrics-port`: serve live Prometheus metrics on this port (0: any free one). */
  metricsPort?: number;
  /** `--metrics-host`: the address the live metrics listen on. */
  metricsHost?: string;
  /** `--pushgateway`: push each level's summary to this Pushgateway when the run ends. */
  pushgateway?: string;
  /** `--records`. */
  records?: string;
  /** `--metrics`: the metric ids the results table shows (its `table.metrics`). */
  metrics?: string[];
  /** `--all-metrics`: the results table shows every metric id (its `table.allMetrics`). */
  allMetrics?: boolean;
}

/** Options of {@linkcode applyOverrides}. */
export interface ApplyOverridesOptions {
  /** The folder relative paths given as flags start from. @default Deno.cwd() */
  cwd?: string;
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/**
 * The workload flags that refine any workload: `--output-len`,
 * `--num-prompts`, `--tokenizer` (its path resolved against `cwd`).
 *
 * @param f The flags.
 * @param cwd The folder relative paths start from.
 * @returns The workload fields they set (empty when none was given).
 *
 * @example
 * ```ts
 * import { refinements } from "./overrides.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(refinements({ numPrompts: 3 }, "/"), { numPrompts: 3 });
 * ```
 */
export function refinements(f: RunFlags, cwd: string): Record<string, unknown> {
  const out: Obj = {};
  if (f.outputLen !== undefined) out.outputLen = f.outputLen;
  if (f.numPrompts !== undefined) out.numPrompts = f.numPrompts;
  if (f.tokenizer !== undefined) out.tokenizer = resolveTokenizer(f.tokenizer, cwd);
  return out;
}

/** The names of the refinement flags given. */
function refinementFlags(f: RunFlags): string[] {
  const names: string[] = [];
  if (f.outputLen !== undefined) names.push("--output-len");
  if (f.numPrompts !== undefined) names.push("--num-prompts");
  if (f.tokenizer !== undefined) names.push("--tokenizer");
  return names;
}

const ONE_SOURCE = "one source of requests: --prompts, --dataset, --input-len or --trace";

/**
 * The flags given that each name a source of requests, with their values:
 * `--prompts`, `--dataset`, `--input-len` (or, without it, `--prefix-groups`
 * / `--prefix-tokens`, which need it), `--trace`.
 */
function sourceFlags(f: RunFlags): [string, unknown][] {
  const s: [string, unknown][] = [];
  if (f.prompts !== undefined) s.push(["--prompts", f.prompts]);
  if (f.dataset !== undefined) s.push(["--dataset", f.dataset]);
  if (f.inputLen !== undefined) s.push(["--input-len", f.inputLen]);
  else if (f.prefixGroups !== undefined) s.push(["--prefix-groups", f.prefixGroups]);
  else if (f.prefixTokens !== undefined) s.push(["--prefix-tokens", f.prefixTokens]);
  if (f.trace !== undefined) s.push(["--trace", f.trace]);
  return s;
}

/**
 * Throws when the flags name two sources of requests: the schema rejects a
 * config file with two, and the command line must not pick one silently.
 */
function checkOneSource(f: RunFlags): void {
  const sources = sourceFlags(f);
  if (sources.length < 2) return;
  const first = sources[0][0];
  throw new ConfigError(
    "benchmark",
    sources.slice(1).map(([flag, value]) => ({
      path: flag,
      expected: `absent when '${first}' is given (${ONE_SOURCE})`,
      received: renderValue(value),
    })),
  );
}

/**
 * The workload the flags make on their own, or undefined when they make none
 * (then the file's `prompts`, `workload` or `trace` stands, refined).
 * `--prompts` alone makes none: it becomes the `prompts` field.
 */
function workloadFromFlags(f: RunFlags, cwd: string): Obj | undefined {
  const w: Obj = {};
  if (f.dataset !== undefined) {
    if (/\.parquet$/i.test(f.dataset) || isDirectory(resolvePath(f.dataset, cwd))) {
      Object.assign(w, { source: "parquet", path: f.dataset });
    } else if (/\.json$/i.test(f.dataset)) {
      Object.assign(w, { source: "sharegpt", path: f.dataset });
    } else {
      Object.assign(w, { source: "hf", dataset: f.dataset });
    }
  } else if (f.prefixGroups !== undefined || f.prefixTokens !== undefined) {
    if (f.inputLen === undefined) {
      throw new ConfigError("benchmark", [{
        path: "--input-len",
        expected: "given with --prefix-groups and --prefix-tokens (the tokens of each prompt's " +
          "own suffix, e.g. 128 or uniform:64,256)",
        received: "nothing",
      }]);
    }
    Object.assign(w, {
      source: "prefix",
      // A missing half is NaN, which the schema reports under the field's name.
      groups: f.prefixGroups ?? NaN,
      prefixTokens: f.prefixTokens ?? NaN,
      inputLen: f.inputLen,
    });
  } else if (f.inputLen !== undefined) {
    Object.assign(w, { source: "synthetic", inputLen: f.inputLen });
  } else if (f.prompts !== undefined && refines(f)) {
    // --prompts with refinements: a file workload (its format from the extension).
    Object.assign(w, { source: "file", path: f.prompts });
  } else {
    return undefined;
  }
  datasetRefinements(w, f, sourceFlags(f)[0][0]);
  return resolveWorkloadPaths({ ...w, ...refinements(f, cwd) }, cwd) as Obj;
}

/** Whether any flag refines a workload (`--output-len`, `--num-prompts`, `--tokenizer`, `--dataset-split`, `--dataset-column`). */
function refines(f: RunFlags): boolean {
  return refinementFlags(f).length > 0 || f.datasetSplit !== undefined ||
    f.datasetColumn !== undefined;
}

/**
 * Sets `--dataset-split` and `--dataset-column` on a workload source, or
 * throws when its source takes no such field (`origin` names where the
 * source came from, for the message).
 */
function datasetRefinements(w: Obj, f: RunFlags, origin: string): void {
  if (w.source === undefined && (f.datasetSplit ?? f.datasetColumn) !== undefined) {
    const flag = f.datasetSplit !== undefined ? "--dataset-split" : "--dataset-column";
    throw new ConfigError("benchmark", [{
      path: flag,
      expected: "given with a source it refines (--dataset NAME, or a config file's workload)",
      received: renderValue(f.datasetSplit ?? f.datasetColumn),
    }]);
  }
  if (f.datasetSplit !== undefined) {
    if (w.source !== "hf") {
      throw new ConfigError("benchmark", [{
        path: "--dataset-split",
        expected: `given only with a Hugging Face dataset (${origin} names a ${
          sourceWords(w.source)
        }, which has no splits)`,
        received: renderValue(f.datasetSplit),
      }]);
    }
    w.split = f.datasetSplit;
  }
  if (f.datasetColumn !== undefined) {
    if (w.source !== "hf" && w.source !== "parquet" && w.source !== "file") {
      throw new ConfigError("benchmark", [{
        path: "--dataset-column",
        expected: `given only with a Hugging Face dataset, a parquet file or a prompts file ` +
          `(${origin} names a ${sourceWords(w.source)}, which has no columns to choose)`,
        received: renderValue(f.datasetColumn),
      }]);
    }
    w.column = f.datasetColumn;
  }
}

function sourceWords(source: unknown): string {
  switch (source) {
    case "sharegpt":
      return "ShareGPT file";
    case "parquet":
      return "parquet file";
    case "file":
      return "prompts file";
    case "inline":
      return "list of prompts";
    case "synthetic":
      return "synthetic workload";
    case "prefix":
      return "prefix-sharing workload";
    default:
      return `${String(source)} workload`;
  }
}

/**
 * The file's `prompts` or `workload` as one source object, for refinement
 * flags to refine, or undefined when it has neither in a shape to refine
 * (the schema reports a bad shape).
 */
function fileWorkload(spec: Obj): Obj | undefined {
  if (isObject(spec.workload)) return { ...spec.workload };
  if (Array.isArray(spec.workload)) return { source: "inline", prompts: spec.workload };
  if (spec.workload !== undefined) return undefined;
  if (Array.isArray(spec.prompts)) return { source: "inline", prompts: spec.prompts };
  if (isObject(spec.prompts) && typeof spec.prompts.file === "string") {
    return { source: "file", path: spec.prompts.file, format: "prompts" };
  }
  return undefined;
}

/**
 * Sets the trace of `--trace` and `--trace-speed` (the speed refines a
 * config file's trace), or throws for a flag that would refine a workload:
 * a trace has none.
 */
function refineTrace(spec: Obj, f: RunFlags, cwd: string): void {
  const values: [string, unknown][] = [
    ["--output-len", f.outputLen],
    ["--num-prompts", f.numPrompts],
    ["--tokenizer", f.tokenizer],
    ["--dataset-split", f.datasetSplit],
    ["--dataset-column", f.datasetColumn],
  ];
  const given = values.filter(([, v]) => v !== undefined);
  if (given.length > 0) {
    const trace = f.trace !== undefined ? "'--trace'" : "the config file's 'trace'";
    throw new ConfigError(
      "benchmark",
      given.map(([flag, v]) => ({
        path: flag,
        expected: `absent when replaying a trace (${trace} gives the requests and their times)`,
        received: renderValue(v),
      })),
    );
  }
  if (f.trace !== undefined) spec.trace = { path: resolvePath(f.trace, cwd) };
  if (f.traceSpeed !== undefined && isObject(spec.trace)) {
    spec.trace = { ...spec.trace, speed: f.traceSpeed };
  }
}

/**
 * Applies the `run` command's flags over a config file's specification.
 *
 * @param file The config file's specification (its paths already resolved), or undefined.
 * @param flags The flags given, converted.
 * @param options The working directory relative flag paths start from.
 * @returns The merged specification, not yet validated (the schema does that).
 * @throws {ConfigError} When neither the file nor the flags name a backend;
 *   the flags name two sources of requests (`--prompts`, `--dataset`,
 *   `--input-len`, `--trace`: a config file with two is rejected too);
 *   `--prefix-groups`/`--prefix-tokens` come without `--input-len`; or a flag
 *   refines what cannot take it (`--dataset-split` without a Hugging Face
 *   dataset, `--num-prompts` with a trace, `--trace-speed` without one).
 *
 * @example Flags win; backend fields merge
 * ```ts
 * import { applyOverrides } from "./overrides.ts";
 * import assert from "node:assert/strict";
 *
 * const spec = applyOverrides(
 *   { backend: { type: "vllm", endpoint: "http://gpu:8000", model: "m" }, runs: 5, prompts: ["hi"] },
 *   { runs: 20, api: "chat", maxTokens: 64 },
 * );
 * assert.deepEqual(spec, {
 *   backend: { type: "vllm", endpoint: "http://gpu:8000", model: "m", api: "chat" },
 *   runs: 20,
 *   prompts: ["hi"],
 *   sampling: { maxTokens: 64 },
 * });
 * ```
 *
 * @example Relative flag paths start from the working directory
 * ```ts
 * import { applyOverrides } from "./overrides.ts";
 * import assert from "node:assert/strict";
 *
 * const spec = applyOverrides(undefined, { backend: "simulator", prompts: "p.txt", out: "r.json" }, {
 *   cwd: "/home/me",
 * });
 * assert.deepEqual(spec.prompts, { file: "/home/me/p.txt" });
 * assert.equal(spec.out, "/home/me/r.json");
 * ```
 *
 * @example Two sources of requests are refused, as in a config file
 * ```ts
 * import { applyOverrides } from "./overrides.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(
 *   () => applyOverrides(undefined, { backend: "simulator", prompts: "p.txt", inputLen: 512 }),
 *   /'--input-len' must be absent when '--prompts' is given/,
 * );
 * ```
 */
export function applyOverrides(
  file: Record<string, unknown> | undefined,
  flags: RunFlags,
  options: ApplyOverridesOptions = {},
): BenchmarkSpecInput {
  const cwd = options.cwd ?? Deno.cwd();
  const f = flags;
  const spec: Obj = { ...file };

  // Backend: --backend of another type replaces the file's; otherwise fields merge.
  let backend = isObject(spec.backend) ? spec.backend : undefined;
  if (f.backend !== undefined && backend?.type !== f.backend) backend = { type: f.backend };
  if (!backend && f.endpoint !== undefined) backend = { type: "openai" };
  if (!backend) {
    throw new ConfigError("benchmark", [{
      path: "backend",
      expected:
        "named: use --endpoint URL (an OpenAI-compatible server), --backend simulator, or a config file with a backend",
      received: "nothing",
    }]);
  }
  const given: Obj = { ...f.backendOptions };
  for (const k of ["endpoint", "model", "api", "ttftMs", "itlMs", "profile"] as const) {
    if (f[k] !== undefined) given[k] = f[k];
  }
  if (isObject(given.docker) && isObject(backend.docker)) {
    given.docker = { ...backend.docker, ...given.docker };
  }
  const merged: Obj = { ...backend, ...given };
  const resolved = resolveBackendPaths(merged, cwd) as Obj;
  for (const k of Object.keys(given)) merged[k] = resolved[k];
  spec.backend = merged;

  // Workload: one source on the command line, which replaces the file's
  // (its prompts, workload or trace); refinement flags refine the file's.
  checkOneSource(f);
  const workload = workloadFromFlags(f, cwd);
  if (workload !== undefined || f.prompts !== undefined || f.trace !== undefined) {
    delete spec.prompts;
    delete spec.workload;
    delete spec.trace;
    if (workload !== undefined) spec.workload = workload;
    else if (f.prompts !== undefined) spec.prompts = { file: resolvePath(f.prompts, cwd) };
    else spec.mode ??= "serve";
  }
  if (f.trace !== undefined || (workload === undefined && spec.trace !== undefined)) {
    // A trace gives the requests: nothing refines them but its speed.
    refineTrace(spec, f, cwd);
  } else if (f.traceSpeed !== undefined) {
    throw new ConfigError("benchmark", [{
      path: "--trace-speed",
      expected: "given with a trace to replay (--trace FILE, or a config file's 'trace')",
      received: renderValue(f.traceSpeed),
    }]);
  } else if (workload === undefined && f.prompts === undefined && refines(f)) {
    const w = fileWorkload(spec);
    if (w !== undefined) {
      datasetRefinements(w, f, "the config file");
      delete spec.prompts;
      spec.workload = { ...w, ...refinements(f, cwd) };
    } else if (spec.workload === undefined && spec.prompts === undefined) {
      datasetRefinements({}, f, "nothing");
    }
  }

  // Load, statistics, output.
  const fields: [keyof RunFlags, string][] = [
    ["mode", "mode"],
    ["concurrency", "concurrency"],
    ["runs", "runs"],
    ["requestRate", "requestRates"],
    ["arrival", "arrival"],
    ["burstiness", "burstiness"],
    ["maxConcurrency", "maxConcurrency"],
    ["rampUp", "rampUpS"],
    ["duration", "durationS"],
    ["seed", "seed"],
    ["warmup", "warmup"],
    ["trials", "trials"],
    ["confidence", "confidenceLevel"],
    ["timeout", "requestTimeoutMs"],
    ["firstByteTimeout", "firstByteTimeoutMs"],
    ["idleTimeout", "idleTimeoutMs"],
    ["maxFailureRate", "maxFailureRate"],
    ["durationGrace", "durationGraceS"],
    ["slo", "slo"],
    ["transport", "transport"],
  ];
  for (const [flag, field] of fields) if (f[flag] !== undefined) spec[field] = f[flag];

  const sampling: Obj = { ...(isObject(spec.sampling) ? spec.sampling : {}) };
  if (f.maxTokens !== undefined) sampling.maxTokens = f.maxTokens;
  if (f.temperature !== undefined) sampling.temperature = f.temperature;
  if (f.topP !== undefined) sampling.topP = f.topP;
  if (f.ignoreEos) sampling.ignoreEos = true;
  if (f.extraBody !== undefined) {
    const extra = typeof f.extraBody === "string"
      ? parseExtraBody(f.extraBody, "--extra-body")
      : f.extraBody;
    sampling.extra = { ...(isObject(sampling.extra) ? sampling.extra : {}), ...extra };
  }
  if (Object.keys(sampling).length > 0) spec.sampling = sampling;

  if (f.find !== undefined) {
    spec.sweep = {
      ...(isObject(spec.sweep) ? spec.sweep : {}),
      find: f.find,
      ...(spec.slo !== undefined ? { slo: spec.slo } : {}),
      ...(f.attainment !== undefined ? { attainment: f.attainment } : {}),
    };
    if (f.find === "max-rate" && f.mode === undefined) spec.mode = "serve";
  }
  if (f.out !== undefined) spec.out = resolvePath(f.out, cwd);
  if (f.html !== undefined) spec.html = resolvePath(f.html, cwd);
  // Telemetry flags turn a source on, keeping the file's settings for it when it has them.
  for (const k of ["gpuMetrics", "engineMetrics", "emitMarkers"] as const) {
    if (f[k] && (spec[k] === undefined || spec[k] === false)) spec[k] = true;
  }
  if (f.records !== undefined) spec.records = resolvePath(f.records, cwd);
  if (f.tag !== undefined && f.tag.length > 0) {
    spec.tags = { ...(isObject(spec.tags) ? spec.tags : {}), ...parseTags(f.tag, "--tag") };
  }
  if (f.historyDb !== undefined) {
    spec.history = {
      ...(isObject(spec.history) ? spec.history : {}),
      db: resolvePath(f.historyDb, cwd),
    };
  }
  if (f.metricsPort !== undefined || f.metricsHost !== undefined) {
    const prev = isObject(spec.prometheus) ? spec.prometheus : {};
    spec.prometheus = {
      ...prev,
      ...(f.metricsPort !== undefined ? { port: f.metricsPort } : {}),
      ...(f.metricsHost !== undefined ? { hostname: f.metricsHost } : {}),
    };
  }
  if (f.pushgateway !== undefined) spec.pushgateway = f.pushgateway;

  // The results table: a flag replaces the file's choice of rows.
  if (f.metrics !== undefined && f.allMetrics) {
    throw new ConfigError("benchmark", [{
      path: "--all-metrics",
      expected: "absent when '--metrics' is given (either some rows or all of them)",
      received: "--all-metrics",
    }]);
  }
  if (f.metrics !== undefined || f.allMetrics) {
    const { metrics: _m, allMetrics: _a, ...rest } = isObject(spec.table) ? spec.table : {};
    spec.table = {
      ...rest,
      ...(f.metrics !== undefined ? { metrics: f.metrics } : { allMetrics: true }),
    };
  }
  return spec as BenchmarkSpecInput;
}

/**
 * Parses repeated `k=v` flags (`--tag branch=main --tag commit=abc123`) into
 * a record. The names are checked later, with the rest of the spec.
 *
 * @param values The flags' values.
 * @param flag The flag's name, for errors.
 * @returns Name → value (a later flag of the same name wins).
 * @throws {ConfigError} When a value is not `name=value`.
 *
 * @example
 * ```ts
 * import { parseTags } from "./overrides.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseTags(["branch=main", "commit=abc=1"], "--tag"), { branch: "main", commit: "abc=1" });
 * assert.throws(() => parseTags(["main"], "--tag"), /'--tag' must be NAME=VALUE/);
 * ```
 */
export function parseTags(values: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const at = v.indexOf("=");
    if (at <= 0) {
      throw new ConfigError("benchmark", [{
        path: flag,
        expected: "NAME=VALUE, such as branch=main",
        received: JSON.stringify(v),
      }]);
    }
    out[v.slice(0, at).trim()] = v.slice(at + 1).trim();
  }
  return out;
}

/**
 * Parses a flag holding request fields (`--extra-body`): a JSON object, or a
 * YAML mapping (`{top_k: 20, seed: 1}`, or block style).
 *
 * @param value The flag's value.
 * @param flag The flag's name, for errors.
 * @returns The fields.
 * @throws {ConfigError} When the value is neither JSON nor YAML, or not an object.
 *
 * @example
 * ```ts
 * import { parseExtraBody } from "./overrides.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseExtraBody('{"top_k": 20, "chat_template_kwargs": {"enable_thinking": false}}', "--extra-body"), {
 *   top_k: 20,
 *   chat_template_kwargs: { enable_thinking: false },
 * });
 * assert.deepEqual(parseExtraBody("{top_k: 20, min_tokens: 64}", "--extra-body"), { top_k: 20, min_tokens: 64 });
 * assert.throws(() => parseExtraBody("[20]", "--extra-body"), /'--extra-body' must be a JSON object/);
 * ```
 */
export function parseExtraBody(value: string, flag: string): Record<string, unknown> {
  const expected = "a JSON object or a YAML mapping of request fields, such as " +
    `'{"top_k": 20, "chat_template_kwargs": {"enable_thinking": false}}'`;
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    try {
      v = parseYaml(value);
    } catch (err) {
      const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
      throw new ConfigError("benchmark", [{
        path: flag,
        expected,
        received: `${renderValue(value)} (${why})`,
      }]);
    }
  }
  if (!isObject(v)) {
    throw new ConfigError("benchmark", [{ path: flag, expected, received: renderValue(value) }]);
  }
  return v;
}
