/**
 * Results documents for tests: a valid document around the levels a test
 * builds, so tests of comparisons and checks state only what they vary.
 *
 * @module
 */

import type { LevelResult, ResultsDocument } from "./document.ts";

/**
 * A results document holding `levels`, with fixed tool, backend and times.
 *
 * @param levels The levels.
 * @param config The document's `config`. @default { mode: "latency" }
 * @returns The document.
 *
 * @example
 * ```ts
 * import { fixtureDocument } from "./fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const d = fixtureDocument([], { mode: "latency", trials: 5 });
 * assert.equal(d.schemaVersion, 1);
 * assert.equal(d.config.trials, 5);
 * ```
 */
export function fixtureDocument(
  levels: LevelResult[],
  config: Record<string, unknown> = { mode: "latency" },
): ResultsDocument {
  return {
    schemaVersion: 1,
    tool: { name: "splleed", version: "0.1.0", deno: "2.9.6" },
    config,
    backend: { kind: "simulator" },
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:01:00.000Z",
    interrupted: false,
    interruption: null,
    warnings: [],
    recordsFile: null,
    levels,
  };
}
