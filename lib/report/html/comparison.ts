/**
 * The comparison of two runs (baseline and candidate), benchstat-style, as
 * HTML: per matched level, each metric's mean ± sd on both sides, the
 * change with its interval drawn as a bar around zero, the Holm-adjusted p,
 * `~` where the difference is not significant, and the verdict in words and
 * colour. What makes the runs not like for like comes first; levels only
 * one run has are listed.
 *
 * @module
 */

import type { LevelComparison, MetricComparison } from "../../analysis/compare.ts";
import { formatChange, formatP, metricRowLabel } from "../compare.ts";
import { formatValue } from "../format.ts";
import { type Cell, htmlTable, note, plural } from "./_util.ts";
import { escapeHtml } from "./escape.ts";
import type { HtmlSection } from "./types.ts";

const VERDICT_TEXT: Record<MetricComparison["verdict"], string> = {
  improvement: "better",
  regression: "worse",
  no_difference: "no difference",
  inconclusive: "inconclusive",
};

function sideText(m: MetricComparison, which: "baseline" | "candidate"): string {
  const s = m[which];
  if (s.n === 0) return "—";
  const mean = formatValue(m.id, s.mean);
  return s.n < 2 ? mean : `${mean} ± ${formatValue(m.id, s.sd)}`;
}

/** The change and its interval as a bar on a scale symmetric around 0 (±`scale`). */
function forest(m: MetricComparison, scale: number): string {
  if (m.change === null || !Number.isFinite(m.change)) return "";
  const pos = (v: number) => Math.max(0, Math.min(100, 50 + (v / scale) * 50));
  const ci = m.ci && m.ci.every(Number.isFinite) ? m.ci : null;
  const bar = ci
    ? `<span class="bar" style="left:${pos(ci[0]).toFixed(2)}%;width:${
      (pos(ci[1]) - pos(ci[0])).toFixed(2)
    }%"></span>`
    : "";
  return `<div class="forest v-${m.verdict}" title="${
    escapeHtml(
      `${formatChange(m.change)}${ci ? ` [${formatChange(ci[0])}, ${formatChange(ci[1])}]` : ""}`,
    )
  }"><span class="zero"></span>${bar}<span class="dot" style="left:${
    pos(m.change).toFixed(2)
  }%"></span></div>`;
}

function levelTable(l: LevelComparison): string {
  const extent = Math.max(
    0.01,
    ...l.metrics.flatMap((m) => [m.change, ...(m.ci ?? [])])
      .filter((v): v is number => typeof v === "number" && Number.isFinite(v))
      .map(Math.abs),
  );
  const rows: Cell[][] = l.metrics.map((m) => [
    { html: escapeHtml(metricRowLabel(m.id)) },
    { html: escapeHtml(sideText(m, "baseline")), num: true },
    { html: escapeHtml(sideText(m, "candidate")), num: true },
    {
      html: escapeHtml(m.verdict === "no_difference" ? "~" : formatChange(m.change)),
      num: true,
    },
    {
      html: escapeHtml(m.ci ? `[${formatChange(m.ci[0])}, ${formatChange(m.ci[1])}]` : "—"),
      num: true,
    },
    { html: forest(m, extent), cls: "forest-cell" },
    { html: escapeHtml(formatP(m.pAdjusted, m.significant)), num: true },
    {
      html: escapeHtml(VERDICT_TEXT[m.verdict]) +
        (m.note ? ` <span class="muted">(${escapeHtml(m.note)})</span>` : ""),
      cls: `v-${m.verdict}`,
    },
  ]);
  return htmlTable(
    ["metric", "baseline", "candidate", "change", "interval", "", "p (Holm)", "verdict"],
    rows,
    "comparison",
  );
}

/**
 * The comparison section, when the input carries a comparison (two runs):
 * the like-for-like warnings, one table per matched level with a bar for
 * each change's interval, the unmatched levels. Absent otherwise.
 *
 * @example
 * ```ts
 * import { comparisonSection } from "./comparison.ts";
 * import { compareDocuments } from "../../analysis/compare.ts";
 * import { fixtureDocument } from "../../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = (ttft: number[]) => fixtureDocument([{ mode: "latency", concurrency: 8, errors: {},
 *   summary: {}, trials: ttft.map((v) => ({ metrics: { ttft_p50_ms: v }, errors: {}, complete: true })) }]);
 * const a = doc([45, 44, 46, 45.5, 44.5]), b = doc([36, 35.5, 36.5, 36, 35.8]);
 * const comparison = compareDocuments(a, b, { baselineName: "main", candidateName: "<pr>" });
 * const runs = [{ name: "main", doc: a }, { name: "<pr>", doc: b }];
 * const out = comparisonSection.render({ runs, comparison }, {} as never)!;
 * assert.match(out.html, /&lt;pr&gt;/);
 * assert.match(out.html, /v-improvement/);
 * assert.equal(comparisonSection.render({ runs }, {} as never), null);
 * ```
 */
export const comparisonSection: HtmlSection = {
  id: "comparison",
  title: "Comparison",
  render(input) {
    const c = input.comparison;
    if (!c) return null;
    const parts: string[] = [];
    parts.push(
      `<p><strong>${escapeHtml(c.candidateName)}</strong> against <strong>${
        escapeHtml(c.baselineName)
      }</strong> (baseline): ${
        c.test === "welch" ? "Welch's t on the logs of" : "Mann–Whitney U on"
      } the per-trial values, ${Math.round(c.confidence * 100)} % intervals on the change, ` +
        `p adjusted with Holm's method within each level, significant at α = ${c.alpha}. ` +
        `<code>~</code>: no significant difference.</p>`,
    );
    if (c.warnings.length > 0) {
      parts.push(
        `<div class="alert warn"><h4>Not like for like</h4><ul>${
          c.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("")
        }</ul></div>`,
      );
    }
    for (const l of c.levels) {
      const n = Math.max(0, ...l.metrics.map((m) => m.baseline.n));
      const m = Math.max(0, ...l.metrics.map((x) => x.candidate.n));
      parts.push(
        `<h3>${escapeHtml(l.label)} <span class="muted">(${
          n === m ? `${plural(n, "trial")} each` : `${plural(n, "trial")} vs ${m}`
        })</span></h3>`,
      );
      parts.push(l.metrics.length ? levelTable(l) : note("No metric both runs measured."));
    }
    if (c.levels.length === 0) parts.push(note("The runs have no level in common."));
    if (c.unmatched.length > 0) {
      parts.push(note(
        `Levels only one run has (not compared): ${
          c.unmatched.map((u) =>
            `${u.label} (${u.side === "baseline" ? c.baselineName : c.candidateName})`
          ).join(", ")
        }.`,
      ));
    }
    return { html: parts.join(""), charts: [] };
  },
};
