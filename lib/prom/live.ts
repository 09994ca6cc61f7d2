/**
 * Live Prometheus metrics of a run: a run observer that serves `/metrics`
 * (the Prometheus text format, through `prom-client` and its own registry,
 * never the global one) on `hostname:port` from the run's start to its end.
 *
 * What it exposes (prefix `splleed_`; every series carries `run_id`,
 * `engine`, `model` and the constant labels, e.g. a run's tags):
 *
 * | metric | type | labels | meaning |
 * |---|---|---|---|
 * | `splleed_requests_started_total` | counter | level, trial | requests handed to the HTTP client |
 * | `splleed_requests_completed_total` | counter | level, trial | requests that completed (the results' `requests_completed`) |
 * | `splleed_requests_failed_total` | counter | level, trial, reason | failed requests by reason (`aborted` and `cut_at_end` included; the results count those apart) |
 * | `splleed_output_tokens_total` | counter | level, trial | output tokens of completed requests (the results' `output_tokens_total`) |
 * | `splleed_requests_in_flight` | gauge | level, trial | started − ended |
 * | `splleed_ttft_seconds` | histogram | level, trial | time to first token |
 * | `splleed_itl_seconds` | histogram | level, trial | gaps between token chunks |
 * | `splleed_e2e_seconds` | histogram | level, trial | end-to-end latency |
 * | `splleed_schedule_lag_seconds` | histogram | level, trial | sent − intended send time |
 * | `splleed_level_info` | gauge | level, level_index, mode | 1 while the level runs, 0 after |
 * | `splleed_current_trial` | gauge | level | trial in progress (−1: warm-up) |
 * | `splleed_run_info` | gauge | version | 1 while the run goes |
 *
 * `trial` is the trial index (`0`, `1`, ...) or `warmup`. The latencies use
 * the definitions of `lib/metrics/trial.ts` (TTFT = first token − sent, ITL
 * = gaps between consecutive token chunks, E2E = end − sent; a response not
 * streamed gives no TTFT or ITL), in seconds as Prometheus expects.
 *
 * @module
 */

import { Counter, Gauge, Histogram, Registry } from "npm:prom-client@^15.1.3";
import type { RequestRecord } from "../record/record.ts";
import type { ResultsDocument } from "../results/document.ts";
import { levelLabel } from "../results/level_label.ts";
import type { PlannedLevel } from "../results/plan.ts";
import { VERSION } from "../version.ts";
import { constantLabels } from "./_labels.ts";

/** Histogram buckets for TTFT, ITL and E2E, seconds: 1 ms … 60 s, finer where token gaps fall. */
export const LATENCY_BUCKETS_S: readonly number[] = [
  0.001,
  0.002,
  0.005,
  0.0075,
  0.01,
  0.015,
  0.02,
  0.03,
  0.05,
  0.075,
  0.1,
  0.15,
  0.2,
  0.3,
  0.5,
  0.75,
  1,
  1.5,
  2,
  3,
  5,
  7.5,
  10,
  15,
  20,
  30,
  60,
];

/** Histogram buckets for the schedule lag, seconds: 0.1 ms … 10 s. */
export const LAG_BUCKETS_S: readonly number[] = [
  0.0001,
  0.00025,
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/** Labels every live series carries (a tag must not use these names). */
export const LIVE_LABELS: readonly string[] = [
  "run_id",
  "engine",
  "model",
  "level",
  "level_index",
  "mode",
  "trial",
  "reason",
  "version",
  "le",
  "job",
  "instance",
];

/** Options of {@linkcode PrometheusObserver}. */
export interface PrometheusOptions {
  /** Port to serve `/metrics` on; 0 picks any free port (see `url`). */
  port: number;
  /** Address to listen on. @default "127.0.0.1" */
  hostname?: string;
  /** Extra constant labels on every series, e.g. the run's tags. @default {} */
  labels?: Record<string, string>;
  /**
   * The `run_id` label. @default the run's start time, ISO-8601 (the time the
   *   first request was about to go, not the document's `startedAt`, which is
   *   taken before the engine is connected: pass the same id to `pushSummary`
   *   to join the two)
   */
  runId?: string;
  /**
   * When `/metrics` was scraped twice or more during the run, the run's end waits for one
   * more scrape (at most 1.5 × the longest of the last few intervals between
   * scrapes, and at most this long), so that Prometheus holds the final
   * counts. Once Prometheus scrapes (its requests carry
   * `X-Prometheus-Scrape-Timeout-Seconds`), only its scrapes count.
   * 0: stop serving at once. @default 30000
   */
  finalScrapeTimeoutMs?: number;
}

/** The run's start, as this observer reads it (a `RunStartEvent`). */
export interface PrometheusRunStart {
  /** The engine as connected. */
  backend: { kind: string; model: string };
  /** The run's clock origin. */
  clock: { originEpochMs: number };
}

/** Per-(level, trial) state: plain numbers updated per record, read at scrape time. */
class Series {
  started = 0;
  ended = 0;
  completed = 0;
  outputTokens = 0;
  failed = new Map<string, number>();
  ttft = new Buckets(LATENCY_BUCKETS_S);
  itl = new Buckets(LATENCY_BUCKETS_S);
  e2e = new Buckets(LATENCY_BUCKETS_S);
  lag = new Buckets(LAG_BUCKETS_S);
  constructor(readonly labels: { level: string; trial: string }) {}
}

/** One histogram series: per-bucket counts, sum and count. */
class Buckets {
  counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }
  /** Adds one observation (a linear scan of ~27 bounds: a few ns). */
  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    if (i < b.length) this.counts[i]++;
    this.sum += v;
    this.count++;
  }
}

type Sample = {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
};

/**
 * A prom-client `Histogram` whose series are the observer's own bucket
 * arrays, read when scraped. Why not `histogram.observe()`: it hashes the
 * label set on every call (measured ≈ 0.7 µs per observation with six
 * labels on this project's 2-core CI machine); one request streams hundreds
 * of token gaps, and `onRecord` runs between a closed loop's requests. A
 * bucket scan costs nanoseconds. The registry still formats the output.
 */
class BucketHistogram extends Histogram<string> {
  readonly #read: () => Iterable<[Record<string, string>, Buckets]>;
  readonly #name: string;
  readonly #help: string;
  constructor(
    registry: Registry,
    name: string,
    help: string,
    bounds: readonly number[],
    read: () => Iterable<[Record<string, string>, Buckets]>,
  ) {
    super({
      name,
      help,
      labelNames: ["level", "trial"],
      buckets: [...bounds],
      registers: [registry],
    });
    this.#read = read;
    this.#name = name;
    this.#help = help;
  }

  #data() {
    const values: Sample[] = [];
    for (const [labels, h] of this.#read()) {
      let acc = 0;
      for (let i = 0; i < h.bounds.length; i++) {
        acc += h.counts[i];
        values.push({
          value: acc,
          labels: { ...labels, le: h.bounds[i] },
          metricName: `${this.#name}_bucket`,
        });
      }
      values.push({
        value: h.count,
        labels: { ...labels, le: "+Inf" },
        metricName: `${this.#name}_bucket`,
      });
      values.push({ value: h.sum, labels: { ...labels }, metricName: `${this.#name}_sum` });
      values.push({ value: h.count, labels: { ...labels }, metricName: `${this.#name}_count` });
    }
    return { name: this.#name, help: this.#help, type: "histogram", values, aggregator: "sum" };
  }

  /** The series, as the registry formats them. */
  getForPromString(): Promise<unknown> {
    return Promise.resolve(this.#data());
  }

  /** The series (prom-client's JSON form). */
  // deno-lint-ignore no-explicit-any
  override get(): Promise<any> {
    return Promise.resolve(this.#data());
  }
}

/**
 * Serves a run's live metrics to Prometheus at `http://hostname:port/metrics`
 * while it goes (a run observer: pass it in `benchmark({ observers: [...] })`,
 * or set `prometheus: { port }`). Per finished request it does O(1) work
 * (plus one bucket scan per token gap) on plain numbers; the Prometheus text
 * is built only when scraped. The server starts with the run (or earlier,
 * with {@linkcode PrometheusObserver.listen}) and stops when it ends; it
 * never keeps the process alive.
 *
 * @example Scrape the metrics of a run on the simulated engine
 * ```ts
 * import { PrometheusObserver } from "./live.ts";
 * import { benchmark } from "../runner/benchmark.ts";
 * import assert from "node:assert/strict";
 *
 * const prom = new PrometheusObserver({ port: 0 });
 * let text = "";
 * await benchmark({
 *   backend: { type: "simulator", ttftMs: 2, itlMs: 1 },
 *   prompts: ["hi"], concurrency: [2], warmup: 0, runs: 4, records: false,
 *   sampling: { maxTokens: 3 },
 *   observers: [prom, { onTrialEnd: async () => { text = await (await fetch(prom.url!)).text(); } }],
 * });
 * assert.match(text, /splleed_requests_completed_total\{[^}]*level="c=2"[^}]*\} 4/);
 * assert.equal(prom.url, null); // stopped with the run
 * ```
 */
export class PrometheusObserver {
  /** Name in warnings. */
  readonly name = "prometheus";
  readonly #options: PrometheusOptions;
  readonly #labels: Record<string, string>;
  readonly #registry = new Registry();
  readonly #series = new Map<number, Series>();
  readonly #levelLabels = new Map<number, string>();
  readonly #levels = new Map<number, { label: string; mode: string; on: boolean }>();
  readonly #trialOf = new Map<string, number>();
  #last: Series | null = null;
  #lastKey = -1;
  #server: Deno.HttpServer | null = null;
  #url: string | null = null;
  #scrapes: number[] = [];
  #fromPrometheus = false;
  #onScrape: (() => void) | null = null;
  #running = false;

  /**
   * Checks the options; nothing listens until {@linkcode listen} or the run's start.
   *
   * @param options Port, address and constant labels.
   * @throws {RangeError} When the port is not an integer in 0…65535, or a
   *   label name is invalid or one of splleed's own.
   */
  constructor(options: PrometheusOptions) {
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
      throw new RangeError(
        `Cannot serve Prometheus metrics: the port ('--metrics-port' / 'prometheus.port') must be ` +
          `an integer from 0 to 65535 (0: any free port), got ${options.port}`,
      );
    }
    this.#options = options;
    this.#labels = constantLabels(options.labels, LIVE_LABELS, "prometheus.labels");
    this.#define();
  }

  /** `http://host:port/metrics` while listening, else null. */
  get url(): string | null {
    return this.#url;
  }

  /**
   * Starts serving `/metrics` now (the run's start does it otherwise), so
   * that a port in use fails before the run.
   *
   * @returns The URL.
   * @throws {Error} When the port is in use or cannot be bound; the message
   *   names the address and the option that sets it.
   */
  listen(): string {
    if (this.#url !== null) return this.#url;
    const hostname = this.#options.hostname ?? "127.0.0.1";
    const port = this.#options.port;
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve(
        { hostname, port, onListen: () => {} },
        (req) => this.#handle(req),
      );
    } catch (err) {
      const why = err instanceof Deno.errors.AddrInUse
        ? "it is in use"
        : err instanceof Error
        ? err.message
        : String(err);
      throw new Error(
        `Cannot serve Prometheus metrics on ${hostname}:${port}: ${why}; choose another port ` +
          `with '--metrics-port' (or 'prometheus.port'; 0 picks any free port)`,
      );
    }
    server.unref();
    this.#server = server;
    const host = hostname.includes(":") ? `[${hostname}]` : hostname;
    this.#url = `http://${host}:${server.addr.port}/metrics`;
    return this.#url;
  }

  /**
   * The run starts: its labels are set and `/metrics` is served.
   *
   * @param event The run's engine and clock.
   * @throws {Error} When the port cannot be bound (see {@linkcode listen}).
   */
  onRunStart(event: PrometheusRunStart): void {
    const runId = this.#options.runId ?? new Date(event.clock.originEpochMs).toISOString();
    this.#registry.setDefaultLabels({
      run_id: runId,
      engine: event.backend.kind,
      model: event.backend.model,
      ...this.#labels,
    });
    // an observer used for a second run starts from zero
    this.#series.clear();
    this.#levelLabels.clear();
    this.#levels.clear();
    this.#trialOf.clear();
    this.#last = null;
    this.#lastKey = -1;
    this.#running = true;
    this.listen();
  }

  /**
   * A level begins.
   *
   * @param event The level.
   */
  onLevelStart(event: { level: PlannedLevel }): void {
    const l = event.level;
    const label = levelLabel(l);
    this.#levelLabels.set(l.index, label);
    for (const v of this.#levels.values()) v.on = false;
    this.#levels.set(l.index, { label, mode: l.mode, on: true });
    this.#trialOf.set(label, -1);
  }

  /**
   * A measured trial begins.
   *
   * @param event The level and trial.
   */
  onTrialStart(event: { level: PlannedLevel; trial: number }): void {
    this.#trialOf.set(levelLabel(event.level), event.trial);
  }

  /**
   * A level ended.
   *
   * @param event The level.
   */
  onLevelEnd(event: { level: PlannedLevel }): void {
    const l = this.#levels.get(event.level.index);
    if (l) l.on = false;
  }

  /**
   * A request is about to be sent: one increment (it is on the send path).
   *
   * @param rec Its record.
   */
  onRequestStart(rec: RequestRecord): void {
    this.#seriesOf(rec).started++;
  }

  /**
   * A request ended: counters and histogram buckets, O(1) plus one bucket scan per token gap.
   *
   * @param rec Its record.
   */
  onRecord(rec: RequestRecord): void {
    const s = this.#seriesOf(rec);
    s.ended++;
    if (!rec.ok || rec.endMs === null) {
      const reason = rec.error?.reason ?? "unknown";
      s.failed.set(reason, (s.failed.get(reason) ?? 0) + 1);
      s.lag.observe((rec.sentMs - rec.scheduledMs) / 1000);
      return;
    }
    const first = rec.firstTokenMs;
    const c = rec.chunkMs;
    if (first === null && c.length > 0) {
      // As lib/metrics/trial.ts: a generation without a first token counts as failed.
      s.failed.set("unknown", (s.failed.get("unknown") ?? 0) + 1);
      s.lag.observe((rec.sentMs - rec.scheduledMs) / 1000);
      return;
    }
    s.completed++;
    s.lag.observe((rec.sentMs - rec.scheduledMs) / 1000);
    s.e2e.observe((rec.endMs - rec.sentMs) / 1000);
    if (first === null) return; // an embedding: no tokens out
    s.outputTokens += rec.outputTokens ?? c.length;
    if (rec.flags !== undefined && rec.flags.includes("not_streamed")) return;
    s.ttft.observe((first - rec.sentMs) / 1000);
    const itl = s.itl;
    for (let i = 1; i < c.length; i++) itl.observe((c[i] - c[i - 1]) / 1000);
  }

  /**
   * The run ended: waits for Prometheus' last scrape when it was scraping
   * (see `finalScrapeTimeoutMs`), then stops serving.
   *
   * @param _event The results (unused).
   */
  async onRunEnd(_event?: { results: ResultsDocument }): Promise<void> {
    for (const v of this.#levels.values()) v.on = false;
    this.#running = false;
    await this.#waitForScrape();
    await this.close();
  }

  /** Stops serving (idempotent). */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    this.#url = null;
    if (server !== null) await server.shutdown();
  }

  /** The exposition as a scrape would get it (Prometheus text format 0.0.4). */
  metrics(): Promise<string> {
    return this.#registry.metrics();
  }

  async #handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname;
    if (path !== "/metrics") {
      return new Response("splleed serves /metrics only\n", { status: 404 });
    }
    const body = await this.#registry.metrics();
    // Prometheus says its scrape timeout in this header; other readers (a curl, a test) do not
    // count towards the scrape interval or the final scrape, when Prometheus is scraping.
    const prom = req.headers.has("x-prometheus-scrape-timeout-seconds");
    if (prom && !this.#fromPrometheus) {
      this.#fromPrometheus = true;
      this.#scrapes = [];
    }
    if (prom || !this.#fromPrometheus) {
      this.#scrapes.push(performance.now());
      if (this.#scrapes.length > 4) this.#scrapes.shift();
      this.#onScrape?.();
    }
    return new Response(body, { headers: { "content-type": this.#registry.contentType } });
  }

  async #waitForScrape(): Promise<void> {
    const limit = this.#options.finalScrapeTimeoutMs ?? 30_000;
    const s = this.#scrapes;
    if (limit <= 0 || s.length < 2 || this.#server === null) return;
    let interval = 0;
    for (let i = 1; i < s.length; i++) interval = Math.max(interval, s[i] - s[i - 1]);
    const waitMs = Math.min(limit, 1.5 * interval);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#onScrape = resolve;
      timer = setTimeout(resolve, waitMs);
    });
    clearTimeout(timer);
    this.#onScrape = null;
  }

  #seriesOf(rec: RequestRecord): Series {
    const key = rec.level * 65536 + rec.trial + 1;
    if (key === this.#lastKey && this.#last !== null) return this.#last;
    let s = this.#series.get(key);
    if (s === undefined) {
      const level = this.#levelLabels.get(rec.level) ?? `#${rec.level}`;
      s = new Series({ level, trial: rec.trial < 0 ? "warmup" : String(rec.trial) });
      this.#series.set(key, s);
    }
    this.#last = s;
    this.#lastKey = key;
    return s;
  }

  /** Declares the metrics; their values are read from the series when scraped. */
  #define(): void {
    const r = this.#registry;
    const all = () => this.#series.values();
    const counter = (name: string, help: string, value: (s: Series) => number) =>
      new Counter({
        name,
        help,
        labelNames: ["level", "trial"],
        registers: [r],
        collect() {
          this.reset();
          for (const s of all()) this.inc(s.labels, value(s));
        },
      });
    counter(
      "splleed_requests_started_total",
      "Requests handed to the HTTP client.",
      (s) => s.started,
    );
    counter(
      "splleed_requests_completed_total",
      "Requests that completed (the results' requests_completed).",
      (s) => s.completed,
    );
    counter(
      "splleed_output_tokens_total",
      "Output tokens of completed requests (the results' output_tokens_total).",
      (s) => s.outputTokens,
    );
    new Counter({
      name: "splleed_requests_failed_total",
      help: "Failed requests by reason (aborted and cut_at_end included).",
      labelNames: ["level", "trial", "reason"],
      registers: [r],
      collect() {
        this.reset();
        for (const s of all()) {
          for (const [reason, n] of s.failed) this.inc({ ...s.labels, reason }, n);
        }
      },
    });
    new Gauge({
      name: "splleed_requests_in_flight",
      help: "Requests sent and not yet ended.",
      labelNames: ["level", "trial"],
      registers: [r],
      collect() {
        this.reset();
        for (const s of all()) this.set(s.labels, s.started - s.ended);
      },
    });
    const hist = (
      name: string,
      help: string,
      bounds: readonly number[],
      pick: (s: Series) => Buckets,
    ) =>
      new BucketHistogram(r, name, help, bounds, function* () {
        for (const s of all()) yield [s.labels, pick(s)] as [Record<string, string>, Buckets];
      });
    hist("splleed_ttft_seconds", "Time to first token, seconds.", LATENCY_BUCKETS_S, (s) => s.ttft);
    hist(
      "splleed_itl_seconds",
      "Gaps between consecutive token chunks, seconds.",
      LATENCY_BUCKETS_S,
      (s) => s.itl,
    );
    hist(
      "splleed_e2e_seconds",
      "End-to-end latency of completed requests, seconds.",
      LATENCY_BUCKETS_S,
      (s) => s.e2e,
    );
    hist(
      "splleed_schedule_lag_seconds",
      "Send time minus intended send time, seconds.",
      LAG_BUCKETS_S,
      (s) => s.lag,
    );
    const levels = this.#levels;
    new Gauge({
      name: "splleed_level_info",
      help: "1 while the level runs, 0 after.",
      labelNames: ["level", "level_index", "mode"],
      registers: [r],
      collect() {
        this.reset();
        for (const [i, l] of levels) {
          this.set({ level: l.label, level_index: String(i), mode: l.mode }, l.on ? 1 : 0);
        }
      },
    });
    const trials = this.#trialOf;
    new Gauge({
      name: "splleed_current_trial",
      help: "Trial in progress per level (-1: warm-up).",
      labelNames: ["level"],
      registers: [r],
      collect() {
        this.reset();
        for (const [level, t] of trials) this.set({ level }, t);
      },
    });
    const running = () => this.#running;
    new Gauge({
      name: "splleed_run_info",
      help: "1 while the run goes, 0 after.",
      labelNames: ["version"],
      registers: [r],
      collect() {
        this.set({ version: VERSION }, running() ? 1 : 0);
      },
    });
  }
}
