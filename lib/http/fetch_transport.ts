/**
 * An {@linkcode HttpTransport} on the platform `fetch`: every HTTP feature
 * (HTTP/2, proxies from the environment, any TLS setup) at a higher CPU cost
 * per streamed chunk than {@linkcode createHttp1Transport}.
 *
 * @module
 */

import {
  abortError,
  type HttpRequest,
  type HttpTransport,
  type ResponseHandler,
  TransportError,
} from "./transport.ts";

/**
 * Creates a transport that uses `fetch`.
 *
 * @returns The transport (named `"fetch"`).
 *
 * @example
 * ```ts ignore
 * import { createFetchTransport } from "./fetch_transport.ts";
 *
 * const t = createFetchTransport();
 * await t.send({ url: new URL("http://127.0.0.1:8000/health"), method: "GET", headers: {} }, {
 *   onHead(status) { console.log(status); },
 *   onBody() {},
 * });
 * ```
 */
export function createFetchTransport(): HttpTransport {
  return {
    name: "fetch",
    close() {},
    async send(request: HttpRequest, handler: ResponseHandler): Promise<number> {
      let res: Response;
      try {
        res = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          signal: request.signal,
        });
      } catch (err) {
        if (request.signal?.aborted) {
          throw abortError(request.signal, "request aborted", { cause: err });
        }
        throw new TransportError("connect", `cannot reach ${request.url.origin}: ${message(err)}`, {
          cause: err,
        });
      }
      const tHead = performance.now();
      const headers = new Map<string, string>();
      res.headers.forEach((v, k) => headers.set(k, v));
      handler.onHead(res.status, headers, tHead);
      if (!res.body) return tHead;
      const reader = res.body.getReader();
      let bytes = 0;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          const t = performance.now();
          if (done) return t;
          bytes += value.length;
          handler.onBody(value, t);
        }
      } catch (err) {
        if (request.signal?.aborted) {
          throw abortError(request.signal, "request aborted", { cause: err });
        }
        throw new TransportError(
          "dropped",
          `response body broke off after ${bytes} bytes: ${message(err)}`,
          { cause: err },
        );
      } finally {
        reader.releaseLock();
      }
    },
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
