/**
 * `vllm()`: a vLLM server through its OpenAI-compatible API (connect mode).
 *
 * @module
 */

import { type VllmOptions, vllmOptionsSchema } from "../config/backends.ts";
import { validate } from "../config/errors.ts";
import type { HttpTransport } from "../http/transport.ts";
import type { Backend } from "./backend.ts";
import { connectOpenAICompat, describeHttpBackend } from "./openai.ts";
import { getJson } from "./_http.ts";

async function vllmVersion(
  transport: HttpTransport,
  endpoint: string,
  headers: Record<string, string>,
): Promise<Record<string, unknown>> {
  try {
    const r = await getJson(transport, `${endpoint}/version`, headers);
    const v = (r.json as { version?: unknown } | undefined)?.version;
    return r.status === 200 && typeof v === "string" ? { serverVersion: v } : {};
  } catch {
    return {};
  }
}

/**
 * A vLLM server. The API defaults to `completions`, as in `vllm bench serve`.
 * The server's `/version` is recorded in the results.
 *
 * @param options Endpoint, model (default: the first listed at `/v1/models`), API, key, headers.
 * @returns The backend.
 * @throws {import("../config/errors.ts").ConfigError} When an option is invalid.
 *
 * @example
 * ```ts
 * import { vllm } from "./vllm.ts";
 * import assert from "node:assert/strict";
 *
 * const b = vllm({ model: "Qwen/Qwen2.5-0.5B-Instruct", endpoint: "http://localhost:8000" });
 * assert.equal(b.kind, "vllm");
 * ```
 */
export function vllm(options: VllmOptions): Backend {
  const o = validate(vllmOptionsSchema, options, "vllm backend");
  return {
    kind: "vllm",
    endpoint: o.endpoint,
    describe: () => describeHttpBackend("vllm", o),
    connect: (c) =>
      connectOpenAICompat(o, c, "completions", (e, h) => vllmVersion(c.transport, e, h)),
  };
}
