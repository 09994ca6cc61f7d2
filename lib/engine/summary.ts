/**
 * A trial's engine figures from the scrapes taken during it (the first and
 * last are taken at the trial's edges): the `engine_*` metric ids.
 *
 * @module
 */

import type { EngineReading } from "./engines.ts";

/** One scrape on the run's clock (null reading: the scrape failed). */
export interface EngineSample {
  /** ms from the run's origin. */
  tMs: number;
  /** What it read. */
  reading: EngineReading | null;
}

function values(samples: readonly EngineSample[], key: keyof EngineReading): number[] {
  const out: number[] = [];
  for (const s of samples) {
    const v = s.reading?.[key];
    if (v !== null && v !== undefined && Number.isFinite(v)) out.push(v);
  }
  return out;
}

function delta(samples: readonly EngineSample[], key: keyof EngineReading): number | null {
  const v = values(samples, key);
  if (v.length < 2) return null;
  const d = v[v.length - 1] - v[0];
  return d >= 0 ? d : null; // a counter that went down: the engine restarted; no figure
}

/**
 * Summarises one trial's scrapes into the `engine_*` metric ids: running
 * and waiting requests and KV-cache usage as the mean and max of the
 * samples (a plain mean: samples are evenly spaced but for the trial's
 * edges), preemptions as the counter's increase, and the prefix-cache hit %
 * as the increase of hits over the increase of lookups (or, for engines
 * that only report a rate, the rate's mean). A figure the engine does not
 * report, or that no scrape read, is left out.
 *
 * @param samples The trial's scrapes in time order, edges included.
 * @returns Metric id → value.
 *
 * @example
 * ```ts
 * import { summarizeEngineTrial } from "./summary.ts";
 * import assert from "node:assert/strict";
 *
 * const r = (running: number, preempt: number, hits: number, queries: number) => ({
 *   running, waiting: 0, kvUsagePct: null, preemptionsTotal: preempt,
 *   prefixHitsTotal: hits, prefixQueriesTotal: queries, prefixHitPct: null,
 * });
 * const m = summarizeEngineTrial([
 *   { tMs: 0, reading: r(1, 5, 100, 400) },
 *   { tMs: 1000, reading: null },
 *   { tMs: 2000, reading: r(3, 7, 150, 500) },
 * ]);
 * assert.equal(m.engine_running_mean, 2);
 * assert.equal(m.engine_running_max, 3);
 * assert.equal(m.engine_preemptions, 2);
 * assert.equal(m.engine_prefix_cache_hit_pct, 50);
 * assert.equal("engine_kv_usage_mean_pct" in m, false);
 * ```
 */
export function summarizeEngineTrial(samples: readonly EngineSample[]): Record<string, number> {
  const out: Record<string, number> = {};
  const gauge = (key: keyof EngineReading, mean: string, max: string) => {
    const v = values(samples, key);
    if (v.length === 0) return;
    out[mean] = v.reduce((a, b) => a + b, 0) / v.length;
    out[max] = Math.max(...v);
  };
  gauge("running", "engine_running_mean", "engine_running_max");
  gauge("waiting", "engine_waiting_mean", "engine_waiting_max");
  gauge("kvUsagePct", "engine_kv_usage_mean_pct", "engine_kv_usage_max_pct");
  const preempt = delta(samples, "preemptionsTotal");
  if (preempt !== null) out.engine_preemptions = preempt;
  const hits = delta(samples, "prefixHitsTotal");
  const queries = delta(samples, "prefixQueriesTotal");
  if (hits !== null && queries !== null && queries > 0) {
    out.engine_prefix_cache_hit_pct = 100 * hits / queries;
  } else {
    const rate = values(samples, "prefixHitPct");
    if (rate.length > 0) {
      out.engine_prefix_cache_hit_pct = rate.reduce((a, b) => a + b, 0) / rate.length;
    }
  }
  return out;
}
