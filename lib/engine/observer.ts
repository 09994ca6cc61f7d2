/**
 * {@linkcode EngineMetricsObserver}: scrapes the engine's Prometheus
 * `/metrics` beside a run (on a timer, never on the request path), adds the
 * `engine_*` figures to each trial's metrics and keeps the time series in
 * the results' `telemetry.engine`.
 *
 * The observer is a structural `RunObserver` (lib/runner/observer.ts): this
 * folder sits below runner/ and results/, so the event and document shapes
 * it reads are declared here, as the subset it needs.
 *
 * @module
 */

import {
  detectEngine,
  ENGINE_METRIC_NAMES,
  type EngineMetricNames,
  type EngineReading,
  readEngine,
} from "./engines.ts";
import { scrapeMetrics } from "./scrape.ts";
import { type EngineSample, summarizeEngineTrial } from "./summary.ts";

/** Options of {@linkcode EngineMetricsObserver}. */
export interface EngineMetricsOptions {
  /** The metrics page's full URL. @default the backend's endpoint + `path` */
  url?: string;
  /** Path of the metrics page on the backend's endpoint (when `url` is absent). @default "/metrics" */
  path: string;
  /** Time between scrapes, ms. @default 1000 */
  intervalMs: number;
}

/** One time series (the shape of the results document's `TelemetrySeries`). */
export interface EngineSeries {
  /** Series id (`engine_running`, `engine_waiting`, `engine_kv_usage_pct`, ...). */
  name: string;
  /** Unit of the values. */
  unit: string;
  /** The metrics page's URL. */
  source?: string;
  /** Sample times, ms from the run's origin. */
  tMs: number[];
  /** Values (null where a scrape failed). */
  values: (number | null)[];
}

/** What the observer writes to `telemetry.engine` (the document's `TelemetrySource`). */
export interface EngineTelemetry {
  /** Whether metrics were collected. */
  available: boolean;
  /** Why not, or what a reader must know. */
  note?: string;
  /** Time between scrapes, ms. */
  intervalMs?: number;
  /** The engine detected, the URL, scrape counts. */
  info?: Record<string, unknown>;
  /** The series. */
  series: EngineSeries[];
}

/** The part of the run-start event the observer reads. */
export interface EngineRunStartEvent {
  /** The engine as connected. */
  backend: { endpoint: string };
  /** The run's clock origin. */
  clock: { originMs: number };
}

/** The part of the trial-end event the observer reads and adds to. */
export interface EngineTrialEndEvent {
  /** The trial's result; its `metrics` get the `engine_*` ids. */
  result: { metrics: Record<string, number> };
}

/** The part of the run-end event the observer writes to. */
export interface EngineRunEndEvent {
  /** The results document; `telemetry.engine` is set. */
  results: { telemetry?: { engine?: EngineTelemetry } };
}

/** The series kept, from the reading's fields. */
const SERIES: readonly { key: keyof EngineReading; name: string; unit: string }[] = [
  { key: "running", name: "engine_running", unit: "requests" },
  { key: "waiting", name: "engine_waiting", unit: "requests" },
  { key: "kvUsagePct", name: "engine_kv_usage_pct", unit: "%" },
  { key: "preemptionsTotal", name: "engine_preemptions_total", unit: "requests" },
  { key: "prefixHitsTotal", name: "engine_prefix_cache_hits_total", unit: "count" },
  { key: "prefixQueriesTotal", name: "engine_prefix_cache_queries_total", unit: "count" },
  { key: "prefixHitPct", name: "engine_prefix_cache_hit_pct", unit: "%" },
];

/** How long a scrape at a trial's edge may hold up the run, ms. */
const EDGE_TIMEOUT_MS = 2000;
/** How long a scrape may take before it counts as failed, ms. */
const SCRAPE_TIMEOUT_MS = 2000;

/** What fixes a missing metrics page. */
const FIX = "start the engine with its metrics on (llama.cpp: --metrics, or llamacpp({ metrics: " +
  "true }); SGLang: --enable-metrics; vLLM and TGI serve /metrics by default), or point " +
  "engineMetrics.url (or engineMetrics.path) at the page";

/**
 * Scrapes an engine's Prometheus metrics beside a run: vLLM, SGLang, TGI
 * and llama.cpp (see `engines.ts` for the names read). One scrape at the
 * start of the run (to find the page and the engine), one every
 * `intervalMs` during each level (warm-up included) on an unref'd timer
 * (a tick is skipped while a scrape is in flight), and one at each trial's
 * start and end (awaited between trials, never during one), so counter
 * deltas cover exactly the trial. Each scrape opens its own connection and
 * closes it, so the observer holds none of the engine's HTTP threads.
 *
 * Per trial it adds `engine_running_mean/max`, `engine_waiting_mean/max`,
 * `engine_kv_usage_mean/max_pct`, `engine_preemptions` and
 * `engine_prefix_cache_hit_pct` (those the engine reports); at the end of
 * the run it sets `results.telemetry.engine`. When the page cannot be read
 * (refused, 404, not Prometheus, no known engine) it never throws: the run
 * goes on and `telemetry.engine` is `available: false` with a note naming
 * the URL tried and what fixes it.
 *
 * @example Nothing serves metrics: the run goes on, the results say why
 * ```ts
 * import { EngineMetricsObserver, type EngineRunEndEvent } from "./observer.ts";
 * import assert from "node:assert/strict";
 *
 * const obs = new EngineMetricsObserver({ path: "/metrics", intervalMs: 100 });
 * await obs.onRunStart({ backend: { endpoint: "http://127.0.0.1:9" }, clock: { originMs: 0 } });
 * const results: EngineRunEndEvent["results"] = {};
 * await obs.onRunEnd({ results });
 * assert.equal(results.telemetry?.engine?.available, false);
 * assert.match(results.telemetry?.engine?.note ?? "", /http:\/\/127\.0\.0\.1:9\/metrics/);
 * ```
 */
export class EngineMetricsObserver {
  /** Name used in the run's warnings. */
  readonly name = "engine metrics";
  #options: EngineMetricsOptions;
  #url = "";
  #originMs = 0;
  #names: EngineMetricNames | null = null;
  #note: string | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #samples: EngineSample[] = [];
  #chain: Promise<void> = Promise.resolve();
  #pending = 0;
  #failed = 0;
  #lastError = "";
  #trialFrom = 0;

  /**
   * Checks the options; nothing is read before the run starts.
   *
   * @param options Where the page is and how often to read it.
   * @throws {RangeError} When `intervalMs` is not a positive number.
   */
  constructor(options: EngineMetricsOptions) {
    if (!(options.intervalMs > 0)) {
      throw new RangeError(
        `Cannot scrape engine metrics: 'intervalMs' must be a positive number of ms, got ${options.intervalMs}`,
      );
    }
    this.#options = options;
  }

  /**
   * Finds the page and the engine, then starts the timer.
   *
   * @param event The run's endpoint and clock.
   */
  async onRunStart(event: EngineRunStartEvent): Promise<void> {
    this.#stop();
    this.#samples = [];
    this.#failed = 0;
    this.#note = null;
    this.#names = null;
    this.#originMs = event.clock.originMs;
    const { url, path } = this.#options;
    try {
      this.#url = url ?? new URL(path, event.backend.endpoint).href;
    } catch {
      this.#note = `Engine metrics unavailable: cannot make a URL of the endpoint ` +
        `${JSON.stringify(event.backend.endpoint)} and path ${JSON.stringify(path)}; ` +
        `set engineMetrics.url`;
      return;
    }
    const first = await scrapeMetrics(this.#url, { timeoutMs: EDGE_TIMEOUT_MS });
    if (!first.ok) {
      this.#note = `Engine metrics unavailable: GET ${this.#url} failed (${first.error}); ${FIX}`;
      return;
    }
    this.#names = detectEngine(first.families);
    if (this.#names === null) {
      const known = ENGINE_METRIC_NAMES.map((e) => e.running[0]).join(", ");
      this.#note = `Engine metrics unavailable: ${this.#url} serves ${first.families.size} ` +
        `metric families but none of a known engine (expected one of ${known}); ${FIX}`;
      return;
    }
  }

  /** Starts the timer: levels (warm-up included) are sampled, the gaps between them are not. */
  onLevelStart(): void {
    if (this.#names === null) return;
    this.#stop();
    const timer = setInterval(() => {
      // A slow page delays the next tick rather than failing: ticks are skipped meanwhile.
      if (this.#pending === 0) void this.#sample(SCRAPE_TIMEOUT_MS);
    }, this.#options.intervalMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  /**
   * Stops the timer (a managed engine is stopped after the last level,
   * before the run's end).
   */
  onLevelEnd(): void {
    this.#stop();
  }

  /** Takes the trial's first scrape (awaited before its first request). */
  async onTrialStart(): Promise<void> {
    if (this.#names === null) return;
    await this.#sample(EDGE_TIMEOUT_MS);
    this.#trialFrom = Math.max(0, this.#samples.length - 1);
  }

  /**
   * Takes the trial's last scrape and adds the trial's `engine_*` figures.
   *
   * @param event The trial's result.
   */
  async onTrialEnd(event: EngineTrialEndEvent): Promise<void> {
    if (this.#names === null) return;
    await this.#sample(EDGE_TIMEOUT_MS);
    Object.assign(event.result.metrics, summarizeEngineTrial(this.#samples.slice(this.#trialFrom)));
  }

  /**
   * Stops the timer and writes `telemetry.engine`.
   *
   * @param event The results document.
   */
  async onRunEnd(event: EngineRunEndEvent): Promise<void> {
    this.#stop();
    await this.#chain;
    event.results.telemetry ??= {};
    event.results.telemetry.engine = this.telemetry();
  }

  /**
   * What was collected so far, as `telemetry.engine`.
   *
   * @returns The telemetry source.
   */
  telemetry(): EngineTelemetry {
    if (this.#names === null) {
      return {
        available: false,
        note: this.#note ?? "Engine metrics unavailable: the run did not start",
        info: { url: this.#url || null },
        series: [],
      };
    }
    const tMs = this.#samples.map((s) => s.tMs);
    const series: EngineSeries[] = [];
    const missing: string[] = [];
    for (const { key, name, unit } of SERIES) {
      const values = this.#samples.map((s) => s.reading?.[key] ?? null);
      if (values.some((v) => v !== null)) {
        series.push({ name, unit, source: this.#url, tMs: [...tMs], values });
      } else missing.push(name);
    }
    const notes: string[] = [];
    if (this.#failed > 0) {
      notes.push(
        `${this.#failed} of ${this.#samples.length} scrapes of ${this.#url} failed (last: ${this.#lastError})`,
      );
    }
    return {
      available: true,
      ...(notes.length > 0 ? { note: notes.join("; ") } : {}),
      intervalMs: this.#options.intervalMs,
      info: {
        engine: this.#names.engine,
        url: this.#url,
        scrapes: this.#samples.length,
        failedScrapes: this.#failed,
        notReported: missing,
      },
      series,
    };
  }

  /** Queues one scrape after those in flight, so samples stay in time order. */
  #sample(timeoutMs: number): Promise<void> {
    const names = this.#names;
    if (names === null) return Promise.resolve();
    this.#pending++;
    this.#chain = this.#chain.then(async () => {
      const sent = performance.now();
      try {
        const r = await scrapeMetrics(this.#url, { timeoutMs });
        const tMs = (sent + performance.now()) / 2 - this.#originMs;
        if (r.ok) {
          this.#samples.push({ tMs, reading: readEngine(r.families, names) });
        } else {
          this.#failed++;
          this.#lastError = r.error;
          this.#samples.push({ tMs, reading: null });
        }
      } finally {
        this.#pending--;
      }
    });
    return this.#chain;
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
