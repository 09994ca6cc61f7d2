/**
 * Pooling runs into one baseline: the trials of the last N comparable runs
 * (same workload fingerprint) at each level, so a CI gate compares the
 * current run with the recent history instead of with one stored file.
 *
 * @module
 */

import { METRIC_IDS } from "../metrics/ids.ts";
import type { LevelResult, ResultsDocument } from "../results/document.ts";
import { levelLabel } from "../results/level_label.ts";
import { summarizeTrials } from "../stats/summary.ts";

/** Options of {@linkcode poolRuns}. */
export interface PoolOptions {
  /**
   * How each run is named in the warning that lists them, in the same order
   * as the documents (`run 7 (2026-05-01, branch=main)`).
   * @default each run's `startedAt`
   */
  names?: readonly string[];
}

/**
 * One document whose levels (matched by `levelLabel`) hold the trials of all
 * the given runs, in the order given, with each level's summary recomputed
 * over them: the mean over the complete trials with a Student-t interval
 * (`summarizeTrials`, as the runner summarises means). A document holds no
 * raw request samples, so a percentile's summary is the mean of the runs'
 * per-trial percentiles, not the percentile of all requests pooled; the
 * regression check reads the per-trial values either way.
 *
 * The newest run (by `startedAt`) gives the tool, backend, workload and
 * configuration; `startedAt` is the earliest run's, `finishedAt` the
 * latest's; a warning lists the runs pooled.
 *
 * @param docs The runs (at least one), all of the same workload fingerprint.
 * @param options How the runs are named.
 * @returns The pooled baseline.
 * @throws {RangeError} With no runs, with runs of different workloads, or
 *   names that do not match the runs.
 *
 * @example
 * ```ts
 * import { poolRuns } from "./pool.ts";
 * import { fixtureDocument } from "../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const run = (values: number[]) => fixtureDocument([{ mode: "latency", concurrency: 4,
 *   errors: {}, summary: {},
 *   trials: values.map((v) => ({ metrics: { ttft_p99_ms: v }, errors: {}, complete: true })) }]);
 * const base = poolRuns([run([40, 42]), run([41, 43])], { names: ["run 1", "run 2"] });
 * assert.equal(base.levels[0].trials.length, 4);
 * assert.equal(base.levels[0].summary.ttft_p99_ms.value, 41.5);
 * assert.match(base.warnings.at(-1)!, /pooled from 2 runs: run 1, run 2/);
 * ```
 */
export function poolRuns(
  docs: readonly ResultsDocument[],
  options: PoolOptions = {},
): ResultsDocument {
  if (docs.length === 0) {
    throw new RangeError("Cannot pool runs: expected at least one run, got none");
  }
  const names = options.names ?? docs.map((d) => d.startedAt);
  if (names.length !== docs.length) {
    throw new RangeError(
      `Cannot pool runs: expected one name per run (${docs.length}), got ${names.length}`,
    );
  }
  const shas = [...new Set(docs.map((d) => d.workload?.sha256 ?? null))];
  if (shas.length > 1) {
    throw new RangeError(
      "Cannot pool runs: expected runs of one workload (the same fingerprint), got " +
        shas.map((s) => (s === null ? "none" : s.slice(0, 12))).join(", "),
    );
  }
  const newest = docs.reduce((a, b) => (b.startedAt >= a.startedAt ? b : a));
  const byLabel = new Map<string, { level: LevelResult; parts: LevelResult[] }>();
  for (const d of [newest, ...docs.filter((d) => d !== newest)]) {
    for (const l of d.levels) {
      const label = levelLabel(l);
      if (!byLabel.has(label)) byLabel.set(label, { level: l, parts: [] });
    }
  }
  for (const d of docs) {
    for (const l of d.levels) byLabel.get(levelLabel(l))!.parts.push(l);
  }
  const confidence = typeof newest.config.confidenceLevel === "number"
    ? newest.config.confidenceLevel
    : 0.95;
  const levels: LevelResult[] = [...byLabel.values()].map(({ level, parts }) => {
    const trials = parts.flatMap((p) => p.trials);
    const complete = trials.filter((t) => t.complete);
    const basis = complete.length > 0 ? complete : trials;
    const errors: Record<string, number> = {};
    let notIssued = 0;
    for (const p of parts) {
      for (const [k, v] of Object.entries(p.errors)) errors[k] = (errors[k] ?? 0) + v;
      notIssued += p.notIssued ?? 0;
    }
    return {
      mode: level.mode,
      concurrency: level.concurrency,
      ...(level.requestRate !== undefined ? { requestRate: level.requestRate } : {}),
      trials,
      summary: summarizeTrials(basis.map((t) => t.metrics), confidence, METRIC_IDS),
      errors,
      ...(parts.some((p) => p.notIssued !== undefined) ? { notIssued } : {}),
    };
  });
  const starts = docs.map((d) => d.startedAt).sort();
  const ends = docs.map((d) => d.finishedAt).sort();
  const pooled: ResultsDocument = {
    schemaVersion: 1,
    tool: newest.tool,
    config: newest.config,
    ...(newest.workload !== undefined ? { workload: newest.workload } : {}),
    backend: newest.backend,
    startedAt: starts[0],
    finishedAt: ends[ends.length - 1],
    interrupted: docs.some((d) => d.interrupted),
    interruption: docs.map((d) => d.interruption).find((i) => i !== null) ?? null,
    warnings: [
      ...newest.warnings,
      `Baseline pooled from ${docs.length} run${docs.length === 1 ? "" : "s"}: ${names.join(", ")}`,
    ],
    recordsFile: null,
    levels,
  };
  return pooled;
}
