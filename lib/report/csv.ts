/**
 * CSV output: one row per level, three columns per metric id (value,
 * ci_low, ci_high), then one column per failure reason.
 *
 * Written by hand: the fields are numbers and fixed identifiers, and a CSV
 * library would add a dependency for one escaping rule (RFC 4180 quoting,
 * applied by {@linkcode csvField}).
 *
 * @module
 */

import { METRIC_IDS } from "../metrics/ids.ts";
import type { ResultsDocument } from "../results/document.ts";

/**
 * Quotes a CSV field when it needs it (RFC 4180).
 *
 * @param v Field value.
 * @returns The field text.
 *
 * @example
 * ```ts
 * import { csvField } from "./csv.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(csvField('a,"b"'), '"a,""b"""');
 * assert.equal(csvField(1.5), "1.5");
 * ```
 */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * Renders the results as CSV.
 *
 * @param doc The results document.
 * @returns CSV text with a header row and a trailing newline.
 *
 * @example
 * ```ts
 * import { renderCsv } from "./csv.ts";
 * import assert from "node:assert/strict";
 *
 * const csv = renderCsv({
 *   schemaVersion: 1, tool: { name: "splleed", version: "0", deno: "2" }, config: {},
 *   backend: {}, startedAt: "", finishedAt: "", interrupted: false, interruption: null, warnings: [],
 *   recordsFile: null,
 *   levels: [{ mode: "latency", concurrency: 2, trials: [], errors: { http_500: 1 },
 *     summary: { ttft_p50_ms: { value: 10, ci: [9, 11], trials: [9.5, 10.5] } } }],
 * });
 * const [header, row] = csv.trim().split("\n");
 * assert.ok(header.startsWith("mode,concurrency,request_rate,trials,ttft_mean_ms,"));
 * assert.ok(header.includes("ttft_p50_ms,ttft_p50_ms_ci_low,ttft_p50_ms_ci_high"));
 * assert.ok(row.includes("10,9,11"));
 * assert.ok(header.endsWith("errors_http_500"));
 * ```
 */
export function renderCsv(doc: ResultsDocument): string {
  const reasons = new Set<string>();
  for (const l of doc.levels) for (const r of Object.keys(l.errors)) reasons.add(r);
  const errorCols = [...reasons].sort();
  const header = ["mode", "concurrency", "request_rate", "trials"];
  for (const id of METRIC_IDS) header.push(id, `${id}_ci_low`, `${id}_ci_high`);
  for (const r of errorCols) header.push(`errors_${r}`);
  const rows = [header.map(csvField).join(",")];
  for (const l of doc.levels) {
    const row: (string | number | null)[] = [
      l.mode,
      l.concurrency,
      l.requestRate ?? null,
      l.trials.length,
    ];
    for (const id of METRIC_IDS) {
      const s = l.summary[id];
      row.push(s?.value ?? null, s?.ci?.[0] ?? null, s?.ci?.[1] ?? null);
    }
    for (const r of errorCols) row.push(l.errors[r] ?? 0);
    rows.push(row.map(csvField).join(","));
  }
  return rows.join("\n") + "\n";
}
