/**
 * The results document (schema version 1): what `results.toJSON()` returns
 * and `results.json` holds. Described field by field in `docs/results.md`;
 * `schema.ts` validates it when it is read back, and a compile-time check
 * there keeps the schema and these types equal.
 *
 * @module
 */

import type { LoadDelivered } from "../metrics/load_delivered.ts";
import type { TimeSeries } from "../metrics/time_series.ts";
import type { MetricSummary } from "../stats/summary.ts";
import type { WorkloadFingerprint } from "../workload/fingerprint.ts";

export type { WorkloadFingerprint } from "../workload/fingerprint.ts";
export type { LoadDelivered } from "../metrics/load_delivered.ts";
export type { TimeSeries } from "../metrics/time_series.ts";
export type { MetricSummary } from "../stats/summary.ts";

/** One trial of one level. */
export interface TrialResult {
  /**
   * Metric id → value. A value that was not a finite number when written
   * (NaN, ±Infinity) is `null` in the JSON file and reads back as NaN.
   */
  metrics: Record<string, number>;
  /** Failure reason → count. */
  errors: Record<string, number>;
  /** Failure reason → the message of its first request (redacted); absent when none failed. */
  errorMessages?: Record<string, string>;
  /** False when the run was interrupted during this trial. */
  complete: boolean;
  /**
   * Requests the load pattern planned for this trial but could not issue
   * (like k6's dropped iterations): an open loop that fell too far behind
   * its schedule, or a time-bounded trial that ended first. Absent when the
   * pattern does not count them.
   */
  notIssued?: number;
  /** Per-second completed requests, output tokens/s and requests in flight. */
  timeSeries?: TimeSeries;
  /** Serve mode: whether the intended load was delivered. */
  load?: LoadDelivered;
}

/** One load level (a concurrency, or the throughput burst). */
export interface LevelResult {
  /** `latency` (closed loop), `throughput` (burst) or `serve` (open loop). */
  mode: "latency" | "throughput" | "serve";
  /** Requests kept in flight (for a burst: all of them; serve: `maxConcurrency`, 0 for none). */
  concurrency: number;
  /** Serve mode: requests per second (`"inf"`: all at once). */
  requestRate?: number | "inf";
  /** Every trial, in order. */
  trials: TrialResult[];
  /** Metric id → mean over complete trials, CI and per-trial values. */
  summary: Record<string, MetricSummary>;
  /** Failure reason → count over all trials. */
  errors: Record<string, number>;
  /** Failure reason → the message of its first request over all trials (redacted); absent when none failed. */
  errorMessages?: Record<string, string>;
  /** Sum of the trials' `notIssued`; absent when no trial counts them. */
  notIssued?: number;
  /**
   * What a reader must know about this level's figures (the notes under the
   * table): percentiles without an interval and why, failures, token counts
   * from chunks, responses not streamed, usage of 0. Absent when none.
   */
  notes?: string[];
}

/**
 * One telemetry time series sampled beside the run (a GPU's utilisation, an
 * engine's queue depth, ...). Times are ms on the run's monotonic clock,
 * relative to its origin (the records' `clock.originMs`), like the records'.
 */
export interface TelemetrySeries {
  /** What is sampled, as a metric-like id: `gpu_util_pct`, `engine_waiting`, ... */
  name: string;
  /** Unit of the values (`%`, `MiB`, `W`, `°C`, `MHz`, `requests`, ...). */
  unit: string;
  /** The source within its kind: a GPU's index and name, an engine's URL. */
  source?: string;
  /** Sample times, ms from the run's origin. */
  tMs: number[];
  /** Sample values (same length as `tMs`; null where a sample failed). */
  values: (number | null)[];
}

/** One kind of telemetry of a run (GPU, engine metrics, NVTX markers). */
export interface TelemetrySource {
  /** Whether it was collected; when not, `note` says why and what would fix it. */
  available: boolean;
  /** Why it is missing, or what a reader must know about it. */
  note?: string;
  /** Sampling interval, ms. */
  intervalMs?: number;
  /** Facts about the source (devices, driver, library path, endpoint). */
  info?: Record<string, unknown>;
  /** The time series (empty for markers). */
  series: TelemetrySeries[];
}

/** What was sampled beside the run. Per-trial summaries are in each trial's `metrics` (`gpu_*`, `engine_*`). */
export interface Telemetry {
  /** GPU telemetry through NVML (`gpuMetrics`). */
  gpu?: TelemetrySource;
  /** The engine's Prometheus metrics (`engineMetrics`). */
  engine?: TelemetrySource;
  /** NVTX markers emitted per request (`emitMarkers`). */
  markers?: TelemetrySource;
}

/** The results document. */
export interface ResultsDocument {
  /** Format version; bumped on incompatible changes. */
  schemaVersion: 1;
  /** The tool and runtime that produced it. */
  tool: { name: "splleed"; version: string; deno: string };
  /** The resolved specification (secrets redacted). */
  config: Record<string, unknown>;
  /** A saturation search: what it probed and the highest load that met the objectives. */
  sweep?: {
    find: "max-rate" | "max-concurrency";
    slo: Record<string, number | undefined>;
    attainment: number;
    probes: { load: number; pass: boolean }[];
    result: number | null;
    bracket: [number | null, number | null];
  };
  /** The workload fingerprint: runs are compared like for like only when these match. */
  workload?: WorkloadFingerprint;
  /** What was measured: backend kind, model, API, endpoint and what the server reported. */
  backend: Record<string, unknown>;
  /** ISO-8601 wall-clock start. */
  startedAt: string;
  /** ISO-8601 wall-clock end. */
  finishedAt: string;
  /** True when the run was cut short; `interruption` says why. */
  interrupted: boolean;
  /** Why the run was cut short. */
  interruption: string | null;
  /**
   * What cut it short: `signal` (SIGINT/SIGTERM/SIGHUP), `abort` (the
   * caller's `signal`), `server_exit` (a managed engine died during the
   * run, or the server stopped accepting connections), `rejected` (the first
   * requests were all refused the same way with a status that retrying
   * will not change, such as 401 or 404).
   */
  interruptionCause?: "signal" | "abort" | "server_exit" | "rejected" | null;
  /** Things the user should know about how the run was set up. */
  warnings: string[];
  /** Path of the per-request JSONL records, or null when none were kept. */
  recordsFile: string | null;
  /** The load levels in the order run. */
  levels: LevelResult[];
  /** The run's clock: its monotonic origin and the wall-clock epoch ms at that instant (as in the records' run line). */
  clock?: { originMs: number; originEpochMs: number };
  /** What was sampled beside the run; absent when nothing was asked for. */
  telemetry?: Telemetry;
  /** Where the figures came from when splleed did not measure them (`splleed import`); absent for splleed's own runs. */
  source?: ImportedSource;
}

/** What an imported document was converted from (`splleed import`). */
export interface ImportedSource {
  /** The tool that measured: `vllm-bench` (`vllm bench serve`) or `guidellm`. */
  tool: "vllm-bench" | "guidellm";
  /** The tool's version, when its file says. */
  version?: string;
  /** The file read. */
  file: string;
  /** Metric id → how the tool's definition differs from splleed's (only ids that differ). */
  differences: Record<string, string>;
  /** The tool's fields that map to no splleed metric, as read. */
  unmapped: Record<string, unknown>;
}
