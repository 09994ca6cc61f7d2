/**
 * `openai()`: any OpenAI-compatible endpoint (hosted APIs, proxies, Ollama,
 * TensorRT-LLM's server, and every engine's OpenAI-compatible mode).
 *
 * @module
 */

import { type OpenAIOptions, openaiOptionsSchema } from "../config/backends.ts";
import { validate } from "../config/errors.ts";
import type { Backend, BackendClient, ConnectOptions } from "./backend.ts";
import { createOpenAICompatClient, resolveModel } from "./openai_compat.ts";
import { normalizeEndpoint } from "./_http.ts";
import { REDACTED, redactHeaders } from "./_redact.ts";

/**
 * Builds the headers every request carries: the user's, plus `Authorization`
 * when an API key is given.
 *
 * @param options Backend options.
 * @returns Header fields.
 *
 * @example
 * ```ts
 * import { requestHeaders } from "./openai.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(requestHeaders({ apiKey: "k" }), { Authorization: "Bearer k" });
 * ```
 */
export function requestHeaders(options: { apiKey?: string; headers?: Record<string, string> }) {
  const h: Record<string, string> = { ...options.headers };
  if (options.apiKey !== undefined) h.Authorization = `Bearer ${options.apiKey}`;
  return h;
}

/**
 * Describes HTTP backend options for the results, with secrets redacted.
 *
 * @param kind Backend kind.
 * @param options Backend options.
 * @returns A JSON-safe description.
 *
 * @example
 * ```ts
 * import { describeHttpBackend } from "./openai.ts";
 * import assert from "node:assert/strict";
 *
 * const d = describeHttpBackend("openai", { endpoint: "http://h", apiKey: "sk-1" });
 * assert.equal(d.apiKey, "[redacted]");
 * ```
 */
export function describeHttpBackend(kind: string, options: OpenAIOptions): Record<string, unknown> {
  const d: Record<string, unknown> = { kind, ...options };
  if (options.apiKey !== undefined) d.apiKey = REDACTED;
  if (options.headers !== undefined) d.headers = redactHeaders(options.headers);
  return d;
}

/**
 * Connects an OpenAI-compatible client: resolves the model and collects info.
 *
 * @param options Validated backend options.
 * @param connect Connection options from the runner.
 * @param defaultApi API when the options name none.
 * @param probe Extra server facts to record (`/version`, ...).
 * @returns The client.
 */
export async function connectOpenAICompat(
  options: OpenAIOptions,
  connect: ConnectOptions,
  defaultApi: "completions" | "chat",
  probe?: (endpoint: string, headers: Record<string, string>) => Promise<Record<string, unknown>>,
): Promise<BackendClient> {
  const endpoint = normalizeEndpoint(connect.endpoint);
  const headers = requestHeaders(options);
  const { model, served } = await resolveModel(connect.transport, endpoint, headers, options.model);
  const info: Record<string, unknown> = { endpoint, servedModels: served };
  if (probe) Object.assign(info, await probe(endpoint, headers));
  return createOpenAICompatClient({
    endpoint,
    model,
    api: options.api ?? defaultApi,
    transport: connect.transport,
    sampling: connect.sampling,
    headers,
    info,
  });
}

/**
 * An OpenAI-compatible endpoint. The API defaults to `chat`.
 *
 * @param options Endpoint, model (default: the first listed at `/v1/models`), API, key, headers.
 * @returns The backend.
 * @throws {import("../config/errors.ts").ConfigError} When an option is invalid.
 *
 * @example
 * ```ts
 * import { openai } from "./openai.ts";
 * import assert from "node:assert/strict";
 *
 * const b = openai({ endpoint: "http://localhost:8000", model: "m", apiKey: "secret" });
 * assert.equal(b.kind, "openai");
 * assert.equal(JSON.stringify(b.describe()).includes("secret"), false);
 * ```
 */
export function openai(options: OpenAIOptions): Backend {
  const o = validate(openaiOptionsSchema, options, "openai backend");
  return {
    kind: "openai",
    endpoint: o.endpoint,
    describe: () => describeHttpBackend("openai", o),
    connect: (c) => connectOpenAICompat(o, c, "chat"),
  };
}
