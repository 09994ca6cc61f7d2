/**
 * The one interface every engine backend implements. The runner talks only
 * to this interface, so adding an engine means adding a file here (and its
 * config type), never touching the runner.
 *
 * @module
 */

import type { Api } from "../config/backends.ts";
import type { Sampling } from "../config/benchmark.ts";
import type { LaunchSpec } from "../config/launch.ts";
import type { HttpTransport } from "../http/transport.ts";
import type { RequestRecord } from "../record/record.ts";
import { validatorLoading } from "./_structured.ts";

/** What a backend needs to connect to a running server. */
export interface ConnectOptions {
  /** Base URL of the server (from the backend's own `endpoint`, or a managed server's). */
  endpoint: string;
  /** The HTTP client to send through. */
  transport: HttpTransport;
  /** Sampling parameters for every request. */
  sampling: Sampling;
}

/**
 * What one request asks (a workload item, as backends see it): a prompt, or
 * a chat history for the chat API, and the output length to ask for.
 */
export interface RequestInput {
  /** The prompt text (completions; chat when `messages` is absent). */
  prompt: string;
  /** Chat history ending with the user turn to answer. */
  messages?: { role: "system" | "user" | "assistant"; content: string }[];
  /** Output tokens to ask for; absent: `sampling.maxTokens`. */
  outputLen?: number;
  /** Per-item request fields, sent as given (OpenAI names); absent: none. */
  request?: RequestFields;
}

/**
 * Request fields of one request (the same shape as a workload item's
 * `request`, declared here so that backends import nothing from workload/):
 * sent under their OpenAI names after the run's own fields and
 * `sampling.extra`; `extra` is merged last.
 */
export interface RequestFields {
  /** `response_format` (OpenAI: { type: "json_object" } or { type: "json_schema", json_schema: { name, schema, strict? } }). */
  responseFormat?: Record<string, unknown>;
  /** `tools` (chat). */
  tools?: unknown[];
  /** `tool_choice` (chat). */
  toolChoice?: unknown;
  /** `temperature` for this item. */
  temperature?: number;
  /** Any other fields, merged into this item's body last. */
  extra?: Record<string, unknown>;
}

/** A request body built once per prompt and sent many times. */
export interface PreparedRequest {
  /** Encoded request body. */
  readonly body: Uint8Array<ArrayBuffer>;
  /**
   * Checks the response's text when the request asks for structured output
   * (`response_format` of type `json_object` or `json_schema`, or vLLM's
   * `guided_json`); absent otherwise, and then the response's text is not kept.
   */
  readonly check?: (text: string) => { valid: boolean; error?: string };
}

/** A backend connected to a server, ready to send requests. */
export interface BackendClient {
  /** The model requests name. */
  readonly model: string;
  /** The API in use. */
  readonly api: Api;
  /** What the server said about itself (version and such), for the results. */
  readonly info: Record<string, unknown>;
  /** Things the user should know about this engine and these settings (shown with the results). */
  readonly warnings?: readonly string[];
  /** Builds the request for one prompt or workload item (done once per item, before the run). */
  prepare(input: string | RequestInput): PreparedRequest;
  /**
   * Sends one request and fills `rec` with its timestamps, token counts and
   * outcome. Never throws for a failed request: failures are recorded.
   *
   * @param request From {@linkcode BackendClient.prepare}.
   * @param rec The record to fill (`sentMs` is set here, just before sending).
   * @param signal Aborts the request (timeout or interrupt).
   */
  send(request: PreparedRequest, rec: RequestRecord, signal: AbortSignal): Promise<void>;
}

/** An engine backend, as made by a factory such as `openai()`, `vllm()` or `simulator()`. */
export interface Backend {
  /** Backend kind (`"openai"`, `"vllm"`, `"tgi"`, `"sglang"`, `"llamacpp"`, `"simulator"`). */
  readonly kind: string;
  /** Base URL in connect mode. */
  readonly endpoint?: string;
  /** How to start the engine in managed mode (carried out by `lib/servers/`). */
  readonly launch?: LaunchSpec;
  /** Per-request timeout of this backend, ms (overrides the run's `requestTimeoutMs`). */
  readonly requestTimeoutMs?: number;
  /** The backend's options for the results, with secrets redacted. */
  describe(): Record<string, unknown>;
  /**
   * Connects to a running server: checks it answers, resolves the model name
   * and reads what the server reports about itself.
   *
   * @throws {Error} With the endpoint and what to check when the server cannot be reached.
   */
  connect(options: ConnectOptions): Promise<BackendClient>;
}

/**
 * Resolves when the checks of structured output that `prepare()` asked for
 * are ready: the JSON Schema validator loaded and every schema compiled.
 * The runner awaits it before the first request, so that loading and
 * compiling never stall the reading of measured streams. At once when no
 * request asked for a schema.
 *
 * @returns A promise that settles (never rejects) when the checks are ready.
 *
 * @example
 * ```ts
 * import { structuredChecksReady } from "./backend.ts";
 *
 * await structuredChecksReady();
 * ```
 */
export function structuredChecksReady(): Promise<void> {
  return validatorLoading() ?? Promise.resolve();
}
