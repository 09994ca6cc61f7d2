/**
 * Sending one request for a load pattern's tick: a record stamped with the
 * tick's intended send time, a per-request timeout, the send, and the
 * finished record handed to the observers. This is the hot path: one
 * controller and one timer per request, both gone when it ends.
 *
 * @module
 */

import type { BackendClient, PreparedRequest } from "../backends/backend.ts";
import { gateTurns, type TimedIssue, type TurnOf } from "../load/turns.ts";
import type { Issue } from "../load/pattern.ts";
import { newRecord } from "../record/record.ts";
import type { WorkloadItem } from "../workload/types.ts";
import type { Observers } from "./observer.ts";

/** Sends requests for ticks; one per run. */
export class RequestIssuer {
  #client: BackendClient;
  #prepared: readonly PreparedRequest[];
  #items: readonly WorkloadItem[];
  #multiTurn: boolean;
  #observers: Observers;
  #timeoutMs: number;
  #signal: AbortSignal;
  #inFlight = new Set<AbortController>();
  #nextId = 0;

  /**
   * @param o The connected client, the prepared requests (one per workload
   *   item), the items (for multi-turn gating), the observers, the
   *   per-request timeout and the run's abort signal (it aborts every
   *   request in flight).
   */
  constructor(o: {
    client: BackendClient;
    prepared: readonly PreparedRequest[];
    items: readonly WorkloadItem[];
    observers: Observers;
    timeoutMs: number;
    signal: AbortSignal;
  }) {
    this.#client = o.client;
    this.#prepared = o.prepared;
    this.#items = o.items;
    this.#multiTurn = o.items.some((it) =>
      it.conversation !== undefined && it.conversation.turn > 0
    );
    this.#observers = o.observers;
    this.#timeoutMs = o.timeoutMs;
    this.#signal = o.signal;
    o.signal.addEventListener("abort", () => {
      for (const c of this.#inFlight) c.abort(o.signal.reason);
    }, { once: true });
  }

  /**
   * The `issue` callback for one run of a pattern (a warm-up or a trial):
   * tick `i` sends workload item `i` modulo their number; conversations'
   * turns are gated (see `lib/load/turns.ts`).
   *
   * @param phase Warm-up or measured.
   * @param level Level index.
   * @param trial Trial index (-1 for warm-up).
   * @returns The callback for `pattern.run`.
   */
  forRun(phase: "warmup" | "measure", level: number, trial: number): Issue {
    const n = this.#prepared.length;
    const send: TimedIssue = (tick) =>
      this.#send(phase, level, trial, tick.index % n, tick.scheduledMs, tick.queueMs);
    if (!this.#multiTurn) return send;
    const items = this.#items;
    const turnOf = (index: number): TurnOf | undefined => {
      const conv = items[index % n].conversation;
      if (conv === undefined) return undefined;
      // Keyed per cycle through the workload, so repeated conversations are separate users.
      const cycle = Math.floor(index / n);
      return {
        key: `${cycle}:${conv.id}:${conv.turn}`,
        previous: conv.turn > 0 ? `${cycle}:${conv.id}:${conv.turn - 1}` : null,
        thinkMs: conv.thinkMs,
      };
    };
    return gateTurns(send, turnOf, this.#signal);
  }

  async #send(
    phase: "warmup" | "measure",
    level: number,
    trial: number,
    promptIndex: number,
    scheduledMs: number,
    queueMs: number | undefined,
  ): Promise<number | undefined> {
    const rec = newRecord(this.#nextId++, phase, level, trial, promptIndex, scheduledMs);
    if (queueMs !== undefined) rec.queueMs = queueMs;
    const controller = new AbortController();
    const timeoutMs = this.#timeoutMs;
    const timer = setTimeout(
      () =>
        controller.abort(new DOMException(`no response within ${timeoutMs} ms`, "TimeoutError")),
      timeoutMs,
    );
    this.#inFlight.add(controller);
    if (this.#signal.aborted) controller.abort(this.#signal.reason);
    try {
      await this.#client.send(this.#prepared[promptIndex], rec, controller.signal);
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(controller);
    }
    this.#observers.record(rec);
    return rec.endMs ?? undefined;
  }
}
