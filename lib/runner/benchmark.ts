/**
 * `benchmark()`: the composition root. It plans the run (`plan.ts`), opens
 * a session with the engine (`session.ts`), runs every level's warm-up and
 * trials on the plan's load patterns (`trials.ts`, `issue.ts`) with the
 * observers listening (`observers.ts`), and builds the results document
 * (`document.ts`). Whatever happens, what it started is torn down and every
 * finished measurement is on disk.
 *
 * @module
 */

import { ConfigError } from "../config/errors.ts";
import { dirname } from "node:path";
import { type Backend, structuredChecksReady } from "../backends/backend.ts";
import type { BackendConfig } from "../config/backends.ts";
import type { BenchmarkSpec, BenchmarkSpecInput } from "../config/benchmark.ts";
import type { SaturationSearch } from "../load/search.ts";
import type { RunPlan } from "../results/plan.ts";
import type { HttpTransport } from "../http/transport.ts";
import { clockAnchor } from "../clock/clock.ts";
import type { LevelResult } from "../results/document.ts";
import type { LiveStats } from "../metrics/live.ts";
import { renderFingerprint } from "../report/fingerprint.ts";
import { addObservedOutput } from "../workload/fingerprint.ts";
import { buildDocument } from "./document.ts";
import type { BenchmarkEvent } from "./events.ts";
import { ResultsSaveError } from "./errors.ts";
import { RunGuard } from "./guards.ts";
import { RequestIssuer } from "./issue.ts";
import { Observers, type RunObserver } from "./observer.ts";
import {
  eventsObserver,
  LiveObserver,
  OutputLengthsObserver,
  RecordsObserver,
  TrialMetricsObserver,
} from "./observers.ts";
import { checkPlanOutputs, makePlan, resolveRun, sweepLevel } from "./plan.ts";
import { BenchmarkResults, checkTableOptions } from "./results.ts";
import { openSession, type Session } from "./session.ts";
import { levelPasses, searchFor } from "./sweep.ts";
import { type LevelContext, runLevel } from "./trials.ts";

export type { BenchmarkEvent } from "./events.ts";
export { recordsPathFor } from "./plan.ts";

/** Options of `benchmark()`: the specification, with `backend` a factory object or data. */
export type BenchmarkOptions = Omit<BenchmarkSpecInput, "backend" | "transport"> & {
  /** The engine: `openai({...})`, `vllm({...})`, `simulator({...})`, or backend data. */
  backend: Backend | BackendConfig;
  /**
   * The HTTP client: `"http1"` (splleed's own, the default), `"fetch"`, or an
   * {@linkcode HttpTransport} object (closed by the caller, not by the run).
   */
  transport?: "http1" | "fetch" | HttpTransport;
  /** Called on progress events (never on the measurement's hot path). */
  onEvent?: (event: BenchmarkEvent) => void;
  /** Your own observers of the run's events, called after the built-in ones. @default [] */
  observers?: readonly RunObserver[];
};

/**
 * Runs a benchmark.
 *
 * Each level (a concurrency in `latency` mode, the burst in `throughput`
 * mode) gets `warmup` unmeasured requests and then `trials` repetitions of
 * `runs` measured requests. Every request is recorded with its monotonic
 * timestamps and written to the records file as soon as it completes; a
 * trial yields one value per metric, and a level's summary is the mean over
 * trials with a Student-t confidence interval at `confidenceLevel`.
 *
 * `observers` receive the run's events (run, level, trial and record; see
 * {@linkcode RunObserver}) beside the built-in ones: the records file, the
 * metric accumulators and the live statistics.
 *
 * Aborting `signal` stops sending, aborts requests in flight, and returns
 * the results measured so far with `interrupted: true` (records on disk are
 * complete).
 *
 * @param options The specification.
 * @returns The results.
 * @throws {import("../config/errors.ts").ConfigError} Before any request, when an option is
 *   invalid, `out` has an extension splleed cannot write, or `out` and `records` are one file.
 * @throws {Error} Before any request, when `out` or the records cannot be written (a read-only
 *   folder, a folder where a file goes, too little free space).
 * @throws {Error} When the engine cannot be started or reached.
 * @throws {ResultsSaveError} When the run finished but `out` could not be
 *   written; the error carries the results (`err.results`).
 *
 * @example On the simulated engine
 * ```ts
 * import { benchmark } from "./benchmark.ts";
 * import { simulator } from "../backends/simulator.ts";
 * import assert from "node:assert/strict";
 *
 * const results = await benchmark({
 *   backend: simulator({ ttftMs: 20, itlMs: 2 }),
 *   prompts: ["Hello"],
 *   concurrency: [2],
 *   warmup: 0, runs: 4, trials: 2, records: false,
 *   sampling: { maxTokens: 5 },
 * });
 * const s = results.levels[0].summary;
 * assert.equal(s.requests_completed.value, 4);
 * assert.ok(s.ttft_p50_ms.value >= 20);
 * ```
 */
export async function benchmark(options: BenchmarkOptions): Promise<BenchmarkResults> {
  const run = await startRun(options);
  try {
    await runLevels(run.context, run.plan, run.search, run.levels);
  } catch (err) {
    await run.close();
    await run.release();
    throw err;
  }
  await run.close();
  return await run.finish();
}

/** How {@linkcode startRun} differs from `benchmark()`'s own start. */
export interface StartRunOptions {
  /**
   * The managed engine's description for the results, when the caller
   * starts and stops the engine itself (the backend then has its endpoint).
   * @default the session's engine, if any
   */
  engineInfo?: Record<string, unknown>;
}

/**
 * A run that has started: planned, outputs checked, the session open (the
 * engine up and the backend connected), the observers told the run began.
 * Levels run on {@linkcode ActiveRun.context} (see `runLevel` and
 * `LevelRun` in `trials.ts`) and are pushed to {@linkcode ActiveRun.levels};
 * `close()` ends the session, `finish()` builds, saves and returns the
 * results. `benchmark()` is `startRun`, its levels, `close()`, `finish()`;
 * `abTest()` holds two runs and alternates their trials.
 */
export interface ActiveRun {
  /** The specification with defaults applied. */
  readonly spec: BenchmarkSpec;
  /** The backend object. */
  readonly backend: Backend;
  /** The plan being carried out. */
  readonly plan: RunPlan;
  /** The open session. */
  readonly session: Session;
  /** What running a level needs. */
  readonly context: LevelContext;
  /** The saturation search, when the spec has a sweep. */
  readonly search: SaturationSearch | undefined;
  /** Measured levels, in order (push each level's result here). */
  readonly levels: LevelResult[];
  /** The records file, or null. */
  readonly recordsFile: string | null;
  /**
   * Adds a warning to the results and tells the observers.
   *
   * @param message The warning.
   */
  warn(message: string): void;
  /** Closes the records file and the session (idempotent, never throws). */
  close(): Promise<void>;
  /**
   * Stops what serves beside the run (the live Prometheus metrics) when the
   * run will not be finished; {@linkcode ActiveRun.finish} stops it otherwise
   * (idempotent, never throws).
   */
  release(): Promise<void>;
  /**
   * Closes the run if open, builds the results document, tells the
   * observers, and saves it to `out` when given.
   *
   * @returns The results.
   * @throws {ResultsSaveError} When `out` could not be written.
   */
  finish(): Promise<BenchmarkResults>;
}

/**
 * Starts a run without running its levels: what `benchmark()` does before
 * its first level. Whatever fails, nothing it started is left open.
 *
 * @param options The options of `benchmark()`.
 * @param startOptions How this start differs from `benchmark()`'s.
 * @returns The active run; call `close()` in a `finally`, then `finish()`.
 * @throws {import("../config/errors.ts").ConfigError} When an option or an output path is invalid.
 * @throws {Error} When the outputs cannot be written or the engine cannot be started or reached.
 *
 * @example Run the levels by hand
 * ```ts
 * import { startRun } from "./benchmark.ts";
 * import { runLevel } from "./trials.ts";
 * import { simulator } from "../backends/simulator.ts";
 * import assert from "node:assert/strict";
 *
 * const run = await startRun({
 *   backend: simulator({ ttftMs: 2, itlMs: 1 }), prompts: ["hi"],
 *   concurrency: [1, 2], runs: 2, trials: 1, warmup: 0, records: false,
 *   sampling: { maxTokens: 2 },
 * });
 * try {
 *   for (const level of run.plan.levels) {
 *     const r = await runLevel(run.context, level);
 *     if (r) run.levels.push(r);
 *   }
 * } finally {
 *   await run.close();
 * }
 * const results = await run.finish();
 * assert.deepEqual(results.levels.map((l) => l.concurrency), [1, 2]);
 * ```
 */
export async function startRun(
  options: BenchmarkOptions,
  startOptions: StartRunOptions = {},
): Promise<ActiveRun> {
  const { onEvent } = options;
  const resolved = await resolveRun(options);
  const { spec, backend, prepared } = resolved;
  // The table's metric ids are checked now, not when the table is printed after the run.
  checkTableOptions(spec.table, "benchmark", "table.metrics");
  const plan = makePlan(resolved);
  const fp0 = prepared.fingerprint;
  onEvent?.({ type: "workload", fingerprint: fp0, text: renderFingerprint(fp0) });
  const warnings: string[] = [];
  // Where the run writes is checked before the first request: a run is never lost to a
  // results path that could not be written.
  const outputWarnings = await checkPlanOutputs(plan);
  if (spec.history) await checkHistory(spec.history.db);
  for (const message of [...plan.warnings, ...outputWarnings]) {
    warnings.push(message);
    onEvent?.({ type: "warning", message });
  }
  const startedAt = new Date();
  const recordsFile = plan.records === "temp"
    ? Deno.makeTempFileSync({ prefix: "splleed-", suffix: ".records.jsonl" })
    : plan.records;
  const records = recordsFile === null ? null : new RecordsObserver(recordsFile);
  const outputs = new OutputLengthsObserver();
  const search = searchFor(spec);
  const levels: LevelResult[] = [];
  let session: Session | undefined;
  let observers: Observers;
  let context: LevelContext;
  let warn: (message: string) => void;
  let closed = false;
  let clock: { originMs: number; originEpochMs: number } | undefined;
  const close = async () => {
    if (closed) return;
    closed = true;
    records?.close();
    await session?.close();
  };
  // Live metrics listen before the engine is started or connected: a port in
  // use fails the run before it costs anything.
  const prometheus = spec.prometheus
    ? await livePrometheus(spec.prometheus, spec.tags, startedAt.toISOString())
    : null;
  try {
    session = await openSession(spec, backend);
    const first = [
      ...(records ? [records] : []),
      outputs,
      new RunGuard(session.endpoint, session.end),
      ...await telemetryObservers(spec),
      ...(prometheus ? [prometheus] : []),
    ];
    const run = observe(session, plan, spec, options, first, warnings);
    observers = run.observers;
    warn = run.warn;
    const anchor = clockAnchor();
    clock = { originMs: anchor.monoMs, originEpochMs: anchor.epochMs };
    await observers.emit("onRunStart", {
      plan,
      backend: { kind: backend.kind, model: session.client.model, endpoint: session.endpoint },
      recordsFile,
      clock,
    });
    const client = session.client;
    const issuer = new RequestIssuer({
      client,
      prepared: prepared.workload.items.map((it) => client.prepare(it)),
      items: prepared.workload.items,
      observers,
      limits: {
        requestMs: plan.requestTimeoutMs,
        firstByteMs: spec.firstByteTimeoutMs,
        idleMs: spec.idleTimeoutMs,
      },
      signal: session.signal,
    });
    // The checks of structured output are loaded and compiled now, not among measured requests.
    await structuredChecksReady();
    // After the requests are prepared: preparing an item can add warnings
    // (its own `extra` replacing one of splleed's fields).
    for (const w of session.client.warnings ?? []) run.warn(w);
    run.live.inFlight = (now) => issuer.inFlight(now);
    context = {
      spec,
      issuer,
      observers,
      metrics: run.metrics,
      signal: session.signal,
      traceOffsetsMs: prepared.trace?.offsetsMs,
      levels: search ? spec.sweep!.maxProbes : plan.levels.length,
      warn: run.warn,
    };
  } catch (err) {
    await close();
    await prometheus?.close().catch(() => {});
    throw err;
  }
  const s = session;
  let finished: Promise<BenchmarkResults> | undefined;
  const finish = async () => {
    await close();
    const doc = buildDocument({
      spec,
      backend,
      client: s.client,
      engineInfo: startOptions.engineInfo ?? s.engine?.info,
      transport: s.transport.name,
      workload: prepared.workload,
      fingerprint: outputs.lengths.length > 0 ? addObservedOutput(fp0, outputs.lengths) : fp0,
      startedAt,
      interruption: s.interruption(),
      cause: s.cause,
      warnings,
      recordsFile,
      levels,
      search,
      clock,
    });
    await observers.emit("onRunEnd", { results: doc });
    await prometheus?.close();
    if (spec.pushgateway) {
      const push = typeof spec.pushgateway === "string"
        ? { url: spec.pushgateway }
        : spec.pushgateway;
      const { pushSummary } = await import("../prom/push.ts");
      try {
        await pushSummary(doc, { ...push, labels: { ...spec.tags, ...spec.history?.tags } });
      } catch (err) {
        // The results are kept and saved; the document says the push failed.
        const message = `the summary was not pushed: ${err instanceof Error ? err.message : err}`;
        doc.warnings.push(message);
        onEvent?.({ type: "warning", message });
      }
    }
    const results = new BenchmarkResults(doc);
    if (spec.out) {
      try {
        await results.save(spec.out);
      } catch (err) {
        throw new ResultsSaveError(spec.out, err, results, recordsFile);
      }
    }
    if (spec.html) {
      try {
        await Deno.mkdir(dirname(spec.html), { recursive: true });
        await Deno.writeTextFile(spec.html, await results.toHTML());
      } catch (err) {
        throw new ResultsSaveError(spec.html, err, results, recordsFile);
      }
    }
    if (spec.history) {
      const { addToHistory } = await import("./history.ts");
      try {
        await addToHistory(
          { db: spec.history.db, tags: { ...spec.tags, ...spec.history.tags } },
          results.toJSON(),
        );
      } catch (err) {
        throw new ResultsSaveError(spec.history.db, err, results, recordsFile);
      }
    }
    return results;
  };
  return {
    spec,
    backend,
    plan,
    session: s,
    context,
    search,
    levels,
    recordsFile,
    warn: (m) => warn(m),
    close,
    release: async () => {
      await prometheus?.close().catch(() => {});
    },
    finish: () => finished ??= finish(),
  };
}

/**
 * Checks before the first request that the run can be added to its history
 * (the module is loaded only when a history is asked for). A file that is
 * not a history, or one written by a newer splleed, is a configuration
 * error.
 */
async function livePrometheus(
  options: NonNullable<BenchmarkSpec["prometheus"]>,
  tags: Record<string, string> | undefined,
  runId: string,
): Promise<RunObserver & { close(): Promise<void> }> {
  const { PrometheusObserver } = await import("../prom/live.ts");
  const observer = new PrometheusObserver({ ...options, labels: tags ?? {}, runId });
  observer.listen();
  return observer;
}

async function checkHistory(db: string): Promise<void> {
  const { checkHistoryWritable, HistoryError } = await import("./history.ts");
  try {
    checkHistoryWritable(db);
  } catch (err) {
    if (!(err instanceof HistoryError)) throw err;
    throw new ConfigError("benchmark", [{
      path: "history.db",
      expected: "a splleed history this splleed can write (or a new file)",
      received: err.message,
    }]);
  }
}

/**
 * The samplers the specification asks for (GPU, engine metrics, NVTX
 * markers), each loaded only when asked: a run without telemetry loads no
 * FFI code. They come before the metrics' listeners so that the per-trial
 * summaries they add to a trial's result are there when others hear of it.
 */
async function telemetryObservers(spec: BenchmarkSpec): Promise<RunObserver[]> {
  const out: RunObserver[] = [];
  if (spec.gpuMetrics) {
    const { GpuTelemetryObserver } = await import("../gpu/observer.ts");
    out.push(
      new GpuTelemetryObserver(spec.gpuMetrics === true ? { intervalMs: 100 } : spec.gpuMetrics),
    );
  }
  if (spec.engineMetrics) {
    const { EngineMetricsObserver } = await import("../engine/observer.ts");
    out.push(
      new EngineMetricsObserver(
        spec.engineMetrics === true ? { path: "/metrics", intervalMs: 1000 } : spec.engineMetrics,
      ),
    );
  }
  if (spec.emitMarkers) {
    const { MarkersObserver } = await import("../trace/observer.ts");
    out.push(new MarkersObserver(spec.emitMarkers === true ? {} : spec.emitMarkers));
  }
  return out;
}

/**
 * The run's observers, in the order they hear events: the records file and
 * other given built-ins first (what is on disk is never behind what others
 * saw), then the metrics, the live figures, the caller's observers and the
 * `onEvent` adapter.
 */
function observe(
  session: Session,
  plan: RunPlan,
  spec: BenchmarkSpec,
  options: BenchmarkOptions,
  first: RunObserver[],
  warnings: string[],
): {
  observers: Observers;
  metrics: TrialMetricsObserver;
  live: LiveStats;
  warn(m: string): void;
} {
  const metrics = new TrialMetricsObserver(
    plan.slo ?? undefined,
    session.client.api === "embeddings",
  );
  const live = new LiveObserver(spec.trials);
  const observers = new Observers([
    ...first,
    metrics,
    live,
    ...(options.observers ?? []),
    ...(options.onEvent ? [eventsObserver(options.onEvent, live.stats)] : []),
  ], (m) => warn(m));
  const warn = (message: string) => {
    warnings.push(message);
    observers.warning(message);
  };
  return { observers, metrics, live: live.stats, warn };
}

/** Runs the plan's levels in order, or the probes a saturation search chooses. */
async function runLevels(
  ctx: LevelContext,
  plan: RunPlan,
  search: SaturationSearch | undefined,
  out: LevelResult[],
): Promise<void> {
  for (let li = 0; !ctx.signal.aborted; li++) {
    const load = search ? search.next() : null;
    if (search ? load === null : li >= plan.levels.length) break;
    const level = search ? sweepLevel(ctx.spec, li, load!) : plan.levels[li];
    const result = await runLevel(ctx, level);
    if (result === null) continue;
    out.push(result);
    if (search && !ctx.signal.aborted) {
      search.report(load!, levelPasses(result, ctx.spec.sweep!.attainment));
    }
  }
}
