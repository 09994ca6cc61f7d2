/**
 * Starting and stopping managed engines. A backend describes how its engine
 * starts as plain data ({@linkcode LaunchSpec}); this module carries it out
 * and always tears it down.
 *
 * @module
 */

import type { LaunchSpec } from "../config/launch.ts";
import { startSimulatorWorker } from "../sim/in_process.ts";
import { startProcessServer } from "./process.ts";

/** A managed engine that is up and answering. */
export interface RunningServer {
  /** Base URL to connect to. */
  readonly endpoint: string;
  /** How it was started, for the results (no secrets). */
  readonly info: Record<string, unknown>;
  /** Stops it; safe to call more than once. */
  stop(): Promise<void>;
  /** Engine-specific counters, when it has any (the simulator's). */
  stats?(): Promise<unknown>;
  /** Resolves with an error if the engine dies before it is stopped (processes only); never rejects. */
  died?: Promise<Error>;
}

/** Options of {@linkcode startServer}. */
export interface StartServerOptions {
  /**
   * Told of the first SIGINT/SIGTERM/SIGHUP while an engine process runs
   * (the engine is then stopped). Without it, the engine is stopped and the
   * signal raised again, ending the process as it would have.
   */
  onSignal?: (signal: Deno.Signal) => void;
}

/**
 * Starts the engine a launch spec describes and waits until it answers.
 *
 * @param launch What to start.
 * @param options What to do on a signal.
 * @returns The running server.
 * @throws {Error} When it cannot be started, saying why.
 *
 * @example
 * ```ts
 * import { startServer } from "./server.ts";
 * import assert from "node:assert/strict";
 *
 * const s = await startServer({ kind: "simulator", options: { ttftMs: 1, itlMs: 1 } });
 * assert.match(s.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
 * await s.stop();
 * ```
 */
export async function startServer(
  launch: LaunchSpec,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  switch (launch.kind) {
    case "simulator": {
      const sim = await startSimulatorWorker(launch.options);
      return {
        endpoint: sim.url,
        info: { managed: "simulator (in-process worker)", options: launch.options },
        stop: () => sim.stop(),
        stats: () => sim.stats(),
      };
    }
    case "process": {
      const p = await startProcessServer(launch, { onSignal: options.onSignal });
      return { endpoint: p.endpoint, info: p.info, stop: p.stop, died: p.died };
    }
  }
}
