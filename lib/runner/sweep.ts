/**
 * The saturation search as the runner drives it: a search over
 * concurrencies or rates, and whether a measured level met the objectives.
 *
 * @module
 */

import type { BenchmarkSpec } from "../config/benchmark.ts";
import { SaturationSearch } from "../load/search.ts";
import type { LevelResult } from "../results/document.ts";

/**
 * The search a specification's `sweep` asks for, or undefined.
 *
 * @param spec The specification.
 * @returns The search.
 *
 * @example
 * ```ts
 * import { searchFor } from "./sweep.ts";
 * import assert from "node:assert/strict";
 *
 * const s = searchFor({ sweep: { find: "max-concurrency", tolerance: 0.05, maxProbes: 14 } } as never);
 * assert.equal(s?.next(), 1);
 * ```
 */
export function searchFor(spec: BenchmarkSpec): SaturationSearch | undefined {
  const s = spec.sweep;
  if (!s) return undefined;
  return new SaturationSearch({
    integer: s.find === "max-concurrency",
    start: s.start,
    max: s.max,
    tolerance: s.tolerance,
    maxProbes: s.maxProbes,
  });
}

/**
 * Whether a measured level met the sweep's objectives: SLO attainment, and
 * for the open loop a delivered rate (at least 97 % of the plan's; a lag
 * spike alone does not fail a level, it is reported in its section).
 *
 * @param level The level's result.
 * @param attainment Share of requests that must meet the objectives.
 * @returns True when it passed.
 *
 * @example
 * ```ts
 * import { levelPasses } from "./sweep.ts";
 * import assert from "node:assert/strict";
 *
 * const level = { summary: { goodput_ratio: { value: 0.95 } }, trials: [] };
 * assert.equal(levelPasses(level as never, 0.9), true);
 * assert.equal(levelPasses(level as never, 0.99), false);
 * ```
 */
export function levelPasses(level: LevelResult, attainment: number): boolean {
  const ratio = level.summary.goodput_ratio?.value;
  if (ratio === undefined || ratio < attainment) return false;
  return !level.trials.some((t) =>
    t.load !== undefined && t.load.achievedRate !== null && t.load.plannedRate !== null &&
    t.load.achievedRate < 0.97 * t.load.plannedRate
  );
}
