/**
 * Named parameter sets for the simulator's continuous-batching engine model.
 *
 * They are illustrative shapes, not measurements of any GPU: each one sets
 * where the engine turns from memory-bound to compute-bound (the saturation
 * batch), how many sequences it runs at once and how much KV cache it has, so
 * that latency responds to load the way a real engine's does. The formulas
 * are in `docs/simulator.md`.
 *
 * @module
 */

import type { ProfileName } from "../config/sim.ts";

/** Parameters of the simulated continuous-batching engine. */
export interface EngineModel {
  /** Most sequences running (decoding or prefilling) at once; more wait in a queue. */
  maxNumSeqs: number;
  /** Most tokens processed in one step (decode tokens plus prefill chunks). */
  maxBatchedTokens: number;
  /** KV-cache capacity in tokens; a request is admitted only when its prompt plus its output fit. */
  kvCacheTokens: number;
  /** Fixed cost of every step (scheduling, sampling, kernel launches), ms. */
  stepOverheadMs: number;
  /** Time of a step while memory-bound (reading the weights once), ms. */
  memoryBoundMs: number;
  /** Tokens per step at which compute time equals `memoryBoundMs` (B_sat). */
  saturationBatch: number;
  /** Extra step time per 1,000 tokens of context held by running sequences (attention reads), ms. */
  kvReadMsPerKToken: number;
}

/**
 * The built-in profiles, by name: one for each name of
 * `PROFILE_NAMES` in `lib/config/sim.ts` (the `satisfies` makes a missing
 * or an extra profile a type error).
 *
 * @example
 * ```ts
 * import { PROFILES } from "./profiles.ts";
 * import { PROFILE_NAMES } from "../config/sim.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(Object.keys(PROFILES), [...PROFILE_NAMES]);
 * assert.equal(PROFILES.small.saturationBatch, 32);
 * ```
 */
export const PROFILES: Readonly<Record<ProfileName, Readonly<EngineModel>>> = {
  /** A small model on one GPU: fast steps, saturates early (B_sat 32). Used by the demo. */
  small: {
    maxNumSeqs: 256,
    maxBatchedTokens: 2048,
    kvCacheTokens: 131072,
    stepOverheadMs: 0.5,
    memoryBoundMs: 5,
    saturationBatch: 32,
    kvReadMsPerKToken: 0.005,
  },
  /** An 8B-class model on one large GPU (B_sat 128). */
  medium: {
    maxNumSeqs: 256,
    maxBatchedTokens: 8192,
    kvCacheTokens: 262144,
    stepOverheadMs: 1,
    memoryBoundMs: 8,
    saturationBatch: 128,
    kvReadMsPerKToken: 0.01,
  },
  /** A 70B-class model across several GPUs: slow steps, a tight KV cache (B_sat 96). */
  large: {
    maxNumSeqs: 128,
    maxBatchedTokens: 8192,
    kvCacheTokens: 65536,
    stepOverheadMs: 2,
    memoryBoundMs: 25,
    saturationBatch: 96,
    kvReadMsPerKToken: 0.03,
  },
} satisfies Record<ProfileName, EngineModel>;
