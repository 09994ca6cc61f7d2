/**
 * What every streaming protocol reader shares: the response head, error
 * bodies, the read time of the bytes being parsed, token chunks, and the
 * outcome of the record (HTTP error, server error, invalid, incomplete,
 * empty, or ok with its token count and the count's source).
 *
 * @module
 */

import type { HttpTransport } from "../http/transport.ts";
import { failRecord, type RequestRecord } from "../record/record.ts";
import { classifyTransportError, summarizeErrorBody } from "./_errors.ts";

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
  #status = 0;
  #errorBody = "";
  #errorDecoder: TextDecoder | undefined;

  /** @param rec The record to fill. */
  constructor(rec: RequestRecord) {
    this.rec = rec;
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
   * The response head arrived.
   *
   * @param status HTTP status.
   * @param tMs Read time.
   */
  head(status: number, tMs: number): void {
    this.#status = status;
    this.rec.status = status;
    this.rec.headersMs = tMs;
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
    this.feed(bytes);
  }

  /**
   * The response ended normally; decides the outcome.
   *
   * @param endMs Time of the last read.
   */
  finish(endMs: number): void {
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
    const missing = this.incomplete();
    if (missing !== null) {
      failRecord(rec, "stream_incomplete", missing, endMs);
      return;
    }
    if (rec.chunkMs.length === 0) {
      failRecord(rec, "empty_output", "the response carried no content tokens", endMs);
      return;
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
    failRecord(this.rec, reason, message, endMs);
  }

  /** One token chunk, read at `this.t`. */
  protected token(): void {
    const rec = this.rec;
    if (rec.firstTokenMs === null) rec.firstTokenMs = this.t;
    rec.chunkMs.push(this.t);
  }

  #setTokens(): void {
    const rec = this.rec;
    if (this.reportedTokens !== null) {
      rec.outputTokens = this.reportedTokens;
      rec.outputTokensSource = "usage";
    } else {
      rec.outputTokens = rec.chunkMs.length;
      rec.outputTokensSource = "chunks";
    }
  }
}

/**
 * Sends one streaming POST and lets a recorder fill the request's record:
 * `sentMs` just before sending, then the head, every read and the end (or
 * the failure). Never throws.
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
        onHead: (status, _h, t) => recorder.head(status, t),
        onBody: (bytes, t) => recorder.body(bytes, t),
      },
    );
    recorder.finish(end);
  } catch (err) {
    recorder.fail(err, performance.now());
  }
}
