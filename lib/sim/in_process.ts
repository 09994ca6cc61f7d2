/**
 * Running the simulator inside this process on a worker thread: the way
 * `simulator()` backends and tests start it.
 *
 * @module
 */

import type { SimulatorOptions } from "../config/sim.ts";
import { validate } from "../config/errors.ts";
import { simulatorOptionsSchema } from "../config/sim.ts";
import type { SimCounters } from "./openai_api.ts";

/** A simulator running on a worker thread. */
export interface SimulatorHandle {
  /** Base URL. */
  readonly url: string;
  /** Reads the simulator's counters (requests, faults injected, tokens). */
  stats(): Promise<SimCounters>;
  /** Stops the server and ends the worker. */
  stop(): Promise<void>;
}

/**
 * Starts the simulator on a worker thread and waits until it listens.
 *
 * @param options Simulator options.
 * @returns A handle; call `stop()` when done.
 * @throws {import("../config/errors.ts").ConfigError} When an option is invalid.
 * @throws {Error} When the worker cannot start the server (port taken, ...).
 *
 * @example
 * ```ts
 * import { startSimulatorWorker } from "./in_process.ts";
 * import assert from "node:assert/strict";
 *
 * const sim = await startSimulatorWorker({ ttftMs: 1, itlMs: 1 });
 * const r = await fetch(`${sim.url}/health`);
 * await r.body?.cancel();
 * assert.equal(r.status, 200);
 * await sim.stop();
 * ```
 */
export async function startSimulatorWorker(options: SimulatorOptions): Promise<SimulatorHandle> {
  validate(simulatorOptionsSchema, options, "simulator");
  const worker = new Worker(new URL("./_worker.ts", import.meta.url), { type: "module" });
  const pending = new Map<number, (s: SimCounters) => void>();
  let nextId = 0;
  let onStopped: (() => void) | undefined;
  let failStart: ((e: Error) => void) | undefined;
  let started: ((url: string) => void) | undefined;
  let stopped = false;

  worker.onmessage = (e: MessageEvent) => {
    const m = e.data;
    if (m.type === "started") started?.(m.url);
    else if (m.type === "stats") {
      pending.get(m.id)?.(m.stats);
      pending.delete(m.id);
    } else if (m.type === "stopped") onStopped?.();
    else if (m.type === "error") {
      const err = new Error(`simulator: ${m.message}`);
      err.name = m.name;
      failStart?.(err);
    }
  };
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    failStart?.(new Error(`simulator worker failed: ${e.message}`));
  };

  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      started = resolve;
      failStart = reject;
      worker.postMessage({ type: "start", options });
    });
  } catch (err) {
    worker.terminate();
    throw err;
  }
  failStart = undefined;

  return {
    url,
    stats() {
      if (stopped) return Promise.reject(new Error("simulator stopped"));
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        worker.postMessage({ type: "stats", id });
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          onStopped = resolve;
          worker.postMessage({ type: "stop" });
        }),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000))),
      ]);
      clearTimeout(timer);
      worker.terminate();
    },
  };
}
