/**
 * `vllm()`: a vLLM server through its OpenAI-compatible API, connected to
 * (`endpoint`) or started and stopped by splleed (`vllm serve MODEL ...`).
 *
 * @module
 */

import { type VllmOptions, vllmOptionsSchema } from "../config/backends.ts";
import { validate } from "../config/errors.ts";
import type { Backend } from "./backend.ts";
import { resolveApiKey } from "./openai.ts";
import { engineArgs, engineBackend, jsonProbe, managedLaunch } from "./_engine.ts";

/**
 * A vLLM server. The API defaults to `completions`, as in `vllm bench serve`.
 * The server's `/version` is recorded in the results.
 *
 * With `endpoint`, it connects to a running server. Without, it runs
 * `vllm serve MODEL` with flags from the typed fields declared in
 * `config/backends.ts` (`tensorParallel` →
 * `--tensor-parallel-size`, `gpuMemoryUtilization`, `quantization`, `dtype`,
 * `maxModelLen`, `maxNumSeqs`, `enablePrefixCaching`, `enableChunkedPrefill`,
 * `speculativeConfig` as JSON), then `extraArgs`; `command` replaces
 * `vllm serve` (e.g. `["/venv/bin/vllm", "serve"]`), `docker` runs the
 * `vllm/vllm-openai` image instead. An API key is passed to a managed
 * server as `VLLM_API_KEY`, never on its command line.
 *
 * @param options Endpoint or managed-mode fields, model, API, key, headers.
 * @returns The backend.
 * @throws {import("../config/errors.ts").ConfigError} When an option is invalid.
 *
 * @example Connect mode
 * ```ts
 * import { vllm } from "./vllm.ts";
 * import assert from "node:assert/strict";
 *
 * const b = vllm({ model: "Qwen/Qwen2.5-0.5B-Instruct", endpoint: "http://localhost:8000" });
 * assert.equal(b.kind, "vllm");
 * assert.equal(b.launch, undefined);
 * ```
 *
 * @example Managed mode
 * ```ts
 * import { vllm } from "./vllm.ts";
 * import assert from "node:assert/strict";
 *
 * const b = vllm({ model: "Qwen/Qwen2.5-0.5B-Instruct", tensorParallel: 2, enablePrefixCaching: true });
 * assert.deepEqual(b.launch?.kind === "process" && b.launch.argv, [
 *   "vllm", "serve", "Qwen/Qwen2.5-0.5B-Instruct",
 *   "--tensor-parallel-size", "2", "--enable-prefix-caching",
 * ]);
 * ```
 */
export function vllm(options: VllmOptions): Backend {
  const o = validate(vllmOptionsSchema, options, "vllm backend");
  const flags = engineArgs(vllmOptionsSchema, o);
  const key = resolveApiKey(o, "vllm backend");
  const launch = o.endpoint === undefined
    ? managedLaunch(o, {
      engine: "vllm",
      defaultCommand: ["vllm", "serve"],
      args: [o.model!, ...flags],
      // The vllm/vllm-openai image's entrypoint is the API server, which takes --model.
      dockerArgs: ["--model", o.model!, ...flags],
      readiness: ["/health", "/v1/models"],
      startupTimeoutS: 1200,
      env: key !== undefined ? { VLLM_API_KEY: key } : {},
      secretEnv: ["VLLM_API_KEY"],
    })
    : undefined;
  // vLLM answers a model name it does not serve with 404: the default
  // "strict" model check makes that a configuration error before the run.
  // Managed with --served-model-name (in extraArgs), it serves that name,
  // not the model it loads: requests name what it lists.
  const renamed = (o.extraArgs ?? []).some((a) => /^--served-model-name(=|$)/.test(a));
  return engineBackend({
    kind: "vllm",
    options: o,
    defaultApi: "completions",
    launch,
    apiKey: key,
    managedModel: renamed ? "served" : "given",
    probe: jsonProbe("/version", (j) => {
      const v = (j as { version?: unknown }).version;
      return typeof v === "string" ? { serverVersion: v } : {};
    }),
  });
}
