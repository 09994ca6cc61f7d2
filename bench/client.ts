/**
 * One measurement of splleed as a client, in its own process (pinned to its
 * own core by `bench/run.ts`): runs `benchmark()` against the harness server
 * and prints one JSON line with CPU, memory, reads and (with `accuracy`) the
 * errors of splleed's timestamps against the server's send times.
 *
 * ```sh
 * deno run -A bench/client.ts '{"endpoint":"http://127.0.0.1:8000","streams":16,"requests":128,"tokens":1024}'
 * ```
 *
 * @module
 */

import process from "node:process";
import { openai } from "../lib/backends/openai.ts";
import { createProgress } from "../lib/cli/progress.ts";
import { createFetchTransport } from "../lib/http/fetch_transport.ts";
import { createHttp1Transport } from "../lib/http/http1_transport.ts";
import type { HttpTransport } from "../lib/http/transport.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import type { LoadDelivered } from "../lib/metrics/load_delivered.ts";
import { quantileSorted, sortedCopy } from "../lib/stats/quantile.ts";
import { createUndiciTransport } from "./_undici_transport.ts";
import { PrometheusObserver } from "../lib/prom/live.ts";

/** What to measure. */
export interface ClientConfig {
  /** Harness server base URL. */
  endpoint: string;
  /** `http1` (default), `fetch` or `undici`. */
  transport?: "http1" | "fetch" | "undici";
  /** API (default completions). */
  api?: "completions" | "chat";
  /** Concurrent streams (closed loop). */
  streams: number;
  /** Measured requests. */
  requests: number;
  /** Tokens per request. */
  tokens: number;
  /** Write per-request records (the default of a real run). */
  records?: boolean;
  /**
   * Run the CLI's live progress display (tty mode, redrawn every 250 ms) into
   * a sink that discards its text: the cost of its events, timer and
   * formatting is paid, not a terminal's.
   */
  progress?: boolean;
  /**
   * Serve live Prometheus metrics (`PrometheusObserver` on a free port) and
   * scrape them every second from this process, as Prometheus would: the
   * exporter's per-record work and its text rendering are both paid.
   */
  prometheus?: boolean;
  /** Join records with the server's truth log. */
  accuracy?: boolean;
  /** Sample RSS while running. */
  memory?: boolean;
  /** Unmeasured requests first (JIT, connections). */
  warmupRequests?: number;
  /** Open loop: Poisson arrivals at this many requests per second (`streams` is then unused). */
  rate?: number;
}

/** What one measurement found. */
export interface ClientResult {
  transport: string;
  wallS: number;
  cpuUs: number;
  tokens: number;
  reads: number;
  completed: number;
  failed: number;
  errors: Record<string, number>;
  cpuUsPerToken: number;
  cpuUsPerRead: number;
  cpuShare: number;
  rssBaseMb?: number;
  rssPeakMb?: number;
  /** With `progress`: how many times the display wrote (redraws, lines). */
  progressWrites?: number;
  /** With `prometheus`: how many scrapes of `/metrics` were served. */
  scrapes?: number;
  /** TTFT and E2E percentiles as splleed reports them, ms. */
  latencyMs: { ttftP50: number; ttftP99: number; e2eP50: number; e2eP99: number };
  /** Open loop: the load-delivered section, and the most streams in flight. */
  load?: LoadDelivered & { peakInFlight: number };
  accuracy?: {
    /** Client TTFT minus the server's (first send − arrival), ms. */
    ttftErrorMs: Summary;
    /** Client gap between token chunks minus the server's gap between their sends, ms. */
    itlErrorMs: Summary;
    /** Client read time of the first token minus its server send time, ms. */
    firstReadDelayMs: Summary;
    /** Client read time of every token minus its server send time, ms. */
    readDelayMs: Summary;
  };
}

/** Percentiles of an error sample. */
export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
  min: number;
}

function summary(values: number[]): Summary {
  const s = sortedCopy(values);
  return {
    n: s.length,
    p50: quantileSorted(s, 0.5),
    p99: quantileSorted(s, 0.99),
    max: s[s.length - 1] ?? NaN,
    min: s[0] ?? NaN,
  };
}

/**
 * Counts socket reads on their way through: body pieces with a new read time
 * (a transport hands over each de-chunked piece of one read with that read's
 * time).
 */
function counting(inner: HttpTransport): HttpTransport & { reads: number } {
  const t = {
    name: inner.name,
    reads: 0,
    close: () => inner.close(),
    send: (req: Parameters<HttpTransport["send"]>[0], h: Parameters<HttpTransport["send"]>[1]) => {
      let last = -1;
      return inner.send(req, {
        onHead: h.onHead,
        onBody: (b, tm) => {
          if (tm !== last) {
            t.reads++;
            last = tm;
          }
          h.onBody(b, tm);
        },
      });
    },
  };
  return t;
}

function makeTransport(name: string): HttpTransport {
  if (name === "fetch") return createFetchTransport();
  if (name === "undici") return createUndiciTransport();
  return createHttp1Transport();
}

/**
 * Runs one measurement.
 *
 * @param c What to measure.
 * @returns The figures.
 */
export async function measure(c: ClientConfig): Promise<ClientResult> {
  const transport = counting(makeTransport(c.transport ?? "http1"));
  const backend = openai({ endpoint: c.endpoint, model: "bench", api: c.api ?? "completions" });
  // One prompt per request when its records are joined with the server's
  // truth (the prompt names the request); otherwise a fixed few, as a real
  // workload has (a prepared request per prompt would otherwise be measured).
  const prompts = Array.from({ length: c.accuracy ? c.requests : 64 }, (_, i) => `r${i}`);
  const dir = await Deno.makeTempDir({ prefix: "splleed-bench-" });
  try {
    // Warm-up: compile the hot paths and open the connections.
    await benchmark({
      backend,
      prompts: ["warm"],
      concurrency: [c.streams],
      warmup: 0,
      runs: c.warmupRequests ?? Math.max(c.streams, 32),
      trials: 1,
      records: false,
      sampling: { maxTokens: Math.min(c.tokens, 64) },
      transport,
    });
    if (c.accuracy) await fetch(`${c.endpoint}/bench/log`).then((r) => r.body?.cancel());
    transport.reads = 0;
    let rssPeak = 0;
    const rssBase = Deno.memoryUsage().rss;
    const sampler = c.memory
      ? setInterval(() => (rssPeak = Math.max(rssPeak, Deno.memoryUsage().rss)), 50)
      : undefined;
    let progressWrites = 0;
    const display = c.progress
      ? createProgress({ err: () => void progressWrites++ }, { mode: "tty" })
      : undefined;
    // finalScrapeTimeoutMs 0: the run's end does not wait for this scraper's next scrape.
    const prom = c.prometheus
      ? new PrometheusObserver({ port: 0, finalScrapeTimeoutMs: 0 })
      : undefined;
    let scrapes = 0;
    const scraper = prom
      ? setInterval(async () => {
        if (prom.url === null) return;
        const r = await fetch(prom.url).catch(() => null);
        if (r !== null && (await r.text()).length > 0) scrapes++;
      }, 1000)
      : undefined;
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    const load = c.rate !== undefined
      ? { mode: "serve" as const, requestRates: [c.rate], seed: 1 }
      : { concurrency: [c.streams] };
    const results = await benchmark({
      backend,
      prompts,
      ...load,
      warmup: 0,
      runs: c.requests,
      trials: 1,
      records: c.records === false ? false : `${dir}/records.jsonl`,
      sampling: { maxTokens: c.tokens },
      transport,
      onEvent: display?.onEvent,
      observers: prom ? [prom] : [],
    });
    display?.stop();
    if (scraper !== undefined) clearInterval(scraper);
    const wallS = (performance.now() - w0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (sampler !== undefined) clearInterval(sampler);
    rssPeak = Math.max(rssPeak, Deno.memoryUsage().rss);
    const t = results.levels[0].trials[0];
    const cpuUs = cpu.user + cpu.system;
    const tokens = t.metrics.output_tokens_total;
    const out: ClientResult = {
      transport: transport.name,
      wallS,
      cpuUs,
      tokens,
      reads: transport.reads,
      completed: t.metrics.requests_completed,
      failed: t.metrics.requests_failed,
      errors: t.errors,
      cpuUsPerToken: cpuUs / Math.max(1, tokens),
      cpuUsPerRead: cpuUs / Math.max(1, transport.reads),
      cpuShare: cpuUs / 1e6 / wallS,
      latencyMs: {
        ttftP50: t.metrics.ttft_p50_ms,
        ttftP99: t.metrics.ttft_p99_ms,
        e2eP50: t.metrics.e2e_p50_ms,
        e2eP99: t.metrics.e2e_p99_ms,
      },
    };
    if (c.progress) out.progressWrites = progressWrites;
    if (c.prometheus) out.scrapes = scrapes;
    if (c.memory) {
      out.rssBaseMb = rssBase / 2 ** 20;
      out.rssPeakMb = rssPeak / 2 ** 20;
    }
    if (c.accuracy) out.accuracy = await joinTruth(c.endpoint, `${dir}/records.jsonl`);
    if (t.load) {
      const inflight = t.timeSeries?.inFlight ?? [0];
      out.load = { ...t.load, peakInFlight: Math.max(...inflight) };
    }
    return out;
  } finally {
    transport.close();
    await Deno.remove(dir, { recursive: true });
  }
}

interface TruthEntry {
  id: string;
  recvNs: string;
  sentNs: string[];
}

const nsToMs = (ns: string) => Number(ns.slice(0, -6)) + Number(ns.slice(-6)) / 1e6;

/** Joins the client's records with the server's send times, by prompt id. */
async function joinTruth(
  endpoint: string,
  recordsPath: string,
): Promise<NonNullable<ClientResult["accuracy"]>> {
  const truth: TruthEntry[] = await (await fetch(`${endpoint}/bench/log`)).json();
  const byId = new Map(truth.map((t) => [t.id, t]));
  const lines = (await Deno.readTextFile(recordsPath)).trim().split("\n");
  const run = JSON.parse(lines[0]);
  const originEpoch: number = run.clock.originEpochMs;
  const ttftErrorMs: number[] = [];
  const itlErrorMs: number[] = [];
  const firstReadDelayMs: number[] = [];
  const readDelayMs: number[] = [];
  for (const line of lines.slice(1)) {
    const r = JSON.parse(line);
    if (!r.ok) continue;
    const tr = byId.get(`r${r.promptIndex}`);
    if (!tr || tr.sentNs.length !== r.chunkMs.length) continue;
    const sent = tr.sentNs.map(nsToMs);
    const chunks: number[] = r.chunkMs.map((c: number) => originEpoch + c);
    const clientTtft = r.firstTokenMs - r.sentMs;
    const serverTtft = sent[0] - nsToMs(tr.recvNs);
    ttftErrorMs.push(clientTtft - serverTtft);
    firstReadDelayMs.push(chunks[0] - sent[0]);
    for (let i = 0; i < chunks.length; i++) readDelayMs.push(chunks[i] - sent[i]);
    for (let i = 1; i < chunks.length; i++) {
      itlErrorMs.push((chunks[i] - chunks[i - 1]) - (sent[i] - sent[i - 1]));
    }
  }
  return {
    ttftErrorMs: summary(ttftErrorMs),
    itlErrorMs: summary(itlErrorMs),
    firstReadDelayMs: summary(firstReadDelayMs),
    readDelayMs: summary(readDelayMs),
  };
}

if (import.meta.main) {
  const config = JSON.parse(Deno.args[0]) as ClientConfig;
  const result = await measure(config);
  console.log(JSON.stringify(result));
}
