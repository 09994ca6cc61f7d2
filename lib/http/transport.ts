/**
 * The small interface between a backend (which speaks an engine's API) and the
 * HTTP client that carries its requests. Backends stream through any
 * {@linkcode HttpTransport}; the client is chosen at run time, and
 * `bench/` measures the candidates against each other.
 *
 * @module
 */

/** One HTTP request to send. */
export interface HttpRequest {
  /** Absolute URL (`http:` or `https:`). */
  url: URL;
  /** Request method. */
  method: "GET" | "POST";
  /** Request header fields (names are sent as given). */
  headers: Record<string, string>;
  /** Request body, already encoded. */
  body?: Uint8Array<ArrayBuffer>;
  /**
   * Aborts the request; the transport then rejects with failure `"aborted"`
   * or `"timeout"` and the abort reason's message (see {@linkcode abortError}).
   */
  signal?: AbortSignal;
}

/**
 * Receives a response as it arrives. Every callback gets `tMs`, the monotonic
 * time (`performance.now()`) taken as soon as the read that delivered the bytes
 * returned, before anything was parsed.
 */
export interface ResponseHandler {
  /** The status line and header fields have been read. */
  onHead(status: number, headers: ReadonlyMap<string, string>, tMs: number): void;
  /**
   * A piece of the (de-chunked) body. `bytes` is only valid during the call:
   * transports reuse their read buffers.
   */
  onBody(bytes: Uint8Array, tMs: number): void;
  /**
   * The request is about to be sent again, on a new connection, because the
   * previous attempt provably never reached the server (writing it failed on
   * a reused connection). A request that may have reached the server is
   * never resent. `attempt` is 2 for the first resend; `tMs` is this
   * attempt's send time.
   */
  onResend?(attempt: number, tMs: number): void;
}

/** Why a request failed below the HTTP status level. */
export type TransportFailure =
  /** Could not connect (refused, DNS, TLS handshake). */
  | "connect"
  /** The connection closed or broke before the response was complete. */
  | "dropped"
  /** The response was not valid HTTP/1.1 (or was TLS on an `http:` URL). */
  | "protocol"
  /** The request's signal was aborted. */
  | "aborted"
  /** The request's signal was aborted with a `TimeoutError` reason. */
  | "timeout";

/**
 * A failure to complete an HTTP exchange, with a machine-readable `failure`.
 *
 * @example
 * ```ts
 * import { TransportError } from "./transport.ts";
 * import assert from "node:assert/strict";
 *
 * const e = new TransportError("dropped", "connection closed after 3 body bytes");
 * assert.equal(e.failure, "dropped");
 * ```
 */
export class TransportError extends Error {
  /** What went wrong. */
  readonly failure: TransportFailure;

  /**
   * @param failure What went wrong.
   * @param message Human-readable detail.
   * @param options Standard error options (`cause`).
   */
  constructor(failure: TransportFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TransportError";
    this.failure = failure;
  }
}

/** An HTTP client that streams response bodies with read-time timestamps. */
export interface HttpTransport {
  /** Short name recorded in results (`"http1"`, `"fetch"`). */
  readonly name: string;
  /**
   * Sends `request` and streams the response into `handler`.
   *
   * @returns The monotonic time at which the last body byte was read.
   * @throws {TransportError} When the exchange cannot be completed.
   */
  send(request: HttpRequest, handler: ResponseHandler): Promise<number>;
  /** Closes idle pooled connections. The transport stays usable. */
  close(): void;
}

/**
 * Maps an aborted signal's reason to the transport failure it stands for.
 *
 * @param signal An aborted signal.
 * @returns `"timeout"` for a `TimeoutError` reason, else `"aborted"`.
 *
 * @example
 * ```ts
 * import { abortFailure } from "./transport.ts";
 * import assert from "node:assert/strict";
 *
 * const c = new AbortController();
 * c.abort(new DOMException("slow", "TimeoutError"));
 * assert.equal(abortFailure(c.signal), "timeout");
 * ```
 */
export function abortFailure(signal: AbortSignal): "timeout" | "aborted" {
  const r = signal.reason;
  return r instanceof DOMException && r.name === "TimeoutError" ? "timeout" : "aborted";
}

/**
 * The error for a request whose signal was aborted: its failure is
 * {@linkcode abortFailure}'s, its message the abort reason's message (the
 * runner aborts with a `TimeoutError` that says which limit was passed), or
 * `fallback` when the reason carries none.
 *
 * @param signal An aborted signal.
 * @param fallback The message when the reason has none (e.g. "request aborted").
 * @param options Standard error options (`cause`).
 * @returns The error to throw.
 *
 * @example
 * ```ts
 * import { abortError } from "./transport.ts";
 * import assert from "node:assert/strict";
 *
 * const c = new AbortController();
 * c.abort(new DOMException("no response head within 30000 ms (first-byte timeout)", "TimeoutError"));
 * const e = abortError(c.signal, "request aborted");
 * assert.equal(e.failure, "timeout");
 * assert.equal(e.message, "no response head within 30000 ms (first-byte timeout)");
 * ```
 */
export function abortError(
  signal: AbortSignal,
  fallback: string,
  options?: ErrorOptions,
): TransportError {
  const r: unknown = signal.reason;
  let message = fallback;
  if (typeof r === "string" && r !== "") message = r;
  else if (typeof r === "object" && r !== null) {
    const m = (r as { message?: unknown }).message;
    if (typeof m === "string" && m !== "") message = m;
  }
  return new TransportError(abortFailure(signal), message, options);
}
