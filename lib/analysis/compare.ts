/**
 * Comparing two runs, benchstat-style: for each level the two runs share
 * (matched by mode and concurrency or request rate), each metric's per-trial
 * values of one run against the other's. Trials are the independent
 * replicates, so the test of a metric uses one value per complete trial and
 * side. The change is candidate/baseline − 1 with a confidence interval on
 * the ratio: Welch's t on the logs (`test: "welch"`, the default) or the
 * Hodges–Lehmann ratio with its Mann–Whitney interval
 * (`test: "mann-whitney"`). p-values are Holm-adjusted over the metrics
 * compared in a level; a metric differs when its adjusted p is below
 * `alpha`, and whether that is an improvement or a regression comes from the
 * metric table (`lib/metrics/ids.ts`).
 *
 * Power is said plainly: a side with too few trials for any result to reach
 * `alpha` is `inconclusive`, and a difference that is not significant comes
 * with the smallest change the runs could have detected.
 *
 * @module
 */

import tQuantile from "npm:@stdlib/stats-base-dists-t-quantile@^0.2.3";
import { ConfigError } from "../config/errors.ts";
import { METRIC_IDS, metricInfo } from "../metrics/ids.ts";
import type { LevelResult, ResultsDocument } from "../results/document.ts";
import { minimumDetectableChange, minTrialsToReach, trialsNeeded } from "../stats/power.ts";
import {
  hodgesLehmannRatio,
  holm,
  mannWhitneyU,
  type RatioInterval,
  welchLogRatio,
  welchTTest,
} from "../stats/tests.ts";
import { compareFingerprints } from "./fingerprint.ts";

/** Options of {@linkcode compareDocuments}. */
export interface CompareOptions {
  /**
   * Significance level: a metric differs when its Holm-adjusted p is below it.
   * @default {0.05}
   */
  alpha?: number;
  /**
   * Confidence level of the interval of each change.
   * @default {1 - alpha}
   */
  confidence?: number;
  /**
   * The test: Welch's t on the logs of the per-trial values, or the exact
   * (small samples) / asymptotic Mann–Whitney U with the Hodges–Lehmann ratio.
   * @default {"welch"}
   */
  test?: "welch" | "mann-whitney";
  /**
   * Metric ids to compare. By default the headline ones present in both runs:
   * {@linkcode DEFAULT_COMPARE_METRICS}.
   * @default {DEFAULT_COMPARE_METRICS}
   */
  metrics?: readonly string[];
  /**
   * A relative change the user wants to be able to detect (0.02 = 2 %): each
   * metric then says how many trials per side would detect it.
   * @default {undefined}
   */
  detect?: number;
  /**
   * Power for the detectable change and the trials needed.
   * @default {0.8}
   */
  power?: number;
  /**
   * Name of the baseline in the report.
   * @default {"baseline"}
   */
  baselineName?: string;
  /**
   * Name of the candidate in the report.
   * @default {"candidate"}
   */
  candidateName?: string;
}

/** One side's per-trial values of a metric. */
export interface SideStats {
  /** The values of the complete trials, in trial order (non-finite values left out). */
  values: number[];
  /** Arithmetic mean; NaN without values. */
  mean: number;
  /** Sample standard deviation (divides by n − 1); 0 with fewer than two values. */
  sd: number;
  /** Number of values. */
  n: number;
}

/** What a comparison says about one metric. */
export type Verdict = "improvement" | "regression" | "no_difference" | "inconclusive";

/** One metric of one level, compared. */
export interface MetricComparison {
  /** Metric id. */
  id: string;
  /** Label for people (from the metric table). */
  label: string;
  /** Unit (from the metric table). */
  unit: string;
  /** Which direction is better (from the metric table). */
  better: "lower" | "higher" | "neither";
  /** The baseline's per-trial values. */
  baseline: SideStats;
  /** The candidate's per-trial values. */
  candidate: SideStats;
  /** candidate/baseline − 1 (the ratio estimate − 1); null when there is none. */
  change: number | null;
  /** Confidence interval of the change; null when there is none. */
  ci: [number, number] | null;
  /** The test's two-sided p; null when the metric was not tested. */
  p: number | null;
  /** p adjusted with Holm's method over this level's tested metrics. */
  pAdjusted: number | null;
  /** Whether `pAdjusted` < alpha. */
  significant: boolean;
  /**
   * `improvement` or `regression` for a significant change in the better or
   * worse direction; `no_difference` for no significant change; `inconclusive`
   * when the metric could not be tested (too few trials, not measured) or has
   * no better direction but changed significantly (`note` says which).
   */
  verdict: Verdict;
  /** For `no_difference`: the smallest relative change the runs could detect with `power`. */
  detectable: number | null;
  /** With `detect`: trials per side needed to detect a change of that size with `power`. */
  trialsNeeded: number | null;
  /** What a reader must know, e.g. "inconclusive: need ≥ 3 trials per side". */
  note?: string;
}

/** One matched level, compared. */
export interface LevelComparison {
  /** `c=8`, `r=4/s`, `burst 100`. */
  label: string;
  /** The level's mode. */
  mode: string;
  /** Its concurrency (serve: `maxConcurrency`, 0 for none; throughput: the burst). */
  concurrency: number;
  /** Serve: its request rate. */
  requestRate?: number | "inf";
  /** Index of the level in the baseline's levels. */
  baselineIndex: number;
  /** Index of the level in the candidate's levels. */
  candidateIndex: number;
  /** The compared metrics, in the order asked for. */
  metrics: MetricComparison[];
}

/** The whole comparison. */
export interface ComparisonData {
  /** Name of the baseline. */
  baselineName: string;
  /** Name of the candidate. */
  candidateName: string;
  /** Significance level. */
  alpha: number;
  /** Confidence level of the intervals. */
  confidence: number;
  /** The test used. */
  test: "welch" | "mann-whitney";
  /** Power of the detectable changes and trials needed (absent: 0.8). */
  power?: number;
  /** The relative change `detect` asked about (absent when none was). */
  detect?: number;
  /** The matched levels. */
  levels: LevelComparison[];
  /** Levels of one run that the other does not have (listed, never dropped silently). */
  unmatched: { side: "baseline" | "candidate"; label: string }[];
  /** How the runs differ besides the backend (see {@linkcode likeForLike}). */
  warnings: string[];
}

/**
 * The metrics compared by default, each when both runs have it: the
 * headline latencies, throughputs and goodput.
 */
export const DEFAULT_COMPARE_METRICS: readonly string[] = [
  "ttft_p50_ms",
  "ttft_p99_ms",
  "itl_p50_ms",
  "tpot_p50_ms",
  "e2e_p50_ms",
  "e2e_p99_ms",
  "throughput_tokens_per_sec",
  "request_throughput_per_sec",
  "goodput_requests_per_sec",
];

/**
 * Config fields that do not make two runs measure different things: the
 * backend (what is compared), where results go, how many trials, the
 * confidence level and failure gate of the report, and the levels (matched
 * one by one, and listed when unmatched).
 */
const NOT_LIKE_FOR_LIKE = new Set([
  "backend",
  "out",
  "records",
  "quiet",
  "trials",
  "confidenceLevel",
  "maxFailureRate",
  "concurrency",
  "requestRates",
  // Where the run was shown and published, and its labels: not what was measured.
  "html",
  "table",
  "tags",
  "history",
  "prometheus",
  "pushgateway",
]);

type Level = Pick<LevelResult, "mode" | "concurrency" | "requestRate">;

function levelLabel(l: Level): string {
  return l.mode === "throughput"
    ? `burst ${l.concurrency}`
    : l.mode === "serve"
    ? `r=${l.requestRate === "inf" ? "inf" : `${l.requestRate}/s`}` +
      (l.concurrency > 0 ? ` (max ${l.concurrency} in flight)` : "")
    : `c=${l.concurrency}`;
}

function levelKey(l: Level): string {
  return `${l.mode}|${l.concurrency}|${l.requestRate ?? ""}`;
}

/**
 * Matches the levels of two runs by mode and concurrency (serve: request
 * rate and `maxConcurrency`; throughput: burst size), in the baseline's
 * order. A load that appears twice in a run (a sweep's probes) is matched
 * in order of appearance. The levels left over are returned as unmatched.
 *
 * @param base The baseline run.
 * @param cand The candidate run.
 * @returns The pairs of level indices `[baseline, candidate]` and the unmatched levels.
 *
 * @example
 * ```ts
 * import { matchLevels } from "./compare.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = (cs: number[]) => ({ levels: cs.map((c) => ({ mode: "latency", concurrency: c })) }) as never;
 * const m = matchLevels(doc([1, 4, 16]), doc([4, 1, 32]));
 * assert.deepEqual(m.pairs, [[0, 1], [1, 0]]);
 * assert.deepEqual(m.unmatched, [
 *   { side: "baseline", label: "c=16" },
 *   { side: "candidate", label: "c=32" },
 * ]);
 * ```
 */
export function matchLevels(
  base: ResultsDocument,
  cand: ResultsDocument,
): { pairs: [number, number][]; unmatched: ComparisonData["unmatched"] } {
  const free = new Map<string, number[]>();
  cand.levels.forEach((l, i) => {
    const k = levelKey(l);
    free.set(k, [...(free.get(k) ?? []), i]);
  });
  const pairs: [number, number][] = [];
  const unmatched: ComparisonData["unmatched"] = [];
  const used = new Set<number>();
  base.levels.forEach((l, i) => {
    const j = free.get(levelKey(l))?.shift();
    if (j === undefined) unmatched.push({ side: "baseline", label: levelLabel(l) });
    else {
      pairs.push([i, j]);
      used.add(j);
    }
  });
  cand.levels.forEach((l, j) => {
    if (!used.has(j)) unmatched.push({ side: "candidate", label: levelLabel(l) });
  });
  return { pairs, unmatched };
}

/**
 * The per-trial values of one metric in one level: one value per complete
 * trial (an interrupted trial measured something else), in trial order,
 * with values that are not finite (NaN, ±Infinity) left out.
 *
 * @param level The level.
 * @param id The metric id.
 * @returns The values (empty when the level does not have the metric).
 *
 * @example
 * ```ts
 * import { trialValues } from "./compare.ts";
 * import assert from "node:assert/strict";
 *
 * const level = { trials: [
 *   { metrics: { ttft_p50_ms: 41 }, complete: true },
 *   { metrics: { ttft_p50_ms: NaN }, complete: true },
 *   { metrics: { ttft_p50_ms: 43 }, complete: true },
 *   { metrics: { ttft_p50_ms: 12 }, complete: false },
 * ] } as never;
 * assert.deepEqual(trialValues(level, "ttft_p50_ms"), [41, 43]);
 * assert.deepEqual(trialValues(level, "no_such_metric"), []);
 * ```
 */
export function trialValues(level: LevelResult, id: string): number[] {
  const out: number[] = [];
  for (const t of level.trials) {
    if (!t.complete) continue;
    const v = t.metrics[id];
    if (typeof v === "number" && Number.isFinite(v)) out.push(v);
  }
  return out;
}

/**
 * What differs between two runs besides the backend, in words, one line per
 * difference: the workload fingerprints (requests, prompt count, requested
 * output lengths, sampling; see `compareFingerprints`), and every field of
 * the resolved config except the backend, output paths, the number of
 * trials, the confidence level, the failure gate, the levels (which are
 * matched one by one), and where the run was shown and published (HTML,
 * table rows, tags, history, Prometheus, Pushgateway). When both runs have a fingerprint, it decides about
 * the workload and the sampling; without, the config's `workload` and
 * `sampling` fields are compared instead.
 *
 * @param base The baseline run.
 * @param cand The candidate run.
 * @returns The lines; empty when the runs are like for like.
 *
 * @example
 * ```ts
 * import { likeForLike } from "./compare.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = (config: Record<string, unknown>) => ({ config, levels: [] }) as never;
 * assert.deepEqual(likeForLike(
 *   doc({ backend: { kind: "vllm" }, runs: 64, sampling: { maxTokens: 128 }, out: "a.json", tags: { commit: "a1" } }),
 *   doc({ backend: { kind: "sglang" }, runs: 64, sampling: { maxTokens: 128 }, out: "b.json", tags: { commit: "b2" } }),
 * ), []);
 * assert.deepEqual(likeForLike(
 *   doc({ runs: 64, sampling: { maxTokens: 128, temperature: 0 } }),
 *   doc({ runs: 32, sampling: { maxTokens: 128, temperature: 0.7 } }),
 * ), ["config.runs: 64 vs 32", "config.sampling.temperature: 0 vs 0.7"]);
 * ```
 */
export function likeForLike(base: ResultsDocument, cand: ResultsDocument): string[] {
  const out: string[] = [];
  const a = base.workload, b = cand.workload;
  const bothFingerprints = a !== undefined && b !== undefined;
  if (bothFingerprints) out.push(...compareFingerprints(a, b).map((l) => `workload ${l}`));
  else if (a !== undefined || b !== undefined) {
    out.push(
      `workload fingerprint: ${a ? "recorded" : "none"} vs ${b ? "recorded" : "none"}` +
        " (the requests cannot be checked to be the same)",
    );
  }
  const skip = new Set(NOT_LIKE_FOR_LIKE);
  if (bothFingerprints) {
    skip.add("workload");
    skip.add("sampling");
  }
  diffValues(base.config ?? {}, cand.config ?? {}, "config", skip, out);
  return out;
}

function diffValues(
  x: unknown,
  y: unknown,
  path: string,
  skip: ReadonlySet<string>,
  out: string[],
): void {
  if (isPlainObject(x) && isPlainObject(y)) {
    const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
    for (const k of keys) {
      if (skip.has(k)) continue;
      diffValues(x[k], y[k], `${path}.${k}`, new Set(), out);
    }
    return;
  }
  const sx = stableJson(x), sy = stableJson(y);
  if (sx !== sy) out.push(`${path}: ${sx ?? "unset"} vs ${sy ?? "unset"}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** JSON with object keys sorted; undefined for undefined. */
function stableJson(value: unknown): string | undefined {
  return JSON.stringify(
    value,
    (_k, v) =>
      isPlainObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}

/** The options with their defaults, validated. */
interface Resolved {
  alpha: number;
  confidence: number;
  test: "welch" | "mann-whitney";
  metrics: readonly string[] | undefined;
  detect: number | undefined;
  power: number;
  baselineName: string;
  candidateName: string;
}

function resolveOptions(o: CompareOptions): Resolved {
  const issues: { path: string; expected: string; received: string }[] = [];
  const inUnit = (v: unknown) => typeof v === "number" && v > 0 && v < 1;
  const show = (v: unknown) => typeof v === "string" ? JSON.stringify(v) : String(v);
  if (o.alpha !== undefined && !inUnit(o.alpha)) {
    issues.push({ path: "alpha", expected: "a number in (0, 1)", received: show(o.alpha) });
  }
  if (o.confidence !== undefined && !inUnit(o.confidence)) {
    issues.push({
      path: "confidence",
      expected: "a number in (0, 1)",
      received: show(o.confidence),
    });
  }
  if (o.power !== undefined && !inUnit(o.power)) {
    issues.push({ path: "power", expected: "a number in (0, 1)", received: show(o.power) });
  }
  if (o.detect !== undefined && !(typeof o.detect === "number" && o.detect > 0)) {
    issues.push({
      path: "detect",
      expected: "a positive relative change such as 0.02 (2 %)",
      received: show(o.detect),
    });
  }
  if (o.test !== undefined && o.test !== "welch" && o.test !== "mann-whitney") {
    issues.push({ path: "test", expected: '"welch" or "mann-whitney"', received: show(o.test) });
  }
  if (o.metrics !== undefined) {
    if (!Array.isArray(o.metrics) || o.metrics.length === 0) {
      issues.push({
        path: "metrics",
        expected: "a non-empty list of metric ids",
        received: show(o.metrics),
      });
    } else {
      const unknown = o.metrics.filter((id) => metricInfo(id) === undefined);
      if (unknown.length > 0) {
        issues.push({
          path: "metrics",
          expected: `known metric ids (${METRIC_IDS.join(", ")})`,
          received: unknown.map(show).join(", "),
        });
      }
    }
  }
  if (issues.length > 0) throw new ConfigError("comparison", issues);
  const alpha = o.alpha ?? 0.05;
  return {
    alpha,
    confidence: o.confidence ?? 1 - alpha,
    test: o.test ?? "welch",
    metrics: o.metrics ? [...new Set(o.metrics)] : undefined,
    detect: o.detect,
    power: o.power ?? 0.8,
    baselineName: o.baselineName ?? "baseline",
    candidateName: o.candidateName ?? "candidate",
  };
}

function sideStats(values: number[]): SideStats {
  const n = values.length;
  const mean = n === 0 ? NaN : values.reduce((a, b) => a + b, 0) / n;
  const sd = n < 2 ? 0 : Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  return { values, mean, sd, n };
}

function sdOf(values: readonly number[]): number {
  return sideStats([...values]).sd;
}

/**
 * Compares two runs: every level they share, every metric asked for (by
 * default the headline ones both runs have), each with its change,
 * interval, Holm-adjusted p and verdict. See the module documentation for
 * the method.
 *
 * Values ≤ 0 (a count of 0) have no logarithm: such a metric's change is
 * the difference of the means relative to the baseline mean, with a Welch
 * interval (and, with `test: "mann-whitney"`, the U test's p), and its
 * `note` says so.
 *
 * @param base The baseline run.
 * @param cand The candidate run.
 * @param options Test, levels, metrics and names.
 * @returns The comparison.
 * @throws {ConfigError} When an option is invalid (an unknown metric id is
 *   named, with the known ones).
 *
 * @example
 * ```ts
 * import { compareDocuments } from "./compare.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = (ttft: number[]) => ({
 *   config: {}, levels: [{ mode: "latency", concurrency: 8,
 *     trials: ttft.map((v) => ({ metrics: { ttft_p50_ms: v }, errors: {}, complete: true })) }],
 * }) as never;
 * const c = compareDocuments(doc([45, 44, 46, 45.5, 44.5]), doc([36, 35.5, 36.5, 36, 35.8]));
 * const m = c.levels[0].metrics[0];
 * assert.equal(m.id, "ttft_p50_ms");
 * assert.equal(m.verdict, "improvement");
 * assert.ok(m.change! < -0.19 && m.change! > -0.21);
 * assert.ok(m.ci![0] < m.change! && m.change! < m.ci![1]);
 * ```
 */
export function compareDocuments(
  base: ResultsDocument,
  cand: ResultsDocument,
  options: CompareOptions = {},
): ComparisonData {
  const o = resolveOptions(options);
  const { pairs, unmatched } = matchLevels(base, cand);
  const levels = pairs.map(([i, j]): LevelComparison => {
    const lb = base.levels[i], lc = cand.levels[j];
    const ids = o.metrics ??
      DEFAULT_COMPARE_METRICS.filter((id) =>
        trialValues(lb, id).length > 0 && trialValues(lc, id).length > 0
      );
    const metrics = ids.map((id) => compareMetric(id, trialValues(lb, id), trialValues(lc, id), o));
    adjust(metrics, o);
    const level: LevelComparison = {
      label: levelLabel(lb),
      mode: lb.mode,
      concurrency: lb.concurrency,
      baselineIndex: i,
      candidateIndex: j,
      metrics,
    };
    if (lb.requestRate !== undefined) level.requestRate = lb.requestRate;
    return level;
  });
  return {
    baselineName: o.baselineName,
    candidateName: o.candidateName,
    alpha: o.alpha,
    confidence: o.confidence,
    test: o.test,
    power: o.power,
    ...(o.detect !== undefined ? { detect: o.detect } : {}),
    levels,
    unmatched,
    warnings: likeForLike(base, cand),
  };
}

/** A metric tested, before the Holm adjustment decides its verdict. */
function compareMetric(
  id: string,
  xs: number[],
  ys: number[],
  o: Resolved,
): MetricComparison {
  const info = metricInfo(id);
  const baseline = sideStats(xs), candidate = sideStats(ys);
  const m: MetricComparison = {
    id,
    label: info?.label ?? id,
    unit: info?.unit ?? "",
    better: info?.better ?? "neither",
    baseline,
    candidate,
    change: null,
    ci: null,
    p: null,
    pAdjusted: null,
    significant: false,
    verdict: "inconclusive",
    detectable: null,
    trialsNeeded: null,
  };
  if (xs.length === 0 || ys.length === 0) {
    const missing = [xs.length === 0 ? "baseline" : "", ys.length === 0 ? "candidate" : ""]
      .filter(Boolean).join(" and the ");
    m.note = `inconclusive: not measured in the ${missing} (no complete trial with a value)`;
    return m;
  }
  const positive = xs.every((v) => v > 0) && ys.every((v) => v > 0);
  const need = minTrialsToReach(o.test, o.alpha);
  if (positive) {
    const lx = xs.map(Math.log), ly = ys.map(Math.log);
    const sdLogA = sdOf(lx), sdLogB = sdOf(ly);
    // The SD of a side with one value is unknown: the pooled SD is over the sides with two or more.
    const sds = [[xs.length, sdLogA], [ys.length, sdLogB]].filter(([n]) => n >= 2).map(([, s]) =>
      s
    );
    if (o.detect !== undefined && sds.length > 0) {
      const sdLog = Math.sqrt(sds.reduce((a, s) => a + s * s, 0) / sds.length);
      m.trialsNeeded = finiteOrNull(
        trialsNeeded({ change: o.detect, sdLog, alpha: o.alpha, power: o.power }),
      );
    }
    if (xs.length < need || ys.length < need) {
      // The ratio of geometric means, without an interval: no test could decide.
      m.change = Math.exp(mean(ly) - mean(lx)) - 1;
      m.note = `inconclusive: need ≥ ${need} trials per side (${xs.length} vs ${ys.length})`;
      return m;
    }
    const r = constantSides(xs, ys) ?? ratioInterval(xs, ys, o);
    m.change = r.ratio - 1;
    m.ci = [r.ci[0] - 1, r.ci[1] - 1];
    m.p = r.p;
    if (sdLogA === 0 && sdLogB === 0) m.note = "no variation between trials on either side";
    LOG_SDS.set(m, { sdLogA, sdLogB });
    return m;
  }
  // Values ≤ 0: no logarithm. The difference of means, relative to the baseline mean.
  const fallback = "values ≤ 0: change is the difference of means relative to the baseline " +
    "mean, with a Welch interval";
  if (xs.length < need || ys.length < need) {
    if (baseline.mean > 0) m.change = candidate.mean / baseline.mean - 1;
    m.note = `inconclusive: need ≥ ${need} trials per side (${xs.length} vs ${ys.length})`;
    return m;
  }
  const d = candidate.mean - baseline.mean;
  const same = baseline.sd === 0 && candidate.sd === 0;
  let half: number, p: number;
  if (same) {
    half = 0;
    p = d === 0 ? 1 : 0;
  } else {
    const w = welchTTest(ys, xs);
    half = tQuantile(1 - (1 - o.confidence) / 2, w.df) * w.se;
    p = o.test === "welch" ? w.p : mannWhitneyU(ys, xs).p;
  }
  m.p = p;
  if (baseline.mean > 0) {
    m.change = d / baseline.mean;
    m.ci = [(d - half) / baseline.mean, (d + half) / baseline.mean];
    m.note = fallback;
  } else {
    m.note = `${fallback}; the baseline mean is ${baseline.mean}, so there is no relative change`;
  }
  return m;
}

/** Both sides without variation: the ratio is exact (p 1 when equal, 0 when not). */
function constantSides(xs: number[], ys: number[]): RatioInterval | null {
  if (sdOf(xs) !== 0 || sdOf(ys) !== 0) return null;
  const ratio = ys[0] / xs[0];
  return { ratio, ci: [ratio, ratio], p: ratio === 1 ? 1 : 0, df: NaN };
}

function ratioInterval(xs: number[], ys: number[], o: Resolved): RatioInterval {
  return o.test === "welch"
    ? welchLogRatio(xs, ys, o.confidence)
    : hodgesLehmannRatio(xs, ys, o.confidence);
}

/** The log SDs of the metrics tested on logs, for their detectable change once `~`. */
const LOG_SDS = new WeakMap<MetricComparison, { sdLogA: number; sdLogB: number }>();

/**
 * Holm over the tested metrics of a level, then each metric's verdict, and
 * for a `~` the smallest change the runs could have detected (computed only
 * then: the power of Welch's test is a quadrature, not free).
 */
function adjust(metrics: MetricComparison[], o: Resolved): void {
  const tested = metrics.filter((m) => m.p !== null && Number.isFinite(m.p));
  const adjusted = holm(tested.map((m) => m.p as number));
  tested.forEach((m, i) => {
    m.pAdjusted = Math.min(1, adjusted[i]);
    // p ≤ alpha, as the tests and their exact intervals count it: the interval excludes no
    // change exactly when the test's p is significant.
    m.significant = m.pAdjusted <= o.alpha;
    if (!m.significant) {
      m.verdict = "no_difference";
      return;
    }
    const up = m.change !== null ? m.change > 0 : m.candidate.mean > m.baseline.mean;
    if (m.better === "neither") {
      m.verdict = "inconclusive";
      const why = `changed significantly, but ${m.id} has no better direction`;
      m.note = m.note ? `${m.note}; ${why}` : why;
    } else m.verdict = (m.better === "lower") === up ? "regression" : "improvement";
  });
  for (const m of metrics) {
    const sds = LOG_SDS.get(m);
    if (m.verdict !== "no_difference" || sds === undefined) continue;
    m.detectable = finiteOrNull(minimumDetectableChange({
      nA: m.baseline.n,
      nB: m.candidate.n,
      ...sds,
      alpha: o.alpha,
      power: o.power,
    }));
  }
}

function mean(v: readonly number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
