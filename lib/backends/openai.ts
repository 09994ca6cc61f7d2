/**
 * `openai()`: any OpenAI-compatible endpoint (hosted APIs, proxies, Ollama,
 * TensorRT-LLM's server, and every engine's OpenAI-compatible mode), and the
 * pieces every OpenAI-compatible backend shares: the API key, request
 * headers, redacted descriptions and connecting.
 *
 * @module
 */

import {
  type Api,
  type HttpBackendOptions,
  type OpenAIOptions,
  openaiOptionsSchema,
} from "../config/backends.ts";
import { ConfigError, validate } from "../config/errors.ts";
import type { HttpTransport } from "../http/transport.ts";
import type { Backend, BackendClient, ConnectOptions } from "./backend.ts";
import { createEmbeddingsClient } from "./embeddings.ts";
import { createOpenAICompatClient, type ModelCheck, resolveModel } from "./openai_compat.ts";
import { normalizeEndpoint } from "./_http.ts";
import {
  looksLikeKey,
  maskKey,
  REDACTED,
  redactHeaders,
  registerSecret,
  registerSecretFields,
} from "../util/redact.ts";

/** What the key-source errors say when the value given is a key rather than a name or a path. */
const KEY_ITSELF = "the value given looks like a key itself, not the name of";

/**
 * The API key from whichever source the options name: `apiKey`, the
 * environment variable `apiKeyEnv`, or the file `apiKeyFile`. The key, and
 * the values of secret-looking `headers` and `env` entries, are registered
 * with `registerSecret` (`lib/util/redact.ts`), so that no message, record,
 * result or log splleed writes carries them.
 *
 * A value of `apiKeyEnv` or `apiKeyFile` that looks like a key itself (a
 * key passed by mistake where its variable's name or its file belongs) is
 * never echoed: the error shows it masked (`sk-…[redacted]`).
 *
 * @param options Backend options.
 * @param what What is being configured, for the error.
 * @returns The key, or undefined when no source is named.
 * @throws {ConfigError} When the variable is unset or the file cannot be read or is empty.
 *
 * @example
 * ```ts
 * import { resolveApiKey } from "./openai.ts";
 * import assert from "node:assert/strict";
 *
 * const f = Deno.makeTempFileSync();
 * Deno.writeTextFileSync(f, "sk-from-file\n");
 * assert.equal(resolveApiKey({ apiKeyFile: f }, "openai backend"), "sk-from-file");
 * assert.equal(resolveApiKey({}, "openai backend"), undefined);
 * assert.throws(
 *   () => resolveApiKey({ apiKeyEnv: "sk-proj-Zq81bXr7Vn2Lm5Ck9" }, "openai backend"),
 *   /looks like a key itself.*"sk-proj-…\[redacted\]"/,
 * );
 * ```
 */
export function resolveApiKey(
  options: {
    apiKey?: string;
    apiKeyEnv?: string;
    apiKeyFile?: string;
    headers?: Record<string, string>;
    env?: Record<string, string>;
  },
  what: string,
): string | undefined {
  registerSecretFields(options.headers);
  registerSecretFields(options.env);
  const key = keyFromSource(options, what);
  registerSecret(key);
  return key;
}

function keyFromSource(
  options: { apiKey?: string; apiKeyEnv?: string; apiKeyFile?: string },
  what: string,
): string | undefined {
  if (options.apiKey !== undefined) return options.apiKey;
  if (options.apiKeyEnv !== undefined) {
    const name = options.apiKeyEnv;
    const valid = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
    if (!valid || looksLikeKey(name)) {
      // A key given where its variable's name belongs: never looked up, never echoed.
      const set = valid && (Deno.env.get(name) ?? "").trim() !== "";
      if (!set) {
        throw new ConfigError(what, [{
          path: "apiKeyEnv",
          expected:
            `the name of an environment variable holding the key (${KEY_ITSELF} an environment variable holding it)`,
          received: JSON.stringify(maskKey(name)),
        }]);
      }
    }
    const v = Deno.env.get(name);
    if (v === undefined || v.trim() === "") {
      throw new ConfigError(what, [{
        path: "apiKeyEnv",
        expected: "the name of a set, non-empty environment variable",
        received: `${JSON.stringify(name)} (unset or empty)`,
      }]);
    }
    return v.trim();
  }
  if (options.apiKeyFile !== undefined) {
    const path = options.apiKeyFile;
    const base = path.split(/[/\\]/).at(-1) ?? path;
    let v: string;
    try {
      v = Deno.readTextFileSync(path).trim();
    } catch (err) {
      if (looksLikeKey(base)) {
        throw new ConfigError(what, [{
          path: "apiKeyFile",
          expected: `the path of a readable file holding the key (${KEY_ITSELF} a file holding it)`,
          received: `${JSON.stringify(maskKey(base))} (${
            err instanceof Deno.errors.NotFound ? "no such file" : "cannot be read"
          })`,
        }]);
      }
      throw new ConfigError(what, [{
        path: "apiKeyFile",
        expected: "a readable file holding the key",
        received: `${JSON.stringify(path)} (${err instanceof Error ? err.message : err})`,
      }]);
    }
    if (v === "") {
      throw new ConfigError(what, [{
        path: "apiKeyFile",
        expected: "a file holding the key",
        received: `${JSON.stringify(path)} (empty)`,
      }]);
    }
    return v;
  }
  return undefined;
}

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
 * Describes backend options for the results, with secrets redacted.
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
export function describeHttpBackend(
  kind: string,
  options: {
    apiKey?: string;
    headers?: Record<string, string>;
    env?: Record<string, string>;
    [field: string]: unknown;
  },
): Record<string, unknown> {
  const d: Record<string, unknown> = { kind, ...options };
  if (options.apiKey !== undefined) d.apiKey = REDACTED;
  if (options.headers !== undefined) d.headers = redactHeaders(options.headers);
  if (options.env !== undefined) d.env = redactHeaders(options.env);
  return d;
}

/** Extra server facts for the results (`/version`, `/props`, `/info`). */
export type ServerProbe = (
  transport: HttpTransport,
  endpoint: string,
  headers: Record<string, string>,
) => Promise<Record<string, unknown>>;

/** Options of {@linkcode connectOpenAICompat}. */
export interface ConnectOpenAICompatOptions {
  /** API when the options name none. */
  defaultApi: Api;
  /** Extra server facts to record. */
  probe?: ServerProbe;
  /** The API key, already resolved. */
  apiKey?: string;
  /** Model to request, overriding `options.model` (managed engines that serve a name of their own). */
  model?: string | null;
  /**
   * What a `model` the server's `/v1/models` does not list means: `"strict"`
   * (a configuration error: the engine rejects unknown names), `"warn"` (a
   * warning with the results: the engine answers any name with the model it
   * serves) or `"off"`. `options.modelCheck: false` makes it `"off"`.
   * @default "strict"
   */
  modelCheck?: ModelCheck;
}

/**
 * Connects an OpenAI-compatible client: resolves the model and collects info.
 *
 * @param options Validated backend options.
 * @param connect Connection options from the runner.
 * @param how Default API, server probe, API key.
 * @returns The client (embeddings or streaming generation).
 *
 * @example
 * ```ts ignore
 * const client = await connectOpenAICompat({ model: "m" }, connectOptions, { defaultApi: "chat" });
 * ```
 */
export async function connectOpenAICompat(
  options: Pick<HttpBackendOptions, "model" | "api" | "headers" | "modelCheck">,
  connect: ConnectOptions,
  how: ConnectOpenAICompatOptions,
): Promise<BackendClient> {
  const endpoint = normalizeEndpoint(connect.endpoint);
  const headers = requestHeaders({ apiKey: how.apiKey, headers: options.headers });
  const wanted = how.model === null ? undefined : how.model ?? options.model;
  const check = options.modelCheck === false ? "off" : how.modelCheck ?? "strict";
  const { model, served, warning } = await resolveModel(
    connect.transport,
    endpoint,
    headers,
    wanted,
    check,
  );
  const info: Record<string, unknown> = { endpoint, servedModels: served };
  if (how.probe) Object.assign(info, await how.probe(connect.transport, endpoint, headers));
  const api = options.api ?? how.defaultApi;
  const warnings = warning === undefined ? [] : [warning];
  if (api === "embeddings") {
    return createEmbeddingsClient({
      endpoint,
      model,
      transport: connect.transport,
      headers,
      info,
      extra: connect.sampling.extra,
      warnings,
    });
  }
  if (api === "generate") {
    throw new TypeError(`Cannot connect: api "generate" is TGI's own; use tgi({...})`);
  }
  return createOpenAICompatClient({
    endpoint,
    model,
    api,
    transport: connect.transport,
    sampling: connect.sampling,
    headers,
    info,
    warnings,
  });
}

/**
 * An OpenAI-compatible endpoint (connect mode). The API defaults to `chat`.
 * A `model` the server's `/v1/models` does not list is a configuration
 * error unless `modelCheck` is false (`--no-model-check`).
 *
 * @param options Endpoint, model (default: the first listed at `/v1/models`),
 *   API, key (`apiKey`, `apiKeyEnv` or `apiKeyFile`), headers, timeout.
 * @returns The backend.
 * @throws {ConfigError} When an option is invalid or the key's source cannot be read.
 *
 * @example
 * ```ts
 * import { openai } from "./openai.ts";
 * import assert from "node:assert/strict";
 *
 * const b = openai({ endpoint: "http://localhost:8000", model: "m", apiKey: "sk-example-0042" });
 * assert.equal(b.kind, "openai");
 * assert.equal(JSON.stringify(b.describe()).includes("sk-example-0042"), false);
 * ```
 */
export function openai(options: OpenAIOptions): Backend {
  const o = validate(openaiOptionsSchema, options, "openai backend");
  const apiKey = resolveApiKey(o, "openai backend");
  return {
    kind: "openai",
    endpoint: o.endpoint,
    requestTimeoutMs: o.timeoutMs,
    describe: () => describeHttpBackend("openai", o),
    connect: (c) => connectOpenAICompat(o, c, { defaultApi: "chat", apiKey }),
  };
}
