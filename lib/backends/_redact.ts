/**
 * Keeping secrets out of results and logs.
 *
 * @module
 */

/** What a redacted value is replaced with. */
export const REDACTED = "[redacted]";

const SECRET_NAME = /auth|key|token|secret|password|cookie|credential/i;

/**
 * Redacts header values whose names look secret (`Authorization`, `X-Api-Key`, ...).
 *
 * @param headers Header fields.
 * @returns A copy with secret values replaced by `[redacted]`.
 *
 * @example
 * ```ts
 * import { redactHeaders } from "./_redact.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(redactHeaders({ Authorization: "Bearer x", "X-Trace": "1" }), {
 *   Authorization: "[redacted]",
 *   "X-Trace": "1",
 * });
 * ```
 */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = SECRET_NAME.test(k) ? REDACTED : v;
  return out;
}
