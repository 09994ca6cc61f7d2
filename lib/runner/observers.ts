/**
 * The built-in run observers: the records file, the per-trial metric
 * accumulators, the live statistics, the observed output lengths (for the
 * workload fingerprint) and the `onEvent` progress callback. Each is a
 * {@linkcode RunObserver} like one a script adds.
 *
 * @module
 */

import { LiveStats } from "../metrics/live.ts";
import { LoadDeliveredAccumulator } from "../metrics/load_delivered.ts";
import { TimeSeriesAccumulator } from "../metrics/time_series.ts";
import { TrialAccumulator, type TrialSamples } from "../metrics/trial.ts";
import type { Slo } from "../config/benchmark.ts";
import { nullSink, openJsonlSink, type RecordSink } from "../record/jsonl_sink.ts";
import type { RequestRecord } from "../record/record.ts";
import type { TrialResult } from "../results/document.ts";
import type { PlannedLevel } from "../results/plan.ts";
import { VERSION } from "../version.ts";
import type { BenchmarkEvent } from "./events.ts";
import type { RunObserver, RunStartEvent, TrialStartEvent } from "./observer.ts";

/**
 * Streams every record (warm-up included) to a JSONL file as it ends; the
 * header line is written when the run starts. `close()` is safe to call
 * more than once and is called by the runner whatever happens.
 */
export class RecordsObserver implements RunObserver {
  /** Name in warnings. */
  readonly name = "records file";
  #path: string;
  #sink: RecordSink = nullSink();

  /** @param path Where the records go. */
  constructor(path: string) {
    this.#path = path;
  }

  /** Lines written so far. */
  get written(): number {
    return this.#sink.written;
  }

  /** @param e The run start. */
  onRunStart(e: RunStartEvent): void {
    this.#sink = openJsonlSink(this.#path, {
      kind: "run",
      schemaVersion: 1,
      startedAt: new Date(e.clock.originEpochMs).toISOString(),
      clock: e.clock,
      tool: { name: "splleed", version: VERSION },
      backend: e.backend.kind,
      model: e.backend.model,
      levels: e.plan.levels.map((l) => ({
        mode: l.mode,
        concurrency: l.concurrency,
        ...(l.requestRate !== undefined ? { requestRate: l.requestRate } : {}),
      })),
    });
  }

  /** @param rec A finished request. */
  onRecord(rec: RequestRecord): void {
    this.#sink.write(rec);
  }

  /** Flushes and closes the file. */
  onRunEnd(): void {
    this.close();
  }

  /** Flushes and closes the file (idempotent). */
  close(): void {
    this.#sink.close();
  }
}

/** What a measured trial was asked to do, for its load-delivered section. */
export interface TrialPlan {
  /** The level. */
  level: PlannedLevel;
  /** Requests the pattern planned. */
  planned: number;
}

/**
 * The metric accumulators of the trial in progress: TTFT, ITL, TPOT, E2E,
 * throughput and goodput; the per-second time series; and, in the open
 * loop, whether the intended load was delivered. Only measured records of
 * the current trial count.
 */
export class TrialMetricsObserver implements RunObserver {
  /** Name in warnings. */
  readonly name = "metrics";
  #slo: Slo | undefined;
  #embeddings: boolean;
  #acc: TrialAccumulator | null = null;
  #series: TimeSeriesAccumulator | null = null;
  #delivered: LoadDeliveredAccumulator | null = null;
  #level = -1;
  #trial = -1;
  #samples: TrialSamples | undefined;

  /**
   * @param slo Goodput objectives.
   * @param embeddings Whether requests are embeddings (no tokens out).
   */
  constructor(slo: Slo | undefined, embeddings: boolean) {
    this.#slo = slo;
    this.#embeddings = embeddings;
  }

  /** Records counted in the trial so far. */
  get count(): number {
    return this.#acc?.count ?? 0;
  }

  /** Measured requests of the trial that ended so far, aborted and cut ones included. */
  get sent(): number {
    return this.#acc?.sent ?? 0;
  }

  /** @param e The trial start. */
  onTrialStart(e: TrialStartEvent): void {
    this.#level = e.level.index;
    this.#trial = e.trial;
    this.#acc = new TrialAccumulator(this.#slo, { embeddings: this.#embeddings });
    this.#series = new TimeSeriesAccumulator(e.startMs);
    this.#delivered = e.level.mode === "serve" ? new LoadDeliveredAccumulator() : null;
  }

  /** @param rec A finished request. */
  onRecord(rec: RequestRecord): void {
    if (rec.phase !== "measure" || rec.level !== this.#level || rec.trial !== this.#trial) return;
    this.#acc?.add(rec);
    this.#series?.add(rec);
    this.#delivered?.add(rec);
  }

  /**
   * The trial's result; call once, when its pattern has finished.
   *
   * @param plan The level and the requests planned.
   * @param complete False when the run was interrupted during the trial.
   * @param notIssued Requests planned but never issued.
   * @returns The trial result.
   */
  finish(plan: TrialPlan, complete: boolean, notIssued: number): TrialResult {
    const r = this.#acc!.result();
    this.#samples = this.#acc!.samples();
    const trial: TrialResult = { ...r, complete, timeSeries: this.#series!.result() };
    if (notIssued > 0) trial.notIssued = notIssued;
    const load = plan.level.load;
    if (this.#delivered !== null && (load.kind === "open" || load.kind === "trace")) {
      const delivered = this.#delivered.result({
        rate: plan.level.requestRate === "inf" ? Infinity : plan.level.requestRate ?? Infinity,
        arrival: load.kind === "trace" ? "trace" : load.arrival,
        burstiness: load.kind === "open" ? load.burstiness : 1,
        rampUpS: load.kind === "open" ? load.rampUpS : 0,
        planned: plan.planned,
      });
      trial.load = delivered;
      if (delivered.achievedRate !== null) {
        trial.metrics.achieved_request_rate_per_sec = delivered.achievedRate;
      }
    }
    this.#acc = this.#series = this.#delivered = null;
    this.#level = this.#trial = -1;
    return trial;
  }

  /**
   * Hands over the raw samples of the trial last finished (for the level's
   * pooled percentiles) and forgets them.
   *
   * @returns The samples, or undefined when no trial finished since the last call.
   */
  takeSamples(): TrialSamples | undefined {
    const s = this.#samples;
    this.#samples = undefined;
    return s;
  }
}

/** Live figures for a progress display (see `lib/metrics/live.ts`). */
export class LiveObserver implements RunObserver {
  /** Name in warnings. */
  readonly name = "live statistics";
  /** The figures, updated as requests end. */
  readonly stats: LiveStats = new LiveStats();
  #trials: number;

  /** @param trials Trials per level. */
  constructor(trials: number) {
    this.#trials = trials;
  }

  /** @param e The trial start. */
  onTrialStart(e: TrialStartEvent): void {
    this.stats.startTrial({
      level: e.level.index,
      label: e.level.label,
      trial: e.trial,
      trials: this.#trials,
      planned: e.level.requestsPerTrial,
    });
  }

  /** @param rec A finished request. */
  onRecord(rec: RequestRecord): void {
    if (rec.phase === "measure") this.stats.add(rec);
  }

  /** The trial ended. */
  onTrialEnd(): void {
    this.stats.endTrial();
  }
}

/** Output lengths of the measured requests that completed, for the fingerprint. */
export class OutputLengthsObserver implements RunObserver {
  /** Name in warnings. */
  readonly name = "output lengths";
  /** Output tokens of each completed measured request. */
  readonly lengths: number[] = [];

  /** @param rec A finished request. */
  onRecord(rec: RequestRecord): void {
    if (rec.phase === "measure" && rec.ok && rec.outputTokens !== null) {
      this.lengths.push(rec.outputTokens);
    }
  }
}

/**
 * Turns run events into the {@linkcode BenchmarkEvent}s of `benchmark()`'s
 * `onEvent` callback (what the CLI's progress display shows).
 *
 * @param onEvent The callback.
 * @param live The live figures to hand to it.
 * @returns The observer.
 */
export function eventsObserver(
  onEvent: (event: BenchmarkEvent) => void,
  live: LiveStats,
): RunObserver {
  return {
    name: "onEvent",
    onRunStart(e) {
      onEvent({
        type: "connected",
        backend: e.backend.kind,
        model: e.backend.model,
        endpoint: e.backend.endpoint,
        recordsFile: e.recordsFile,
      });
      onEvent({ type: "live", stats: live, levels: e.plan.levels.length });
    },
    onLevelStart(e) {
      onEvent({
        type: "level",
        level: e.level.index,
        mode: e.level.mode,
        concurrency: e.level.concurrency,
        requestRate: rateNumber(e.level.requestRate),
      });
    },
    onTrialEnd(e) {
      const m = e.result.metrics;
      onEvent({
        type: "trial",
        level: e.level.index,
        concurrency: e.level.concurrency,
        requestRate: rateNumber(e.level.requestRate),
        trial: e.trial,
        completed: m.requests_completed,
        failed: m.requests_failed,
        durationS: m.duration_s,
      });
    },
    onWarning(message) {
      onEvent({ type: "warning", message });
    },
  };
}

function rateNumber(r: number | "inf" | undefined): number | undefined {
  return r === "inf" ? Infinity : r;
}
