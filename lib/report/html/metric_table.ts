/**
 * Every metric of every level, with its interval, in a collapsible table:
 * the figures behind the plots, for the reader who wants a number.
 *
 * @module
 */

import { METRIC_IDS } from "../../metrics/ids.ts";
import type { MetricSummary, ResultsDocument } from "../../results/document.ts";
import { formatEstimate } from "../format.ts";
import { tableRowLabel } from "../table.ts";
import { type Cell, htmlTable } from "./_util.ts";
import { levelLabel } from "../../results/level_label.ts";
import { escapeHtml } from "./escape.ts";
import type { HtmlSection } from "./types.ts";

/**
 * A summary as the console table prints it (`formatEstimate`: rounded to its interval):
 * `41.2 ± 0.8` (mean over trials), `41.2 (40.1–42.3)` (pooled percentile), the interval muted.
 */
function cellText(id: string, s: MetricSummary | undefined): Cell {
  if (!s) return { html: "—", num: true };
  const text = formatEstimate(id, {
    value: s.value,
    ci: s.ci && s.ci.every(Number.isFinite) ? s.ci : null,
    ...(s.basis ? { basis: s.basis } : {}),
  });
  const at = text.search(/ ± | \(/);
  return {
    html: at > 0
      ? `${escapeHtml(text.slice(0, at))} <span class="ci">${escapeHtml(text.slice(at + 1))}</span>`
      : escapeHtml(text),
    num: true,
  };
}

function runTable(doc: ResultsDocument): { html: string; count: number } {
  const ids = new Set<string>();
  for (const l of doc.levels) for (const id of Object.keys(l.summary)) ids.add(id);
  const ordered = [
    ...METRIC_IDS.filter((id) => ids.has(id)),
    ...[...ids].filter((id) => !METRIC_IDS.includes(id)).sort(),
  ];
  const rows: Cell[][] = ordered.map((id) => {
    return [
      { html: escapeHtml(tableRowLabel(id)) },
      { html: `<code>${escapeHtml(id)}</code>`, cls: "muted" },
      ...doc.levels.map((l) => cellText(id, l.summary[id])),
    ];
  });
  const reasons = [...new Set(doc.levels.flatMap((l) => Object.keys(l.errors)))].sort();
  for (const r of reasons) {
    rows.push([
      { html: `Failed: ${escapeHtml(r)}` },
      { html: "requests failed for this reason", cls: "muted" },
      ...doc.levels.map((l) => ({ html: String(l.errors[r] ?? 0), num: true })),
    ]);
  }
  if (doc.levels.some((l) => (l.notIssued ?? 0) > 0)) {
    rows.push([
      { html: "Not issued" },
      { html: "planned but never sent", cls: "muted" },
      ...doc.levels.map((l) => ({ html: String(l.notIssued ?? 0), num: true })),
    ]);
  }
  const head = ["metric", "id", ...doc.levels.map(levelLabel)];
  return { html: htmlTable(head, rows, "metrics"), count: ordered.length };
}

/**
 * The full metric table section: for each run, a collapsed `<details>`
 * with every metric id (and its label and unit) against every level: means
 * over trials as `value ± half-width`, pooled percentiles as
 * `value (low–high)`, rounded to their interval as in the console table,
 * and the failures by reason. Absent when no run has levels.
 *
 * @example
 * ```ts
 * import { metricTableSection } from "./metric_table.ts";
 * import { fixtureDocument } from "../../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = fixtureDocument([{ mode: "latency", concurrency: 4, trials: [], errors: {}, summary: {
 *   ttft_p50_ms: { value: 41, ci: [40, 42], trials: [], basis: "pooled" },
 *   throughput_tokens_per_sec: { value: 900, ci: [880, 920], trials: [] },
 * } }]);
 * const out = metricTableSection.render({ runs: [{ name: "a", doc }] }, {} as never)!;
 * assert.match(out.html, /<details/);
 * assert.match(out.html, /ttft_p50_ms/);
 * assert.match(out.html, /41\.0 <span class="ci">\(40\.0–42\.0\)/);
 * assert.match(out.html, /900 <span class="ci">± 20/);
 * ```
 */
export const metricTableSection: HtmlSection = {
  id: "metrics",
  title: "Every metric",
  render(input) {
    const runs = input.runs.filter((r) => r.doc.levels.length > 0);
    if (runs.length === 0) return null;
    const many = input.runs.length > 1;
    const html = runs.map((r) => {
      const { html, count } = runTable(r.doc);
      const cl = typeof r.doc.config.confidenceLevel === "number"
        ? `${Math.round(r.doc.config.confidenceLevel * 100)} % `
        : "";
      return `<details class="metric-table"><summary>${
        many ? `${escapeHtml(r.name)}: ` : ""
      }all ${count} metrics × ${r.doc.levels.length} level${
        r.doc.levels.length === 1 ? "" : "s"
      }</summary><p class="note">Means over trials as value ± ${cl}interval half-width; ` +
        `percentiles over the pooled requests as value (${cl}interval).</p>${html}</details>`;
    }).join("");
    return { html, charts: [] };
  },
};
