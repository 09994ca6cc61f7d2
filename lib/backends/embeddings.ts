/**
 * The OpenAI-compatible embeddings client (`/v1/embeddings`), served by
 * vLLM (pooling models), SGLang (`--is-embedding`), llama.cpp
 * (`--embeddings`) and hosted APIs. An embedding request has no stream: its
 * latency is sent → last byte of the response, and its work is counted in
 * inputs and prompt tokens.
 *
 * @module
 */

import type { HttpTransport } from "../http/transport.ts";
import { failRecord, type RequestRecord } from "../record/record.ts";
import type { BackendClient, PreparedRequest, RequestInput } from "./backend.ts";
import { classifyTransportError, summarizeErrorBody } from "./_errors.ts";
import { ExtraFields } from "./_extra.ts";

const encoder = new TextEncoder();

/** Options of {@linkcode createEmbeddingsClient}. */
export interface EmbeddingsClientOptions {
  /** Normalised base URL. */
  endpoint: string;
  /** Model name. */
  model: string;
  /** The HTTP client. */
  transport: HttpTransport;
  /** Headers for every request (authorization included). */
  headers: Record<string, string>;
  /** What the server reported about itself. */
  info?: Record<string, unknown>;
  /** Fields merged into every body after splleed's own (`sampling.extra`). */
  extra?: Record<string, unknown>;
  /** Warnings known before connecting (the model check's), shown before the client's own. */
  warnings?: readonly string[];
}

/**
 * Builds the body of one embeddings request: splleed's own fields, then
 * `extra` (`sampling.extra`), then the item's `extra`. An item's
 * `temperature` and output length mean nothing here and are not sent.
 *
 * @param model Model name.
 * @param input The text to embed, or a workload item (its `prompt`, and its `request.extra`).
 * @param extra Fields merged after splleed's own (`sampling.extra`).
 * @returns The body object.
 * @throws {TypeError} When the item asks for structured output or offers tools (`response_format`, `tools`, `tool_choice`), which an embedding cannot answer.
 *
 * @example
 * ```ts
 * import { buildEmbeddingsBody } from "./embeddings.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(buildEmbeddingsBody("m", "hi"), {
 *   model: "m", input: "hi", encoding_format: "float",
 * });
 * assert.deepEqual(
 *   buildEmbeddingsBody("m", { prompt: "hi", request: { extra: { dimensions: 256 } } }, { truncate_prompt_tokens: 64 }),
 *   { model: "m", input: "hi", encoding_format: "float", truncate_prompt_tokens: 64, dimensions: 256 },
 * );
 * ```
 */
export function buildEmbeddingsBody(
  model: string,
  input: string | RequestInput,
  extra?: Record<string, unknown>,
): Record<string, unknown> {
  const item = typeof input === "string" ? { prompt: input } as RequestInput : input;
  return { ...ownBody(model, item), ...extra, ...item.request?.extra };
}

function ownBody(model: string, item: RequestInput): Record<string, unknown> {
  const r = item.request;
  if (r !== undefined) {
    const asked = r.responseFormat !== undefined
      ? "response_format"
      : r.tools !== undefined
      ? "tools"
      : r.toolChoice !== undefined
      ? "tool_choice"
      : undefined;
    if (asked !== undefined) {
      throw new TypeError(
        `Cannot build an embeddings request: an item with '${asked}' asks for generated text, ` +
          `which the embeddings API does not make (use api "chat" or "completions")`,
      );
    }
  }
  return { model, input: item.prompt, encoding_format: "float" };
}

/**
 * Fills a record from a complete embeddings response body.
 *
 * @param rec The record (status and times already set).
 * @param status HTTP status.
 * @param text The body.
 * @param endMs When the last byte was read.
 *
 * @example
 * ```ts
 * import { readEmbeddingsResponse } from "./embeddings.ts";
 * import { newRecord } from "../record/record.ts";
 * import assert from "node:assert/strict";
 *
 * const rec = newRecord(0, "measure", 0, 0, 0, 0);
 * readEmbeddingsResponse(rec, 200, '{"data":[{"embedding":[0.1,0.2]}],"usage":{"prompt_tokens":3}}', 9);
 * assert.equal(rec.ok, true);
 * assert.equal(rec.promptTokens, 3);
 * assert.equal(rec.outputTokens, 0);
 * ```
 */
export function readEmbeddingsResponse(
  rec: RequestRecord,
  status: number,
  text: string,
  endMs: number,
): void {
  rec.endMs = endMs;
  if (status !== 200) {
    failRecord(rec, `http_${status}`, summarizeErrorBody(text) || `HTTP ${status}`, endMs);
    return;
  }
  let j: { data?: { embedding?: unknown }[]; usage?: { prompt_tokens?: unknown } };
  try {
    j = JSON.parse(text);
  } catch {
    failRecord(rec, "invalid_response", `the response is not JSON: ${text.slice(0, 120)}`, endMs);
    return;
  }
  const first = Array.isArray(j?.data) ? j.data[0]?.embedding : undefined;
  if (!Array.isArray(first) && typeof first !== "string") {
    failRecord(rec, "invalid_response", "the response carries no embedding in data[0]", endMs);
    return;
  }
  const pt = j.usage?.prompt_tokens;
  if (typeof pt === "number") rec.promptTokens = pt;
  rec.outputTokens = 0;
  rec.outputTokensSource = "usage";
  rec.ok = true;
}

/**
 * Creates an embeddings client.
 *
 * @param options Endpoint, model, transport, headers.
 * @returns The client (`api` is `"embeddings"`).
 *
 * @example
 * ```ts ignore
 * const client = createEmbeddingsClient({ endpoint, model: "m", transport, headers: {} });
 * ```
 */
export function createEmbeddingsClient(options: EmbeddingsClientOptions): BackendClient {
  const { model, transport } = options;
  const url = new URL(`${options.endpoint}/v1/embeddings`);
  const headers = { "Content-Type": "application/json", ...options.headers };
  const decoder = new TextDecoder();
  const extra = new ExtraFields(options.extra);
  // The run's own fields the extra fields override are known before any item is prepared.
  extra.merge(ownBody(model, { prompt: "" }));
  const given = options.warnings ?? [];
  return {
    model,
    api: "embeddings",
    info: options.info ?? {},
    get warnings(): readonly string[] {
      return [...given, ...extra.warnings()];
    },
    prepare(input: string | RequestInput): PreparedRequest {
      const item = typeof input === "string" ? { prompt: input } as RequestInput : input;
      const body = extra.merge(ownBody(model, item), item.request?.extra);
      return { body: encoder.encode(JSON.stringify(body)) };
    },
    async send(request: PreparedRequest, rec: RequestRecord, signal: AbortSignal): Promise<void> {
      let status = 0;
      let text = "";
      rec.sentMs = performance.now();
      try {
        const end = await transport.send(
          { url, method: "POST", headers, body: request.body, signal },
          {
            onHead: (s, _h, t) => {
              status = s;
              rec.status = s;
              rec.headersMs = t;
            },
            onBody: (bytes) => {
              text += decoder.decode(bytes, { stream: true });
            },
          },
        );
        readEmbeddingsResponse(rec, status, text + decoder.decode(), end);
      } catch (err) {
        const { reason, message } = classifyTransportError(err, status, text);
        failRecord(rec, reason, message, performance.now());
      }
    },
  };
}
