/**
 * Proof that an open-loop run delivered the load it claims: per level, the
 * requested, planned and achieved send rates (achieved as a share of the
 * plan, with the line below which the client fell behind), the schedule lag, the time queued for a slot,
 * the Kolmogorov–Smirnov check of the arrivals, and whether the client fell
 * behind — per trial, in a table.
 *
 * @module
 */

import { BEHIND_RATE_SHARE } from "../../metrics/load_delivered.ts";
import type { LevelResult, LoadDelivered, ResultsDocument } from "../../results/document.ts";
import { type Cell, fmtNum, htmlTable, note } from "./_util.ts";
import { levelLabel } from "../../results/level_label.ts";
import { escapeHtml } from "./escape.ts";
import type { ChartSeries, ChartSpec, HtmlSection, SectionContext } from "./types.ts";

interface Point {
  level: LevelResult;
  rate: number;
  loads: LoadDelivered[];
}

function points(doc: ResultsDocument): Point[] {
  return doc.levels.flatMap((level) => {
    const loads = level.trials.map((t) => t.load).filter((d): d is LoadDelivered => !!d);
    const rate = level.requestRate;
    return loads.length > 0 && typeof rate === "number" ? [{ level, rate, loads }] : [];
  }).sort((a, b) => a.rate - b.rate);
}

const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);
const nums = (v: (number | null | undefined)[]) =>
  v.filter((x): x is number => typeof x === "number" && Number.isFinite(x));

function rateSeries(pts: Point[], ctx: SectionContext, ri: number, prefix: string, many: boolean) {
  const share = (key: "plannedRate" | "requestedRate") =>
    pts.map((p) =>
      nums(p.loads.map((d) => {
        const base = d[key];
        return d.achievedRate !== null && base !== null && base > 0
          ? (d.achievedRate / base) * 100
          : null;
      }))
    );
  const ofPlan = share("plannedRate");
  const ofRequest = share("requestedRate");
  const series: ChartSeries[] = [{
    label: `${prefix}achieved / planned`,
    color: ctx.runColor(many ? ri : 0),
    x: pts.map((p) => p.rate),
    y: ofPlan.map(mean),
    lo: ofPlan.map((a) => (a.length ? Math.min(...a) : null)),
    hi: ofPlan.map((a) => (a.length ? Math.max(...a) : null)),
  }];
  if (ofRequest.some((a) => a.length > 0)) {
    series.push({
      label: `${prefix}achieved / requested`,
      color: ctx.runColor(many ? ri : 1),
      dash: [6, 4],
      x: pts.map((p) => p.rate),
      y: ofRequest.map(mean),
    });
  }
  return series;
}

function lagSeries(pts: Point[], ctx: SectionContext, ri: number, prefix: string, many: boolean) {
  const stats = [
    { key: "p50", dash: undefined },
    { key: "p99", dash: [6, 4] },
    { key: "max", dash: [2, 3] },
  ] as const;
  return stats.flatMap(({ key, dash }, si): ChartSeries[] => {
    const y = pts.map((p) => {
      const v = nums(p.loads.map((d) => d.scheduleLagMs?.[key]));
      return v.length ? (key === "p50" ? mean(v) : Math.max(...v)) : null;
    });
    if (y.every((v) => v === null)) return [];
    return [{
      label: `${prefix}lag ${key}`,
      color: ctx.runColor(many ? ri : si),
      ...(dash ? { dash: [...dash] } : {}),
      x: pts.map((p) => p.rate),
      y,
    }];
  });
}

function trialRows(doc: ResultsDocument): Cell[][] {
  const rows: Cell[][] = [];
  for (const l of doc.levels) {
    l.trials.forEach((t, ti) => {
      const d = t.load;
      if (!d) return;
      const f = (v: number | null | undefined) => fmtNum(v ?? null);
      const rate = (v: number | null) => (v === null || !Number.isFinite(v) ? "—" : v.toFixed(2));
      const lag = d.scheduleLagMs;
      const behind = d.fellBehind;
      rows.push([
        { html: escapeHtml(levelLabel(l)) },
        { html: String(ti + 1), num: true },
        { html: d.requestedRate === null ? "∞" : rate(d.requestedRate), num: true },
        { html: rate(d.plannedRate), num: true },
        { html: rate(d.achievedRate), num: true, cls: behind ? "bad" : "" },
        { html: `${fmtNum(d.sent)} / ${fmtNum(d.planned)}`, num: true },
        { html: lag ? `${f(lag.p50)} / ${f(lag.p99)} / ${f(lag.max)}` : "—", num: true },
        {
          html: d.queueMs ? `${fmtNum(d.queueMs.waited)} (p99 ${f(d.queueMs.p99)} ms)` : "—",
          num: true,
        },
        { html: d.ks ? `${fmtNum(d.ks.pValue)} (n ${fmtNum(d.ks.n)})` : "—", num: true },
        { html: behind ? "fell behind" : "delivered", cls: behind ? "bad" : "good" },
      ]);
    });
  }
  return rows;
}

const TABLE_HEAD = [
  "level",
  "trial",
  "requested (req/s)",
  "planned (req/s)",
  "achieved (req/s)",
  "sent / planned",
  "lag p50 / p99 / max (ms)",
  "queued for a slot",
  "KS p",
  "verdict",
];

/**
 * The load-delivered section of open-loop runs: achieved against requested
 * rate (as a share of the plan), the schedule lag per level, and every trial's figures
 * in a table. Absent when no trial has a load-delivered part (closed loop).
 *
 * @example
 * ```ts
 * import { loadSection } from "./load.ts";
 * import { fixtureDocument } from "../../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const load = { requestedRate: 8, plannedRate: 8.1, achievedRate: 8.05, planned: 50, sent: 50,
 *   scheduleLagMs: { p50: 0.05, p99: 0.4, max: 1.2 }, queueMs: null,
 *   ks: { statistic: 0.08, pValue: 0.6, n: 49 }, maxGapErrorMs: null, fellBehind: false };
 * const doc = fixtureDocument([{ mode: "serve", concurrency: 0, requestRate: 8, summary: {},
 *   errors: {}, trials: [{ metrics: {}, errors: {}, complete: true, load }] }], { mode: "serve" });
 * const ctx = {
 *   chart: (_c: string, spec: object) => ({ html: "<figure></figure>", spec: { id: "c", ...spec } }),
 *   runColor: () => "#000", levelColor: () => "#111", runDash: () => undefined,
 * };
 * const out = loadSection.render({ runs: [{ name: "a", doc }] }, ctx as never)!;
 * assert.equal(out.charts.length, 2);
 * assert.match(out.html, /8\.05/);
 * assert.match(out.html, /delivered/);
 *
 * const closed = fixtureDocument([]);
 * assert.equal(loadSection.render({ runs: [{ name: "a", doc: closed }] }, ctx as never), null);
 * ```
 */
export const loadSection: HtmlSection = {
  id: "load",
  title: "Load delivered",
  render(input, ctx) {
    const withLoad = input.runs.map((r, ri) => ({ r, ri })).filter(({ r }) =>
      r.doc.levels.some((l) => l.trials.some((t) => t.load !== undefined))
    );
    if (withLoad.length === 0) return null;
    const many = withLoad.length > 1;
    const rate: ChartSeries[] = [];
    const lag: ChartSeries[] = [];
    for (const { r, ri } of withLoad) {
      const pts = points(r.doc);
      if (pts.length === 0) continue;
      const prefix = many ? `${r.name} · ` : "";
      rate.push(...rateSeries(pts, ctx, ri, prefix, many));
      lag.push(...lagSeries(pts, ctx, ri, prefix, many));
    }
    const figures: string[] = [];
    const charts: ChartSpec[] = [];
    if (rate.length > 0) {
      const c = ctx.chart("Rate delivered", {
        x: { label: "Requested rate (req/s)" },
        y: { label: "Achieved send rate (% of plan)" },
        series: rate,
        rules: [
          { axis: "y", value: 100, label: "100 %", color: "#8c959f" },
          {
            axis: "y",
            value: BEHIND_RATE_SHARE * 100,
            label: `fell behind below ${Math.round(BEHIND_RATE_SHARE * 100)} %`,
            color: "#cf222e",
          },
        ],
      }, "Mean over trials; whiskers: the lowest and highest trial");
      figures.push(c.html);
      charts.push(c.spec);
    }
    if (lag.length > 0) {
      const c = ctx.chart("Schedule lag", {
        x: { label: "Requested rate (req/s)" },
        y: { label: "Sent late by (ms, log scale)", log: true },
        series: lag,
      }, "p50: mean over trials; p99 and max: the worst trial");
      figures.push(c.html);
      charts.push(c.spec);
    }
    const tables = withLoad.map(({ r }) =>
      (many ? `<h3>${escapeHtml(r.name)}</h3>` : "") + htmlTable(TABLE_HEAD, trialRows(r.doc))
    ).join("");
    return {
      html: (figures.length ? `<div class="grid">${figures.join("")}</div>` : "") + tables +
        note(
          "Planned: the rate of each trial's own random schedule (a Poisson plan of n " +
            "requests is off the requested rate by about 1/√n by chance); the client is judged " +
            "against it. Lag: how late each request was sent. KS p: the check that the gaps " +
            "between sends follow the intended arrivals (a small p says they did not).",
        ),
      charts,
    };
  },
};
