/**
 * `splleed run [config]`: a config file with flags over it, then either the
 * run plan (`--dry-run`) or the benchmark, its table or JSON on stdout and
 * its progress on stderr. The table's rows come from `--metrics` /
 * `--all-metrics` or the config's `table`, fitted to the terminal's width.
 *
 * @module
 */

import { applyOverrides, refinements, type RunFlags } from "../../config/overrides.ts";
import { readConfigFile } from "../../config/parse.ts";
import { type BenchmarkSpecInput, SAMPLE_PROMPTS } from "../../config/benchmark.ts";
import { renderPlan } from "../../report/plan.ts";
import { benchmark, type BenchmarkOptions } from "../../runner/benchmark.ts";
import { planRun } from "../../runner/plan.ts";
import { checkTableOptions } from "../../runner/results.ts";
import { type CliIO, EXIT, outWidth, reportError } from "../io.ts";
import { runWithProgress } from "./_benchmark_run.ts";

/** The options of `run`: those that shape the benchmark, and those of the command line alone. */
export interface RunCommandFlags extends RunFlags {
  /** `--json`: the results (or, with `--dry-run`, the plan) as JSON on stdout. */
  json?: boolean;
  /** `--quiet`: no progress on stderr. @default the config file's `quiet`, else false */
  quiet?: boolean;
  /** `--dry-run`: print the plan and exit. */
  dryRun?: boolean;
}

/**
 * The specification of a run: the config file (its `quiet`, which is the
 * display's, taken out) with the flags over it, and the built-in sample
 * prompts when nothing names a workload (with a note on stderr).
 */
async function specOf(
  configPath: string | undefined,
  flags: RunCommandFlags,
  io: CliIO,
): Promise<{ spec: BenchmarkSpecInput; quiet: boolean }> {
  const file = configPath !== undefined ? await readConfigFile(configPath) : undefined;
  let quiet = flags.quiet;
  if (file && "quiet" in file) {
    quiet ??= file.quiet === true;
    delete file.quiet;
  }
  const spec = applyOverrides(file, flags);
  if (spec.prompts === undefined && spec.workload === undefined && spec.trace === undefined) {
    // --num-prompts, --output-len and --tokenizer refine the sample prompts too.
    const refine = refinements(flags, Deno.cwd());
    if (Object.keys(refine).length === 0) spec.prompts = [...SAMPLE_PROMPTS];
    else {
      spec.workload = { source: "inline", prompts: [...SAMPLE_PROMPTS], ...refine } as never;
    }
    io.err(
      `note: no prompts given; using ${SAMPLE_PROMPTS.length} built-in sample prompts (--prompts FILE)\n`,
    );
  }
  return { spec, quiet: quiet ?? false };
}

/**
 * Runs `splleed run`.
 *
 * @param configPath The config file, if any (its relative paths start from its folder).
 * @param flags The options given, converted.
 * @param io Where output goes.
 * @returns The exit code: 0; 1 when the run failed (every measured request of
 *   a level failed, more than `maxFailureRate` of them, the server went away
 *   or rejected every request) or its results could not be saved; 2 for a bad
 *   configuration (a model the server does not serve, an unusable `--out`,
 *   an unknown metric id in `--metrics`);
 *   130 when interrupted (what was measured is kept).
 *
 * @example
 * ```ts
 * import { runCommand } from "./run.ts";
 * import assert from "node:assert/strict";
 *
 * let out = "", err = "";
 * const io = { out: (s: string) => (out += s), err: (s: string) => (err += s), exit: (() => { throw 0; }) as () => never, isTerminal: false, errIsTerminal: false };
 * const code = await runCommand(undefined, {
 *   backend: "simulator", ttftMs: 1, itlMs: 1, runs: 2, warmup: 0, trials: 1, maxTokens: 2,
 *   records: "/dev/null", dryRun: true, json: true,
 * }, io);
 * assert.equal(code, 0, err);
 * assert.equal(JSON.parse(out).levels.length, 1);
 * ```
 */
export async function runCommand(
  configPath: string | undefined,
  flags: RunCommandFlags,
  io: CliIO,
): Promise<number> {
  let spec: BenchmarkSpecInput, quiet: boolean;
  try {
    ({ spec, quiet } = await specOf(configPath, flags, io));
    // The table's rows, checked before anything runs (a typo must not cost a whole run).
    checkTableOptions(
      spec.table,
      "benchmark",
      flags.metrics !== undefined ? "--metrics" : "table.metrics",
    );
  } catch (err) {
    return reportError(err, io);
  }
  const options = spec as unknown as BenchmarkOptions;
  if (flags.dryRun) {
    try {
      const plan = await planRun(options);
      io.out(flags.json ? JSON.stringify(plan, null, 2) + "\n" : renderPlan(plan));
      return EXIT.ok;
    } catch (err) {
      return reportError(err, io);
    }
  }
  return await runWithProgress(
    io,
    quiet,
    (signal, onEvent) => benchmark({ ...options, signal, onEvent }),
    (results, saved) => {
      if (flags.json) io.out(JSON.stringify(results.toJSON(), null, 2) + "\n");
      else io.out(results.toTable({ color: io.isTerminal, width: outWidth(io) }) + "\n");
      if (saved && typeof spec.out === "string" && !quiet) io.err(`saved: ${spec.out}\n`);
    },
  );
}
