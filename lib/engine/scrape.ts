/**
 * One GET of an engine's `/metrics` page, parsed, with every way it can fail
 * (refused, timed out, 404, not Prometheus text) turned into a result rather
 * than an exception, so a sampler beside a run never throws out of it.
 *
 * @module
 */

import { parsePrometheus, type PromFamily } from "./prometheus.ts";

/** Options of {@linkcode scrapeMetrics}. */
export interface ScrapeOptions {
  /** Give up after this long, ms. @default 2000 */
  timeoutMs?: number;
}

/** The outcome of one scrape. */
export type ScrapeResult =
  | { ok: true; families: Map<string, PromFamily> }
  | { ok: false; status: number | null; error: string };

/**
 * GETs a Prometheus `/metrics` page and parses it.
 *
 * @param url The page's URL.
 * @param options Timeout.
 * @returns The families, or why there are none (`status` is the HTTP status
 * when one came back).
 *
 * @example Nothing listens on port 9
 * ```ts
 * import { scrapeMetrics } from "./scrape.ts";
 * import assert from "node:assert/strict";
 *
 * const r = await scrapeMetrics("http://127.0.0.1:9/metrics", { timeoutMs: 500 });
 * assert.equal(r.ok, false);
 * ```
 */
export async function scrapeMetrics(
  url: string,
  options: ScrapeOptions = {},
): Promise<ScrapeResult> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  Deno.unrefTimer(timer);
  // A fresh connection per scrape, closed after it: a kept-alive one would hold one of the
  // engine's few HTTP threads between scrapes (llama.cpp has parallel + 2), and one the
  // engine closed meanwhile fails the next scrape.
  const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
  try {
    const res = await fetch(url, {
      signal: ac.signal,
      client,
      headers: { accept: "text/plain;version=0.0.4" },
    });
    const body = await res.text();
    if (!res.ok) {
      return {
        ok: false,
        status: res.status,
        error: `HTTP ${res.status} ${res.statusText}`.trim(),
      };
    }
    return { ok: true, families: parsePrometheus(body) };
  } catch (err) {
    const msg = ac.signal.aborted
      ? `no answer within ${timeoutMs} ms`
      : err instanceof Error
      ? err.message + (err.cause instanceof Error ? `: ${err.cause.message}` : "")
      : String(err);
    return { ok: false, status: null, error: msg };
  } finally {
    clearTimeout(timer);
    client.close();
  }
}
