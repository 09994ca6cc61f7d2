/**
 * `tgi()`: Hugging Face Text Generation Inference, through its native
 * streaming API (`/generate_stream`) or its OpenAI-compatible Messages and
 * Completions APIs, connected to or started by splleed
 * (`text-generation-launcher --model-id MODEL ...`).
 *
 * @module
 */

import type { Sampling } from "../config/benchmark.ts";
import { type TgiOptions, tgiOptionsSchema } from "../config/backends.ts";
import { validate } from "../config/errors.ts";
import type { HttpTransport } from "../http/transport.ts";
import type { RequestRecord } from "../record/record.ts";
import type { Backend, BackendClient, PreparedRequest, RequestInput } from "./backend.ts";
import { resolveApiKey } from "./openai.ts";
import { engineArgs, engineBackend, jsonProbe, managedLaunch } from "./_engine.ts";
import { getJson, normalizeEndpoint } from "./_http.ts";
import { redact } from "../util/redact.ts";
import { SseParser } from "./_sse.ts";
import { sendStreaming, StreamRecorder } from "./_stream_record.ts";
import { ExtraFields } from "./_extra.ts";
import { structuredCheck } from "./_structured.ts";

const encoder = new TextEncoder();

/**
 * Builds the body of a `/generate_stream` request. TGI rejects a temperature
 * of 0 and a `top_p` of 1, so greedy decoding is `do_sample: false` and a
 * `top_p` of 1 is left out. TGI has no `ignore_eos`. An item's `temperature`
 * replaces the run's; its `response_format` becomes TGI's
 * `grammar: { type: "json", value: schema }` (`json_object`: any object).
 * `sampling.extra`, then the item's `extra`, are merged into `parameters`.
 *
 * @param input The prompt, or a workload item (`outputLen` becomes `max_new_tokens`).
 * @param sampling Sampling parameters.
 * @returns The body object.
 * @throws {TypeError} When the item offers tools (`tools`, `tool_choice`: TGI's
 *   native API has none; use api "chat"), or its `response_format` is not of
 *   type `json_object` or `json_schema` (with `json_schema.schema`).
 *
 * @example
 * ```ts
 * import { buildGenerateBody } from "./tgi.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   buildGenerateBody("hi", { maxTokens: 8, temperature: 0, topP: 1, ignoreEos: false }),
 *   { inputs: "hi", parameters: { max_new_tokens: 8, do_sample: false, details: true } },
 * );
 * assert.deepEqual(
 *   buildGenerateBody("hi", { maxTokens: 8, temperature: 0, topP: 1, ignoreEos: false, extra: { top_k: 20 } }),
 *   { inputs: "hi", parameters: { max_new_tokens: 8, do_sample: false, details: true, top_k: 20 } },
 * );
 * ```
 */
export function buildGenerateBody(
  input: string | RequestInput,
  sampling: Sampling,
): Record<string, unknown> {
  const item = typeof input === "string" ? { prompt: input } as RequestInput : input;
  return {
    inputs: item.prompt,
    parameters: { ...ownParameters(item, sampling), ...sampling.extra, ...item.request?.extra },
  };
}

/** The `parameters` splleed sets itself, the item's request fields among them. */
function ownParameters(item: RequestInput, sampling: Sampling): Record<string, unknown> {
  const r = item.request;
  const temperature = r?.temperature ?? sampling.temperature;
  const parameters: Record<string, unknown> = {
    max_new_tokens: item.outputLen ?? sampling.maxTokens,
    do_sample: temperature > 0,
    details: true,
  };
  if (temperature > 0) parameters.temperature = temperature;
  if (sampling.topP < 1) parameters.top_p = sampling.topP;
  if (r === undefined) return parameters;
  if (r.tools !== undefined || r.toolChoice !== undefined) {
    throw new TypeError(
      "Cannot build a TGI /generate_stream request: it has no 'tools' or 'tool_choice' " +
        `(use api "chat", TGI's Messages API, to offer tools)`,
    );
  }
  const rf = r.responseFormat;
  if (rf !== undefined) parameters.grammar = tgiGrammar(rf);
  return parameters;
}

/** TGI's `grammar` for an OpenAI `response_format`. */
function tgiGrammar(rf: Record<string, unknown>): Record<string, unknown> {
  if (rf.type === "json_object") {
    return { type: "json", value: rf.schema ?? { type: "object" } };
  }
  const js = rf.json_schema as { schema?: unknown } | undefined;
  if (
    rf.type === "json_schema" && js !== null && typeof js === "object" && js.schema !== undefined
  ) {
    return { type: "json", value: js.schema };
  }
  throw new TypeError(
    "Cannot build a TGI /generate_stream request: 'response_format' must be of type " +
      `"json_object" or "json_schema" (with json_schema.schema), got ${
        JSON.stringify(rf).slice(0, 120)
      } (for another grammar, set 'grammar' in the item's 'extra')`,
  );
}

interface TgiEvent {
  token?: { text?: string; special?: boolean } | null;
  details?: { generated_tokens?: number; input_length?: number; finish_reason?: string } | null;
  generated_text?: string | null;
  error?: string;
  error_type?: string;
}

/**
 * Reads a `/generate_stream` SSE stream into a record. Each event carries
 * one token; a token chunk is an event whose token is not special (the
 * end-of-sequence token is). The output token count comes from the final
 * event's `details.generated_tokens` (source `usage`), the prompt's from its
 * `details.input_length` when the server sends it. With a check (a request
 * that asked for structured output), the text checked is the final event's
 * `generated_text`, else the non-special tokens' text.
 *
 * @example
 * ```ts
 * import { TgiStreamReader } from "./tgi.ts";
 * import { newRecord } from "../record/record.ts";
 * import assert from "node:assert/strict";
 *
 * const rec = newRecord(0, "measure", 0, 0, 0, 0);
 * const r = new TgiStreamReader(rec);
 * const enc = new TextEncoder();
 * r.head(200, 1);
 * r.body(enc.encode('data:{"index":1,"token":{"id":5,"text":"Hi","special":false},"generated_text":null,"details":null}\n\n'), 2);
 * r.body(enc.encode('data:{"index":2,"token":{"id":2,"text":"</s>","special":true},"generated_text":"Hi","details":{"finish_reason":"eos_token","generated_tokens":2,"input_length":4}}\n\n'), 3);
 * r.finish(3);
 * assert.equal(rec.ok, true);
 * assert.deepEqual(rec.chunkMs, [2]);
 * assert.equal(rec.outputTokens, 2);
 * assert.equal(rec.promptTokens, 4);
 * ```
 */
export class TgiStreamReader extends StreamRecorder {
  #decoder = new TextDecoder();
  #parser = new SseParser((b, s, e) => this.#event(b, s, e));
  #final = false;

  /** Frames the bytes of a 200 response into events. */
  protected feed(bytes: Uint8Array): void {
    this.#parser.feed(bytes);
  }

  /** Incomplete unless the final event (with `details` or `generated_text`) arrived. */
  protected incomplete(): string | null {
    return this.#final
      ? null
      : `the stream ended without its final event (details) after ${this.rec.chunkMs.length} tokens`;
  }

  #event(b: Uint8Array, s: number, e: number): void {
    const data = this.#decoder.decode(b.subarray(s, e));
    if (data.trim() === "") return;
    let ev: TgiEvent;
    try {
      ev = JSON.parse(data);
    } catch {
      this.invalid ??= `a stream event is not JSON: ${data.slice(0, 120)}`;
      return;
    }
    if (ev === null || typeof ev !== "object") return;
    if (typeof ev.error === "string") {
      this.serverError ??= ev.error.slice(0, 300);
      return;
    }
    const tok = ev.token;
    if (tok && tok.special !== true) {
      this.token();
      if (this.check !== undefined && typeof tok.text === "string") this.text += tok.text;
    }
    // The final event's whole text, when sent, is what the check reads.
    if (this.check !== undefined && typeof ev.generated_text === "string") {
      this.text = ev.generated_text;
    }
    const d = ev.details;
    if (d) {
      this.#final = true;
      if (typeof d.generated_tokens === "number") this.reportedTokens = d.generated_tokens;
      if (typeof d.input_length === "number") this.rec.promptTokens = d.input_length;
    } else if (typeof ev.generated_text === "string") {
      this.#final = true;
    }
  }
}

/**
 * Creates a client for TGI's `/generate_stream`.
 *
 * @param options Endpoint, transport, sampling, headers, info.
 * @returns The client (`api` is `"generate"`).
 *
 * @example
 * ```ts ignore
 * const client = createTgiGenerateClient({ endpoint, transport, sampling, headers: {}, model: "m" });
 * ```
 */
export function createTgiGenerateClient(options: {
  endpoint: string;
  model: string;
  transport: HttpTransport;
  sampling: Sampling;
  headers: Record<string, string>;
  info: Record<string, unknown>;
}): BackendClient {
  const { transport, sampling } = options;
  const url = new URL(`${options.endpoint}/generate_stream`);
  const headers = {
    "Content-Type": "application/json",
    Accept: "text/event-stream",
    ...options.headers,
  };
  const given = sampling.ignoreEos
    ? [
      "TGI has no 'ignore_eos': requests may stop before maxTokens; output lengths come from the server's count",
    ]
    : [];
  const extra = new ExtraFields(sampling.extra, "parameters.");
  // The run's own parameters sampling.extra overrides are known before any item is prepared.
  extra.merge(ownParameters({ prompt: "" }, sampling));
  return {
    model: options.model,
    api: "generate",
    info: options.info,
    get warnings(): readonly string[] {
      return [...given, ...extra.warnings()];
    },
    prepare(input: string | RequestInput): PreparedRequest {
      const item = typeof input === "string" ? { prompt: input } as RequestInput : input;
      const parameters = extra.merge(ownParameters(item, sampling), item.request?.extra);
      const body = encoder.encode(JSON.stringify({ inputs: item.prompt, parameters }));
      const check = structuredCheck(item.request, sampling.extra);
      return check === undefined ? { body } : { body, check };
    },
    send(request: PreparedRequest, rec: RequestRecord, signal: AbortSignal): Promise<void> {
      const reader = new TgiStreamReader(rec, request.check);
      return sendStreaming(transport, url, headers, request.body, signal, reader);
    },
  };
}

/**
 * Picks the facts worth recording from TGI's `/info`.
 *
 * @param j The `/info` answer.
 * @returns Version, model and limits.
 *
 * @example
 * ```ts
 * import { infoFacts } from "./tgi.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(infoFacts({ version: "3.0.1", model_id: "m", max_total_tokens: 4096 }), {
 *   serverVersion: "3.0.1", modelId: "m", serverInfo: { version: "3.0.1", model_id: "m", max_total_tokens: 4096 },
 * });
 * ```
 */
export function infoFacts(j: unknown): Record<string, unknown> {
  const i = (j ?? {}) as { version?: unknown; model_id?: unknown };
  const out: Record<string, unknown> = {};
  if (typeof i.version === "string") out.serverVersion = i.version;
  if (typeof i.model_id === "string") out.modelId = i.model_id;
  out.serverInfo = j;
  return out;
}

/**
 * A TGI server. The API defaults to `generate` (native `/generate_stream`);
 * `chat` and `completions` use its OpenAI-compatible routes. `/info` is
 * recorded in the results.
 *
 * Without `endpoint`, it runs `text-generation-launcher --model-id MODEL`
 * with `--quantize`, `--max-batch-total-tokens`, `--max-input-tokens`,
 * `--max-total-tokens` and `--num-shard` from the typed fields (declared in
 * `config/backends.ts`), then
 * `extraArgs`; `docker` runs the `ghcr.io/huggingface/text-generation-inference`
 * image instead (its entrypoint is the launcher).
 *
 * @param options Endpoint or managed-mode fields, model, API, key, headers.
 * @returns The backend.
 * @throws {import("../config/errors.ts").ConfigError} When an option is invalid.
 *
 * @example
 * ```ts
 * import { tgi } from "./tgi.ts";
 * import assert from "node:assert/strict";
 *
 * const b = tgi({ model: "HuggingFaceTB/SmolLM2-360M-Instruct", shardCount: 2 });
 * assert.deepEqual(b.launch?.kind === "process" && b.launch.argv, [
 *   "text-generation-launcher", "--model-id", "HuggingFaceTB/SmolLM2-360M-Instruct", "--num-shard", "2",
 * ]);
 * ```
 */
export function tgi(options: TgiOptions): Backend {
  const o = validate(tgiOptionsSchema, options, "tgi backend");
  const key = resolveApiKey(o, "tgi backend");
  const args = [
    "--model-id",
    o.model!,
    ...engineArgs(tgiOptionsSchema, o),
  ];
  const launch = o.endpoint === undefined
    ? managedLaunch(o, {
      engine: "tgi",
      defaultCommand: ["text-generation-launcher"],
      args,
      dockerArgs: args,
      hostFlag: "--hostname",
      readiness: ["/health", "/info"],
      startupTimeoutS: 1200,
      env: key !== undefined ? { API_KEY: key } : {},
      secretEnv: ["API_KEY"],
    })
    : undefined;
  const probe = jsonProbe("/info", infoFacts);
  return engineBackend({
    kind: "tgi",
    options: o,
    defaultApi: "generate",
    launch,
    apiKey: key,
    probe,
    // TGI's Messages and Completions routes ignore the model name (its docs
    // send "tgi"): a name /v1/models does not list is warned about, not
    // rejected. The native route below has no model field: nothing to check.
    modelCheck: "warn",
    nativeClient: (o.api ?? "generate") === "generate"
      ? async (c, endpointRaw, headers) => {
        const endpoint = normalizeEndpoint(endpointRaw);
        let info: Record<string, unknown> = { endpoint };
        try {
          const r = await getJson(c.transport, `${endpoint}/info`, headers);
          if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${r.text.slice(0, 200)}`);
          info = { ...info, ...infoFacts(r.json) };
        } catch (err) {
          throw new Error(
            redact(
              `Cannot reach TGI at ${endpoint}/info: ${
                err instanceof Error ? err.message : err
              }. Check that it is running and that 'endpoint' is right.`,
            ),
            { cause: err },
          );
        }
        const model = o.model ?? (typeof info.modelId === "string" ? info.modelId : "tgi");
        return createTgiGenerateClient({
          endpoint,
          model,
          transport: c.transport,
          sampling: c.sampling,
          headers,
          info,
        });
      }
      : undefined,
  });
}
