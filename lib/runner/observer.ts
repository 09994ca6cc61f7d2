/**
 * Run observers: everything that runs beside a benchmark (the records file,
 * the metric accumulators, live progress, and later GPU sampling, NVTX
 * markers, Prometheus export) receives the same events, in order, and never
 * sits on the request path: `onRecord` is called after a request has ended,
 * and is never awaited.
 *
 * @module
 */

import type { RequestRecord } from "../record/record.ts";
import type { LevelResult, ResultsDocument, TrialResult } from "../results/document.ts";
import type { PlannedLevel, RunPlan } from "../results/plan.ts";

/** The run is connected and about to send its first request. */
export interface RunStartEvent {
  /** What the run will do. */
  plan: RunPlan;
  /** The engine as connected: kind, model, endpoint. */
  backend: { kind: string; model: string; endpoint: string };
  /** Path of the per-request records file, or null. */
  recordsFile: string | null;
  /** The run's clock origin: `performance.now()` and wall-clock ms at the same instant. */
  clock: { originMs: number; originEpochMs: number };
}

/** A level begins (before its warm-up). */
export interface LevelStartEvent {
  /** The level (for a sweep, the probe the search chose). */
  level: PlannedLevel;
  /** Levels planned (for a sweep: the most probes). */
  levels: number;
}

/** A measured trial begins. */
export interface TrialStartEvent {
  /** The level. */
  level: PlannedLevel;
  /** Trial index (0-based). */
  trial: number;
  /** `performance.now()` at its start. */
  startMs: number;
}

/** A measured trial ended. */
export interface TrialEndEvent {
  /** The level. */
  level: PlannedLevel;
  /** Trial index (0-based). */
  trial: number;
  /** Its result (metrics, errors, time series, load delivered). */
  result: TrialResult;
}

/** A level ended (all its trials, or the run was interrupted). */
export interface LevelEndEvent {
  /** The level. */
  level: PlannedLevel;
  /** Its result. */
  result: LevelResult;
}

/** The run ended (normally or not); the document is final. */
export interface RunEndEvent {
  /** The results document. */
  results: ResultsDocument;
}

/**
 * Receives a run's events. Every method is optional. Lifecycle methods may
 * return a promise: the run waits for it (start a sampler, flush a file).
 * `onRecord` is called once per request, warm-up included (see
 * `record.phase`), after the request ended; it is not awaited, so it must
 * be quick. An error thrown by an observer does not stop the run: it
 * becomes a warning in the results, once per observer and method.
 *
 * @example Count the failed requests of every trial
 * ```ts
 * import { benchmark } from "./benchmark.ts";
 * import type { RunObserver } from "./observer.ts";
 * import assert from "node:assert/strict";
 *
 * const failedPerTrial: number[] = [];
 * let failed = 0;
 * const counter: RunObserver = {
 *   onTrialStart: () => { failed = 0; },
 *   onRecord: (rec) => { if (rec.phase === "measure" && !rec.ok) failed++; },
 *   onTrialEnd: () => { failedPerTrial.push(failed); },
 * };
 * await benchmark({
 *   backend: { type: "simulator", ttftMs: 2, itlMs: 1 },
 *   prompts: ["hi"], concurrency: [1], warmup: 0, runs: 3, trials: 2, records: false,
 *   sampling: { maxTokens: 2 },
 *   observers: [counter],
 * });
 * assert.deepEqual(failedPerTrial, [0, 0]);
 * ```
 */
export interface RunObserver {
  /** Name used in warnings about this observer. @default "observer N" */
  readonly name?: string;
  /** Connected; the first request goes next. */
  onRunStart?(event: RunStartEvent): void | Promise<void>;
  /** A level begins. */
  onLevelStart?(event: LevelStartEvent): void | Promise<void>;
  /** A measured trial begins. */
  onTrialStart?(event: TrialStartEvent): void | Promise<void>;
  /**
   * A request is about to be sent (its record holds the ids and the
   * scheduled time; `sentMs` is set just after). Not awaited, and on the
   * request path: only for what must happen at the send itself (an NVTX
   * range start); keep it to microseconds. Observers without it cost nothing.
   */
  onRequestStart?(record: RequestRecord): void;
  /** A request ended (warm-up or measured). Not awaited. */
  onRecord?(record: RequestRecord): void;
  /** A measured trial ended. */
  onTrialEnd?(event: TrialEndEvent): void | Promise<void>;
  /** A level ended. */
  onLevelEnd?(event: LevelEndEvent): void | Promise<void>;
  /** The run ended; the document is final (called on interrupted runs too). */
  onRunEnd?(event: RunEndEvent): void | Promise<void>;
  /** Something the user should know about the run's set-up or its load. */
  onWarning?(message: string): void;
}

type Lifecycle =
  | "onRunStart"
  | "onLevelStart"
  | "onTrialStart"
  | "onTrialEnd"
  | "onLevelEnd"
  | "onRunEnd";

/**
 * The observers of one run, called in order. An observer that throws is
 * reported once per method through `warn` and the others still run.
 *
 * @example
 * ```ts
 * import { Observers } from "./observer.ts";
 * import assert from "node:assert/strict";
 *
 * const warnings: string[] = [];
 * const seen: number[] = [];
 * const obs = new Observers([
 *   { name: "bad", onRecord: () => { throw new Error("boom"); } },
 *   { onRecord: (r) => { seen.push(r.id); } },
 * ], (m) => warnings.push(m));
 * obs.record({ id: 7 } as never);
 * obs.record({ id: 8 } as never);
 * assert.deepEqual(seen, [7, 8]);
 * assert.deepEqual(warnings, ["observer 'bad' failed in onRecord: boom (later failures of it are not reported)"]);
 * ```
 */
export class Observers {
  #list: readonly RunObserver[];
  #warn: (message: string) => void;
  #reported = new Set<string>();
  /** The observers with `onRequestStart` (none, usually: the send path checks this once). */
  readonly #starters: readonly [RunObserver, number][];

  /**
   * @param list The observers, in the order they are called.
   * @param warn Where observer failures are reported.
   */
  constructor(list: readonly RunObserver[], warn: (message: string) => void) {
    this.#list = list;
    this.#warn = warn;
    this.#starters = list.flatMap((o, i) =>
      o.onRequestStart !== undefined ? [[o, i] as [RunObserver, number]] : []
    );
  }

  /** Whether any observer wants {@linkcode requestStart}. */
  get hasRequestStart(): boolean {
    return this.#starters.length > 0;
  }

  /**
   * Tells the observers that want it that a request is about to be sent (not awaited).
   *
   * @param rec The record.
   */
  requestStart(rec: RequestRecord): void {
    for (const [o, i] of this.#starters) {
      try {
        o.onRequestStart!(rec);
      } catch (err) {
        this.#failed(o, i, "onRequestStart", err);
      }
    }
  }

  /**
   * Calls a lifecycle method of every observer in order, awaiting each.
   *
   * @param method The method.
   * @param event Its event.
   */
  async emit<M extends Lifecycle>(
    method: M,
    event: Parameters<NonNullable<RunObserver[M]>>[0],
  ): Promise<void> {
    for (const [i, o] of this.#list.entries()) {
      const f = o[method] as ((e: typeof event) => void | Promise<void>) | undefined;
      if (f === undefined) continue;
      try {
        await f.call(o, event);
      } catch (err) {
        this.#failed(o, i, method, err);
      }
    }
  }

  /**
   * Hands a finished request to every observer (not awaited).
   *
   * @param rec The record.
   */
  record(rec: RequestRecord): void {
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      const f = list[i].onRecord;
      if (f === undefined) continue;
      try {
        f.call(list[i], rec);
      } catch (err) {
        this.#failed(list[i], i, "onRecord", err);
      }
    }
  }

  /**
   * Tells every observer of a warning.
   *
   * @param message The warning.
   */
  warning(message: string): void {
    for (const [i, o] of this.#list.entries()) {
      try {
        o.onWarning?.(message);
      } catch (err) {
        this.#failed(o, i, "onWarning", err);
      }
    }
  }

  #failed(o: RunObserver, index: number, method: string, err: unknown): void {
    const name = o.name ?? `observer ${index + 1}`;
    const key = `${index}:${method}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    const msg = err instanceof Error ? err.message : String(err);
    this.#warn(
      `observer '${name}' failed in ${method}: ${msg} (later failures of it are not reported)`,
    );
  }
}
