/**
 * The run plan: plain data that says what a run will do before it does it
 * (levels in order, trials, warm-up, the load of each level in words and
 * numbers, what is sent, where records go). `planRun()` makes it,
 * `splleed run --dry-run` prints it, and `benchmark()` carries it out.
 *
 * @module
 */

import type { LevelLoad } from "../config/level_load.ts";

export type { LevelLoad };

/** One level of the plan. */
export interface PlannedLevel {
  /** Position in the run (0-based). */
  index: number;
  /** Short label: `c=4`, `r=8/s`, `burst 100`, `trace`. */
  label: string;
  /** `latency` (closed loop), `throughput` (burst) or `serve` (open loop). */
  mode: "latency" | "throughput" | "serve";
  /** Requests kept in flight (serve: `maxConcurrency`, 0 for none). */
  concurrency: number;
  /** Serve mode: requests per second (`"inf"`: all at once). */
  requestRate?: number | "inf";
  /** When requests go. */
  load: LevelLoad;
  /** The load in words (`"closed loop, 4 in flight"`). */
  description: string;
  /** Unmeasured requests before the first trial. */
  warmupRequests: number;
  /** Measured requests per trial; null when `durationS` bounds the trial. */
  requestsPerTrial: number | null;
  /** Seconds per trial when bounded by time; null otherwise. */
  durationS: number | null;
  /** Trials of this level. */
  trials: number;
}

/** The saturation search, when the levels are chosen one by one. */
export interface PlannedSweep {
  /** What is searched for. */
  find: "max-rate" | "max-concurrency";
  /** Objectives a request must meet. */
  slo: Record<string, number | undefined>;
  /** Share of requests that must meet them. */
  attainment: number;
  /** First load probed. */
  start: number;
  /** Highest load probed. */
  max: number;
  /** Relative width of the final bracket. */
  tolerance: number;
  /** Most probes. */
  maxProbes: number;
}

/** What a run will do. */
export interface RunPlan {
  /** The engine: its kind, where it is, and whether splleed starts it. */
  backend: {
    /** Backend kind (`vllm`, `simulator`, ...). */
    kind: string;
    /** Endpoint to connect to; null when splleed starts the engine (its port is chosen then). */
    endpoint: string | null;
    /** True when splleed starts and stops the engine. */
    managed: boolean;
    /** For a managed process: the command line (secrets never appear; they go in the environment). */
    command: string[] | null;
    /** The backend's own description (model, API; no secrets). */
    options: Record<string, unknown>;
  };
  /** What is sent. */
  workload: {
    /** How the workload was described (source, path, count, lengths). */
    description: Record<string, unknown>;
    /** Requests in the workload (request i sends item i modulo this). */
    requests: number;
  };
  /** `latency`, `throughput` or `serve`. */
  mode: "latency" | "throughput" | "serve";
  /** The levels in the order they run; empty when a sweep chooses them. */
  levels: PlannedLevel[];
  /** The saturation search, when there is one. */
  sweep: PlannedSweep | null;
  /** Trials per level. */
  trials: number;
  /** Unmeasured requests per level. */
  warmup: number;
  /** Seed of every random choice. */
  seed: number;
  /** Confidence level of the intervals. */
  confidenceLevel: number;
  /** Sampling parameters sent with every request. */
  sampling: Record<string, unknown>;
  /** Goodput objectives, when given. */
  slo: Record<string, number | undefined> | null;
  /** Per-request timeout, ms. */
  requestTimeoutMs: number;
  /** HTTP client. */
  transport: string;
  /** Where the per-request records go: a path, `"temp"` (a temporary file) or null (not kept). */
  records: string | null;
  /** Where the results are saved, or null. */
  out: string | null;
  /** Where else the run is published: its tags, the history database, live metrics, the Pushgateway; absent when nowhere. */
  publish?: {
    /** The run's tags (the spec's and its history's). */
    tags?: Record<string, string>;
    /** The history database the run is added to when it ends. */
    history?: string;
    /** Where live Prometheus metrics are served during the run (`host:port`, port 0 = any free). */
    metrics?: string;
    /** The Pushgateway each level's summary is pushed to when the run ends. */
    pushgateway?: string;
  };
  /** Measured requests the run sends at most (null when time or a sweep bounds it). */
  totalRequests: number | null;
  /** Things to know before paying for the run (e.g. a concurrency above `runs`). */
  warnings: string[];
}
