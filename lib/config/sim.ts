/**
 * Options of the built-in simulated engine, validated by zod.
 *
 * @module
 */

import { z } from "npm:zod@^4.6.7";

/**
 * Names of the simulator's built-in engine profiles, as data, so that config
 * validates a profile without importing the simulator
 * (`lib/sim/profiles.ts` defines one table entry per name, checked by the
 * type system).
 *
 * @example
 * ```ts
 * import { PROFILE_NAMES } from "./sim.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(PROFILE_NAMES, ["small", "medium", "large"]);
 * ```
 */
export const PROFILE_NAMES = ["small", "medium", "large"] as const;

/** The name of a built-in engine profile. */
export type ProfileName = typeof PROFILE_NAMES[number];

const probability = z.number().min(0).max(1);

/** Faults the simulator injects at random (seeded), per request. */
export const faultsSchema = z.strictObject({
  /** Share of requests answered with HTTP 500. */
  http500: probability.optional(),
  /** Share of requests answered with HTTP 429. */
  http429: probability.optional(),
  /** Share of streams whose connection is cut after `afterTokens` tokens. */
  drop: z.strictObject({ probability, afterTokens: z.number().int().min(0) }).optional(),
  /** Share of requests that stall `ms` before their first token. */
  stall: z.strictObject({ probability, ms: z.number().positive() }).optional(),
  /** Seed of the fault draws. */
  seed: z.number().int().optional(),
});

/** Overrides of a profile's engine parameters. */
export const engineModelSchema = z.strictObject({
  maxNumSeqs: z.number().int().positive(),
  maxBatchedTokens: z.number().int().positive(),
  kvCacheTokens: z.number().int().positive(),
  stepOverheadMs: z.number().min(0),
  memoryBoundMs: z.number().positive(),
  saturationBatch: z.number().positive(),
  kvReadMsPerKToken: z.number().min(0),
}).partial();

/** Fields of the simulator's options. */
export const simulatorOptionsShape = {
  /** Deterministic mode: fixed time from request arrival to the first token, ms. */
  ttftMs: z.number().min(0).optional(),
  /** Deterministic mode: fixed interval between tokens, ms. */
  itlMs: z.number().min(0).optional(),
  /** Realistic mode: a named engine profile. */
  // Typed as string (not ProfileName) so that callers passing a user's
  // `--profile` need no cast; the enum rejects any other name.
  profile: z.enum(PROFILE_NAMES as readonly string[] as [string, ...string[]]).optional(),
  /** Realistic mode: overrides of the profile's parameters. */
  engine: engineModelSchema.optional(),
  /** Faults to inject. */
  faults: faultsSchema.optional(),
  /** Model name the simulator serves. */
  model: z.string().min(1).optional(),
  /** Interface to listen on. */
  hostname: z.string().min(1).optional(),
  /** Port to listen on; 0 picks a free one. */
  port: z.number().int().min(0).max(65535).optional(),
};

/**
 * Cross-field rules of the simulator's options (deterministic and realistic
 * modes exclude each other; `ttftMs` and `itlMs` go together).
 *
 * @param o The options.
 * @param ctx Zod's refinement context.
 */
export function refineSimulatorOptions(
  o: { ttftMs?: number; itlMs?: number; profile?: string; engine?: object },
  ctx: z.RefinementCtx,
): void {
  const det = o.ttftMs !== undefined || o.itlMs !== undefined;
  if (det && (o.ttftMs === undefined || o.itlMs === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: [o.ttftMs === undefined ? "ttftMs" : "itlMs"],
      message: "given together with the other of 'ttftMs' and 'itlMs' (deterministic mode)",
      input: undefined,
    });
  }
  if (det && (o.profile !== undefined || o.engine !== undefined)) {
    ctx.addIssue({
      code: "custom",
      path: [o.profile !== undefined ? "profile" : "engine"],
      message:
        "absent when 'ttftMs'/'itlMs' are given (deterministic and realistic modes exclude each other)",
      input: o.profile ?? o.engine,
    });
  }
}

/** The simulator's own options (shared by `simulator()`, `splleed sim` and config files). */
export const simulatorOptionsSchema = z.strictObject(simulatorOptionsShape).superRefine(
  refineSimulatorOptions,
);

/** Simulator options as written by a user. */
export type SimulatorOptions = z.input<typeof simulatorOptionsSchema>;
