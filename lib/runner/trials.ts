/**
 * Running one level: its warm-up, then its trials, each a run of the
 * level's load pattern whose ticks the issuer turns into requests; the
 * observers hear of every step, and the metrics observer gives each trial
 * its result.
 *
 * @module
 */

import type { BenchmarkSpec } from "../config/benchmark.ts";
import { levelPattern } from "../load/level_pattern.ts";
import type { TrialSamples } from "../metrics/trial.ts";
import type { LevelResult, TrialResult } from "../results/document.ts";
import type { PlannedLevel } from "../results/plan.ts";
import { summarizeLevel } from "./document.ts";
import type { RequestIssuer } from "./issue.ts";
import type { Observers } from "./observer.ts";
import type { TrialMetricsObserver } from "./observers.ts";

/** What running a level needs. */
export interface LevelContext {
  /** The specification. */
  spec: BenchmarkSpec;
  /** Sends the requests. */
  issuer: RequestIssuer;
  /** Every observer of the run (the metrics observer among them). */
  observers: Observers;
  /** The metrics observer, which gives each trial its result. */
  metrics: TrialMetricsObserver;
  /** The run's abort signal. */
  signal: AbortSignal;
  /** A replayed trace's send offsets, ms. */
  traceOffsetsMs?: Float64Array;
  /** Levels planned (for a sweep: the most probes). */
  levels: number;
  /** Reports a warning (to the results and the observers). */
  warn(message: string): void;
}

/**
 * A seed per (level, trial): trials of a random plan are independent draws,
 * and the same `seed` reproduces all of them.
 *
 * @param seed The run's seed.
 * @param level Level index.
 * @param trial Trial index (-1 for warm-up).
 * @returns The seed of that run of the pattern.
 *
 * @example
 * ```ts
 * import { trialSeed } from "./trials.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(trialSeed(1, 0, 0), trialSeed(1, 0, 0));
 * assert.notEqual(trialSeed(1, 0, 0), trialSeed(1, 0, 1));
 * ```
 */
export function trialSeed(seed: number, level: number, trial: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const v of [level, trial + 2]) {
    h = Math.imul(h ^ v, 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
  }
  return h;
}

/**
 * Runs a level: warm-up, then trials until all ran or the run is aborted.
 *
 * @param ctx What the level needs.
 * @param level The level.
 * @returns Its result, or null when no trial measured anything (aborted first).
 */
export async function runLevel(
  ctx: LevelContext,
  level: PlannedLevel,
): Promise<LevelResult | null> {
  const run = new LevelRun(ctx, level);
  await run.start();
  await run.warmup();
  while (await run.runTrial());
  return await run.finish();
}

/**
 * One level, run a step at a time: `start()` (observers hear the level
 * begin), `warmup()`, `runTrial()` for each trial, then `finish()` for the
 * result. {@linkcode runLevel} does them in a row; an A/B run interleaves
 * the trials of two levels (one per side) between `start()` and `finish()`.
 *
 * @example Two trials of one level on the simulator
 * ```ts
 * import { LevelRun } from "./trials.ts";
 * import { startRun } from "./benchmark.ts";
 * import { simulator } from "../backends/simulator.ts";
 * import assert from "node:assert/strict";
 *
 * const run = await startRun({
 *   backend: simulator({ ttftMs: 2, itlMs: 1 }), prompts: ["hi"],
 *   concurrency: [1], runs: 2, trials: 2, warmup: 0, records: false, sampling: { maxTokens: 2 },
 * });
 * try {
 *   const level = new LevelRun(run.context, run.plan.levels[0]);
 *   await level.start();
 *   await level.warmup();
 *   assert.equal(await level.runTrial(), true);
 *   assert.equal(await level.runTrial(), false); // the last one
 *   const result = await level.finish();
 *   assert.equal(result?.trials.length, 2);
 * } finally {
 *   await run.close();
 * }
 * ```
 */
export class LevelRun {
  #ctx: LevelContext;
  #level: PlannedLevel;
  #next = 0;
  #stopped = false;
  #trials: TrialResult[] = [];
  #samples: (TrialSamples | undefined)[] = [];

  /**
   * @param ctx What the level needs.
   * @param level The level.
   */
  constructor(ctx: LevelContext, level: PlannedLevel) {
    this.#ctx = ctx;
    this.#level = level;
  }

  /** The level. */
  get level(): PlannedLevel {
    return this.#level;
  }

  /** Trials run so far. */
  get trialsRun(): number {
    return this.#trials.length;
  }

  /** True when no trial is left to run (all ran, or the run was aborted). */
  get done(): boolean {
    return this.#stopped || this.#next >= this.#level.trials || this.#ctx.signal.aborted;
  }

  #pattern(total: number | undefined, trial: number) {
    const { spec } = this.#ctx;
    const level = this.#level;
    return levelPattern(level.load, {
      total,
      seed: trialSeed(spec.seed, level.index, trial),
      durationS: level.durationS ?? undefined,
      traceOffsetsMs: this.#ctx.traceOffsetsMs,
    });
  }

  /** Tells the observers the level begins. */
  async start(): Promise<void> {
    await this.#ctx.observers.emit("onLevelStart", {
      level: this.#level,
      levels: this.#ctx.levels,
    });
  }

  /**
   * Sends the level's warm-up requests (none when it has none, or the run
   * is aborted). May be called again (after an engine restart, say): each
   * call sends the warm-up again, on the same seed.
   */
  async warmup(): Promise<void> {
    const { issuer, signal } = this.#ctx;
    const level = this.#level;
    if (level.warmupRequests > 0 && !signal.aborted) {
      await this.#pattern(level.warmupRequests, -1).run(
        issuer.forRun("warmup", level.index, -1),
        signal,
      );
    }
  }

  /**
   * Runs the next trial.
   *
   * @returns True when another trial is left to run.
   */
  async runTrial(): Promise<boolean> {
    if (this.done) return false;
    const { issuer, observers, signal } = this.#ctx;
    const level = this.#level;
    const t = this.#next++;
    const p = this.#pattern(level.requestsPerTrial ?? undefined, t);
    await observers.emit("onTrialStart", { level, trial: t, startMs: performance.now() });
    const cut = cutAtEnd(this.#ctx, level, t);
    let report;
    try {
      report = await p.run(issuer.forRun("measure", level.index, t), signal);
    } finally {
      clearTimeout(cut);
    }
    // A trial is kept when it sent anything, even if the run was interrupted before a request
    // finished: every request sent is in the results (as aborted, when it was).
    const empty = this.#ctx.metrics.sent === 0;
    const result = this.#ctx.metrics.finish(
      { level, planned: p.total },
      !signal.aborted,
      report.notIssued,
    );
    const trialSamples = this.#ctx.metrics.takeSamples();
    await observers.emit("onTrialEnd", { level, trial: t, result });
    if (empty && signal.aborted) {
      this.#stopped = true;
      return false;
    }
    if (result.load?.fellBehind) this.#ctx.warn(fellBehindMessage(level, t, result));
    this.#trials.push(result);
    this.#samples.push(trialSamples);
    return !this.done;
  }

  /**
   * Summarizes the level and tells the observers it ended.
   *
   * @returns Its result, or null when no trial measured anything (aborted first).
   */
  async finish(): Promise<LevelResult | null> {
    if (this.#trials.length === 0) return null;
    const result = summarizeLevel(
      this.#level,
      this.#trials,
      this.#ctx.spec.confidenceLevel,
      this.#samples,
    );
    await this.#ctx.observers.emit("onLevelEnd", { level: this.#level, result });
    return result;
  }
}

/**
 * A time-bounded trial's end: `durationGraceS` after its `durationS`, the
 * requests still in flight are cut (reason `cut_at_end`), so a stalled
 * server cannot hold a level past its duration.
 */
function cutAtEnd(
  ctx: LevelContext,
  level: PlannedLevel,
  trial: number,
): ReturnType<typeof setTimeout> | undefined {
  const d = level.durationS;
  if (d === null || d === undefined) return undefined;
  const grace = ctx.spec.durationGraceS;
  return setTimeout(
    () =>
      ctx.issuer.cut(
        level.index,
        trial,
        `still in flight ${grace} s after the trial's ${d} s ended (durationGraceS: ${grace})`,
      ),
    (d + grace) * 1000,
  );
}

function fellBehindMessage(level: PlannedLevel, trial: number, r: TrialResult): string {
  const load = r.load!;
  const rate = level.requestRate === "inf" || level.requestRate === undefined
    ? "inf"
    : `${level.requestRate}/s`;
  return `rate ${rate} trial ${trial + 1}: the client fell behind ` +
    `(achieved ${load.achievedRate?.toFixed(1)} req/s of ${
      load.plannedRate?.toFixed(1)
    } planned; ` +
    `schedule lag p99 ${load.scheduleLagMs?.p99.toFixed(2)} ms): latencies at this load are ` +
    "measured at a lower load than asked; use fewer streams per client or a faster machine";
}
