/**
 * What `run` and `demo` share: a benchmark with the progress display on
 * standard error and Ctrl-C handling, and the exit code its results call
 * for. The command prints the results and its own messages.
 *
 * @module
 */

import type { BenchmarkEvent } from "../../runner/benchmark.ts";
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
 * @param report Prints or saves the results.
 * @returns 0; 1 when the run failed or its engine exited; 2 for a bad configuration; 130 when
 *   interrupted (what was measured is kept).
 */
export async function runWithProgress(
  io: CliIO,
  quiet: boolean,
  start: (signal: AbortSignal, onEvent: (e: BenchmarkEvent) => void) => Promise<BenchmarkResults>,
  report: (results: BenchmarkResults) => Promise<void> | void,
): Promise<number> {
  const { signal, dispose } = interruptOnSignals(io);
  const display = createProgress(io, {
    mode: quiet ? "quiet" : io.errIsTerminal ? "tty" : "plain",
  });
  try {
    const results = await start(signal, (e) => display.onEvent(e));
    display.stop();
    await report(results);
    if (results.interruptionCause === "server_exit") {
      io.err(`error: the run was cut short: ${results.interruption}\n`);
      return EXIT.failure;
    }
    return results.interrupted ? EXIT.interrupted : EXIT.ok;
  } catch (err) {
    display.stop();
    return reportError(err, io);
  } finally {
    display.stop();
    dispose();
  }
}
