/**
 * The OpenAI-compatible streaming client that vLLM, SGLang, llama.cpp, TGI's
 * Messages API and hosted endpoints share: request bodies for `/v1/completions`
 * and `/v1/chat/completions`, and the reading of their SSE streams into a
 * {@linkcode RequestRecord}.
 *
 * @module
 */

import type { Api } from "../config/backends.ts";
import type { Sampling } from "../config/benchmark.ts";
import type { HttpTransport } from "../http/transport.ts";
import type { RequestRecord } from "../record/record.ts";
import type { BackendClient, PreparedRequest, RequestInput } from "./backend.ts";
import { ConfigError } from "../config/errors.ts";
import { redact } from "../util/redact.ts";
import { getJson } from "./_http.ts";
import {
  ChunkClassifier,
  FINISH,
  LINE_BREAK,
  NEEDS_PARSE,
  REASONING,
  TOKEN,
  TOOL_CALL,
} from "./_chunk_scan.ts";
import { SseParser } from "./_sse.ts";
import { sendStreaming, StreamRecorder } from "./_stream_record.ts";
import { ExtraFields } from "./_extra.ts";
import { structuredCheck } from "./_structured.ts";

const encoder = new TextEncoder();

/** Options of {@linkcode createOpenAICompatClient}. */
export interface OpenAICompatClientOptions {
  /** Normalised base URL (no trailing `/v1`). */
  endpoint: string;
  /** Model name to request. */
  model: string;
  /** Completions or chat completions. */
  api: Api;
  /** The HTTP client. */
  transport: HttpTransport;
  /** Sampling parameters. */
  sampling: Sampling;
  /** Headers added to every request (authorization included). */
  headers: Record<string, string>;
  /** Whether the engine accepts vLLM's `ignore_eos` extension. When false and `ignoreEos` is set, it is still sent. */
  ignoreEosField?: boolean;
  /** What the server reported about itself. */
  info?: Record<string, unknown>;
  /** Warnings known before connecting (the model check's), shown before the client's own. */
  warnings?: readonly string[];
}

/**
 * Builds the JSON request body for one prompt: splleed's own fields (model,
 * prompt or messages, `max_tokens`, `temperature`, `top_p`, `ignore_eos`,
 * streaming with usage), the item's request fields (`response_format`;
 * `tools` and `tool_choice`, chat only; its `temperature`), then
 * `sampling.extra`, then the item's `extra` (each merged at the top level,
 * over what came before).
 *
 * @param api Completions or chat.
 * @param model Model name.
 * @param input The prompt (sent as one user message for chat), or a workload
 *   item with a chat history (`messages`), an output length (`outputLen`,
 *   sent as `max_tokens`) and request fields (`request`).
 * @param sampling Sampling parameters.
 * @returns The body object.
 * @throws {TypeError} When a completions request is given `tools` or `tool_choice`.
 *
 * @example
 * ```ts
 * import { buildRequestBody } from "./openai_compat.ts";
 * import assert from "node:assert/strict";
 *
 * const b = buildRequestBody("chat", "m", "hi", {
 *   maxTokens: 8, temperature: 0, topP: 1, ignoreEos: false,
 * });
 * assert.deepEqual(b.messages, [{ role: "user", content: "hi" }]);
 * assert.deepEqual(b.stream_options, { include_usage: true });
 * assert.equal(b.ignore_eos, undefined);
 *
 * const s = { maxTokens: 8, temperature: 0, topP: 1, ignoreEos: false, extra: { top_k: 20 } };
 * const g = buildRequestBody("chat", "m", {
 *   prompt: "hi",
 *   request: { responseFormat: { type: "json_object" }, extra: { seed: 7 } },
 * }, s);
 * assert.deepEqual(g.response_format, { type: "json_object" });
 * assert.equal(g.top_k, 20);
 * assert.equal(g.seed, 7);
 * ```
 */
export function buildRequestBody(
  api: Api,
  model: string,
  input: string | RequestInput,
  sampling: Sampling,
): Record<string, unknown> {
  const item = typeof input === "string" ? { prompt: input } as RequestInput : input;
  return { ...ownBody(api, model, item, sampling), ...sampling.extra, ...item.request?.extra };
}

/** The fields splleed sets itself, the item's request fields among them. */
function ownBody(
  api: Api,
  model: string,
  item: RequestInput,
  sampling: Sampling,
): Record<string, unknown> {
  const r = item.request;
  const body: Record<string, unknown> = { model };
  if (api === "chat") body.messages = item.messages ?? [{ role: "user", content: item.prompt }];
  else body.prompt = item.prompt;
  body.max_tokens = item.outputLen ?? sampling.maxTokens;
  body.temperature = r?.temperature ?? sampling.temperature;
  body.top_p = sampling.topP;
  if (sampling.ignoreEos) body.ignore_eos = true;
  body.stream = true;
  body.stream_options = { include_usage: true };
  if (r === undefined) return body;
  if (r.responseFormat !== undefined) body.response_format = r.responseFormat;
  if (r.tools !== undefined || r.toolChoice !== undefined) {
    if (api !== "chat") {
      throw new TypeError(
        `Cannot build the request: 'tools' and 'tool_choice' are chat API fields, got api "${api}" ` +
          "(use api: \"chat\", or put them in the item's 'extra' to send them anyway)",
      );
    }
    if (r.tools !== undefined) body.tools = r.tools;
    if (r.toolChoice !== undefined) body.tool_choice = r.toolChoice;
  }
  return body;
}

/**
 * Reads an OpenAI-compatible SSE stream into a record. Feed it body bytes
 * with their read time; call {@linkcode StreamReader.finish} at the end.
 *
 * A chunk counts as a token chunk when a choice carries non-empty `text`
 * (completions), `delta.content`, `delta.reasoning_content`,
 * `delta.reasoning` or `delta.refusal`, or a non-empty `delta.tool_calls`
 * list (chat); a role-only or empty chunk does not. A usage of 0 completion
 * tokens with content, reasoning tokens never streamed, and a stream that
 * arrives all at once are flagged (see `_stream_record.ts`). Every event
 * in one read shares that read's timestamp. Events are framed and classified
 * from their bytes ({@linkcode SseParser}, {@linkcode scanChunk}); only the
 * usage chunk, errors and unfamiliar shapes are decoded and parsed.
 *
 * Tool calls: every chunk with a non-empty `tool_calls` list is counted
 * (from the scan's flags, no parsing) into the record's `toolCalls`.
 * Structured output: given a `check` (a request that asked for structured
 * output, see `_structured.ts`), the reader also decodes and parses every
 * token chunk, accumulates its `delta.content` (or `text`), and when the
 * request completed sets the record's `structured` from the check; without
 * one, no text is decoded or kept (`sendStreaming` awaits `settled()`,
 * which checks a response that ended while the schema validator was still
 * loading).
 *
 * @example
 * ```ts
 * import { StreamReader } from "./openai_compat.ts";
 * import { newRecord } from "../record/record.ts";
 * import assert from "node:assert/strict";
 *
 * const rec = newRecord(0, "measure", 0, 0, 0, 0);
 * const r = new StreamReader(rec);
 * const enc = new TextEncoder();
 * r.head(200, 1);
 * r.body(enc.encode('data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\n'), 2);
 * r.body(enc.encode('data: {"choices":[{"delta":{"content":"Hi"}}]}\n\n'), 3);
 * r.body(enc.encode('data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1}}\n\ndata: [DONE]\n\n'), 4);
 * r.finish(4);
 * assert.equal(rec.ok, true);
 * assert.equal(rec.firstTokenMs, 3);
 * assert.equal(rec.outputTokens, 1);
 * assert.equal(rec.outputTokensSource, "usage");
 * assert.equal(rec.promptTokens, 5);
 * ```
 */
export class StreamReader extends StreamRecorder {
  #decoder = new TextDecoder();
  #parser = new SseParser((b, s, e) => this.#event(b, s, e), (b, s, e) => this.#whole(b, s, e));
  #classifier = new ChunkClassifier();
  #done = false;
  #finishReason = false;
  /** Frames and classifies the bytes of a 200 response. */
  protected feed(bytes: Uint8Array): void {
    this.#parser.feed(bytes);
  }

  /** Incomplete unless `[DONE]` or a `finish_reason` was seen. */
  protected incomplete(): string | null {
    return this.#done || this.#finishReason
      ? null
      : `the stream ended without [DONE] or a finish_reason after ${this.rec.chunkMs.length} token chunks`;
  }

  /** One event's data, framed by the SSE parser. */
  #event(b: Uint8Array, s: number, e: number): void {
    if (isDone(b, s, e)) {
      this.#done = true;
      return;
    }
    const flags = this.#classifier.classify(b, s, e);
    if (
      (flags & (NEEDS_PARSE | LINE_BREAK)) === 0 &&
      (this.check === undefined || (flags & TOKEN) === 0)
    ) {
      this.#apply(flags);
    } else this.#parse(b, s, e);
  }

  /** A read that looks like one whole event: handle it unless it holds a line break. */
  #whole(b: Uint8Array, s: number, e: number): boolean {
    if (isDone(b, s, e)) {
      this.#done = true;
      return true;
    }
    const flags = this.#classifier.classify(b, s, e);
    if (flags & LINE_BREAK) return false;
    if (flags & NEEDS_PARSE) {
      for (let i = s; i < e; i++) if (b[i] === 10 || b[i] === 13) return false;
      this.#parse(b, s, e);
    } else if (this.check !== undefined && (flags & TOKEN) !== 0) {
      this.#parse(b, s, e); // the text is wanted
    } else {
      this.#apply(flags);
    }
    return true;
  }

  #apply(flags: number): void {
    if (flags & TOKEN) this.token();
    if (flags & TOOL_CALL) this.toolCalls++;
    if (flags & REASONING) this.streamedReasoning = true;
    if (flags & FINISH) this.#finishReason = true;
  }

  #parse(b: Uint8Array, s: number, e: number): void {
    const data = this.#decoder.decode(b.subarray(s, e));
    if (data.trim() === "") return;
    let obj: ChunkJson;
    try {
      obj = JSON.parse(data);
    } catch {
      this.invalid ??= `a stream event is not JSON: ${data.slice(0, 120)}`;
      return;
    }
    if (obj !== null && typeof obj === "object") this.#object(obj);
  }

  /** The slow path: a parsed chunk (usage, errors, unfamiliar shapes). */
  #object(obj: ChunkJson): void {
    if (obj.error !== undefined || obj.object === "error") {
      const err = obj.error;
      const m = typeof err === "string"
        ? err
        : err?.message ?? obj.message ?? JSON.stringify(err ?? obj);
      this.serverError ??= String(m).slice(0, 300);
      return;
    }
    const choices = obj.choices;
    if (Array.isArray(choices)) {
      let token = false;
      let toolCall = false;
      for (const c of choices) {
        if (c === null || typeof c !== "object") continue;
        const d = c.delta;
        const hasDelta = d !== undefined && d !== null;
        if (hasDelta && (nonEmpty(d.reasoning_content) || nonEmpty(d.reasoning))) {
          token = true;
          this.streamedReasoning = true;
        }
        if (hasDelta && Array.isArray(d.tool_calls) && d.tool_calls.length > 0) {
          token = true;
          toolCall = true;
        }
        if (nonEmpty(c.text) || (hasDelta && (nonEmpty(d.content) || nonEmpty(d.refusal)))) {
          token = true;
        }
        if (this.check !== undefined) {
          if (typeof c.text === "string") this.text += c.text;
          if (hasDelta && typeof d.content === "string") this.text += d.content;
        }
        // TGI sends "" until the last chunk.
        if (typeof c.finish_reason === "string" && c.finish_reason !== "") {
          this.#finishReason = true;
        }
      }
      if (token) this.token();
      if (toolCall) this.toolCalls++;
    }
    const u = obj.usage;
    if (u !== undefined && u !== null) {
      if (typeof u.completion_tokens === "number") this.reportedTokens = u.completion_tokens;
      if (typeof u.prompt_tokens === "number") this.rec.promptTokens = u.prompt_tokens;
      const r = u.completion_tokens_details?.reasoning_tokens;
      if (typeof r === "number") this.reportedReasoning = r;
    }
  }
}

/** Whether `b[s, e)` is `[DONE]`. */
function isDone(b: Uint8Array, s: number, e: number): boolean {
  return e - s === 6 && b[s] === 91 && b[s + 1] === 68 && b[s + 2] === 79 && b[s + 3] === 78 &&
    b[s + 4] === 69 && b[s + 5] === 93;
}

function nonEmpty(v: unknown): boolean {
  return typeof v === "string" && v !== "";
}

interface ChunkJson {
  object?: string;
  message?: string;
  error?: { message?: string } | string;
  choices?: {
    text?: string | null;
    delta?: {
      content?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      refusal?: string | null;
      tool_calls?: unknown[] | null;
    } | null;
    finish_reason?: string | null;
  }[] | null;
  usage?: {
    completion_tokens?: number;
    prompt_tokens?: number;
    completion_tokens_details?: { reasoning_tokens?: number } | null;
  } | null;
}

/**
 * Creates a client for an OpenAI-compatible server.
 *
 * @param options Endpoint, model, API, transport, sampling and headers.
 * @returns The client.
 *
 * @example
 * ```ts ignore
 * import { createOpenAICompatClient } from "./openai_compat.ts";
 * import { createHttp1Transport } from "../http/http1_transport.ts";
 *
 * const client = createOpenAICompatClient({
 *   endpoint: "http://localhost:8000", model: "m", api: "completions",
 *   transport: createHttp1Transport(), headers: {},
 *   sampling: { maxTokens: 16, temperature: 0, topP: 1, ignoreEos: false },
 * });
 * ```
 */
export function createOpenAICompatClient(options: OpenAICompatClientOptions): BackendClient {
  const { endpoint, model, api, transport, sampling } = options;
  const url = new URL(`${endpoint}/v1/${api === "chat" ? "chat/completions" : "completions"}`);
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    Accept: "text/event-stream",
    ...options.headers,
  };
  const extra = new ExtraFields(sampling.extra);
  // The run's own fields sampling.extra overrides are known before any item is prepared.
  extra.merge(ownBody(api, model, { prompt: "" }, sampling));
  const given = options.warnings ?? [];
  return {
    model,
    api,
    info: options.info ?? {},
    get warnings(): readonly string[] {
      return [...given, ...extra.warnings()];
    },
    prepare(input: string | RequestInput): PreparedRequest {
      const item = typeof input === "string" ? { prompt: input } as RequestInput : input;
      const body = extra.merge(ownBody(api, model, item, sampling), item.request?.extra);
      const check = structuredCheck(item.request, sampling.extra);
      const encoded = encoder.encode(JSON.stringify(body));
      return check === undefined ? { body: encoded } : { body: encoded, check };
    },
    send(request: PreparedRequest, rec: RequestRecord, signal: AbortSignal): Promise<void> {
      const reader = new StreamReader(rec, request.check);
      return sendStreaming(transport, url, headers, request.body, signal, reader);
    },
  };
}

/**
 * What a `model` that the server's `/v1/models` does not list means:
 * `"strict"`, a {@linkcode ConfigError} (the engine rejects names it does
 * not serve, as vLLM and the simulator do); `"warn"`, a warning (the engine
 * answers any name with the model it serves, as SGLang, TGI and llama.cpp
 * do: the results would name a model that was not measured); `"off"`, nothing.
 */
export type ModelCheck = "strict" | "warn" | "off";

/** Names a server lists, for a message (at most 8). */
function listed(served: readonly string[]): string {
  const names = served.slice(0, 8).map((m) => `'${m}'`).join(", ");
  return served.length > 8 ? `${names} and ${served.length - 8} more` : names;
}

/**
 * Resolves the model to request: the given one, or the first listed at
 * `/v1/models`. A given model that the server lists no match for is
 * checked (see {@linkcode ModelCheck}); a server that lists nothing, or
 * whose `/v1/models` fails, is not. Ollama's `name` matches its `name:latest`.
 * Error messages pass through `redact` (a 401 body may echo the key).
 *
 * @param transport The HTTP client.
 * @param endpoint Normalised base URL.
 * @param headers Request headers (authorization).
 * @param model The configured model, if any.
 * @param check What a model the server does not list means. @default "strict"
 * @returns The model name, the list the server reported, and a warning for `"warn"`.
 * @throws {ConfigError} When `check` is `"strict"` and the server does not list `model`.
 * @throws {Error} When the server cannot be reached or lists no model and none is given.
 *
 * @example
 * ```ts
 * import { resolveModel } from "./openai_compat.ts";
 * import { createHttp1Transport } from "../http/http1_transport.ts";
 * import assert from "node:assert/strict";
 *
 * const server = Deno.serve({ port: 0, onListen() {} }, () => Response.json({ data: [{ id: "splleed-sim" }] }));
 * const t = createHttp1Transport();
 * const endpoint = `http://127.0.0.1:${server.addr.port}`;
 * assert.equal((await resolveModel(t, endpoint, {}, undefined)).model, "splleed-sim");
 * await assert.rejects(resolveModel(t, endpoint, {}, "gpt-5"), /serves 'splleed-sim'.*--no-model-check.*got "gpt-5"/);
 * assert.equal((await resolveModel(t, endpoint, {}, "gpt-5", "off")).model, "gpt-5");
 * t.close();
 * await server.shutdown();
 * ```
 */
export async function resolveModel(
  transport: HttpTransport,
  endpoint: string,
  headers: Record<string, string>,
  model: string | undefined,
  check: ModelCheck = "strict",
): Promise<{ model: string; served: string[]; warning?: string }> {
  let served: string[] = [];
  let r;
  try {
    r = await getJson(transport, `${endpoint}/v1/models`, headers);
  } catch (err) {
    throw new Error(
      redact(
        `Cannot reach the server at ${endpoint}: ${err instanceof Error ? err.message : err}. ` +
          "Check that it is running and that 'endpoint' is right.",
      ),
      { cause: err },
    );
  }
  if (r.status === 200) {
    const data = (r.json as { data?: { id?: unknown }[] } | undefined)?.data;
    if (Array.isArray(data)) served = data.map((d) => String(d?.id));
  } else if (model === undefined) {
    throw new Error(
      redact(
        `Cannot list models at ${endpoint}/v1/models (HTTP ${r.status}: ${
          r.text.slice(0, 200)
        }). Give 'model' explicitly.`,
      ),
    );
  }
  if (model !== undefined) {
    const known = served.length === 0 || served.includes(model) ||
      (!model.includes(":") && served.includes(`${model}:latest`));
    if (known || check === "off") return { model, served };
    if (check === "warn") {
      return {
        model,
        served,
        warning: redact(
          `the server at ${endpoint} lists ${listed(served)}, not '${model}'; it answers any ` +
            "model name with the model it serves, so the results are of that model, " +
            `not of '${model}' (set 'model' to the name it lists)`,
        ),
      };
    }
    throw new ConfigError("benchmark", [{
      path: "model",
      expected: `a model the server at ${redact(endpoint)} serves (it serves ${
        listed(served)
      }); set 'model' to one of them, or modelCheck: false (--no-model-check) to send it anyway`,
      received: JSON.stringify(model),
    }]);
  }
  if (served.length === 0) {
    throw new Error(
      redact(`The server at ${endpoint} lists no model at /v1/models. Give 'model' explicitly.`),
    );
  }
  return { model: served[0], served };
}
