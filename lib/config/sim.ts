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

/**
 * Seeded random variation of the deterministic mode's delays: each request's
 * TTFT and each token's interval is multiplied by a lognormal factor
 * `exp(N(0, sigma²))`, drawn from a generator seeded per request (the seed
 * and the request's arrival index), so a run is reproducible.
 */
export const jitterSchema = z.strictObject({
  /** Sigma of the log of each request's TTFT factor (0.1 ≈ ±10 %). */
  ttft: z.number().min(0).max(5).optional(),
  /** Sigma of the log of each token interval's factor. */
  itl: z.number().min(0).max(5).optional(),
  /** Seed of the draws. */
  seed: z.number().int().optional(),
});

/**
 * Linear drift of the deterministic mode's delays with the simulator's
 * uptime: the nominal TTFT (at a request's arrival) and ITL (at each token)
 * are multiplied by `1 + rate × seconds since the simulator started` (or since `sinceEpochMs`)
 * (0.05 = +5 % per second; a negative rate shrinks them, never below 0).
 */
export const driftSchema = z.strictObject({
  /** Relative growth of the TTFT per second of uptime. */
  ttftPerS: z.number().min(-1).max(1000).optional(),
  /** Relative growth of the inter-token interval per second of uptime. */
  itlPerS: z.number().min(-1).max(1000).optional(),
  /**
   * Epoch time (ms, as `Date.now()`) the uptime counts from, so that
   * simulators started one after the other drift together; default: when
   * this simulator started.
   */
  sinceEpochMs: z.number().min(0).optional(),
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
  /** Deterministic mode: seeded lognormal jitter of TTFT and ITL. */
  jitter: jitterSchema.optional(),
  /** Deterministic mode: TTFT and ITL growing linearly with uptime. */
  drift: driftSchema.optional(),
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
 * modes exclude each other; `ttftMs` and `itlMs` go together; `jitter` and
 * `drift` belong to the deterministic mode).
 *
 * @param o The options.
 * @param ctx Zod's refinement context.
 */
export function refineSimulatorOptions(
  o: {
    ttftMs?: number;
    itlMs?: number;
    profile?: string;
    engine?: object;
    jitter?: object;
    drift?: object;
  },
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
  for (const k of ["jitter", "drift"] as const) {
    if (o[k] !== undefined && !det) {
      ctx.addIssue({
        code: "custom",
        path: [k],
        message: "given only with 'ttftMs' and 'itlMs' (it varies the deterministic mode's delays)",
        input: o[k],
      });
    }
  }
}

/** The simulator's own options (shared by `simulator()`, `splleed sim` and config files). */
export const simulatorOptionsSchema = z.strictObject(simulatorOptionsShape).superRefine(
  refineSimulatorOptions,
);

/** Simulator options as written by a user. */
export type SimulatorOptions = z.input<typeof simulatorOptionsSchema>;
