/**
 * Live figures of the trial in progress, for a progress display to poll:
 * plain counters and a small ring of recent TTFTs, updated as each request
 * ends (a few stores, no allocation), read by the display on its own timer.
 * Nothing here is part of any result.
 *
 * @module
 */

import type { RequestRecord } from "../record/record.ts";

/** How many recent TTFTs the rolling median covers. */
export const LIVE_TTFT_WINDOW = 64;

/**
 * The trial in progress, as a display sees it.
 *
 * @example
 * ```ts
 * import { LiveStats } from "./live.ts";
 * import { newRecord } from "../record/record.ts";
 * import assert from "node:assert/strict";
 *
 * const live = new LiveStats();
 * live.startTrial({ level: 0, label: "c=4", trial: 0, trials: 3, planned: 10 });
 * const r = newRecord(0, "measure", 0, 0, 0, 0);
 * Object.assign(r, { ok: true, sentMs: 0, firstTokenMs: 12, endMs: 30 });
 * live.add(r);
 * assert.equal(live.completed, 1);
 * assert.equal(live.ttftP50(), 12);
 * ```
 */
export class LiveStats {
  /** Index of the level in progress. */
  level = 0;
  /** Its label (`c=4`, `r=8/s`, `burst 64`). */
  label = "";
  /** Trial in progress (0-based) and how many there are. */
  trial = 0;
  /** Trials per level. */
  trials = 0;
  /** Requests planned for this trial (null: bounded by time). */
  planned: number | null = null;
  /** Requests completed in this trial. */
  completed = 0;
  /** Requests failed in this trial. */
  failed = 0;
  /** When the trial started (`performance.now()`). */
  startedMs = 0;
  /** Whether a trial is running (false during warm-up and between levels). */
  running = false;
  /**
   * What is in flight now: how many requests, and how long the most silent
   * has gone without a response head or a token chunk, ms. Set by the runner.
   */
  inFlight: (nowMs: number) => { count: number; oldestSilentMs: number } = () => ({
    count: 0,
    oldestSilentMs: 0,
  });
  #ttft = new Float64Array(LIVE_TTFT_WINDOW);
  #n = 0;
  #ends = new Float64Array(LIVE_TTFT_WINDOW);
  #e = 0;

  /**
   * A trial begins.
   *
   * @param t Level, label, trial and plan.
   */
  startTrial(
    t: { level: number; label: string; trial: number; trials: number; planned: number | null },
  ): void {
    this.level = t.level;
    this.label = t.label;
    this.trial = t.trial;
    this.trials = t.trials;
    this.planned = t.planned;
    this.completed = 0;
    this.failed = 0;
    this.#n = 0;
    this.#e = 0;
    this.startedMs = performance.now();
    this.running = true;
  }

  /** The trial ended. */
  endTrial(): void {
    this.running = false;
  }

  /**
   * A measured request ended.
   *
   * @param rec Its record.
   */
  add(rec: RequestRecord): void {
    if (rec.ok) {
      this.completed++;
      if (rec.firstTokenMs !== null) {
        this.#ttft[this.#n++ % LIVE_TTFT_WINDOW] = rec.firstTokenMs - rec.sentMs;
      }
      this.#ends[this.#e++ % LIVE_TTFT_WINDOW] = rec.endMs ?? performance.now();
    } else if (rec.error?.reason !== "aborted") {
      this.failed++;
    }
  }

  /**
   * Median TTFT of the most recent completed requests (up to {@linkcode LIVE_TTFT_WINDOW}).
   *
   * @returns ms, or null before the first.
   */
  ttftP50(): number | null {
    const k = Math.min(this.#n, LIVE_TTFT_WINDOW);
    if (k === 0) return null;
    const s = this.#ttft.slice(0, k).sort();
    return k % 2 ? s[(k - 1) >> 1] : (s[k / 2 - 1] + s[k / 2]) / 2;
  }

  /**
   * Completions per second over the last five seconds of the trial (or over
   * the most recent completions when they are more frequent than the window
   * holds).
   *
   * @param nowMs The current time. @default performance.now()
   * @returns Requests per second, or null before the first completion.
   */
  currentRate(nowMs: number = performance.now()): number | null {
    const k = Math.min(this.#e, LIVE_TTFT_WINDOW);
    if (k === 0) return null;
    const windowMs = 5000;
    const from = Math.max(this.startedMs, nowMs - windowMs);
    let inWindow = 0, oldest = Infinity, newest = -Infinity;
    for (let i = 0; i < k; i++) {
      const t = this.#ends[i];
      if (t >= from) inWindow++;
      oldest = Math.min(oldest, t);
      newest = Math.max(newest, t);
    }
    if (k === LIVE_TTFT_WINDOW && oldest >= from && newest > oldest) {
      return ((k - 1) * 1000) / (newest - oldest); // the ring covers less than the window
    }
    const span = nowMs - from;
    return span > 0 ? (inWindow * 1000) / span : null;
  }
}
