/**
 * Per-second time series of one trial: completed requests, output tokens
 * per second and the mean number of requests in flight, in one-second
 * buckets from the trial's start. They show warm-up effects, stalls and
 * saturation that a trial's single numbers average away.
 *
 * @module
 */

import type { RequestRecord } from "../record/record.ts";

/** One trial's time series; index i covers [i, i + 1) seconds from the start. */
export interface TimeSeries {
  /** Bucket width, seconds. */
  intervalS: number;
  /** Requests completed (ok) in each bucket. */
  completed: number[];
  /** Output tokens received in each bucket, per second. */
  outputTokensPerS: number[];
  /** Mean requests in flight over each bucket (sent → end). */
  inFlight: number[];
}

/**
 * Accumulates records into per-second buckets.
 *
 * @example
 * ```ts
 * import { TimeSeriesAccumulator } from "./time_series.ts";
 * import { newRecord } from "../record/record.ts";
 * import assert from "node:assert/strict";
 *
 * const ts = new TimeSeriesAccumulator(0);
 * const r = newRecord(0, "measure", 0, 0, 0, 0);
 * Object.assign(r, { sentMs: 500, endMs: 1500, chunkMs: [900, 1200, 1500], outputTokens: 3, ok: true, firstTokenMs: 900 });
 * ts.add(r);
 * const s = ts.result();
 * assert.deepEqual(s.completed, [0, 1]);
 * assert.deepEqual(s.outputTokensPerS, [1, 2]);
 * assert.deepEqual(s.inFlight, [0.5, 0.5]);
 * ```
 */
export class TimeSeriesAccumulator {
  #origin: number;
  #completed: number[] = [];
  #tokens: number[] = [];
  #inFlight: number[] = [];

  /** @param originMs Monotonic time of the trial's start. */
  constructor(originMs: number) {
    this.#origin = originMs;
  }

  #grow(i: number): void {
    while (this.#completed.length <= i) {
      this.#completed.push(0);
      this.#tokens.push(0);
      this.#inFlight.push(0);
    }
  }

  /**
   * Adds a measured request.
   *
   * @param rec The record (failed ones count in flight, not as completed).
   */
  add(rec: RequestRecord): void {
    if (!rec.ok && rec.error?.reason === "aborted") return;
    const o = this.#origin;
    const end = rec.endMs ?? rec.sentMs;
    // In flight: the overlap of [sent, end] with each bucket, in seconds.
    const s = Math.max(0, rec.sentMs - o) / 1000;
    const e = Math.max(0, end - o) / 1000;
    this.#grow(Math.floor(e));
    for (let b = Math.floor(s); b <= Math.floor(e); b++) {
      const overlap = Math.min(e, b + 1) - Math.max(s, b);
      if (overlap > 0) this.#inFlight[b] += overlap;
    }
    if (!rec.ok) return;
    this.#completed[Math.floor(e)]++;
    const chunks = rec.chunkMs;
    if (chunks.length === 0) return;
    const perChunk = (rec.outputTokens ?? chunks.length) / chunks.length;
    for (let i = 0; i < chunks.length; i++) {
      const b = Math.floor(Math.max(0, chunks[i] - o) / 1000);
      this.#grow(b);
      this.#tokens[b] += perChunk;
    }
  }

  /**
   * The series.
   *
   * @returns Completed, tokens per second and in-flight per second.
   */
  result(): TimeSeries {
    const round = (v: number) => Math.round(v * 1000) / 1000;
    return {
      intervalS: 1,
      completed: [...this.#completed],
      outputTokensPerS: this.#tokens.map(round),
      inFlight: this.#inFlight.map(round),
    };
  }
}
