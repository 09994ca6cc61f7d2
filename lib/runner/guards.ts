/**
 * The run's guards: an observer that ends a run which can only go on
 * failing, keeping everything measured so far.
 *
 * - **The server went away.** A request refused a connection
 *   (`connection_refused`) after the session had connected: nothing listens
 *   at the endpoint any more. The run ends as it does when a managed engine
 *   dies (`server_exit`), instead of recording hundreds of refusals.
 * - **Every request is rejected the same way.** When the first
 *   {@linkcode REJECTED_AFTER} requests to finish (warm-up included) all
 *   failed with the same HTTP status that retrying will not change (401,
 *   403, 404, 400 with the same message, ...), the run ends (`rejected`)
 *   with the server's message.
 *
 * @module
 */

import type { RequestRecord } from "../record/record.ts";
import type { RunObserver } from "./observer.ts";
import type { InterruptionCause } from "./session.ts";

/** How many first requests must fail alike before the run is ended as rejected. */
export const REJECTED_AFTER = 5;

/**
 * Statuses that say the same request will fail again: the client's request
 * is wrong (400, 413, 422), unauthorised (401, 403), or aimed at what is not
 * there (404, 405, 410), or the server cannot do it (501, 505). Not 408, 409,
 * 425 or 429: those can change.
 */
const PERMANENT = new Set([
  400,
  401,
  402,
  403,
  404,
  405,
  406,
  410,
  411,
  413,
  414,
  415,
  422,
  501,
  505,
]);

/**
 * Whether a failure reason is an HTTP status that retrying will not change.
 *
 * @param reason A failure reason id (`http_404`, `timeout`, ...).
 * @returns True for `http_401`, `http_404`, ...; false for `http_429`, `http_503` and non-HTTP reasons.
 *
 * @example
 * ```ts
 * import { isPermanentRejection } from "./guards.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isPermanentRejection("http_404"), true);
 * assert.equal(isPermanentRejection("http_429"), false);
 * assert.equal(isPermanentRejection("timeout"), false);
 * ```
 */
export function isPermanentRejection(reason: string): boolean {
  const m = /^http_(\d{3})$/.exec(reason);
  return m !== null && PERMANENT.has(Number(m[1]));
}

/**
 * Ends a run that can only go on failing (see the module documentation).
 *
 * @example The first five requests all get a 401
 * ```ts
 * import { RunGuard } from "./guards.ts";
 * import { failRecord, newRecord } from "../record/record.ts";
 * import assert from "node:assert/strict";
 *
 * let ended = "";
 * const guard = new RunGuard("http://h:8000", (cause, why) => (ended = `${cause}: ${why.message}`));
 * for (let i = 0; i < 5; i++) {
 *   const r = newRecord(i, "warmup", 0, -1, 0, 0);
 *   r.status = 401;
 *   failRecord(r, "http_401", "invalid API key", 1);
 *   guard.onRecord(r);
 * }
 * assert.match(ended, /^rejected: the first 5 requests were all rejected with HTTP 401/);
 * ```
 */
export class RunGuard implements RunObserver {
  /** Name in warnings. */
  readonly name = "run guard";
  #endpoint: string;
  #end: (cause: InterruptionCause, why: Error) => void;
  #seen = 0;
  #completed = 0;
  #first: { reason: string; message: string } | null = null;
  #alike = true;
  #ended = false;

  /**
   * @param endpoint The server's base URL (for the messages).
   * @param end Ends the run (the session's `end`).
   */
  constructor(endpoint: string, end: (cause: InterruptionCause, why: Error) => void) {
    this.#endpoint = endpoint;
    this.#end = end;
  }

  /** @param rec A finished request. */
  onRecord(rec: RequestRecord): void {
    if (this.#ended) return;
    if (rec.ok) this.#completed++;
    const e = rec.error;
    if (!rec.ok && e !== null && e.reason === "connection_refused") {
      this.#stop(
        "server_exit",
        `the server at ${this.#endpoint} stopped accepting connections (connection refused) ` +
          `after ${this.#completed} completed request${this.#completed === 1 ? "" : "s"}: ` +
          `it exited or was stopped; what was measured before is kept (${e.message})`,
      );
      return;
    }
    if (this.#seen >= REJECTED_AFTER || !this.#alike) return;
    this.#seen++;
    if (rec.ok || e === null || !isPermanentRejection(e.reason)) {
      this.#alike = false;
      return;
    }
    if (this.#first === null) this.#first = e;
    else if (e.reason !== this.#first.reason || e.message !== this.#first.message) {
      this.#alike = false;
      return;
    }
    if (this.#seen === REJECTED_AFTER) {
      const status = e.reason.slice(5);
      this.#stop(
        "rejected",
        `the first ${REJECTED_AFTER} requests were all rejected with HTTP ${status} ` +
          `(${JSON.stringify(e.message)}); retrying will not change that, so the run stopped: ` +
          "check the model, the path and the key",
      );
    }
  }

  #stop(cause: InterruptionCause, message: string): void {
    this.#ended = true;
    this.#end(cause, new Error(message));
  }
}
