/**
 * Open-loop arrival plans: when each request of a level is meant to be sent,
 * computed in full before the level starts (plan first, run second), from a
 * seed, as offsets from the level's start. Sending at absolute deadlines
 * from these offsets means scheduling error never accumulates.
 *
 * @module
 */

import gamma from "npm:@stdlib/random-base-gamma@^0.2.2";

/** How inter-arrival times are distributed. */
export type ArrivalProcess = "poisson" | "gamma" | "constant";

/** Options of {@linkcode planArrivals}. */
export interface ArrivalPlanOptions {
  /** Mean request rate at full load, requests per second (`Infinity`: all at once). */
  rate: number;
  /** Inter-arrival distribution. @default "poisson" */
  arrival?: ArrivalProcess;
  /**
   * Gamma shape: 1 is Poisson, below 1 burstier, above 1 more regular (as
   * `vllm bench serve --burstiness`). @default 1
   */
  burstiness?: number;
  /** Number of arrivals to plan (at least one of `count` and `durationS`). */
  count?: number;
  /** Plan arrivals until this many seconds after the start. */
  durationS?: number;
  /** Seconds over which the rate rises linearly from 0 to `rate`. @default 0 */
  rampUpS?: number;
  /** Seed; the same seed gives the same plan. @default 0 */
  seed?: number;
  /**
   * With `count` (and no `durationS`), scale the drawn gaps so that the
   * plan's mean rate is exactly `rate`: a random plan of n arrivals is
   * otherwise off by about 1/√n, which would show as a difference between
   * runs "at the same rate". The shape of the process is unchanged. @default true
   */
  exactRate?: boolean;
}

/** The most arrivals a plan may hold (a guard against `durationS` × huge rates). */
export const MAX_ARRIVALS = 10_000_000;

/**
 * Plans the send times of one level, in ms from its start.
 *
 * Poisson arrivals have exponential gaps with mean `1000 / rate` ms; gamma
 * arrivals gamma gaps with shape `burstiness` and the same mean; constant
 * arrivals a fixed gap. With `rampUpS`, the process runs in "operational
 * time" and is mapped through the inverse of the cumulative rate
 * Λ(t) = rate·t²/(2R) for t < R, rate·(t − R/2) after, so the rate rises
 * linearly over the first R seconds and the process keeps its shape. With
 * an infinite rate every arrival is at 0.
 *
 * @param options Rate, process, count or duration, ramp, seed.
 * @returns Send offsets in ms, non-decreasing.
 * @throws {RangeError} When the options cannot make a plan.
 *
 * @example
 * ```ts
 * import { planArrivals } from "./arrivals.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([...planArrivals({ rate: 4, arrival: "constant", count: 3 })], [0, 250, 500]);
 * const a = planArrivals({ rate: 100, count: 1000, seed: 7 });
 * assert.deepEqual(a, planArrivals({ rate: 100, count: 1000, seed: 7 }));
 * assert.ok(Math.abs(a[999] - 9990) < 1e-6); // exactly 100 req/s over the plan
 * ```
 */
export function planArrivals(options: ArrivalPlanOptions): Float64Array {
  const { rate, count, durationS } = options;
  const arrival = options.arrival ?? "poisson";
  const shape = arrival === "poisson" ? 1 : options.burstiness ?? 1;
  const rampMs = (options.rampUpS ?? 0) * 1000;
  if (!(rate > 0)) {
    throw new RangeError(`Cannot plan arrivals: 'rate' must be a positive number, got ${rate}`);
  }
  if (!(shape > 0) || !Number.isFinite(shape)) {
    throw new RangeError(
      `Cannot plan arrivals: 'burstiness' must be a positive number, got ${shape}`,
    );
  }
  if (count === undefined && durationS === undefined) {
    throw new RangeError("Cannot plan arrivals: give 'count', 'durationS' or both");
  }
  if (rate === Infinity) {
    if (count === undefined) {
      throw new RangeError("Cannot plan arrivals: an infinite rate needs 'count'");
    }
    return new Float64Array(count);
  }
  const limitMs = durationS === undefined ? Infinity : durationS * 1000;
  const maxN = Math.min(count ?? MAX_ARRIVALS, MAX_ARRIVALS);
  const meanGapMs = 1000 / rate;
  const draw = arrival === "constant" ? () => meanGapMs : (() => {
    const g = gamma.factory({ seed: (options.seed ?? 0) >>> 0 || 1 });
    const scale = meanGapMs / shape;
    return () => g(shape, 1 / scale); // stdlib's gamma takes shape and rate
  })();
  // Operational time: the process at full rate; then warped for the ramp.
  if (durationS === undefined && (options.exactRate ?? true) && arrival !== "constant") {
    const ops = new Float64Array(maxN);
    for (let i = 1; i < maxN; i++) ops[i] = ops[i - 1] + draw();
    const scale = maxN > 1 && ops[maxN - 1] > 0 ? ((maxN - 1) * meanGapMs) / ops[maxN - 1] : 1;
    for (let i = 0; i < maxN; i++) ops[i] = warp(ops[i] * scale, rampMs);
    return ops;
  }
  const out: number[] = [];
  let op = 0;
  for (let i = 0; i < maxN; i++) {
    if (i > 0) op += draw();
    const t = warp(op, rampMs);
    if (t > limitMs) break;
    out.push(t);
  }
  return Float64Array.from(out);
}

/** Maps operational time (ms at full rate) to real time under a linear ramp of `rampMs`. */
function warp(opMs: number, rampMs: number): number {
  if (rampMs <= 0) return opMs;
  // Λ(t)/rate in ms of operational time: t²/(2R) for t < R, t − R/2 after.
  return opMs < rampMs / 2 ? Math.sqrt(2 * rampMs * opMs) : opMs + rampMs / 2;
}
