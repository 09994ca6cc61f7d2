/**
 * `sglang()`: an SGLang server through its OpenAI-compatible API, connected
 * to or started by splleed (`python3 -m sglang.launch_server ...`).
 *
 * @module
 */

import { type SglangOptions, sglangOptionsSchema } from "../config/backends.ts";
import { validate } from "../config/errors.ts";
import type { Backend } from "./backend.ts";
import { resolveApiKey } from "./openai.ts";
import { engineArgs, engineBackend, jsonProbe, managedLaunch } from "./_engine.ts";

/**
 * An SGLang server. The API defaults to `completions`. `/get_server_info`
 * (version and server arguments) is recorded in the results.
 *
 * Without `endpoint`, it runs `python3 -m sglang.launch_server --model-path
 * MODEL` with flags from the typed fields declared in `config/backends.ts` (`tensorParallel` → `--tp-size`,
 * `dataParallel` → `--dp-size`, `memFractionStatic`, `quantization`, `dtype`,
 * `contextLength`, `maxRunningRequests`, `chunkedPrefillSize`,
 * `enableRadixCache: false` → `--disable-radix-cache`, `isEmbedding`), then
 * `extraArgs`; `command` replaces `python3 -m sglang.launch_server` (e.g. a
 * venv's python), `docker` runs an image such as `lmsysorg/sglang` instead.
 *
 * @param options Endpoint or managed-mode fields, model, API, key, headers.
 * @returns The backend.
 * @throws {import("../config/errors.ts").ConfigError} When an option is invalid.
 *
 * @example
 * ```ts
 * import { sglang } from "./sglang.ts";
 * import assert from "node:assert/strict";
 *
 * const b = sglang({ model: "Qwen/Qwen2.5-0.5B-Instruct", tensorParallel: 2, enableRadixCache: false });
 * assert.deepEqual(b.launch?.kind === "process" && b.launch.argv, [
 *   "python3", "-m", "sglang.launch_server", "--model-path", "Qwen/Qwen2.5-0.5B-Instruct",
 *   "--tp-size", "2", "--disable-radix-cache",
 * ]);
 * ```
 */
export function sglang(options: SglangOptions): Backend {
  const o = validate(sglangOptionsSchema, options, "sglang backend");
  const flags = engineArgs(sglangOptionsSchema, o);
  const key = resolveApiKey(o, "sglang backend");
  const launcher = ["python3", "-m", "sglang.launch_server"];
  const args = ["--model-path", o.model!, ...flags];
  const launch = o.endpoint === undefined
    ? managedLaunch(o, {
      engine: "sglang",
      defaultCommand: launcher,
      args,
      // SGLang's images have no entrypoint: the whole command follows the image.
      dockerArgs: [...launcher, ...args],
      readiness: ["/health", "/v1/models"],
      startupTimeoutS: 1200,
    })
    : undefined;
  if (launch && key !== undefined) {
    launch.argv.push("--api-key", key);
    launch.dockerArgv.push("--api-key", key);
  }
  return engineBackend({
    kind: "sglang",
    options: o,
    defaultApi: o.isEmbedding ? "embeddings" : "completions",
    launch,
    apiKey: key,
    // SGLang's OpenAI routes answer any model name with the model they serve
    // (the name only picks a LoRA adapter): a name it does not list is
    // warned about, not rejected.
    modelCheck: "warn",
    probe: jsonProbe("/get_server_info", (j) => {
      const v = (j as { version?: unknown }).version;
      return { serverVersion: typeof v === "string" ? v : undefined, serverInfo: j };
    }),
  });
}
