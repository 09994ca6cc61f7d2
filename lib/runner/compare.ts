/**
 * `compare()`: two runs' results (as `benchmark()` returned them, or read
 * back from `results.json`) compared level by level, metric by metric, with
 * the change, its interval and a Holm-adjusted p for each (see
 * `lib/analysis/compare.ts` for the method), and ways to show the outcome.
 *
 * @module
 */

import { compareDocuments, type CompareOptions, type ComparisonData } from "../analysis/compare.ts";
import { renderComparison, renderComparisonMarkdown } from "../report/compare.ts";
import type { ResultsDocument } from "../results/document.ts";
import { BenchmarkResults } from "./results.ts";

export type { CompareOptions, ComparisonData } from "../analysis/compare.ts";

/**
 * The outcome of {@linkcode compare}: the data, and the table in text,
 * Markdown and JSON.
 *
 * @example
 * ```ts ignore
 * const diff = compare(baseline, optimized, { alpha: 0.05 });
 * diff.print();
 * await Deno.writeTextFile("comparison.md", diff.toMarkdown());
 * ```
 */
export class Comparison {
  /** Every matched level and metric with its change, interval, p and verdict. */
  readonly data: ComparisonData;

  /**
   * Wraps comparison data (use {@linkcode compare} to make it).
   *
   * @param data The comparison.
   */
  constructor(data: ComparisonData) {
    this.data = data;
  }

  /**
   * The metrics whose change is a significant regression, with their level.
   *
   * @returns `{ level, id, change }` for each, in table order.
   */
  regressions(): { level: string; id: string; change: number | null }[] {
    return this.#withVerdict("regression");
  }

  /**
   * The metrics whose change is a significant improvement, with their level.
   *
   * @returns `{ level, id, change }` for each, in table order.
   */
  improvements(): { level: string; id: string; change: number | null }[] {
    return this.#withVerdict("improvement");
  }

  #withVerdict(v: "regression" | "improvement") {
    return this.data.levels.flatMap((l) =>
      l.metrics.filter((m) => m.verdict === v).map((m) => ({
        level: l.label,
        id: m.id,
        change: m.change,
      }))
    );
  }

  /**
   * The comparison as a text table (warnings above, the levels only one run
   * has below).
   *
   * @param color Use terminal colours (improvements green, regressions red).
   * @returns The text.
   */
  toTable(color = false): string {
    return renderComparison(this.data, { color });
  }

  /**
   * The comparison as GitHub-flavoured Markdown, for a pull-request comment.
   *
   * @returns The Markdown.
   */
  toMarkdown(): string {
    return renderComparisonMarkdown(this.data);
  }

  /**
   * The comparison data, as JSON-ready values (a fresh copy; a mean of no
   * values, NaN, becomes `null` in `JSON.stringify`).
   *
   * @returns The data.
   */
  toJSON(): ComparisonData {
    return structuredClone(this.data);
  }

  /** Prints the table to the console. */
  print(): void {
    console.log(this.toTable(Deno.stdout.isTerminal() && !Deno.noColor));
  }
}

function documentOf(r: BenchmarkResults | ResultsDocument, which: string): ResultsDocument {
  if (r instanceof BenchmarkResults) return r.toJSON();
  if (
    typeof r === "object" && r !== null && Array.isArray((r as ResultsDocument).levels) &&
    typeof (r as ResultsDocument).config === "object"
  ) {
    return r;
  }
  const got = r === null ? "null" : Array.isArray(r) ? "a list" : typeof r;
  throw new TypeError(
    `Cannot compare: '${which}' must be the results of benchmark() or a results document ` +
      `(readResults("results.json")), got ${got}`,
  );
}

/**
 * Compares two runs: for every level both have (matched by mode and
 * concurrency or request rate), each metric's per-trial values, with the
 * change candidate/baseline − 1, its interval, the Holm-adjusted p-value,
 * `~` where the difference is not significant, and the smallest change the
 * runs could have detected. Levels only one run has are listed; runs that
 * differ in more than the backend (workload, sampling, config) are named in
 * `data.warnings`.
 *
 * @param baseline The baseline: `benchmark()`'s results, `BenchmarkResults.load(...)`, or a
 *   document from `readResults(...)`.
 * @param candidate The candidate, likewise.
 * @param options Alpha, confidence, test, metrics, `detect`, power and the two names.
 * @returns The comparison.
 * @throws {import("../config/errors.ts").ConfigError} When an option is invalid (an unknown
 *   metric id, alpha outside (0, 1)).
 * @throws {TypeError} When a side is not results.
 *
 * @example
 * ```ts
 * import { compare } from "./compare.ts";
 * import { benchmark } from "./benchmark.ts";
 * import { simulator } from "../backends/simulator.ts";
 * import assert from "node:assert/strict";
 *
 * // A warm-up keeps connection set-up out of the trials; a 3x TTFT is far beyond a busy
 * // machine's noise, and one metric compared means no multiple-comparison penalty.
 * const run = (ttftMs: number) => benchmark({
 *   backend: simulator({ ttftMs, itlMs: 1 }), prompts: ["Hello"], concurrency: [2],
 *   warmup: 2, runs: 4, trials: 3, records: false, sampling: { maxTokens: 4 },
 * });
 * const diff = compare(await run(20), await run(60), {
 *   candidateName: "slower", metrics: ["ttft_p50_ms"],
 * });
 * const ttft = diff.data.levels[0].metrics.find((m) => m.id === "ttft_p50_ms")!;
 * assert.equal(ttft.verdict, "regression");
 * assert.match(diff.toTable(), /Comparison: baseline vs slower \(3 trials each, concurrency 2\)/);
 * ```
 */
export function compare(
  baseline: BenchmarkResults | ResultsDocument,
  candidate: BenchmarkResults | ResultsDocument,
  options: CompareOptions = {},
): Comparison {
  return new Comparison(
    compareDocuments(documentOf(baseline, "baseline"), documentOf(candidate, "candidate"), options),
  );
}
