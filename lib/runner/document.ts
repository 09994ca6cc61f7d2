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
import { METRIC_IDS } from "../metrics/ids.ts";
import type { LevelResult, ResultsDocument, TrialResult } from "../results/document.ts";
import type { PlannedLevel } from "../results/plan.ts";
import { summarizeTrials } from "../stats/summary.ts";
import { VERSION } from "../version.ts";
import type { WorkloadFingerprint } from "../workload/fingerprint.ts";
import type { Workload } from "../workload/types.ts";
import type { InterruptionCause } from "./session.ts";

/**
 * A level's result from its trials: the summary is over the complete trials
 * (all trials when none completed), errors and requests not issued are
 * summed over all.
 *
 * @param level The level.
 * @param trials Its trials, in order.
 * @param confidence Confidence level of the intervals.
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
): LevelResult {
  const complete = trials.filter((t) => t.complete);
  const basis = complete.length > 0 ? complete : trials;
  const errors: Record<string, number> = {};
  let notIssued = 0;
  for (const t of trials) {
    for (const [k, v] of Object.entries(t.errors)) errors[k] = (errors[k] ?? 0) + v;
    notIssued += t.notIssued ?? 0;
  }
  return {
    mode: level.mode,
    concurrency: level.concurrency,
    ...(level.requestRate !== undefined ? { requestRate: level.requestRate } : {}),
    trials,
    summary: summarizeTrials(basis.map((t) => t.metrics), confidence, METRIC_IDS),
    errors,
    ...(notIssued > 0 ? { notIssued } : {}),
  };
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
