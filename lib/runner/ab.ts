/**
 * `abTest()`: an A/B run. Two backends are benchmarked with one
 * specification, their trials alternating in time (A B B A A B B A …, so a
 * drift of the machine over the run falls on both sides alike), and the two
 * results are compared. Each side's results are complete, as two
 * `benchmark()` runs would give them (their own records, levels and
 * summaries), except that their trials were interleaved.
 *
 * @module
 */

import type { Backend } from "../backends/backend.ts";
import { createBackend, isBackend } from "../backends/registry.ts";
import type { BackendConfig } from "../config/backends.ts";
import { ConfigError } from "../config/errors.ts";
import type { LaunchSpec } from "../config/launch.ts";
import { parseBenchmarkSpec } from "../config/parse.ts";
import type { CompareOptions } from "../analysis/compare.ts";
import type { LevelResult } from "../results/document.ts";
import {
  type ActiveRun,
  type BenchmarkEvent,
  type BenchmarkOptions,
  startRun,
} from "./benchmark.ts";
import { compare, type Comparison } from "./compare.ts";
import type { RunObserver } from "./observer.ts";
import type { BenchmarkResults } from "./results.ts";
import { type Engine, startEngine } from "./session.ts";
import { LevelRun } from "./trials.ts";

/** One side of an A/B run. */
export interface AbSide {
  /** The engine: `vllm({...})`, `simulator({...})`, or backend data. */
  backend: Backend | BackendConfig;
  /** Its name in the comparison. @default "baseline" or "candidate" */
  name?: string;
  /** Where to save this side's results (`.json` or `.csv`). @default not saved */
  out?: string;
  /**
   * This side's per-request records file; `false` for none.
   * @default beside `out`, else a temporary file
   */
  records?: string | false;
  /** Observers of this side's run (each side's events go to its own). @default [] */
  observers?: readonly RunObserver[];
}

/** Which side a trial ran on: `A` the baseline, `B` the candidate. */
export type AbLetter = "A" | "B";

/**
 * Options of {@linkcode abTest}: the two sides, and the specification they
 * share (everything `benchmark()` takes but the backend, where results go and
 * observers, which are per side).
 */
export type AbTestOptions =
  & Omit<
    BenchmarkOptions,
    "backend" | "out" | "html" | "records" | "observers" | "onEvent" | "trials"
  >
  & {
    /** The side compared against. */
    baseline: AbSide;
    /** The side being tested. */
    candidate: AbSide;
    /** Trials per side at every level. */
    trials: number;
    /**
     * `interleaved`: in ABBA blocks (A B B A A B …), so that a linear drift
     * cancels; `blocked`: every A trial of the level, then every B trial.
     * @default "interleaved"
     */
    order?: "interleaved" | "blocked";
    /**
     * Managed engines: `both` keeps both running for the whole run;
     * `restart` runs one at a time, stopping one side's engine before
     * starting the other's at each change of side (for engines that do not
     * fit together), with the level's warm-up after each start. The results'
     * warnings say how many restarts there were and how long they took.
     * Connect-mode sides are left as they are.
     * @default "both"
     */
    engines?: "both" | "restart";
    /** Options of the comparison (alpha, test, metrics, ...). @default {} */
    compare?: CompareOptions;
    /** `false`: no records on either side (else each side's `records`). */
    records?: false;
    /** Progress events of each side, tagged with the side. */
    onEvent?: (side: "baseline" | "candidate", event: BenchmarkEvent) => void;
  };

/** What an A/B run returns. */
export interface AbTestResult {
  /** The baseline's results (side A). */
  baseline: BenchmarkResults;
  /** The candidate's results (side B). */
  candidate: BenchmarkResults;
  /** The comparison of the two. */
  comparison: Comparison;
  /** The order of the trials within each level. */
  order: AbLetter[];
  /** With `engines: "restart"`: restarts between sides and the seconds they took. */
  restarts?: { count: number; seconds: number };
}

/**
 * The order of an A/B level's trials: `interleaved` in ABBA blocks
 * (A B B A A B B A …; with an odd count the last block is A B), `blocked`
 * all A then all B.
 *
 * @param trials Trials per side (a positive integer).
 * @param order The order.
 * @returns The sides in the order their trials run, `2 × trials` long.
 * @throws {RangeError} When `trials` is not a positive integer.
 *
 * @example
 * ```ts
 * import { abOrder } from "./ab.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(abOrder(4, "interleaved").join(""), "ABBAABBA");
 * assert.deepEqual(abOrder(3, "interleaved").join(""), "ABBAAB");
 * assert.deepEqual(abOrder(2, "blocked").join(""), "AABB");
 * ```
 */
export function abOrder(trials: number, order: "interleaved" | "blocked"): AbLetter[] {
  if (!Number.isInteger(trials) || trials < 1) {
    throw new RangeError(
      `Cannot order an A/B run: 'trials' must be a positive integer, got ${trials}`,
    );
  }
  if (order === "blocked") {
    return [...Array(trials).fill("A"), ...Array(trials).fill("B")];
  }
  const out: AbLetter[] = [];
  for (let k = 0; k < trials; k++) {
    out.push(...(k % 2 === 0 ? ["A", "B"] : ["B", "A"]) as AbLetter[]);
  }
  return out;
}

const SIDE_NAME = { A: "baseline", B: "candidate" } as const;

/**
 * A managed engine that abTest starts and stops itself (`engines:
 * "restart"`), on the same port each time so the connected client stays
 * valid.
 */
class TakeTurns {
  #launch: LaunchSpec;
  #engine: Engine | undefined;
  #generation = 0;
  /** Called when the running engine dies (not when stopped). */
  onDeath: (err: Error) => void = () => {};
  /** Told of SIGINT/SIGTERM while a process runs. */
  onSignal: (sig: Deno.Signal) => void = () => {};

  constructor(launch: LaunchSpec) {
    this.#launch = launch;
  }

  get running(): boolean {
    return this.#engine !== undefined;
  }

  /** The first start's description, for the results. */
  info: Record<string, unknown> | undefined;

  async start(): Promise<string> {
    const engine = await startEngine(this.#launch, (sig) => this.onSignal(sig));
    this.#engine = engine;
    this.info ??= engine.info;
    const gen = ++this.#generation;
    engine.died?.then((err) => {
      if (this.#engine === engine && this.#generation === gen) this.onDeath(err);
    });
    // Later starts reuse the port, so the connected client keeps its endpoint.
    const port = Number(new URL(engine.endpoint).port);
    this.#launch = this.#launch.kind === "simulator"
      ? { ...this.#launch, options: { ...this.#launch.options, port } }
      : { ...this.#launch, port };
    return engine.endpoint;
  }

  async stop(): Promise<void> {
    const e = this.#engine;
    this.#engine = undefined;
    await e?.stop().catch(() => {});
  }
}

/** A backend that connects to the endpoint of an engine abTest manages. */
function connectTo(backend: Backend, endpoint: string): Backend {
  return {
    kind: backend.kind,
    endpoint,
    ...(backend.requestTimeoutMs !== undefined
      ? { requestTimeoutMs: backend.requestTimeoutMs }
      : {}),
    describe: () => backend.describe(),
    connect: (c) => backend.connect(c),
  };
}

/**
 * Runs an A/B test: the baseline (A) and the candidate (B) with one
 * specification, level by level. At each level both sides warm up, then
 * their trials run in {@linkcode abOrder} order, so that whatever drifts
 * during the run (thermals, other tenants, caches) falls on both sides
 * alike instead of looking like a difference; with `order: "blocked"` all
 * of A's trials run before B's (what two separate runs amount to). Each
 * side's results are complete (records, levels, summaries, saved to its
 * `out`), and `comparison` is `compare(baseline, candidate, options.compare)`.
 *
 * Two connect-mode endpoints simply alternate; two simulators or managed
 * engines run side by side, or take turns with `engines: "restart"`.
 * Workload and seeds are the same on both sides: trial `t` of a level sends
 * the same requests on the same schedule to A and to B.
 *
 * If either side is cut short (interrupt, engine exit), both stop, and the
 * results so far are returned.
 *
 * @param options The two sides and the shared specification.
 * @returns Both results, the comparison and the trial order.
 * @throws {import("../config/errors.ts").ConfigError} When an option is invalid, on either side,
 *   before any engine starts (a `sweep`, whose probes would differ between sides, is refused).
 * @throws {Error} When an engine cannot be started or reached.
 * @throws {import("./errors.ts").ResultsSaveError} When a side's `out` could not be written.
 *
 * @example Two simulators, the candidate's TTFT three times the baseline's
 * ```ts
 * import { abTest } from "./ab.ts";
 * import { simulator } from "../backends/simulator.ts";
 * import assert from "node:assert/strict";
 *
 * const ab = await abTest({
 *   baseline: { backend: simulator({ ttftMs: 10, itlMs: 1 }) },
 *   candidate: { backend: simulator({ ttftMs: 30, itlMs: 1 }), name: "slow" },
 *   prompts: ["Hello"], concurrency: [2], runs: 4, warmup: 2, trials: 4,
 *   sampling: { maxTokens: 3 }, records: false,
 *   compare: { metrics: ["ttft_p50_ms"] }, // one metric: no multiple-comparison penalty
 * });
 * assert.equal(ab.order.join(""), "ABBAABBA");
 * assert.equal(ab.candidate.levels[0].trials.length, 4);
 * const ttft = ab.comparison.data.levels[0].metrics.find((m) => m.id === "ttft_p50_ms")!;
 * assert.equal(ttft.verdict, "regression");
 * ```
 */
export async function abTest(options: AbTestOptions): Promise<AbTestResult> {
  const {
    baseline,
    candidate,
    order: orderName = "interleaved",
    engines = "both",
    compare: compareOptions = {},
    onEvent,
    signal: callerSignal,
    ...common
  } = options;
  checkOptions(options);
  const order = abOrder(options.trials, orderName);
  const sides = { A: baseline, B: candidate };
  // Both specifications are checked before any engine starts.
  const specOf = (s: AbSide, letter: AbLetter, signal?: AbortSignal): BenchmarkOptions => ({
    ...common,
    backend: s.backend,
    trials: options.trials,
    ...(s.out !== undefined ? { out: s.out } : {}),
    ...(options.records === false
      ? { records: false }
      : s.records !== undefined
      ? { records: s.records }
      : {}),
    ...(s.observers ? { observers: s.observers } : {}),
    ...(onEvent ? { onEvent: (e: BenchmarkEvent) => onEvent(SIDE_NAME[letter], e) } : {}),
    ...(signal ? { signal } : {}),
  });
  const backends = { A: backendOf(baseline.backend), B: backendOf(candidate.backend) };
  for (const l of ["A", "B"] as const) {
    const { backend: _b, observers: _o, onEvent: _e, ...check } = specOf(sides[l], l);
    parseBenchmarkSpec({ ...check, backend: backends[l] });
  }

  // One abort for both: the caller's signal, or either side cut short.
  const shared = new AbortController();
  const onCaller = () => shared.abort(callerSignal?.reason);
  if (callerSignal?.aborted) onCaller();
  callerSignal?.addEventListener("abort", onCaller, { once: true });

  const turns: Partial<Record<AbLetter, TakeTurns>> = {};
  if (engines === "restart") {
    for (const l of ["A", "B"] as const) {
      const b = backends[l];
      if (b.launch && !b.endpoint) turns[l] = new TakeTurns(b.launch);
    }
  }
  const runs: Partial<Record<AbLetter, ActiveRun>> = {};
  let restarts = 0;
  let restartMs = 0;
  let current: AbLetter | undefined;

  const open = async (l: AbLetter) => {
    const t = turns[l];
    let backend = backends[l];
    if (t) backend = connectTo(backend, await t.start());
    const run = await startRun(
      specOf({ ...sides[l], backend }, l, shared.signal),
      t ? { engineInfo: { ...t.info, restartedPerBlock: true } } : {},
    );
    runs[l] = run;
    run.session.signal.addEventListener("abort", () => {
      if (!shared.signal.aborted) {
        shared.abort(
          new Error(`the ${SIDE_NAME[l]}'s run was cut short: ${run.session.interruption()}`),
        );
      }
    }, { once: true });
    if (t) {
      t.onDeath = (err) => run.session.end("server_exit", err);
      t.onSignal = (sig) => {
        for (const r of Object.values(runs)) {
          r.session.end("signal", new Error(`interrupted by ${sig}`));
        }
      };
    }
  };
  /** Makes `l`'s engine the running one (restart mode); true when it was (re)started. */
  const switchTo = async (l: AbLetter): Promise<boolean> => {
    if (current === l) return false;
    const t0 = performance.now();
    const other = l === "A" ? "B" : "A";
    const was = current;
    current = l;
    if (!turns.A && !turns.B) return false;
    await turns[other]?.stop();
    const started = turns[l] !== undefined && !turns[l]!.running;
    if (started) {
      try {
        await turns[l]!.start();
      } catch (err) {
        // What was measured is kept: the run ends here, as when an engine dies.
        const why = err instanceof Error ? err.message : String(err);
        runs[l]!.session.end(
          "server_exit",
          new Error(`the ${SIDE_NAME[l]}'s engine could not be restarted: ${why}`),
        );
        return false;
      }
    }
    if (was !== undefined) {
      restarts++;
      restartMs += performance.now() - t0;
    }
    return started;
  };

  try {
    // In restart mode B opens first and is stopped, so that A's engine runs first.
    if (engines === "restart") {
      await open("B");
      await turns.B?.stop();
      await open("A");
      current = "A";
    } else {
      await open("A");
      await open("B");
    }
    const A = runs.A!, B = runs.B!;
    checkSameLevels(A, B);
    for (let li = 0; li < A.plan.levels.length && !shared.signal.aborted; li++) {
      const level = {
        A: new LevelRun(A.context, A.plan.levels[li]),
        B: new LevelRun(B.context, B.plan.levels[li]),
      };
      const warm = { A: false, B: false };
      await level.A.start();
      await level.B.start();
      if (engines === "both") {
        await level.A.warmup();
        await level.B.warmup();
        warm.A = warm.B = true;
      }
      for (const l of order) {
        if (shared.signal.aborted) break;
        if (engines === "restart") {
          const restarted = await switchTo(l);
          if (shared.signal.aborted) break;
          // A fresh engine (or the level's first turn) gets the level's warm-up.
          if (restarted || !warm[l]) {
            await level[l].warmup();
            warm[l] = true;
          }
        }
        await level[l].runTrial();
      }
      const ra = await level.A.finish();
      const rb = await level.B.finish();
      pushLevel(A.levels, ra);
      pushLevel(B.levels, rb);
    }
    if (engines === "restart") {
      const managed = (["A", "B"] as const).filter((l) => turns[l]);
      const message = managed.length === 0
        ? "engines: 'restart' had nothing to restart (both sides connect to running servers)"
        : `engines: 'restart': the ${managed.map((l) => SIDE_NAME[l]).join(" and ")} engine${
          managed.length > 1 ? "s" : ""
        } took turns, ${restarts} restart${restarts === 1 ? "" : "s"} between sides taking ${
          (restartMs / 1000).toFixed(1)
        } s in all` +
          (restarts > 0 ? ` (${(restartMs / 1000 / restarts).toFixed(1)} s each)` : "") +
          "; each start was followed by the level's warm-up";
      A.warn(message);
      B.warn(message);
    }
  } finally {
    callerSignal?.removeEventListener("abort", onCaller);
    await runs.A?.close();
    await runs.B?.close();
    await turns.A?.stop();
    await turns.B?.stop();
  }
  const [ra, rb] = await Promise.allSettled([runs.A!.finish(), runs.B!.finish()]);
  if (ra.status === "rejected") throw ra.reason;
  if (rb.status === "rejected") throw rb.reason;
  const comparison = compare(ra.value, rb.value, {
    ...compareOptions,
    baselineName: compareOptions.baselineName ?? baseline.name ?? "baseline",
    candidateName: compareOptions.candidateName ?? candidate.name ?? "candidate",
  });
  return {
    baseline: ra.value,
    candidate: rb.value,
    comparison,
    order,
    ...(engines === "restart" ? { restarts: { count: restarts, seconds: restartMs / 1000 } } : {}),
  };
}

function pushLevel(levels: LevelResult[], r: LevelResult | null): void {
  if (r) levels.push(r);
}

function backendOf(b: Backend | BackendConfig): Backend {
  return isBackend(b) ? b : createBackend(b as BackendConfig);
}

/** The checks of the A/B options themselves (each side's spec is checked by the parser). */
function checkOptions(o: AbTestOptions): void {
  const issues: { path: string; expected: string; received: string }[] = [];
  const show = (v: unknown) => JSON.stringify(v) ?? String(v);
  const raw = o as unknown as Record<string, unknown>;
  for (const side of ["baseline", "candidate"] as const) {
    const s = raw[side] as AbSide | undefined;
    if (typeof s !== "object" || s === null || s.backend === undefined) {
      issues.push({
        path: side,
        expected: "an object with a 'backend' ({ backend: vllm({...}) })",
        received: s === undefined ? "nothing" : typeof s === "object" ? "no backend" : show(s),
      });
    }
  }
  if (!Number.isInteger(o.trials) || o.trials < 1) {
    issues.push({
      path: "trials",
      expected: "a positive integer (trials per side)",
      received: show(o.trials),
    });
  }
  if (o.order !== undefined && o.order !== "interleaved" && o.order !== "blocked") {
    issues.push({ path: "order", expected: '"interleaved" or "blocked"', received: show(o.order) });
  }
  if (o.engines !== undefined && o.engines !== "both" && o.engines !== "restart") {
    issues.push({ path: "engines", expected: '"both" or "restart"', received: show(o.engines) });
  }
  if (raw.sweep !== undefined) {
    issues.push({
      path: "sweep",
      expected: "absent in an A/B run (each side's search would probe other levels); " +
        "give the levels with 'concurrency' or 'requestRates'",
      received: "a sweep",
    });
  }
  for (const k of ["out", "backend", "observers"] as const) {
    if (raw[k] !== undefined) {
      issues.push({
        path: k,
        expected: `given per side ('baseline.${k}', 'candidate.${k}')`,
        received: k === "out" ? show(raw[k]) : "one for both",
      });
    }
  }
  if (raw.html !== undefined) {
    issues.push({
      path: "html",
      expected: "absent in an A/B run: write the report of both sides with their comparison " +
        "from the result (htmlReport([{ name, results: r.baseline }, { name, results: r.candidate }]))",
      received: show(raw.html),
    });
  }
  for (const k of ["prometheus", "pushgateway", "history"] as const) {
    if (raw[k] !== undefined) {
      issues.push({
        path: k,
        expected: "absent in an A/B run (both sides would share one set of live metrics, summary " +
          "and history tags); save each side with 'out' and add it with `splleed history add " +
          "FILE --tag side=...`",
        received: show(raw[k]),
      });
    }
  }
  if (raw.records !== undefined && raw.records !== false) {
    issues.push({
      path: "records",
      expected: "false, or given per side ('baseline.records', 'candidate.records')",
      received: show(raw.records),
    });
  }
  if (issues.length > 0) throw new ConfigError("A/B test", issues);
}

/** Both sides must plan the same levels (one specification), else the interleaving is void. */
function checkSameLevels(a: ActiveRun, b: ActiveRun): void {
  const la = a.plan.levels.map((l) => l.label).join(", ");
  const lb = b.plan.levels.map((l) => l.label).join(", ");
  if (la !== lb) {
    throw new Error(
      `Cannot run the A/B test: both sides must plan the same levels, got ${la} (baseline) ` +
        `and ${lb} (candidate)`,
    );
  }
}
