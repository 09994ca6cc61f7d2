/**
 * Building the results document from what a run measured: the levels'
 * summaries, the resolved configuration (secrets redacted), the backend as
 * connected, and how the run ended.
 *
 * @module
 */

import type { Backend, BackendClient } from "../backends/backend.ts";
import type { BenchmarkSpec } from "../config/benchmark.ts";
import type { SaturationSearch } from "../load/search.ts";
import { LATENCY_DISTRIBUTIONS, METRIC_IDS } from "../metrics/ids.ts";
import type { TrialSamples } from "../metrics/trial.ts";
import { BlockedSample } from "../stats/blocked_sample.ts";
import { pooledQuantile, type RankedSample, sortedSample } from "../stats/quantile_interval.ts";
import type { LevelResult, ResultsDocument, TrialResult } from "../results/document.ts";
import type { PlannedLevel } from "../results/plan.ts";
import { levelNotes } from "../report/notes.ts";
import { type MetricSummary, summarizePooled, summarizeTrials } from "../stats/summary.ts";
import { VERSION } from "../version.ts";
import type { WorkloadFingerprint } from "../workload/fingerprint.ts";
import type { Workload } from "../workload/types.ts";
import type { InterruptionCause } from "./session.ts";

/**
 * A level's result from its trials: the summary is over the complete trials
 * (all trials when none completed), errors and requests not issued are
 * summed over all.
 *
 * With the trials' raw samples, each latency's minimum, maximum and
 * percentiles are over the pooled values of those trials (`basis:
 * "pooled"`) with distribution-free intervals (none where too few values:
 * `noInterval`); ITL's interval treats trials as clusters (gaps within a
 * request are not independent). Failure-adjusted E2E percentiles count each
 * failed request as slower than every completed one (equal to E2E's when
 * none failed). Means, standard deviations, rates and counts are the mean over
 * trials with a Student-t interval.
 *
 * @param level The level.
 * @param trials Its trials, in order.
 * @param confidence Confidence level of the intervals.
 * @param samples Each trial's raw samples, in the same order (absent:
 *   every statistic is the mean over trials).
 * @returns The level result.
 *
 * @example
 * ```ts
 * import { summarizeLevel } from "./document.ts";
 * import assert from "node:assert/strict";
 *
 * const level = { index: 0, label: "c=1", mode: "latency", concurrency: 1, load: { kind: "closed", concurrency: 1 } } as const;
 * const trial = (x: number, complete = true) => ({ metrics: { ttft_p50_ms: x }, errors: { http_500: 1 }, complete });
 * const r = summarizeLevel(level as never, [trial(10), trial(12), trial(99, false)], 0.95);
 * assert.equal(r.summary.ttft_p50_ms.value, 11);
 * assert.deepEqual(r.errors, { http_500: 3 });
 * ```
 */
export function summarizeLevel(
  level: PlannedLevel,
  trials: TrialResult[],
  confidence: number,
  samples?: readonly (TrialSamples | undefined)[],
): LevelResult {
  const complete = trials.filter((t) => t.complete);
  const basis = complete.length > 0 ? complete : trials;
  const summary = summarizeTrials(basis.map((t) => t.metrics), confidence, METRIC_IDS);
  const basisSamples = samples ? basis.map((t) => samples[trials.indexOf(t)]) : [];
  if (basisSamples.length > 0 && basisSamples.every((s) => s !== undefined)) {
    Object.assign(summary, pooledSummaries(basis, basisSamples as TrialSamples[], confidence));
  }
  const errors: Record<string, number> = {};
  const errorMessages: Record<string, string> = {};
  let notIssued = 0;
  for (const t of trials) {
    for (const [k, v] of Object.entries(t.errors)) errors[k] = (errors[k] ?? 0) + v;
    for (const [k, m] of Object.entries(t.errorMessages ?? {})) errorMessages[k] ??= m;
    notIssued += t.notIssued ?? 0;
  }
  const result: LevelResult = {
    mode: level.mode,
    concurrency: level.concurrency,
    ...(level.requestRate !== undefined ? { requestRate: level.requestRate } : {}),
    trials,
    summary,
    errors,
    ...(Object.keys(errorMessages).length > 0 ? { errorMessages } : {}),
    ...(notIssued > 0 ? { notIssued } : {}),
  };
  const notes = levelNotes(result, confidence);
  if (notes.length > 0) result.notes = notes;
  return result;
}

function pooledSummaries(
  trials: readonly TrialResult[],
  samples: readonly TrialSamples[],
  confidence: number,
): Record<string, MetricSummary> {
  const out: Record<string, MetricSummary> = {};
  const perTrial = (id: string) => trials.map((t) => t.metrics[id] ?? null);
  for (const name of LATENCY_DISTRIBUTIONS) {
    let pooled: RankedSample, parts: RankedSample[];
    if (name === "itl") {
      parts = samples.map((s) => s.itl);
      pooled = BlockedSample.pool(samples.map((s) => s.itl));
    } else {
      const arrays = samples.map((s) => s[name]);
      parts = arrays.map(sortedSample);
      pooled = sortedSample(mergeSorted(arrays));
    }
    const stats = summarizePooled(
      pooled,
      parts,
      Object.fromEntries(["min", "max", "p50", "p90", "p95", "p99"].map((s) => [
        s,
        perTrial(`${name}_${s}_ms`),
      ])),
      confidence,
      { independent: name !== "itl" },
    );
    for (const [stat, summary] of Object.entries(stats)) out[`${name}_${stat}_ms`] = summary;
  }
  // Failure-adjusted E2E: failures ranked above every completed request.
  const failed = samples.reduce((n, s) => n + s.failed, 0);
  if (samples.some((s) => s.e2e.length + s.failed > 0)) {
    const adjusted = (s: Float64Array, f: number): RankedSample => ({
      length: s.length + f,
      atRanks: (ranks) => ranks.map((r) => (r < s.length ? s[r] : Infinity)),
      countAtMost: (x) => (x === Infinity ? s.length + f : sortedSample(s).countAtMost(x)),
    });
    const parts = samples.map((s) => adjusted(s.e2e, s.failed));
    const pooled = adjusted(mergeSorted(samples.map((s) => s.e2e)), failed);
    for (const [stat, p] of [["p50", 0.5], ["p90", 0.9], ["p95", 0.95], ["p99", 0.99]] as const) {
      const q = pooledQuantile(pooled, parts, p, confidence)!;
      const values = perTrial(`e2e_failure_adjusted_${stat}_ms`);
      const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
      out[`e2e_failure_adjusted_${stat}_ms`] = {
        value: q.value,
        ci: q.ci,
        trials: values,
        basis: "pooled",
        ...(finite.length > 1
          ? { spread: { min: Math.min(...finite), max: Math.max(...finite) } }
          : {}),
        ...(q.noInterval ? { noInterval: q.noInterval } : {}),
      };
    }
  }
  return out;
}

/**
 * The values of several samples in one sorted array (the pooled sample of a level's trials).
 *
 * @param arrays The samples.
 * @returns Their values, sorted ascending.
 *
 * @example
 * ```ts
 * import { mergeSorted } from "./document.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([...mergeSorted([new Float64Array([3, 1]), new Float64Array([2])])], [1, 2, 3]);
 * ```
 */
export function mergeSorted(arrays: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out.sort();
}

/** Everything the document is built from. */
export interface DocumentParts {
  /** The specification. */
  spec: BenchmarkSpec;
  /** The backend object. */
  backend: Backend;
  /** The connected client, when the run got that far. */
  client: BackendClient | undefined;
  /** The managed engine's description, when splleed started one. */
  engineInfo: Record<string, unknown> | undefined;
  /** The HTTP client's name. */
  transport: string;
  /** The workload sent. */
  workload: Workload;
  /** Its fingerprint (with observed output lengths when known). */
  fingerprint: WorkloadFingerprint;
  /** When the run started. */
  startedAt: Date;
  /** Why it ended early, or null. */
  interruption: string | null;
  /** What ended it early, or null. */
  cause: InterruptionCause | null;
  /** Warnings. */
  warnings: string[];
  /** Records file path, or null. */
  recordsFile: string | null;
  /** Measured levels, in order. */
  levels: LevelResult[];
  /** The saturation search, when there was one. */
  search: SaturationSearch | undefined;
  /** The run's clock origin (absent when the run never started). */
  clock?: { originMs: number; originEpochMs: number };
}

/**
 * The results document (schema version 1).
 *
 * @param p What was measured and how the run ended.
 * @returns The document.
 */
export function buildDocument(p: DocumentParts): ResultsDocument {
  const { spec, backend, client } = p;
  const sweep = spec.sweep;
  return {
    schemaVersion: 1,
    tool: { name: "splleed", version: VERSION, deno: Deno.version.deno },
    config: describeConfig(spec, backend, p.workload),
    workload: p.fingerprint,
    backend: {
      kind: backend.kind,
      model: client?.model ?? null,
      api: client?.api ?? null,
      endpoint: client?.info.endpoint ?? backend.endpoint ?? null,
      transport: p.transport,
      info: client?.info ?? {},
      ...(p.engineInfo ? { server: p.engineInfo } : {}),
    },
    startedAt: p.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    interrupted: p.interruption !== null,
    interruption: p.interruption,
    interruptionCause: p.interruption !== null ? p.cause : null,
    warnings: p.warnings,
    recordsFile: p.recordsFile,
    levels: p.levels,
    ...(p.clock ? { clock: p.clock } : {}),
    ...(p.search && sweep
      ? {
        sweep: {
          find: sweep.find,
          slo: sweep.slo,
          attainment: sweep.attainment,
          probes: p.search.probes.map((x) => ({ load: x.load, pass: x.pass })),
          result: p.search.result(),
          bracket: p.search.bracket(),
        },
      }
      : {}),
  };
}

function describeConfig(
  spec: BenchmarkSpec,
  backend: Backend,
  workload: Workload,
): Record<string, unknown> {
  const { backend: _b, signal: _s, workload: _w, transport, ...rest } = spec;
  return {
    ...rest,
    requestRates: rest.requestRates?.map((r) => Number.isFinite(r) ? r : "inf"),
    transport: typeof transport === "string" ? transport : (transport as { name: string }).name,
    backend: backend.describe(),
    workload: { ...workload.description, count: workload.items.length },
  };
}
