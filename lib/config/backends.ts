/**
 * Backend options, validated by zod: the options of `openai()`, `vllm()`,
 * `tgi()`, `sglang()`, `llamacpp()` and `simulator()`, and the same as plain
 * data in a config file (`backend: { type: vllm, endpoint: ..., model: ... }`).
 * Each `type` maps to a factory in `lib/backends/`.
 *
 * An engine backend is in **connect mode** when it has an `endpoint`, and in
 * **managed mode** (splleed starts and stops the engine) when it has none.
 *
 * Each option is declared once, here: its schema field carries (through
 * {@linkcode option}) the `splleed run` flag that sets it, the flag's help and
 * the engine argument it becomes in managed mode. The CLI's backend flags
 * (`backendFlags()`), the conversion of their values and every engine's
 * command line (`lib/backends/_engine.ts`) are generated from these
 * declarations, so adding an engine option touches this file only.
 *
 * @module
 */

import type { Assert, Deep, Equal } from "../util/type_equal.ts";
import { z } from "npm:zod@^4.6.7";
import { looksLikeKey, maskKey, redact } from "../util/redact.ts";
import { refineSimulatorOptions, type SimulatorOptions, simulatorOptionsShape } from "./sim.ts";

/**
 * An API name: OpenAI-compatible `completions`, `chat` and `embeddings`, and
 * TGI's native `generate` (`/generate_stream`).
 */
export type Api = "completions" | "chat" | "embeddings" | "generate";

/** An OpenAI-compatible API name (every backend speaks these but TGI's native one). */
export type OpenAIApi = Exclude<Api, "generate">;

/**
 * The APIs splleed speaks: OpenAI-compatible `completions`, `chat` and
 * `embeddings`, and TGI's native `generate` (`/generate_stream`).
 */
export const apiSchema: z.ZodType<Api, Api> = z.enum([
  "completions",
  "chat",
  "embeddings",
  "generate",
]);

/** The OpenAI-compatible APIs (every backend but TGI's native one). */
export const openaiApiSchema: z.ZodType<OpenAIApi, OpenAIApi> = z.enum([
  "completions",
  "chat",
  "embeddings",
]);

/**
 * What an option means outside its schema: the `splleed run` flag that sets
 * it and the engine argument it becomes in managed mode. Declared beside the
 * field with {@linkcode option}.
 */
export interface OptionMeta {
  /** The `splleed run` flag that sets the field (commander syntax: `--tensor-parallel <n>`; a boolean: `--enable-x`). */
  flag?: string;
  /** Help of `flag`, without the backends' names (they are added: `vllm, sglang: ...`). */
  help?: string;
  /** A flag that sets a boolean field to false (`--no-enable-prefix-caching`, `--disable-radix-cache`). */
  flagOff?: string;
  /** Help of `flagOff`. */
  helpOff?: string;
  /** The engine's argument for the value (`--tensor-parallel-size 2`; a boolean true: the argument alone). */
  arg?: string;
  /** The engine's argument written when a boolean field is false (`--no-enable-prefix-caching`). */
  argOff?: string;
}

const OPTION_META = z.registry<OptionMeta>();

/**
 * Attaches a flag, help and engine argument to a schema field.
 *
 * @param schema The field's schema (a new instance: one per field).
 * @param meta Flag, help, engine argument.
 * @returns The same schema.
 */
function option<T extends z.ZodType>(schema: T, meta: OptionMeta): T {
  OPTION_META.add(schema, meta);
  return schema;
}

/** Where the key goes instead of the endpoint URL, for the messages that reject one there. */
const KEY_ELSEWHERE =
  "pass the key with 'apiKeyEnv' or 'apiKeyFile' (sent as a bearer token in the Authorization header) or 'headers'";

/**
 * The base URL of a server: http or https, with no credentials in it. A key
 * in the URL (`http://user:KEY@host`, `?api_key=KEY`) would be printed and
 * stored with the results, and never sent: it is rejected, the URL shown
 * redacted.
 */
const endpoint: z.ZodString = z.string().check((ctx) => {
  const given = ctx.value;
  let url: URL | undefined;
  try {
    url = new URL(given);
  } catch {
    url = undefined;
  }
  const issue = (message: string) =>
    ctx.issues.push({ code: "custom", message, input: redact(given), continue: false });
  if (url === undefined || !/^https?:$/.test(url.protocol) || url.hostname === "") {
    issue("a URL (http:// or https://)");
  } else if (url.username !== "" || url.password !== "") {
    issue(`a base URL without credentials in it: ${KEY_ELSEWHERE}`);
  } else if (url.search !== "") {
    issue(
      "a base URL without a query string (splleed appends the API's paths to it: a key " +
        `there would be stored with the results, never sent): ${KEY_ELSEWHERE}`,
    );
  }
});
const positiveInt: z.ZodNumber = z.number().int().positive();

/**
 * The name of an environment variable. A value that is not a name is never
 * echoed: it is most likely the key itself, given where its variable's name
 * belongs (`--api-key-env sk-...`). `$NAME` is told to drop the `$`.
 */
const envName: z.ZodString = z.string().check((ctx) => {
  const v = ctx.value;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) return;
  const dollar = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(v);
  if (dollar && !looksLikeKey(dollar[1])) {
    ctx.issues.push({
      code: "custom",
      message: `an environment variable's name without '$' (${dollar[1]})`,
      input: v,
    });
    return;
  }
  ctx.issues.push({
    code: "custom",
    message: "the name of an environment variable holding the key " +
      "(the value given looks like a key itself, not the name of an environment variable holding it)",
    input: maskKey(v),
  });
});

/** Fields shared by every HTTP backend. */
const httpBackendFields = {
  /** Base URL of a running server (`http://localhost:8000`; a trailing `/v1` is accepted). */
  endpoint: endpoint.optional(),
  /** Model name; when absent, the first model the server lists at `/v1/models`. */
  model: z.string().min(1).optional(),
  /** Bearer token sent as `Authorization`; never written to results or logs. */
  apiKey: z.string().min(1).optional(),
  /** Read the bearer token from this environment variable (e.g. `OPENAI_API_KEY`). */
  apiKeyEnv: option(envName.optional(), {
    flag: "--api-key-env <name>",
    help: "read the API key from this environment variable",
  }),
  /** Read the bearer token from this file (surrounding white space is trimmed). */
  apiKeyFile: option(z.string().min(1).optional(), {
    flag: "--api-key-file <path>",
    help: "read the API key from this file",
  }),
  /** Extra request headers (values of secret-looking names are redacted in results). */
  headers: option(z.record(z.string(), z.string()).optional(), {
    flag: "--header <k=v...>",
    help: "extra request header(s), name=value",
  }),
  /** Per-request timeout for this backend, ms (overrides the run's `requestTimeoutMs`). */
  timeoutMs: z.number().positive().optional(),
  /**
   * Check `model` against the server's `/v1/models` when connecting: an
   * engine that rejects other names (vLLM, an OpenAI-compatible API) makes
   * a model it does not list a configuration error; one that answers any
   * name with its own model (SGLang, TGI, llama.cpp) a warning. False sends
   * `model` as given. @default true
   */
  modelCheck: option(z.boolean().optional(), {
    flagOff: "--no-model-check",
    helpOff: "send --model even when the server's /v1/models does not list it",
  }),
};

/** Docker options of a managed backend: run the engine in a container instead of a local command. */
export type DockerOptions = {
  /** Image, e.g. `vllm/vllm-openai:v0.11.0`. */
  image: string;
  /** Extra `docker run` arguments before the image (`--gpus all`, `-v /models:/models`, ...). */
  args?: string[];
};

const dockerObject = z.strictObject({
  /** Image, e.g. `vllm/vllm-openai:v0.11.0`. */
  image: option(z.string().min(1), {
    flag: "--docker-image <image>",
    help: "run the engine in this Docker image",
  }),
  /** Extra `docker run` arguments before the image (`--gpus all`, `-v /models:/models`, ...). */
  args: option(z.array(z.string()).optional(), {
    flag: "--docker-args <args>",
    help: "extra docker run arguments",
  }),
});

/** Running the engine in a container instead of a local command. */
export const dockerSchema: z.ZodType<DockerOptions, DockerOptions> = dockerObject;

/** Fields shared by every managed engine (they apply when there is no `endpoint`). */
const managedFields = {
  /** The engine's command: a path, or an argv prefix such as a venv's binary (`["/venv/bin/vllm", "serve"]`). */
  command: option(
    z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    { flag: "--command <cmd>", help: "the engine's command (argv prefix, shell-style words)" },
  ),
  /** Arguments appended to the engine's command line. */
  extraArgs: option(z.array(z.string()).optional(), {
    flag: "--extra-args <args>",
    help: "arguments appended to the engine's command line",
  }),
  /** Environment variables for the engine (added to splleed's own). */
  env: option(z.record(z.string(), z.string()).optional(), {
    flag: "--engine-env <k=v...>",
    help: "environment variable(s) for the engine",
  }),
  /** Interface the engine listens on. @default "127.0.0.1" */
  host: option(z.string().min(1).optional(), {
    flag: "--host <host>",
    help: "interface the engine listens on",
  }),
  /** Port the engine listens on. @default a free port */
  port: option(z.number().int().min(1).max(65535).optional(), {
    flag: "--port <port>",
    help: "port the engine listens on (default: a free one)",
  }),
  /** Most seconds to wait for the engine to answer. */
  startupTimeoutS: option(z.number().positive().optional(), {
    flag: "--startup-timeout <s>",
    help: "seconds to wait for the engine",
  }),
  /** Seconds between SIGTERM and SIGKILL at teardown. @default 10 */
  stopGraceS: z.number().min(0).optional(),
  /** Where the engine's stdout and stderr go. @default a file in the temp directory */
  logFile: option(z.string().min(1).optional(), {
    flag: "--log-file <path>",
    help: "engine log file",
  }),
  /** Run the engine with `docker run` instead of a local command. */
  docker: dockerSchema.optional(),
};

/** The names of the managed-mode fields, to reject them in connect mode. */
const MANAGED_KEYS = Object.keys(managedFields);

/**
 * Cross-field rules of an engine backend: connect mode (with `endpoint`)
 * takes no managed-mode field; managed mode needs the fields listed in
 * `required`.
 *
 * @param required Fields managed mode needs (e.g. `["model"]`).
 * @returns A zod refinement.
 */
function engineRules(
  required: readonly string[],
  engineOnly: readonly string[],
): (o: Record<string, unknown>, ctx: z.RefinementCtx) => void {
  return (o: Record<string, unknown>, ctx: z.RefinementCtx) => {
    if (o.endpoint !== undefined) {
      for (const k of [...MANAGED_KEYS, ...engineOnly]) {
        if (o[k] !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [k],
            message:
              "absent when 'endpoint' is given (it starts the engine; connect mode uses a running server)",
            input: o[k],
          });
        }
      }
    } else {
      for (const k of required) {
        if (o[k] === undefined) {
          ctx.addIssue({
            code: "custom",
            path: [k],
            message: `given: without 'endpoint' splleed starts the engine and needs '${k}'`,
            input: undefined,
          });
        }
      }
    }
    const keys = ["apiKey", "apiKeyEnv", "apiKeyFile"].filter((k) => o[k] !== undefined);
    if (keys.length > 1) {
      ctx.addIssue({
        code: "custom",
        path: [keys[1]],
        message: `absent when '${keys[0]}' is given (one source of the API key)`,
        input: "[redacted]",
      });
    }
  };
}

/** `openai` options: connect mode only. */
const openaiShape = {
  ...httpBackendFields,
  endpoint,
  /** Completions, chat completions or embeddings. @default "chat" */
  api: openaiApiSchema.optional(),
};

/** Options two engines share by name; each engine names its own argument. */
const shared = {
  tensorParallel: (arg: string): z.ZodOptional<z.ZodNumber> =>
    option(positiveInt.optional(), {
      flag: "--tensor-parallel <n>",
      help: "tensor-parallel size",
      arg,
    }),
  quantization: (arg: string): z.ZodOptional<z.ZodString> =>
    option(z.string().min(1).optional(), {
      flag: "--quantization <q>",
      help: "quantization method",
      arg,
    }),
  dtype: (arg: string): z.ZodOptional<z.ZodString> =>
    option(z.string().min(1).optional(), { flag: "--dtype <t>", help: "dtype", arg }),
};

const vllmOnly = {
  /** `--tensor-parallel-size`. */
  tensorParallel: shared.tensorParallel("--tensor-parallel-size"),
  /** `--pipeline-parallel-size`. */
  pipelineParallel: option(positiveInt.optional(), {
    flag: "--pipeline-parallel <n>",
    help: "pipeline-parallel size",
    arg: "--pipeline-parallel-size",
  }),
  /** `--gpu-memory-utilization` (0–1). */
  gpuMemoryUtilization: option(z.number().gt(0).max(1).optional(), {
    flag: "--gpu-memory-utilization <x>",
    help: "share of GPU memory",
    arg: "--gpu-memory-utilization",
  }),
  /** `--quantization` (awq, gptq, fp8, ...). */
  quantization: shared.quantization("--quantization"),
  /** `--dtype` (auto, half, bfloat16, float32). */
  dtype: shared.dtype("--dtype"),
  /** `--max-model-len`. */
  maxModelLen: option(positiveInt.optional(), {
    flag: "--max-model-len <n>",
    help: "context length",
    arg: "--max-model-len",
  }),
  /** `--max-num-seqs`. */
  maxNumSeqs: option(positiveInt.optional(), {
    flag: "--max-num-seqs <n>",
    help: "most sequences per batch",
    arg: "--max-num-seqs",
  }),
  /** `--enable-prefix-caching` / `--no-enable-prefix-caching`. */
  enablePrefixCaching: option(z.boolean().optional(), {
    flag: "--enable-prefix-caching",
    help: "prefix caching on",
    flagOff: "--no-enable-prefix-caching",
    helpOff: "prefix caching off",
    arg: "--enable-prefix-caching",
    argOff: "--no-enable-prefix-caching",
  }),
  /** `--enable-chunked-prefill` / `--no-enable-chunked-prefill`. */
  enableChunkedPrefill: option(z.boolean().optional(), {
    flag: "--enable-chunked-prefill",
    help: "chunked prefill on",
    flagOff: "--no-enable-chunked-prefill",
    helpOff: "chunked prefill off",
    arg: "--enable-chunked-prefill",
    argOff: "--no-enable-chunked-prefill",
  }),
  /** `--speculative-config` (written as JSON). */
  speculativeConfig: option(z.record(z.string(), z.unknown()).optional(), {
    flag: "--speculative-config <json>",
    help: "speculative decoding config (JSON)",
    arg: "--speculative-config",
  }),
};

const vllmShape = {
  ...httpBackendFields,
  ...managedFields,
  /** Completions, chat completions or embeddings. @default "completions" */
  api: openaiApiSchema.optional(),
  ...vllmOnly,
};

const tgiOnly = {
  /** `--quantize` (awq, gptq, bitsandbytes, fp8, ...). */
  quantize: option(z.string().min(1).optional(), {
    flag: "--quantize <q>",
    help: "quantization method",
    arg: "--quantize",
  }),
  /** `--max-batch-total-tokens`. */
  maxBatchTotalTokens: option(positiveInt.optional(), {
    flag: "--max-batch-total-tokens <n>",
    help: "batch token budget",
    arg: "--max-batch-total-tokens",
  }),
  /** `--max-input-tokens`. */
  maxInputTokens: option(positiveInt.optional(), {
    flag: "--max-input-tokens <n>",
    help: "most input tokens",
    arg: "--max-input-tokens",
  }),
  /** `--max-total-tokens`. */
  maxTotalTokens: option(positiveInt.optional(), {
    flag: "--max-total-tokens <n>",
    help: "most input + output tokens",
    arg: "--max-total-tokens",
  }),
  /** `--num-shard`. */
  shardCount: option(positiveInt.optional(), {
    flag: "--shard-count <n>",
    help: "number of shards",
    arg: "--num-shard",
  }),
};

const tgiShape = {
  ...httpBackendFields,
  ...managedFields,
  /** `generate` (TGI's native `/generate_stream`), `chat` (its Messages API) or `completions`. @default "generate" */
  api: z.enum(["generate", "chat", "completions"]).optional(),
  ...tgiOnly,
};

const sglangOnly = {
  /** `--tp-size`. */
  tensorParallel: shared.tensorParallel("--tp-size"),
  /** `--dp-size`. */
  dataParallel: option(positiveInt.optional(), {
    flag: "--data-parallel <n>",
    help: "data-parallel size",
    arg: "--dp-size",
  }),
  /** `--mem-fraction-static` (0–1). */
  memFractionStatic: option(z.number().gt(0).max(1).optional(), {
    flag: "--mem-fraction-static <x>",
    help: "static memory fraction",
    arg: "--mem-fraction-static",
  }),
  /** `--quantization`. */
  quantization: shared.quantization("--quantization"),
  /** `--dtype`. */
  dtype: shared.dtype("--dtype"),
  /** `--context-length`. */
  contextLength: option(positiveInt.optional(), {
    flag: "--context-length <n>",
    help: "context length",
    arg: "--context-length",
  }),
  /** `--max-running-requests`. */
  maxRunningRequests: option(positiveInt.optional(), {
    flag: "--max-running-requests <n>",
    help: "most running requests",
    arg: "--max-running-requests",
  }),
  /** `--chunked-prefill-size`. */
  chunkedPrefillSize: option(z.number().int().optional(), {
    flag: "--chunked-prefill-size <n>",
    help: "chunked prefill size",
    arg: "--chunked-prefill-size",
  }),
  /** `--disable-radix-cache` when false. */
  enableRadixCache: option(z.boolean().optional(), {
    flagOff: "--disable-radix-cache",
    helpOff: "disable the radix cache",
    argOff: "--disable-radix-cache",
  }),
  /** `--is-embedding` (serve an embedding model). */
  isEmbedding: option(z.boolean().optional(), {
    flag: "--is-embedding",
    help: "serve an embedding model",
    arg: "--is-embedding",
  }),
};

const sglangShape = {
  ...httpBackendFields,
  ...managedFields,
  /** Completions, chat completions or embeddings. @default "completions" */
  api: openaiApiSchema.optional(),
  ...sglangOnly,
};

const llamacppOnly = {
  /** Path of the `llama-server` binary (same as `command`). @default "llama-server" */
  binary: option(z.string().min(1).optional(), {
    flag: "--binary <path>",
    help: "path of llama-server",
  }),
  /** `--parallel`: slots, i.e. sequences decoded together. */
  parallel: option(positiveInt.optional(), {
    flag: "--parallel <n>",
    help: "slots (sequences decoded together)",
    arg: "--parallel",
  }),
  /** `--ctx-size`: context size shared by all slots. */
  ctxSize: option(positiveInt.optional(), {
    flag: "--ctx-size <n>",
    help: "context size",
    arg: "--ctx-size",
  }),
  /** `--threads`. */
  threads: option(positiveInt.optional(), {
    flag: "--threads <n>",
    help: "CPU threads",
    arg: "--threads",
  }),
  /** `--n-gpu-layers`. */
  gpuLayers: option(z.number().int().min(0).optional(), {
    flag: "--gpu-layers <n>",
    help: "layers offloaded to the GPU",
    arg: "--n-gpu-layers",
  }),
  /** `--embeddings` (serve `/v1/embeddings`). */
  embeddings: option(z.boolean().optional(), {
    flag: "--embeddings",
    help: "serve /v1/embeddings",
    arg: "--embeddings",
  }),
  /**
   * `--threads-http`: the server's HTTP threads. @default 64 in managed mode
   * (splleed's keep-alive connections must never exhaust them: see `llamacpp()`)
   */
  threadsHttp: option(positiveInt.optional(), {
    flag: "--threads-http <n>",
    help: "llama-server HTTP threads (managed default 64: at least the requests in flight + 4)",
    arg: "--threads-http",
  }),
  /** `--metrics`: serve Prometheus metrics at `/metrics` (for `engineMetrics`). */
  metrics: option(z.boolean().optional(), {
    flag: "--server-metrics",
    help: "start llama-server with --metrics (Prometheus at /metrics)",
    arg: "--metrics",
  }),
};

const llamacppShape = {
  ...httpBackendFields,
  ...managedFields,
  /** Completions, chat completions or embeddings. @default "completions" */
  api: openaiApiSchema.optional(),
  ...llamacppOnly,
};

const openaiObject = z.strictObject(openaiShape).superRefine(engineRules([], []));
const vllmObject = z.strictObject(vllmShape).superRefine(
  engineRules(["model"], Object.keys(vllmOnly)),
);
const tgiObject = z.strictObject(tgiShape).superRefine(
  engineRules(["model"], Object.keys(tgiOnly)),
);
const sglangObject = z.strictObject(sglangShape).superRefine(
  engineRules(["model"], Object.keys(sglangOnly)),
);
const llamacppObject = z.strictObject(llamacppShape).superRefine(
  engineRules(["model"], Object.keys(llamacppOnly)),
);

/** The fields every HTTP backend has (as written; none has a default). */
export type HttpFields = {
  /** Base URL of a running server (`http://localhost:8000`; a trailing `/v1` is accepted). */
  endpoint?: string;
  /** Model name; when absent, the first model the server lists at `/v1/models`. */
  model?: string;
  /** Bearer token sent as `Authorization`; never written to results or logs. */
  apiKey?: string;
  /** Read the bearer token from this environment variable (e.g. `OPENAI_API_KEY`). */
  apiKeyEnv?: string;
  /** Read the bearer token from this file (surrounding white space is trimmed). */
  apiKeyFile?: string;
  /** Extra request headers (values of secret-looking names are redacted in results). */
  headers?: Record<string, string>;
  /** Per-request timeout for this backend, ms (overrides the run's `requestTimeoutMs`). */
  timeoutMs?: number;
  /**
   * Check `model` against the server's `/v1/models` when connecting (an
   * engine that rejects other names makes a model it does not list a
   * configuration error; one that answers any name, a warning). False sends
   * `model` as given.
   * @default {true}
   */
  modelCheck?: boolean;
};

/** The HTTP fields every engine backend has, validated. */
export type HttpBackendOptions = HttpFields & {
  /** The API to use. */
  api?: Api;
};

/** The managed-mode fields (they apply when there is no `endpoint`). */
export type ManagedOptions = {
  /** The engine's command: a path, or an argv prefix such as a venv's binary (`["/venv/bin/vllm", "serve"]`). */
  command?: string | string[];
  /** Arguments appended to the engine's command line. */
  extraArgs?: string[];
  /** Environment variables for the engine (added to splleed's own). */
  env?: Record<string, string>;
  /** Interface the engine listens on. @default {"127.0.0.1"} */
  host?: string;
  /** Port the engine listens on. @default a free port */
  port?: number;
  /** Most seconds to wait for the engine to answer. */
  startupTimeoutS?: number;
  /** Seconds between SIGTERM and SIGKILL at teardown. @default {10} */
  stopGraceS?: number;
  /** Where the engine's stdout and stderr go. @default a file in the temp directory */
  logFile?: string;
  /** Run the engine with `docker run` instead of a local command. */
  docker?: DockerOptions;
};

/** Options of `openai({...})`: connect mode only, so `endpoint` is required. */
export type OpenAIOptions = Omit<HttpFields, "endpoint"> & {
  /** Base URL of a running server (`http://localhost:8000`; a trailing `/v1` is accepted). */
  endpoint: string;
  /** Completions, chat completions or embeddings. @default {"chat"} */
  api?: OpenAIApi;
};

/** Options of `vllm({...})`; the engine's own become its arguments in managed mode. */
export type VllmOptions = HttpFields & ManagedOptions & {
  /** Completions, chat completions or embeddings. @default {"completions"} */
  api?: OpenAIApi;
  /** `--tensor-parallel-size`. */
  tensorParallel?: number;
  /** `--pipeline-parallel-size`. */
  pipelineParallel?: number;
  /** `--gpu-memory-utilization` (0–1). */
  gpuMemoryUtilization?: number;
  /** `--quantization` (awq, gptq, fp8, ...). */
  quantization?: string;
  /** `--dtype` (auto, half, bfloat16, float32). */
  dtype?: string;
  /** `--max-model-len`. */
  maxModelLen?: number;
  /** `--max-num-seqs`. */
  maxNumSeqs?: number;
  /** `--enable-prefix-caching` / `--no-enable-prefix-caching`. */
  enablePrefixCaching?: boolean;
  /** `--enable-chunked-prefill` / `--no-enable-chunked-prefill`. */
  enableChunkedPrefill?: boolean;
  /** `--speculative-config` (written as JSON). */
  speculativeConfig?: Record<string, unknown>;
};

/** Options of `tgi({...})`; the engine's own become its arguments in managed mode. */
export type TgiOptions = HttpFields & ManagedOptions & {
  /** `generate` (TGI's native `/generate_stream`), `chat` (its Messages API) or `completions`. @default {"generate"} */
  api?: "generate" | "chat" | "completions";
  /** `--quantize` (awq, gptq, bitsandbytes, fp8, ...). */
  quantize?: string;
  /** `--max-batch-total-tokens`. */
  maxBatchTotalTokens?: number;
  /** `--max-input-tokens`. */
  maxInputTokens?: number;
  /** `--max-total-tokens`. */
  maxTotalTokens?: number;
  /** `--num-shard`. */
  shardCount?: number;
};

/** Options of `sglang({...})`; the engine's own become its arguments in managed mode. */
export type SglangOptions = HttpFields & ManagedOptions & {
  /** Completions, chat completions or embeddings. @default {"completions"} */
  api?: OpenAIApi;
  /** `--tp-size`. */
  tensorParallel?: number;
  /** `--dp-size`. */
  dataParallel?: number;
  /** `--mem-fraction-static` (0–1). */
  memFractionStatic?: number;
  /** `--quantization`. */
  quantization?: string;
  /** `--dtype`. */
  dtype?: string;
  /** `--context-length`. */
  contextLength?: number;
  /** `--max-running-requests`. */
  maxRunningRequests?: number;
  /** `--chunked-prefill-size`. */
  chunkedPrefillSize?: number;
  /** `--disable-radix-cache` when false. */
  enableRadixCache?: boolean;
  /** `--is-embedding` (serve an embedding model). */
  isEmbedding?: boolean;
};

/** Options of `llamacpp({...})` (`model` is the GGUF path in managed mode). */
export type LlamacppOptions = HttpFields & ManagedOptions & {
  /** Completions, chat completions or embeddings. @default {"completions"} */
  api?: OpenAIApi;
  /** Path of the `llama-server` binary (same as `command`). @default {"llama-server"} */
  binary?: string;
  /** `--parallel`: slots, i.e. sequences decoded together. */
  parallel?: number;
  /** `--ctx-size`: context size shared by all slots. */
  ctxSize?: number;
  /** `--threads`. */
  threads?: number;
  /** `--n-gpu-layers`. */
  gpuLayers?: number;
  /** `--embeddings` (serve `/v1/embeddings`). */
  embeddings?: boolean;
  /** `--threads-http`: the server's HTTP threads. @default 64 in managed mode */
  threadsHttp?: number;
  /** `--metrics`: serve Prometheus metrics at `/metrics` (for `engineMetrics`). */
  metrics?: boolean;
};

/** Options of `simulator({...})`: the simulator's own plus the API to use. */
export type SimulatorBackendOptions = SimulatorOptions & {
  /** Completions or chat completions. */
  api?: "completions" | "chat";
};

/** `openai` backend options. */
export const openaiOptionsSchema: z.ZodType<OpenAIOptions, OpenAIOptions> = openaiObject;
/** `vllm` backend options. */
export const vllmOptionsSchema: z.ZodType<VllmOptions, VllmOptions> = vllmObject;
/** `tgi` backend options. */
export const tgiOptionsSchema: z.ZodType<TgiOptions, TgiOptions> = tgiObject;
/** `sglang` backend options. */
export const sglangOptionsSchema: z.ZodType<SglangOptions, SglangOptions> = sglangObject;
/** `llamacpp` backend options (`model` is the GGUF path in managed mode). */
export const llamacppOptionsSchema: z.ZodType<LlamacppOptions, LlamacppOptions> = llamacppObject;

const simulatorBackendObject = z.strictObject({
  api: z.enum(["completions", "chat"]).optional(),
  ...simulatorOptionsShape,
}).superRefine(refineSimulatorOptions);

/** `simulator` backend options: the simulator's own plus the API to use. */
export const simulatorBackendOptionsSchema: z.ZodType<
  SimulatorBackendOptions,
  SimulatorBackendOptions
> = simulatorBackendObject;

const backendConfigUnion = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("openai"), ...openaiShape }).superRefine(engineRules([], [])),
  z.strictObject({ type: z.literal("vllm"), ...vllmShape }).superRefine(
    engineRules(["model"], Object.keys(vllmOnly)),
  ),
  z.strictObject({ type: z.literal("tgi"), ...tgiShape }).superRefine(
    engineRules(["model"], Object.keys(tgiOnly)),
  ),
  z.strictObject({ type: z.literal("sglang"), ...sglangShape }).superRefine(
    engineRules(["model"], Object.keys(sglangOnly)),
  ),
  z.strictObject({ type: z.literal("llamacpp"), ...llamacppShape }).superRefine(
    engineRules(["model"], Object.keys(llamacppOnly)),
  ),
  z.strictObject({
    type: z.literal("simulator"),
    api: z.enum(["completions", "chat"]).optional(),
    ...simulatorOptionsShape,
  }).superRefine(refineSimulatorOptions),
]);

/** A backend written as data: its `type` and that backend's options. */
export type BackendConfig =
  | ({ type: "openai" } & OpenAIOptions)
  | ({ type: "vllm" } & VllmOptions)
  | ({ type: "tgi" } & TgiOptions)
  | ({ type: "sglang" } & SglangOptions)
  | ({ type: "llamacpp" } & LlamacppOptions)
  | ({ type: "simulator" } & SimulatorBackendOptions);

/** A backend written as data in a config file. */
export const backendConfigSchema: z.ZodType<BackendConfig, BackendConfig> = backendConfigUnion;

/** The backend types, in the order of {@linkcode backendConfigSchema}. */
export type BackendType = BackendConfig["type"];

/**
 * The backend types a config file or `--backend` may name, from the schema.
 *
 * @example
 * ```ts
 * import { BACKEND_TYPES } from "./backends.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(BACKEND_TYPES, ["openai", "vllm", "tgi", "sglang", "llamacpp", "simulator"]);
 * ```
 */
export const BACKEND_TYPES: readonly BackendType[] = backendConfigUnion.options.map(
  (o) => o.shape.type.value,
);

/**
 * Each backend type's schema as written in a config file (its `type` field
 * included), for {@linkcode declaredOptions}.
 *
 * @example
 * ```ts
 * import { BACKEND_CONFIG_SCHEMAS, declaredOptions } from "./backends.ts";
 * import assert from "node:assert/strict";
 *
 * const paths = declaredOptions(BACKEND_CONFIG_SCHEMAS.llamacpp).map((o) => o.path.join("."));
 * assert.ok(paths.includes("ctxSize"));
 * assert.ok(!paths.includes("tensorParallel"));
 * ```
 */
export const BACKEND_CONFIG_SCHEMAS: Readonly<Record<BackendType, OptionsSchema>> = Object
  .fromEntries(
    backendConfigUnion.options.map((o): [string, OptionsSchema] => [o.shape.type.value, o]),
  ) as Record<BackendType, OptionsSchema>;

/** How a flag's text becomes a field's value. */
export type FlagKind = "string" | "number" | "boolean" | "json" | "args" | "pairs";

/** A backend options schema (at run time an object schema whose fields may carry {@linkcode OptionMeta}). */
export type OptionsSchema = z.ZodType;

/** An option declared with {@linkcode OptionMeta}, found in a schema. */
export interface DeclaredOption {
  /** The field's path (`["tensorParallel"]`, `["docker", "image"]`). */
  path: readonly string[];
  /** Its declaration. */
  meta: OptionMeta;
  /** How a flag value converts, from the field's type. */
  kind: FlagKind;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s;
}

/** The conversion a field's type implies: a list is shell-style words, a string map `k=v` pairs. */
function kindOf(schema: z.ZodType): FlagKind {
  const s = unwrap(schema);
  if (s instanceof z.ZodNumber) return "number";
  if (s instanceof z.ZodBoolean) return "boolean";
  if (s instanceof z.ZodArray) return "args";
  if (s instanceof z.ZodUnion) {
    return (s.options as z.ZodType[]).some((o) => unwrap(o) instanceof z.ZodArray)
      ? "args"
      : "string";
  }
  if (s instanceof z.ZodRecord) return s.valueType instanceof z.ZodString ? "pairs" : "json";
  if (s instanceof z.ZodObject) return "json";
  return "string";
}

/**
 * The declared options of a backend schema, in the order of its fields
 * (nested objects such as `docker` included). Engines write their managed
 * command line in this order.
 *
 * @param schema A backend options schema (`vllmOptionsSchema`, or one branch of the config union).
 * @returns The options that carry a flag or an engine argument.
 *
 * @example
 * ```ts
 * import { declaredOptions, vllmOptionsSchema } from "./backends.ts";
 * import assert from "node:assert/strict";
 *
 * const tp = declaredOptions(vllmOptionsSchema).find((o) => o.path[0] === "tensorParallel");
 * assert.equal(tp?.meta.arg, "--tensor-parallel-size");
 * assert.equal(tp?.meta.flag, "--tensor-parallel <n>");
 * assert.equal(tp?.kind, "number");
 * ```
 */
export function declaredOptions(schema: OptionsSchema): DeclaredOption[] {
  if (!(schema instanceof z.ZodObject)) {
    throw new TypeError(
      `Cannot list declared options: expected an object schema, got a ${schema.def.type} schema`,
    );
  }
  const out: DeclaredOption[] = [];
  const walk = (shape: Record<string, z.ZodType>, prefix: string[]) => {
    for (const [key, field] of Object.entries(shape)) {
      const meta = OPTION_META.get(field);
      if (meta) out.push({ path: [...prefix, key], meta, kind: kindOf(field) });
      const inner = unwrap(field);
      if (inner instanceof z.ZodObject) {
        walk(inner.shape as Record<string, z.ZodType>, [...prefix, key]);
      }
    }
  };
  walk(schema.shape as Record<string, z.ZodType>, []);
  return out;
}

/** A `splleed run` flag that sets a backend field. */
export interface BackendFlag {
  /** Commander syntax: `--tensor-parallel <n>`, `--disable-radix-cache`. */
  flag: string;
  /** Help, led by the backends that take it (`vllm, sglang: tensor-parallel size`). */
  help: string;
  /** The field it sets (`["docker", "image"]`). */
  path: readonly string[];
  /** How its value converts. */
  kind: FlagKind;
  /** For a boolean flag: the value it sets. */
  sets?: boolean;
}

const ENGINE_TYPES: readonly BackendType[] = ["vllm", "tgi", "sglang", "llamacpp"];

/**
 * The backend flags of `splleed run`, generated from the options declared in
 * the backend schemas: one flag per name, even when several backends take it
 * (`--tensor-parallel` is vLLM's `--tensor-parallel-size` and SGLang's
 * `--tp-size`), its help led by the backends that take it (`managed:` when
 * every engine does).
 *
 * @returns The flags, in declaration order.
 * @throws {TypeError} When two declarations give one flag different fields or help.
 *
 * @example
 * ```ts
 * import { backendFlags } from "./backends.ts";
 * import assert from "node:assert/strict";
 *
 * const tp = backendFlags().find((f) => f.flag === "--tensor-parallel <n>");
 * assert.deepEqual(tp, {
 *   flag: "--tensor-parallel <n>",
 *   help: "vllm, sglang: tensor-parallel size",
 *   path: ["tensorParallel"],
 *   kind: "number",
 * });
 * ```
 */
export function backendFlags(): BackendFlag[] {
  const flags = new Map<string, { flag: BackendFlag; help: string; types: BackendType[] }>();
  for (const branch of backendConfigUnion.options) {
    const type = branch.shape.type.value as BackendType;
    for (const o of declaredOptions(branch as unknown as z.ZodObject)) {
      const forms: [string | undefined, string | undefined, boolean | undefined][] =
        o.kind === "boolean"
          ? [[o.meta.flag, o.meta.help, true], [o.meta.flagOff, o.meta.helpOff, false]]
          : [[o.meta.flag, o.meta.help, undefined]];
      for (const [flag, help = "", sets] of forms) {
        if (flag === undefined) continue;
        const seen = flags.get(flag);
        if (seen) {
          if (seen.flag.path.join(".") !== o.path.join(".") || seen.help !== help) {
            throw new TypeError(
              `Cannot build the backend flags: '${flag}' must name one field with one help, got '${
                seen.flag.path.join(".")
              }' (${JSON.stringify(seen.help)}) and '${o.path.join(".")}' (${
                JSON.stringify(help)
              })`,
            );
          }
          if (!seen.types.includes(type)) seen.types.push(type);
          continue;
        }
        const f: BackendFlag = { flag, help, path: o.path, kind: o.kind };
        if (sets !== undefined) f.sets = sets;
        flags.set(flag, { flag: f, help, types: [type] });
      }
    }
  }
  return [...flags.values()].map(({ flag, help, types }) => {
    const lead = ENGINE_TYPES.every((t) => types.includes(t))
      ? (types.includes("openai") ? "" : "managed: ")
      : `${types.join(", ")}: `;
    return { ...flag, help: lead + help };
  });
}

// ---- The schemas and the declared types cannot drift ----

/**
 * Fail to compile when a schema's inferred type and the type declared for it
 * differ. Fix the schema or the type so they agree.
 */
type SchemasMatchTypes = [
  Assert<Equal<Deep<z.output<typeof dockerObject>>, Deep<DockerOptions>>>,
  Assert<Equal<Deep<z.input<typeof dockerObject>>, Deep<DockerOptions>>>,
  Assert<Equal<Deep<z.output<z.ZodObject<typeof httpBackendFields>>>, Deep<HttpFields>>>,
  Assert<Equal<Deep<z.output<z.ZodObject<typeof managedFields>>>, Deep<ManagedOptions>>>,
  Assert<Equal<Deep<z.input<typeof openaiObject>>, Deep<OpenAIOptions>>>,
  Assert<Equal<Deep<z.output<typeof openaiObject>>, Deep<OpenAIOptions>>>,
  Assert<Equal<Deep<z.input<typeof vllmObject>>, Deep<VllmOptions>>>,
  Assert<Equal<Deep<z.output<typeof vllmObject>>, Deep<VllmOptions>>>,
  Assert<Equal<Deep<z.input<typeof tgiObject>>, Deep<TgiOptions>>>,
  Assert<Equal<Deep<z.output<typeof tgiObject>>, Deep<TgiOptions>>>,
  Assert<Equal<Deep<z.input<typeof sglangObject>>, Deep<SglangOptions>>>,
  Assert<Equal<Deep<z.output<typeof sglangObject>>, Deep<SglangOptions>>>,
  Assert<Equal<Deep<z.input<typeof llamacppObject>>, Deep<LlamacppOptions>>>,
  Assert<Equal<Deep<z.output<typeof llamacppObject>>, Deep<LlamacppOptions>>>,
  Assert<Equal<Deep<z.input<typeof simulatorBackendObject>>, Deep<SimulatorBackendOptions>>>,
  Assert<Equal<Deep<z.input<typeof backendConfigUnion>>, Deep<BackendConfig>>>,
];
