/**
 * Sending one request for a load pattern's tick: a record stamped with the
 * tick's intended send time, the send, and the finished record handed to
 * the observers. This is the hot path: one controller per request, and one
 * watchdog timer for all of them.
 *
 * The watchdog ends a request that went silent, so a stalled server shows
 * as named failures instead of a run that hangs:
 *
 * - `first_byte_timeout`: no response head `firstByteTimeoutMs` after it was sent;
 * - `idle_timeout`: no token chunk `idleTimeoutMs` after the head or the last token chunk;
 * - `timeout`: not finished `requestTimeoutMs` after it was sent;
 * - `cut_at_end`: still in flight when a time-bounded trial's grace period ended.
 *
 * The watchdog reads the record the backend fills in place (its head and
 * chunk times), so it costs the request path nothing; it wakes every tenth
 * of the shortest limit (10 ms to 1 s), and a limit fires within that.
 *
 * @module
 */

import type { BackendClient, PreparedRequest } from "../backends/backend.ts";
import { gateTurns, type TimedIssue, type TurnOf } from "../load/turns.ts";
import type { Issue } from "../load/pattern.ts";
import { newRecord, type RequestRecord } from "../record/record.ts";
import type { WorkloadItem } from "../workload/types.ts";
import type { Observers } from "./observer.ts";

/** The limits the watchdog holds requests to, ms. */
export interface RequestLimits {
  /** From send to the end. */
  requestMs: number;
  /** From send to the response head. */
  firstByteMs: number;
  /** From the head or the last token chunk to the next token chunk. */
  idleMs: number;
}

/** What is in flight now, for a progress display. */
export interface InFlight {
  /** Requests in flight. */
  count: number;
  /** How long the most silent of them has gone without a head or a token chunk, ms (0 when none). */
  oldestSilentMs: number;
}

interface Pending {
  rec: RequestRecord;
  controller: AbortController;
  startMs: number;
  /** Set when the watchdog (or a cut) ended it: the reason id and message to record. */
  ended: { reason: string; message: string } | null;
}

const seconds = (ms: number) => `${+(ms / 1000).toFixed(3)} s`;

/** Sends requests for ticks; one per run. */
export class RequestIssuer {
  #client: BackendClient;
  #prepared: readonly PreparedRequest[];
  #items: readonly WorkloadItem[];
  #multiTurn: boolean;
  #observers: Observers;
  #limits: RequestLimits;
  #signal: AbortSignal;
  #inFlight = new Set<Pending>();
  #nextId = 0;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #periodMs: number;

  /**
   * @param o The connected client, the prepared requests (one per workload
   *   item), the items (for multi-turn gating), the observers, the
   *   per-request limits and the run's abort signal (it aborts every
   *   request in flight).
   */
  constructor(o: {
    client: BackendClient;
    prepared: readonly PreparedRequest[];
    items: readonly WorkloadItem[];
    observers: Observers;
    limits: RequestLimits;
    signal: AbortSignal;
  }) {
    this.#client = o.client;
    this.#prepared = o.prepared;
    this.#items = o.items;
    this.#multiTurn = o.items.some((it) =>
      it.conversation !== undefined && it.conversation.turn > 0
    );
    this.#observers = o.observers;
    this.#limits = o.limits;
    const shortest = Math.min(o.limits.requestMs, o.limits.firstByteMs, o.limits.idleMs);
    this.#periodMs = Math.min(1000, Math.max(10, shortest / 10));
    this.#signal = o.signal;
    o.signal.addEventListener("abort", () => {
      for (const p of this.#inFlight) p.controller.abort(o.signal.reason);
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

  /**
   * What is in flight now.
   *
   * @param nowMs The time to measure silence at.
   * @returns The count and the longest silence.
   */
  inFlight(nowMs: number = performance.now()): InFlight {
    let oldest = 0;
    for (const p of this.#inFlight) {
      const silent = nowMs - lastActivity(p);
      if (silent > oldest) oldest = silent;
    }
    return { count: this.#inFlight.size, oldestSilentMs: oldest };
  }

  /**
   * Aborts every request of one trial still in flight, recording each with
   * reason `cut_at_end` and `message` (a time-bounded trial whose grace
   * period ended).
   *
   * @param level Level index.
   * @param trial Trial index.
   * @param message Why, in words.
   */
  cut(level: number, trial: number, message: string): void {
    for (const p of this.#inFlight) {
      if (p.rec.level !== level || p.rec.trial !== trial || p.ended !== null) continue;
      p.ended = { reason: "cut_at_end", message };
      p.controller.abort(new DOMException(message, "AbortError"));
    }
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
    const p: Pending = {
      rec,
      controller: new AbortController(),
      startMs: performance.now(),
      ended: null,
    };
    this.#inFlight.add(p);
    if (this.#watchdog === undefined) this.#startWatchdog();
    if (this.#signal.aborted) p.controller.abort(this.#signal.reason);
    if (this.#observers.hasRequestStart) this.#observers.requestStart(rec);
    try {
      await this.#client.send(this.#prepared[promptIndex], rec, p.controller.signal);
    } finally {
      this.#inFlight.delete(p);
      if (this.#inFlight.size === 0) this.#stopWatchdog();
    }
    if (p.ended !== null && !rec.ok) rec.error = p.ended;
    this.#observers.record(rec);
    return rec.endMs ?? undefined;
  }

  #startWatchdog(): void {
    this.#watchdog = setInterval(() => this.#check(performance.now()), this.#periodMs);
  }

  #stopWatchdog(): void {
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }

  /** Ends the requests that outlived a limit. */
  #check(now: number): void {
    const { requestMs, firstByteMs, idleMs } = this.#limits;
    for (const p of this.#inFlight) {
      if (p.ended !== null) continue;
      const rec = p.rec;
      const sent = Math.max(p.startMs, rec.sentMs);
      let ended: Pending["ended"] = null;
      if (now - sent >= requestMs) {
        ended = {
          reason: "timeout",
          message: `not finished ${seconds(requestMs)} after it was sent ` +
            `(request timeout ${requestMs} ms: requestTimeoutMs, --timeout)`,
        };
      } else if (rec.headersMs === null) {
        if (now - sent >= firstByteMs) {
          ended = {
            reason: "first_byte_timeout",
            message: `no response head ${seconds(firstByteMs)} after it was sent: the server ` +
              `accepted the connection and did not answer (first-byte timeout ${firstByteMs} ms: ` +
              "firstByteTimeoutMs, --first-byte-timeout)",
          };
        }
      } else {
        const last = lastActivity(p);
        if (now - last >= idleMs) {
          const what = rec.chunkMs.length === 0
            ? "no token after the response head"
            : `no token after the last one (${rec.chunkMs.length} received)`;
          ended = {
            reason: "idle_timeout",
            message: `${what} for ${seconds(now - last)}: the stream stalled ` +
              `(idle timeout ${idleMs} ms: idleTimeoutMs, --idle-timeout)`,
          };
        }
      }
      if (ended !== null) {
        p.ended = ended;
        p.controller.abort(new DOMException(ended.message, "TimeoutError"));
      }
    }
  }
}

/** When a pending request was last heard from: its send, its head or its last token chunk. */
function lastActivity(p: Pending): number {
  const rec = p.rec;
  const c = rec.chunkMs;
  if (c.length > 0) return c[c.length - 1];
  if (rec.headersMs !== null) return rec.headersMs;
  return Math.max(p.startMs, rec.sentMs);
}
