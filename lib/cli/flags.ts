/**
 * Parsing command-line flag values into specification fragments. Pure
 * functions: values are only converted here; the zod schema validates them.
 *
 * @module
 */

import { ConfigError } from "../config/errors.ts";

/**
 * Parses a comma-separated list of numbers (`1,2,4`).
 *
 * @param value Flag value.
 * @returns The numbers (NaN where an item is not a number, for the schema to report).
 *
 * @example
 * ```ts
 * import { parseNumberList } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseNumberList("1, 2,4"), [1, 2, 4]);
 * ```
 */
export function parseNumberList(value: string): number[] {
  return value.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
}

/**
 * Parses a number flag (the schema reports NaN as "must be a number").
 *
 * @param value Flag value.
 * @returns The number.
 *
 * @example
 * ```ts
 * import { parseNumber } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseNumber("0.95"), 0.95);
 * ```
 */
export function parseNumber(value: string): number {
  return value.trim() === "" ? NaN : Number(value);
}

const SLO_KEYS: Record<string, string> = {
  ttft_ms: "ttftMs",
  tpot_ms: "tpotMs",
  e2e_ms: "e2eMs",
  ttft: "ttftMs",
  tpot: "tpotMs",
  e2e: "e2eMs",
};

/**
 * Parses `--slo ttft_ms=200,tpot_ms=50,e2e_ms=5000`.
 *
 * @param value Flag value.
 * @returns SLO fields.
 * @throws {ConfigError} When a key is unknown or an item is not `key=value`.
 *
 * @example
 * ```ts
 * import { parseSlo } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseSlo("ttft_ms=200,e2e_ms=5000"), { ttftMs: 200, e2eMs: 5000 });
 * ```
 */
export function parseSlo(value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf("=");
    const key = eq < 0 ? item : item.slice(0, eq).trim().toLowerCase();
    const field = SLO_KEYS[key];
    if (eq < 0 || !field) {
      throw new ConfigError("benchmark", [{
        path: "--slo",
        expected: "a list of key=value with keys ttft_ms, tpot_ms, e2e_ms (ms)",
        received: JSON.stringify(item),
      }]);
    }
    out[field] = parseNumber(item.slice(eq + 1));
  }
  return out;
}

/**
 * Parses `--faults http500=0.1,http429=0.05,drop=0.1:5,stall=0.1:500,seed=7`
 * (shares of requests; `drop` takes `probability:afterTokens`, `stall`
 * `probability:ms`).
 *
 * @param value Flag value.
 * @returns Simulator fault options.
 * @throws {ConfigError} When an item is malformed.
 *
 * @example
 * ```ts
 * import { parseFaults } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseFaults("http500=0.1,drop=0.2:3"), {
 *   http500: 0.1,
 *   drop: { probability: 0.2, afterTokens: 3 },
 * });
 * ```
 */
export function parseFaults(value: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^(http500|http429|drop|stall|seed)=([0-9.]+)(?::([0-9.]+))?$/.exec(item);
    if (!m || ((m[1] === "drop" || m[1] === "stall") !== (m[3] !== undefined))) {
      throw new ConfigError("simulator", [{
        path: "--faults",
        expected:
          "a list like http500=0.1,http429=0.05,drop=0.1:5,stall=0.1:500,seed=7 (drop is share:afterTokens, stall share:ms)",
        received: JSON.stringify(item),
      }]);
    }
    const [, k, a, b] = m;
    if (k === "drop") out.drop = { probability: Number(a), afterTokens: Number(b) };
    else if (k === "stall") out.stall = { probability: Number(a), ms: Number(b) };
    else out[k] = Number(a);
  }
  return out;
}
