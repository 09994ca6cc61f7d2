/**
 * Serving the built-in simulated engine on its own port (`splleed sim`):
 * the runner composes the simulator for the command line, which imports no
 * engine itself.
 *
 * @module
 */

import type { SimulatorOptions } from "../config/sim.ts";
import { serveSimulator } from "../sim/server.ts";

/** A simulator serving on a port. */
export interface ServedSimulator {
  /** Base URL (`http://127.0.0.1:PORT`). */
  readonly url: string;
  /** Stops the engine and the server. */
  close(): Promise<void>;
}

/**
 * Starts the simulated engine in this thread, serving the OpenAI-compatible
 * API until closed.
 *
 * @param options Simulator options (deterministic `ttftMs`/`itlMs`, or a `profile`; faults; host and port).
 * @returns The running simulator.
 * @throws {import("../config/errors.ts").ConfigError} When an option is invalid.
 * @throws {Deno.errors.AddrInUse} When the port is taken.
 *
 * @example
 * ```ts
 * import { serveSim } from "./serve_sim.ts";
 * import assert from "node:assert/strict";
 *
 * const sim = serveSim({ port: 0, ttftMs: 1, itlMs: 1 });
 * const r = await fetch(`${sim.url}/v1/models`);
 * assert.equal(r.status, 200);
 * await r.body?.cancel();
 * await sim.close();
 * ```
 */
export function serveSim(options: SimulatorOptions): ServedSimulator {
  return serveSimulator(options);
}
