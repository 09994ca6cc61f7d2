/**
 * Options of the built-in simulated engine, validated by zod.
 *
 * @module
 */

import type { Assert, Deep, Equal } from "../util/type_equal.ts";
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
export type SimulatorFaults = {
  /** Share of requests answered with HTTP 500. */
  http500?: number;
  /** Share of requests answered with HTTP 429. */
  http429?: number;
  /** Share of streams whose connection is cut after `afterTokens` tokens. */
  drop?: { probability: number; afterTokens: number };
  /** Share of requests that stall `ms` before their first token. */
  stall?: { probability: number; ms: number };
  /** Seed of the fault draws. */
  seed?: number;
};

/** Seeded lognormal variation of the deterministic mode's delays (see {@linkcode SimulatorOptions}). */
export type SimulatorJitter = {
  /** Sigma of the log of each request's TTFT factor (0.1 ≈ ±10 %). */
  ttft?: number;
  /** Sigma of the log of each token interval's factor. */
  itl?: number;
  /** Seed of the draws. */
  seed?: number;
};

/** Linear drift of the deterministic mode's delays with the simulator's uptime. */
export type SimulatorDrift = {
  /** Relative growth of the TTFT per second of uptime. */
  ttftPerS?: number;
  /** Relative growth of the inter-token interval per second of uptime. */
  itlPerS?: number;
  /** Epoch time (ms, as `Date.now()`) the uptime counts from; default: when this simulator started. */
  sinceEpochMs?: number;
};

/** Overrides of a built-in profile's engine parameters (see `EngineModel`). */
export type EngineModelOverrides = {
  /** Most sequences batched at once. */
  maxNumSeqs?: number;
  /** Most tokens batched per step. */
  maxBatchedTokens?: number;
  /** KV cache size, tokens. */
  kvCacheTokens?: number;
  /** Fixed cost of a step, ms. */
  stepOverheadMs?: number;
  /** Memory-bound time of a decode step, ms. */
  memoryBoundMs?: number;
  /** Batch size at which a step turns compute-bound. */
  saturationBatch?: number;
  /** Time to read 1000 tokens of KV cache, ms. */
  kvReadMsPerKToken?: number;
};

/** Simulator options as written by a user (validated by {@linkcode simulatorOptionsSchema}). */
export type SimulatorOptions = {
  /** Deterministic mode: fixed time from request arrival to the first token, ms. */
  ttftMs?: number;
  /** Deterministic mode: fixed interval between tokens, ms. */
  itlMs?: number;
  /** Deterministic mode: seeded lognormal jitter of TTFT and ITL. */
  jitter?: SimulatorJitter;
  /** Deterministic mode: TTFT and ITL growing linearly with uptime. */
  drift?: SimulatorDrift;
  /** Realistic mode: a named engine profile (one of {@linkcode PROFILE_NAMES}). */
  profile?: string;
  /** Realistic mode: overrides of the profile's parameters. */
  engine?: EngineModelOverrides;
  /** Faults to inject. */
  faults?: SimulatorFaults;
  /** Model name the simulator serves. */
  model?: string;
  /** Interface to listen on. */
  hostname?: string;
  /** Port to listen on; 0 picks a free one. */
  port?: number;
};

const faultsObject = z.strictObject({
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
const jitterSchema = z.strictObject({
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
const driftSchema = z.strictObject({
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
const engineModelSchema = z.strictObject({
  maxNumSeqs: z.number().int().positive(),
  maxBatchedTokens: z.number().int().positive(),
  kvCacheTokens: z.number().int().positive(),
  stepOverheadMs: z.number().min(0),
  memoryBoundMs: z.number().positive(),
  saturationBatch: z.number().positive(),
  kvReadMsPerKToken: z.number().min(0),
}).partial();

/** Faults the simulator injects at random (seeded), per request. */
export const faultsSchema: z.ZodType<SimulatorFaults, SimulatorFaults> = faultsObject;

/** Fields of the simulator's options (spread into the simulator backend's schema). */
export const simulatorOptionsShape: {
  ttftMs: z.ZodOptional<z.ZodNumber>;
  itlMs: z.ZodOptional<z.ZodNumber>;
  jitter: z.ZodOptional<z.ZodType<SimulatorJitter, SimulatorJitter>>;
  drift: z.ZodOptional<z.ZodType<SimulatorDrift, SimulatorDrift>>;
  profile: z.ZodOptional<z.ZodType<string, string>>;
  engine: z.ZodOptional<z.ZodType<EngineModelOverrides, EngineModelOverrides>>;
  faults: z.ZodOptional<z.ZodType<SimulatorFaults, SimulatorFaults>>;
  model: z.ZodOptional<z.ZodString>;
  hostname: z.ZodOptional<z.ZodString>;
  port: z.ZodOptional<z.ZodNumber>;
} = {
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
export const simulatorOptionsSchema: z.ZodType<SimulatorOptions, SimulatorOptions> = z
  .strictObject(simulatorOptionsShape).superRefine(refineSimulatorOptions);

// ---- The schemas and the declared types cannot drift ----

/**
 * Fail to compile when a schema's inferred type and the type declared for it
 * differ. Fix the schema or the type so they agree.
 */
type SchemasMatchTypes = [
  Assert<Equal<Deep<z.output<typeof faultsObject>>, Deep<SimulatorFaults>>>,
  Assert<Equal<Deep<z.input<typeof faultsObject>>, Deep<SimulatorFaults>>>,
  Assert<Equal<Deep<z.output<typeof jitterSchema>>, Deep<SimulatorJitter>>>,
  Assert<Equal<Deep<z.output<typeof driftSchema>>, Deep<SimulatorDrift>>>,
  Assert<Equal<Deep<z.output<typeof engineModelSchema>>, Deep<EngineModelOverrides>>>,
  Assert<
    Equal<Deep<z.input<z.ZodObject<typeof simulatorOptionsShape>>>, Deep<SimulatorOptions>>
  >,
];
