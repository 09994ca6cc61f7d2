/**
 * Typed overrides: the `splleed run` flags applied over a config file. Flags
 * win over the file; `--backend` of another type replaces the file's backend,
 * otherwise backend fields merge (and `--docker-*` merge into the file's
 * `docker`); sampling fields merge; `--find` builds `sweep`; workload flags
 * replace the file's workload or refine it; `--trace` replaces both.
 *
 * Flags arrive converted (numbers, lists, distributions): the command line
 * does that when it parses them. Relative paths given as flags are resolved
 * against the working directory here; those of a config file were resolved
 * against its folder when it was parsed (`parseConfigText`).
 *
 * @module
 */

import type { BackendType } from "./backends.ts";
import type { BenchmarkSpecInput } from "./benchmark.ts";
import { ConfigError } from "./errors.ts";
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
  /** `--confidence`. */
  confidence?: number;
  /** `--slo`, as SLO fields (`{ ttftMs: 200 }`). */
  slo?: Record<string, number>;
  /** `--timeout`, ms. */
  timeout?: number;
  /** `--transport`. */
  transport?: "http1" | "fetch";
  /** `--out`. */
  out?: string;
  /** `--records`. */
  records?: string;
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

/** The workload flags that refine any workload: `--output-len`, `--num-prompts`, `--tokenizer`. */
function refinements(f: RunFlags, cwd: string): Obj {
  const out: Obj = {};
  if (f.outputLen !== undefined) out.outputLen = f.outputLen;
  if (f.numPrompts !== undefined) out.numPrompts = f.numPrompts;
  if (f.tokenizer !== undefined) out.tokenizer = resolveTokenizer(f.tokenizer, cwd);
  return out;
}

/**
 * The workload the flags make on their own, or undefined when they make none
 * (then the file's `prompts` or `workload` stands, refined).
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
      if (f.datasetSplit !== undefined) w.split = f.datasetSplit;
    }
    if (f.datasetColumn !== undefined) w.column = f.datasetColumn;
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
  }
  const extra = refinements(f, cwd);
  if (w.source === undefined) {
    // Refinements alone refine the file's workload; with --prompts they make a file workload.
    if (Object.keys(extra).length === 0 || f.prompts === undefined) return undefined;
    Object.assign(w, { source: "file", path: f.prompts });
  }
  return resolveWorkloadPaths({ ...w, ...extra }, cwd) as Obj;
}

/**
 * Applies the `run` command's flags over a config file's specification.
 *
 * @param file The config file's specification (its paths already resolved), or undefined.
 * @param flags The flags given, converted.
 * @param options The working directory relative flag paths start from.
 * @returns The merged specification, not yet validated (the schema does that).
 * @throws {ConfigError} When neither the file nor the flags name a backend, or
 *   `--prefix-groups`/`--prefix-tokens` come without `--input-len`.
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

  // Workload: flags that make one replace the file's; --prompts replaces; refinements refine.
  const workload = workloadFromFlags(f, cwd);
  if (workload !== undefined) {
    spec.workload = workload;
    delete spec.prompts;
  } else if (f.prompts !== undefined) {
    spec.prompts = { file: resolvePath(f.prompts, cwd) };
    delete spec.workload;
  } else if (isObject(spec.workload)) {
    spec.workload = { ...spec.workload, ...refinements(f, cwd) };
  }
  if (f.trace !== undefined) {
    spec.trace = {
      path: resolvePath(f.trace, cwd),
      ...(f.traceSpeed !== undefined ? { speed: f.traceSpeed } : {}),
    };
    spec.mode ??= "serve";
    delete spec.prompts;
    delete spec.workload;
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
    ["slo", "slo"],
    ["transport", "transport"],
  ];
  for (const [flag, field] of fields) if (f[flag] !== undefined) spec[field] = f[flag];

  const sampling: Obj = { ...(isObject(spec.sampling) ? spec.sampling : {}) };
  if (f.maxTokens !== undefined) sampling.maxTokens = f.maxTokens;
  if (f.temperature !== undefined) sampling.temperature = f.temperature;
  if (f.topP !== undefined) sampling.topP = f.topP;
  if (f.ignoreEos) sampling.ignoreEos = true;
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
  if (f.records !== undefined) spec.records = resolvePath(f.records, cwd);
  return spec as BenchmarkSpecInput;
}
