/**
 * Turning failed responses into failure reasons and messages, shared by
 * every protocol reader.
 *
 * @module
 */

import { TransportError } from "../http/transport.ts";

/**
 * The message of an error response body: `error.message`, `message`,
 * `detail` or `error` of a JSON body, else the text (first 300 characters).
 *
 * @param body The response body.
 * @returns The message, or "" for an empty body.
 *
 * @example
 * ```ts
 * import { summarizeErrorBody } from "./_errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(summarizeErrorBody('{"error":{"message":"model not found"}}'), "model not found");
 * assert.equal(summarizeErrorBody("Bad Gateway"), "Bad Gateway");
 * ```
 */
export function summarizeErrorBody(body: string): string {
  const t = body.trim();
  if (t === "") return "";
  try {
    const j = JSON.parse(t);
    const m = j?.error?.message ?? j?.message ?? j?.detail ?? j?.error;
    if (typeof m === "string") return m.slice(0, 300);
  } catch {
    // not JSON
  }
  return t.slice(0, 300);
}

/**
 * The failure reason id and message for a transport error, given what the
 * response had shown (its status and error body) before it.
 *
 * @param err What the transport threw.
 * @param status HTTP status seen (0 when no head arrived).
 * @param errorBody Body of a non-200 response read so far.
 * @returns Reason id (`connect_error`, `stream_dropped`, `timeout`, `http_503`, ...) and message.
 *
 * @example
 * ```ts
 * import { classifyTransportError } from "./_errors.ts";
 * import { TransportError } from "../http/transport.ts";
 * import assert from "node:assert/strict";
 *
 * const e = new TransportError("dropped", "connection reset");
 * assert.equal(classifyTransportError(e, 200, "").reason, "stream_dropped");
 * assert.equal(classifyTransportError(e, 0, "").reason, "connection_closed");
 * ```
 */
export function classifyTransportError(
  err: unknown,
  status: number,
  errorBody: string,
): { reason: string; message: string } {
  let reason = "client_error";
  let message = err instanceof Error ? err.message : String(err);
  if (err instanceof TransportError) {
    switch (err.failure) {
      case "connect":
        reason = "connect_error";
        break;
      case "dropped":
        reason = status === 0 ? "connection_closed" : "stream_dropped";
        break;
      case "timeout":
        reason = "timeout";
        break;
      case "aborted":
        reason = "aborted";
        break;
      case "protocol":
        reason = "protocol_error";
        break;
    }
  }
  if (status !== 0 && status !== 200) {
    reason = `http_${status}`;
    message = summarizeErrorBody(errorBody) || message;
  }
  return { reason, message };
}
