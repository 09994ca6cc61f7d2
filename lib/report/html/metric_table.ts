/**
 * Every metric of every level, with its interval, in a collapsible table:
 * the figures behind the plots, for the reader who wants a number.
 *
 * @module
 */

import { METRIC_IDS, metricInfo } from "../../metrics/ids.ts";
import type { MetricSummary, ResultsDocument } from "../../results/document.ts";
import { formatValue } from "../format.ts";
import { type Cell, htmlTable, levelName } from "./_util.ts";
import { escapeHtml } from "./escape.ts";
import type { HtmlSection } from "./types.ts";

/** A summary as text: `41.2 ± 0.8` (mean over trials), `41.2 (40.1–42.3)` (pooled percentile). */
function cellText(id: string, s: MetricSummary | undefined): Cell {
  if (!s) return { html: "—", num: true };
  const v = escapeHtml(formatValue(id, s.value));
  if (!s.ci || !s.ci.every(Number.isFinite)) return { html: v, num: true };
  const [lo, hi] = s.ci;
  const ci = s.basis === "pooled"
    ? `(${formatValue(id, lo)}–${formatValue(id, hi)})`
    : hi === lo
    ? ""
    : `± ${formatValue(id, (hi - lo) / 2)}`;
  return { html: ci ? `${v} <span class="ci">${escapeHtml(ci)}</span>` : v, num: true };
}

function runTable(doc: ResultsDocument): { html: string; count: number } {
  const ids = new Set<string>();
  for (const l of doc.levels) for (const id of Object.keys(l.summary)) ids.add(id);
  const ordered = [
    ...METRIC_IDS.filter((id) => ids.has(id)),
    ...[...ids].filter((id) => !METRIC_IDS.includes(id)).sort(),
  ];
  const rows: Cell[][] = ordered.map((id) => {
    const info = metricInfo(id);
    const label = info
      ? `${info.label}${
        info.unit !== "requests" && info.unit !== "tokens" ? ` (${info.unit})` : ""
      }`
      : "";
    return [
      { html: `<code>${escapeHtml(id)}</code>` },
      { html: escapeHtml(label), cls: "muted" },
      ...doc.levels.map((l) => cellText(id, l.summary[id])),
    ];
  });
  const reasons = [...new Set(doc.levels.flatMap((l) => Object.keys(l.errors)))].sort();
  for (const r of reasons) {
    rows.push([
      { html: `failed: ${escapeHtml(r)}` },
      { html: "requests failed for this reason", cls: "muted" },
      ...doc.levels.map((l) => ({ html: String(l.errors[r] ?? 0), num: true })),
    ]);
  }
  if (doc.levels.some((l) => (l.notIssued ?? 0) > 0)) {
    rows.push([
      { html: "not issued" },
      { html: "planned but never sent", cls: "muted" },
      ...doc.levels.map((l) => ({ html: String(l.notIssued ?? 0), num: true })),
    ]);
  }
  const head = ["metric", "what", ...doc.levels.map(levelName)];
  return { html: htmlTable(head, rows, "metrics"), count: ordered.length };
}

/**
 * The full metric table section: for each run, a collapsed `<details>`
 * with every metric id (and its label and unit) against every level: means
 * over trials as `value ± half-width`, pooled percentiles as
 * `value (low–high)`, and the failures by reason. Absent when no run has levels.
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
 * assert.match(out.html, /41\.00 <span class="ci">\(40\.00–42\.00\)/);
 * assert.match(out.html, /900\.00 <span class="ci">± 20\.00/);
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
