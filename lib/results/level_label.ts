/**
 * A load level's short label (`c=4`, `r=8/s`, `burst 100`): the table's
 * column heads, the history's level key, the CLI's `--level` values.
 *
 * @module
 */

import type { LevelResult } from "./document.ts";

/**
 * A level's label as the table's column heads show it.
 *
 * @param l The level.
 * @returns `c=4`, `r=8/s`, `burst 100`.
 *
 * @example
 * ```ts
 * import { levelLabel } from "./level_label.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(levelLabel({ mode: "latency", concurrency: 4 } as never), "c=4");
 * ```
 */
export function levelLabel(l: Pick<LevelResult, "mode" | "concurrency" | "requestRate">): string {
  return l.mode === "throughput"
    ? `burst ${l.concurrency}`
    : l.mode === "serve"
    ? `r=${l.requestRate === "inf" ? "inf" : `${l.requestRate}/s`}`
    : `c=${l.concurrency}`;
}
