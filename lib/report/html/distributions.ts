/**
 * The latency distributions of each level as CDFs on a log axis: TTFT, ITL
 * and E2E, one curve per level (a ramp from blue at the lightest load to
 * red at the heaviest), runs told apart by dash. Read from the records file
 * by the runner (the report never reads files); where there are none, the
 * section says why.
 *
 * @module
 */

import { fmtNum, note } from "./_util.ts";
import { levelLabel } from "../../results/level_label.ts";
import type { CdfCurve, ChartSeries, HtmlSection, LevelDistributions } from "./types.ts";

/** The distributions plotted, in order. */
const KINDS: { key: keyof LevelDistributions; name: string; axis: string; what: string }[] = [
  { key: "ttft", name: "Time to first token", axis: "TTFT (ms, log scale)", what: "requests" },
  {
    key: "itl",
    name: "Inter-token latency",
    axis: "Gap between tokens (ms, log scale)",
    what: "gaps",
  },
  { key: "e2e", name: "End-to-end latency", axis: "E2E latency (ms, log scale)", what: "requests" },
];

/**
 * The distributions section: three charts (TTFT, ITL, E2E), each the
 * empirical CDF of every level of every run on a log x axis. Absent when no
 * run has levels; a run without distributions is named with the reason.
 *
 * @example
 * ```ts
 * import { distributionsSection } from "./distributions.ts";
 * import { fixtureDocument } from "../../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = fixtureDocument([
 *   { mode: "latency", concurrency: 1, trials: [], summary: {}, errors: {} },
 * ]);
 * const ctx = {
 *   chart: (_c: string, spec: object) => ({ html: "<figure></figure>", spec: { id: "c", ...spec } }),
 *   runColor: () => "#000", levelColor: () => "#111", runDash: () => undefined,
 * };
 * const ttft = { x: [10, 20], p: [0.5, 1], n: 2 };
 * const out = distributionsSection.render(
 *   { runs: [{ name: "a", doc, distributions: [{ ttft }] }] },
 *   ctx as never,
 * )!;
 * assert.equal(out.charts.length, 1);
 * assert.deepEqual(out.charts[0].series[0].y, [50, 100]); // percent of requests
 * assert.equal(out.charts[0].x.log, true);
 *
 * const none = distributionsSection.render(
 *   { runs: [{ name: "a", doc, distributionsNote: "no records were kept" }] },
 *   ctx as never,
 * )!;
 * assert.equal(none.charts.length, 0);
 * assert.match(none.html, /no records were kept/);
 * ```
 */
export const distributionsSection: HtmlSection = {
  id: "distributions",
  title: "Latency distributions",
  render(input, ctx) {
    if (!input.runs.some((r) => r.doc.levels.length > 0)) return null;
    const many = input.runs.length > 1;
    const figures: string[] = [];
    const charts = [];
    for (const kind of KINDS) {
      const series: ChartSeries[] = [];
      let samples = 0;
      input.runs.forEach((run, ri) => {
        const levels = run.doc.levels;
        run.distributions?.forEach((d, li) => {
          const c: CdfCurve | undefined = d?.[kind.key];
          if (!c || c.x.length === 0 || li >= levels.length) return;
          samples += c.n;
          const dash = ctx.runDash(ri);
          series.push({
            label: `${many ? `${run.name} · ` : ""}${levelLabel(levels[li])}`,
            color: ctx.levelColor(li, levels.length),
            ...(dash ? { dash } : {}),
            x: c.x,
            y: c.p.map((p) => Math.round(p * 1e6) / 1e4),
            points: false,
          });
        });
      });
      if (series.length === 0) continue;
      const { html, spec } = ctx.chart(kind.name, {
        x: { label: kind.axis, log: true },
        y: { label: `Share of ${kind.what} ≤ x (%)`, min: 0, max: 100, percent: true },
        series,
      }, `${fmtNum(samples)} ${kind.what} in all`);
      figures.push(html);
      charts.push(spec);
    }
    const missing = input.runs.filter((r) => !r.distributions?.some((d) => d !== undefined));
    const notes = missing.map((r) =>
      note(
        `${many ? `${r.name}: ` : ""}no distributions: ${
          r.distributionsNote ?? "the per-request records were not read"
        }.`,
      )
    );
    if (charts.length === 0 && notes.length === 0) return null;
    return {
      html: (figures.length ? `<div class="grid three">${figures.join("")}</div>` : "") +
        (charts.length
          ? note(
            "Each curve is one level: the share of measured requests (for ITL, of gaps " +
              "between consecutive tokens) at or below each latency, pooled over the trials " +
              "its figures use. A curve far right of the others at the top is a tail.",
          )
          : "") +
        notes.join(""),
      charts,
    };
  },
};
