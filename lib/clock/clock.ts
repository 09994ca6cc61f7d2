/**
 * splleed measures with one clock, `performance.now()` (a monotonic
 * millisecond counter with microsecond resolution), read directly; this
 * module holds the anchor that maps it to wall-clock time for reports.
 *
 * @module
 */

/** A pair of readings taken together, to convert monotonic times to wall-clock times. */
export interface ClockAnchor {
  /** Monotonic time (ms, `performance.now()`). */
  monoMs: number;
  /** Unix epoch time (ms) at the same instant. */
  epochMs: number;
}

/**
 * Reads both clocks at (nearly) the same instant.
 *
 * @returns The anchor; `epochMs + (t - monoMs)` is the wall-clock time of monotonic `t`.
 *
 * @example
 * ```ts
 * import { clockAnchor } from "./clock.ts";
 * import assert from "node:assert/strict";
 *
 * const a = clockAnchor();
 * assert.ok(Math.abs(a.epochMs - Date.now()) < 1000);
 * ```
 */
export function clockAnchor(): ClockAnchor {
  const monoMs = performance.now();
  return { monoMs, epochMs: performance.timeOrigin + monoMs };
}
