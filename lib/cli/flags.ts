/**
 * Parsing command-line flag values into specification fragments. Pure
 * functions: values are only converted here; the zod schema validates them.
 *
 * @module
 */

import { ConfigError } from "../config/errors.ts";
import { parseDistribution } from "../config/workload.ts";

/**
 * Parses a comma-separated list of numbers (`1,2,4`).
 *
 * @param value Flag value.
 * @returns The numbers (NaN where an item is not a number, for the schema to report).
 *
 * @example
 * ```ts
 * import { parseNumberList } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseNumberList("1, 2,4"), [1, 2, 4]);
 * ```
 */
export function parseNumberList(value: string): number[] {
  return value.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
}

/**
 * Parses a list of request rates, where `inf` means all at once.
 *
 * @param value Flag value (`2,8,inf`).
 * @returns The rates (NaN where an item is not a number, for the schema to report).
 *
 * @example
 * ```ts
 * import { parseRateList } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseRateList("2, 8,inf"), [2, 8, Infinity]);
 * ```
 */
export function parseRateList(value: string): number[] {
  return value.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) =>
    /^(inf|infinity)$/i.test(s) ? Infinity : Number(s)
  );
}

/**
 * Parses a number flag (the schema reports NaN as "must be a number").
 *
 * @param value Flag value.
 * @returns The number.
 *
 * @example
 * ```ts
 * import { parseNumber } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseNumber("0.95"), 0.95);
 * ```
 */
export function parseNumber(value: string): number {
  return value.trim() === "" ? NaN : Number(value);
}

const SLO_KEYS: Record<string, string> = {
  ttft_ms: "ttftMs",
  tpot_ms: "tpotMs",
  e2e_ms: "e2eMs",
  ttft: "ttftMs",
  tpot: "tpotMs",
  e2e: "e2eMs",
};

/**
 * Parses `--slo ttft_ms=200,tpot_ms=50,e2e_ms=5000`.
 *
 * @param value Flag value.
 * @returns SLO fields.
 * @throws {ConfigError} When a key is unknown or an item is not `key=value`.
 *
 * @example
 * ```ts
 * import { parseSlo } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseSlo("ttft_ms=200,e2e_ms=5000"), { ttftMs: 200, e2eMs: 5000 });
 * ```
 */
export function parseSlo(value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf("=");
    const key = eq < 0 ? item : item.slice(0, eq).trim().toLowerCase();
    const field = SLO_KEYS[key];
    if (eq < 0 || !field) {
      throw new ConfigError("benchmark", [{
        path: "--slo",
        expected: "a list of key=value with keys ttft_ms, tpot_ms, e2e_ms (ms)",
        received: JSON.stringify(item),
      }]);
    }
    out[field] = parseNumber(item.slice(eq + 1));
  }
  return out;
}

/**
 * Parses `--faults http500=0.1,http429=0.05,drop=0.1:5,stall=0.1:500,seed=7`
 * (shares of requests; `drop` takes `probability:afterTokens`, `stall`
 * `probability:ms`).
 *
 * @param value Flag value.
 * @returns Simulator fault options.
 * @throws {ConfigError} When an item is malformed.
 *
 * @example
 * ```ts
 * import { parseFaults } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseFaults("http500=0.1,drop=0.2:3"), {
 *   http500: 0.1,
 *   drop: { probability: 0.2, afterTokens: 3 },
 * });
 * ```
 */
export function parseFaults(value: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^(http500|http429|drop|stall|seed)=([0-9.]+)(?::([0-9.]+))?$/.exec(item);
    if (!m || ((m[1] === "drop" || m[1] === "stall") !== (m[3] !== undefined))) {
      throw new ConfigError("simulator", [{
        path: "--faults",
        expected:
          "a list like http500=0.1,http429=0.05,drop=0.1:5,stall=0.1:500,seed=7 (drop is share:afterTokens, stall share:ms)",
        received: JSON.stringify(item),
      }]);
    }
    const [, k, a, b] = m;
    if (k === "drop") out.drop = { probability: Number(a), afterTokens: Number(b) };
    else if (k === "stall") out.stall = { probability: Number(a), ms: Number(b) };
    else out[k] = Number(a);
  }
  return out;
}

/** How a command-line flag maps onto a backend field. */
export interface BackendFlag {
  /** Commander flag syntax (`--tensor-parallel <n>`). */
  flag: string;
  /** Help text. */
  help: string;
  /** The backend field it sets. */
  field: string;
  /** How the value is converted. */
  kind: "string" | "number" | "boolean" | "json" | "args" | "pairs";
}

/**
 * The backend fields the `run` command takes as flags, the same names as
 * `benchmark()`'s options (`tensorParallel` ↔ `--tensor-parallel`).
 */
export const BACKEND_FLAGS: readonly BackendFlag[] = [
  {
    flag: "--api-key-env <name>",
    help: "read the API key from this environment variable",
    field: "apiKeyEnv",
    kind: "string",
  },
  {
    flag: "--api-key-file <path>",
    help: "read the API key from this file",
    field: "apiKeyFile",
    kind: "string",
  },
  {
    flag: "--header <k=v...>",
    help: "extra request header(s), name=value",
    field: "headers",
    kind: "pairs",
  },
  {
    flag: "--command <cmd>",
    help: "managed: the engine's command (argv prefix, shell-style words)",
    field: "command",
    kind: "args",
  },
  {
    flag: "--binary <path>",
    help: "managed llamacpp: path of llama-server",
    field: "binary",
    kind: "string",
  },
  {
    flag: "--extra-args <args>",
    help: "managed: arguments appended to the engine's command line",
    field: "extraArgs",
    kind: "args",
  },
  {
    flag: "--engine-env <k=v...>",
    help: "managed: environment variable(s) for the engine",
    field: "env",
    kind: "pairs",
  },
  {
    flag: "--host <host>",
    help: "managed: interface the engine listens on",
    field: "host",
    kind: "string",
  },
  {
    flag: "--port <port>",
    help: "managed: port the engine listens on (default: a free one)",
    field: "port",
    kind: "number",
  },
  {
    flag: "--startup-timeout <s>",
    help: "managed: seconds to wait for the engine",
    field: "startupTimeoutS",
    kind: "number",
  },
  { flag: "--log-file <path>", help: "managed: engine log file", field: "logFile", kind: "string" },
  {
    flag: "--docker-image <image>",
    help: "managed: run the engine in this Docker image",
    field: "docker.image",
    kind: "string",
  },
  {
    flag: "--docker-args <args>",
    help: "managed: extra docker run arguments",
    field: "docker.args",
    kind: "args",
  },
  {
    flag: "--tensor-parallel <n>",
    help: "vllm, sglang: tensor-parallel size",
    field: "tensorParallel",
    kind: "number",
  },
  {
    flag: "--pipeline-parallel <n>",
    help: "vllm: pipeline-parallel size",
    field: "pipelineParallel",
    kind: "number",
  },
  {
    flag: "--data-parallel <n>",
    help: "sglang: data-parallel size",
    field: "dataParallel",
    kind: "number",
  },
  {
    flag: "--gpu-memory-utilization <x>",
    help: "vllm: share of GPU memory",
    field: "gpuMemoryUtilization",
    kind: "number",
  },
  {
    flag: "--mem-fraction-static <x>",
    help: "sglang: static memory fraction",
    field: "memFractionStatic",
    kind: "number",
  },
  {
    flag: "--quantization <q>",
    help: "vllm, sglang: quantization method",
    field: "quantization",
    kind: "string",
  },
  { flag: "--quantize <q>", help: "tgi: quantization method", field: "quantize", kind: "string" },
  { flag: "--dtype <t>", help: "vllm, sglang: dtype", field: "dtype", kind: "string" },
  {
    flag: "--max-model-len <n>",
    help: "vllm: context length",
    field: "maxModelLen",
    kind: "number",
  },
  {
    flag: "--context-length <n>",
    help: "sglang: context length",
    field: "contextLength",
    kind: "number",
  },
  {
    flag: "--max-num-seqs <n>",
    help: "vllm: most sequences per batch",
    field: "maxNumSeqs",
    kind: "number",
  },
  {
    flag: "--max-running-requests <n>",
    help: "sglang: most running requests",
    field: "maxRunningRequests",
    kind: "number",
  },
  {
    flag: "--chunked-prefill-size <n>",
    help: "sglang: chunked prefill size",
    field: "chunkedPrefillSize",
    kind: "number",
  },
  {
    flag: "--enable-prefix-caching",
    help: "vllm: prefix caching on",
    field: "enablePrefixCaching",
    kind: "boolean",
  },
  {
    flag: "--no-enable-prefix-caching",
    help: "vllm: prefix caching off",
    field: "enablePrefixCaching",
    kind: "boolean",
  },
  {
    flag: "--enable-chunked-prefill",
    help: "vllm: chunked prefill on",
    field: "enableChunkedPrefill",
    kind: "boolean",
  },
  {
    flag: "--no-enable-chunked-prefill",
    help: "vllm: chunked prefill off",
    field: "enableChunkedPrefill",
    kind: "boolean",
  },
  {
    flag: "--speculative-config <json>",
    help: "vllm: speculative decoding config (JSON)",
    field: "speculativeConfig",
    kind: "json",
  },
  {
    flag: "--disable-radix-cache",
    help: "sglang: disable the radix cache",
    field: "enableRadixCache",
    kind: "boolean",
  },
  {
    flag: "--is-embedding",
    help: "sglang: serve an embedding model",
    field: "isEmbedding",
    kind: "boolean",
  },
  {
    flag: "--max-batch-total-tokens <n>",
    help: "tgi: batch token budget",
    field: "maxBatchTotalTokens",
    kind: "number",
  },
  {
    flag: "--max-input-tokens <n>",
    help: "tgi: most input tokens",
    field: "maxInputTokens",
    kind: "number",
  },
  {
    flag: "--max-total-tokens <n>",
    help: "tgi: most input + output tokens",
    field: "maxTotalTokens",
    kind: "number",
  },
  { flag: "--shard-count <n>", help: "tgi: number of shards", field: "shardCount", kind: "number" },
  {
    flag: "--parallel <n>",
    help: "llamacpp: slots (sequences decoded together)",
    field: "parallel",
    kind: "number",
  },
  { flag: "--ctx-size <n>", help: "llamacpp: context size", field: "ctxSize", kind: "number" },
  { flag: "--threads <n>", help: "llamacpp: CPU threads", field: "threads", kind: "number" },
  {
    flag: "--gpu-layers <n>",
    help: "llamacpp: layers offloaded to the GPU",
    field: "gpuLayers",
    kind: "number",
  },
  {
    flag: "--embeddings",
    help: "llamacpp: serve /v1/embeddings",
    field: "embeddings",
    kind: "boolean",
  },
];

/**
 * Splits a string into words the way a POSIX shell does for plain words,
 * single and double quotes and backslash escapes (no expansion).
 *
 * @param value The string.
 * @returns The words.
 * @throws {ConfigError} When a quote is not closed.
 *
 * @example
 * ```ts
 * import { splitWords } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(splitWords(`--seed 1 --name 'a b' "c d"`), ["--seed", "1", "--name", "a b", "c d"]);
 * ```
 */
export function splitWords(value: string): string[] {
  const out: string[] = [];
  let cur = "";
  let has = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < value.length) cur += value[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < value.length) {
      cur += value[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (quote) {
    throw new ConfigError("benchmark", [{
      path: "arguments",
      expected: "words with closed quotes",
      received: JSON.stringify(value),
    }]);
  }
  if (has) out.push(cur);
  return out;
}

/**
 * Converts the backend flags given on the command line into backend fields.
 *
 * @param opts Commander's parsed options (camel-cased flag names).
 * @param flags The flag table.
 * @returns Backend fields to merge (dotted fields become nested objects).
 * @throws {ConfigError} When a JSON or `k=v` value is malformed.
 *
 * @example
 * ```ts
 * import { BACKEND_FLAGS, backendFieldsFromFlags } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   backendFieldsFromFlags({ parallel: "4", extraArgs: "--seed 1", dockerImage: "img", enablePrefixCaching: false }, BACKEND_FLAGS),
 *   { parallel: 4, extraArgs: ["--seed", "1"], docker: { image: "img" }, enablePrefixCaching: false },
 * );
 * ```
 */
export function backendFieldsFromFlags(
  opts: Record<string, unknown>,
  flags: readonly BackendFlag[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const f of flags) {
    const key = optionKey(f.flag);
    if (seen.has(key)) continue;
    seen.add(key);
    const raw = opts[key];
    if (raw === undefined) continue;
    let v: unknown;
    switch (f.kind) {
      case "number":
        v = parseNumber(String(raw));
        break;
      case "boolean":
        v = f.field === "enableRadixCache" ? !raw : Boolean(raw);
        break;
      case "args":
        v = splitWords(String(raw));
        break;
      case "json":
        try {
          v = JSON.parse(String(raw));
        } catch {
          throw new ConfigError("benchmark", [{
            path: f.flag.split(" ")[0],
            expected: "JSON",
            received: JSON.stringify(raw),
          }]);
        }
        break;
      case "pairs":
        v = parsePairs(f.flag.split(" ")[0], Array.isArray(raw) ? raw.map(String) : [String(raw)]);
        break;
      default:
        v = String(raw);
    }
    const path = f.field.split(".");
    let target = out;
    for (const p of path.slice(0, -1)) {
      target = (target[p] ??= {}) as Record<string, unknown>;
    }
    target[path[path.length - 1]] = v;
  }
  return out;
}

/** Commander's option key of a flag: `--no-x` → `x`, `--tensor-parallel <n>` → `tensorParallel`. */
function optionKey(flag: string): string {
  const name = flag.split(" ")[0].replace(/^--(no-)?/, "");
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function parsePairs(flag: string, items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq <= 0) {
      throw new ConfigError("benchmark", [{
        path: flag,
        expected: "name=value",
        received: JSON.stringify(item),
      }]);
    }
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/**
 * Builds a `workload` from the `run` command's workload flags, or returns
 * undefined when none is given (the spec's `prompts` or `workload` stands).
 *
 * `--dataset` names a local `.parquet` file or folder (read directly), a
 * local `.json` file (ShareGPT), or a Hugging Face dataset id;
 * `--input-len` alone makes synthetic prompts; with `--prefix-groups` and
 * `--prefix-tokens` it is the unique suffix of prefix-sharing prompts;
 * `--prompts FILE` with any workload flag becomes a file workload.
 *
 * @param o Commander's options (camel-cased).
 * @returns The workload data, for the schema to validate.
 * @throws {ConfigError} When a distribution is malformed.
 *
 * @example
 * ```ts
 * import { workloadFromFlags } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(workloadFromFlags({ inputLen: "normal:512,64", outputLen: "128", numPrompts: "100" }), {
 *   source: "synthetic", inputLen: { dist: "normal", mean: 512, std: 64 }, outputLen: 128, numPrompts: 100,
 * });
 * assert.equal(workloadFromFlags({}), undefined);
 * ```
 */
export function workloadFromFlags(
  o: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const str = (k: string) => (typeof o[k] === "string" ? o[k] as string : undefined);
  const w: Record<string, unknown> = {};
  const dataset = str("dataset");
  if (dataset !== undefined) {
    if (/\.parquet$/i.test(dataset) || isDirectory(dataset)) {
      Object.assign(w, { source: "parquet", path: dataset });
    } else if (/\.json$/i.test(dataset)) {
      Object.assign(w, { source: "sharegpt", path: dataset });
    } else {
      Object.assign(w, { source: "hf", dataset });
      if (str("datasetSplit") !== undefined) w.split = str("datasetSplit");
    }
    if (str("datasetColumn") !== undefined) w.column = str("datasetColumn");
  } else if (str("prefixGroups") !== undefined || str("prefixTokens") !== undefined) {
    Object.assign(w, {
      source: "prefix",
      groups: parseNumber(str("prefixGroups") ?? ""),
      prefixTokens: parseNumber(str("prefixTokens") ?? ""),
      inputLen: parseDistribution(str("inputLen") ?? "", "--input-len"),
    });
  } else if (str("inputLen") !== undefined) {
    Object.assign(w, {
      source: "synthetic",
      inputLen: parseDistribution(str("inputLen")!, "--input-len"),
    });
  }
  const extra = workloadRefinements(o);
  if (w.source === undefined) {
    if (Object.keys(extra).length === 0) return undefined;
    if (str("prompts") === undefined) return undefined; // applied to the config's workload by the caller
    Object.assign(w, { source: "file", path: str("prompts") });
  }
  return { ...w, ...extra };
}

/**
 * The workload flags that refine any workload (`--output-len`,
 * `--num-prompts`, `--tokenizer`), as workload fields.
 *
 * @param o Commander's options.
 * @returns The fields given.
 *
 * @example
 * ```ts
 * import { workloadRefinements } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(workloadRefinements({ numPrompts: "50" }), { numPrompts: 50 });
 * ```
 */
export function workloadRefinements(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof o.outputLen === "string") {
    out.outputLen = parseDistribution(o.outputLen, "--output-len");
  }
  if (typeof o.numPrompts === "string") out.numPrompts = parseNumber(o.numPrompts);
  if (typeof o.tokenizer === "string") out.tokenizer = o.tokenizer;
  return out;
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}
