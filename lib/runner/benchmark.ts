/**
 * `benchmark()`: the composition root. It validates the specification,
 * starts a managed engine if the backend has one, connects the backend, runs
 * every level and trial through a load pattern, streams each request record
 * to disk as it completes, derives metrics and statistics, and always tears
 * down what it started.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import type { BackendConfig } from "../config/backends.ts";
import type { BenchmarkSpec, BenchmarkSpecInput } from "../config/benchmark.ts";
import { parseBenchmarkSpec } from "../config/parse.ts";
import type { Backend, BackendClient, PreparedRequest } from "../backends/backend.ts";
import { createBackend, isBackend } from "../backends/registry.ts";
import { clockAnchor } from "../clock/clock.ts";
import { sleepUntil } from "../clock/precise.ts";
import { createFetchTransport } from "../http/fetch_transport.ts";
import { createHttp1Transport } from "../http/http1_transport.ts";
import type { HttpTransport } from "../http/transport.ts";
import { planArrivals } from "../load/arrivals.ts";
import { openLoop } from "../load/open_loop.ts";
import { burst, closedLoop, type LoadPattern, type Tick } from "../load/pattern.ts";
import { SaturationSearch } from "../load/search.ts";
import { LiveStats } from "../metrics/live.ts";
import { LoadDeliveredAccumulator } from "../metrics/load_delivered.ts";
import { TimeSeriesAccumulator } from "../metrics/time_series.ts";
import { METRIC_IDS } from "../metrics/ids.ts";
import { TrialAccumulator } from "../metrics/trial.ts";
import { nullSink, openJsonlSink, type RecordSink } from "../record/jsonl_sink.ts";
import { newRecord, type RequestRecord } from "../record/record.ts";
import type { LevelResult, ResultsDocument, TrialResult } from "../results/document.ts";
import { type RunningServer, startServer } from "../servers/server.ts";
import { summarizeTrials } from "../stats/summary.ts";
import { VERSION } from "../version.ts";
import {
  addObservedOutput,
  renderFingerprint,
  type WorkloadFingerprint,
} from "../workload/fingerprint.ts";
import type { Workload } from "../workload/types.ts";
import { prepareInWorker } from "./prepare_workload.ts";
import { BenchmarkResults } from "./results.ts";

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
  /** Folder that relative workload paths (files, tokenizer) are resolved against (a config file's). @default the working directory */
  baseDir?: string;
};

/**
 * Where the records go when only `out` is given: `<out without extension>.records.jsonl`.
 *
 * @param out Results path.
 * @returns Records path.
 *
 * @example
 * ```ts
 * import { recordsPathFor } from "./benchmark.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(recordsPathFor("runs/a.json"), "runs/a.records.jsonl");
 * ```
 */
export function recordsPathFor(out: string): string {
  const stem = basename(out).replace(/\.(json|csv)$/i, "");
  return join(dirname(out), `${stem}.records.jsonl`);
}

function makeTransport(t: BenchmarkSpec["transport"]): HttpTransport {
  if (typeof t === "object") return t as unknown as HttpTransport;
  return t === "fetch" ? createFetchTransport() : createHttp1Transport();
}

interface Level {
  mode: "latency" | "throughput" | "serve";
  concurrency: number;
  /** Serve mode: requests per second. */
  requestRate?: number;
  /** A replayed trace (its arrivals follow no distribution to check). */
  trace?: boolean;
  /** The pattern for `total` requests (undefined: bounded by `durationS`), with a seed for random plans. */
  pattern(total: number | undefined, seed: number): LoadPattern;
}

/**
 * A seed per (level, trial): trials of a random plan are independent draws,
 * and the same `seed` reproduces all of them.
 */
function trialSeed(seed: number, level: number, trial: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const v of [level, trial + 2]) {
    h = Math.imul(h ^ v, 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
  }
  return h;
}

function serveLevel(spec: BenchmarkSpec, rate: number): Level {
  return {
    mode: "serve",
    concurrency: spec.maxConcurrency ?? 0,
    requestRate: rate,
    pattern: (total: number | undefined, seed: number) =>
      openLoop({
        offsetsMs: planArrivals({
          rate,
          arrival: spec.arrival,
          burstiness: spec.burstiness,
          count: total,
          durationS: spec.durationS,
          rampUpS: spec.rampUpS,
          seed,
        }),
        maxConcurrency: spec.maxConcurrency,
      }),
  };
}

function traceLevel(
  spec: BenchmarkSpec,
  trace: { offsetsMs: Float64Array; meanRate: number | null },
): Level {
  return {
    mode: "serve",
    concurrency: spec.maxConcurrency ?? 0,
    requestRate: trace.meanRate ?? Infinity,
    trace: true,
    pattern: (total: number | undefined) => {
      let offsets = trace.offsetsMs;
      if (spec.durationS !== undefined) {
        const limit = spec.durationS * 1000;
        let n = 0;
        while (n < offsets.length && offsets[n] <= limit) n++;
        offsets = offsets.subarray(0, n);
      }
      if (total !== undefined && total < offsets.length) offsets = offsets.subarray(0, total);
      return openLoop({ offsetsMs: offsets, maxConcurrency: spec.maxConcurrency });
    },
  };
}

function latencyLevel(c: number): Level {
  return {
    mode: "latency",
    concurrency: c,
    pattern: (total: number | undefined) =>
      closedLoop({ concurrency: Math.min(c, total!), total: total! }),
  };
}

function planLevels(spec: BenchmarkSpec): Level[] {
  if (spec.sweep) return []; // chosen one by one by the search
  if (spec.mode === "throughput") {
    const runs = spec.runs!;
    return [{
      mode: "throughput",
      concurrency: runs,
      pattern: (total) => burst({ total: total! }),
    }];
  }
  if (spec.mode === "serve") return (spec.requestRates ?? []).map((r) => serveLevel(spec, r));
  return (spec.concurrency ?? [1]).map(latencyLevel);
}

/**
 * Whether a measured level met the sweep's objectives: SLO attainment, and
 * for the open loop a delivered rate (at least 97 % of the plan's; a lag
 * spike alone does not fail a level, it is reported in its section).
 */
function levelPasses(level: LevelResult, attainment: number): boolean {
  const ratio = level.summary.goodput_ratio?.value;
  if (ratio === undefined || ratio < attainment) return false;
  return !level.trials.some((t) =>
    t.load !== undefined && t.load.achievedRate !== null && t.load.plannedRate !== null &&
    t.load.achievedRate < 0.97 * t.load.plannedRate
  );
}

function describeConfig(
  spec: BenchmarkSpec,
  backend: Backend,
  workload: Workload,
): Record<string, unknown> {
  const { backend: _b, signal: _s, prompts: _p, workload: _w, transport, ...rest } = spec;
  return {
    ...rest,
    requestRates: rest.requestRates?.map((r) => Number.isFinite(r) ? r : "inf"),
    transport: typeof transport === "string" ? transport : (transport as { name: string }).name,
    backend: backend.describe(),
    workload: { ...workload.description, count: workload.items.length },
  };
}

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
 * Aborting `signal` stops sending, aborts requests in flight, and returns
 * the results measured so far with `interrupted: true` (records on disk are
 * complete).
 *
 * @param options The specification.
 * @returns The results.
 * @throws {import("../config/errors.ts").ConfigError} Before any request, when an option is invalid.
 * @throws {Error} When the engine cannot be started or reached.
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
  const { onEvent, baseDir, ...input } = options;
  const spec = parseBenchmarkSpec(input);
  const backend = isBackend(spec.backend)
    ? spec.backend
    : createBackend(spec.backend as BackendConfig);
  const prepared0 = await prepareInWorker({
    prompts: spec.prompts,
    workload: spec.workload,
    trace: spec.trace,
    baseDir,
    seed: spec.seed,
    sampling: spec.sampling,
  });
  const workload = prepared0.workload;
  const trace = prepared0.trace;
  let fp = prepared0.fingerprint;
  onEvent?.({ type: "workload", fingerprint: fp, text: renderFingerprint(fp) });
  const observedOutput: number[] = [];
  const levels = trace ? [traceLevel(spec, trace)] : planLevels(spec);
  const search = spec.sweep
    ? new SaturationSearch({
      integer: spec.sweep.find === "max-concurrency",
      start: spec.sweep.start,
      max: spec.sweep.max,
      tolerance: spec.sweep.tolerance,
      maxProbes: spec.sweep.maxProbes,
    })
    : undefined;
  const slo = spec.slo ?? spec.sweep?.slo;
  const warnings: string[] = [];
  // Undefined only for a serve level bounded by `durationS`, or a trace.
  const runs = spec.runs;
  for (const l of levels) {
    if (l.mode === "latency" && runs !== undefined && l.concurrency > runs) {
      warnings.push(
        `concurrency ${l.concurrency} exceeds runs (${runs}): at most ${runs} requests are ever in flight at that level; raise 'runs' to at least ${l.concurrency}`,
      );
    }
  }
  for (const message of warnings) onEvent?.({ type: "warning", message });
  if (!backend.launch && !backend.endpoint) {
    throw new TypeError(
      `Cannot start benchmark: backend '${backend.kind}' has neither an endpoint nor a way to start a server`,
    );
  }

  const run = new AbortController();
  const onAbort = () => run.abort(spec.signal?.reason);
  if (spec.signal?.aborted) run.abort(spec.signal.reason);
  spec.signal?.addEventListener("abort", onAbort, { once: true });

  const startedAt = new Date();
  const transport = makeTransport(spec.transport);
  let server: RunningServer | undefined;
  let sink: RecordSink = nullSink();
  let client: BackendClient | undefined;
  const levelResults: LevelResult[] = [];
  let interruption: string | null = null;
  // Why the run ended early: a signal, the caller's abort, or the engine dying.
  let cause: "signal" | "abort" | "server_exit" | null = null;
  try {
    if (backend.launch) {
      server = await startServer(backend.launch, {
        onSignal: (sig) => {
          cause ??= "signal";
          run.abort(new Error(`interrupted by ${sig}`));
        },
      });
      server.died?.then((err) => {
        if (run.signal.aborted) return;
        cause ??= "server_exit";
        run.abort(err);
      });
    }
    const endpoint = server?.endpoint ?? backend.endpoint!;
    client = await backend.connect({ endpoint, transport, sampling: spec.sampling });
    for (const w of client.warnings ?? []) {
      warnings.push(w);
      onEvent?.({ type: "warning", message: w });
    }
    const embeddings = client.api === "embeddings";
    const prepared: PreparedRequest[] = workload.items.map((it) => client!.prepare(it));

    const anchor = clockAnchor();
    const recordsPath = spec.records === false
      ? null
      : spec.records ?? (spec.out ? recordsPathFor(spec.out) : Deno.makeTempFileSync({
        prefix: "splleed-",
        suffix: ".records.jsonl",
      }));
    if (recordsPath !== null) {
      sink = openJsonlSink(recordsPath, {
        kind: "run",
        schemaVersion: 1,
        startedAt: new Date(anchor.epochMs).toISOString(),
        clock: { originMs: anchor.monoMs, originEpochMs: anchor.epochMs },
        tool: { name: "splleed", version: VERSION },
        backend: backend.kind,
        model: client.model,
        levels: levels.map((l) => ({
          mode: l.mode,
          concurrency: l.concurrency,
          ...(l.requestRate !== undefined ? { requestRate: rateJson(l.requestRate) } : {}),
        })),
      });
    }
    onEvent?.({
      type: "connected",
      backend: backend.kind,
      model: client.model,
      endpoint,
      recordsFile: sink.path,
    });

    let nextId = 0;
    const timeoutMs = backend.requestTimeoutMs ?? spec.requestTimeoutMs;
    // One controller and one timer per request, both gone when it ends; an
    // interrupt aborts every request in flight.
    const inFlight = new Set<AbortController>();
    const abortInFlight = () => {
      for (const c of inFlight) c.abort(run.signal.reason);
    };
    run.signal.addEventListener("abort", abortInFlight, { once: true });
    const items = workload.items;
    const multiTurn = items.some((it) => it.conversation !== undefined && it.conversation.turn > 0);
    const issue = (
      phase: "warmup" | "measure",
      level: number,
      trial: number,
      accs: { add(rec: RequestRecord): void }[],
    ) => {
      // Multi-turn: a conversation's next turn goes only after its previous
      // turn ended and the user's think time passed (keyed per cycle through
      // the workload, so repeated conversations are separate users).
      const turnsDone = new Map<string, Promise<number>>();
      return async (tick: Tick): Promise<void> => {
        const promptIndex = tick.index % prepared.length;
        let scheduledMs = tick.scheduledMs;
        let ended: ((t: number) => void) | undefined;
        const conv = multiTurn ? items[promptIndex].conversation : undefined;
        if (conv) {
          const cycle = Math.floor(tick.index / prepared.length);
          turnsDone.set(`${cycle}:${conv.id}:${conv.turn}`, new Promise((r) => (ended = r)));
          const prev = turnsDone.get(`${cycle}:${conv.id}:${conv.turn - 1}`);
          if (prev) {
            scheduledMs = (await prev) + conv.thinkMs;
            await sleepUntil(scheduledMs, run.signal);
          }
        }
        const rec = newRecord(nextId++, phase, level, trial, promptIndex, scheduledMs);
        if (tick.queueMs !== undefined) rec.queueMs = tick.queueMs;
        const controller = new AbortController();
        const timer = setTimeout(
          () =>
            controller.abort(
              new DOMException(`no response within ${timeoutMs} ms`, "TimeoutError"),
            ),
          timeoutMs,
        );
        inFlight.add(controller);
        if (run.signal.aborted) controller.abort(run.signal.reason);
        try {
          await client!.send(prepared[promptIndex], rec, controller.signal);
        } finally {
          clearTimeout(timer);
          inFlight.delete(controller);
        }
        ended?.(rec.endMs ?? performance.now());
        sink.write(rec);
        for (const a of accs) a.add(rec);
        if (phase === "measure" && rec.ok && rec.outputTokens !== null) {
          observedOutput.push(rec.outputTokens);
        }
      };
    };

    const live = new LiveStats();
    onEvent?.({ type: "live", stats: live, levels: levels.length });
    for (let li = 0; !run.signal.aborted; li++) {
      let lvl: Level;
      if (search) {
        const load = search.next();
        if (load === null) break;
        lvl = spec.sweep!.find === "max-rate" ? serveLevel(spec, load) : latencyLevel(load);
      } else {
        if (li >= levels.length) break;
        lvl = levels[li];
      }
      onEvent?.({
        type: "level",
        level: li,
        mode: lvl.mode,
        concurrency: lvl.concurrency,
        requestRate: lvl.requestRate,
      });
      if (spec.warmup > 0) {
        await lvl.pattern(spec.warmup, trialSeed(spec.seed, li, -1)).run(
          issue("warmup", li, -1, []),
          run.signal,
        );
      }
      const trials: TrialResult[] = [];
      for (let t = 0; t < spec.trials && !run.signal.aborted; t++) {
        const acc = new TrialAccumulator(slo, { embeddings });
        const pattern = lvl.pattern(runs, trialSeed(spec.seed, li, t));
        const delivered = lvl.mode === "serve" ? new LoadDeliveredAccumulator() : undefined;
        const series = new TimeSeriesAccumulator(performance.now());
        const accs = delivered ? [acc, delivered, series, live] : [acc, series, live];
        live.startTrial({
          level: li,
          label: levelLabel(lvl),
          trial: t,
          trials: spec.trials,
          planned: runs ?? null,
        });
        await pattern.run(issue("measure", li, t, accs), run.signal);
        live.endTrial();
        const r = acc.result();
        if (acc.count === 0 && run.signal.aborted) break;
        const trial: TrialResult = {
          ...r,
          complete: !run.signal.aborted,
          timeSeries: series.result(),
        };
        if (delivered) {
          const load = delivered.result({
            rate: lvl.requestRate!,
            arrival: lvl.trace ? "trace" : spec.arrival,
            burstiness: spec.burstiness,
            rampUpS: spec.rampUpS,
            planned: pattern.total,
          });
          trial.load = load;
          if (load.achievedRate !== null) {
            trial.metrics.achieved_request_rate_per_sec = load.achievedRate;
          }
          if (load.fellBehind) {
            const msg =
              `rate ${rateLabel(lvl.requestRate!)} trial ${t + 1}: the client fell behind ` +
              `(achieved ${load.achievedRate?.toFixed(1)} req/s of ${
                load.plannedRate?.toFixed(1)
              } planned; ` +
              `schedule lag p99 ${
                load.scheduleLagMs?.p99.toFixed(2)
              } ms): latencies at this load are ` +
              "measured at a lower load than asked; use fewer streams per client or a faster machine";
            warnings.push(msg);
            onEvent?.({ type: "warning", message: msg });
          }
        }
        trials.push(trial);
        onEvent?.({
          type: "trial",
          level: li,
          concurrency: lvl.concurrency,
          requestRate: lvl.requestRate,
          trial: t,
          completed: r.metrics.requests_completed,
          failed: r.metrics.requests_failed,
          durationS: r.metrics.duration_s,
        });
      }
      if (trials.length > 0) {
        const result = summarizeLevel(lvl, trials, spec.confidenceLevel);
        levelResults.push(result);
        if (search && !run.signal.aborted) {
          search.report(
            lvl.mode === "serve" ? lvl.requestRate! : lvl.concurrency,
            levelPasses(result, spec.sweep!.attainment),
          );
        }
      }
    }
    if (run.signal.aborted) {
      cause ??= "abort";
      interruption = abortMessage(cause === "abort" ? spec.signal?.reason : run.signal.reason);
    }
  } finally {
    spec.signal?.removeEventListener("abort", onAbort);
    sink.close();
    if (typeof spec.transport === "string") transport.close();
    await server?.stop();
  }

  const doc: ResultsDocument = {
    schemaVersion: 1,
    tool: { name: "splleed", version: VERSION, deno: Deno.version.deno },
    config: describeConfig(spec, backend, workload),
    workload: observedOutput.length > 0 ? (fp = addObservedOutput(fp, observedOutput)) : fp,
    backend: {
      kind: backend.kind,
      model: client?.model ?? null,
      api: client?.api ?? null,
      endpoint: client?.info.endpoint ?? backend.endpoint ?? null,
      transport: transport.name,
      info: client?.info ?? {},
      ...(server ? { server: server.info } : {}),
    },
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    interrupted: interruption !== null,
    interruption,
    interruptionCause: interruption !== null ? cause : null,
    warnings,
    recordsFile: sink.path,
    levels: levelResults,
    ...(search
      ? {
        sweep: {
          find: spec.sweep!.find,
          slo: spec.sweep!.slo,
          attainment: spec.sweep!.attainment,
          probes: search.probes.map((p) => ({ load: p.load, pass: p.pass })),
          result: search.result(),
          bracket: search.bracket(),
        },
      }
      : {}),
  };
  const results = new BenchmarkResults(doc);
  if (spec.out) await results.save(spec.out);
  return results;
}

function summarizeLevel(lvl: Level, trials: TrialResult[], confidence: number): LevelResult {
  const complete = trials.filter((t) => t.complete);
  const basis = complete.length > 0 ? complete : trials;
  const errors: Record<string, number> = {};
  for (const t of trials) {
    for (const [k, v] of Object.entries(t.errors)) errors[k] = (errors[k] ?? 0) + v;
  }
  return {
    mode: lvl.mode,
    concurrency: lvl.concurrency,
    ...(lvl.requestRate !== undefined ? { requestRate: rateJson(lvl.requestRate) } : {}),
    trials,
    summary: summarizeTrials(basis.map((t) => t.metrics), confidence, METRIC_IDS),
    errors,
  };
}

/** A rate as JSON can hold it: `"inf"` for an infinite one. */
function rateJson(rate: number): number | "inf" {
  return Number.isFinite(rate) ? rate : "inf";
}

function levelLabel(l: Level): string {
  if (l.mode === "throughput") return `burst ${l.concurrency}`;
  if (l.mode === "serve") return `r=${rateLabel(l.requestRate!)}`;
  return `c=${l.concurrency}`;
}

function rateLabel(rate: number): string {
  return Number.isFinite(rate) ? `${rate}/s` : "inf";
}

function abortMessage(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  if (typeof reason === "string") return reason;
  return "the run was aborted";
}
