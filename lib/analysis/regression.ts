/**
 * Regression checks: did the current run get worse than the baseline by
 * more than a threshold, and is that real? Pure: two results documents in,
 * one verdict per checked metric and level out.
 *
 * Thresholds are relative changes per metric id: positive = the largest
 * allowed increase, negative = the largest allowed decrease. Under the
 * default policy (`significant`), a metric regresses when its change is
 * beyond the threshold **and** significant: a one-sided test in the bad
 * direction on the trial-level values of both sides (Welch's t on the logs,
 * or Mann–Whitney U), Holm-adjusted across the checked metrics of the level.
 * Under `point`, the point estimate alone decides (for single-trial runs).
 *
 * @module
 */

import { ConfigError, type ConfigIssue, renderValue } from "../config/errors.ts";
import {
  FAILURE_ADJUSTED_METRICS,
  LATENCY_DISTRIBUTIONS,
  type MetricInfo,
  metricInfo,
  SCALAR_METRICS,
} from "../metrics/ids.ts";
import type { LevelResult, ResultsDocument } from "../results/document.ts";
import { DISTRIBUTION_STATS } from "../stats/describe.ts";
import { minTrialsToReach } from "../stats/power.ts";
import {
  type Alternative,
  hodgesLehmannRatio,
  holm,
  mannWhitneyU,
  welchLogRatio,
  welchTTest,
} from "../stats/tests.ts";
import { likeForLike, matchLevels, trialValues } from "./compare.ts";

/** How a change beyond its threshold is judged. */
export type RegressionPolicy = "significant" | "point";

/** What a checked metric came to. */
export type RegressionVerdict = "ok" | "regression" | "improvement" | "inconclusive";

/** Options of {@linkcode checkRegressions}. */
export interface RegressionOptions {
  /**
   * Metric id → relative change allowed: positive = the largest allowed
   * increase (`ttft_p99_ms: 0.10`), negative = the largest allowed decrease
   * (`throughput_tokens_per_sec: -0.05`). The sign must be the bad direction
   * of the metric (an increase of a throughput is never a regression).
   */
  thresholds: Readonly<Record<string, number>>;
  /**
   * `significant`: beyond the threshold and significant (one-sided,
   * Holm-adjusted); needs enough trials per side, else inconclusive.
   * `point`: beyond the threshold by the point estimate (single-trial runs).
   * @default "significant"
   */
  policy?: RegressionPolicy;
  /** Significance level of the one-sided tests (after Holm's adjustment). @default 0.05 */
  alpha?: number;
  /**
   * `welch`: Welch's t on the logs (change = ratio of geometric means − 1);
   * `mann-whitney`: Mann–Whitney U (change = Hodges–Lehmann ratio − 1).
   * @default "welch"
   */
  test?: "welch" | "mann-whitney";
}

/** One checked metric of one level. */
export interface RegressionRow {
  /** Metric id. */
  id: string;
  /** Label for people (the metric table). */
  label: string;
  /** Unit (the metric table). */
  unit: MetricInfo["unit"];
  /** Which direction is better. */
  better: MetricInfo["better"];
  /** Mean over the baseline's complete trials (NaN when it has none). */
  before: number;
  /** Mean over the current run's complete trials (NaN when it has none). */
  after: number;
  /** Baseline trials with a value. */
  nBefore: number;
  /** Current trials with a value. */
  nAfter: number;
  /**
   * Current/baseline − 1: the ratio of geometric means (Welch) or the
   * Hodges–Lehmann ratio (Mann–Whitney) with ≥ 2 trials per side and
   * positive values, else the ratio of the means; null when not measured.
   */
  change: number | null;
  /** The two-sided `1 − alpha` interval of the change; null without one. */
  ci: [number, number] | null;
  /** The threshold (relative change). */
  threshold: number;
  /** One-sided p in the direction of the observed change; null without a test. */
  p: number | null;
  /** `p` adjusted with Holm's method across the level's tested metrics. */
  pAdjusted: number | null;
  /** The verdict. */
  verdict: RegressionVerdict;
  /** Why the verdict is what it is, when it needs saying. */
  note?: string;
}

/** The checked metrics of one pair of matched levels. */
export interface RegressionLevel {
  /** `c=8`, `burst 64`, `r=4/s`. */
  label: string;
  /** The level's mode. */
  mode: LevelResult["mode"];
  /** Its concurrency. */
  concurrency: number;
  /** Serve mode: its request rate. */
  requestRate?: number | "inf";
  /** Index of the level in the baseline. */
  baselineIndex: number;
  /** Index of the level in the current run. */
  currentIndex: number;
  /** Complete trials of the baseline level. */
  baselineTrials: number;
  /** Complete trials of the current level. */
  currentTrials: number;
  /** One row per threshold, in the order given. */
  rows: RegressionRow[];
}

/** What {@linkcode checkRegressions} found. */
export interface RegressionResult {
  /** The policy used. */
  policy: RegressionPolicy;
  /** The test used. */
  test: "welch" | "mann-whitney";
  /** Significance level. */
  alpha: number;
  /** Confidence level of the intervals (`1 − alpha`). */
  confidence: number;
  /** Trials per side the test needs to reach `alpha` one-sided at all. */
  trialsNeeded: number;
  /** The matched levels, in the current run's order. */
  levels: RegressionLevel[];
  /** Rows whose verdict is `regression`, over all levels. */
  regressions: number;
  /** Rows whose verdict is `improvement`. */
  improvements: number;
  /** Rows whose verdict is `inconclusive`. */
  inconclusive: number;
  /** Levels of either run with no counterpart in the other (never silently dropped). */
  unmatched: { side: "baseline" | "current"; label: string }[];
  /** What differs between the runs besides the backend, and other things to know. */
  warnings: string[];
}

const WHAT = "regression check";

/**
 * The known metric ids in short form, for the message that refuses an unknown one.
 *
 * @returns The text.
 */
function knownIds(): string {
  return `<name>_<stat>_ms with name one of ${LATENCY_DISTRIBUTIONS.join(", ")} ` +
    `and stat one of ${DISTRIBUTION_STATS.join(", ")}; ${FAILURE_ADJUSTED_METRICS.join(", ")}; ` +
    SCALAR_METRICS.join(", ");
}

/** The known id nearest to a misspelt one (edit distance ≤ 3), if any. */
function nearest(id: string): string | undefined {
  const all = [
    ...LATENCY_DISTRIBUTIONS.flatMap((d) => DISTRIBUTION_STATS.map((s) => `${d}_${s}_ms`)),
    ...FAILURE_ADJUSTED_METRICS,
    ...SCALAR_METRICS,
  ];
  let best: string | undefined;
  let bestD = 4;
  for (const k of all) {
    const d = distance(id, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

function pct(x: number): string {
  return `${x > 0 ? "+" : ""}${Number((x * 100).toPrecision(4))} %`;
}

/**
 * Validates regression thresholds: known metric ids, finite relative
 * changes, each in the bad direction of its metric.
 *
 * @param thresholds Metric id → relative change.
 * @returns The thresholds as `[id, threshold, info]`, in the order given.
 * @throws {ConfigError} Naming every bad threshold: an unknown id (with the
 *   known ones), a value that is not a finite number, a threshold in the
 *   wrong direction for its metric, a decrease of 100 % or more, a zero for a
 *   metric without a better direction; or no threshold at all.
 *
 * @example
 * ```ts
 * import { validateThresholds } from "./regression.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(validateThresholds({ ttft_p99_ms: 0.1, throughput_tokens_per_sec: -0.05 }).length, 2);
 * assert.throws(
 *   () => validateThresholds({ throughput_tokens_per_sec: 0.1 }),
 *   /'thresholds.throughput_tokens_per_sec' must be negative .*higher-is-better.*got \+10 %/,
 * );
 * assert.throws(() => validateThresholds({ ttft_p99: 0.1 }), /a metric id splleed produces \(did you mean ttft_p99_ms\?/);
 * ```
 */
export function validateThresholds(
  thresholds: Readonly<Record<string, number>>,
): [string, number, MetricInfo][] {
  const issues: ConfigIssue[] = [];
  const out: [string, number, MetricInfo][] = [];
  if (typeof thresholds !== "object" || thresholds === null) {
    throw new ConfigError(WHAT, [{
      path: "thresholds",
      expected: "a mapping of metric id to relative change, such as { ttft_p99_ms: 0.1 }",
      received: renderValue(thresholds),
    }]);
  }
  const entries = Object.entries(thresholds);
  if (entries.length === 0) {
    issues.push({
      path: "thresholds",
      expected: "at least one threshold, such as { ttft_p99_ms: 0.1 } (+10 %)",
      received: "none",
    });
  }
  for (const [id, t] of entries) {
    const path = `thresholds.${id}`;
    const info = metricInfo(id);
    if (!info) {
      const near = nearest(id);
      issues.push({
        path,
        expected: `a metric id splleed produces (${
          near ? `did you mean ${near}? ` : ""
        }known: ${knownIds()})`,
        received: `the unknown id '${id}'`,
      });
      continue;
    }
    if (typeof t !== "number" || !Number.isFinite(t)) {
      issues.push({
        path,
        expected: "a relative change such as 0.1 (+10 %) or -0.05 (-5 %)",
        received: renderValue(t),
      });
      continue;
    }
    if (info.better === "higher" && t > 0) {
      issues.push({
        path,
        expected: `negative (the largest allowed decrease): ${id} is higher-is-better, ` +
          `so an increase is never a regression; write ${pct(-t)}`,
        received: pct(t),
      });
      continue;
    }
    if (info.better === "lower" && t < 0) {
      issues.push({
        path,
        expected: `positive (the largest allowed increase): ${id} is lower-is-better, ` +
          `so a decrease is never a regression; write ${pct(-t)}`,
        received: pct(t),
      });
      continue;
    }
    if (t <= -1) {
      issues.push({
        path,
        expected: "a decrease of less than 100 % (greater than -1)",
        received: pct(t),
      });
      continue;
    }
    if (info.better === "neither" && t === 0) {
      issues.push({
        path,
        expected: `non-zero: ${id} has no better direction, so the sign of its threshold ` +
          "says which change is a regression",
        received: "0",
      });
      continue;
    }
    out.push([id, t, info]);
  }
  if (issues.length > 0) throw new ConfigError(WHAT, issues);
  return out;
}

function mean(v: readonly number[]): number {
  return v.length === 0 ? NaN : v.reduce((a, b) => a + b, 0) / v.length;
}

function constant(v: readonly number[]): boolean {
  return v.every((x) => x === v[0]);
}

/** The label of a level, as the results table writes it. */
function label(l: Pick<LevelResult, "mode" | "concurrency" | "requestRate">): string {
  return l.mode === "throughput"
    ? `burst ${l.concurrency}`
    : l.mode === "serve"
    ? `r=${l.requestRate === "inf" ? "inf" : `${l.requestRate}/s`}`
    : `c=${l.concurrency}`;
}

/** The estimate and the one-sided test of one metric, before the verdict. */
interface Estimate {
  change: number | null;
  ci: [number, number] | null;
  p: number | null;
  note?: string;
}

/**
 * `x` baseline, `y` current; `up`: whether to test for an increase of `y`.
 * The contract's alternatives are about `x`: `less` = x below y (y increased).
 */
function estimate(
  x: number[],
  y: number[],
  up: boolean,
  confidence: number,
  test: "welch" | "mann-whitney",
): Estimate {
  const mx = mean(x);
  const my = mean(y);
  const meanChange = mx === 0 ? (my === 0 ? 0 : my > 0 ? Infinity : -Infinity) : my / mx - 1;
  if (x.length < 2 || y.length < 2) return { change: meanChange, ci: null, p: null };
  const alt = (increase: boolean): Alternative => increase ? "less" : "greater";
  if (x.some((v) => v <= 0) || y.some((v) => v <= 0)) {
    // No ratio on the logs: the change of the means, tested on the values.
    const dir = meanChange === 0 ? up : meanChange > 0;
    let p: number;
    if (test === "welch" && constant(x) && constant(y)) p = mx === my ? 1 : 0;
    else if (test === "welch") p = welchTTest(x, y, { alternative: alt(dir) }).p;
    else p = mannWhitneyU(x, y, { alternative: alt(dir) }).p;
    return {
      change: meanChange,
      ci: null,
      p,
      note: "values ≤ 0: change of the means, no interval",
    };
  }
  if (test === "welch" && constant(x) && constant(y)) {
    // No spread on either side: the difference is exactly what was measured.
    const change = y[0] / x[0] - 1;
    return { change, ci: [change, change], p: change === 0 ? 1 : 0 };
  }
  const ratio = test === "welch" ? welchLogRatio : hodgesLehmannRatio;
  const two = ratio(x, y, confidence);
  const change = two.ratio - 1;
  const dir = change === 0 ? up : change > 0;
  const one = ratio(x, y, confidence, { alternative: alt(dir) });
  // Too few trials for any interval at this confidence (rank methods): none shown.
  const ci: [number, number] | null = two.ci[0] <= 0 && two.ci[1] === Infinity
    ? null
    : [two.ci[0] - 1, two.ci[1] - 1];
  return { change, ci, p: one.p };
}

/**
 * Checks the current run against the baseline: for every level of the
 * current run that matches one of the baseline (by mode and concurrency or
 * request rate), one row per threshold with before, after, change, its
 * interval, the one-sided p (raw and Holm-adjusted) and a verdict.
 *
 * - `regression`: the change is beyond the threshold in the bad direction
 *   and (policy `significant`) significant at `alpha` after Holm's
 *   adjustment across the level's checked metrics.
 * - `improvement`: beyond the threshold's magnitude in the good direction,
 *   and significant likewise.
 * - `inconclusive`: too few trials for the test to reach `alpha` at all
 *   ("need ≥ N trials per side"), a metric one side did not measure, or a
 *   change beyond the threshold that is not significant.
 * - `ok`: anything else.
 *
 * @param baseline The baseline run's document.
 * @param current The current run's document.
 * @param o Thresholds, policy, alpha and test.
 * @returns The verdicts and their counts.
 * @throws {ConfigError} For a bad threshold (see {@linkcode validateThresholds}),
 *   a bad option, or when no level of the current run matches the baseline's.
 *
 * @example
 * ```ts
 * import { checkRegressions } from "./regression.ts";
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
 * const r = checkRegressions(doc([40, 41, 39, 40]), doc([50, 51, 49, 50]), {
 *   thresholds: { ttft_p99_ms: 0.10 },
 * });
 * assert.equal(r.regressions, 1);
 * assert.equal(r.levels[0].rows[0].verdict, "regression");
 * assert.ok(Math.abs(r.levels[0].rows[0].change! - 0.25) < 0.01);
 * // Single trials: only the point estimate can decide.
 * const one = checkRegressions(doc([40]), doc([50]), { thresholds: { ttft_p99_ms: 0.1 } });
 * assert.equal(one.levels[0].rows[0].verdict, "inconclusive");
 * const point = checkRegressions(doc([40]), doc([50]), { thresholds: { ttft_p99_ms: 0.1 }, policy: "point" });
 * assert.equal(point.regressions, 1);
 * ```
 */
export function checkRegressions(
  baseline: ResultsDocument,
  current: ResultsDocument,
  o: RegressionOptions,
): RegressionResult {
  const thresholds = validateThresholds(o.thresholds);
  const policy = o.policy ?? "significant";
  const alpha = o.alpha ?? 0.05;
  const test = o.test ?? "welch";
  const issues: ConfigIssue[] = [];
  if (policy !== "significant" && policy !== "point") {
    issues.push({
      path: "policy",
      expected: '"significant" or "point"',
      received: renderValue(policy),
    });
  }
  if (typeof alpha !== "number" || !(alpha > 0 && alpha < 0.5)) {
    issues.push({
      path: "alpha",
      expected: "a number between 0 and 0.5",
      received: renderValue(alpha),
    });
  }
  if (test !== "welch" && test !== "mann-whitney") {
    issues.push({
      path: "test",
      expected: '"welch" or "mann-whitney"',
      received: renderValue(test),
    });
  }
  if (issues.length > 0) throw new ConfigError(WHAT, issues);

  const confidence = 1 - alpha;
  // The tests are one-sided; Welch needs 2 per side in any case.
  const need = Math.max(2, minTrialsToReach(test, alpha, { alternative: "greater" }));
  const { pairs, unmatched } = matchLevels(baseline, current);
  if (pairs.length === 0) {
    const list = (d: ResultsDocument) =>
      d.levels.length === 0 ? "none" : d.levels.map(label).join(", ");
    throw new ConfigError(WHAT, [{
      path: "",
      expected:
        `expected at least one level of the current run to match one of the baseline (by mode ` +
        `and concurrency or request rate; baseline levels: ${list(baseline)})`,
      received: `current levels ${list(current)}`,
    }]);
  }
  const warnings = [...likeForLike(baseline, current)];
  if (baseline.interrupted) {
    warnings.push(`the baseline run was interrupted (${baseline.interruption ?? "cut short"})`);
  }
  if (current.interrupted) {
    warnings.push(`the current run was interrupted (${current.interruption ?? "cut short"})`);
  }

  const levels: RegressionLevel[] = [];
  for (const [bi, ci] of [...pairs].sort((a, b) => a[1] - b[1])) {
    const lb = baseline.levels[bi];
    const lc = current.levels[ci];
    const rows: RegressionRow[] = [];
    const estimates: Estimate[] = [];
    for (const [id, threshold, info] of thresholds) {
      const x = trialValues(lb, id);
      const y = trialValues(lc, id);
      // The bad direction: an increase for lower-is-better (and for a positive threshold).
      const up = threshold > 0 || (threshold === 0 && info.better === "lower");
      const e: Estimate = x.length === 0 || y.length === 0
        ? {
          change: null,
          ci: null,
          p: null,
          note: x.length === 0 && y.length === 0
            ? "not measured in either run"
            : `not measured in the ${x.length === 0 ? "baseline" : "current run"}`,
        }
        : estimate(x, y, up, confidence, test);
      estimates.push(e);
      rows.push({
        id,
        label: info.label,
        unit: info.unit,
        better: info.better,
        before: mean(x),
        after: mean(y),
        nBefore: x.length,
        nAfter: y.length,
        change: e.change,
        ci: e.ci,
        threshold,
        p: e.p,
        pAdjusted: null,
        verdict: "ok",
        ...(e.note ? { note: e.note } : {}),
      });
    }
    const tested = rows.map((_, i) => i).filter((i) =>
      rows[i].p !== null && !Number.isNaN(rows[i].p)
    );
    const adjusted = holm(tested.map((i) => rows[i].p!));
    tested.forEach((i, k) => (rows[i].pAdjusted = adjusted[k]));
    for (const row of rows) judge(row, policy, alpha, need);
    const complete = (l: LevelResult) => l.trials.filter((t) => t.complete).length;
    levels.push({
      label: label(lc),
      mode: lc.mode,
      concurrency: lc.concurrency,
      ...(lc.requestRate !== undefined ? { requestRate: lc.requestRate } : {}),
      baselineIndex: bi,
      currentIndex: ci,
      baselineTrials: complete(lb),
      currentTrials: complete(lc),
      rows,
    });
  }
  const count = (v: RegressionVerdict) =>
    levels.reduce((n, l) => n + l.rows.filter((r) => r.verdict === v).length, 0);
  return {
    policy,
    test,
    alpha,
    confidence,
    trialsNeeded: need,
    levels,
    regressions: count("regression"),
    improvements: count("improvement"),
    inconclusive: count("inconclusive"),
    unmatched: unmatched.map((u) => ({
      side: u.side === "baseline" ? "baseline" as const : "current" as const,
      label: u.label,
    })),
    warnings,
  };
}

/** Sets a row's verdict (and note) from its change, threshold and adjusted p. */
function judge(row: RegressionRow, policy: RegressionPolicy, alpha: number, need: number): void {
  const { change, threshold: t } = row;
  if (change === null) {
    row.verdict = "inconclusive";
    return;
  }
  const up = t > 0 || (t === 0 && row.better === "lower");
  const bad = up ? change > t : change < t;
  const good = row.better !== "neither" && (up ? change < -Math.abs(t) : change > Math.abs(t));
  if (policy === "point") {
    row.verdict = bad ? "regression" : good ? "improvement" : "ok";
    return;
  }
  if (row.nBefore < need || row.nAfter < need || row.pAdjusted === null) {
    row.verdict = "inconclusive";
    const why = row.nBefore < need || row.nAfter < need
      ? `need ≥ ${need} trials per side (baseline ${row.nBefore}, current ${row.nAfter})`
      : "the test gave no p-value";
    row.note = row.note ? `${row.note}; ${why}` : why;
    return;
  }
  const significant = row.pAdjusted <= alpha;
  if (bad && significant) row.verdict = "regression";
  else if (bad) {
    row.verdict = "inconclusive";
    const why = `beyond the threshold but not significant (p adj. ${
      fmtP(row.pAdjusted)
    } > ${alpha}); more trials would decide`;
    row.note = row.note ? `${row.note}; ${why}` : why;
  } else if (good && significant) row.verdict = "improvement";
  else row.verdict = "ok";
}

function fmtP(p: number): string {
  return p < 0.001 ? "<0.001" : p.toFixed(3);
}
