/**
 * Rendering a regression check (`lib/analysis/regression.ts`): a text
 * table for the console, Markdown for a pull-request comment, and the one
 * summary line both end with. Every checked metric is listed with before,
 * after, change, its interval, the threshold and the verdict.
 *
 * The shapes below are the parts of the analysis result these functions
 * read (report/ renders documents and results; it does not import analysis/).
 *
 * @module
 */

import Table from "npm:cli-table3@^0.6.5";
import { FG, greyBorders, paint } from "./_ansi.ts";
import { formatValue } from "./format.ts";

/** One checked metric, as rendered. */
export interface RegressionReportRow {
  /** Metric id. */
  id: string;
  /** Baseline mean (NaN when not measured). */
  before: number;
  /** Current mean (NaN when not measured). */
  after: number;
  /** Baseline trials with a value. */
  nBefore: number;
  /** Current trials with a value. */
  nAfter: number;
  /** Relative change, or null. */
  change: number | null;
  /** Interval of the change, or null. */
  ci: readonly [number, number] | null;
  /** Relative threshold. */
  threshold: number;
  /** One-sided p, or null. */
  p: number | null;
  /** Holm-adjusted p, or null. */
  pAdjusted: number | null;
  /** The verdict. */
  verdict: "ok" | "regression" | "improvement" | "inconclusive";
  /** Why, when it needs saying. */
  note?: string;
}

/** A regression check's result, as rendered. */
export interface RegressionReportData {
  /** `significant` or `point`. */
  policy: "significant" | "point";
  /** `welch` or `mann-whitney`. */
  test: "welch" | "mann-whitney";
  /** Significance level. */
  alpha: number;
  /** Confidence level of the intervals. */
  confidence: number;
  /** Trials per side the test needs. */
  trialsNeeded: number;
  /** The matched levels. */
  levels: readonly {
    label: string;
    baselineTrials: number;
    currentTrials: number;
    rows: readonly RegressionReportRow[];
  }[];
  /** Regressions found. */
  regressions: number;
  /** Improvements found. */
  improvements: number;
  /** Inconclusive rows. */
  inconclusive: number;
  /** Levels without a counterpart. */
  unmatched: readonly { side: "baseline" | "current"; label: string }[];
  /** Warnings (like for like). */
  warnings: readonly string[];
}

/** Options of {@linkcode renderRegressionTable}. */
export interface RenderRegressionOptions {
  /** Colour the verdicts (red regression, green improvement, yellow inconclusive). @default false */
  color?: boolean;
}

/**
 * A relative change as a signed percentage with one decimal: `+14.2 %`.
 *
 * @param x The change (0.142).
 * @returns The text; `—` for null.
 *
 * @example
 * ```ts
 * import { formatChange } from "./regression.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatChange(0.1423), "+14.2 %");
 * assert.equal(formatChange(-0.05), "-5.0 %");
 * assert.equal(formatChange(0), "0.0 %");
 * assert.equal(formatChange(Infinity), "+∞");
 * assert.equal(formatChange(null), "—");
 * ```
 */
export function formatChange(x: number | null): string {
  if (x === null || Number.isNaN(x)) return "—";
  if (!Number.isFinite(x)) return x > 0 ? "+∞" : "-∞";
  const s = (x * 100).toFixed(1);
  if (s === "0.0" || s === "-0.0") return "0.0 %";
  return `${x > 0 ? "+" : ""}${s} %`;
}

/** A threshold as the user wrote it: `+10 %`, `-5 %`. */
function formatThreshold(t: number): string {
  return `${t > 0 ? "+" : t < 0 ? "-" : ""}${Number((Math.abs(t) * 100).toPrecision(4))} %`;
}

function formatP(p: number | null): string {
  if (p === null || Number.isNaN(p)) return "—";
  return p < 0.001 ? "<0.001" : p.toFixed(3);
}

function formatCi(ci: readonly [number, number] | null): string {
  return ci === null ? "—" : `[${formatChange(ci[0])}, ${formatChange(ci[1])}]`;
}

function value(id: string, v: number): string {
  return Number.isNaN(v) ? "—" : formatValue(id, v);
}

const COLORS = {
  regression: FG.red,
  improvement: FG.green,
  inconclusive: FG.yellow,
  ok: 0,
} as const;

function verdictText(v: RegressionReportRow["verdict"], color: boolean): string {
  const text = v === "regression" ? "REGRESSION" : v;
  return color && COLORS[v] !== 0 ? paint(COLORS[v], text) : text;
}

/**
 * The one line that says what the check found: the regressions with their
 * change and threshold, or how many metrics at how many levels were fine;
 * then improvements and inconclusive rows, and how to decide those.
 *
 * @param r The check's result.
 * @returns The line.
 *
 * @example
 * ```ts
 * import { regressionSummary, type RegressionReportRow } from "./regression.ts";
 * import assert from "node:assert/strict";
 *
 * const row = (id: string, change: number, threshold: number, verdict: RegressionReportRow["verdict"]) => ({
 *   id, before: 1, after: 1 + change, nBefore: 5, nAfter: 5, change, ci: null, threshold,
 *   p: 0.01, pAdjusted: 0.02, verdict,
 * });
 * const base = { policy: "significant", test: "welch", alpha: 0.05, confidence: 0.95, trialsNeeded: 2,
 *   improvements: 0, inconclusive: 0, unmatched: [], warnings: [] } as const;
 * assert.equal(regressionSummary({ ...base, regressions: 2, levels: [{ label: "c=8", baselineTrials: 5, currentTrials: 5,
 *   rows: [row("ttft_p99_ms", 0.142, 0.1, "regression"), row("throughput_tokens_per_sec", -0.061, -0.05, "regression")] }] }),
 *   "2 regressions at c=8: ttft_p99_ms +14.2 % (threshold +10 %), throughput_tokens_per_sec -6.1 % (threshold -5 %)");
 * assert.equal(regressionSummary({ ...base, regressions: 0, levels: ["c=1", "c=8"].map((label) => ({
 *   label, baselineTrials: 5, currentTrials: 5, rows: [row("ttft_p99_ms", 0.01, 0.1, "ok"), row("itl_p50_ms", 0, 0.1, "ok")] })) }),
 *   "no regression in 2 metrics at 2 levels");
 * ```
 */
export function regressionSummary(r: RegressionReportData): string {
  const metrics = new Set(r.levels.flatMap((l) => l.rows.map((row) => row.id))).size;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const parts: string[] = [];
  if (r.regressions > 0) {
    const byLevel = r.levels
      .map((l) => ({ label: l.label, rows: l.rows.filter((row) => row.verdict === "regression") }))
      .filter((l) => l.rows.length > 0);
    const list = (rows: readonly RegressionReportRow[]) =>
      rows.map((row) =>
        `${row.id} ${formatChange(row.change)} (threshold ${formatThreshold(row.threshold)})`
      ).join(", ");
    parts.push(
      byLevel.length === 1
        ? `${plural(r.regressions, "regression")} at ${byLevel[0].label}: ${list(byLevel[0].rows)}`
        : `${plural(r.regressions, "regression")}: ${
          byLevel.map((l) => `at ${l.label}: ${list(l.rows)}`).join("; ")
        }`,
    );
  } else {
    parts.push(
      `no regression in ${plural(metrics, "metric")} at ${plural(r.levels.length, "level")}`,
    );
  }
  if (r.improvements > 0) parts.push(plural(r.improvements, "improvement"));
  if (r.inconclusive > 0) {
    const few = r.levels.some((l) => l.rows.some((row) => /need ≥/.test(row.note ?? "")));
    parts.push(
      `${r.inconclusive} inconclusive` +
        (few
          ? ` (need ≥ ${r.trialsNeeded} trials per side; --policy point judges single trials by the point estimate)`
          : ""),
    );
  }
  return parts.join("; ");
}

function headLine(r: RegressionReportData): string {
  const test = r.test === "welch" ? "Welch's t on the logs" : "Mann–Whitney U";
  return r.policy === "point"
    ? `Regression check: current vs baseline · policy point (the point estimate decides)`
    : `Regression check: current vs baseline · policy significant (${test}, one-sided, ` +
      `Holm-adjusted, alpha ${r.alpha})`;
}

function rowCells(row: RegressionReportRow, color: boolean): string[] {
  return [
    row.id,
    value(row.id, row.before),
    value(row.id, row.after),
    formatChange(row.change),
    formatCi(row.ci),
    formatThreshold(row.threshold),
    formatP(row.pAdjusted),
    verdictText(row.verdict, color),
  ];
}

function columns(r: RegressionReportData): string[] {
  return [
    "metric",
    "before",
    "after",
    "change",
    `${Math.round(r.confidence * 1000) / 10}% CI`,
    "threshold",
    "p (adj.)",
    "verdict",
  ];
}

function levelHead(l: RegressionReportData["levels"][number]): string {
  return `${l.label} (${l.baselineTrials} vs ${l.currentTrials} trial${
    l.currentTrials === 1 ? "" : "s"
  })`;
}

/**
 * Renders a regression check as text: a head line, warnings, one table per
 * level (metric, before, after, change, interval, threshold, adjusted p,
 * verdict), the notes, unmatched levels, and the summary line.
 *
 * @param r The check's result.
 * @param options Colour.
 * @returns The text (no trailing newline).
 *
 * @example
 * ```ts
 * import { renderRegressionTable } from "./regression.ts";
 * import assert from "node:assert/strict";
 *
 * const text = renderRegressionTable({
 *   policy: "significant", test: "welch", alpha: 0.05, confidence: 0.95, trialsNeeded: 2,
 *   regressions: 1, improvements: 0, inconclusive: 0, unmatched: [{ side: "current", label: "c=16" }],
 *   warnings: ["sampling.temperature: 0 vs 0.7"],
 *   levels: [{ label: "c=8", baselineTrials: 3, currentTrials: 3, rows: [{
 *     id: "ttft_p99_ms", before: 40, after: 50, nBefore: 3, nAfter: 3, change: 0.25,
 *     ci: [0.2, 0.3], threshold: 0.1, p: 0.0004, pAdjusted: 0.0004, verdict: "regression" }] }],
 * });
 * assert.match(text, /warning: sampling\.temperature: 0 vs 0\.7/);
 * assert.match(text, /ttft_p99_ms .*40\.00 .*50\.00 .*\+25\.0 % .*\[\+20\.0 %, \+30\.0 %\] .*\+10 % .*<0\.001 .*REGRESSION/);
 * assert.match(text, /c=16 of the current run has no level in the baseline/);
 * assert.match(text, /1 regression at c=8: ttft_p99_ms \+25\.0 % \(threshold \+10 %\)$/);
 * ```
 */
export function renderRegressionTable(
  r: RegressionReportData,
  options: RenderRegressionOptions = {},
): string {
  const color = options.color === true;
  const lines = [headLine(r)];
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  for (const l of r.levels) {
    lines.push(levelHead(l));
    const table = new Table({
      head: columns(r).map((h) => color ? paint(FG.cyan, h) : h),
      style: { compact: true, head: [], border: [] },
      colAligns: ["left", "right", "right", "right", "right", "right", "right", "left"],
    });
    for (const row of l.rows) table.push(rowCells(row, color));
    lines.push(color ? greyBorders(table.toString()) : table.toString());
    for (const row of l.rows) {
      if (row.note) lines.push(`note: ${l.label} ${row.id}: ${row.note}`);
    }
  }
  lines.push(...unmatchedLines(r));
  lines.push(regressionSummary(r));
  return lines.join("\n");
}

function unmatchedLines(r: RegressionReportData): string[] {
  return r.unmatched.map((u) =>
    `unmatched: ${u.label} of the ${
      u.side === "baseline" ? "baseline" : "current run"
    } has no level in the ${u.side === "baseline" ? "current run" : "baseline"} (not checked)`
  );
}

function md(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/**
 * Renders a regression check as Markdown for a pull-request comment: a
 * heading, the summary in bold (with ❌ or ✅), warnings, one table per
 * level, notes and unmatched levels.
 *
 * @param r The check's result.
 * @returns The Markdown (ends with a newline).
 *
 * @example
 * ```ts
 * import { renderRegressionMarkdown } from "./regression.ts";
 * import assert from "node:assert/strict";
 *
 * const text = renderRegressionMarkdown({
 *   policy: "point", test: "welch", alpha: 0.05, confidence: 0.95, trialsNeeded: 2,
 *   regressions: 0, improvements: 0, inconclusive: 0, unmatched: [], warnings: [],
 *   levels: [{ label: "c=8", baselineTrials: 1, currentTrials: 1, rows: [{
 *     id: "ttft_p99_ms", before: 40, after: 41, nBefore: 1, nAfter: 1, change: 0.025,
 *     ci: null, threshold: 0.1, p: null, pAdjusted: null, verdict: "ok" }] }],
 * });
 * assert.match(text, /^### splleed regression check\n/);
 * assert.match(text, /\*{2}✅ no regression in 1 metric at 1 level\*{2}\n/);
 * assert.match(text, /\n\| metric \| before \| after \| change \| 95% CI \| threshold \| p \(adj\.\) \| verdict \|\n\|[-:|]+\|\n\| `ttft_p99_ms` \| 40\.00 \| 41\.00 \| \+2\.5 % \| — \| \+10 % \| — \| ok \|\n/);
 * ```
 */
export function renderRegressionMarkdown(r: RegressionReportData): string {
  const out: string[] = ["### splleed regression check", ""];
  out.push(`**${r.regressions > 0 ? "❌" : "✅"} ${md(regressionSummary(r))}**`, "");
  out.push(`_${md(headLine(r).replace(/^Regression check: /, ""))}_`, "");
  if (r.warnings.length > 0) {
    for (const w of r.warnings) out.push(`> ⚠️ ${md(w)}`);
    out.push("");
  }
  for (const l of r.levels) {
    out.push(`#### ${md(levelHead(l))}`, "");
    const cols = columns(r);
    out.push(`| ${cols.join(" | ")} |`);
    out.push(
      `|${cols.map((_, i) => (i === 0 || i === cols.length - 1 ? ":--" : "--:")).join("|")}|`,
    );
    for (const row of l.rows) {
      const cells = rowCells(row, false).map(md);
      cells[0] = `\`${row.id}\``;
      if (row.verdict === "regression") cells[7] = "**REGRESSION**";
      out.push(`| ${cells.join(" | ")} |`);
    }
    const notes = l.rows.filter((row) => row.note);
    if (notes.length > 0) {
      out.push("");
      for (const row of notes) out.push(`- \`${row.id}\`: ${md(row.note!)}`);
    }
    out.push("");
  }
  const un = unmatchedLines(r);
  if (un.length > 0) {
    for (const u of un) out.push(`- ${md(u)}`);
    out.push("");
  }
  return out.join("\n");
}
