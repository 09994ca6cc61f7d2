import { fixtureDocument } from "../results/fixtures.ts";
import assert from "node:assert/strict";
import { ConfigError } from "../config/errors.ts";
import type { LevelResult, ResultsDocument } from "../results/document.ts";
import { holm, welchLogRatio } from "../stats/tests.ts";
import { checkRegressions, validateThresholds } from "./regression.ts";

/** A level: metric id → one value per trial (all trials complete unless `incomplete` says). */
function level(
  concurrency: number,
  metrics: Record<string, number[]>,
  incomplete: number[] = [],
): LevelResult {
  const n = Math.max(...Object.values(metrics).map((v) => v.length));
  return {
    mode: "latency",
    concurrency,
    errors: {},
    summary: {},
    trials: Array.from({ length: n }, (_, i) => ({
      metrics: Object.fromEntries(
        Object.entries(metrics).filter(([, v]) => i < v.length).map(([k, v]) => [k, v[i]]),
      ),
      errors: {},
      complete: !incomplete.includes(i),
    })),
  };
}

function doc(...levels: LevelResult[]): ResultsDocument {
  return fixtureDocument(levels);
}

const BASE = [100, 104, 96, 100];
const scaled = (v: number[], f: number) => v.map((x, i) => x * f * (1 + (i % 2 ? 0.01 : -0.01)));

Deno.test("a lower-is-better metric regresses when it rises beyond a positive threshold", () => {
  const r = checkRegressions(
    doc(level(8, { ttft_p99_ms: BASE })),
    doc(level(8, { ttft_p99_ms: scaled(BASE, 1.2) })),
    { thresholds: { ttft_p99_ms: 0.1 } },
  );
  const row = r.levels[0].rows[0];
  assert.equal(row.verdict, "regression");
  assert.ok(Math.abs(row.change! - 0.2) < 0.005, `change ${row.change}`);
  assert.ok(row.ci![0] < row.change! && row.change! < row.ci![1]);
  assert.ok(row.ci![0] > 0.1, `the interval ${row.ci} lies above the threshold`);
  assert.equal(row.before, 100);
  assert.equal(r.regressions, 1);
  assert.equal(r.levels[0].label, "c=8");

  // Within the threshold: ok (a +5 % rise, even if significant, is allowed).
  const small = checkRegressions(
    doc(level(8, { ttft_p99_ms: BASE })),
    doc(level(8, { ttft_p99_ms: scaled(BASE, 1.05) })),
    { thresholds: { ttft_p99_ms: 0.1 } },
  );
  assert.equal(small.levels[0].rows[0].verdict, "ok");
  assert.equal(small.regressions, 0);
});

Deno.test("a higher-is-better metric regresses when it falls beyond a negative threshold, and improves when it rises", () => {
  const thresholds = { throughput_tokens_per_sec: -0.05 };
  const down = checkRegressions(
    doc(level(4, { throughput_tokens_per_sec: BASE.map((v) => v * 10) })),
    doc(level(4, { throughput_tokens_per_sec: scaled(BASE, 9) })),
    { thresholds },
  );
  assert.equal(down.levels[0].rows[0].verdict, "regression");
  assert.ok(Math.abs(down.levels[0].rows[0].change! + 0.1) < 0.005);
  const up = checkRegressions(
    doc(level(4, { throughput_tokens_per_sec: BASE.map((v) => v * 10) })),
    doc(level(4, { throughput_tokens_per_sec: scaled(BASE, 11) })),
    { thresholds },
  );
  assert.equal(up.levels[0].rows[0].verdict, "improvement");
  assert.equal(up.regressions, 0);
  assert.equal(up.improvements, 1);
  // A latency that falls beyond the threshold's magnitude is an improvement too.
  const faster = checkRegressions(
    doc(level(4, { ttft_p50_ms: BASE })),
    doc(level(4, { ttft_p50_ms: scaled(BASE, 0.8) })),
    { thresholds: { ttft_p50_ms: 0.1 } },
  );
  assert.equal(faster.levels[0].rows[0].verdict, "improvement");
});

Deno.test("a threshold in the wrong direction for its metric is a ConfigError naming it", () => {
  assert.throws(
    () => validateThresholds({ throughput_tokens_per_sec: 0.1 }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /'thresholds.throughput_tokens_per_sec' must be negative \(the largest allowed decrease\): throughput_tokens_per_sec is higher-is-better, so an increase is never a regression; write -10 %, got \+10 %/
        .test(e.message),
  );
  assert.throws(
    () => validateThresholds({ ttft_p99_ms: -0.1 }),
    /'thresholds.ttft_p99_ms' must be positive \(the largest allowed increase\): ttft_p99_ms is lower-is-better.*got -10 %/,
  );
  // Every bad threshold at once, the good ones not mentioned.
  assert.throws(
    () =>
      checkRegressions(doc(level(1, { ttft_p99_ms: [1] })), doc(level(1, { ttft_p99_ms: [1] })), {
        thresholds: { goodput_ratio: 0.05 },
      }),
    ConfigError,
  );
  try {
    validateThresholds({ ttft_p99_ms: 0.1, goodput_ratio: 0.05, itl_p50_ms: -0.02 });
    assert.fail("no error");
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.issues.map((i) => i.path), [
      "thresholds.goodput_ratio",
      "thresholds.itl_p50_ms",
    ]);
  }
  // A decrease of 100 % or more cannot happen; a zero for a metric without a direction says nothing.
  assert.throws(() => validateThresholds({ throughput_tokens_per_sec: -1 }), /greater than -1/);
  assert.throws(() => validateThresholds({ output_tokens_total: 0 }), /no better direction/);
  assert.throws(() => validateThresholds({ ttft_p99_ms: NaN }), /a relative change such as 0.1/);
  assert.throws(() => validateThresholds({}), /at least one threshold/);
});

Deno.test("an unknown metric id is a ConfigError naming the known ones", () => {
  try {
    validateThresholds({ ttft_p99: 0.1 });
    assert.fail("no error");
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /'thresholds.ttft_p99' must be a metric id splleed produces/);
    assert.match(err.message, /did you mean ttft_p99_ms\?/);
    assert.match(err.message, /ttft, itl, tpot, e2e, schedule_lag/);
    assert.match(err.message, /throughput_tokens_per_sec/);
    assert.match(err.message, /got the unknown id 'ttft_p99'/);
  }
});

Deno.test("policy significant: single trials are inconclusive; policy point decides by the estimate", () => {
  const base = doc(level(8, { ttft_p99_ms: [40] }));
  const cur = doc(level(8, { ttft_p99_ms: [50] }));
  const sig = checkRegressions(base, cur, { thresholds: { ttft_p99_ms: 0.1 } });
  const row = sig.levels[0].rows[0];
  assert.equal(row.verdict, "inconclusive");
  assert.match(row.note!, /need ≥ 2 trials per side \(baseline 1, current 1\)/);
  assert.equal(row.p, null);
  assert.ok(Math.abs(row.change! - 0.25) < 1e-12);
  assert.equal(sig.regressions, 0);
  assert.equal(sig.inconclusive, 1);

  const point = checkRegressions(base, cur, { thresholds: { ttft_p99_ms: 0.1 }, policy: "point" });
  assert.equal(point.levels[0].rows[0].verdict, "regression");
  assert.equal(point.regressions, 1);
  const within = checkRegressions(base, doc(level(8, { ttft_p99_ms: [43] })), {
    thresholds: { ttft_p99_ms: 0.1 },
    policy: "point",
  });
  assert.equal(within.levels[0].rows[0].verdict, "ok");
});

Deno.test("beyond the threshold but not significant: inconclusive under significant, a regression under point", () => {
  // Noisy trials: the estimate is +15 %, but the spread is as large.
  const x = [100, 130, 80, 110];
  const y = [140, 95, 125, 110];
  const thresholds = { ttft_p99_ms: 0.1 };
  const sig = checkRegressions(
    doc(level(2, { ttft_p99_ms: x })),
    doc(level(2, { ttft_p99_ms: y })),
    {
      thresholds,
    },
  );
  const row = sig.levels[0].rows[0];
  assert.ok(row.change! > 0.1, `change ${row.change}`);
  assert.ok(row.pAdjusted! > 0.05, `p ${row.pAdjusted}`);
  assert.equal(row.verdict, "inconclusive");
  assert.match(row.note!, /beyond the threshold but not significant/);
  const point = checkRegressions(
    doc(level(2, { ttft_p99_ms: x })),
    doc(level(2, { ttft_p99_ms: y })),
    { thresholds, policy: "point" },
  );
  assert.equal(point.levels[0].rows[0].verdict, "regression");
});

Deno.test("p-values are one-sided and Holm-adjusted across the level's checked metrics", () => {
  // itl_p50_ms alone is a significant +10 % (one-sided p ≈ 0.021); checked with two
  // unchanged metrics, Holm multiplies its p by 3 and it is no longer significant.
  const xb = [100, 106, 95, 99], yb = [110, 104, 120, 108];
  const flat = [50, 51, 49, 50], flat2 = [50.5, 49.5, 50, 50.2];
  const one = welchLogRatio(xb, yb, 0.95, { alternative: "less" }).p;
  assert.ok(one > 0.0167 && one < 0.05, `raw p ${one}`);

  const alone = checkRegressions(
    doc(level(8, { itl_p50_ms: xb })),
    doc(level(8, { itl_p50_ms: yb })),
    { thresholds: { itl_p50_ms: 0.05 } },
  );
  assert.ok(Math.abs(alone.levels[0].rows[0].p! - one) < 1e-12);
  assert.equal(alone.levels[0].rows[0].verdict, "regression");

  const three = checkRegressions(
    doc(level(8, { itl_p50_ms: xb, ttft_p50_ms: flat, e2e_p50_ms: flat })),
    doc(level(8, { itl_p50_ms: yb, ttft_p50_ms: flat2, e2e_p50_ms: flat2.map((v) => v * 1.001) })),
    { thresholds: { itl_p50_ms: 0.05, ttft_p50_ms: 0.1, e2e_p50_ms: 0.1 } },
  );
  const rows = three.levels[0].rows;
  assert.deepEqual(rows.map((r) => r.id), ["itl_p50_ms", "ttft_p50_ms", "e2e_p50_ms"]);
  assert.deepEqual(rows.map((r) => r.pAdjusted), holm(rows.map((r) => r.p!)));
  assert.ok(Math.abs(rows[0].pAdjusted! - 3 * one) < 1e-12);
  assert.equal(rows[0].verdict, "inconclusive");
  assert.equal(three.regressions, 0);
});

Deno.test("Mann–Whitney needs 3 trials per side at alpha 0.05; fewer is inconclusive", () => {
  const few = checkRegressions(
    doc(level(1, { ttft_p50_ms: [10, 11] })),
    doc(level(1, { ttft_p50_ms: [20, 21] })),
    { thresholds: { ttft_p50_ms: 0.1 }, test: "mann-whitney" },
  );
  assert.equal(few.trialsNeeded, 3);
  assert.equal(few.levels[0].rows[0].verdict, "inconclusive");
  assert.match(few.levels[0].rows[0].note!, /need ≥ 3 trials per side/);
  const enough = checkRegressions(
    doc(level(1, { ttft_p50_ms: [10, 11, 10.5, 10.2] })),
    doc(level(1, { ttft_p50_ms: [20, 21, 20.5, 20.3] })),
    { thresholds: { ttft_p50_ms: 0.1 }, test: "mann-whitney" },
  );
  const row = enough.levels[0].rows[0];
  assert.equal(row.verdict, "regression");
  assert.ok(Math.abs(row.p! - 1 / 70) < 1e-12, `exact one-sided p ${row.p}`);
});

Deno.test("counts that are 0 in the baseline: the change of the means, tested on the values", () => {
  const r = checkRegressions(
    doc(level(4, { requests_failed: [0, 0, 0] })),
    doc(level(4, { requests_failed: [3, 4, 3] })),
    { thresholds: { requests_failed: 0.1 } },
  );
  const row = r.levels[0].rows[0];
  assert.equal(row.change, Infinity);
  assert.equal(row.ci, null);
  assert.equal(row.verdict, "regression");
  assert.match(row.note!, /values ≤ 0/);
  const same = checkRegressions(
    doc(level(4, { requests_failed: [0, 0, 0] })),
    doc(level(4, { requests_failed: [0, 0, 0] })),
    { thresholds: { requests_failed: 0.1 } },
  );
  assert.equal(same.levels[0].rows[0].change, 0);
  assert.equal(same.levels[0].rows[0].verdict, "ok");
});

Deno.test("levels are matched by concurrency; unmatched levels are listed; none matching is a ConfigError", () => {
  const r = checkRegressions(
    doc(level(1, { ttft_p50_ms: BASE }), level(8, { ttft_p50_ms: BASE })),
    doc(level(8, { ttft_p50_ms: BASE }), level(16, { ttft_p50_ms: BASE })),
    { thresholds: { ttft_p50_ms: 0.1 } },
  );
  assert.deepEqual(r.levels.map((l) => l.label), ["c=8"]);
  assert.deepEqual(r.levels[0].rows[0].change, 0);
  assert.deepEqual(r.unmatched, [
    { side: "baseline", label: "c=1" },
    { side: "current", label: "c=16" },
  ]);
  assert.throws(
    () =>
      checkRegressions(doc(level(1, { ttft_p50_ms: BASE })), doc(level(2, { ttft_p50_ms: BASE })), {
        thresholds: { ttft_p50_ms: 0.1 },
      }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /expected at least one level of the current run to match one of the baseline .*baseline levels: c=1\), got current levels c=2/
        .test(e.message),
  );
});

Deno.test("interrupted trials are left out; a metric one side lacks is inconclusive", () => {
  // The third current trial was interrupted (its value is not a measurement of the level).
  const r = checkRegressions(
    doc(level(2, { ttft_p50_ms: [10, 10.2, 9.8] })),
    doc(level(2, { ttft_p50_ms: [10.1, 9.9, 100] }, [2])),
    { thresholds: { ttft_p50_ms: 0.1, goodput_ratio: -0.1 } },
  );
  const [ttft, goodput] = r.levels[0].rows;
  assert.equal(ttft.nAfter, 2);
  assert.equal(ttft.verdict, "ok");
  assert.equal(r.levels[0].currentTrials, 2);
  assert.equal(goodput.verdict, "inconclusive");
  assert.equal(goodput.note, "not measured in either run");
  assert.equal(r.inconclusive, 1);
});

Deno.test("like-for-like differences and interrupted runs are warned about", () => {
  const a = doc(level(2, { ttft_p50_ms: BASE }));
  const b = { ...doc(level(2, { ttft_p50_ms: BASE })), config: { mode: "latency", runs: 32 } };
  b.interrupted = true;
  b.interruption = "interrupted by SIGINT";
  const r = checkRegressions(a, b, { thresholds: { ttft_p50_ms: 0.1 } });
  assert.ok(r.warnings.some((w) => /config.runs: unset vs 32/.test(w)), r.warnings.join("\n"));
  assert.ok(r.warnings.includes("the current run was interrupted (interrupted by SIGINT)"));
});

Deno.test("bad options are ConfigErrors", () => {
  const d = doc(level(2, { ttft_p50_ms: BASE }));
  assert.throws(
    () => checkRegressions(d, d, { thresholds: { ttft_p50_ms: 0.1 }, policy: "strict" as never }),
    /'policy' must be "significant" or "point", got "strict"/,
  );
  assert.throws(
    () => checkRegressions(d, d, { thresholds: { ttft_p50_ms: 0.1 }, alpha: 1.5 }),
    /'alpha' must be a number between 0 and 0.5, got 1.5/,
  );
});
