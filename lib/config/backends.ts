/**
 * Backend options, validated by zod: the options of `openai()`, `vllm()`,
 * `tgi()`, `sglang()`, `llamacpp()` and `simulator()`, and the same as plain
 * data in a config file (`backend: { type: vllm, endpoint: ..., model: ... }`).
 * Each `type` maps to a factory in `lib/backends/`.
 *
 * An engine backend is in **connect mode** when it has an `endpoint`, and in
 * **managed mode** (splleed starts and stops the engine) when it has none.
 *
 * @module
 */

import { z } from "npm:zod@^4.6.7";
import { refineSimulatorOptions, simulatorOptionsShape } from "./sim.ts";

/**
 * The APIs splleed speaks: OpenAI-compatible `completions`, `chat` and
 * `embeddings`, and TGI's native `generate` (`/generate_stream`).
 */
export const apiSchema = z.enum(["completions", "chat", "embeddings", "generate"]);

/** An API name. */
export type Api = z.infer<typeof apiSchema>;

/** The OpenAI-compatible APIs (every backend but TGI's native one). */
export const openaiApiSchema = z.enum(["completions", "chat", "embeddings"]);

const endpoint = z.url({ protocol: /^https?$/ });
const positiveInt = z.number().int().positive();
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: "an environment variable name",
});

/** Fields shared by every HTTP backend. */
export const httpBackendFields = {
  /** Base URL of a running server (`http://localhost:8000`; a trailing `/v1` is accepted). */
  endpoint: endpoint.optional(),
  /** Model name; when absent, the first model the server lists at `/v1/models`. */
  model: z.string().min(1).optional(),
  /** Bearer token sent as `Authorization`; never written to results or logs. */
  apiKey: z.string().min(1).optional(),
  /** Read the bearer token from this environment variable (e.g. `OPENAI_API_KEY`). */
  apiKeyEnv: envName.optional(),
  /** Read the bearer token from this file (surrounding white space is trimmed). */
  apiKeyFile: z.string().min(1).optional(),
  /** Extra request headers (values of secret-looking names are redacted in results). */
  headers: z.record(z.string(), z.string()).optional(),
  /** Per-request timeout for this backend, ms (overrides the run's `requestTimeoutMs`). */
  timeoutMs: z.number().positive().optional(),
};

/** Running the engine in a container instead of a local command. */
export const dockerSchema = z.strictObject({
  /** Image, e.g. `vllm/vllm-openai:v0.11.0`. */
  image: z.string().min(1),
  /** Extra `docker run` arguments before the image (`--gpus all`, `-v /models:/models`, ...). */
  args: z.array(z.string()).optional(),
});

/** Docker options of a managed backend. */
export type DockerOptions = z.infer<typeof dockerSchema>;

/** Fields shared by every managed engine (they apply when there is no `endpoint`). */
export const managedFields = {
  /** The engine's command: a path, or an argv prefix such as a venv's binary (`["/venv/bin/vllm", "serve"]`). */
  command: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** Arguments appended to the engine's command line. */
  extraArgs: z.array(z.string()).optional(),
  /** Environment variables for the engine (added to splleed's own). */
  env: z.record(z.string(), z.string()).optional(),
  /** Interface the engine listens on. @default "127.0.0.1" */
  host: z.string().min(1).optional(),
  /** Port the engine listens on. @default a free port */
  port: z.number().int().min(1).max(65535).optional(),
  /** Most seconds to wait for the engine to answer. */
  startupTimeoutS: z.number().positive().optional(),
  /** Seconds between SIGTERM and SIGKILL at teardown. @default 10 */
  stopGraceS: z.number().min(0).optional(),
  /** Where the engine's stdout and stderr go. @default a file in the temp directory */
  logFile: z.string().min(1).optional(),
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
function engineRules(required: readonly string[], engineOnly: readonly string[]) {
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

const vllmOnly = {
  /** `--tensor-parallel-size`. */
  tensorParallel: positiveInt.optional(),
  /** `--pipeline-parallel-size`. */
  pipelineParallel: positiveInt.optional(),
  /** `--gpu-memory-utilization` (0–1). */
  gpuMemoryUtilization: z.number().gt(0).max(1).optional(),
  /** `--quantization` (awq, gptq, fp8, ...). */
  quantization: z.string().min(1).optional(),
  /** `--dtype` (auto, half, bfloat16, float32). */
  dtype: z.string().min(1).optional(),
  /** `--max-model-len`. */
  maxModelLen: positiveInt.optional(),
  /** `--max-num-seqs`. */
  maxNumSeqs: positiveInt.optional(),
  /** `--enable-prefix-caching` / `--no-enable-prefix-caching`. */
  enablePrefixCaching: z.boolean().optional(),
  /** `--enable-chunked-prefill` / `--no-enable-chunked-prefill`. */
  enableChunkedPrefill: z.boolean().optional(),
  /** `--speculative-config` (written as JSON). */
  speculativeConfig: z.record(z.string(), z.unknown()).optional(),
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
  quantize: z.string().min(1).optional(),
  /** `--max-batch-total-tokens`. */
  maxBatchTotalTokens: positiveInt.optional(),
  /** `--max-input-tokens`. */
  maxInputTokens: positiveInt.optional(),
  /** `--max-total-tokens`. */
  maxTotalTokens: positiveInt.optional(),
  /** `--num-shard`. */
  shardCount: positiveInt.optional(),
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
  tensorParallel: positiveInt.optional(),
  /** `--dp-size`. */
  dataParallel: positiveInt.optional(),
  /** `--mem-fraction-static` (0–1). */
  memFractionStatic: z.number().gt(0).max(1).optional(),
  /** `--quantization`. */
  quantization: z.string().min(1).optional(),
  /** `--dtype`. */
  dtype: z.string().min(1).optional(),
  /** `--context-length`. */
  contextLength: positiveInt.optional(),
  /** `--max-running-requests`. */
  maxRunningRequests: positiveInt.optional(),
  /** `--chunked-prefill-size`. */
  chunkedPrefillSize: z.number().int().optional(),
  /** `--disable-radix-cache` when false. */
  enableRadixCache: z.boolean().optional(),
  /** `--is-embedding` (serve an embedding model). */
  isEmbedding: z.boolean().optional(),
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
  binary: z.string().min(1).optional(),
  /** `--parallel`: slots, i.e. sequences decoded together. */
  parallel: positiveInt.optional(),
  /** `--ctx-size`: context size shared by all slots. */
  ctxSize: positiveInt.optional(),
  /** `--threads`. */
  threads: positiveInt.optional(),
  /** `--n-gpu-layers`. */
  gpuLayers: z.number().int().min(0).optional(),
  /** `--embeddings` (serve `/v1/embeddings`). */
  embeddings: z.boolean().optional(),
};

const llamacppShape = {
  ...httpBackendFields,
  ...managedFields,
  /** Completions, chat completions or embeddings. @default "completions" */
  api: openaiApiSchema.optional(),
  ...llamacppOnly,
};

/** `openai` backend options. */
export const openaiOptionsSchema = z.strictObject(openaiShape).superRefine(engineRules([], []));
/** `vllm` backend options. */
export const vllmOptionsSchema = z.strictObject(vllmShape).superRefine(
  engineRules(["model"], Object.keys(vllmOnly)),
);
/** `tgi` backend options. */
export const tgiOptionsSchema = z.strictObject(tgiShape).superRefine(
  engineRules(["model"], Object.keys(tgiOnly)),
);
/** `sglang` backend options. */
export const sglangOptionsSchema = z.strictObject(sglangShape).superRefine(
  engineRules(["model"], Object.keys(sglangOnly)),
);
/** `llamacpp` backend options (`model` is the GGUF path in managed mode). */
export const llamacppOptionsSchema = z.strictObject(llamacppShape).superRefine(
  engineRules(["model"], Object.keys(llamacppOnly)),
);

/** Options of `openai({...})`. */
export type OpenAIOptions = z.input<typeof openaiOptionsSchema>;
/** Options of `vllm({...})`. */
export type VllmOptions = z.input<typeof vllmOptionsSchema>;
/** Options of `tgi({...})`. */
export type TgiOptions = z.input<typeof tgiOptionsSchema>;
/** Options of `sglang({...})`. */
export type SglangOptions = z.input<typeof sglangOptionsSchema>;
/** Options of `llamacpp({...})`. */
export type LlamacppOptions = z.input<typeof llamacppOptionsSchema>;
/** The HTTP fields every engine backend has, validated. */
export type HttpBackendOptions = z.output<z.ZodObject<typeof httpBackendFields>> & {
  api?: Api;
};
/** The managed-mode fields, validated. */
export type ManagedOptions = z.output<z.ZodObject<typeof managedFields>>;

/** `simulator` backend options: the simulator's own plus the API to use. */
export const simulatorBackendOptionsSchema = z.strictObject({
  api: z.enum(["completions", "chat"]).optional(),
  ...simulatorOptionsShape,
}).superRefine(refineSimulatorOptions);

/** Options of `simulator({...})`. */
export type SimulatorBackendOptions = z.input<typeof simulatorBackendOptionsSchema>;

/** A backend written as data in a config file. */
export const backendConfigSchema = z.discriminatedUnion("type", [
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

/** A backend written as data. */
export type BackendConfig = z.input<typeof backendConfigSchema>;
