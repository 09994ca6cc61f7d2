/**
 * Fault injection: configured shares of requests (seeded, so a run is
 * reproducible) or one fault named per request in the `x-splleed-fault`
 * header (`http500`, `http429`, `drop:N`, `stall:MS`).
 *
 * @module
 */

import type { z } from "npm:zod@^4.6.7";
import type { faultsSchema } from "../config/sim.ts";
import { type Random, seededRandom } from "../util/random.ts";

/** Fault configuration. */
export type FaultConfig = z.output<typeof faultsSchema>;

/** The fault chosen for one request. */
export type Fault =
  | { kind: "none" }
  | { kind: "http500" }
  | { kind: "http429" }
  | { kind: "drop"; afterTokens: number }
  | { kind: "stall"; ms: number };

/** Name of the request header that forces a fault. */
export const FAULT_HEADER = "x-splleed-fault";

/**
 * Parses a fault named in the `x-splleed-fault` header.
 *
 * @param value Header value.
 * @returns The fault, or undefined when the value is not a fault.
 *
 * @example
 * ```ts
 * import { parseFaultHeader } from "./faults.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseFaultHeader("drop:3"), { kind: "drop", afterTokens: 3 });
 * assert.equal(parseFaultHeader("nonsense"), undefined);
 * ```
 */
export function parseFaultHeader(value: string): Fault | undefined {
  const v = value.trim().toLowerCase();
  if (v === "http500" || v === "500") return { kind: "http500" };
  if (v === "http429" || v === "429") return { kind: "http429" };
  const m = /^(drop|stall):(\d+(?:\.\d+)?)$/.exec(v);
  if (!m) return undefined;
  const n = Number(m[2]);
  return m[1] === "drop" ? { kind: "drop", afterTokens: Math.floor(n) } : { kind: "stall", ms: n };
}

/**
 * Chooses faults for requests in arrival order.
 *
 * @example Same seed, same faults
 * ```ts
 * import { FaultPicker } from "./faults.ts";
 * import assert from "node:assert/strict";
 *
 * const a = new FaultPicker({ http500: 0.5, seed: 1 });
 * const b = new FaultPicker({ http500: 0.5, seed: 1 });
 * const kinds = (p: FaultPicker) => Array.from({ length: 20 }, () => p.pick(undefined).kind);
 * assert.deepEqual(kinds(a), kinds(b));
 * ```
 */
export class FaultPicker {
  #cfg: FaultConfig;
  #rng: Random;

  /** @param config Shares of each fault (absent: none). */
  constructor(config: FaultConfig = {}) {
    this.#cfg = config;
    this.#rng = seededRandom(config.seed ?? 0x5eed);
  }

  /**
   * Picks the fault for the next request.
   *
   * @param header The request's `x-splleed-fault` header, if any (it wins).
   * @returns The fault.
   */
  pick(header: string | undefined): Fault {
    if (header !== undefined) {
      const f = parseFaultHeader(header);
      if (f) return f;
    }
    const c = this.#cfg;
    // One draw per request keeps the sequence stable when shares change.
    const u = this.#rng.next();
    let edge = 0;
    if (c.http500 && u < (edge += c.http500)) return { kind: "http500" };
    if (c.http429 && u < (edge += c.http429)) return { kind: "http429" };
    if (c.drop && u < (edge += c.drop.probability)) {
      return { kind: "drop", afterTokens: c.drop.afterTokens };
    }
    if (c.stall && u < (edge += c.stall.probability)) return { kind: "stall", ms: c.stall.ms };
    return { kind: "none" };
  }
}
