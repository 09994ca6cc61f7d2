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
import { createFetchTransport } from "../http/fetch_transport.ts";
import { createHttp1Transport } from "../http/http1_transport.ts";
import type { HttpTransport } from "../http/transport.ts";
import { burst, closedLoop, type LoadPattern, type Tick } from "../load/pattern.ts";
import { METRIC_IDS } from "../metrics/ids.ts";
import { TrialAccumulator } from "../metrics/trial.ts";
import { nullSink, openJsonlSink, type RecordSink } from "../record/jsonl_sink.ts";
import { newRecord } from "../record/record.ts";
import type { LevelResult, ResultsDocument, TrialResult } from "../report/document.ts";
import { type RunningServer, startServer } from "../servers/server.ts";
import { summarizeTrials } from "../stats/summary.ts";
import { VERSION } from "../version.ts";
import { loadPrompts } from "../workload/prompts.ts";
import { BenchmarkResults } from "./results.ts";

/** Something that happened during a run, for progress display. */
export type BenchmarkEvent =
  | { type: "warning"; message: string }
  | {
    type: "connected";
    backend: string;
    model: string;
    endpoint: string;
    recordsFile: string | null;
  }
  | { type: "level"; level: number; mode: "latency" | "throughput"; concurrency: number }
  | {
    type: "trial";
    level: number;
    concurrency: number;
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
  mode: "latency" | "throughput";
  concurrency: number;
  pattern(total: number): LoadPattern;
}

function planLevels(spec: BenchmarkSpec): Level[] {
  if (spec.mode === "throughput") {
    return [{ mode: "throughput", concurrency: spec.runs, pattern: (total) => burst({ total }) }];
  }
  return (spec.concurrency ?? [1]).map((c) => ({
    mode: "latency" as const,
    concurrency: c,
    pattern: (total: number) => closedLoop({ concurrency: Math.min(c, total), total }),
  }));
}

function describeConfig(
  spec: BenchmarkSpec,
  backend: Backend,
  promptCount: number,
): Record<string, unknown> {
  const { backend: _b, signal: _s, prompts, transport, ...rest } = spec;
  return {
    ...rest,
    transport: typeof transport === "string" ? transport : (transport as { name: string }).name,
    backend: backend.describe(),
    prompts: Array.isArray(prompts)
      ? { source: "inline", count: promptCount }
      : { source: "file", file: prompts.file, count: promptCount },
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
  const { onEvent, ...input } = options;
  const spec = parseBenchmarkSpec(input);
  const backend = isBackend(spec.backend)
    ? spec.backend
    : createBackend(spec.backend as BackendConfig);
  const prompts = await loadPrompts(spec.prompts);
  const levels = planLevels(spec);
  const warnings: string[] = [];
  for (const l of levels) {
    if (l.mode === "latency" && l.concurrency > spec.runs) {
      warnings.push(
        `concurrency ${l.concurrency} exceeds runs (${spec.runs}): at most ${spec.runs} requests are ever in flight at that level; raise 'runs' to at least ${l.concurrency}`,
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
    const prepared: PreparedRequest[] = prompts.map((p) => client!.prepare(p));

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
        levels: levels.map((l) => ({ mode: l.mode, concurrency: l.concurrency })),
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
    const issue = (
      phase: "warmup" | "measure",
      level: number,
      trial: number,
      acc: TrialAccumulator | undefined,
    ) =>
    async (tick: Tick): Promise<void> => {
      const promptIndex = tick.index % prepared.length;
      const rec = newRecord(nextId++, phase, level, trial, promptIndex, tick.scheduledMs);
      const controller = new AbortController();
      const timer = setTimeout(
        () =>
          controller.abort(new DOMException(`no response within ${timeoutMs} ms`, "TimeoutError")),
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
      sink.write(rec);
      acc?.add(rec);
    };

    for (let li = 0; li < levels.length && !run.signal.aborted; li++) {
      const lvl = levels[li];
      onEvent?.({ type: "level", level: li, mode: lvl.mode, concurrency: lvl.concurrency });
      if (spec.warmup > 0) {
        await lvl.pattern(spec.warmup).run(issue("warmup", li, -1, undefined), run.signal);
      }
      const trials: TrialResult[] = [];
      for (let t = 0; t < spec.trials && !run.signal.aborted; t++) {
        const acc = new TrialAccumulator(spec.slo, { embeddings });
        await lvl.pattern(spec.runs).run(issue("measure", li, t, acc), run.signal);
        const r = acc.result();
        if (acc.count === 0 && run.signal.aborted) break;
        trials.push({ ...r, complete: !run.signal.aborted });
        onEvent?.({
          type: "trial",
          level: li,
          concurrency: lvl.concurrency,
          trial: t,
          completed: r.metrics.requests_completed,
          failed: r.metrics.requests_failed,
          durationS: r.metrics.duration_s,
        });
      }
      if (trials.length > 0) levelResults.push(summarizeLevel(lvl, trials, spec.confidenceLevel));
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
    config: describeConfig(spec, backend, prompts.length),
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
    trials,
    summary: summarizeTrials(basis.map((t) => t.metrics), confidence, METRIC_IDS),
    errors,
  };
}

function abortMessage(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  if (typeof reason === "string") return reason;
  return "the run was aborted";
}
