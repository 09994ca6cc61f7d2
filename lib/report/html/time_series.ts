/**
 * The per-second time series of every trial, laid end to end: output
 * tokens per second, requests in flight and completions per second, one
 * colour per level. They show what a trial's single numbers average away:
 * warm-up, stalls, a server that slows down over a trial, saturation.
 *
 * @module
 */

import type { ResultsDocument, TimeSeries } from "../../results/document.ts";
import { note } from "./_util.ts";
import { levelLabel } from "../../results/level_label.ts";
import { escapeHtml } from "./escape.ts";
import type { ChartRule, ChartSeries, ChartSpec, HtmlSection, SectionContext } from "./types.ts";

/** The series plotted: a field of the time series, its chart title and axis. */
const MEASURES: {
  name: string;
  axis: string;
  values: (ts: TimeSeries) => number[];
}[] = [
  {
    name: "Output token throughput",
    axis: "Output tokens/s",
    values: (ts) => ts.outputTokensPerS,
  },
  { name: "Requests in flight", axis: "Requests in flight (mean)", values: (ts) => ts.inFlight },
  {
    name: "Completed requests",
    axis: "Completed requests/s",
    values: (ts) => ts.completed.map((c) => c / ts.intervalS),
  },
];

const BOUNDARY_COLOR = "#8c959f";

function runCharts(
  doc: ResultsDocument,
  ctx: SectionContext,
): { html: string[]; specs: ChartSpec[] } {
  const html: string[] = [];
  const specs: ChartSpec[] = [];
  for (const m of MEASURES) {
    const series: ChartSeries[] = [];
    const rules: ChartRule[] = [];
    let offset = 0;
    doc.levels.forEach((l, li) => {
      const x: number[] = [];
      const y: (number | null)[] = [];
      l.trials.forEach((t, ti) => {
        const ts = t.timeSeries;
        if (!ts || ts.completed.length === 0) return;
        if (offset > 0) {
          rules.push({
            axis: "x",
            value: offset,
            label: ti === 0 ? levelLabel(l) : "",
            color: BOUNDARY_COLOR,
          });
        }
        if (x.length > 0) {
          x.push(offset); // a break between this level's trials
          y.push(null);
        }
        let values = m.values(ts);
        // The last bucket ends with the trial (its duration): scaled from the part it covers to
        // a full bucket, or left out when it covers almost nothing.
        const d = t.metrics.duration_s;
        let last = ts.intervalS;
        if (Number.isFinite(d)) {
          const partial = d - (values.length - 1) * ts.intervalS;
          if (partial < 0.05 * ts.intervalS && values.length > 1) values = values.slice(0, -1);
          else if (partial < ts.intervalS) last = Math.max(partial, 0.05 * ts.intervalS);
        }
        const n = values.length;
        values.forEach((v, i) => {
          const width = i === n - 1 ? last : ts.intervalS;
          x.push(offset + i * ts.intervalS + width / 2);
          y.push(Number.isFinite(v) ? v * (ts.intervalS / width) : null);
        });
        offset += (n - 1) * ts.intervalS + last;
      });
      if (x.length === 0) return;
      series.push({
        label: `${levelLabel(l)}`,
        color: ctx.levelColor(li, doc.levels.length),
        x,
        y,
      });
    });
    if (series.length === 0) continue;
    const chart = ctx.chart(m.name, {
      x: { label: "Time (s, trials end to end)" },
      y: { label: m.axis, min: 0 },
      series,
      rules,
      height: 240,
    });
    html.push(chart.html);
    specs.push(chart.spec);
  }
  return { html, specs };
}

/**
 * The time-series section: for each run, three charts (output tokens/s,
 * requests in flight, completions/s) with every trial of every level one
 * after another, a level per colour, trials separated by a line. Absent
 * when no trial has a time series.
 *
 * @example
 * ```ts
 * import { timeSeriesSection } from "./time_series.ts";
 * import { fixtureDocument } from "../../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const timeSeries = { intervalS: 1, completed: [2, 3], outputTokensPerS: [40, 60], inFlight: [1, 1] };
 * const trial = { metrics: {}, errors: {}, complete: true, timeSeries };
 * const doc = fixtureDocument([
 *   { mode: "latency", concurrency: 1, trials: [trial, trial], summary: {}, errors: {} },
 * ]);
 * const ctx = {
 *   chart: (_c: string, spec: object) => ({ html: "<figure></figure>", spec: { id: "c", ...spec } }),
 *   runColor: () => "#000", levelColor: () => "#111", runDash: () => undefined,
 * };
 * const out = timeSeriesSection.render({ runs: [{ name: "a", doc }] }, ctx as never)!;
 * assert.equal(out.charts.length, 3);
 * // Two trials of two seconds, end to end, with a break (null) between them.
 * assert.deepEqual(out.charts[0].series[0].x, [0.5, 1.5, 2, 2.5, 3.5]);
 * assert.deepEqual(out.charts[0].series[0].y, [40, 60, null, 40, 60]);
 *
 * const bare = fixtureDocument([{ mode: "latency", concurrency: 1, trials: [], summary: {}, errors: {} }]);
 * assert.equal(timeSeriesSection.render({ runs: [{ name: "a", doc: bare }] }, ctx as never), null);
 * ```
 */
export const timeSeriesSection: HtmlSection = {
  id: "time-series",
  title: "Over time",
  render(input, ctx) {
    const many = input.runs.length > 1;
    const parts: string[] = [];
    const charts: ChartSpec[] = [];
    for (const run of input.runs) {
      const { html, specs } = runCharts(run.doc, ctx);
      if (specs.length === 0) continue;
      parts.push(
        (many ? `<h3>${escapeHtml(run.name)}</h3>` : "") +
          `<div class="grid three">${html.join("")}</div>`,
      );
      charts.push(...specs);
    }
    if (charts.length === 0) return null;
    return {
      html: parts.join("") +
        note(
          "Per second of each trial, the trials of each level one after another (warm-up and " +
            "the pauses between trials are left out; grey lines mark where a trial starts). " +
            "A trial's last, partial second is scaled to a full second.",
        ),
      charts,
    };
  },
};
