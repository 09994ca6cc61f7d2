/**
 * The error a finished run raises when its results cannot be saved: it
 * carries the results, so nothing measured is lost.
 *
 * @module
 */

import type { BenchmarkResults } from "./results.ts";

/**
 * The run finished but writing `out` failed (a full disk, a folder that
 * became read-only). `results` holds everything measured, and
 * `recordsFile` names the per-request records already on disk.
 *
 * @example
 * ```ts
 * import { ResultsSaveError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const e = new ResultsSaveError("/full/r.json", new Error("No space left on device"), {} as never, "/tmp/r.records.jsonl");
 * assert.match(e.message, /Cannot save the results to \/full\/r\.json: No space left on device/);
 * assert.match(e.message, /every request is in \/tmp\/r\.records\.jsonl/);
 * ```
 */
export class ResultsSaveError extends Error {
  /** The results of the run, complete. */
  readonly results: BenchmarkResults;
  /** Where saving was asked for. */
  readonly path: string;
  /** The per-request records, on disk (null when none were kept). */
  readonly recordsFile: string | null;

  /**
   * Keeps the finished results beside the reason they could not be saved.
   *
   * @param path Where saving was asked for.
   * @param cause Why it failed.
   * @param results The results.
   * @param recordsFile The records file, when kept.
   */
  constructor(
    path: string,
    cause: unknown,
    results: BenchmarkResults,
    recordsFile: string | null,
  ) {
    super(
      `Cannot save the results to ${path}: ${cause instanceof Error ? cause.message : cause}; ` +
        (recordsFile !== null
          ? `every request is in ${recordsFile}, and the table above holds the summary`
          : "the table above holds the summary (no records file was kept)"),
      { cause },
    );
    this.name = "ResultsSaveError";
    this.results = results;
    this.path = path;
    this.recordsFile = recordsFile;
  }
}
