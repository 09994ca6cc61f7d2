/**
 * `splleed demo`: the built-in simulator at concurrency 1, 4, 16 and 64,
 * several trials each, its table printed (the headline rows, or
 * `--metrics` / `--all-metrics`) and its files written.
 *
 * @module
 */

import { join } from "node:path";
import { SAMPLE_PROMPTS } from "../../config/benchmark.ts";
import { benchmark } from "../../runner/benchmark.ts";
import { checkTableOptions } from "../../runner/results.ts";
import { type CliIO, commandName, outWidth, reportError } from "../io.ts";
import { runWithProgress } from "./_benchmark_run.ts";

/** The options of `demo`, converted. */
export interface DemoFlags {
  /** `--out-dir`: where results.json, results.csv, records.jsonl and report.html go. @default "splleed-demo" */
  outDir?: string;
  /** `--runs`: measured requests per level per trial. @default 64 */
  runs?: number;
  /** `--trials`: trials per level. @default 3 */
  trials?: number;
  /** `--quiet`: no progress or notes on stderr. */
  quiet?: boolean;
  /** `--metrics`: the metric ids the table shows. @default the headline rows */
  metrics?: string[];
  /** `--all-metrics`: the table shows every metric id. */
  allMetrics?: boolean;
}

/**
 * Runs `splleed demo`.
 *
 * @param flags The options given, converted.
 * @param io Where output goes.
 * @returns The exit code: 0, 1 (failure), 2 (bad option), 130 (interrupted).
 *
 * @example
 * ```ts
 * import { demoCommand } from "./demo.ts";
 * import assert from "node:assert/strict";
 *
 * let err = "";
 * const io = { out: () => {}, err: (s: string) => (err += s), exit: (() => { throw 0; }) as () => never, isTerminal: false, errIsTerminal: false };
 * assert.equal(await demoCommand({ runs: 0, quiet: true }, io), 2);
 * assert.match(err, /'runs' must be a positive integer, got 0/);
 * ```
 */
export async function demoCommand(flags: DemoFlags, io: CliIO): Promise<number> {
  const dir = flags.outDir ?? "splleed-demo";
  const quiet = flags.quiet === true;
  const table = flags.allMetrics
    ? { allMetrics: true }
    : flags.metrics !== undefined
    ? { metrics: flags.metrics }
    : undefined;
  try {
    checkTableOptions(
      flags.metrics !== undefined
        ? { metrics: flags.metrics, allMetrics: flags.allMetrics }
        : undefined,
      "demo",
      "--metrics",
    );
  } catch (err) {
    return reportError(err, io);
  }
  if (!quiet) {
    io.err(
      "splleed demo: the built-in simulator (realistic profile 'small', saturating at 32 sequences),\n" +
        "closed-loop concurrency 1, 4, 16 and 64, several trials per level; this takes about a minute.\n",
    );
  }
  return await runWithProgress(io, quiet, (signal, onEvent) =>
    benchmark({
      backend: { type: "simulator", profile: "small" },
      prompts: [...SAMPLE_PROMPTS],
      mode: "latency",
      concurrency: [1, 4, 16, 64],
      warmup: 4,
      runs: flags.runs ?? 64,
      trials: flags.trials ?? 3,
      sampling: { maxTokens: 32, ignoreEos: true },
      slo: { ttftMs: 100, tpotMs: 8 },
      ...(table ? { table } : {}),
      records: join(dir, "records.jsonl"),
      out: join(dir, "results.json"),
      html: join(dir, "report.html"),
      signal,
      onEvent,
    }), async (results, saved) => {
    io.out(results.toTable({ color: io.isTerminal, width: outWidth(io) }) + "\n");
    if (!saved) return;
    await results.save(join(dir, "results.csv"));
    if (!quiet) {
      io.err(
        `wrote ${join(dir, "results.json")}, ${join(dir, "results.csv")}, ${
          join(dir, "records.jsonl")
        } and ${join(dir, "report.html")} (open it in a browser: plots, offline)\n` +
          `next: \`${commandName()} run --endpoint http://localhost:8000 --concurrency 1,4,16\` against your server\n`,
      );
    }
  });
}
