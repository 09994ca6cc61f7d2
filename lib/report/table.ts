/**
 * The console table: metrics as rows, levels as columns, `value ± half-width`
 * for means over trials, `value (low–high)` for percentiles over the pooled
 * requests, and notes under it (see `notes.ts`).
 *
 * @module
 */

import { renderFingerprint } from "./fingerprint.ts";
import Table from "npm:cli-table3@^0.6.5";
import { METRIC_IDS } from "../metrics/ids.ts";
import type { ResultsDocument } from "../results/document.ts";
import { formatValue } from "./format.ts";
import { levelLabel, tableNotes } from "./notes.ts";

/** Options of {@linkcode renderTable}. */
export interface RenderTableOptions {
  /**
   * Use colour codes.
   * @default {false}
   */
  color?: boolean;
}

/**
 * Renders the results as a text table with a short header.
 *
 * @param doc The results document.
 * @param options Rendering options.
 * @returns The text (no trailing newline).
 *
 * @example
 * ```ts
 * import { renderTable } from "./table.ts";
 * import assert from "node:assert/strict";
 *
 * const text = renderTable({
 *   schemaVersion: 1, tool: { name: "splleed", version: "0", deno: "2" }, config: { trials: 2 },
 *   backend: { kind: "simulator", model: "m" }, startedAt: "", finishedAt: "",
 *   interrupted: false, interruption: null, warnings: [], recordsFile: null,
 *   levels: [{ mode: "latency", concurrency: 4, trials: [], errors: {},
 *     summary: { ttft_p50_ms: { value: 41, ci: [40, 42], trials: [40.5, 41.5] } } }],
 * });
 * assert.match(text, /ttft_p50_ms/);
 * assert.match(text, /41\.00 ± 1\.00/);
 * ```
 */
export function renderTable(doc: ResultsDocument, options: RenderTableOptions = {}): string {
  const b = doc.backend;
  const cfg = doc.config;
  const lines: string[] = [];
  lines.push(
    `splleed ${doc.tool.version} · ${b.kind} · model ${b.model ?? "?"} · ${b.api ?? ""} · ${
      b.endpoint ?? ""
    }`.replace(/ · (?= · |$)/g, ""),
  );
  const trials = cfg.trials ?? "?";
  const cl = typeof cfg.confidenceLevel === "number"
    ? `${Math.round(cfg.confidenceLevel * 100)}%`
    : "";
  lines.push(
    `mode ${cfg.mode ?? "?"} · ${trials} trial${trials === 1 ? "" : "s"} × ${
      cfg.runs ?? "?"
    } requests per level` +
      (Number(trials) > 1 ? ` · value ± ${cl} CI half-width over trials` : "") +
      ` · percentiles over the pooled requests (low–high: ${cl} interval)`,
  );
  if (doc.workload) lines.push(renderFingerprint(doc.workload));
  if (doc.interrupted) lines.push(`INTERRUPTED: ${doc.interruption ?? "run cut short"}`);
  for (const w of doc.warnings) lines.push(`warning: ${w}`);

  const head = ["metric", ...doc.levels.map(levelLabel)];
  const table = new Table({
    head,
    style: {
      compact: true,
      head: options.color ? ["cyan"] : [],
      border: options.color ? ["grey"] : [],
    },
    colAligns: ["left", ...doc.levels.map(() => "right" as const)],
  });
  const ids = new Set<string>();
  for (const l of doc.levels) for (const id of Object.keys(l.summary)) ids.add(id);
  const ordered = [
    ...METRIC_IDS.filter((id) => ids.has(id)),
    ...[...ids].filter((id) => !METRIC_IDS.includes(id)),
  ];
  for (const id of ordered) {
    table.push([
      id,
      ...doc.levels.map((l) => {
        const s = l.summary[id];
        if (!s) return "—";
        const v = formatValue(id, s.value);
        if (!s.ci) return v;
        if (s.basis === "pooled") {
          return `${v} (${formatValue(id, s.ci[0])}–${formatValue(id, s.ci[1])})`;
        }
        return `${v} ± ${formatValue(id, (s.ci[1] - s.ci[0]) / 2)}`;
      }),
    ]);
  }
  const reasons = new Set<string>();
  for (const l of doc.levels) for (const r of Object.keys(l.errors)) reasons.add(r);
  for (const r of [...reasons].sort()) {
    table.push([`failed: ${r}`, ...doc.levels.map((l) => String(l.errors[r] ?? 0))]);
  }
  // Requests the load pattern planned but never sent (the run was cut short), as k6 counts
  // dropped iterations: shown, never silently left out.
  if (doc.levels.some((l) => (l.notIssued ?? 0) > 0)) {
    table.push(["not issued", ...doc.levels.map((l) => String(l.notIssued ?? 0))]);
  }
  lines.push(table.toString());
  lines.push(...tableNotes(doc).map((n) => `note: ${n}`));
  lines.push(...loadDeliveredLines(doc));
  if (doc.sweep) lines.push(sweepLine(doc.sweep));
  if (doc.recordsFile) lines.push(`records: ${doc.recordsFile}`);
  return lines.join("\n");
}

/**
 * The "load delivered" lines of an open-loop run: per level, the requested,
 * planned and achieved rates, the schedule lag, the queue wait and the KS
 * check, over its trials.
 *
 * @param doc The results.
 * @returns Lines (none for closed-loop runs).
 *
 * @example
 * ```ts
 * import { loadDeliveredLines } from "./table.ts";
 * import assert from "node:assert/strict";
 *
 * const load = { requestedRate: 8, plannedRate: 8.1, achievedRate: 8.09, planned: 50, sent: 50,
 *   scheduleLagMs: { p50: 0.05, p99: 0.4, max: 1.2 }, queueMs: null,
 *   ks: { statistic: 0.08, pValue: 0.6, n: 49 }, maxGapErrorMs: null, fellBehind: false };
 * const lines = loadDeliveredLines({
 *   levels: [{ mode: "serve", concurrency: 0, requestRate: 8, summary: {}, errors: {},
 *     trials: [{ metrics: {}, errors: {}, complete: true, load }] }],
 * } as never);
 * assert.match(lines[1], /r=8\/s: achieved 8\.09 req\/s \(planned 8\.10\) · lag p50\/p99\/max 0\.05\/0\.40\/1\.20 ms · KS p 0\.60/);
 * ```
 */
export function loadDeliveredLines(doc: ResultsDocument): string[] {
  const out: string[] = [];
  for (const l of doc.levels) {
    if (l.mode !== "serve") continue;
    const label = `r=${l.requestRate === "inf" ? "inf" : `${l.requestRate}/s`}`;
    for (const [i, t] of l.trials.entries()) {
      const d = t.load;
      if (!d) continue;
      const f = (v: number | null | undefined, digits = 2) =>
        v === null || v === undefined ? "—" : v.toFixed(digits);
      const parts = [
        `achieved ${f(d.achievedRate)} req/s (planned ${f(d.plannedRate)})`,
        d.scheduleLagMs
          ? `lag p50/p99/max ${f(d.scheduleLagMs.p50)}/${f(d.scheduleLagMs.p99)}/${
            f(d.scheduleLagMs.max)
          } ms`
          : "",
        d.queueMs ? `queued ${d.queueMs.waited} (p99 ${f(d.queueMs.p99)} ms)` : "",
        d.ks ? `KS p ${f(d.ks.pValue)}` : "",
        d.fellBehind ? "FELL BEHIND" : "",
      ].filter(Boolean);
      out.push(`${l.trials.length > 1 ? `${label} trial ${i + 1}` : label}: ${parts.join(" · ")}`);
    }
  }
  return out.length > 0 ? ["load delivered:", ...out.map((s) => `  ${s}`)] : [];
}

/**
 * The outcome of a saturation search in one line.
 *
 * @param sweep The results' `sweep` section.
 * @returns The line.
 *
 * @example
 * ```ts
 * import { sweepLine } from "./table.ts";
 * import assert from "node:assert/strict";
 *
 * const line = sweepLine({ find: "max-concurrency", slo: { tpotMs: 6 }, attainment: 0.9,
 *   probes: [{ load: 32, pass: true }, { load: 33, pass: false }], result: 32, bracket: [32, 33] });
 * assert.equal(line, "saturation: max concurrency meeting tpot ≤ 6 ms for 90% of requests: 32 (33 did not; 2 probes)");
 * ```
 */
export function sweepLine(sweep: NonNullable<ResultsDocument["sweep"]>): string {
  const what = sweep.find === "max-rate" ? "max request rate" : "max concurrency";
  const slo = Object.entries(sweep.slo).filter(([, v]) => v !== undefined).map(([k, v]) =>
    `${k.replace(/Ms$/, "")} ≤ ${v} ms`
  ).join(", ");
  const unit = sweep.find === "max-rate" ? " req/s" : "";
  const fmt = (v: number) => `${Number(v.toPrecision(4))}${unit}`;
  const found = sweep.result === null ? "none met them" : fmt(sweep.result);
  const above = sweep.bracket[1] !== null ? `${fmt(sweep.bracket[1])} did not; ` : "";
  return `saturation: ${what} meeting ${slo} for ${
    Math.round(sweep.attainment * 100)
  }% of requests: ${found} (${above}${sweep.probes.length} probes)`;
}
