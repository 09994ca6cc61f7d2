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

/** A failure of this machine's resources, with what to do about it. */
interface LocalFailure {
  /** errno name (`EMFILE`), as Deno gives it in an error's `code`. */
  code: string;
  /** Linux errno. */
  errno: number;
  /** What ran out. */
  what: string;
  /** What to do. */
  fix: string;
}

const LOCAL_FAILURES: LocalFailure[] = [
  {
    code: "EMFILE",
    errno: 24,
    what: "too many open files (the per-process limit)",
    fix: "raise the limit with `ulimit -n 65536` or lower the concurrency",
  },
  {
    code: "ENFILE",
    errno: 23,
    what: "too many open files on this machine (the system-wide limit)",
    fix: "raise it (sysctl fs.file-max) or lower the concurrency",
  },
  {
    code: "EADDRNOTAVAIL",
    errno: 99,
    what: "no local port left to connect from (Cannot assign requested address)",
    fix: "connections closed recently still hold their ports (TIME_WAIT): lower the concurrency, " +
      "let the server keep connections alive, or widen sysctl net.ipv4.ip_local_port_range",
  },
  {
    code: "ENOMEM",
    errno: 12,
    what: "out of memory on this machine",
    fix: "lower the concurrency or free memory",
  },
  {
    code: "ENOBUFS",
    errno: 105,
    what: "no socket buffer space left on this machine",
    fix: "lower the concurrency or raise the socket memory limits (sysctl net.core.wmem_max, " +
      "net.ipv4.tcp_mem)",
  },
];

/**
 * The errors an error stands for: itself and its chain of causes (a few deep).
 */
function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 6; depth++) {
    out.push(e);
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

/** The `code` of an error (Deno sets it to the errno name), and its message. */
function codeAndMessage(e: unknown): [string, string] {
  if (typeof e !== "object" || e === null) return ["", String(e)];
  const code = (e as { code?: unknown }).code;
  const message = (e as { message?: unknown }).message;
  return [typeof code === "string" ? code : "", typeof message === "string" ? message : ""];
}

/** Whether an error in the chain has errno `code`/`errno` (by code or "(os error N)"). */
function has(errs: unknown[], code: string, errno: number): boolean {
  const os = `(os error ${errno})`;
  return errs.some((e) => {
    const [c, m] = codeAndMessage(e);
    return c === code || m.includes(os);
  });
}

/**
 * The failure reason id and message for a transport error, given what the
 * response had shown (its status and error body) before it.
 *
 * The reason ids:
 *
 * - `http_<status>`: the server answered with a status other than 200; the
 *   message is the one in its error body (see {@linkcode summarizeErrorBody}).
 * - `client_error`: splleed's side failed, not the server: this machine ran
 *   out of open files (EMFILE, os error 24; ENFILE, 23), of local ports
 *   (EADDRNOTAVAIL, 99), of memory (ENOMEM, 12) or of socket buffers
 *   (ENOBUFS, 105), found in the error or its causes. The message says so
 *   and what to do (`ulimit -n 65536`, lower the concurrency, ...). Also
 *   anything thrown that is not a {@linkcode TransportError}.
 * - `connection_refused`: nothing listens at the address (ECONNREFUSED, os
 *   error 111); the message names it. The runner ends a run that gets one
 *   after it had connected (the server went away).
 * - `connect_error`: no connection could be made for another reason (DNS,
 *   TLS handshake, unreachable host).
 * - `connection_closed`: the connection closed or broke before any response
 *   head.
 * - `stream_dropped`: it closed or broke after the head, inside the body.
 * - `timeout`: the request's signal was aborted with a `TimeoutError` (the
 *   message is the abort reason's: which limit was passed).
 * - `aborted`: the request's signal was aborted for another reason (the run
 *   was stopped).
 * - `protocol_error`: the response was not valid HTTP/1.1 (or was TLS on an
 *   `http://` endpoint).
 *
 * @param err What the transport threw.
 * @param status HTTP status seen (0 when no head arrived).
 * @param errorBody Body of a non-200 response read so far.
 * @returns Reason id and message.
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
 *
 * const emfile = Object.assign(new Error("Too many open files (os error 24)"), { code: "EMFILE" });
 * const c = new TransportError("connect", "cannot connect to 127.0.0.1:8000: " + emfile.message, {
 *   cause: emfile,
 * });
 * assert.equal(classifyTransportError(c, 0, "").reason, "client_error");
 * assert.match(classifyTransportError(c, 0, "").message, /ulimit -n/);
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
    if (err.failure === "connect" || err.failure === "dropped") {
      const errs = chain(err);
      const local = LOCAL_FAILURES.find((f) => has(errs, f.code, f.errno));
      if (local !== undefined) {
        reason = "client_error";
        message = `${local.what} (os error ${local.errno}): splleed's side, not the server's; ` +
          `${local.fix} [${err.message}]`;
      } else if (
        err.failure === "connect" &&
        (errs.some((e) => e instanceof Deno.errors.ConnectionRefused) ||
          has(errs, "ECONNREFUSED", 111))
      ) {
        reason = "connection_refused";
        message = `${err.message}: nothing listens there (the server is down, not started yet, ` +
          "or on another port)";
      }
    }
  }
  if (status !== 0 && status !== 200) {
    reason = `http_${status}`;
    message = summarizeErrorBody(errorBody) || message;
  }
  return { reason, message };
}
