/**
 * What `run` and `demo` share: a benchmark with the progress display on
 * standard error and Ctrl-C handling, and the exit code its results call
 * for. The command prints the results and its own messages.
 *
 * @module
 */

import { failedLevels } from "../../analysis/failures.ts";
import { levelLabel } from "../../results/level_label.ts";
import type { BenchmarkEvent } from "../../runner/benchmark.ts";
import { ResultsSaveError } from "../../runner/errors.ts";
import type { BenchmarkResults } from "../../runner/results.ts";
import { type CliIO, EXIT, interruptOnSignals, reportError } from "../io.ts";
import { createProgress } from "../progress.ts";

/**
 * Runs a benchmark with progress and signal handling, then hands the results
 * to `report` (which prints them).
 *
 * @param io Where output goes.
 * @param quiet No progress (warnings and errors only).
 * @param start Starts the benchmark with the interrupt signal and the progress callback.
 * @param report Prints the results (`saved`: whether `out`, if asked for, was written).
 * @returns 0; 1 when the run failed (see {@linkcode verdict}) or its results could not be
 *   saved; 2 for a bad configuration; 130 when interrupted (what was measured is kept).
 */
export async function runWithProgress(
  io: CliIO,
  quiet: boolean,
  start: (signal: AbortSignal, onEvent: (e: BenchmarkEvent) => void) => Promise<BenchmarkResults>,
  report: (results: BenchmarkResults, saved: boolean) => Promise<void> | void,
): Promise<number> {
  const { signal, dispose } = interruptOnSignals(io);
  const display = createProgress(io, {
    mode: quiet ? "quiet" : io.errIsTerminal ? "tty" : "plain",
  });
  try {
    let results: BenchmarkResults;
    try {
      results = await start(signal, (e) => display.onEvent(e));
    } catch (err) {
      if (!(err instanceof ResultsSaveError)) throw err;
      // The run finished and only saving failed: show what was measured, then the error.
      display.stop();
      await report(err.results, false);
      throw err;
    }
    display.stop();
    await report(results, true);
    return verdict(results, io);
  } catch (err) {
    display.stop();
    return reportError(err, io);
  } finally {
    display.stop();
    dispose();
  }
}

/**
 * The exit code a finished run calls for, with its reason on standard error:
 * 1 when the server went away or rejected every request (the run was cut
 * short), or when a level failed (every measured request failed, or more
 * than `maxFailureRate` of them); 130 when interrupted; else 0.
 *
 * @param results The results.
 * @param io Where the reason goes.
 * @returns The exit code.
 *
 * @example
 * ```ts
 * import { verdict } from "./_benchmark_run.ts";
 * import assert from "node:assert/strict";
 *
 * let err = "";
 * const io = { out: () => {}, err: (s: string) => (err += s), exit: (() => { throw 0; }) as () => never, isTerminal: false, errIsTerminal: false };
 * const doc = {
 *   interrupted: false, interruptionCause: null, config: {},
 *   levels: [{ mode: "latency", concurrency: 2, summary: {}, errors: { http_404: 4 }, trials: [
 *     { metrics: { requests_completed: 0, requests_failed: 4 }, errors: { http_404: 4 }, complete: true },
 *   ] }],
 * };
 * assert.equal(verdict({ toJSON: () => doc, interrupted: false } as never, io), 1);
 * assert.match(err, /c=2: every one of its 4 measured requests failed/);
 * ```
 */
export function verdict(results: BenchmarkResults, io: CliIO): number {
  const doc = results.toJSON();
  const cause = doc.interruptionCause;
  if (cause === "server_exit" || cause === "rejected") {
    io.err(`error: the run was cut short: ${doc.interruption}\n`);
    return EXIT.failure;
  }
  if (results.interrupted) return EXIT.interrupted;
  const max = doc.config.maxFailureRate;
  const failed = failedLevels(doc, typeof max === "number" ? max : undefined);
  if (failed.length === 0) return EXIT.ok;
  for (const f of failed) {
    io.err(`error: the run failed at ${levelLabel(doc.levels[f.index])}: ${f.why}\n`);
  }
  io.err("       (the reasons and the server's messages are in the notes above)\n");
  return EXIT.failure;
}
