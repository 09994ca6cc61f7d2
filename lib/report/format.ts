/**
 * Number formatting shared by the console table and Markdown output.
 *
 * @module
 */

import { metricInfo } from "../metrics/ids.ts";

/**
 * Formats a metric value for people, by the metric's unit (the metric table
 * in `lib/metrics/ids.ts`): counts as integers, ratios with three decimals,
 * everything else with two (or three significant digits when small); an
 * infinite value (a failure-adjusted percentile past the completed requests)
 * as `∞`.
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
  const unit = metricInfo(id)?.unit;
  const count = unit === "requests" || unit === "tokens" ||
    (unit === undefined && /^requests_|_total$/.test(id));
  if (count) return Number.isInteger(v) ? String(v) : v.toFixed(1);
  if (unit === "ratio" || (unit === undefined && id.endsWith("_ratio"))) return v.toFixed(3);
  const a = Math.abs(v);
  if (a !== 0 && a < 0.1) return v.toPrecision(3);
  return v.toFixed(2);
}
