/**
 * Number formatting shared by the console table and the Markdown output.
 *
 * A value is printed to the precision its interval supports: two
 * significant digits of the interval's half-width decide the last decimal
 * shown, and the value is printed to that decimal (`45.2 ± 2.1`, not
 * `45.213 ± 2.132`; `1,245 ± 42`). Rounding never reaches into the integer
 * digits: a half-width of 114 on 2,228 prints `2,228 ± 114`, not `2,230 ±
 * 110`, whose zeros would read as measured digits. Thousands are separated
 * with commas.
 *
 * Two kinds of interval are shown, each the one way that fits it:
 * - a mean over trials has a symmetric Student-t interval: `value ± half-width`;
 * - a percentile (or other statistic) of the requests pooled over trials has
 *   a distribution-free interval that is not symmetric about the value (a
 *   p99's upper side is usually longer): `value (low–high)`, both bounds
 *   printed, since a `±` would hide the asymmetry. Its precision comes from
 *   half the interval's width, as for a mean.
 *
 * Counts (requests, tokens) print as integers with no interval (a mean of
 * counts that is not whole, from trials that differ, keeps one decimal), so
 * no `± 0` appears. A value without an interval prints with three
 * significant digits (but every integer digit): `5.51`, `0.0707`, `1,246`.
 * A zero-width interval prints as `value ± 0`, the value at three
 * significant digits.
 *
 * @module
 */

import { metricInfo } from "../metrics/ids.ts";

/** Most decimals ever shown (a half-width of 1e-12 ms means nothing more). */
const MAX_DECIMALS = 12;

/**
 * Formats a metric value the compact way the comparison and regression
 * tables use (by the metric's unit, `lib/metrics/ids.ts`): counts as
 * integers, ratios with three decimals, everything else with two (or three
 * significant digits when small); an infinite value (a failure-adjusted
 * percentile past the completed requests) as `∞`. The results table uses
 * {@linkcode formatEstimate} instead, which rounds to the interval.
 *
 * @param id Metric id.
 * @param v Value.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { formatValue } from "./format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatValue("ttft_p50_ms", 41.234), "41.23");
 * assert.equal(formatValue("requests_completed", 30), "30");
 * assert.equal(formatValue("goodput_ratio", 0.5), "0.500");
 * assert.equal(formatValue("reasoning_tokens_total", 1.5), "1.5");
 * assert.equal(formatValue("e2e_failure_adjusted_p99_ms", Infinity), "∞");
 * ```
 */
export function formatValue(id: string, v: number): string {
  if (v === Infinity) return "∞";
  if (!Number.isFinite(v)) return String(v);
  const count = isCountMetric(id);
  if (count) return Number.isInteger(v) ? String(v) : v.toFixed(1);
  const unit = metricInfo(id)?.unit;
  if (unit === "ratio" || (unit === undefined && id.endsWith("_ratio"))) return v.toFixed(3);
  const a = Math.abs(v);
  if (a !== 0 && a < 0.1) return v.toPrecision(3);
  return v.toFixed(2);
}

/**
 * Whether a metric counts things (requests, tokens): shown as an integer,
 * without an interval.
 *
 * @param id Metric id.
 * @returns True for counts.
 *
 * @example
 * ```ts
 * import { isCountMetric } from "./format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isCountMetric("requests_completed"), true);
 * assert.equal(isCountMetric("output_tokens_total"), true);
 * assert.equal(isCountMetric("throughput_tokens_per_sec"), false);
 * assert.equal(isCountMetric("engine_waiting_mean"), false);
 * ```
 */
export function isCountMetric(id: string): boolean {
  // An engine's mean queue depth is in requests but is no count: it has decimals and an interval.
  if (/_mean$/.test(id)) return false;
  const unit = metricInfo(id)?.unit;
  return unit === "requests" || unit === "tokens" ||
    (unit === undefined && /^requests_|_total$/.test(id));
}

/**
 * Puts a comma between each group of three integer digits of a number's text.
 *
 * @param text A number as `toFixed` writes it (`-1245.5`).
 * @returns The text grouped (`-1,245.5`).
 *
 * @example
 * ```ts
 * import { groupThousands } from "./format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(groupThousands("1245"), "1,245");
 * assert.equal(groupThousands("-1234567.891"), "-1,234,567.891");
 * assert.equal(groupThousands("999.5"), "999.5");
 * ```
 */
export function groupThousands(text: string): string {
  const m = /^(-?)(\d+)(.*)$/.exec(text);
  if (!m) return text;
  return m[1] + m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + m[3];
}

/**
 * A number with a fixed number of decimals, thousands separated; `-0`
 * prints as `0`; infinities as `∞` and `-∞`; NaN as `—`.
 *
 * @param v The number.
 * @param decimals Decimals to show (0 to 12).
 * @returns The text.
 *
 * @example
 * ```ts
 * import { formatFixed } from "./format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatFixed(1245.26, 1), "1,245.3");
 * assert.equal(formatFixed(-0.004, 2), "0.00");
 * assert.equal(formatFixed(Infinity, 2), "∞");
 * ```
 */
export function formatFixed(v: number, decimals: number): string {
  if (Number.isNaN(v)) return "—";
  if (v === Infinity) return "∞";
  if (v === -Infinity) return "-∞";
  const d = Math.min(MAX_DECIMALS, Math.max(0, Math.round(decimals)));
  const text = v.toFixed(d);
  // A small negative value rounded to zero is zero.
  return groupThousands(/^-0(\.0*)?$/.test(text) ? text.slice(1) : text);
}

/**
 * The decimals that show `digits` significant digits of a number (never
 * fewer than 0: integer digits are all shown).
 *
 * @param v The number.
 * @param digits Significant digits.
 * @returns The decimals (0 for 0 and for numbers that are not finite).
 *
 * @example
 * ```ts
 * import { significantDecimals } from "./format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(significantDecimals(45.213, 3), 1);
 * assert.equal(significantDecimals(0.0707, 3), 4);
 * assert.equal(significantDecimals(1245, 3), 0);
 * assert.equal(significantDecimals(2.132, 2), 1);
 * ```
 */
export function significantDecimals(v: number, digits: number): number {
  if (v === 0 || !Number.isFinite(v)) return 0;
  // The exponent as toExponential writes it, which agrees with how the number rounds.
  const exp = Number(Math.abs(v).toExponential(digits - 1).split("e")[1]);
  return Math.min(MAX_DECIMALS, Math.max(0, digits - 1 - exp));
}

/**
 * A number at three significant digits (all its integer digits kept),
 * thousands separated: how a value without an interval is shown.
 *
 * @param v The number.
 * @param digits Significant digits. @default 3
 * @returns The text.
 *
 * @example
 * ```ts
 * import { formatSignificant } from "./format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatSignificant(5.5123), "5.51");
 * assert.equal(formatSignificant(0.070712), "0.0707");
 * assert.equal(formatSignificant(1245.6), "1,246");
 * assert.equal(formatSignificant(99.96), "100");
 * ```
 */
export function formatSignificant(v: number, digits = 3): string {
  return formatFixed(v, significantDecimals(v, digits));
}

/** What {@linkcode formatEstimate} shows: a value and, when there is one, its interval. */
export interface Estimate {
  /** The value. */
  value: number;
  /** The interval, or null. */
  ci: [number, number] | null;
  /** `pooled`: a statistic of the pooled requests (asymmetric interval); absent: a mean over trials. */
  basis?: "pooled";
}

/**
 * A metric's value with its interval, rounded to what the interval
 * supports (see the module doc): `45.2 ± 2.1` for a mean over trials,
 * `57.7 (55.1–61.0)` for a pooled percentile, `16` for a count, `5.51` for
 * a value without an interval.
 *
 * @param id Metric id (decides whether it is a count).
 * @param e The value and its interval.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { formatEstimate } from "./format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatEstimate("ttft_mean_ms", { value: 45.213, ci: [43.081, 47.345] }), "45.2 ± 2.1");
 * assert.equal(formatEstimate("throughput_tokens_per_sec", { value: 1245.3, ci: [1203, 1287.6] }), "1,245 ± 42");
 * assert.equal(
 *   formatEstimate("ttft_p50_ms", { value: 57.704, ci: [55.13, 61.02], basis: "pooled" }),
 *   "57.7 (55.1–61.0)",
 * );
 * assert.equal(formatEstimate("requests_completed", { value: 64, ci: [64, 64] }), "64");
 * assert.equal(formatEstimate("itl_p99_ms", { value: 7.5912, ci: null }), "7.59");
 * ```
 */
export function formatEstimate(id: string, e: Estimate): string {
  const { value, ci } = e;
  if (Number.isNaN(value)) return "—";
  if (isCountMetric(id)) {
    return Number.isFinite(value) && !Number.isInteger(value)
      ? formatFixed(value, 1)
      : formatFixed(value, 0);
  }
  if (!ci || !Number.isFinite(value)) return formatSignificant(value);
  const [low, high] = ci;
  const half = (high - low) / 2;
  if (e.basis === "pooled") {
    const d = Number.isFinite(half) && half > 0
      ? significantDecimals(half, 2)
      : significantDecimals(value, 3);
    return `${formatFixed(value, d)} (${formatFixed(low, d)}–${formatFixed(high, d)})`;
  }
  if (!Number.isFinite(half)) return `${formatSignificant(value)} ± ∞`;
  if (half <= 0) return `${formatSignificant(value)} ± 0`;
  const d = significantDecimals(half, 2);
  return `${formatFixed(value, d)} ± ${formatFixed(half, d)}`;
}
