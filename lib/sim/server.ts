/**
 * Starting the simulated engine: the engine model, faults and HTTP API on
 * one port.
 *
 * @module
 */

import { type ProfileName, type SimulatorOptions, simulatorOptionsSchema } from "../config/sim.ts";
import { validate } from "../config/errors.ts";
import { BatchingEngine, DeterministicEngine, type Engine } from "./engine.ts";
import { FaultPicker } from "./faults.ts";
import { serveHttp1 } from "./http_server.ts";
import { createSimApi, newCounters, type SimCounters } from "./openai_api.ts";
import { PROFILES } from "./profiles.ts";

/** Version string the simulator reports at `/version`. */
export const SIM_VERSION = "splleed-sim 1";

/** A running simulator. */
export interface SimServer {
  /** Base URL (`http://127.0.0.1:PORT`). */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** A copy of the counters. */
  stats(): SimCounters;
  /** Stops the engine and the server. */
  close(): Promise<void>;
}

/**
 * Starts the simulator in this thread.
 *
 * @param options Simulator options (deterministic `ttftMs`/`itlMs` with optional `jitter` and `drift`, or a `profile`; default profile `small`).
 * @returns The running server.
 * @throws {import("../config/errors.ts").ConfigError} When an option is invalid.
 * @throws {Deno.errors.AddrInUse} When the port is taken ("port 8000 on 127.0.0.1 is already in use; ...").
 *
 * @example
 * ```ts
 * import { serveSimulator } from "./server.ts";
 * import assert from "node:assert/strict";
 *
 * const sim = serveSimulator({ ttftMs: 5, itlMs: 1 });
 * const r = await fetch(`${sim.url}/v1/completions`, {
 *   method: "POST",
 *   body: JSON.stringify({ prompt: "hi", max_tokens: 3 }),
 * });
 * const j = await r.json();
 * assert.equal(j.usage.completion_tokens, 3);
 * await sim.close();
 * ```
 */
export function serveSimulator(options: SimulatorOptions = {}): SimServer {
  const o = validate(simulatorOptionsSchema, options, "simulator");
  let engine: Engine;
  let maxModelLen: number;
  let describe: Record<string, unknown>;
  if (o.ttftMs !== undefined && o.itlMs !== undefined) {
    const since = o.drift?.sinceEpochMs;
    engine = new DeterministicEngine(o.ttftMs, o.itlMs, {
      jitter: o.jitter,
      drift: o.drift,
      // Epoch to this thread's monotonic clock (a worker's has its own origin).
      ...(since !== undefined ? { startMs: performance.now() - (Date.now() - since) } : {}),
    });
    maxModelLen = 1 << 20;
    describe = {
      mode: "deterministic",
      ttftMs: o.ttftMs,
      itlMs: o.itlMs,
      ...(o.jitter ? { jitter: o.jitter } : {}),
      ...(o.drift ? { drift: o.drift } : {}),
    };
  } else {
    // The schema accepts only PROFILE_NAMES, so the cast holds.
    const model = { ...PROFILES[(o.profile ?? "small") as ProfileName], ...o.engine };
    const batching = new BatchingEngine(model);
    engine = batching;
    maxModelLen = model.kvCacheTokens;
    describe = { mode: "realistic", profile: o.profile ?? "small", engineModel: model };
  }
  const counters = newCounters();
  const api = createSimApi({
    model: o.model ?? "splleed-sim",
    engine,
    faults: new FaultPicker(o.faults),
    maxModelLen,
    version: SIM_VERSION,
    describe,
  }, counters);
  let http;
  try {
    http = serveHttp1({ hostname: o.hostname ?? "127.0.0.1", port: o.port ?? 0 }, api);
  } catch (err) {
    engine.close(); // nothing is left running when the port cannot be bound
    throw err;
  }
  const host = http.addr.hostname.includes(":") ? `[${http.addr.hostname}]` : http.addr.hostname;
  return {
    url: `http://${host}:${http.addr.port}`,
    port: http.addr.port,
    stats: () => structuredClone(counters),
    async close() {
      engine.close();
      http.close();
      await http.finished;
    },
  };
}
