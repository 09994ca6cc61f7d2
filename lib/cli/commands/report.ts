/**
 * `splleed report RESULTS.json [MORE.json ...]`: finished runs read back
 * and shown: the table of each (or, with `--markdown`, its Markdown for a
 * pull request) on stdout, and with `--html FILE` a self-contained HTML
 * report of all of them (two runs: with their comparison). The rows are
 * `--metrics` / `--all-metrics`, else each run's saved `table` choice,
 * else the headline rows. Exit 2 on bad input: a file that is missing or
 * not a splleed results document, an unknown metric id.
 *
 * @module
 */

import { basename, dirname, extname, resolve } from "node:path";
import { ConfigError } from "../../config/errors.ts";
import type { ResultsDocument } from "../../results/document.ts";
import { readResults } from "../../results/read.ts";
import { BenchmarkResults, checkTableOptions, type TableOptions } from "../../runner/results.ts";
import { redact } from "../../util/redact.ts";
import { type CliIO, EXIT, outWidth, reportError } from "../io.ts";

/** The options of `report`, as commander gives them. */
export interface ReportCommandFlags {
  /** `--markdown`: GitHub-flavoured Markdown instead of the table. */
  markdown?: boolean;
  /** `--html FILE`: also write the HTML report of the runs there. */
  html?: string;
  /** `--metrics ttft_p50_ms,...`: the rows. @default each run's saved choice, else the headline rows */
  metrics?: string[];
  /** `--all-metrics`: every metric id. */
  allMetrics?: boolean;
}

/**
 * Display names for the runs: each file's name without its extension, or
 * its path where two files have the same name.
 *
 * @param paths The files, in order.
 * @returns One name per file.
 *
 * @example
 * ```ts
 * import { runNames } from "./report.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(runNames(["a/base.json", "b/prefix.json"]), ["base", "prefix"]);
 * assert.deepEqual(runNames(["a/results.json", "b/results.json"]), ["a/results.json", "b/results.json"]);
 * ```
 */
export function runNames(paths: readonly string[]): string[] {
  const names = paths.map((p) => basename(p, extname(p)));
  return names.map((n, i) => names.filter((m) => m === n).length > 1 ? paths[i] : n);
}

async function read(path: string): Promise<ResultsDocument> {
  try {
    return await readResults(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new ConfigError("report", [{
        path: "RESULTS",
        expected: "a results file (results.json of a run)",
        received: `${JSON.stringify(path)}, which does not exist`,
      }]);
    }
    throw err;
  }
}

/**
 * Runs `splleed report`.
 *
 * @param files The results files, in order.
 * @param flags The options given.
 * @param io Where output goes.
 * @returns The exit code: 0 when shown (and written); 1 when the HTML
 *   report could not be written; 2 for a missing file, a file that is not a
 *   splleed results document, an unknown metric id or both `--metrics` and
 *   `--all-metrics`.
 *
 * @example
 * ```ts
 * import { reportCommand } from "./report.ts";
 * import { memoryIO } from "../memory_io.ts";
 * import assert from "node:assert/strict";
 *
 * const io = memoryIO();
 * assert.equal(await reportCommand(["no-such-results.json"], {}, io), 2);
 * assert.match(io.stderr, /'RESULTS' must be a results file .*"no-such-results\.json", which does not exist/);
 * ```
 */
export async function reportCommand(
  files: readonly string[],
  flags: ReportCommandFlags,
  io: CliIO,
): Promise<number> {
  const bad = (err: unknown) => {
    io.err(redact(`error: ${err instanceof Error ? err.message : String(err)}\n`));
    return EXIT.usage;
  };
  const docs: ResultsDocument[] = [];
  let rows: Pick<TableOptions, "metrics" | "allMetrics"> = {};
  try {
    if (files.length === 0) {
      throw new ConfigError("report", [{
        path: "RESULTS",
        expected: "at least one results file",
        received: "none",
      }]);
    }
    if (flags.metrics !== undefined && flags.allMetrics) {
      throw new ConfigError("report", [{
        path: "--all-metrics",
        expected: "absent when '--metrics' is given (either some rows or all of them)",
        received: "--all-metrics",
      }]);
    }
    if (flags.metrics !== undefined) rows = { metrics: flags.metrics };
    else if (flags.allMetrics) rows = { allMetrics: true };
    checkTableOptions(rows, "report", "--metrics");
    for (const f of files) docs.push(await read(f));
  } catch (err) {
    // A file that cannot be read or is not a results document, or a bad option: bad input.
    return bad(err);
  }
  const names = runNames(files);
  const results = docs.map((d) => new BenchmarkResults(d));
  const several = results.length > 1;
  const texts: string[] = [];
  try {
    for (const [i, r] of results.entries()) {
      if (flags.markdown) texts.push(r.toMarkdown(rows, several ? names[i] : undefined));
      else {
        const table = r.toTable({ ...rows, color: io.isTerminal, width: outWidth(io) });
        texts.push((several ? `== ${names[i]} (${files[i]})\n` : "") + table + "\n");
      }
    }
  } catch (err) {
    // A saved table choice naming an unknown metric id.
    return bad(err);
  }
  io.out(texts.join("\n"));
  if (flags.html !== undefined) {
    try {
      const { htmlReport } = await import("../../runner/html.ts");
      const html = await htmlReport(results.map((r, i) => ({ name: names[i], results: r })));
      const path = resolve(flags.html);
      await Deno.mkdir(dirname(path), { recursive: true });
      await Deno.writeTextFile(path, html);
      io.err(`wrote ${flags.html}\n`);
    } catch (err) {
      return reportError(err, io);
    }
  }
  return EXIT.ok;
}
