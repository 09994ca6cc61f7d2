/**
 * Trends as a self-contained HTML page (`splleed history trend --html`):
 * one chart per trend (the runs in time order, each value with its interval,
 * the mean of each segment between change points, a vertical marker at each
 * change point) and a table of the runs below. The page is the HTML
 * report's ({@linkcode renderHtmlReport}): the same shell, inlined uPlot,
 * Content-Security-Policy and escaping, with one section per trend.
 *
 * @module
 */

import { VERSION } from "../../version.ts";
import type { Trend } from "../../analysis/trend.ts";
import { metricInfo } from "../../metrics/ids.ts";
import { fmtNum, htmlTable, note } from "./_util.ts";
import { escapeHtml } from "./escape.ts";
import { renderHtmlReport } from "./render.ts";
import type {
  ChartRule,
  ChartSeries,
  HtmlSection,
  SectionContext,
  SectionOutput,
} from "./types.ts";

/** Options of {@linkcode renderTrendHtml}. */
export interface RenderTrendHtmlOptions {
  /**
   * The page's title.
   *
   * @default the metrics and levels of the trends
   */
  title?: string;
}

const CHANGE_COLOR = "#d1342f";
const SEGMENT_COLOR = "#8c959f";

/**
 * Renders trends as one self-contained HTML page that makes no network
 * request: per trend, a chart with x = the runs in time order (1 = the
 * oldest), y = the value with its interval as whiskers, the mean of each
 * segment as a dashed line, a red vertical marker between the last run
 * before each change point and the first after it; then the runs' table
 * (run id, date, tags, value, interval) and the change points in words.
 * Every string (tags, engines, models) is escaped.
 *
 * @param trends The trends ({@linkcode buildTrend} in `analysis/trend.ts`).
 * @param options The title.
 * @returns The HTML text.
 *
 * @example
 * ```ts
 * import { buildTrend, type TrendPoint } from "../../analysis/trend.ts";
 * import { renderTrendHtml } from "./trend.ts";
 * import assert from "node:assert/strict";
 *
 * const values = [41, 40, 42, 41, 40, 41, 42, 40, 48, 49, 47, 48, 49, 48, 47, 48];
 * const points: TrendPoint[] = values.map((value, i) => ({
 *   runId: i + 1, startedAt: `2026-11-${String(i + 1).padStart(2, "0")}T02:00:00Z`,
 *   tags: { commit: `<b>c${i + 1}</b>` }, engine: "vllm", model: "m", fingerprint: "f",
 *   value, low: value - 1, high: value + 1, trials: [value],
 * }));
 * const html = renderTrendHtml([buildTrend("ttft_p99_ms", "c=16", points)]);
 * assert.match(html, /^<!doctype html>/);
 * assert.ok(html.includes("commit=&lt;b&gt;c9&lt;/b&gt;"));
 * assert.ok(!html.includes("<b>c9"));
 * assert.match(html, /change at run 9/);
 * ```
 */
export function renderTrendHtml(
  trends: readonly Trend[],
  options: RenderTrendHtmlOptions = {},
): string {
  const sections: HtmlSection[] = trends.length === 0
    ? [{
      id: "trend",
      title: "Trend",
      render: () => ({ html: note("No runs matched: nothing to plot."), charts: [] }),
    }]
    : trends.map((trend, i) => ({
      id: `trend-${i + 1}`,
      title: `${trend.metric} at ${trend.level}`,
      render: (_input, ctx) => trendSection(trend, ctx),
    }));
  const title = options.title ??
    (trends.length === 0 ? "Trend" : trends.map((t) => `${t.metric} at ${t.level}`).join(", "));
  const runs = new Set(trends.flatMap((t) => t.points.map((p) => p.runId))).size;
  const changes = trends.reduce((n, t) => n + t.changes.length, 0);
  const subtitle = `Trend across ${runs} run${runs === 1 ? "" : "s"} · ${changes} change point${
    changes === 1 ? "" : "s"
  } (E-divisive with means)`;
  return renderHtmlReport({ title, runs: [], subtitle, version: VERSION }, { sections });
}

function trendSection(trend: Trend, ctx: SectionContext): SectionOutput {
  const { points, changes } = trend;
  if (points.length === 0) {
    return { html: note("No runs of this metric at this level."), charts: [] };
  }
  const info = metricInfo(trend.metric);
  const unit = info?.unit && info.unit !== "ratio" ? ` (${info.unit})` : "";
  const unitWord = info?.unit && info.unit !== "ratio" ? ` ${info.unit}` : "";
  const x = points.map((_, i) => i + 1);
  const finite = (v: number) => Number.isFinite(v) ? v : null;
  const series: ChartSeries[] = [{
    label: trend.metric,
    color: ctx.runColor(0),
    x,
    y: points.map((p) => finite(p.value)),
    lo: points.map((p) => p.low),
    hi: points.map((p) => p.high),
  }];
  // The mean of each segment between change points, as a dashed step
  // (null between segments: no vertical joins).
  if (changes.length > 0) {
    const bounds = [0, ...changes.map((c) => c.index), points.length];
    const segX: number[] = [], segY: (number | null)[] = [];
    for (let k = 0; k + 1 < bounds.length; k++) {
      const mean = k === 0 ? changes[0].before : changes[k - 1].after;
      if (k > 0) {
        segX.push(bounds[k] + 0.5);
        segY.push(null);
      }
      segX.push(bounds[k] + 0.5, bounds[k + 1] + 0.5);
      segY.push(mean, mean);
    }
    series.push({
      label: "segment mean",
      color: SEGMENT_COLOR,
      dash: [6, 4],
      x: segX,
      y: segY,
      points: false,
    });
  }
  const rules: ChartRule[] = changes.map((c) => ({
    axis: "x",
    value: c.index + 0.5,
    label: `change ${pct(c.change)}`,
    color: CHANGE_COLOR,
  }));
  const chart = ctx.chart(
    `${trend.metric} at ${trend.level}`,
    {
      x: { label: "Run, oldest first (dates in the table)" },
      y: { label: `${trend.metric}${unit}` },
      series,
      rules,
    },
    changes.length === 0
      ? "No change point (E-divisive with means, permutation test)."
      : `${changes.length} change point${
        changes.length === 1 ? "" : "s"
      } (red), segment means dashed.`,
  );
  const changedAt = new Set(changes.map((c) => c.index));
  const table = htmlTable(
    ["#", "run", "date", "tags", "engine", "model", `value${unit}`, "interval", ""],
    points.map((p, i) => [
      { html: String(i + 1), num: true },
      { html: escapeHtml(p.runId), num: true },
      escapeHtml(p.startedAt.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC")),
      escapeHtml(Object.entries(p.tags).map(([k, v]) => `${k}=${v}`).join(", ")),
      escapeHtml(p.engine),
      escapeHtml(p.model),
      { html: escapeHtml(fmtNum(p.value)), num: true },
      p.low === null || p.high === null ? "—" : escapeHtml(`${fmtNum(p.low)} – ${fmtNum(p.high)}`),
      changedAt.has(i) ? { html: "change", cls: "bad" } : "",
    ]),
  );
  const words = changes.map((c) =>
    `<li>${
      escapeHtml(
        `change at run ${c.firstAfter.runId} (${describe(c.firstAfter)}): ` +
          `${fmtNum(c.before)} → ${fmtNum(c.after)}${unitWord} (${pct(c.change)}), ` +
          `p = ${Number(c.pValue.toPrecision(2))}; before: run ${c.lastBefore.runId} (${
            describe(c.lastBefore)
          })`,
      )
    }</li>`
  ).join("");
  return {
    html: chart.html + (words ? `<ul class="changes">${words}</ul>` : "") + table,
    charts: [chart.spec],
  };
}

function describe(p: Trend["points"][number]): string {
  const tags = Object.entries(p.tags).map(([k, v]) => `${k}=${v}`).join(", ");
  return [p.startedAt.slice(0, 10), tags].filter(Boolean).join(", ");
}

function pct(change: number): string {
  if (!Number.isFinite(change)) return "";
  return `${change >= 0 ? "+" : "−"}${fmtNum(Math.abs(change) * 100)} %`;
}
