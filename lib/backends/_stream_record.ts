/**
 * What every streaming protocol reader shares: the response head, error
 * bodies, the read time of the bytes being parsed, token chunks, and the
 * outcome of the record (HTTP error, server error, invalid, incomplete,
 * empty, or ok with its token count and the count's source).
 *
 * Stream shapes that would make a timing lie are flagged on the record
 * ({@linkcode RequestRecord.flags}):
 *
 * - **Not streamed.** When every token chunk (two or more) arrived in one
 *   read, or the response to a stream request is not `text/event-stream`,
 *   the server (or a proxy in front of it) buffered the output: the record
 *   is flagged `not_streamed`. Such a request stays **ok** when its stream is
 *   complete: it was served, its E2E and token count are right, so it counts
 *   in throughput and E2E; its TTFT, ITL and TPOT do not time generation
 *   (the chunk times are real read times, all equal), so statistics of those
 *   must leave flagged records out. A body that is not an SSE
 *   stream and ends without an end marker (a plain JSON completion from a
 *   server that ignores `stream: true`) is a **failure** with reason
 *   `not_streamed` and a message that says "the server did not stream".
 * - **Usage 0 with content.** A usage count of 0 for a stream that carried
 *   token chunks is not believed: the count is the chunk count
 *   (`outputTokensSource: "chunks"`), flagged `usage_zero`.
 * - **Hidden reasoning.** When usage counts reasoning tokens
 *   (`reasoningTokens`) and no reasoning was streamed, those tokens were
 *   generated but never sent: `hiddenTokens` says how many (flag
 *   `hidden_reasoning`); they stay in `outputTokens` (they were generated)
 *   and TPOT divides by the streamed ones.
 * - **Retried.** A request resent on a new connection because the first
 *   provably never reached the server: `attempts`, flag `retried`, and
 *   `sentMs` is the last attempt's send.
 *
 * What the response says besides its timings: the tool-call chunks a reader
 * counted (`toolCalls`), and, for a request that asked for structured output
 * (a `check`) and completed, whether the text the reader kept is valid
 * (`structured`; see `_structured.ts`).
 *
 * @module
 */

import type { HttpTransport } from "../http/transport.ts";
import { addFlag, failRecord, type RequestRecord } from "../record/record.ts";
import { classifyTransportError, summarizeErrorBody } from "./_errors.ts";
import { type StructuredCheck, validatorLoading } from "./_structured.ts";

/**
 * A reader that turns one streamed response into a record. Subclasses parse
 * their protocol in {@linkcode StreamRecorder.feed} and call
 * {@linkcode StreamRecorder.token} for each token chunk.
 */
export abstract class StreamRecorder {
  /** The record being filled. */
  protected readonly rec: RequestRecord;
  /** Read time of the bytes being parsed. */
  protected t = 0;
  /** The server's own output token count, when it reported one. */
  protected reportedTokens: number | null = null;
  /** The first error the stream itself carried. */
  protected serverError: string | null = null;
  /** The first malformed event. */
  protected invalid: string | null = null;
  /** Reasoning tokens the server's usage reported. */
  protected reportedReasoning: number | null = null;
  /** Whether any reasoning output was streamed. */
  protected streamedReasoning = false;
  /** Chunks that carried a tool call (set on the record when any). */
  protected toolCalls = 0;
  /** The check of the request's structured output; undefined: no text is kept. */
  protected readonly check: StructuredCheck | undefined;
  /** The response's text so far (kept by the reader only when there is a check). */
  protected text = "";
  /** The stream ended while the validator was loading: checked in {@linkcode StreamRecorder.settled}. */
  #pendingCheck = false;
  #status = 0;
  /** The response's content type, when the head had one. */
  #contentType: string | null = null;
  /** Reads of a 200 body so far, and the reads that held the first and last token chunk. */
  #reads = 0;
  #firstRead = -1;
  #lastRead = -1;
  /** The first bytes of a 200 body (for the message when it is not a stream). */
  #start: Uint8Array | null = null;
  #errorBody = "";
  #errorDecoder: TextDecoder | undefined;

  /**
   * @param rec The record to fill.
   * @param check The check of the request's structured output (`PreparedRequest.check`), if it asked for one.
   */
  constructor(rec: RequestRecord, check?: StructuredCheck) {
    this.rec = rec;
    this.check = check;
  }

  /** Parses body bytes of a 200 response (`this.t` is their read time). */
  protected abstract feed(bytes: Uint8Array): void;

  /** Why the stream is incomplete (no end marker), or null when it ended properly. */
  protected abstract incomplete(): string | null;

  /**
   * The request is being sent now.
   *
   * @param tMs Send time.
   */
  sent(tMs: number): void {
    this.rec.sentMs = tMs;
  }

  /**
   * The request is being sent again on a new connection (the previous
   * attempt provably never reached the server): its time is its own.
   *
   * @param attempt The attempt's number (2 for the first resend).
   * @param tMs Send time of this attempt.
   */
  resent(attempt: number, tMs: number): void {
    this.rec.sentMs = tMs;
    this.rec.attempts = attempt;
    addFlag(this.rec, "retried");
  }

  /**
   * The response head arrived.
   *
   * @param status HTTP status.
   * @param tMs Read time.
   * @param contentType The `content-type` header, when known.
   */
  head(status: number, tMs: number, contentType?: string): void {
    this.#status = status;
    this.rec.status = status;
    this.rec.headersMs = tMs;
    if (contentType !== undefined) this.#contentType = contentType;
  }

  /**
   * Body bytes arrived.
   *
   * @param bytes The bytes (valid only during the call).
   * @param tMs Read time, taken before any parsing.
   */
  body(bytes: Uint8Array, tMs: number): void {
    if (this.#status !== 200) {
      if (this.#errorBody.length < 1000) {
        this.#errorDecoder ??= new TextDecoder();
        this.#errorBody += this.#errorDecoder.decode(bytes, { stream: true });
      }
      return;
    }
    this.t = tMs;
    this.#reads++;
    if (this.#start === null) this.#start = bytes.slice(0, 200);
    this.feed(bytes);
  }

  /**
   * The response ended normally; decides the outcome, then sets `toolCalls`
   * and, for a completed request with a check, `structured`.
   *
   * @param endMs Time of the last read.
   */
  finish(endMs: number): void {
    this.#outcome(endMs);
    const rec = this.rec;
    if (this.toolCalls > 0) rec.toolCalls = this.toolCalls;
    if (this.check !== undefined && rec.ok) {
      if (validatorLoading() === null) rec.structured = this.check(this.text);
      else this.#pendingCheck = true;
    }
  }

  /**
   * Resolves when the record is complete: at once, unless the stream ended
   * while the schema validator was still loading (the first responses of a
   * run, at most), when it waits for the load and then checks.
   *
   * @returns A promise that settles once `structured` is set, or undefined when nothing is pending.
   */
  settled(): Promise<void> | undefined {
    if (!this.#pendingCheck) return undefined;
    this.#pendingCheck = false;
    return (validatorLoading() ?? Promise.resolve()).then(() => {
      this.rec.structured = this.check!(this.text);
    });
  }

  #outcome(endMs: number): void {
    const rec = this.rec;
    rec.endMs = endMs;
    if (this.#status !== 200) {
      const msg = summarizeErrorBody(this.#errorBody) || `HTTP ${this.#status}`;
      failRecord(rec, `http_${this.#status}`, msg, endMs);
      return;
    }
    if (this.serverError !== null) {
      failRecord(rec, "server_error", this.serverError, endMs);
      return;
    }
    if (this.invalid !== null) {
      failRecord(rec, "invalid_response", this.invalid, endMs);
      return;
    }
    const notSse = this.#contentType !== null &&
      !this.#contentType.toLowerCase().includes("text/event-stream");
    if (notSse) addFlag(rec, "not_streamed");
    const missing = this.incomplete();
    if (missing !== null) {
      const body = this.#start === null ? "" : new TextDecoder().decode(this.#start).trim();
      if (notSse || (rec.chunkMs.length === 0 && (body[0] === "{" || body[0] === "["))) {
        addFlag(rec, "not_streamed");
        failRecord(
          rec,
          "not_streamed",
          `the server did not stream: it answered the stream request with ${
            this.#contentType === null ? "a body" : `a '${this.#contentType}' body`
          } that is not a server-sent event stream (a server that ignores 'stream: true', ` +
            `or a proxy that buffers): ${JSON.stringify(body.slice(0, 120))}`,
          endMs,
        );
        return;
      }
      failRecord(rec, "stream_incomplete", missing, endMs);
      return;
    }
    if (rec.chunkMs.length === 0) {
      failRecord(rec, "empty_output", "the response carried no content tokens", endMs);
      return;
    }
    if (rec.chunkMs.length > 1 && this.#firstRead === this.#lastRead) {
      addFlag(rec, "not_streamed");
    }
    this.#setTokens();
    rec.ok = true;
  }

  /**
   * The transport failed; records why, keeping what was measured before.
   *
   * @param err The error.
   * @param endMs When it was seen.
   */
  fail(err: unknown, endMs: number): void {
    const { reason, message } = classifyTransportError(err, this.#status, this.#errorBody);
    if (this.rec.chunkMs.length > 0) this.#setTokens();
    if (this.toolCalls > 0) this.rec.toolCalls = this.toolCalls;
    failRecord(this.rec, reason, message, endMs);
  }

  /** One token chunk, read at `this.t`. */
  protected token(): void {
    const rec = this.rec;
    if (rec.firstTokenMs === null) {
      rec.firstTokenMs = this.t;
      this.#firstRead = this.#reads;
    }
    this.#lastRead = this.#reads;
    rec.chunkMs.push(this.t);
  }

  #setTokens(): void {
    const rec = this.rec;
    const chunks = rec.chunkMs.length;
    rec.reasoningTokens = this.reportedReasoning;
    if (this.reportedTokens !== null && this.reportedTokens > 0) {
      rec.outputTokens = this.reportedTokens;
      rec.outputTokensSource = "usage";
      const reasoning = this.reportedReasoning ?? 0;
      if (reasoning > 0 && !this.streamedReasoning) {
        // Generated, counted, never sent; at most what the chunks leave unexplained.
        const hidden = Math.min(reasoning, this.reportedTokens - chunks);
        if (hidden > 0) {
          rec.hiddenTokens = hidden;
          addFlag(rec, "hidden_reasoning");
        }
      }
    } else {
      if (this.reportedTokens === 0 && chunks > 0) addFlag(rec, "usage_zero");
      rec.outputTokens = chunks;
      rec.outputTokensSource = "chunks";
    }
  }
}

/**
 * Sends one streaming POST and lets a recorder fill the request's record:
 * `sentMs` just before sending, then the head, every read and the end (or
 * the failure); with a check, until the record's `structured` is set
 * ({@linkcode StreamRecorder.settled}). Never throws.
 *
 * @param transport The HTTP client.
 * @param url Request URL.
 * @param headers Request headers.
 * @param body Encoded body.
 * @param signal Aborts the request.
 * @param recorder The protocol's reader, made for the record.
 * @returns When the record is complete.
 *
 * @example
 * ```ts ignore
 * await sendStreaming(transport, url, headers, body, signal, new StreamReader(rec));
 * ```
 */
export async function sendStreaming(
  transport: HttpTransport,
  url: URL,
  headers: Record<string, string>,
  body: Uint8Array<ArrayBuffer>,
  signal: AbortSignal,
  recorder: StreamRecorder,
): Promise<void> {
  recorder.sent(performance.now());
  try {
    const end = await transport.send(
      { url, method: "POST", headers, body, signal },
      {
        onHead: (status, h, t) => recorder.head(status, t, h.get("content-type")),
        onBody: (bytes, t) => recorder.body(bytes, t),
        onResend: (attempt, t) => recorder.resent(attempt, t),
      },
    );
    recorder.finish(end);
  } catch (err) {
    recorder.fail(err, performance.now());
  }
  const pending = recorder.settled();
  if (pending !== undefined) await pending;
}
