/**
 * Load patterns decide *when* requests are sent and nothing else: a pattern
 * emits ticks (an index and the time the request was meant to be sent) to an
 * `issue` callback and knows nothing about HTTP. Plan first, run second: a
 * pattern is configured and validated when created, then run.
 *
 * @module
 */

/** One request the pattern wants sent. */
export interface Tick {
  /** 0-based index within this run of the pattern. */
  index: number;
  /** Monotonic time (`performance.now()`) at which it was meant to be sent. */
  scheduledMs: number;
  /** Time it waited in the client's queue for a free slot (open loop with `maxConcurrency`), ms. */
  queueMs?: number;
}

/**
 * Sends the request for a tick; resolves when it has completed (or failed).
 * What it resolves with is the caller's (the patterns ignore it).
 */
export type Issue = (tick: Tick) => Promise<unknown>;

/** What happened when a pattern ran. */
export interface LoadReport {
  /** Ticks issued. */
  issued: number;
  /** Ticks planned but not issued because the run was aborted. */
  notIssued: number;
}

/** A load pattern. */
export interface LoadPattern {
  /** Pattern kind, for results. */
  readonly kind: "closed" | "burst" | "open";
  /** Requests the pattern sends. */
  readonly total: number;
  /** Most requests it keeps in flight. */
  readonly concurrency: number;
  /**
   * Runs the pattern to the end, or until `signal` aborts (no new ticks are
   * issued then, and in-flight ones are awaited).
   */
  run(issue: Issue, signal?: AbortSignal): Promise<LoadReport>;
}

function checkCount(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) {
    throw new RangeError(
      `Cannot create load pattern: '${name}' must be a positive integer, got ${v}`,
    );
  }
}

/**
 * Closed loop: exactly `concurrency` requests in flight (fewer only at the
 * end), each slot sending its next request as soon as its previous one
 * completes, until `total` have been sent. A tick's scheduled time is the
 * moment its slot became free.
 *
 * @param options Concurrency and total requests.
 * @returns The pattern.
 * @throws {RangeError} When a count is not a positive integer.
 *
 * @example Never more than 2 in flight
 * ```ts
 * import { closedLoop } from "./pattern.ts";
 * import assert from "node:assert/strict";
 *
 * let inFlight = 0, peak = 0;
 * const r = await closedLoop({ concurrency: 2, total: 5 }).run(async () => {
 *   peak = Math.max(peak, ++inFlight);
 *   await new Promise((r) => setTimeout(r, 2));
 *   inFlight--;
 * });
 * assert.equal(r.issued, 5);
 * assert.equal(peak, 2);
 * ```
 */
export function closedLoop(options: { concurrency: number; total: number }): LoadPattern {
  const { concurrency, total } = options;
  checkCount("concurrency", concurrency);
  checkCount("total", total);
  return {
    kind: "closed",
    total,
    concurrency,
    async run(issue: Issue, signal?: AbortSignal): Promise<LoadReport> {
      let next = 0;
      const slot = async () => {
        while (next < total && !signal?.aborted) {
          const index = next++;
          await issue({ index, scheduledMs: performance.now() });
        }
      };
      const slots = [];
      for (let i = 0; i < Math.min(concurrency, total); i++) slots.push(slot());
      await Promise.all(slots);
      return { issued: next, notIssued: total - next };
    },
  };
}

/**
 * Burst: all `total` requests scheduled at the same instant and sent at once
 * (maximum throughput).
 *
 * @param options Total requests.
 * @returns The pattern.
 * @throws {RangeError} When `total` is not a positive integer.
 *
 * @example
 * ```ts
 * import { burst } from "./pattern.ts";
 * import assert from "node:assert/strict";
 *
 * const times: number[] = [];
 * await burst({ total: 3 }).run(async (t) => { times.push(t.scheduledMs); });
 * assert.equal(new Set(times).size, 1);
 * ```
 */
export function burst(options: { total: number }): LoadPattern {
  const { total } = options;
  checkCount("total", total);
  return {
    kind: "burst",
    total,
    concurrency: total,
    async run(issue: Issue, signal?: AbortSignal): Promise<LoadReport> {
      const t0 = performance.now();
      const all: Promise<unknown>[] = [];
      let issued = 0;
      for (let index = 0; index < total && !signal?.aborted; index++) {
        all.push(issue({ index, scheduledMs: t0 }));
        issued++;
      }
      await Promise.all(all);
      return { issued, notIssued: total - issued };
    },
  };
}
