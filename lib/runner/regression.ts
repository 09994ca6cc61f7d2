/**
 * `RegressionCheck`: the CI gate. A baseline read back from disk, the
 * current run, thresholds per metric; `hasRegressions()` says whether to
 * fail the build, `report()` and `toMarkdown()` say why.
 *
 * @module
 */

import {
  checkRegressions,
  type RegressionOptions,
  type RegressionPolicy,
  type RegressionResult,
} from "../analysis/regression.ts";
import { renderRegressionMarkdown, renderRegressionTable } from "../report/regression.ts";
import type { ResultsDocument } from "../results/document.ts";
import { readResults } from "../results/read.ts";
import { BenchmarkResults } from "./results.ts";

/** What {@linkcode RegressionCheck} is built from. */
export interface RegressionCheckOptions {
  /** The baseline run: a document (from {@linkcode RegressionCheck.loadBaseline}) or results. */
  baseline: ResultsDocument | BenchmarkResults;
  /** The run to check: what `benchmark()` returned, or a document read back. */
  current: ResultsDocument | BenchmarkResults;
  /**
   * Metric id → relative change allowed: positive = the largest allowed
   * increase (`ttft_p99_ms: 0.10`), negative = the largest allowed decrease
   * (`throughput_tokens_per_sec: -0.05`).
   */
  thresholds: Readonly<Record<string, number>>;
  /**
   * `significant`: beyond the threshold and significant (one-sided,
   * Holm-adjusted; needs ≥ 2 trials per side, else inconclusive);
   * `point`: the point estimate alone (single-trial runs).
   * @default "significant"
   */
  policy?: RegressionPolicy;
  /** Significance level. @default 0.05 */
  alpha?: number;
  /** `welch` (t on the logs) or `mann-whitney`. @default "welch" */
  test?: RegressionOptions["test"];
}

/**
 * Checks a run against a baseline with thresholds per metric.
 *
 * @example
 * ```ts
 * import { RegressionCheck } from "./regression.ts";
 * import type { ResultsDocument } from "../results/document.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = (ttft: number[]): ResultsDocument => ({
 *   schemaVersion: 1, tool: { name: "splleed", version: "0", deno: "2" }, config: {},
 *   backend: { kind: "simulator" }, startedAt: "", finishedAt: "", interrupted: false,
 *   interruption: null, warnings: [], recordsFile: null,
 *   levels: [{ mode: "latency", concurrency: 8, errors: {}, summary: {},
 *     trials: ttft.map((v) => ({ metrics: { ttft_p99_ms: v }, errors: {}, complete: true })) }],
 * });
 * const check = new RegressionCheck({
 *   baseline: doc([40, 41, 39]),
 *   current: doc([50, 52, 49]),
 *   thresholds: { ttft_p99_ms: 0.10 },
 * });
 * assert.equal(check.hasRegressions(), true);
 * assert.match(check.report(), /1 regression at c=8: ttft_p99_ms \+25\.8 % \(threshold \+10 %\)/);
 * assert.match(check.toMarkdown(), /\| `ttft_p99_ms` \|/);
 * assert.equal(check.toJSON().regressions, 1);
 * ```
 */
export class RegressionCheck {
  /** The verdicts (levels, rows, counts, unmatched levels, warnings). */
  readonly result: RegressionResult;

  /**
   * Reads the stored baseline back (a `results.json` written by splleed).
   *
   * @param path A path or `file:` URL to the results document (or its JSON text).
   * @returns The document.
   * @throws {import("../results/errors.ts").ResultsFormatError} When it is not a
   *   splleed results document this splleed reads (the message names the file).
   * @throws {Deno.errors.NotFound} When the file does not exist.
   *
   * @example
   * ```ts
   * import { RegressionCheck } from "./regression.ts";
   * import assert from "node:assert/strict";
   *
   * await assert.rejects(RegressionCheck.loadBaseline("no/such/baseline.json"), Deno.errors.NotFound);
   * ```
   */
  static async loadBaseline(path: string | URL): Promise<ResultsDocument> {
    return await readResults(path);
  }

  /**
   * Checks `current` against `baseline` at once (the verdicts are in
   * {@linkcode RegressionCheck.result}).
   *
   * @param options Baseline, current run, thresholds, policy.
   * @throws {import("../config/errors.ts").ConfigError} For an unknown metric
   *   id, a threshold in the wrong direction for its metric, a bad policy,
   *   or when no level of the current run matches the baseline's.
   */
  constructor(options: RegressionCheckOptions) {
    const doc = (d: ResultsDocument | BenchmarkResults) =>
      d instanceof BenchmarkResults ? d.toJSON() : d;
    this.result = checkRegressions(doc(options.baseline), doc(options.current), {
      thresholds: options.thresholds,
      ...(options.policy !== undefined ? { policy: options.policy } : {}),
      ...(options.alpha !== undefined ? { alpha: options.alpha } : {}),
      ...(options.test !== undefined ? { test: options.test } : {}),
    });
  }

  /**
   * Whether any checked metric regressed (fail the build).
   *
   * @returns True when at least one verdict is `regression`.
   */
  hasRegressions(): boolean {
    return this.result.regressions > 0;
  }

  /**
   * The report as text: one table per level and the summary line.
   *
   * @param color Colour the verdicts.
   * @returns The text.
   */
  report(color = false): string {
    return renderRegressionTable(this.result, { color });
  }

  /**
   * The report as Markdown, for a pull-request comment.
   *
   * @returns The Markdown.
   */
  toMarkdown(): string {
    return renderRegressionMarkdown(this.result);
  }

  /**
   * The verdicts as plain data (what `splleed check --json` prints).
   *
   * @returns A copy of {@linkcode RegressionCheck.result}.
   */
  toJSON(): RegressionResult {
    return structuredClone(this.result);
  }
}
