/**
 * Waiting until an absolute deadline with sub-millisecond precision, without
 * starving the event loop.
 *
 * Deno's timers fire late (about 1.3 ms here, and `setTimeout(fn, 0)` takes
 * about 2 ms), far too coarse for a load generator or for the simulator's
 * ground-truth token schedule; sleeping on the OS (a `clock_nanosleep` on
 * another thread) wakes 0.19 ms late at the median and 1.9 ms at the 99th
 * percentile on a VM. Yielding in a tight loop is precise, but it must let
 * the runtime poll its sockets on every turn: a `MessageChannel` round trip
 * (5 µs, 2.6 KB of garbage) starves them (a loopback round trip took 38 ms
 * at the median during such a loop), so where `--allow-net` permits, waits
 * yield through a byte sent over a loopback socket pair instead (22 µs,
 * 2.8 KB, and every socket that became readable is served at each turn;
 * see {@linkcode holdPreciseWaits}); a blocking spin stops I/O altogether.
 * So a wait asks for a timer early by the lateness timers have recently
 * shown (their 95th percentile, learned as they fire), yields in a loop for
 * what is left (usually well under a millisecond), and blocks only for the
 * last {@linkcode BLOCK_SPIN_MS}. No library offers this for Deno, hence this file.
 *
 * @module
 */

/** The last stretch before a deadline, waited out without yielding (ms). */
const BLOCK_SPIN_MS = 0.2;
/** Extra margin asked of a timer beyond its estimated lateness (ms). */
const TIMER_MARGIN_MS = 0.5;

/** Recent timer lateness, for asking for timers early by the right amount. */
class TimerLateness {
  #samples = new Float64Array(64);
  #n = 0;
  #estimate = 2; // until measured: on the safe side of what timers show here

  /** The 95th percentile of recent lateness, within [0.3, 4] ms. */
  get estimate(): number {
    return this.#estimate;
  }

  /** Records one timer's lateness (ms). */
  add(lateMs: number): void {
    this.#samples[this.#n++ % this.#samples.length] = lateMs;
    if (this.#n % 8 === 0) {
      const k = Math.min(this.#n, this.#samples.length);
      const sorted = this.#samples.slice(0, k).sort();
      const p95 = sorted[Math.floor(0.95 * (k - 1))];
      this.#estimate = Math.min(4, Math.max(0.3, p95));
    }
  }
}

interface LoopbackPair {
  w: Deno.Conn;
  r: Deno.Conn;
  one: Uint8Array;
  buf: Uint8Array;
}

/**
 * What a near wait yields to: a loopback socket pair while someone holds one
 * (see the module doc), else a `MessageChannel`, which needs no permission.
 * Concurrent waiters share one turn.
 */
class YieldSource {
  #channel: MessageChannel | undefined;
  #waiters: (() => void)[] = [];
  #users = 0;
  #posted = false;
  #pair: LoopbackPair | undefined;
  #pairHolds = 0;
  #opening: Promise<boolean> | undefined;

  acquire(): void {
    this.#users++;
  }

  release(): void {
    if (--this.#users === 0 && this.#channel) {
      this.#channel.port1.close();
      this.#channel.port2.close();
      this.#channel = undefined;
      this.#posted = false;
      this.#wakeAll();
    }
  }

  /**
   * Takes a hold on the loopback pair, opening it for the first holder (the
   * others share that opening); resolves to whether the pair is in use
   * (false where `--allow-net` does not cover 127.0.0.1).
   */
  holdPair(): Promise<boolean> {
    if (this.#pairHolds++ === 0) this.#opening = this.#open();
    return this.#opening!;
  }

  /** Gives a hold back; the last one closes the pair. */
  releasePair(): void {
    if (this.#pairHolds === 0 || --this.#pairHolds > 0) return;
    // (A handle exists only once the opening has settled, so none is in flight.)
    this.#opening = undefined;
    const pair = this.#pair;
    this.#pair = undefined;
    if (pair !== undefined) {
      // A turn in flight ends with the read's error (caught in #turn).
      pair.w.close();
      pair.r.close();
    }
  }

  async #open(): Promise<boolean> {
    let listener: Deno.Listener | undefined;
    try {
      if (Deno.permissions.querySync({ name: "net", host: "127.0.0.1" }).state !== "granted") {
        return false;
      }
      listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (listener.addr as Deno.NetAddr).port;
      const [w, r] = await Promise.all([
        Deno.connect({ hostname: "127.0.0.1", port }),
        listener.accept(),
      ]);
      w.setNoDelay(true);
      this.#pair = { w, r, one: new Uint8Array(1), buf: new Uint8Array(256) };
      return true;
    } catch {
      return false;
    } finally {
      listener?.close();
    }
  }

  yield(): Promise<void> {
    const p = new Promise<void>((resolve) => this.#waiters.push(resolve));
    if (!this.#posted) {
      this.#posted = true;
      const pair = this.#pair;
      if (pair !== undefined) this.#turn(pair);
      else this.#post();
    }
    return p;
  }

  async #turn(pair: LoopbackPair): Promise<void> {
    try {
      // Its failure shows as the read's; not awaited, so that both are under way at once.
      pair.w.write(pair.one).catch(ignore);
      await pair.r.read(pair.buf);
    } catch {
      // Closed under us: the waiters go on.
    }
    this.#posted = false;
    this.#wakeAll();
  }

  #post(): void {
    if (!this.#channel) {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        this.#posted = false;
        this.#wakeAll();
      };
      this.#channel = ch;
    }
    this.#channel.port2.postMessage(0);
  }

  #wakeAll(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const r of w) r();
  }
}

const ignore = () => {};

let yieldSource: YieldSource | undefined;
let lateness: TimerLateness | undefined;

/**
 * Makes the waits of {@linkcode sleepUntil} yield through a loopback socket
 * pair until released, so that network I/O is served promptly during them
 * (see the module doc). Holds nest; the pair closes with the last release.
 * Without `--allow-net` for 127.0.0.1 it does nothing and waits yield as
 * before.
 *
 * @returns The release function, and whether the pair is in use.
 *
 * @example Holding the pair around a run of waits
 * ```ts
 * import { holdPreciseWaits, sleepUntil } from "./precise.ts";
 * import assert from "node:assert/strict";
 *
 * const hold = await holdPreciseWaits();
 * try {
 *   const deadline = performance.now() + 3;
 *   await sleepUntil(deadline);
 *   assert.ok(performance.now() >= deadline);
 * } finally {
 *   hold.release();
 * }
 * ```
 */
export async function holdPreciseWaits(): Promise<{ release(): void; loopback: boolean }> {
  const ys = yieldSource ??= new YieldSource();
  const loopback = await ys.holdPair();
  let released = false;
  return {
    loopback,
    release() {
      if (released) return;
      released = true;
      ys.releasePair();
    },
  };
}

/**
 * Resolves once the monotonic clock (`performance.now()`) reaches `deadlineMs`,
 * typically within tens of microseconds, while letting other tasks and I/O
 * run until shortly before it.
 *
 * @param deadlineMs Absolute monotonic deadline in milliseconds.
 * @param signal Optional abort signal; an aborted wait resolves early (it never rejects).
 * @returns A promise that resolves at (or just after) the deadline.
 *
 * @example
 * ```ts
 * import { sleepUntil } from "./precise.ts";
 * import assert from "node:assert/strict";
 *
 * const deadline = performance.now() + 5;
 * await sleepUntil(deadline);
 * assert.ok(performance.now() >= deadline);
 * ```
 */
export async function sleepUntil(deadlineMs: number, signal?: AbortSignal): Promise<void> {
  const late = lateness ??= new TimerLateness();
  // Far: sleep on timers, asking early by their recent lateness.
  for (;;) {
    if (signal?.aborted) return;
    const rem = deadlineMs - performance.now();
    if (rem <= 0) return;
    const ask = rem - late.estimate - TIMER_MARGIN_MS;
    if (ask < 1) break; // a timer this short would fire too late to help
    const asked = performance.now() + ask;
    await timerSleep(ask, signal);
    if (!signal?.aborted) late.add(performance.now() - asked);
  }
  // Near: yield to the event loop in a tight loop.
  if (deadlineMs - performance.now() > BLOCK_SPIN_MS) {
    const ys = yieldSource ??= new YieldSource();
    ys.acquire();
    try {
      while (deadlineMs - performance.now() > BLOCK_SPIN_MS && !signal?.aborted) await ys.yield();
    } finally {
      ys.release();
    }
  }
  // Last fraction of a millisecond: spin.
  // Never early: the contract is "at or just after" the deadline.
  while (performance.now() < deadlineMs && !signal?.aborted) {
    // Blocking spin.
  }
}

function timerSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(id);
      resolve();
    };
    const id = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs callbacks at absolute monotonic deadlines, in deadline order, from one
 * waiting loop (so many pending deadlines cost one timer, not one each).
 * Callbacks run synchronously at their deadline; keep them short.
 *
 * @example Two callbacks in deadline order
 * ```ts
 * import { DeadlineScheduler } from "./precise.ts";
 * import assert from "node:assert/strict";
 *
 * const s = new DeadlineScheduler();
 * const seen: string[] = [];
 * const t0 = performance.now();
 * await new Promise<void>((done) => {
 *   s.at(t0 + 6, () => { seen.push("b"); done(); });
 *   s.at(t0 + 3, () => seen.push("a"));
 * });
 * assert.deepEqual(seen, ["a", "b"]);
 * s.close();
 * ```
 */
export class DeadlineScheduler {
  // A binary min-heap kept in two parallel arrays (deadline, callback).
  #d: number[] = [];
  #f: (() => void)[] = [];
  #running = false;
  #closed = false;
  #wake: AbortController | undefined;
  #target = Infinity;

  /** Number of callbacks not yet run. */
  get pending(): number {
    return this.#d.length;
  }

  /**
   * Schedules `fn` to run at monotonic time `deadlineMs` (immediately if past).
   *
   * @param deadlineMs Absolute deadline (`performance.now()` scale).
   * @param fn Callback; exceptions are reported with `reportError` and do not stop the scheduler.
   */
  at(deadlineMs: number, fn: () => void): void {
    if (this.#closed) return;
    this.#push(deadlineMs, fn);
    if (!this.#running) {
      this.#running = true;
      this.#loop();
    } else if (deadlineMs < this.#target) {
      this.#wake?.abort();
    }
  }

  /** Drops every pending callback and stops the loop. */
  close(): void {
    this.#closed = true;
    this.#d.length = 0;
    this.#f.length = 0;
    this.#wake?.abort();
  }

  async #loop(): Promise<void> {
    while (this.#d.length > 0 && !this.#closed) {
      const due = this.#d[0];
      if (due > performance.now()) {
        this.#target = due;
        const wake = new AbortController();
        this.#wake = wake;
        await sleepUntil(due, wake.signal);
        this.#wake = undefined;
        this.#target = Infinity;
        continue; // re-read the heap: an earlier deadline may have arrived
      }
      const limit = performance.now();
      while (this.#d.length > 0 && this.#d[0] <= limit) {
        const fn = this.#pop();
        try {
          fn();
        } catch (err) {
          reportError(err);
        }
      }
    }
    // In the same synchronous step as the emptiness check, so that a callback
    // scheduled from a continuation of the last one starts a new loop.
    this.#running = false;
  }

  #push(d: number, f: () => void): void {
    const hd = this.#d, hf = this.#f;
    let i = hd.length;
    hd.push(d);
    hf.push(f);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (hd[p] <= d) break;
      hd[i] = hd[p];
      hf[i] = hf[p];
      i = p;
    }
    hd[i] = d;
    hf[i] = f;
  }

  #pop(): () => void {
    const hd = this.#d, hf = this.#f;
    const top = hf[0];
    const lastD = hd.pop()!;
    const lastF = hf.pop()!;
    const n = hd.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && hd[c + 1] < hd[c]) c++;
        if (hd[c] >= lastD) break;
        hd[i] = hd[c];
        hf[i] = hf[c];
        i = c;
      }
      hd[i] = lastD;
      hf[i] = lastF;
    }
    return top;
  }
}
