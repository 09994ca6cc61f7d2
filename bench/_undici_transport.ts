/**
 * A candidate transport for the benchmark only: `npm:undici`'s dispatcher
 * API inside Deno (raw `onData` chunks, no web streams). Measured against
 * splleed's own HTTP/1.1 client and `fetch` in scenario 1.
 *
 * @module
 */

import { Agent } from "npm:undici@^7.16.0";
import {
  abortFailure,
  type HttpRequest,
  type HttpTransport,
  type ResponseHandler,
  TransportError,
} from "../lib/http/transport.ts";

/**
 * Creates an undici-based transport (named `"undici"`).
 *
 * @returns The transport.
 */
export function createUndiciTransport(): HttpTransport {
  const agent = new Agent({ connections: null, pipelining: 1, keepAliveTimeout: 60_000 });
  return {
    name: "undici",
    close() {
      agent.close().catch(() => {});
    },
    send(request: HttpRequest, handler: ResponseHandler): Promise<number> {
      return new Promise((resolve, reject) => {
        let status = 0;
        let received = 0;
        const url = request.url;
        agent.dispatch({
          origin: url.origin,
          path: url.pathname + url.search,
          method: request.method,
          headers: request.headers,
          body: request.body,
        }, {
          onConnect(abort: (err?: Error) => void) {
            const signal = request.signal;
            if (!signal) return;
            if (signal.aborted) abort(new Error("aborted"));
            else {signal.addEventListener("abort", () => abort(new Error("aborted")), {
                once: true,
              });}
          },
          onError(err: Error) {
            if (request.signal?.aborted) {
              reject(
                new TransportError(abortFailure(request.signal), "request aborted", { cause: err }),
              );
            } else {
              reject(
                new TransportError(
                  status === 0 && received === 0 ? "connect" : "dropped",
                  err.message,
                  { cause: err },
                ),
              );
            }
          },
          onHeaders(statusCode: number, rawHeaders: Buffer[] | string[] | null) {
            const t = performance.now();
            status = statusCode;
            const h = new Map<string, string>();
            if (rawHeaders) {
              for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
                h.set(String(rawHeaders[i]).toLowerCase(), String(rawHeaders[i + 1]));
              }
            }
            handler.onHead(statusCode, h, t);
            return true;
          },
          onData(chunk: Buffer) {
            const t = performance.now();
            received += chunk.length;
            handler.onBody(chunk, t);
            return true;
          },
          onComplete() {
            resolve(performance.now());
          },
        });
      });
    },
  };
}
