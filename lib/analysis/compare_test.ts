import { fixtureDocument } from "../results/fixtures.ts";
import assert from "node:assert/strict";
import { ConfigError } from "../config/errors.ts";
import type { LevelResult, ResultsDocument, WorkloadFingerprint } from "../results/document.ts";
import { minimumDetectableChange, minTrialsToReach, trialsNeeded } from "../stats/power.ts";
import { hodgesLehmannRatio, holm, welchLogRatio, welchTTest } from "../stats/tests.ts";
import {
  compareDocuments,
  DEFAULT_COMPARE_METRICS,
  likeForLike,
  matchLevels,
  trialValues,
} from "./compare.ts";

type Trials = Record<string, number>[];

function level(
  trials: Trials,
  extra: Partial<LevelResult> = {},
  complete: boolean[] = [],
): LevelResult {
  return {
    mode: "latency",
    concurrency: 8,
    trials: trials.map((metrics, i) => ({ metrics, errors: {}, complete: complete[i] ?? true })),
    summary: {},
    errors: {},
    ...extra,
  };
}

function doc(levels: LevelResult[], extra: Partial<ResultsDocument> = {}): ResultsDocument {
  return {
    ...fixtureDocument(levels, {
      mode: "latency",
      runs: 64,
      trials: 5,
      sampling: { maxTokens: 128 },
    }),
    ...extra,
  };
}

/** Trials with one metric set to the given values. */
function trialsOf(id: string, values: number[]): Trials {
  return values.map((v) => ({ [id]: v }));
}

const BASE = [45.1, 44.2, 46.3, 45.5, 44.6];

Deno.test("a lower-is-better metric that grows is a regression with Welch's log-ratio interval", () => {
  const cand = BASE.map((v, i) => v * 1.2 * (1 + (i % 2 ? 0.004 : -0.003)));
  const c = compareDocuments(
    doc([level(trialsOf("ttft_p50_ms", BASE))]),
    doc([level(trialsOf("ttft_p50_ms", cand))]),
  );
  const m = c.levels[0].metrics[0];
  const r = welchLogRatio(BASE, cand, 0.95);
  assert.equal(m.id, "ttft_p50_ms");
  assert.equal(m.better, "lower");
  assert.equal(m.unit, "ms");
  assert.ok(Math.abs(m.change! - (r.ratio - 1)) < 1e-12);
  assert.deepEqual(m.ci, [r.ci[0] - 1, r.ci[1] - 1]);
  assert.equal(m.p, r.p);
  assert.equal(m.pAdjusted, r.p, "one metric: Holm leaves p as it is");
  assert.equal(m.significant, true);
  assert.equal(m.verdict, "regression");
  assert.equal(m.detectable, null, "a significant change has no detectable-change line");
  assert.deepEqual(m.baseline.values, BASE);
  assert.equal(m.baseline.n, 5);
  assert.ok(Math.abs(m.baseline.mean - 45.14) < 1e-9);
  assert.equal(c.test, "welch");
  assert.equal(c.alpha, 0.05);
  assert.equal(c.confidence, 0.95);
});

Deno.test("a higher-is-better metric that grows is an improvement; one that falls a regression", () => {
  const tput = [1245, 1290, 1201, 1262, 1230];
  const up = compareDocuments(
    doc([level(trialsOf("throughput_tokens_per_sec", tput))]),
    doc([level(trialsOf("throughput_tokens_per_sec", tput.map((v, i) => v * (1.3 + i * 0.002))))]),
  );
  assert.equal(up.levels[0].metrics[0].verdict, "improvement");
  assert.ok(up.levels[0].metrics[0].change! > 0.29);
  const down = compareDocuments(
    doc([level(trialsOf("throughput_tokens_per_sec", tput))]),
    doc([level(trialsOf("throughput_tokens_per_sec", tput.map((v, i) => v * (0.7 + i * 0.002))))]),
  );
  assert.equal(down.levels[0].metrics[0].verdict, "regression");
  assert.ok(down.levels[0].metrics[0].change! < -0.29);
});

Deno.test("p-values are Holm-adjusted over the level's metrics; significance uses the adjusted p", () => {
  // ttft differs clearly; itl a little (raw p just under 0.05); e2e not at all.
  const ids = ["ttft_p50_ms", "itl_p50_ms", "e2e_p50_ms"];
  const base: Trials = [], cand: Trials = [];
  const itlBase = [8.0, 8.4, 7.8, 8.3, 8.1];
  const itlCand = [8.35, 8.65, 8.25, 8.65, 8.45]; // raw p 0.034
  for (let i = 0; i < 5; i++) {
    base.push({ ttft_p50_ms: BASE[i], itl_p50_ms: itlBase[i], e2e_p50_ms: 100 + i });
    cand.push({ ttft_p50_ms: BASE[i] * 1.5, itl_p50_ms: itlCand[i], e2e_p50_ms: 101 + i });
  }
  const c = compareDocuments(doc([level(base)]), doc([level(cand)]), { metrics: ids });
  const ms = c.levels[0].metrics;
  assert.deepEqual(ms.map((m) => m.id), ids);
  const raw = ms.map((m) => m.p!);
  assert.deepEqual(ms.map((m) => m.pAdjusted), holm(raw));
  const itl = ms[1];
  assert.ok(itl.p! < 0.05, `raw itl p ${itl.p} is below alpha`);
  assert.ok(itl.pAdjusted! >= 0.05, `adjusted itl p ${itl.pAdjusted} is not`);
  assert.equal(itl.significant, false);
  assert.equal(itl.verdict, "no_difference");
  assert.equal(ms[0].verdict, "regression");
  assert.equal(ms[2].verdict, "no_difference");
});

Deno.test("a difference that is not significant says what the runs could have detected", () => {
  const cand = [45.4, 44.0, 46.0, 45.9, 44.4];
  const c = compareDocuments(
    doc([level(trialsOf("ttft_p50_ms", BASE))]),
    doc([level(trialsOf("ttft_p50_ms", cand))]),
    { detect: 0.02, power: 0.9 },
  );
  const m = c.levels[0].metrics[0];
  assert.equal(m.verdict, "no_difference");
  assert.equal(m.significant, false);
  assert.ok(m.ci![0] < 0 && m.ci![1] > 0, "the interval spans no change");
  const sd = (v: number[]) => {
    const l = v.map(Math.log), mean = l.reduce((a, b) => a + b) / l.length;
    return Math.sqrt(l.reduce((a, x) => a + (x - mean) ** 2, 0) / (l.length - 1));
  };
  const expected = minimumDetectableChange({
    nA: 5,
    nB: 5,
    sdLogA: sd(BASE),
    sdLogB: sd(cand),
    alpha: 0.05,
    power: 0.9,
  });
  assert.ok(Math.abs(m.detectable! - expected) < 1e-12);
  assert.ok(m.detectable! > 0.01 && m.detectable! < 0.1, `detectable ${m.detectable}`);
  const needed = trialsNeeded({
    change: 0.02,
    sdLog: Math.sqrt((sd(BASE) ** 2 + sd(cand) ** 2) / 2),
    alpha: 0.05,
    power: 0.9,
  });
  assert.equal(m.trialsNeeded, needed);
  assert.ok(needed > 5, "a 2 % change needs more trials than these 5");
  assert.equal(c.power, 0.9);
  assert.equal(c.detect, 0.02);
});

Deno.test("too few trials for any result to reach alpha: inconclusive, with the trials needed", () => {
  // Welch needs 2 per side.
  const one = compareDocuments(
    doc([level(trialsOf("ttft_p50_ms", [45]))]),
    doc([level(trialsOf("ttft_p50_ms", [90]))]),
  );
  const m = one.levels[0].metrics[0];
  assert.equal(m.verdict, "inconclusive");
  assert.equal(m.note, "inconclusive: need ≥ 2 trials per side (1 vs 1)");
  assert.equal(m.p, null);
  assert.equal(m.ci, null);
  assert.ok(Math.abs(m.change! - 1) < 1e-12, "the point estimate is still shown");
  // The exact Mann–Whitney test cannot reach 0.05 with 3 vs 3 (smallest p 0.1).
  const three = compareDocuments(
    doc([level(trialsOf("ttft_p50_ms", [45, 46, 44]))]),
    doc([level(trialsOf("ttft_p50_ms", [90, 91, 92]))]),
    { test: "mann-whitney" },
  );
  const need = minTrialsToReach("mann-whitney", 0.05);
  assert.equal(need, 4);
  assert.equal(three.levels[0].metrics[0].verdict, "inconclusive");
  assert.equal(
    three.levels[0].metrics[0].note,
    `inconclusive: need ≥ ${need} trials per side (3 vs 3)`,
  );
});

Deno.test("test: mann-whitney uses the Hodges–Lehmann ratio and the exact U test's p", () => {
  const cand = BASE.map((v) => v * 1.5);
  const c = compareDocuments(
    doc([level(trialsOf("ttft_p50_ms", BASE))]),
    doc([level(trialsOf("ttft_p50_ms", cand))]),
    { test: "mann-whitney", confidence: 0.9 },
  );
  const m = c.levels[0].metrics[0];
  const r = hodgesLehmannRatio(BASE, cand, 0.9);
  assert.ok(Math.abs(m.change! - 0.5) < 1e-12);
  assert.deepEqual(m.ci, [r.ci[0] - 1, r.ci[1] - 1]);
  assert.ok(
    Math.abs(m.p! - 2 / 252) < 1e-12,
    "exact: every candidate value above every baseline one",
  );
  assert.equal(m.verdict, "regression");
  assert.equal(c.test, "mann-whitney");
  assert.equal(c.confidence, 0.9);
});

Deno.test("values ≤ 0 (counts of 0): the difference of means relative to the baseline mean, said so", () => {
  const base = [0, 1, 0, 2, 0], cand = [3, 4, 2, 5, 3];
  const c = compareDocuments(
    doc([level(trialsOf("requests_failed", base))]),
    doc([level(trialsOf("requests_failed", cand))]),
    { metrics: ["requests_failed"] },
  );
  const m = c.levels[0].metrics[0];
  const w = welchTTest(cand, base);
  assert.ok(Math.abs(m.change! - (3.4 - 0.6) / 0.6) < 1e-12);
  assert.ok(m.ci![0] < m.change! && m.change! < m.ci![1]);
  assert.equal(m.p, w.p);
  assert.equal(m.verdict, "regression", "more failures is worse");
  assert.match(
    m.note!,
    /values ≤ 0: change is the difference of means relative to the baseline mean/,
  );
  // A baseline mean of 0 has no relative change, and says so.
  const zero = compareDocuments(
    doc([level(trialsOf("requests_failed", [0, 0, 0]))]),
    doc([level(trialsOf("requests_failed", [2, 3, 4]))]),
    { metrics: ["requests_failed"] },
  ).levels[0].metrics[0];
  assert.equal(zero.change, null);
  assert.equal(zero.verdict, "regression");
  assert.match(zero.note!, /the baseline mean is 0, so there is no relative change/);
});

Deno.test("sides without variation: equal is no difference (p 1), different is exact", () => {
  const same = compareDocuments(
    doc([level(trialsOf("requests_completed", [64, 64, 64]))]),
    doc([level(trialsOf("requests_completed", [64, 64, 64]))]),
    { metrics: ["requests_completed"] },
  ).levels[0].metrics[0];
  assert.equal(same.change, 0);
  assert.equal(same.p, 1);
  assert.equal(same.verdict, "no_difference");
  const fewer = compareDocuments(
    doc([level(trialsOf("requests_completed", [64, 64, 64]))]),
    doc([level(trialsOf("requests_completed", [60, 60, 60]))]),
    { metrics: ["requests_completed"] },
  ).levels[0].metrics[0];
  assert.ok(Math.abs(fewer.change! - (60 / 64 - 1)) < 1e-12);
  assert.equal(fewer.verdict, "regression");
  assert.equal(fewer.note, "no variation between trials on either side");
});

Deno.test("a significant change of a metric with no better direction is neither better nor worse", () => {
  const c = compareDocuments(
    doc([level(trialsOf("output_tokens_total", [100, 101, 99, 100]))]),
    doc([level(trialsOf("output_tokens_total", [200, 202, 199, 201]))]),
    { metrics: ["output_tokens_total"] },
  ).levels[0].metrics[0];
  assert.equal(c.significant, true);
  assert.equal(c.verdict, "inconclusive");
  assert.match(c.note!, /changed significantly, but output_tokens_total has no better direction/);
});

Deno.test("default metrics: the headline ones both runs have, in order", () => {
  const all = Object.fromEntries(DEFAULT_COMPARE_METRICS.map((id) => [id, 10]));
  const noGoodput = { ...all };
  delete noGoodput.goodput_requests_per_sec;
  const base = doc([level([all, all, all].map((t, i) => ({ ...t, ttft_mean_ms: 5 + i })))]);
  const cand = doc([level([noGoodput, noGoodput, noGoodput])]);
  const ids = compareDocuments(base, cand).levels[0].metrics.map((m) => m.id);
  assert.deepEqual(ids, DEFAULT_COMPARE_METRICS.filter((id) => id !== "goodput_requests_per_sec"));
  // Asked for explicitly, a metric one run lacks is listed, inconclusive, and says why.
  const m = compareDocuments(base, cand, { metrics: ["goodput_requests_per_sec"] })
    .levels[0].metrics[0];
  assert.equal(m.verdict, "inconclusive");
  assert.equal(
    m.note,
    "inconclusive: not measured in the candidate (no complete trial with a value)",
  );
});

Deno.test("bad options: an unknown metric id is named with the known ones; alpha out of range", () => {
  const d = doc([level(trialsOf("ttft_p50_ms", BASE))]);
  assert.throws(
    () => compareDocuments(d, d, { metrics: ["ttft_p50_ms", "ttft_p50"] }),
    (e: Error) =>
      e instanceof ConfigError &&
      /'metrics' must be known metric ids \(ttft_mean_ms, .*throughput_tokens_per_sec.*\), got "ttft_p50"$/
        .test(e.message),
  );
  assert.throws(
    () => compareDocuments(d, d, { alpha: 5 }),
    /Cannot start comparison: 'alpha' must be a number in \(0, 1\), got 5/,
  );
  assert.throws(
    () => compareDocuments(d, d, { test: "t" as never }),
    /'test' must be "welch" or "mann-whitney", got "t"/,
  );
  assert.throws(() => compareDocuments(d, d, { detect: -0.02 }), /'detect' must be a positive/);
});

Deno.test("trialValues: complete trials only, values that are not finite left out", () => {
  const l = level(trialsOf("ttft_p50_ms", [41, NaN, 43, 12, Infinity]), {}, [
    true,
    true,
    true,
    false,
    true,
  ]);
  assert.deepEqual(trialValues(l, "ttft_p50_ms"), [41, 43]);
  // An interrupted trial does not enter the comparison.
  const c = compareDocuments(
    doc([l]),
    doc([level(trialsOf("ttft_p50_ms", [41, 42]))]),
    { metrics: ["ttft_p50_ms"] },
  );
  assert.equal(c.levels[0].metrics[0].baseline.n, 2);
});

Deno.test("levels are matched by mode and concurrency or request rate; the rest are listed", () => {
  const t = trialsOf("ttft_p50_ms", BASE);
  const base = doc([
    level(t, { concurrency: 1 }),
    level(t, { concurrency: 8 }),
    level(t, { mode: "serve", concurrency: 0, requestRate: 4 }),
    level(t, { mode: "serve", concurrency: 0, requestRate: "inf" }),
  ]);
  const cand = doc([
    level(t, { concurrency: 8 }),
    level(t, { mode: "serve", concurrency: 0, requestRate: 4 }),
    level(t, { mode: "serve", concurrency: 16, requestRate: 4 }),
    level(t, { mode: "throughput", concurrency: 100 }),
  ]);
  const m = matchLevels(base, cand);
  assert.deepEqual(m.pairs, [[1, 0], [2, 1]]);
  assert.deepEqual(m.unmatched, [
    { side: "baseline", label: "c=1" },
    { side: "baseline", label: "r=inf" },
    { side: "candidate", label: "r=4/s (max 16 in flight)" },
    { side: "candidate", label: "burst 100" },
  ]);
  const c = compareDocuments(base, cand);
  assert.deepEqual(c.levels.map((l) => l.label), ["c=8", "r=4/s"]);
  assert.deepEqual(c.levels.map((l) => [l.baselineIndex, l.candidateIndex]), [[1, 0], [2, 1]]);
  assert.equal(c.levels[1].requestRate, 4);
  assert.equal(c.levels[1].mode, "serve");
  assert.deepEqual(c.unmatched, m.unmatched);
});

const FP: WorkloadFingerprint = {
  promptCount: 100,
  inputLen: { p50: 512, p95: 600, p99: 640 },
  outputLenRequested: { p50: 128, p95: 128, p99: 128 },
  commonPrefix: { tokens: 0, share: 0 },
  systemPromptDetected: false,
  systemPrompt: null,
  tokenizer: { name: "o200k_base", kind: "default" },
  sampling: { maxTokens: 128, temperature: 0 },
  sha256: "a".repeat(64),
  itemsSha256: "b".repeat(64),
};

Deno.test("like for like: the backend may differ; fingerprints, sampling and other config fields may not", () => {
  const cfg = (backend: unknown, extra: Record<string, unknown> = {}) => ({
    mode: "latency",
    runs: 64,
    trials: 5,
    backend,
    out: "x.json",
    records: "x.records.jsonl",
    sampling: { maxTokens: 128, temperature: 0 },
    workload: { source: "file", path: "a.txt" },
    ...extra,
  });
  const a = doc([], { config: cfg({ kind: "vllm" }), workload: FP });
  // Another engine, other output paths, more trials: like for like.
  const b = doc([], {
    config: { ...cfg({ kind: "sglang" }), out: "y.json", trials: 10 },
    workload: FP,
    backend: { kind: "sglang" },
  });
  assert.deepEqual(likeForLike(a, b), []);
  // A different temperature (the fingerprint's sampling) and a different transport.
  const c = doc([], {
    config: cfg({ kind: "vllm" }, {
      transport: "fetch",
      sampling: { maxTokens: 128, temperature: 0.7 },
    }),
    workload: { ...FP, sampling: { maxTokens: 128, temperature: 0.7 }, sha256: "c".repeat(64) },
  });
  assert.deepEqual(likeForLike(a, c), [
    "workload sampling.temperature: 0 vs 0.7",
    'config.transport: unset vs "fetch"',
  ]);
  // Without fingerprints, the config's sampling and workload are compared.
  const d = doc([], { config: cfg({ kind: "vllm" }) });
  const e = doc([], {
    config: cfg({ kind: "vllm" }, { workload: { source: "file", path: "b.txt" } }),
  });
  assert.deepEqual(likeForLike(d, e), ['config.workload.path: "a.txt" vs "b.txt"']);
  assert.deepEqual(likeForLike(a, d), [
    "workload fingerprint: recorded vs none (the requests cannot be checked to be the same)",
  ]);
  // compareDocuments puts them in warnings.
  assert.deepEqual(compareDocuments(a, c).warnings, likeForLike(a, c));
});
