/**
 * Number formatting shared by the console table and Markdown output.
 *
 * @module
 */

/**
 * Formats a metric value for people: counts as integers, ratios with three
 * decimals, everything else with two (or three significant digits when small).
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
 * ```
 */
export function formatValue(id: string, v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (/^requests_|_total$/.test(id)) return Number.isInteger(v) ? String(v) : v.toFixed(1);
  if (id.endsWith("_ratio")) return v.toFixed(3);
  const a = Math.abs(v);
  if (a !== 0 && a < 0.1) return v.toPrecision(3);
  return v.toFixed(2);
}
