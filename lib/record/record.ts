/**
 * The per-request record: four-plus timestamps on one monotonic clock, token
 * counts with their source, and the outcome. Every metric is derived from
 * these fields; nothing is measured twice.
 *
 * @module
 */

import { redact } from "../util/redact.ts";

/** Where an output token count came from. */
export type TokenCountSource =
  /** The server's `usage.completion_tokens`. */
  | "usage"
  /** The number of content-bearing stream chunks (each assumed one token). */
  | "chunks";

/** Why a request failed, as a flat id used in results (`http_500`, `stream_dropped`, ...). */
export type FailureReason = string;

/**
 * Something about a request that a reader of its timings must know:
 *
 * - `not_streamed`: the token chunks were not delivered as they were
 *   generated (every token chunk arrived in one read, or a stream request got
 *   a body that is not `text/event-stream`): E2E and the token count hold,
 *   TTFT, ITL and TPOT do not time generation.
 * - `usage_zero`: the server's usage said 0 completion tokens for a stream
 *   that carried content; the count is the chunk count (`outputTokensSource: "chunks"`).
 * - `hidden_reasoning`: usage counted reasoning tokens the server never
 *   streamed (`hiddenTokens` of them).
 * - `retried`: the request was sent again on a new connection because the
 *   first one provably never reached the server (`attempts` says how many sends).
 */
export type RecordFlag = "not_streamed" | "usage_zero" | "hidden_reasoning" | "retried";

/**
 * One request. Times are milliseconds on the monotonic clock
 * (`performance.now()`, microsecond resolution); in the records file they are
 * written relative to the run's origin (`clock.originMs` in its `run` line).
 */
export interface RequestRecord {
  /** Sequence number within the run. */
  id: number;
  /** Warm-up requests are recorded but never measured. */
  phase: "warmup" | "measure";
  /** Index of the load level (concurrency) in the run. */
  level: number;
  /** Trial index within the level (0-based; -1 for warm-up). */
  trial: number;
  /** Index of the prompt in the workload. */
  promptIndex: number;
  /** When the load pattern meant the request to be sent. */
  scheduledMs: number;
  /**
   * Time the request waited in the client's queue for a free slot (open loop
   * with `maxConcurrency`), ms; part of `sentMs − scheduledMs`.
   */
  queueMs: number;
  /** When splleed handed the request to the HTTP client. */
  sentMs: number;
  /** When the response status line and headers were read. */
  headersMs: number | null;
  /** When the first chunk with non-empty content (or reasoning) was read. */
  firstTokenMs: number | null;
  /** When the response ended (last byte of the stream), or the failure was seen. */
  endMs: number | null;
  /** Read time of every content-bearing chunk, in order (the first equals `firstTokenMs`). */
  chunkMs: number[];
  /** Output tokens generated, or null when unknown (failure before any count). */
  outputTokens: number | null;
  /** Where `outputTokens` came from. */
  outputTokensSource: TokenCountSource | null;
  /** Prompt tokens, when the server reported usage. */
  promptTokens: number | null;
  /** HTTP status, when a response head arrived. */
  status: number | null;
  /** True when the request completed with content and no error. */
  ok: boolean;
  /** Failure reason id and detail, when `ok` is false. */
  error: { reason: FailureReason; message: string } | null;
  /** What a reader of the timings must know (absent when nothing). */
  flags?: RecordFlag[];
  /**
   * Reasoning tokens the server's usage reported
   * (`usage.completion_tokens_details.reasoning_tokens`), included in
   * `outputTokens`; null when not reported.
   */
  reasoningTokens?: number | null;
  /**
   * Tokens the server's usage counted but never streamed (reasoning it kept
   * hidden), included in `outputTokens`; TPOT divides the token chunks' span
   * by `outputTokens − hiddenTokens − 1`. Absent when none.
   */
  hiddenTokens?: number;
  /** How many times the request was sent (absent: once). */
  attempts?: number;
  /**
   * Stream chunks that carried a non-empty `tool_calls` list (a tool call's
   * name or arguments being generated); absent when none.
   */
  toolCalls?: number;
  /**
   * Whether the response's content is the structured output the request
   * asked for (`response_format`, `guided_json`: JSON, valid against the
   * schema when there is one) and, when not, the first problem. Set only for
   * requests that asked for structured output and completed (`ok`); the
   * text itself is not kept.
   */
  structured?: { valid: boolean; error?: string };
}

/**
 * Creates an empty record for a request about to be sent.
 *
 * @param id Sequence number.
 * @param phase Warm-up or measured.
 * @param level Level index.
 * @param trial Trial index (-1 for warm-up).
 * @param promptIndex Prompt index.
 * @param scheduledMs Intended send time.
 * @returns A record with every outcome field empty.
 *
 * @example
 * ```ts
 * import { newRecord } from "./record.ts";
 * import assert from "node:assert/strict";
 *
 * const r = newRecord(0, "measure", 0, 0, 3, 12.5);
 * assert.equal(r.ok, false);
 * assert.equal(r.scheduledMs, 12.5);
 * ```
 */
export function newRecord(
  id: number,
  phase: "warmup" | "measure",
  level: number,
  trial: number,
  promptIndex: number,
  scheduledMs: number,
): RequestRecord {
  return {
    id,
    phase,
    level,
    trial,
    promptIndex,
    scheduledMs,
    queueMs: 0,
    sentMs: scheduledMs,
    headersMs: null,
    firstTokenMs: null,
    endMs: null,
    chunkMs: [],
    outputTokens: null,
    outputTokensSource: null,
    promptTokens: null,
    status: null,
    ok: false,
    error: null,
    reasoningTokens: null,
  };
}

/**
 * Adds a flag to a record (once).
 *
 * @param rec The record.
 * @param flag The flag.
 *
 * @example
 * ```ts
 * import { addFlag, newRecord } from "./record.ts";
 * import assert from "node:assert/strict";
 *
 * const r = newRecord(0, "measure", 0, 0, 0, 0);
 * addFlag(r, "usage_zero");
 * addFlag(r, "usage_zero");
 * assert.deepEqual(r.flags, ["usage_zero"]);
 * ```
 */
export function addFlag(rec: RequestRecord, flag: RecordFlag): void {
  if (rec.flags === undefined) rec.flags = [flag];
  else if (!rec.flags.includes(flag)) rec.flags.push(flag);
}

/**
 * Marks a record failed (keeping the first failure if there already is one).
 * The message is stored redacted (`lib/util/redact.ts`): a server's error
 * body may echo the request's `Authorization` header, and the records file
 * and the results must never hold it.
 *
 * @param rec The record.
 * @param reason Flat reason id (`http_500`, `stream_dropped`, `timeout`, ...).
 * @param message Human-readable detail.
 * @param endMs When the failure was seen.
 *
 * @example
 * ```ts
 * import { failRecord, newRecord } from "./record.ts";
 * import assert from "node:assert/strict";
 *
 * const r = newRecord(0, "measure", 0, 0, 0, 0);
 * failRecord(r, "http_401", 'bad key: {"authorization": "Bearer sk-abcdef123456"}', 3);
 * assert.deepEqual(r.error, { reason: "http_401", message: 'bad key: {"authorization": "[redacted]"}' });
 * ```
 */
export function failRecord(
  rec: RequestRecord,
  reason: FailureReason,
  message: string,
  endMs: number,
): void {
  rec.ok = false;
  if (rec.error === null) rec.error = { reason, message: redact(message) };
  if (rec.endMs === null) rec.endMs = endMs;
}
