/**
 * From a level's load, written as data ({@linkcode LevelLoad}), to the
 * pattern that times its requests: closed loop, burst, open-loop arrivals
 * or a replayed trace. The run plan and the runner share this one mapping.
 *
 * @module
 */

import type { LevelLoad } from "../config/level_load.ts";
import { planArrivals } from "./arrivals.ts";
import { openLoop } from "./open_loop.ts";
import { burst, closedLoop, type LoadPattern } from "./pattern.ts";

/** Options of {@linkcode levelPattern}. */
export interface LevelPatternOptions {
  /** Requests in this run of the pattern; absent: bounded by `durationS` (open loop and trace). */
  total?: number;
  /** Seed of random arrivals (one per level and trial). @default 0 */
  seed?: number;
  /** Open loop and trace: arrivals stop after this many seconds. */
  durationS?: number;
  /** Trace: the trace's send offsets, ms, already over its speed. */
  traceOffsetsMs?: Float64Array;
}

/**
 * The pattern of one run (warm-up or trial) of a level.
 *
 * @param load The level's load.
 * @param options Request count, seed, duration, trace offsets.
 * @returns The pattern.
 * @throws {RangeError} When a count is missing or not a positive integer, or a trace has no offsets.
 *
 * @example A closed loop never starts more slots than requests
 * ```ts
 * import { levelPattern } from "./level_pattern.ts";
 * import assert from "node:assert/strict";
 *
 * const p = levelPattern({ kind: "closed", concurrency: 8 }, { total: 3 });
 * assert.equal(p.kind, "closed");
 * assert.equal(p.concurrency, 3);
 * assert.equal(p.total, 3);
 * ```
 */
export function levelPattern(load: LevelLoad, options: LevelPatternOptions): LoadPattern {
  const { total } = options;
  switch (load.kind) {
    case "closed":
      return closedLoop({
        concurrency: Math.min(load.concurrency, needTotal(total)),
        total: needTotal(total),
      });
    case "burst":
      return burst({ total: needTotal(total) });
    case "open":
      return openLoop({
        offsetsMs: planArrivals({
          rate: load.rate === "inf" ? Infinity : load.rate,
          arrival: load.arrival,
          burstiness: load.burstiness,
          count: total,
          durationS: options.durationS,
          rampUpS: load.rampUpS,
          seed: options.seed ?? 0,
        }),
        maxConcurrency: load.maxConcurrency ?? undefined,
      });
    case "trace":
      return traceReplay(options, load.maxConcurrency);
  }
}

/**
 * A replayed trace: the trace's own send offsets, cut at `durationS` and at
 * `total` requests, sent open-loop.
 */
function traceReplay(options: LevelPatternOptions, maxConcurrency: number | null): LoadPattern {
  let offsets = options.traceOffsetsMs;
  if (offsets === undefined) {
    throw new RangeError("Cannot create load pattern: a trace level needs the trace's offsets");
  }
  offsets = traceOffsetsWithin(offsets, options.durationS, options.total);
  return openLoop({ offsetsMs: offsets, maxConcurrency: maxConcurrency ?? undefined });
}

/**
 * The part of a trace that is replayed: offsets up to `durationS` seconds and
 * at most `total` of them.
 *
 * @param offsetsMs The trace's offsets, ms, non-decreasing.
 * @param durationS Seconds to replay; absent: all.
 * @param total Most requests; absent: all.
 * @returns A view of the offsets replayed.
 *
 * @example
 * ```ts
 * import { traceOffsetsWithin } from "./level_pattern.ts";
 * import assert from "node:assert/strict";
 *
 * const o = Float64Array.of(0, 500, 1000, 1500);
 * assert.deepEqual([...traceOffsetsWithin(o, 1)], [0, 500, 1000]);
 * assert.deepEqual([...traceOffsetsWithin(o, undefined, 2)], [0, 500]);
 * ```
 */
export function traceOffsetsWithin(
  offsetsMs: Float64Array,
  durationS?: number,
  total?: number,
): Float64Array {
  let offsets = offsetsMs;
  if (durationS !== undefined) {
    const limit = durationS * 1000;
    let n = 0;
    while (n < offsets.length && offsets[n] <= limit) n++;
    offsets = offsets.subarray(0, n);
  }
  if (total !== undefined && total < offsets.length) offsets = offsets.subarray(0, total);
  return offsets;
}

/**
 * A level's load in words, for plans and progress.
 *
 * @param load The level's load.
 * @returns A short description.
 *
 * @example
 * ```ts
 * import { describeLevelLoad } from "./level_pattern.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(describeLevelLoad({ kind: "closed", concurrency: 4 }), "closed loop, 4 in flight");
 * assert.equal(
 *   describeLevelLoad({ kind: "open", rate: 8, arrival: "poisson", burstiness: 1, rampUpS: 0, maxConcurrency: null }),
 *   "open loop, poisson arrivals at 8 req/s",
 * );
 * ```
 */
export function describeLevelLoad(load: LevelLoad): string {
  switch (load.kind) {
    case "closed":
      return `closed loop, ${load.concurrency} in flight`;
    case "burst":
      return "burst: every request of a trial at once";
    case "open": {
      const rate = load.rate === "inf" ? "all at once (infinite rate)" : `at ${load.rate} req/s`;
      const shape = load.arrival === "gamma"
        ? `gamma (burstiness ${load.burstiness})`
        : load.arrival;
      let s = `open loop, ${shape} arrivals ${rate}`;
      if (load.rampUpS > 0) s += `, ramping up over ${load.rampUpS} s`;
      if (load.maxConcurrency !== null) s += `, at most ${load.maxConcurrency} in flight`;
      return s;
    }
    case "trace": {
      let s = `trace replay at ${load.speed}x speed, ${load.requests} requests`;
      if (load.meanRate !== null) s += ` (mean ${round(load.meanRate)} req/s)`;
      if (load.maxConcurrency !== null) s += `, at most ${load.maxConcurrency} in flight`;
      return s;
    }
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function needTotal(total: number | undefined): number {
  if (total === undefined) {
    throw new RangeError(
      "Cannot create load pattern: a closed loop or burst needs a request count ('runs')",
    );
  }
  return total;
}
