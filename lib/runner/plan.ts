/**
 * Planning a run: from the specification to a {@linkcode RunPlan}, plain
 * data that says what the run will do (levels in order, trials, warm-up,
 * the load of each level in words and numbers, the workload, where records
 * go). `planRun()` makes one without starting an engine or sending a
 * request, as `k6 inspect` does; `benchmark()` makes the same plan and
 * carries it out.
 *
 * @module
 */

import { checkOutputs } from "./outputs.ts";
import { basename, dirname, join } from "node:path";
import type { Backend } from "../backends/backend.ts";
import { createBackend, isBackend } from "../backends/registry.ts";
import type { BackendConfig } from "../config/backends.ts";
import type { BenchmarkSpec } from "../config/benchmark.ts";
import type { LevelLoad } from "../config/level_load.ts";
import { parseBenchmarkSpec } from "../config/parse.ts";
import { describeLevelLoad, traceOffsetsWithin } from "../load/level_pattern.ts";
import type { PlannedLevel, PlannedSweep, RunPlan } from "../results/plan.ts";
import type { BenchmarkOptions } from "./benchmark.ts";
import { type Prepared, prepareWorkload } from "./prepare_workload.ts";

/**
 * Where the records go when only `out` is given: `<out without extension>.records.jsonl`.
 *
 * @param out Results path.
 * @returns Records path.
 *
 * @example
 * ```ts
 * import { recordsPathFor } from "./plan.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(recordsPathFor("runs/a.json"), "runs/a.records.jsonl");
 * ```
 */
export function recordsPathFor(out: string): string {
  const stem = basename(out).replace(/\.(json|csv)$/i, "");
  return join(dirname(out), `${stem}.records.jsonl`);
}

/** A parsed specification with its backend object and prepared workload. */
export interface ResolvedRun {
  /** The specification with defaults applied. */
  spec: BenchmarkSpec;
  /** The backend object. */
  backend: Backend;
  /** The workload, its fingerprint and trace timing. */
  prepared: Prepared;
}

/**
 * Parses the options, makes the backend and prepares the workload (files
 * read, synthetic prompts made), without contacting any engine.
 *
 * @param options The options of `benchmark()`.
 * @returns The resolved run.
 * @throws {import("../config/errors.ts").ConfigError} When an option is invalid or a workload file unreadable.
 */
export async function resolveRun(options: BenchmarkOptions): Promise<ResolvedRun> {
  const { onEvent: _e, observers: _o, ...input } = options;
  const spec = parseBenchmarkSpec(input);
  const backend = isBackend(spec.backend)
    ? spec.backend
    : createBackend(spec.backend as BackendConfig);
  const prepared = await prepareWorkload({
    workload: spec.workload,
    trace: spec.trace,
    seed: spec.seed,
    sampling: spec.sampling,
  });
  return { spec, backend, prepared };
}

/**
 * Plans a run: what `benchmark()` with these options would do, without
 * starting an engine or sending a request. Workload files are read (so a
 * missing file is reported now, not after the engine started).
 *
 * @param options The options of `benchmark()`.
 * @returns The plan.
 * @throws {import("../config/errors.ts").ConfigError} When an option is invalid, a workload file
 *   unreadable, or `out` unusable (see {@linkcode checkPlanOutputs}).
 * @throws {Error} When `out` or the records cannot be written.
 *
 * @example Three concurrency levels, two trials each
 * ```ts
 * import { planRun } from "./plan.ts";
 * import assert from "node:assert/strict";
 *
 * const plan = await planRun({
 *   backend: { type: "vllm", endpoint: "http://localhost:8000", model: "m" },
 *   prompts: ["a", "b"],
 *   concurrency: [1, 4, 16],
 *   runs: 20,
 *   trials: 2,
 *   records: false,
 * });
 * assert.deepEqual(plan.levels.map((l) => l.label), ["c=1", "c=4", "c=16"]);
 * assert.equal(plan.levels[1].description, "closed loop, 4 in flight");
 * assert.equal(plan.totalRequests, 3 * 2 * 20);
 * assert.equal(plan.backend.managed, false);
 * ```
 */
export async function planRun(options: BenchmarkOptions): Promise<RunPlan> {
  const r = await resolveRun(options);
  const plan = makePlan(r);
  // What a run would refuse before its first request, a plan refuses too.
  plan.warnings.push(...await checkPlanOutputs(plan));
  return plan;
}

/**
 * Checks where a planned run writes (see {@linkcode checkOutputs}): an
 * unusable `out` or records path throws; too little free space is an error
 * or, when tight, a warning.
 *
 * @param plan The plan.
 * @returns Warnings (empty when all is well).
 * @throws {import("../config/errors.ts").ConfigError} When `out` has an extension splleed cannot
 *   write, or `out` and the records are one file.
 * @throws {Error} When a path cannot be written or the disk is too full.
 */
export function checkPlanOutputs(plan: RunPlan): Promise<string[]> {
  let planned: number | undefined = 0;
  for (const l of plan.levels) {
    if (l.requestsPerTrial === null) {
      planned = undefined;
      break;
    }
    planned += l.warmupRequests + l.trials * l.requestsPerTrial;
  }
  return checkOutputs({
    out: plan.out ?? undefined,
    records: plan.records,
    plannedRequests: planned,
  });
}

/**
 * The plan of a resolved run.
 *
 * @param run The parsed specification, backend and prepared workload.
 * @returns The plan.
 */
export function makePlan(run: ResolvedRun): RunPlan {
  const { spec, backend, prepared } = run;
  const levels = planLevels(spec, prepared);
  const warnings: string[] = [];
  for (const l of levels) {
    if (l.mode === "latency" && spec.runs !== undefined && l.concurrency > spec.runs) {
      warnings.push(
        `concurrency ${l.concurrency} exceeds runs (${spec.runs}): at most ${spec.runs} requests are ever in flight at that level; raise 'runs' to at least ${l.concurrency}`,
      );
    }
  }
  const launch = backend.launch;
  const records = spec.records === false
    ? null
    : spec.records ?? (spec.out ? recordsPathFor(spec.out) : "temp");
  const transport = spec.transport;
  return {
    backend: {
      kind: backend.kind,
      endpoint: backend.endpoint ?? null,
      managed: launch !== undefined,
      command: launch?.kind === "process"
        ? (launch.docker
          ? ["docker", "run", launch.docker.image, ...launch.dockerArgv]
          : launch.argv)
        : null,
      options: backend.describe(),
    },
    workload: {
      description: { ...prepared.workload.description },
      requests: prepared.workload.items.length,
    },
    mode: spec.mode,
    levels,
    sweep: planSweep(spec),
    trials: spec.trials,
    warmup: spec.warmup ?? Math.max(1, ...levels.map((l) => l.warmupRequests)),
    seed: spec.seed,
    confidenceLevel: spec.confidenceLevel,
    sampling: { ...spec.sampling },
    slo: spec.slo ?? spec.sweep?.slo ?? null,
    requestTimeoutMs: backend.requestTimeoutMs ?? spec.requestTimeoutMs,
    transport: typeof transport === "string" ? transport : (transport as { name: string }).name,
    records,
    out: spec.out ?? null,
    ...publishPlan(spec),
    totalRequests: spec.sweep || spec.runs === undefined
      ? null
      : levels.reduce((n, l) => n + l.trials * (l.requestsPerTrial ?? 0), 0),
    warnings,
  };
}

/** The plan's `publish` part: absent when the run goes nowhere but its files. */
function publishPlan(spec: BenchmarkSpec): Pick<RunPlan, "publish"> {
  const tags = { ...spec.tags, ...spec.history?.tags };
  const publish: NonNullable<RunPlan["publish"]> = {
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
    ...(spec.history ? { history: spec.history.db } : {}),
    ...(spec.prometheus
      ? { metrics: `${spec.prometheus.hostname ?? "127.0.0.1"}:${spec.prometheus.port}` }
      : {}),
    ...(spec.pushgateway
      ? {
        pushgateway: typeof spec.pushgateway === "string" ? spec.pushgateway : spec.pushgateway.url,
      }
      : {}),
  };
  return Object.keys(publish).length > 0 ? { publish } : {};
}

function planSweep(spec: BenchmarkSpec): PlannedSweep | null {
  const s = spec.sweep;
  if (!s) return null;
  return {
    find: s.find,
    slo: { ...s.slo },
    attainment: s.attainment,
    start: s.start ?? 1,
    max: s.max ?? 4096,
    tolerance: s.tolerance,
    maxProbes: s.maxProbes,
  };
}

function planLevels(spec: BenchmarkSpec, prepared: Prepared): PlannedLevel[] {
  if (spec.sweep) return []; // chosen one by one by the search
  if (prepared.trace) {
    const t = prepared.trace;
    return [level(spec, 0, {
      kind: "trace",
      speed: spec.trace?.speed ?? 1,
      meanRate: t.meanRate,
      requests: traceOffsetsWithin(t.offsetsMs, spec.durationS, spec.runs).length,
      maxConcurrency: spec.maxConcurrency ?? null,
    })];
  }
  if (spec.mode === "throughput") return [level(spec, 0, { kind: "burst" })];
  if (spec.mode === "serve") {
    return (spec.requestRates ?? []).map((r, i) => level(spec, i, openLoad(spec, r)));
  }
  return (spec.concurrency ?? [1]).map((c, i) =>
    level(spec, i, { kind: "closed", concurrency: c })
  );
}

/**
 * The level a saturation search probes at `load` (a concurrency or a rate).
 *
 * @param spec The specification.
 * @param index Position of the probe in the run.
 * @param load The load the search chose.
 * @returns The level.
 */
export function sweepLevel(spec: BenchmarkSpec, index: number, load: number): PlannedLevel {
  return spec.sweep!.find === "max-rate"
    ? level(spec, index, openLoad(spec, load))
    : level(spec, index, { kind: "closed", concurrency: load });
}

function openLoad(spec: BenchmarkSpec, rate: number): LevelLoad {
  return {
    kind: "open",
    rate: Number.isFinite(rate) ? rate : "inf",
    arrival: spec.arrival,
    burstiness: spec.burstiness,
    rampUpS: spec.rampUpS,
    maxConcurrency: spec.maxConcurrency ?? null,
  };
}

// The warm-up: `warmup` when given, else one request per connection of the
// level (max(1, concurrency)), so no measured request pays for opening one.
function level(spec: BenchmarkSpec, index: number, load: LevelLoad): PlannedLevel {
  const l = levelOf(spec, index, load);
  return spec.warmup === undefined ? { ...l, warmupRequests: Math.max(1, l.concurrency) } : l;
}

function levelOf(spec: BenchmarkSpec, index: number, load: LevelLoad): PlannedLevel {
  const runs = spec.runs ?? null;
  const base = {
    index,
    description: describeLevelLoad(load),
    warmupRequests: spec.warmup ?? 1,
    trials: spec.trials,
    load,
  };
  switch (load.kind) {
    case "closed":
      return {
        ...base,
        label: `c=${load.concurrency}`,
        mode: "latency",
        concurrency: load.concurrency,
        requestsPerTrial: runs,
        durationS: null,
      };
    case "burst":
      return {
        ...base,
        label: `burst ${runs}`,
        mode: "throughput",
        concurrency: runs ?? 0,
        requestsPerTrial: runs,
        durationS: null,
      };
    case "open":
      return {
        ...base,
        label: `r=${load.rate === "inf" ? "inf" : `${load.rate}/s`}`,
        mode: "serve",
        concurrency: load.maxConcurrency ?? 0,
        requestRate: load.rate,
        requestsPerTrial: runs,
        durationS: spec.durationS ?? null,
      };
    case "trace":
      return {
        ...base,
        label: "trace",
        mode: "serve",
        concurrency: load.maxConcurrency ?? 0,
        requestRate: load.meanRate ?? "inf",
        requestsPerTrial: runs ?? load.requests,
        durationS: spec.durationS ?? null,
      };
  }
}
