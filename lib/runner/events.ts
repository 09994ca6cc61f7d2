/**
 * The progress events of `benchmark()`'s `onEvent` callback: what a
 * progress display needs, and nothing on the measurement's hot path.
 *
 * @module
 */

import type { LiveStats } from "../metrics/live.ts";
import type { WorkloadFingerprint } from "../workload/fingerprint.ts";

/** Something that happened during a run, for progress display. */
export type BenchmarkEvent =
  | { type: "warning"; message: string }
  | { type: "workload"; fingerprint: WorkloadFingerprint; text: string }
  | {
    /** Once, before the first level: live figures to poll (updated as requests end). */
    type: "live";
    stats: LiveStats;
    levels: number;
  }
  | {
    type: "connected";
    backend: string;
    model: string;
    endpoint: string;
    recordsFile: string | null;
  }
  | {
    type: "level";
    level: number;
    mode: "latency" | "throughput" | "serve";
    concurrency: number;
    requestRate?: number;
  }
  | {
    type: "trial";
    level: number;
    concurrency: number;
    requestRate?: number;
    trial: number;
    completed: number;
    failed: number;
    durationS: number;
  };
