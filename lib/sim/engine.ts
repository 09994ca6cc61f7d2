/**
 * The simulator's engine models. An engine takes generation jobs and calls
 * back when each token is produced; the HTTP layer turns those calls into
 * SSE events at that moment.
 *
 * - {@linkcode DeterministicEngine}: every job gets its first token a fixed
 *   time after it arrives and the rest at a fixed interval, however many run
 *   at once. The ground truth for accuracy tests.
 * - {@linkcode BatchingEngine}: a continuous-batching step loop with a
 *   memory-bound/compute-bound step time, a cap on running sequences and a
 *   KV-cache budget, so latency rises with load as a real engine's does.
 *
 * @module
 */

import { DeadlineScheduler } from "../clock/precise.ts";
import type { EngineModel } from "./profiles.ts";
import { normalDraw, seededRandom } from "../util/random.ts";

/** One generation request inside the engine. */
export interface GenerationJob {
  /** Prompt length in tokens. */
  promptTokens: number;
  /** Tokens to generate. */
  maxTokens: number;
  /** Extra delay before the job enters the engine (fault injection), ms. */
  stallMs: number;
  /** Called when token `index` (0-based) is produced, at monotonic time `tMs`. */
  onToken(index: number, tMs: number): void;
  /** Called after the last token. */
  onDone(tMs: number): void;
}

/** A handle to cancel a submitted job (client went away). */
export interface JobHandle {
  /** Stops generating and frees the job's resources. */
  cancel(): void;
}

/** Counters an engine reports. */
export interface EngineStats {
  /** Jobs currently generating. */
  running: number;
  /** Jobs waiting to be admitted. */
  waiting: number;
  /** Engine steps taken (batching engine). */
  steps: number;
}

/** A simulated engine. */
export interface Engine {
  /** Accepts a job now. */
  submit(job: GenerationJob): JobHandle;
  /** Current counters. */
  stats(): EngineStats;
  /** Stops every timer; pending jobs are dropped. */
  close(): void;
}

/** Seeded lognormal jitter of the deterministic engine's delays. */
export interface JitterOptions {
  /** Sigma of the log of each request's TTFT factor. @default 0 */
  ttft?: number;
  /** Sigma of the log of each token interval's factor. @default 0 */
  itl?: number;
  /** Seed of the draws. @default 0x5eed */
  seed?: number;
}

/** Linear growth of the deterministic engine's delays with its uptime. */
export interface DriftOptions {
  /** Relative TTFT growth per second since the engine started (0.05 = +5 %/s). @default 0 */
  ttftPerS?: number;
  /** Relative ITL growth per second since the engine started. @default 0 */
  itlPerS?: number;
}

/** Variations of the deterministic engine's fixed delays. */
export interface DeterministicEngineOptions {
  /** Seeded lognormal factors on each TTFT and each token interval. @default none */
  jitter?: JitterOptions;
  /** Delays growing linearly with uptime. @default none */
  drift?: DriftOptions;
  /** Monotonic time (`performance.now()`) the uptime counts from. @default construction time */
  startMs?: number;
}

/** Mixes two 32-bit integers into one well-spread seed (murmur3's finalizer). */
function mixSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Fixed TTFT and fixed inter-token interval, independent of load. Token `i`
 * of a job that arrives at `t0` is produced at `t0 + stall + ttft + i·itl`
 * exactly (to tens of microseconds), on absolute deadlines that never drift.
 *
 * Options vary the delays on purpose, for tests of noise and drift: with
 * `jitter`, job `k` (in arrival order) gets its TTFT multiplied by
 * `exp(σ_ttft·Z)` and each of its intervals by `exp(σ_itl·Z)`, the `Z` drawn
 * from a generator seeded by `(seed, k)`; with `drift`, the nominal TTFT
 * (at arrival) and ITL (at each token's due time) are multiplied by
 * `max(0, 1 + rate × seconds since start)`. Deadlines stay absolute: each
 * token is due at the previous token's due time plus its interval.
 *
 * @example
 * ```ts
 * import { DeterministicEngine } from "./engine.ts";
 * import assert from "node:assert/strict";
 *
 * const e = new DeterministicEngine(5, 2);
 * const t0 = performance.now();
 * const times: number[] = [];
 * await new Promise<void>((done) => e.submit({
 *   promptTokens: 1, maxTokens: 3, stallMs: 0,
 *   onToken: (_i, t) => times.push(t - t0),
 *   onDone: () => done(),
 * }));
 * assert.equal(times.length, 3);
 * assert.ok(times[0] >= 5 && times[2] >= 9);
 * e.close();
 * ```
 *
 * @example Seeded jitter: the same seed gives the same delays
 * ```ts
 * import { DeterministicEngine } from "./engine.ts";
 * import assert from "node:assert/strict";
 *
 * const a = new DeterministicEngine(10, 2, { jitter: { ttft: 0.3, seed: 7 } });
 * const b = new DeterministicEngine(10, 2, { jitter: { ttft: 0.3, seed: 7 } });
 * assert.equal(a.plan(0, 3).ttftMs, b.plan(0, 3).ttftMs);
 * assert.notEqual(a.plan(0, 3).ttftMs, a.plan(1, 3).ttftMs);
 * a.close();
 * b.close();
 * ```
 */
export class DeterministicEngine implements Engine {
  #ttftMs: number;
  #itlMs: number;
  #jitter: JitterOptions;
  #drift: DriftOptions;
  #startMs: number;
  #jobs = 0;
  #sched = new DeadlineScheduler();
  #running = 0;

  /**
   * @param ttftMs Time from arrival to the first token.
   * @param itlMs Interval between tokens.
   * @param options Jitter and drift (none by default).
   */
  constructor(ttftMs: number, itlMs: number, options: DeterministicEngineOptions = {}) {
    this.#ttftMs = ttftMs;
    this.#itlMs = itlMs;
    this.#jitter = options.jitter ?? {};
    this.#drift = options.drift ?? {};
    this.#startMs = options.startMs ?? performance.now();
  }

  /**
   * The delays of job `index` (in arrival order) arriving at monotonic time
   * `atMs`: its TTFT, and a function giving the interval before token
   * `i + 1` when token `i` is due at `dueMs`. Pure given its arguments (the
   * draws come from a generator seeded by the seed and `index`).
   *
   * @param index The job's arrival index (0-based).
   * @param atMs Monotonic arrival time, ms.
   * @returns The TTFT and the interval function.
   */
  plan(index: number, atMs: number): { ttftMs: number; itlMs: (dueMs: number) => number } {
    const j = this.#jitter;
    const d = this.#drift;
    const rng = j.ttft || j.itl ? seededRandom(mixSeed(j.seed ?? 0x5eed, index)) : undefined;
    const grow = (rate: number | undefined, t: number) =>
      rate ? Math.max(0, 1 + rate * (t - this.#startMs) / 1000) : 1;
    const factor = (sigma: number | undefined) =>
      rng && sigma ? Math.exp(sigma * normalDraw(rng)) : 1;
    // Draw the TTFT factor first, so that a job's intervals do not change
    // the TTFT sequence (and the reverse).
    const ttftMs = this.#ttftMs * grow(d.ttftPerS, atMs) * factor(j.ttft);
    return {
      ttftMs,
      itlMs: (dueMs) => this.#itlMs * grow(d.itlPerS, dueMs) * factor(j.itl),
    };
  }

  submit(job: GenerationJob): JobHandle {
    const now = performance.now();
    const plan = this.plan(this.#jobs++, now);
    let due = now + job.stallMs + plan.ttftMs;
    let i = 0;
    let cancelled = false;
    this.#running++;
    const step = () => {
      if (cancelled) return;
      const t = performance.now();
      job.onToken(i, t);
      i++;
      if (i >= job.maxTokens) {
        this.#running--;
        job.onDone(t);
        return;
      }
      due += plan.itlMs(due);
      this.#sched.at(due, step);
    };
    this.#sched.at(due, step);
    return {
      cancel: () => {
        if (cancelled) return;
        cancelled = true;
        if (i < job.maxTokens) this.#running--;
      },
    };
  }

  stats(): EngineStats {
    return { running: this.#running, waiting: 0, steps: 0 };
  }

  close(): void {
    this.#sched.close();
  }
}

/** Lateness beyond which the batching engine's step clock restarts from now, ms. */
const RESYNC_MS = 1;

interface Seq {
  job: GenerationJob;
  /** Prompt tokens already prefilled. */
  prefilled: number;
  /** Tokens generated so far. */
  generated: number;
  /** KV tokens reserved at admission. */
  reserved: number;
  cancelled: boolean;
  /** Tokens this sequence takes in the step being run. */
  stepTokens: number;
}

/**
 * The step time of a batch, in ms: a fixed overhead plus the larger of the
 * memory-bound time (weights, plus attention reads growing with context) and
 * the compute-bound time (proportional to tokens in the step, equal to the
 * memory-bound time at `saturationBatch` tokens).
 *
 * @param m Engine parameters.
 * @param batchTokens Tokens processed in the step (decode + prefill).
 * @param contextTokens Tokens of context held by the running sequences.
 * @returns Step duration, ms.
 *
 * @example Flat below saturation, linear above
 * ```ts
 * import { stepTimeMs } from "./engine.ts";
 * import { PROFILES } from "./profiles.ts";
 * import assert from "node:assert/strict";
 *
 * const m = { ...PROFILES.small, kvReadMsPerKToken: 0 };
 * assert.equal(stepTimeMs(m, 1, 0), stepTimeMs(m, 32, 0));
 * assert.ok(stepTimeMs(m, 64, 0) > stepTimeMs(m, 32, 0) * 1.8);
 * ```
 */
export function stepTimeMs(m: EngineModel, batchTokens: number, contextTokens: number): number {
  const memory = m.memoryBoundMs + m.kvReadMsPerKToken * contextTokens / 1000;
  const compute = (m.memoryBoundMs / m.saturationBatch) * batchTokens;
  return m.stepOverheadMs + Math.max(memory, compute);
}

/**
 * A continuous-batching engine: a step loop that, at each step boundary,
 * admits waiting jobs (FIFO) while fewer than `maxNumSeqs` run and their
 * prompt plus output fit in the KV budget, then runs one step holding one
 * decode token per generating sequence plus prefill chunks up to
 * `maxBatchedTokens`. A sequence's first token comes at the end of the step
 * that completes its prefill; each later step adds one token.
 *
 * @example TTFT rises when many jobs arrive together
 * ```ts
 * import { BatchingEngine } from "./engine.ts";
 * import { PROFILES } from "./profiles.ts";
 * import assert from "node:assert/strict";
 *
 * const e = new BatchingEngine(PROFILES.small);
 * const ttft = (n: number) => Promise.all(Array.from({ length: n }, () => {
 *   const t0 = performance.now();
 *   return new Promise<number>((done) => {
 *     let first = 0;
 *     e.submit({ promptTokens: 200, maxTokens: 2, stallMs: 0,
 *       onToken: (i, t) => { if (i === 0) first = t - t0; },
 *       onDone: () => done(first) });
 *   });
 * }));
 * const one = (await ttft(1))[0];
 * const many = Math.max(...await ttft(32));
 * assert.ok(many > one * 2);
 * e.close();
 * ```
 */
export class BatchingEngine implements Engine {
  #m: EngineModel;
  #sched = new DeadlineScheduler();
  #waiting: Seq[] = [];
  #running: Seq[] = [];
  #kvUsed = 0;
  #stepping = false;
  #steps = 0;
  #closed = false;

  /** @param model Engine parameters (a profile, possibly overridden). */
  constructor(model: EngineModel) {
    this.#m = model;
  }

  /** Most tokens one job may reserve (prompt plus output). */
  get capacityTokens(): number {
    return this.#m.kvCacheTokens;
  }

  submit(job: GenerationJob): JobHandle {
    const seq: Seq = {
      job,
      prefilled: 0,
      generated: 0,
      reserved: 0,
      cancelled: false,
      stepTokens: 0,
    };
    const enqueue = () => {
      if (seq.cancelled || this.#closed) return;
      this.#waiting.push(seq);
      if (!this.#stepping) this.#startStep(performance.now());
    };
    if (job.stallMs > 0) this.#sched.at(performance.now() + job.stallMs, enqueue);
    else enqueue();
    return {
      cancel: () => {
        seq.cancelled = true;
      },
    };
  }

  stats(): EngineStats {
    return { running: this.#running.length, waiting: this.#waiting.length, steps: this.#steps };
  }

  close(): void {
    this.#closed = true;
    this.#sched.close();
    this.#waiting = [];
    this.#running = [];
  }

  /** Plans one step starting at `t` and schedules its end. */
  #startStep(t: number): void {
    const m = this.#m;
    // Drop cancelled sequences and free their KV.
    if (this.#running.some((s) => s.cancelled)) {
      this.#running = this.#running.filter((s) => {
        if (s.cancelled) this.#kvUsed -= s.reserved;
        return !s.cancelled;
      });
    }
    if (this.#waiting.some((s) => s.cancelled)) {
      this.#waiting = this.#waiting.filter((s) => !s.cancelled);
    }
    // Admit in arrival order while there is room (no overtaking).
    while (this.#waiting.length > 0 && this.#running.length < m.maxNumSeqs) {
      const s = this.#waiting[0];
      const need = s.job.promptTokens + s.job.maxTokens;
      if (this.#kvUsed + need > m.kvCacheTokens) break;
      this.#waiting.shift();
      s.reserved = need;
      this.#kvUsed += need;
      this.#running.push(s);
    }
    if (this.#running.length === 0) {
      this.#stepping = false;
      return;
    }
    // Decode tokens first, then prefill chunks, within the token budget.
    let budget = m.maxBatchedTokens;
    let context = 0;
    for (const s of this.#running) {
      s.stepTokens = 0;
      context += s.prefilled + s.generated;
      if (s.prefilled === s.job.promptTokens && budget > 0) {
        s.stepTokens = 1;
        budget--;
      }
    }
    for (const s of this.#running) {
      if (budget === 0) break;
      if (s.prefilled < s.job.promptTokens) {
        const take = Math.min(s.job.promptTokens - s.prefilled, budget);
        s.stepTokens = take;
        budget -= take;
      }
    }
    const batchTokens = m.maxBatchedTokens - budget;
    const end = t + stepTimeMs(m, batchTokens, context);
    this.#stepping = true;
    this.#steps++;
    this.#sched.at(end, () => this.#endStep(end));
  }

  /** Emits the step's tokens, retires finished sequences, starts the next step. */
  #endStep(end: number): void {
    if (this.#closed) return;
    const now = performance.now();
    let finished = false;
    for (const s of this.#running) {
      if (s.cancelled || s.stepTokens === 0) continue;
      if (s.prefilled < s.job.promptTokens) {
        s.prefilled += s.stepTokens;
        if (s.prefilled < s.job.promptTokens) continue; // chunked prefill goes on
      }
      // Prefill complete (first token) or a decode step (next token).
      s.job.onToken(s.generated, now);
      s.generated++;
      if (s.generated >= s.job.maxTokens) {
        s.cancelled = true; // retire at the next boundary
        finished = true;
        s.job.onDone(now);
      }
    }
    if (finished) {
      this.#running = this.#running.filter((s) => {
        if (s.cancelled) this.#kvUsed -= s.reserved;
        return !s.cancelled;
      });
    }
    // Steps follow each other on the planned clock, absorbing scheduler
    // jitter; but a step that ended well after its plan (the host stalled)
    // moves the clock, since a real engine cannot catch up on lost time.
    this.#startStep(now - end > RESYNC_MS ? now : end);
  }
}
