/**
 * Small HTTP helpers backends share: endpoint normalisation and JSON GETs
 * through any transport.
 *
 * @module
 */

import type { HttpTransport } from "../http/transport.ts";
import { concatBytes } from "../util/bytes.ts";
import { redact } from "../util/redact.ts";

const decoder = new TextDecoder();

/**
 * Normalises a base URL: no trailing slash and no trailing `/v1` (added back
 * per request), so `http://h:8000`, `http://h:8000/` and `http://h:8000/v1`
 * are the same server.
 *
 * @param endpoint A URL.
 * @returns The base URL.
 *
 * @example
 * ```ts
 * import { normalizeEndpoint } from "./_http.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(normalizeEndpoint("http://localhost:8000/v1/"), "http://localhost:8000");
 * ```
 */
export function normalizeEndpoint(endpoint: string): string {
  let e = endpoint.trim();
  while (e.endsWith("/")) e = e.slice(0, -1);
  if (e.endsWith("/v1")) e = e.slice(0, -3);
  return e;
}

/** Result of {@linkcode getJson}. */
export interface JsonResponse {
  /** HTTP status. */
  status: number;
  /** Parsed body, or undefined when it was not JSON. */
  json: unknown;
  /** Body text (first 2,000 characters), redacted: an error body may echo the key. */
  text: string;
}

/**
 * GETs a URL and parses the body as JSON. The text returned is redacted
 * (`lib/util/redact.ts`), for messages; the parsed JSON is not (the results
 * document is redacted as a whole when written).
 *
 * @param transport The HTTP client.
 * @param url Absolute URL.
 * @param headers Request headers.
 * @param timeoutMs Gives up after this long.
 * @returns Status, parsed JSON (if any) and text.
 * @throws {import("../http/transport.ts").TransportError} When the server cannot be reached.
 *
 * @example
 * ```ts
 * import { getJson } from "./_http.ts";
 * import { createHttp1Transport } from "../http/http1_transport.ts";
 * import assert from "node:assert/strict";
 *
 * const server = Deno.serve({ port: 0, onListen() {} }, () => Response.json({ ok: true }));
 * const t = createHttp1Transport();
 * const r = await getJson(t, `http://127.0.0.1:${server.addr.port}/health`, {});
 * assert.deepEqual(r.json, { ok: true });
 * t.close();
 * await server.shutdown();
 * ```
 */
export async function getJson(
  transport: HttpTransport,
  url: string,
  headers: Record<string, string>,
  timeoutMs = 10_000,
): Promise<JsonResponse> {
  let status = 0;
  const parts: Uint8Array[] = [];
  await transport.send({
    url: new URL(url),
    method: "GET",
    headers: { Accept: "application/json", ...headers },
    signal: AbortSignal.timeout(timeoutMs),
  }, {
    onHead(s) {
      status = s;
    },
    onBody(bytes) {
      parts.push(bytes.slice());
    },
  });
  const text = decoder.decode(concatBytes(parts));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, json, text: redact(text.slice(0, 2000)) };
}
