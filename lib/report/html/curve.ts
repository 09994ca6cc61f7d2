/**
 * The latency–throughput curve: for each level, TTFT, ITL and E2E p50 and
 * p99 (with their intervals as whiskers) against the output token
 * throughput it achieved, the points joined in order of load (concurrency
 * or request rate). Over a concurrency or rate sweep this is the knee
 * plot: latency flat while throughput grows, then latency up while
 * throughput stalls. A saturation search marks each probe as meeting the
 * objectives or not and draws the objectives.
 *
 * @module
 */

import type { LevelResult, ResultsDocument } from "../../results/document.ts";
import { fmtNum, htmlTable, note } from "./_util.ts";
import { levelLabel } from "../../results/level_label.ts";
import { escapeHtml } from "./escape.ts";
import type { ChartRule, ChartSeries, HtmlSection, SectionContext } from "./types.ts";

/** The latencies plotted, with their names and the objective that bounds each. */
export const CURVE_LATENCIES = [
  { id: "ttft", name: "Time to first token", short: "TTFT", slo: "ttftMs" },
  { id: "itl", name: "Inter-token latency", short: "ITL", slo: undefined },
  { id: "e2e", name: "End-to-end latency", short: "E2E", slo: "e2eMs" },
] as const;

const STATS = [{ stat: "p50", dash: undefined }, { stat: "p99", dash: [6, 4] }] as const;

const OBJECTIVE_COLOR = "#cf222e";

function finite(v: number | undefined | null): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/** The throughput on the x axis: output tokens/s when every level has it, else requests/s. */
function xMetric(docs: readonly ResultsDocument[]): { id: string; label: string } {
  const tokens = docs.every((d) =>
    d.levels.every((l) => finite(l.summary.throughput_tokens_per_sec?.value))
  );
  return tokens
    ? { id: "throughput_tokens_per_sec", label: "Output token throughput (tok/s)" }
    : { id: "request_throughput_per_sec", label: "Request throughput (req/s)" };
}

/** The load of a level, for joining the points in order: concurrency, or the request rate. */
function load(l: LevelResult): number {
  if (l.mode !== "serve") return l.concurrency;
  return l.requestRate === "inf" ? Infinity : l.requestRate ?? Infinity;
}

/** A level's label on the plot, with a saturation search's verdict. */
function pointLabel(doc: ResultsDocument, li: number): string {
  const probe = doc.sweep?.probes[li];
  const label = levelLabel(doc.levels[li]);
  return probe === undefined ? label : `${label} ${probe.pass ? "✓" : "✗"}`;
}

function seriesFor(
  doc: ResultsDocument,
  xId: string,
  latency: string,
  stat: string,
): Omit<ChartSeries, "label" | "color"> | null {
  const pts = doc.levels.map((l, li) => ({ l, li, x: l.summary[xId]?.value }))
    .filter((p): p is { l: LevelResult; li: number; x: number } => finite(p.x))
    .sort((a, b) => load(a.l) - load(b.l) || a.li - b.li);
  const id = `${latency}_${stat}_ms`;
  const y = pts.map((p) => p.l.summary[id]?.value).map((v) => (finite(v) ? v : null));
  if (y.every((v) => v === null)) return null;
  const ci = pts.map((p) => p.l.summary[id]?.ci ?? null);
  const out: Omit<ChartSeries, "label" | "color"> = {
    x: pts.map((p) => p.x),
    y,
    connect: "given",
  };
  if (ci.some((c) => c !== null)) {
    out.lo = ci.map((c) => (c && finite(c[0]) ? c[0] : null));
    out.hi = ci.map((c) => (c && finite(c[1]) ? c[1] : null));
  }
  if (stat === "p50") out.labels = pts.map((p) => pointLabel(doc, p.li));
  return out;
}

function objectives(docs: readonly ResultsDocument[], key: string | undefined, short: string) {
  if (key === undefined) return [];
  const values = new Set<number>();
  for (const d of docs) {
    const slo = (d.sweep?.slo ?? d.config.slo) as Record<string, unknown> | undefined;
    const v = slo?.[key];
    if (typeof v === "number" && Number.isFinite(v)) values.add(v);
  }
  return [...values].map((v): ChartRule => ({
    axis: "y",
    value: v,
    label: `${short} objective ${fmtNum(v)} ms`,
    color: OBJECTIVE_COLOR,
  }));
}

function sweepHtml(name: string | null, doc: ResultsDocument): string {
  const s = doc.sweep;
  if (!s) return "";
  const unit = s.find === "max-rate" ? " req/s" : "";
  const what = s.find === "max-rate" ? "highest request rate" : "highest concurrency";
  const slo = Object.entries(s.slo).filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k.replace(/Ms$/, "")} ≤ ${fmtNum(v)} ms`).join(", ");
  const result = s.result === null ? "no probed load met them" : `${fmtNum(s.result)}${unit}` +
    (s.bracket[1] !== null ? ` (${fmtNum(s.bracket[1])}${unit} did not)` : "");
  const rows = s.probes.map((p, i) => {
    const l = doc.levels[i];
    const ratio = l?.summary.goodput_ratio?.value;
    return [
      { html: String(i + 1), num: true },
      { html: escapeHtml(`${fmtNum(p.load)}${unit}`), num: true },
      { html: finite(ratio) ? `${fmtNum(ratio * 100)} %` : "—", num: true },
      { html: p.pass ? "✓ met" : "✗ missed", cls: p.pass ? "good" : "bad" },
    ];
  });
  return `<div class="card"><h4>Saturation search${name ? ` — ${escapeHtml(name)}` : ""}</h4>` +
    `<p>The ${what} at which ${Math.round(s.attainment * 100)} % of requests met ${
      escapeHtml(slo)
    }: <strong>${escapeHtml(result)}</strong>.</p>` +
    htmlTable(["probe", "load", "requests meeting the objectives", "verdict"], rows, "compact") +
    `</div>`;
}

/**
 * The latency–throughput section: one chart per latency (TTFT, ITL, E2E),
 * p50 solid and p99 dashed, each run overlaid in its colour, each point a
 * level labelled on the plot; a saturation search's probes and result.
 * Absent when no level has a throughput and a latency.
 *
 * @example
 * ```ts
 * import { curveSection } from "./curve.ts";
 * import { fixtureDocument } from "../../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const level = (c: number, tput: number, ttft: number) => ({
 *   mode: "latency" as const, concurrency: c, trials: [], errors: {},
 *   summary: {
 *     throughput_tokens_per_sec: { value: tput, ci: null, trials: [] },
 *     ttft_p50_ms: { value: ttft, ci: [ttft - 1, ttft + 1] as [number, number], trials: [] },
 *   },
 * });
 * const doc = fixtureDocument([level(4, 900, 30), level(1, 300, 20)]);
 * const charts: unknown[] = [];
 * const ctx = {
 *   chart: (_c: string, spec: object) => {
 *     charts.push(spec);
 *     return { html: "<figure></figure>", spec: { id: "c", ...spec } };
 *   },
 *   runColor: () => "#000", levelColor: () => "#000", runDash: () => undefined,
 * };
 * const out = curveSection.render({ runs: [{ name: "a", doc }] }, ctx as never)!;
 * assert.equal(out.charts.length, 1); // only TTFT has data
 * const s = out.charts[0].series[0];
 * assert.deepEqual(s.x, [300, 900]); // joined in order of load
 * assert.deepEqual(s.labels, ["c=1", "c=4"]);
 * assert.deepEqual(s.hi, [21, 31]);
 * ```
 */
export const curveSection: HtmlSection = {
  id: "curve",
  title: "Latency vs throughput",
  render(input, ctx: SectionContext) {
    const docs = input.runs.map((r) => r.doc);
    if (!docs.some((d) => d.levels.length > 0)) return null;
    const x = xMetric(docs);
    const many = input.runs.length > 1;
    const figures: string[] = [];
    const charts = [];
    for (const lat of CURVE_LATENCIES) {
      const series: ChartSeries[] = [];
      input.runs.forEach((run, ri) => {
        for (const [si, { stat, dash }] of STATS.entries()) {
          const s = seriesFor(run.doc, x.id, lat.id, stat);
          if (s === null) continue;
          series.push({
            ...s,
            label: `${many ? `${run.name} · ` : ""}${lat.short} ${stat}`,
            color: many ? ctx.runColor(ri) : ctx.runColor(si),
            ...(dash ? { dash: [...dash] } : {}),
          });
        }
      });
      if (series.length === 0) continue;
      const { html, spec } = ctx.chart(`${lat.name}`, {
        x: { label: x.label },
        y: { label: `${lat.short} (ms)`, min: 0 },
        series,
        rules: objectives(docs, lat.slo, lat.short),
      });
      figures.push(html);
      charts.push(spec);
    }
    if (charts.length === 0) return null;
    const level = docs.find((d) => typeof d.config.confidenceLevel === "number")?.config
      .confidenceLevel as number | undefined;
    const cl = level !== undefined ? `${Math.round(level * 100)} % ` : "";
    const sweeps = input.runs.map((r) => sweepHtml(many ? r.name : null, r.doc)).join("");
    return {
      html: `<div class="grid three">${figures.join("")}</div>` +
        note(
          `Each point is a level (labelled on the plot): x is its ${x.label.toLowerCase()}, ` +
            `the mean over its trials; y is the percentile over its pooled requests, ` +
            `the whisker its ${cl}interval; the line joins the levels in order of load. ` +
            `p50 solid, p99 dashed.`,
        ) + sweeps,
      charts,
    };
  },
};
