/**
 * Whether a run failed: the levels whose requests failed beyond what the
 * user accepts. A run whose requests all failed is a failed run (the CLI
 * exits 1), not a table of empty cells.
 *
 * @module
 */

import type { LevelResult, ResultsDocument } from "../results/document.ts";

/** A level that failed, with its counts over every trial. */
export interface FailedLevel {
  /** Index of the level in the results. */
  index: number;
  /** Measured requests that completed. */
  completed: number;
  /** Measured requests that failed. */
  failed: number;
  /** Measured requests cut at the end of a time-bounded trial (neither completed nor failed). */
  cut: number;
  /** `failed / (completed + failed)`; 1 when nothing completed. */
  share: number;
  /** Why the level counts as failed, in words (without its label). */
  why: string;
}

function sum(l: LevelResult, id: string): number {
  let n = 0;
  for (const t of l.trials) {
    const v = t.metrics[id];
    if (typeof v === "number" && Number.isFinite(v)) n += v;
  }
  return n;
}

/**
 * The levels that failed. With `maxFailureRate` undefined, a level fails
 * when it sent measured requests and none of them completed; with it, also
 * when the share of its finished requests that failed is above it. Requests
 * aborted by an interruption do not count either way; requests cut at the
 * end of a time-bounded trial count as not completed.
 *
 * @param doc The results.
 * @param maxFailureRate Largest share of failures accepted (0 to 1).
 * @returns The failed levels, in order (empty: the run did not fail).
 *
 * @example
 * ```ts
 * import { failedLevels } from "./failures.ts";
 * import assert from "node:assert/strict";
 *
 * const level = (completed: number, failed: number) => ({
 *   mode: "latency", concurrency: 1, summary: {}, errors: {},
 *   trials: [{ metrics: { requests_completed: completed, requests_failed: failed }, errors: {}, complete: true }],
 * });
 * const doc = { levels: [level(10, 0), level(0, 10), level(8, 2)] } as never;
 * assert.deepEqual(failedLevels(doc).map((l) => l.index), [1]);
 * assert.deepEqual(failedLevels(doc, 0.1).map((l) => l.index), [1, 2]);
 * ```
 */
export function failedLevels(
  doc: Pick<ResultsDocument, "levels">,
  maxFailureRate?: number,
): FailedLevel[] {
  const out: FailedLevel[] = [];
  doc.levels.forEach((l, index) => {
    const completed = sum(l, "requests_completed");
    const failed = sum(l, "requests_failed");
    const cut = sum(l, "requests_cut");
    const finished = completed + failed;
    const share = finished > 0 ? failed / finished : completed === 0 && cut > 0 ? 1 : 0;
    let why: string | null = null;
    if (completed === 0 && failed + cut > 0) {
      why = failed > 0
        ? `every one of its ${failed + cut} measured requests failed` +
          (cut > 0 ? ` (${cut} still in flight when time ran out)` : "")
        : `none of its ${cut} measured requests finished before its time ran out`;
    } else if (maxFailureRate !== undefined && share > maxFailureRate) {
      why = `${failed} of its ${finished} measured requests failed (${
        (share * 100).toFixed(1)
      } %), more than the ${+(maxFailureRate * 100).toFixed(2)} % allowed (maxFailureRate)`;
    }
    if (why !== null) out.push({ index, completed, failed, cut, share, why });
  });
  return out;
}
