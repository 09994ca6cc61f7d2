/**
 * A trend on the console: the metric across runs as a sparkline and a
 * table, then its change points with the runs and tags on each side
 * (`splleed history trend`).
 *
 * @module
 */

import Table from "npm:cli-table3@^0.6.5";
import { FG, greyBorders, paint } from "./_ansi.ts";
import type { Trend, TrendChange, TrendPoint } from "../analysis/trend.ts";
import { metricInfo } from "../metrics/ids.ts";
import { formatEstimate, formatSignificant } from "./format.ts";

const BARS = "▁▂▃▄▅▆▇█";

/**
 * A one-line chart of a series: one of `▁▂▃▄▅▆▇█` per value, scaled from
 * the smallest value to the largest; a value that is not a finite number
 * is a space; a constant series is all `▄`.
 *
 * @param values The series.
 * @returns One character per value.
 *
 * @example
 * ```ts
 * import { sparkline } from "./trend.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(sparkline([1, 2, 3, 4, 5, 6, 7, 8]), "▁▂▃▄▅▆▇█");
 * assert.equal(sparkline([41, 41, NaN, 48]), "▁▁ █");
 * assert.equal(sparkline([5, 5]), "▄▄");
 * assert.equal(sparkline([]), "");
 * ```
 */
export function sparkline(values: readonly number[]): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return " ".repeat(values.length);
  const lo = Math.min(...finite), hi = Math.max(...finite);
  return values.map((v) => {
    if (!Number.isFinite(v)) return " ";
    if (hi === lo) return BARS[3];
    return BARS[Math.min(7, Math.floor(((v - lo) / (hi - lo)) * 8))];
  }).join("");
}

/** Options of {@linkcode renderTrend}. */
export interface RenderTrendOptions {
  /**
   * Use terminal colour codes (headers cyan, a worse change red, a better one green).
   *
   * @default {false}
   */
  color?: boolean;
  /**
   * The significance level the trend's change points were searched at (for
   * the "no change point" line).
   *
   * @default {0.05}
   */
  alpha?: number;
}

/**
 * A trend as console text: a header (metric, level, number of runs, the
 * engine and model when all runs share one), the sparkline of the values,
 * a table of the runs (id, date, tags, value with its interval), and each
 * change point with the runs on each side and their tags, or "no change
 * point".
 *
 * @param trend The trend ({@linkcode buildTrend} in `analysis/trend.ts`).
 * @param options Colour, and the α of the search.
 * @returns The text (no trailing newline).
 *
 * @example
 * ```ts
 * import { buildTrend, type TrendPoint } from "../analysis/trend.ts";
 * import { renderTrend } from "./trend.ts";
 * import assert from "node:assert/strict";
 *
 * const values = [41, 40, 42, 41, 40, 41, 42, 40, 48, 49, 47, 48, 49, 48, 47, 48];
 * const points: TrendPoint[] = values.map((value, i) => ({
 *   runId: i + 1, startedAt: `2026-11-${String(i + 1).padStart(2, "0")}T02:00:00Z`,
 *   tags: { commit: `c${i + 1}` }, engine: "vllm", model: "m", fingerprint: "f",
 *   value, low: null, high: null, trials: [value],
 * }));
 * const text = renderTrend(buildTrend("ttft_p99_ms", "c=16", points));
 * assert.match(text, /ttft_p99_ms at c=16: 16 runs, vllm m/);
 * assert.match(text, /change at run 9 \(2026-11-09, commit=c9\): ttft_p99_ms 40\.9 → 48\.0 ms \(\+17\.4 %\), p = 0\.001; before: run 8/);
 * assert.ok(!text.includes("\x1b["));
 * ```
 */
export function renderTrend(trend: Trend, options: RenderTrendOptions = {}): string {
  const color = options.color ?? false;
  const cyan = (s: string) => color ? paint(FG.cyan, s) : s;
  const unit = metricInfo(trend.metric)?.unit;
  const { points } = trend;
  const lines: string[] = [];
  const engines = new Set(points.map((p) => p.engine));
  const models = new Set(points.map((p) => p.model));
  const same = engines.size === 1 && models.size === 1
    ? ` ${points[0].engine} ${points[0].model}`
    : "";
  lines.push(
    cyan(
      `${trend.metric} at ${trend.level}: ${points.length} run${points.length === 1 ? "" : "s"}`,
    ) +
      (same ? "," + same : ""),
  );
  if (points.length === 0) return lines.join("\n");
  if (engines.size > 1 || models.size > 1) {
    lines.push(
      `engines: ${[...engines].join(", ")}; models: ${
        [...models].join(", ")
      } (filter with --where to compare like with like)`,
    );
  }
  const fingerprints = new Set(points.map((p) => p.fingerprint));
  if (fingerprints.size > 1) {
    lines.push(
      `${fingerprints.size} workload fingerprints: runs on different workloads are not comparable (filter with --fingerprint)`,
    );
  }
  lines.push(sparkline(points.map((p) => p.value)));
  const changedAt = new Set(trend.changes.map((c) => c.index));
  // The marker column only when there is something to mark.
  const marks = changedAt.size > 0;
  const table = new Table({
    head: ["run", "date", "tags", unit ? `${trend.metric} (${unit})` : trend.metric, ""]
      .slice(0, marks ? 5 : 4)
      .map((h) => h && color ? paint(FG.cyan, h) : h),
    style: { compact: true, head: [], border: [] },
    colAligns: ["right", "left", "left", "right", "left"],
  });
  points.forEach((p, i) => {
    const row = [
      String(p.runId),
      day(p.startedAt),
      shortTags(p.tags),
      formatPoint(trend.metric, p),
    ];
    table.push(marks ? [...row, changedAt.has(i) ? "◀ change" : ""] : row);
  });
  const text = table.toString();
  lines.push(color ? greyBorders(text) : text);
  if (trend.changes.length === 0) {
    lines.push(`no change point (E-divisive, α = ${options.alpha ?? 0.05})`);
  }
  for (const c of trend.changes) lines.push(describeChange(trend.metric, c, unit, color));
  return lines.join("\n");
}

/** One change point as a sentence. */
function describeChange(
  metric: string,
  c: TrendChange,
  unit: string | undefined,
  color: boolean,
): string {
  const after = c.firstAfter, before = c.lastBefore;
  const pct = Number.isFinite(c.change)
    ? ` (${c.change >= 0 ? "+" : "−"}${formatSignificant(Math.abs(c.change) * 100)} %)`
    : "";
  const u = unit && unit !== "ratio" ? ` ${unit}` : "";
  const better = metricInfo(metric)?.better;
  const worse = better === "lower"
    ? c.after > c.before
    : better === "higher"
    ? c.after < c.before
    : null;
  const delta = `${metric} ${formatSignificant(c.before)} → ${
    formatSignificant(c.after)
  }${u}${pct}`;
  const shown = !color || worse === null ? delta : paint(worse ? FG.red : FG.green, delta);
  return `change at run ${after.runId} (${runLabel(after)}): ${shown}, p = ${formatP(c.pValue)}; ` +
    `before: run ${before.runId} (${runLabel(before)})`;
}

function runLabel(p: TrendPoint): string {
  const tags = shortTags(p.tags);
  return tags ? `${day(p.startedAt)}, ${tags}` : day(p.startedAt);
}

function day(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}/.test(iso) ? iso.slice(0, 10) : iso;
}

/** Tags as `k=v, k=v`, each value cut to 12 characters (a commit hash to its short form). */
function shortTags(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${[...v].length > 12 ? [...v].slice(0, 12).join("") + "…" : v}`)
    .join(", ");
}

function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}

/** The value with its interval: `± half-width` when symmetric (a mean), `(low–high)` when not. */
function formatPoint(metric: string, p: TrendPoint): string {
  if (p.low === null || p.high === null) {
    return formatEstimate(metric, { value: p.value, ci: null });
  }
  const symmetric = Math.abs((p.value - p.low) - (p.high - p.value)) <=
    1e-9 * Math.max(1, Math.abs(p.high - p.low));
  return formatEstimate(metric, {
    value: p.value,
    ci: [p.low, p.high],
    ...(symmetric ? {} : { basis: "pooled" as const }),
  });
}
