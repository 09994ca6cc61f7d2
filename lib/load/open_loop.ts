/**
 * The open loop: requests are sent at planned times whatever the server is
 * doing, as real traffic arrives. Each send time is an absolute deadline
 * from the start of the run (`start + offset`), so scheduling error never
 * accumulates; a request that cannot go on time goes as soon as it can and
 * its lateness shows in the record (`sentMs − scheduledMs`), never hidden.
 * With `maxConcurrency`, a request that finds every slot busy waits in a
 * client-side queue, and that wait is reported as the tick's `queueMs`.
 *
 * @module
 */

import { holdPreciseWaits, sleepUntil } from "../clock/precise.ts";
import type { Issue, LoadPattern, LoadReport } from "./pattern.ts";

/** Options of {@linkcode openLoop}. */
export interface OpenLoopOptions {
  /** Send offsets in ms from the start, non-decreasing (from `planArrivals`). */
  offsetsMs: Float64Array;
  /** Most requests in flight; absent: unbounded. */
  maxConcurrency?: number;
  /** Delay before the first send, ms, so the plan starts from a quiet loop. @default 1 */
  leadMs?: number;
}

/**
 * An open-loop load pattern over a precomputed plan.
 *
 * @param options The plan and the concurrency bound.
 * @returns The pattern (`kind: "open"`).
 * @throws {RangeError} When `maxConcurrency` is not a positive integer.
 *
 * @example
 * ```ts
 * import { openLoop } from "./open_loop.ts";
 * import assert from "node:assert/strict";
 *
 * const p = openLoop({ offsetsMs: Float64Array.of(0, 5, 10) });
 * const lag: number[] = [];
 * await p.run(async (tick) => { lag.push(performance.now() - tick.scheduledMs); });
 * assert.equal(lag.length, 3);
 * assert.ok(lag.every((l) => l >= 0 && l < 50));
 * ```
 */
export function openLoop(options: OpenLoopOptions): LoadPattern {
  const { offsetsMs, maxConcurrency } = options;
  if (
    maxConcurrency !== undefined && (!Number.isInteger(maxConcurrency) || maxConcurrency < 1)
  ) {
    throw new RangeError(
      `Cannot create load pattern: 'maxConcurrency' must be a positive integer, got ${maxConcurrency}`,
    );
  }
  const total = offsetsMs.length;
  const limit = maxConcurrency ?? Infinity;
  return {
    kind: "open",
    total,
    concurrency: maxConcurrency ?? total,
    async run(issue: Issue, signal?: AbortSignal): Promise<LoadReport> {
      const hold = await holdPreciseWaits();
      try {
        return await runPlan(issue, signal);
      } finally {
        hold.release();
      }
    },
  };
  async function runPlan(issue: Issue, signal?: AbortSignal): Promise<LoadReport> {
    const start = performance.now() + (options.leadMs ?? 1);
    let inFlight = 0;
    let issued = 0;
    const running: Promise<unknown>[] = [];
    // FIFO of ticks waiting for a slot: indices and their scheduled times.
    const queue: { index: number; scheduledMs: number }[] = [];
    let qHead = 0;
    const launch = (index: number, scheduledMs: number, queueMs: number) => {
      inFlight++;
      issued++;
      running.push(
        issue({ index, scheduledMs, queueMs }).finally(() => {
          inFlight--;
          if (qHead < queue.length && !signal?.aborted) {
            const q = queue[qHead++];
            launch(q.index, q.scheduledMs, performance.now() - q.scheduledMs);
          }
        }),
      );
    };
    for (let i = 0; i < total && !signal?.aborted; i++) {
      const at = start + offsetsMs[i];
      if (at > performance.now()) await sleepUntil(at, signal);
      if (signal?.aborted) break;
      if (inFlight < limit) launch(i, at, 0);
      else queue.push({ index: i, scheduledMs: at });
    }
    // Drain: everything launched, including what the queue releases as slots free.
    for (let k = 0; k < running.length; k++) await running[k];
    return { issued, notIssued: total - issued };
  }
}
