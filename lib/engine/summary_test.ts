import assert from "node:assert/strict";
import type { EngineReading } from "./engines.ts";
import { summarizeEngineTrial } from "./summary.ts";

const reading = (over: Partial<EngineReading>): EngineReading => ({
  running: null,
  waiting: null,
  kvUsagePct: null,
  preemptionsTotal: null,
  prefixHitsTotal: null,
  prefixQueriesTotal: null,
  prefixHitPct: null,
  ...over,
});

Deno.test("summarizeEngineTrial: gauges' mean and max skip failed scrapes", () => {
  const m = summarizeEngineTrial([
    { tMs: 0, reading: reading({ running: 2, waiting: 0, kvUsagePct: 10 }) },
    { tMs: 100, reading: null },
    { tMs: 200, reading: reading({ running: 4, waiting: 6, kvUsagePct: 30 }) },
    { tMs: 300, reading: reading({ running: 6, waiting: 3, kvUsagePct: 20 }) },
  ]);
  assert.deepEqual(m, {
    engine_running_mean: 4,
    engine_running_max: 6,
    engine_waiting_mean: 3,
    engine_waiting_max: 6,
    engine_kv_usage_mean_pct: 20,
    engine_kv_usage_max_pct: 30,
  });
});

Deno.test("summarizeEngineTrial: counters are the increase from the first to the last read", () => {
  const m = summarizeEngineTrial([
    { tMs: 0, reading: null },
    {
      tMs: 1,
      reading: reading({ preemptionsTotal: 10, prefixHitsTotal: 50, prefixQueriesTotal: 100 }),
    },
    {
      tMs: 2,
      reading: reading({ preemptionsTotal: 12, prefixHitsTotal: 60, prefixQueriesTotal: 120 }),
    },
    {
      tMs: 3,
      reading: reading({ preemptionsTotal: 13, prefixHitsTotal: 80, prefixQueriesTotal: 180 }),
    },
  ]);
  assert.equal(m.engine_preemptions, 3);
  assert.equal(m.engine_prefix_cache_hit_pct, 37.5); // (80−50)/(180−100)
});

Deno.test("summarizeEngineTrial: no lookups, a reset counter or one read give no counter figure", () => {
  const flat = summarizeEngineTrial([
    { tMs: 0, reading: reading({ prefixHitsTotal: 5, prefixQueriesTotal: 9 }) },
    { tMs: 1, reading: reading({ prefixHitsTotal: 5, prefixQueriesTotal: 9 }) },
  ]);
  assert.equal("engine_prefix_cache_hit_pct" in flat, false);
  const reset = summarizeEngineTrial([
    { tMs: 0, reading: reading({ preemptionsTotal: 40 }) },
    { tMs: 1, reading: reading({ preemptionsTotal: 2 }) },
  ]);
  assert.equal("engine_preemptions" in reset, false);
  const one = summarizeEngineTrial([{ tMs: 0, reading: reading({ preemptionsTotal: 4 }) }]);
  assert.deepEqual(one, {});
});

Deno.test("summarizeEngineTrial: an engine that only reports a hit rate gets its mean", () => {
  const m = summarizeEngineTrial([
    { tMs: 0, reading: reading({ prefixHitPct: 20 }) },
    { tMs: 1, reading: reading({ prefixHitPct: 40 }) },
  ]);
  assert.equal(m.engine_prefix_cache_hit_pct, 30);
});
