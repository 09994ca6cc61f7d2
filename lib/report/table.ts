/**
 * The results table: metrics as rows, levels as columns, with a short
 * header above (engine, mode, trials, workload fingerprint, warnings) and
 * short lines below (what the intervals are, notes, load delivered).
 *
 * Which rows:
 * - by default, the rows a performance engineer reads first
 *   ({@linkcode HEADLINE_METRICS}: TTFT p50/p99, ITL p50/p99, TPOT mean,
 *   E2E p50/p99, request and token throughput, goodput when the run had
 *   objectives, the share of valid structured outputs when some request
 *   asked for one, the share of requests with a tool call when there were
 *   any, and, when telemetry was sampled, GPU utilisation, memory
 *   peak, power and energy per token, engine queue depth, KV-cache usage and
 *   preemptions), human labels with units (`TTFT p50 (ms)`,
 *   `Throughput (tok/s)`); the schedule lag p99 when it matters (an open
 *   loop, or a level whose lag p99 exceeds both
 *   {@linkcode SCHEDULE_LAG_MIN_MS} and {@linkcode SCHEDULE_LAG_TTFT_SHARE}
 *   of its TTFT p50: below 1 ms it is timer noise, and below 1 % of TTFT it
 *   cannot change how any latency reads); failures by reason when there are
 *   any, and requests planned but not issued;
 * - `metrics: [ids]`: those rows, in that order (failures still shown);
 * - `allMetrics: true`: every metric id, named by its id.
 * Without options, the choice saved in the run's `config.table` applies.
 *
 * Precision and the two interval forms (`value ± half-width` for a mean
 * over trials, `value (low–high)` for a percentile of the pooled requests)
 * are explained in `format.ts`.
 *
 * A table wider than `width` wraps: the levels are split into several
 * tables that each fit, every one with the metric column; when not even one
 * level fits beside it, each level is listed as `metric value` lines.
 *
 * @module
 */

import Table from "npm:cli-table3@^0.6.5";
import { FG, greyBorders, paint } from "./_ansi.ts";
import {
  FAILURE_ADJUSTED_METRICS,
  LATENCY_DISTRIBUTIONS,
  METRIC_IDS,
  metricInfo,
  SCALAR_METRICS,
} from "../metrics/ids.ts";
import type { ResultsDocument } from "../results/document.ts";
import { DISTRIBUTION_STATS } from "../stats/describe.ts";
import { metricRowLabel } from "./compare.ts";
import { renderFingerprint } from "./fingerprint.ts";
import { formatEstimate, formatSignificant, isCountMetric } from "./format.ts";
import { levelLabel, tableNotes } from "./notes.ts";

/** Options of the results table ({@linkcode renderTable}, `results.toTable()`, `print()`, `toMarkdown()`). */
export interface TableOptions {
  /**
   * Use terminal colour codes (the console table only).
   * @default {false}
   */
  color?: boolean;
  /**
   * The metric ids to show as rows, in this order (failures are shown
   * whenever there are any).
   * @default the run's `config.table.metrics`, else {@linkcode HEADLINE_METRICS}
   */
  metrics?: readonly string[];
  /**
   * Show every metric id (the full table), each row named by its id.
   * @default the run's `config.table.allMetrics`, else false
   */
  allMetrics?: boolean;
  /**
   * Most columns the console table may take; a wider one wraps its levels
   * into several tables (the console table only).
   * @default no limit
   */
  width?: number;
}

/** Options of {@linkcode renderTable} (the same as {@linkcode TableOptions}). */
export type RenderTableOptions = TableOptions;

/** The rows of the default table, in order (each shown when some level has it). */
export const HEADLINE_METRICS: readonly string[] = [
  "ttft_p50_ms",
  "ttft_p99_ms",
  "itl_p50_ms",
  "itl_p99_ms",
  "tpot_mean_ms",
  "e2e_p50_ms",
  "e2e_p99_ms",
  "request_throughput_per_sec",
  "throughput_tokens_per_sec",
  "inputs_per_sec",
  "goodput_requests_per_sec",
  // Present only when some request asked for structured output.
  "structured_valid_ratio",
  // Telemetry, when it was sampled (gpuMetrics, engineMetrics): was the GPU busy, was the engine queueing?
  "gpu_util_mean_pct",
  "gpu_memory_peak_mib",
  "gpu_power_mean_w",
  "gpu_energy_per_token_j",
  "engine_waiting_mean",
  "engine_waiting_max",
  "engine_kv_usage_mean_pct",
  "engine_preemptions",
];

/** The schedule lag p99 (ms) above which the default table shows it (with {@linkcode SCHEDULE_LAG_TTFT_SHARE}). */
export const SCHEDULE_LAG_MIN_MS = 1;

/** The share of a level's TTFT p50 the schedule lag p99 must also exceed to be shown. */
export const SCHEDULE_LAG_TTFT_SHARE = 0.01;

/** Labels of the rows that `metricRowLabel` names too long for a table. */
const LABEL_OVERRIDE: Record<string, string> = {
  inputs_per_sec: "Throughput (inputs/s)",
  goodput_ratio: "SLO attainment (ratio)",
  structured_valid_ratio: "Valid structured output (ratio)",
  tool_call_ratio: "Requests with a tool call (ratio)",
};

/**
 * A metric's row label: `TTFT p50 (ms)`, `Throughput (tok/s)`,
 * `Request throughput (req/s)`.
 *
 * @param id The metric id.
 * @returns The label, with its unit.
 *
 * @example
 * ```ts
 * import { tableRowLabel } from "./table.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(tableRowLabel("ttft_p99_ms"), "TTFT p99 (ms)");
 * assert.equal(tableRowLabel("throughput_tokens_per_sec"), "Throughput (tok/s)");
 * assert.equal(tableRowLabel("goodput_requests_per_sec"), "Goodput (req/s)");
 * ```
 */
export function tableRowLabel(id: string): string {
  return LABEL_OVERRIDE[id] ?? metricRowLabel(id);
}

/**
 * The metric ids splleed produces, in short form, for a message that
 * refuses an unknown one.
 *
 * @returns The text.
 *
 * @example
 * ```ts
 * import { knownMetricIds } from "./table.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(knownMetricIds(), /<name>_<stat>_ms with name one of ttft, itl/);
 * assert.match(knownMetricIds(), /throughput_tokens_per_sec/);
 * ```
 */
export function knownMetricIds(): string {
  return `<name>_<stat>_ms with name one of ${LATENCY_DISTRIBUTIONS.join(", ")} ` +
    `and stat one of ${DISTRIBUTION_STATS.join(", ")}; ${FAILURE_ADJUSTED_METRICS.join(", ")}; ` +
    SCALAR_METRICS.join(", ");
}

/** The results table as text cells, before it is drawn as a box or as Markdown. */
export interface ResultsTable {
  /** `Metric`, then one head per level (`c=4`, `r=8/s`, `burst 64`). */
  head: string[];
  /** One row per metric (label, then one cell per level), then failures and requests not issued. */
  rows: string[][];
  /** The metric ids shown, in row order. */
  ids: string[];
  /** What the intervals in the cells are, in one line; null when no cell has one. */
  legend: string | null;
  /** Whether every metric is shown (rows named by their ids). */
  allMetrics: boolean;
}

/** The table choice saved with the run (`config.table`), when it is well formed. */
function savedChoice(doc: ResultsDocument): Pick<TableOptions, "metrics" | "allMetrics"> {
  const t = doc.config.table;
  if (typeof t !== "object" || t === null) return {};
  const { metrics, allMetrics } = t as Record<string, unknown>;
  return {
    ...(Array.isArray(metrics) && metrics.every((m) => typeof m === "string")
      ? { metrics: metrics as string[] }
      : {}),
    ...(typeof allMetrics === "boolean" ? { allMetrics } : {}),
  };
}

/** Whether the default table shows the schedule lag p99 (see the module doc). */
function lagMatters(doc: ResultsDocument): boolean {
  return doc.levels.some((l) => {
    if (l.mode === "serve") return l.summary.schedule_lag_p99_ms !== undefined;
    const lag = l.summary.schedule_lag_p99_ms?.value;
    if (lag === undefined || !(lag > SCHEDULE_LAG_MIN_MS)) return false;
    const ttft = l.summary.ttft_p50_ms?.value;
    return ttft === undefined || !Number.isFinite(ttft) || lag > SCHEDULE_LAG_TTFT_SHARE * ttft;
  });
}

/**
 * The results table's cells: which rows (see the module doc), their labels
 * and each value with its interval at the precision the interval supports.
 *
 * @param doc The results document.
 * @param options Which rows (`metrics`, `allMetrics`).
 * @returns The cells and the legend.
 * @throws {RangeError} When `metrics` names an id splleed does not produce
 *   (the message names it and the known ids), or is empty.
 *
 * @example
 * ```ts
 * import { resultsTable } from "./table.ts";
 * import { fixtureDocument } from "../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = fixtureDocument([{ mode: "latency", concurrency: 4, trials: [], errors: {}, summary: {
 *   ttft_p50_ms: { value: 41.23, ci: [40.1, 42.9], trials: [], basis: "pooled" },
 *   ttft_std_ms: { value: 3, ci: null, trials: [] },
 * } }], { mode: "latency", trials: 3, confidenceLevel: 0.95 });
 * const t = resultsTable(doc);
 * assert.deepEqual(t.head, ["Metric", "c=4"]);
 * assert.deepEqual(t.rows, [["TTFT p50 (ms)", "41.2 (40.1–42.9)"]]);
 * assert.equal(resultsTable(doc, { allMetrics: true }).rows.length, 2);
 * assert.throws(() => resultsTable(doc, { metrics: ["ttft_p5_ms"] }), /unknown metric id 'ttft_p5_ms'/);
 * ```
 */
export function resultsTable(
  doc: ResultsDocument,
  options: Pick<TableOptions, "metrics" | "allMetrics"> = {},
): ResultsTable {
  const explicit = options.metrics !== undefined || options.allMetrics !== undefined;
  const choice = explicit ? options : savedChoice(doc);
  const present = new Set<string>();
  for (const l of doc.levels) for (const id of Object.keys(l.summary)) present.add(id);
  let ids: string[];
  const all = choice.allMetrics === true;
  if (all) {
    ids = [
      ...METRIC_IDS.filter((id) => present.has(id)),
      ...[...present].filter((id) => !METRIC_IDS.includes(id)),
    ];
  } else if (choice.metrics !== undefined) {
    const unknown = choice.metrics.filter((id) => metricInfo(id) === undefined);
    if (choice.metrics.length === 0 || unknown.length > 0) {
      throw new RangeError(
        `Cannot render the results table: 'metrics' must be a non-empty list of metric ids, got ${
          unknown.length > 0
            ? unknown.map((id) => `the unknown metric id '${id}'`).join(", ")
            : "an empty list"
        } (known: ${knownMetricIds()})`,
      );
    }
    ids = [...new Set(choice.metrics)];
  } else {
    ids = HEADLINE_METRICS.filter((id) => present.has(id));
    if (lagMatters(doc)) ids.push("schedule_lag_p99_ms");
    // Tool calls are counted in every text run; the row shows when there were some.
    if (doc.levels.some((l) => (l.summary.tool_call_requests?.value ?? 0) > 0)) {
      ids.push("tool_call_ratio");
    }
  }
  const kinds = { mean: false, pooled: false };
  const rows = ids.map((id) => [
    all ? id : tableRowLabel(id),
    ...doc.levels.map((l) => {
      const s = l.summary[id];
      if (!s) return "—";
      if (s.ci && !isCountMetric(id)) kinds[s.basis === "pooled" ? "pooled" : "mean"] = true;
      return formatEstimate(id, s);
    }),
  ]);
  // Failures by reason, over all trials: shown whenever there are any, never hidden.
  const reasons = new Set<string>();
  for (const l of doc.levels) {
    for (const [r, n] of Object.entries(l.errors)) if (n > 0) reasons.add(r);
  }
  const count = (n: number) => formatEstimate("requests_failed", { value: n, ci: null });
  if (reasons.size > 1) {
    rows.push([
      all ? "failed (all reasons)" : "Failed (all reasons)",
      ...doc.levels.map((l) => count(Object.values(l.errors).reduce((a, n) => a + n, 0))),
    ]);
  }
  for (const r of [...reasons].sort()) {
    rows.push([
      `${all ? "failed" : "Failed"}: ${r}`,
      ...doc.levels.map((l) => count(l.errors[r] ?? 0)),
    ]);
  }
  // Requests the load pattern planned but never sent (the run was cut short), as k6 counts
  // dropped iterations: shown, never silently left out.
  if (doc.levels.some((l) => (l.notIssued ?? 0) > 0)) {
    rows.push([
      all ? "not issued" : "Not issued",
      ...doc.levels.map((l) => count(l.notIssued ?? 0)),
    ]);
  }
  return {
    head: ["Metric", ...doc.levels.map(levelLabel)],
    rows,
    ids,
    legend: legendLine(doc, kinds, rows.length > ids.length),
    allMetrics: all,
  };
}

function confidenceText(doc: ResultsDocument): string {
  const cl = doc.config.confidenceLevel;
  return typeof cl === "number" ? `${Number((cl * 100).toPrecision(4))}% ` : "";
}

function legendLine(
  doc: ResultsDocument,
  kinds: { mean: boolean; pooled: boolean },
  totals: boolean,
): string | null {
  const cl = confidenceText(doc);
  const parts = [
    kinds.mean ? `±: ${cl}CI half-width (mean over trials)` : "",
    kinds.pooled ? `(low–high): ${cl}CI (percentile of the pooled requests)` : "",
    totals ? "failed and not-issued rows count all trials" : "",
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(" · ") : null;
}

/**
 * The run's header in two lines: what was measured (tool, engine, model,
 * API, endpoint) and how (mode, trials, requests per level, objectives).
 *
 * @param doc The results document.
 * @returns The lines.
 *
 * @example
 * ```ts
 * import { runHeaderLines } from "./table.ts";
 * import { fixtureDocument } from "../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const lines = runHeaderLines(fixtureDocument([], {
 *   mode: "latency", trials: 3, runs: 64, slo: { ttftMs: 100, tpotMs: 8 },
 * }));
 * assert.deepEqual(lines, [
 *   "splleed 0.1.0 · simulator · model ?",
 *   "latency mode · 3 trials × 64 requests per level · SLO ttft ≤ 100 ms, tpot ≤ 8 ms",
 * ]);
 * ```
 */
export function runHeaderLines(doc: ResultsDocument): string[] {
  const b = doc.backend;
  const server = (b.info as { serverVersion?: unknown } | undefined)?.serverVersion;
  const first = [
    `splleed ${doc.tool.version}`,
    String(b.kind ?? "?"),
    `model ${b.model ?? "?"}`,
    typeof server === "string" ? `server ${server}` : "",
    typeof b.api === "string" ? b.api : "",
    typeof b.endpoint === "string" ? b.endpoint : "",
  ].filter(Boolean).join(" · ");
  const cfg = doc.config;
  const trials = typeof cfg.trials === "number" ? cfg.trials : undefined;
  const per = typeof cfg.runs === "number"
    ? ` × ${cfg.runs} requests per level`
    : typeof cfg.durationS === "number"
    ? ` × ${cfg.durationS} s per level`
    : "";
  const slo = typeof cfg.slo === "object" && cfg.slo !== null
    ? Object.entries(cfg.slo as Record<string, unknown>)
      .filter(([, v]) => typeof v === "number")
      .map(([k, v]) => `${k.replace(/Ms$/, "")} ≤ ${v} ms`).join(", ")
    : "";
  const second = [
    `${cfg.mode ?? "?"} mode`,
    trials !== undefined ? `${trials} trial${trials === 1 ? "" : "s"}${per}` : "",
    slo ? `SLO ${slo}` : "",
  ].filter(Boolean).join(" · ");
  return [first, second];
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

function textWidth(text: string): number {
  return Math.max(0, ...text.replace(ANSI, "").split("\n").map((l) => [...l].length));
}

/** A box table of the given columns (0 is the metric column). */
function box(t: ResultsTable, columns: readonly number[], color: boolean): string {
  const table = new Table({
    head: columns.map((c) => color ? paint(FG.cyan, t.head[c]) : t.head[c]),
    style: { compact: true, head: [], border: [] },
    colAligns: columns.map((c) => c === 0 ? "left" as const : "right" as const),
  });
  for (const r of t.rows) table.push(columns.map((c) => r[c]));
  const text = table.toString();
  return color ? greyBorders(text) : text;
}

/** Each level as `metric value` lines: for terminals too narrow for any table. */
function listed(t: ResultsTable): string {
  const labelWidth = Math.max(...t.rows.map((r) => [...r[0]].length));
  const out: string[] = [];
  for (let c = 1; c < t.head.length; c++) {
    out.push(`${t.head[c]}:`);
    for (const r of t.rows) out.push(`  ${r[0].padEnd(labelWidth)}  ${r[c]}`);
  }
  return out.join("\n");
}

/**
 * Draws the table within `width` columns: one box when it fits, else the
 * levels split into boxes that each fit, else each level as lines.
 */
function fit(t: ResultsTable, width: number | undefined, color: boolean): string {
  const levels = t.head.slice(1).map((_, i) => i + 1);
  const whole = box(t, [0, ...levels], color);
  if (width === undefined || textWidth(whole) <= width || levels.length === 0) return whole;
  const chunks: number[][] = [];
  let current: number[] = [];
  for (const c of levels) {
    const next = [...current, c];
    if (current.length > 0 && textWidth(box(t, [0, ...next], color)) > width) {
      chunks.push(current);
      current = [c];
    } else {
      current = next;
    }
  }
  chunks.push(current);
  const boxes = chunks.map((c) => box(t, [0, ...c], color));
  if (boxes.some((b) => textWidth(b) > width)) return listed(t);
  return boxes.join("\n");
}

/**
 * Renders the results as a text table with a short header above and short
 * lines below (see the module doc for the rows and the layout).
 *
 * @param doc The results document.
 * @param options Rows, colour and width.
 * @returns The text (no trailing newline).
 * @throws {RangeError} When `metrics` names an id splleed does not produce.
 *
 * @example
 * ```ts
 * import { renderTable } from "./table.ts";
 * import assert from "node:assert/strict";
 *
 * const text = renderTable({
 *   schemaVersion: 1, tool: { name: "splleed", version: "0", deno: "2" }, config: { trials: 2, confidenceLevel: 0.95 },
 *   backend: { kind: "simulator", model: "m" }, startedAt: "", finishedAt: "",
 *   interrupted: false, interruption: null, warnings: [], recordsFile: null,
 *   levels: [{ mode: "latency", concurrency: 4, trials: [], errors: {},
 *     summary: { ttft_p50_ms: { value: 41, ci: [40, 42], trials: [40.5, 41.5] } } }],
 * });
 * assert.match(text, /│ TTFT p50 \(ms\) │ +41\.0 ± 1\.0 │/);
 * assert.match(text, /^±: 95% CI half-width \(mean over trials\)$/m);
 * ```
 */
export function renderTable(doc: ResultsDocument, options: TableOptions = {}): string {
  const t = resultsTable(doc, options);
  const lines: string[] = [...runHeaderLines(doc)];
  if (doc.workload) lines.push(renderFingerprint(doc.workload));
  if (doc.interrupted) lines.push(`INTERRUPTED: ${doc.interruption ?? "run cut short"}`);
  for (const w of doc.warnings) lines.push(`warning: ${w}`);
  lines.push(fit(t, options.width, options.color ?? false));
  if (t.legend) lines.push(t.legend);
  lines.push(...noteLines(doc, t).map((n) => `note: ${n}`));
  lines.push(...loadDeliveredLines(doc));
  if (doc.sweep) lines.push(sweepLine(doc.sweep));
  if (doc.recordsFile) lines.push(`records: ${doc.recordsFile}`);
  return lines.join("\n");
}

/**
 * The notes for a table: the full table's notes name ids and show the
 * between-trial spread; the short one's name its rows, about its rows only.
 *
 * @param doc The results document.
 * @param t The table the notes go under.
 * @returns The lines, without `note: `.
 */
export function noteLines(doc: ResultsDocument, t: ResultsTable): string[] {
  if (t.allMetrics) return tableNotes(doc);
  return tableNotes(doc, {
    ids: new Set(t.ids),
    label: (id) => tableRowLabel(id).replace(/ \([^)]*\)$/, ""),
    spread: false,
  });
}

/**
 * The "load delivered" lines of an open-loop run: per level, the requested,
 * planned and achieved rates, the schedule lag, the queue wait and the KS
 * check. With several trials, one line per level: the achieved rate's
 * range, the worst lag, the most queued and the smallest KS p over them.
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
 * assert.equal(lines[1], "  r=8/s: achieved 8.09 req/s (planned 8.10) · lag p50/p99/max 0.050/0.40/1.2 ms · KS p 0.60");
 * ```
 */
export function loadDeliveredLines(doc: ResultsDocument): string[] {
  const out: string[] = [];
  let several = false;
  for (const l of doc.levels) {
    if (l.mode !== "serve") continue;
    const loads = l.trials.flatMap((t) => t.load ? [t.load] : []);
    if (loads.length === 0) continue;
    several ||= loads.length > 1;
    const num = (v: number) => formatSignificant(v, 2);
    const fixed2 = (v: number) => v.toFixed(2);
    const range = (vs: number[], f: (v: number) => string) => {
      const lo = Math.min(...vs), hi = Math.max(...vs);
      return f(lo) === f(hi) ? f(lo) : `${f(lo)}–${f(hi)}`;
    };
    const finite = (vs: (number | null | undefined)[]) =>
      vs.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    const achieved = finite(loads.map((d) => d.achievedRate));
    const planned = finite(loads.map((d) => d.plannedRate));
    const lags = loads.flatMap((d) => d.scheduleLagMs ? [d.scheduleLagMs] : []);
    const queued = loads.flatMap((d) => d.queueMs ? [d.queueMs] : []);
    const ks = finite(loads.map((d) => d.ks?.pValue));
    const behind = loads.flatMap((d, i) => d.fellBehind ? [i + 1] : []);
    const worst = (k: "p50" | "p99" | "max") => Math.max(...lags.map((g) => g[k]));
    const parts = [
      achieved.length > 0
        ? `achieved ${range(achieved, fixed2)} req/s` +
          (planned.length > 0 ? ` (planned ${range(planned, fixed2)})` : "")
        : "",
      lags.length > 0
        ? `lag p50/p99/max ${num(worst("p50"))}/${num(worst("p99"))}/${num(worst("max"))} ms`
        : "",
      queued.length > 0
        ? `queued ${Math.max(...queued.map((q) => q.waited))} (p99 ${
          num(Math.max(...queued.map((q) => q.p99)))
        } ms)`
        : "",
      ks.length > 0 ? `KS p ${Math.min(...ks).toFixed(2)}` : "",
      behind.length > 0
        ? `FELL BEHIND${loads.length > 1 ? ` (trial ${behind.join(", ")})` : ""}`
        : "",
    ].filter(Boolean);
    out.push(`  ${levelLabel(l)}: ${parts.join(" · ")}`);
  }
  if (out.length === 0) return [];
  return [
    several
      ? "load delivered (over the trials: achieved range, worst lag and queue, smallest KS p):"
      : "load delivered:",
    ...out,
  ];
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
