/**
 * The simulator's OpenAI-compatible HTTP API, shaped like vLLM's:
 * `/v1/completions` and `/v1/chat/completions` (streaming SSE and plain
 * JSON), `/v1/models`, `/health`, `/version`, plus `/sim/stats`.
 *
 * Streams follow vLLM's chunk shapes: for chat, a role chunk first (sent as
 * soon as the request is accepted, so a client that mistakes it for a token
 * is caught by the tests), one chunk per token, `finish_reason` on the last
 * token's chunk, a usage chunk with empty `choices` when
 * `stream_options.include_usage` is set, then `data: [DONE]`.
 *
 * A chat request that offers `tools` (and a `tool_choice` other than
 * `"none"`) is answered with a call of the first tool, as vLLM streams one:
 * the first token's chunk carries `tool_calls` with the tool's name, each
 * later one a piece of its `arguments` (the simulator's words, not JSON).
 *
 * @module
 */

import type { Engine } from "./engine.ts";
import { FAULT_HEADER, type FaultPicker } from "./faults.ts";
import type { SimHttpHandler, SimHttpRequest, SimHttpResponse } from "./http_server.ts";
import { countChatTokens, countPromptTokens, tokenText } from "./tokens.ts";

const decoder = new TextDecoder();

/** Counters the simulator keeps, served at `/sim/stats`. */
export interface SimCounters {
  /** Generation requests received (valid or not). */
  requests: number;
  /** Generation requests answered to the end. */
  completed: number;
  /** Requests whose client went away before the end. */
  cancelled: number;
  /** Requests rejected as invalid (HTTP 400). */
  rejected: number;
  /** Faults injected, by kind. */
  faults: { http500: number; http429: number; drop: number; stall: number };
  /** Output tokens produced. */
  outputTokens: number;
}

/** What the API needs. */
export interface SimApiOptions {
  /** Model name served. */
  model: string;
  /** The engine model. */
  engine: Engine;
  /** Fault source. */
  faults: FaultPicker;
  /** Most prompt + output tokens one request may take. */
  maxModelLen: number;
  /** Version string reported at `/version`. */
  version: string;
  /** Description served at `/sim/stats` beside the counters. */
  describe: Record<string, unknown>;
}

/**
 * Creates fresh counters.
 *
 * @returns Counters at zero.
 *
 * @example
 * ```ts
 * import { newCounters } from "./openai_api.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(newCounters().requests, 0);
 * ```
 */
export function newCounters(): SimCounters {
  return {
    requests: 0,
    completed: 0,
    cancelled: 0,
    rejected: 0,
    faults: { http500: 0, http429: 0, drop: 0, stall: 0 },
    outputTokens: 0,
  };
}

/**
 * Creates the request handler.
 *
 * @param options Model, engine, faults and limits.
 * @param counters Counters to update.
 * @returns The handler for {@linkcode serveHttp1}.
 */
export function createSimApi(options: SimApiOptions, counters: SimCounters): SimHttpHandler {
  let requestNo = 0;
  const created = Math.floor(Date.now() / 1000);
  const json = { "content-type": "application/json" };

  const error = (res: SimHttpResponse, status: number, type: string, message: string) =>
    res.send(status, json, JSON.stringify({ error: { message, type, param: null, code: status } }));

  return (req: SimHttpRequest, res: SimHttpResponse) => {
    const path = req.path;
    if (path === "/health" || path === "/ping") {
      res.send(200, { "content-type": "text/plain" }, "");
      return;
    }
    if (path === "/version") {
      res.send(200, json, JSON.stringify({ version: options.version }));
      return;
    }
    if (path === "/v1/models") {
      res.send(
        200,
        json,
        JSON.stringify({
          object: "list",
          data: [{
            id: options.model,
            object: "model",
            created,
            owned_by: "splleed",
            max_model_len: options.maxModelLen,
          }],
        }),
      );
      return;
    }
    if (path === "/sim/stats") {
      res.send(
        200,
        json,
        JSON.stringify({ ...counters, engine: options.engine.stats(), ...options.describe }),
      );
      return;
    }
    const chat = path === "/v1/chat/completions";
    if (!chat && path !== "/v1/completions") {
      error(res, 404, "NotFoundError", `no route ${req.method} ${path}`);
      return;
    }
    if (req.method !== "POST") {
      error(res, 405, "MethodNotAllowed", `${path} takes POST`);
      return;
    }
    counters.requests++;
    const no = ++requestNo;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(decoder.decode(req.body));
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error();
    } catch {
      counters.rejected++;
      error(res, 400, "BadRequestError", "the request body is not a JSON object");
      return;
    }
    const promptTokens = chat ? countChatTokens(body.messages) : countPromptTokens(body.prompt);
    if (promptTokens === null) {
      counters.rejected++;
      error(
        res,
        400,
        "BadRequestError",
        chat ? "'messages' must be a non-empty list" : "'prompt' is missing",
      );
      return;
    }
    const mt = body.max_tokens ?? body.max_completion_tokens;
    const maxTokens = mt === undefined || mt === null ? (chat ? 256 : 16) : Number(mt);
    if (!Number.isInteger(maxTokens) || maxTokens < 1) {
      counters.rejected++;
      error(
        res,
        400,
        "BadRequestError",
        `'max_tokens' must be a positive integer, got ${JSON.stringify(mt)}`,
      );
      return;
    }
    if (promptTokens + maxTokens > options.maxModelLen) {
      counters.rejected++;
      error(
        res,
        400,
        "BadRequestError",
        `This model's maximum context length is ${options.maxModelLen} tokens. However, you requested ${
          promptTokens + maxTokens
        } tokens (${promptTokens} in the messages, ${maxTokens} in the completion).`,
      );
      return;
    }
    if (typeof body.model === "string" && body.model !== options.model) {
      counters.rejected++;
      error(res, 404, "NotFoundError", `The model \`${body.model}\` does not exist.`);
      return;
    }
    const fault = options.faults.pick(req.headers.get(FAULT_HEADER));
    if (fault.kind === "http500") {
      counters.faults.http500++;
      error(res, 500, "InternalServerError", "simulated internal server error");
      return;
    }
    if (fault.kind === "http429") {
      counters.faults.http429++;
      error(res, 429, "RateLimitError", "simulated rate limit");
      return;
    }
    if (fault.kind === "stall") counters.faults.stall++;
    const stream = body.stream === true;
    const usage = stream &&
      (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    const id = `${chat ? "chatcmpl" : "cmpl"}-${no}`;
    const model = options.model;
    const head = `{"id":"${id}","object":"${
      chat ? "chat.completion.chunk" : "text_completion"
    }","created":${created},"model":${JSON.stringify(model)},"choices":[{"index":0,`;
    const usageNull = usage ? `,"usage":null` : "";
    const dropAt = fault.kind === "drop" ? fault.afterTokens : -1;
    const texts: string[] = [];
    const tool = chat ? toolToCall(body) : null;

    if (stream) {
      res.startStream(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      if (chat) {
        res.write(
          `data: ${head}"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]${usageNull}}\n\n`,
        );
      }
    }
    if (dropAt === 0) {
      counters.faults.drop++;
      res.destroy();
      return;
    }
    const handle = options.engine.submit({
      promptTokens,
      maxTokens,
      stallMs: fault.kind === "stall" ? fault.ms : 0,
      onToken(i) {
        counters.outputTokens++;
        const text = tokenText(no, i);
        if (!stream) {
          texts.push(text);
          if (i + 1 === dropAt && i + 1 < maxTokens) {
            counters.faults.drop++;
            handle.cancel();
            res.destroy();
          }
          return;
        }
        const last = i === maxTokens - 1;
        const fin = last ? `"length"` : "null";
        let out = tool !== null
          ? `data: ${head}"delta":{"tool_calls":[${
            i === 0
              ? `{"index":0,"id":"call-${no}","type":"function","function":{"name":${tool},"arguments":""}}`
              : `{"index":0,"function":{"arguments":"${text}"}}`
          }]},"logprobs":null,"finish_reason":${fin}}]${usageNull}}\n\n`
          : chat
          ? `data: ${head}"delta":{"content":"${text}"},"logprobs":null,"finish_reason":${fin}}]${usageNull}}\n\n`
          : `data: ${head}"text":"${text}","logprobs":null,"finish_reason":${fin},"stop_reason":null}]${usageNull}}\n\n`;
        if (last) {
          if (usage) {
            out += `data: {"id":"${id}","object":"${
              chat ? "chat.completion.chunk" : "text_completion"
            }","created":${created},"model":${
              JSON.stringify(model)
            },"choices":[],"usage":{"prompt_tokens":${promptTokens},"total_tokens":${
              promptTokens + maxTokens
            },"completion_tokens":${maxTokens}}}\n\n`;
          }
          out += "data: [DONE]\n\n";
        }
        res.write(out);
        if (i + 1 === dropAt && !last) {
          counters.faults.drop++;
          handle.cancel();
          res.destroy();
        }
      },
      onDone() {
        counters.completed++;
        if (stream) {
          res.end();
          return;
        }
        const text = texts.join("");
        const u = {
          prompt_tokens: promptTokens,
          total_tokens: promptTokens + maxTokens,
          completion_tokens: maxTokens,
        };
        res.send(
          200,
          json,
          JSON.stringify(
            chat
              ? {
                id,
                object: "chat.completion",
                created,
                model,
                choices: [{
                  index: 0,
                  message: tool === null ? { role: "assistant", content: text } : {
                    role: "assistant",
                    content: null,
                    tool_calls: [{
                      id: `call-${no}`,
                      type: "function",
                      function: { name: JSON.parse(tool), arguments: text },
                    }],
                  },
                  finish_reason: "length",
                }],
                usage: u,
              }
              : {
                id,
                object: "text_completion",
                created,
                model,
                choices: [{ index: 0, text, logprobs: null, finish_reason: "length" }],
                usage: u,
              },
          ),
        );
      },
    });
    res.onClose = () => {
      counters.cancelled++;
      handle.cancel();
    };
  };
}

/**
 * The name (as JSON text) of the tool a chat request's answer calls: the
 * first of its `tools`, unless it offers none or `tool_choice` is `"none"`.
 */
function toolToCall(body: Record<string, unknown>): string | null {
  const tools = body.tools;
  if (!Array.isArray(tools) || tools.length === 0 || body.tool_choice === "none") return null;
  const name = (tools[0] as { function?: { name?: unknown } } | null)?.function?.name;
  return JSON.stringify(typeof name === "string" && name !== "" ? name : "tool");
}
