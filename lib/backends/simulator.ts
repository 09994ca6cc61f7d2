/**
 * `simulator()`: the built-in simulated engine, started inside this process
 * for the run and stopped after it.
 *
 * @module
 */

import { type SimulatorBackendOptions, simulatorBackendOptionsSchema } from "../config/backends.ts";
import { validate } from "../config/errors.ts";
import type { Backend } from "./backend.ts";
import { connectOpenAICompat } from "./openai.ts";

/**
 * The built-in simulated engine. `simulator({ ttftMs: 80, itlMs: 15 })` is
 * the deterministic mode (fixed TTFT and token interval, the ground truth of
 * splleed's accuracy tests); `simulator({ profile: "small" })` (the default)
 * models a continuous-batching engine whose latency rises with load.
 *
 * @param options Simulator options and the API to use (default `completions`).
 * @returns The backend.
 * @throws {import("../config/errors.ts").ConfigError} When an option is invalid.
 *
 * @example
 * ```ts
 * import { simulator } from "./simulator.ts";
 * import assert from "node:assert/strict";
 *
 * const b = simulator({ ttftMs: 80, itlMs: 15 });
 * assert.equal(b.launch?.kind, "simulator");
 * ```
 */
export function simulator(options: SimulatorBackendOptions = {}): Backend {
  const o = validate(simulatorBackendOptionsSchema, options, "simulator backend");
  const { api, ...simOptions } = o;
  if (simOptions.ttftMs === undefined && simOptions.profile === undefined) {
    simOptions.profile = "small";
  }
  return {
    kind: "simulator",
    launch: { kind: "simulator", options: simOptions },
    describe: () => ({ kind: "simulator", api: api ?? "completions", ...simOptions }),
    connect: (c) =>
      connectOpenAICompat({ api, model: simOptions.model }, c, { defaultApi: "completions" }),
  };
}
