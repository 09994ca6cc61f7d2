/**
 * `llamacpp()`: llama.cpp's `llama-server` through its OpenAI-compatible API,
 * connected to or started by splleed (`llama-server --model FILE.gguf ...`).
 *
 * @module
 */

import { type LlamacppOptions, llamacppOptionsSchema } from "../config/backends.ts";
import { validate } from "../config/errors.ts";
import type { Backend } from "./backend.ts";
import { resolveApiKey } from "./openai.ts";
import { engineArgs, engineBackend, jsonProbe, managedLaunch } from "./_engine.ts";

/**
 * Picks the facts worth recording from `/props`.
 *
 * @param j The `/props` answer.
 * @returns Build, model path, slots and context size.
 *
 * @example
 * ```ts
 * import { propsFacts } from "./llamacpp.ts";
 * import assert from "node:assert/strict";
 *
 * const f = propsFacts({ build_info: "b1-abc", total_slots: 4, model_path: "/m.gguf",
 *   default_generation_settings: { n_ctx: 1024 } });
 * assert.deepEqual(f, { serverVersion: "b1-abc", modelPath: "/m.gguf", totalSlots: 4, slotContext: 1024 });
 * ```
 */
export function propsFacts(j: unknown): Record<string, unknown> {
  const p = (j ?? {}) as {
    build_info?: unknown;
    model_path?: unknown;
    total_slots?: unknown;
    default_generation_settings?: { n_ctx?: unknown };
  };
  const out: Record<string, unknown> = {};
  if (typeof p.build_info === "string") out.serverVersion = p.build_info;
  if (typeof p.model_path === "string") out.modelPath = p.model_path;
  if (typeof p.total_slots === "number") out.totalSlots = p.total_slots;
  const n = p.default_generation_settings?.n_ctx;
  if (typeof n === "number") out.slotContext = n;
  return out;
}

/** HTTP threads of a managed llama-server unless `threadsHttp` or `extraArgs` say otherwise. */
const MANAGED_HTTP_THREADS = 64;

/**
 * A llama.cpp server. The API defaults to `completions`; `/props` (build,
 * model path, slots) is recorded in the results.
 *
 * Without `endpoint`, it runs `llama-server --model MODEL` (a GGUF path),
 * with `--parallel`, `--ctx-size`, `--threads`, `--n-gpu-layers` and
 * `--embeddings`, `--threads-http` (64 unless given: llama-server closes an
 * idle keep-alive connection when its HTTP threads are all held, and a
 * request sent on it then is lost) from the typed fields (declared in
 * `config/backends.ts`), then `extraArgs`; `binary` (or
 * `command`) is the path of `llama-server`, `docker` runs an image such as
 * `ghcr.io/ggml-org/llama.cpp:server` instead. Requests name the model the
 * server lists. Readiness waits through the 503s llama.cpp answers while
 * it loads. An API key reaches a managed server as `LLAMA_API_KEY`.
 *
 * @param options Endpoint or managed-mode fields, model, API, key, headers.
 * @returns The backend.
 * @throws {import("../config/errors.ts").ConfigError} When an option is invalid.
 *
 * @example
 * ```ts
 * import { llamacpp } from "./llamacpp.ts";
 * import assert from "node:assert/strict";
 *
 * const b = llamacpp({ binary: "/opt/llama-server", model: "/models/tiny.gguf", parallel: 4 });
 * assert.deepEqual(b.launch?.kind === "process" && b.launch.argv, [
 *   "/opt/llama-server", "--model", "/models/tiny.gguf", "--parallel", "4", "--threads-http", "64",
 * ]);
 * ```
 */
export function llamacpp(options: LlamacppOptions): Backend {
  const o = validate(llamacppOptionsSchema, options, "llamacpp backend");
  const key = resolveApiKey(o, "llamacpp backend");
  // llama-server serves each keep-alive connection on one of its HTTP threads
  // (default max(parallel + 2, cores - 1)); when all are held, it closes an
  // idle connection to take a new one, and a request written to it at that
  // moment is lost (`connection_closed`). splleed keeps one connection per
  // request in flight, plus its checks: a managed server gets threads enough.
  const httpThreadsGiven = o.threadsHttp !== undefined ||
    (o.extraArgs ?? []).some((a) => a === "--threads-http" || a.startsWith("--threads-http="));
  const args = [
    "--model",
    o.model!,
    ...engineArgs(llamacppOptionsSchema, o),
    ...(httpThreadsGiven ? [] : ["--threads-http", String(MANAGED_HTTP_THREADS)]),
  ];
  const command = o.command ?? o.binary;
  const launch = o.endpoint === undefined
    ? managedLaunch({ ...o, command }, {
      engine: "llama.cpp",
      defaultCommand: ["llama-server"],
      args,
      dockerArgs: args,
      readiness: ["/health", "/v1/models"],
      startupTimeoutS: 300,
      env: key !== undefined ? { LLAMA_API_KEY: key } : {},
      secretEnv: ["LLAMA_API_KEY"],
    })
    : undefined;
  return engineBackend({
    kind: "llamacpp",
    options: o,
    defaultApi: o.embeddings ? "embeddings" : "completions",
    launch,
    apiKey: key,
    managedModel: "served",
    // llama-server answers any model name with the model it loaded (it lists
    // the file name or its --alias): a name it does not list is warned
    // about, not rejected. Managed, requests name the listed model.
    modelCheck: "warn",
    probe: jsonProbe("/props", propsFacts),
  });
}
