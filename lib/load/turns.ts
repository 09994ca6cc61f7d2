/**
 * Multi-turn gating: a conversation's next turn is sent only after its
 * previous turn ended and the user's think time passed, as a real user
 * would. A wrapper around a pattern's `issue` callback: the pattern still
 * decides when a turn may start at the earliest, and this holds a turn back
 * until its conversation is ready, moving its intended send time to
 * `previous end + think time` so that latency is measured from then.
 *
 * @module
 */

import { sleepUntil } from "../clock/precise.ts";
import type { Issue, Tick } from "./pattern.ts";

/** Where a tick sits in a conversation. */
export interface TurnOf {
  /** Key of this turn (unique within one run of the pattern). */
  key: string;
  /** Key of the turn it waits for, or null for a first turn. */
  previous: string | null;
  /** Think time after the previous turn ended, ms. */
  thinkMs: number;
}

/**
 * Sends a request for a tick and resolves when it ended, with the time it
 * ended (`performance.now()` clock) when known.
 */
export type TimedIssue = (tick: Tick) => Promise<number | void>;

/**
 * Wraps `issue` so that turns of a conversation go in order, each after the
 * previous one ended (the time `issue` resolves with, else the moment it
 * resolves) plus its think time. Make one per run of a pattern
 * (a warm-up or a trial): turns of earlier runs are not waited for.
 *
 * @param issue Sends a request (resolves when it ended, with its end time).
 * @param turnOf A tick index's place in its conversation, or undefined for an independent request.
 * @param signal Stops waiting when aborted.
 * @returns The gated `issue`.
 *
 * @example The second turn waits for the first plus 20 ms of thinking
 * ```ts
 * import { gateTurns } from "./turns.ts";
 * import assert from "node:assert/strict";
 *
 * const sent: number[] = [];
 * let firstEnd = 0;
 * const issue = gateTurns(async (tick) => {
 *   sent[tick.index] = tick.scheduledMs;
 *   await new Promise((r) => setTimeout(r, 10));
 *   if (tick.index === 0) firstEnd = performance.now();
 * }, (i) => ({ key: `c:${i}`, previous: i === 0 ? null : "c:0", thinkMs: 20 }));
 * const t0 = performance.now();
 * await Promise.all([issue({ index: 0, scheduledMs: t0 }), issue({ index: 1, scheduledMs: t0 })]);
 * assert.ok(sent[1] >= firstEnd + 20);
 * ```
 */
export function gateTurns(
  issue: TimedIssue,
  turnOf: (index: number) => TurnOf | undefined,
  signal?: AbortSignal,
): Issue {
  const ended = new Map<string, Promise<number>>();
  return async (tick) => {
    const turn = turnOf(tick.index);
    if (turn === undefined) return await issue(tick);
    let done!: (t: number) => void;
    ended.set(turn.key, new Promise((r) => (done = r)));
    const prev = turn.previous === null ? undefined : ended.get(turn.previous);
    let scheduledMs = tick.scheduledMs;
    if (prev !== undefined) {
      scheduledMs = (await prev) + turn.thinkMs;
      await sleepUntil(scheduledMs, signal);
    }
    let endMs: number | void = undefined;
    try {
      endMs = await issue({ ...tick, scheduledMs });
    } finally {
      done(typeof endMs === "number" ? endMs : performance.now());
    }
  };
}
