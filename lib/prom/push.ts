/**
 * A finished run's summary pushed to a Prometheus Pushgateway: one gauge
 * per (summary metric, statistic), one series per level, grouped by job
 * and run id so that runs never overwrite each other.
 *
 * @module
 */

import { Gauge, Pushgateway, Registry } from "npm:prom-client@^15.1.3";
import type { LevelResult, ResultsDocument } from "../results/document.ts";
import { levelLabel } from "../results/level_label.ts";
import { constantLabels } from "./_labels.ts";

/** Options of {@linkcode pushSummary}. */
export interface PushOptions {
  /** The Pushgateway's base URL (`http://pushgateway:9091`). */
  url: string;
  /** The `job` of the grouping key. @default "splleed" */
  job?: string;
  /** Extra labels on every series, e.g. the run's tags. @default {} */
  labels?: Record<string, string>;
  /** The `run_id` label and grouping key. @default the document's `startedAt` */
  runId?: string;
  /** How long the push may take, ms. @default 10000 */
  timeoutMs?: number;
}

/** Labels splleed sets on pushed series (a tag must not use these names). */
export const PUSH_LABELS: readonly string[] = [
  "run_id",
  "engine",
  "model",
  "level",
  "mode",
  "concurrency",
  "rate",
  "fingerprint",
  "job",
  "instance",
];

/** The pushed latency statistics, and the metric ids they come from. */
const LATENCIES = ["ttft", "itl", "tpot", "e2e"] as const;
const LATENCY_STATS = ["mean", "p50", "p90", "p99"] as const;

/** Summary metric id → pushed gauge name and help (values as they are). */
const RATES: readonly [string, string, string][] = [
  [
    "request_throughput_per_sec",
    "splleed_summary_request_throughput_per_second",
    "Completed requests per second (mean over trials).",
  ],
  [
    "throughput_tokens_per_sec",
    "splleed_summary_output_tokens_per_second",
    "Output tokens per second (mean over trials).",
  ],
  [
    "total_throughput_tokens_per_sec",
    "splleed_summary_total_tokens_per_second",
    "Input plus output tokens per second (mean over trials).",
  ],
  [
    "goodput_requests_per_sec",
    "splleed_summary_goodput_requests_per_second",
    "Requests per second that met every objective (mean over trials).",
  ],
  [
    "goodput_ratio",
    "splleed_summary_goodput_ratio",
    "Share of requests that met every objective (mean over trials).",
  ],
  [
    "requests_completed",
    "splleed_summary_requests_completed",
    "Completed requests per trial (mean over trials).",
  ],
  [
    "requests_failed",
    "splleed_summary_requests_failed",
    "Failed requests per trial (mean over trials).",
  ],
];

/** One pushed series: gauge name, labels and value (what {@linkcode summaryGauges} returns). */
export interface PushedGauge {
  /** Gauge name (`splleed_summary_ttft_p50_seconds`). */
  name: string;
  /** Its labels (without `job`). */
  labels: Record<string, string>;
  /** Its value (seconds for latencies). */
  value: number;
}

/**
 * The gauges {@linkcode pushSummary} pushes for a document: per level,
 * `splleed_summary_{ttft,itl,tpot,e2e}_{mean,p50,p90,p99}_seconds`,
 * request and token throughput, goodput (when the run had objectives),
 * requests completed and failed per trial; and
 * `splleed_summary_run_start_time_seconds` once. A value that is not
 * finite is left out.
 *
 * @param doc The results.
 * @param options Run id and labels (`url` is not used).
 * @returns The series.
 * @throws {RangeError} When a label name is invalid or one of splleed's own.
 *
 * @example
 * ```ts
 * import { summaryGauges } from "./push.ts";
 * import { fixtureDocument } from "../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = fixtureDocument([{
 *   mode: "latency", concurrency: 16, trials: [], errors: {},
 *   summary: { ttft_p50_ms: { value: 120, ci: null, trials: [120] } },
 * } as never]);
 * const g = summaryGauges(doc, { labels: { branch: "main" } })
 *   .find((s) => s.name === "splleed_summary_ttft_p50_seconds")!;
 * assert.equal(g.value, 0.12);
 * assert.deepEqual(g.labels, {
 *   run_id: "2026-01-01T00:00:00.000Z", engine: "simulator", model: "", branch: "main",
 *   level: "c=16", mode: "latency", concurrency: "16",
 * });
 * ```
 */
export function summaryGauges(
  doc: ResultsDocument,
  options: Omit<PushOptions, "url"> = {},
): PushedGauge[] {
  const tags = constantLabels(options.labels, PUSH_LABELS, "pushgateway labels");
  const run: Record<string, string> = {
    run_id: options.runId ?? doc.startedAt,
    engine: String(doc.backend.kind ?? ""),
    model: String(doc.backend.model ?? ""),
    ...(doc.workload?.sha256 ? { fingerprint: doc.workload.sha256 } : {}),
    ...tags,
  };
  const out: PushedGauge[] = [];
  const start = Date.parse(doc.startedAt);
  if (Number.isFinite(start)) {
    out.push({ name: "splleed_summary_run_start_time_seconds", labels: run, value: start / 1000 });
  }
  for (const level of doc.levels) {
    const labels = { ...run, ...levelLabels(level) };
    const put = (name: string, id: string, scale: number) => {
      const v = level.summary[id]?.value;
      if (typeof v === "number" && Number.isFinite(v)) out.push({ name, labels, value: v * scale });
    };
    for (const m of LATENCIES) {
      for (const s of LATENCY_STATS) put(`splleed_summary_${m}_${s}_seconds`, `${m}_${s}_ms`, 1e-3);
    }
    for (const [id, name] of RATES) put(name, id, 1);
  }
  return out;
}

function levelLabels(level: LevelResult): Record<string, string> {
  const out: Record<string, string> = { level: levelLabel(level), mode: level.mode };
  if (level.mode === "serve") out.rate = String(level.requestRate ?? "");
  else out.concurrency = String(level.concurrency);
  return out;
}

function helpOf(name: string): string {
  const rate = RATES.find((r) => r[1] === name);
  if (rate) return rate[2];
  if (name === "splleed_summary_run_start_time_seconds") {
    return "When the run started, Unix seconds.";
  }
  const m = name.match(/^splleed_summary_([a-z0-9]+)_([a-z0-9]+)_seconds$/);
  return m ? `${m[1].toUpperCase()} ${m[2]} of the level, seconds (mean over trials).` : name;
}

/**
 * Pushes a finished run's summary to a Prometheus Pushgateway (an HTTP PUT
 * of the gauges of {@linkcode summaryGauges} to
 * `/metrics/job/<job>/run_id/<run id>`: each run is its own group, so runs
 * do not overwrite each other, and pushing one run again replaces it).
 *
 * @param doc The results.
 * @param options The Pushgateway's URL, job, run id and extra labels.
 * @throws {TypeError} When `url` is not an absolute http(s) URL.
 * @throws {RangeError} When a label name is invalid or one of splleed's own.
 * @throws {Error} When the push fails: the message names the URL and the
 *   HTTP status or the network error.
 *
 * @example A failed push names the URL
 * ```ts
 * import { pushSummary } from "./push.ts";
 * import { fixtureDocument } from "../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(
 *   pushSummary(fixtureDocument([]), { url: "http://127.0.0.1:1", timeoutMs: 2000 }),
 *   /Cannot push the summary to the Pushgateway at http:\/\/127\.0\.0\.1:1/,
 * );
 * ```
 */
export async function pushSummary(doc: ResultsDocument, options: PushOptions): Promise<void> {
  const job = options.job ?? "splleed";
  const runId = options.runId ?? doc.startedAt;
  const url = options.url.replace(/\/+$/, "");
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (parsed === null || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    throw new TypeError(
      `Cannot push the summary: the Pushgateway URL must be an absolute http(s) URL, got '${options.url}'`,
    );
  }
  const gauges = summaryGauges(doc, options);
  const registry = new Registry();
  const byName = new Map<string, Gauge<string>>();
  for (const g of gauges) {
    let gauge = byName.get(g.name);
    if (gauge === undefined) {
      gauge = new Gauge({
        name: g.name,
        help: helpOf(g.name),
        labelNames: [
          ...PUSH_LABELS.filter((l) => l !== "job" && l !== "instance"),
          ...Object.keys(
            constantLabels(options.labels, PUSH_LABELS, "pushgateway labels"),
          ),
        ],
        registers: [registry],
      });
      byName.set(g.name, gauge);
    }
    gauge.set(g.labels, g.value);
  }
  const gateway = new Pushgateway(parsed.href.replace(/\/+$/, ""), {
    timeout: options.timeoutMs ?? 10_000,
  }, registry);
  try {
    await gateway.push({ jobName: job, groupings: { run_id: runId } });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `Cannot push the summary to the Pushgateway at ${url} (job '${job}', run_id '${runId}'): ${why}`,
    );
  }
}
