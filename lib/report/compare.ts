/**
 * The comparison of two runs as a console table and as GitHub-flavoured
 * Markdown, benchstat-style: per matched level, each metric's mean ± sd over
 * trials on both sides, the change with its interval, the Holm-adjusted p
 * with stars, `~` where the difference is not significant, and the verdict
 * in words (and colour). Warnings about runs that are not like for like
 * come above the table; levels only one run has are listed under it.
 *
 * @module
 */

import Table from "npm:cli-table3@^0.6.5";
import { FG, paint } from "./_ansi.ts";
import type {
  ComparisonData,
  LevelComparison,
  MetricComparison,
  Verdict,
} from "../analysis/compare.ts";
import { metricInfo } from "../metrics/ids.ts";
import { formatValue } from "./format.ts";
import { escapeMarkdownText, markdownTable } from "./markdown.ts";

/** Options of {@linkcode renderComparison}. */
export interface RenderComparisonOptions {
  /**
   * Use colour codes (improvements green, regressions red).
   * @default {false}
   */
  color?: boolean;
}

const DIST_NAME: Record<string, string> = {
  ttft: "TTFT",
  itl: "ITL",
  tpot: "TPOT",
  e2e: "E2E",
  schedule_lag: "Schedule lag",
};

const SHORT_LABEL: Record<string, string> = {
  throughput_tokens_per_sec: "Throughput (tok/s)",
  request_throughput_per_sec: "Request throughput (req/s)",
  goodput_requests_per_sec: "Goodput (req/s)",
  total_throughput_tokens_per_sec: "Total throughput (tok/s)",
  input_throughput_tokens_per_sec: "Input throughput (tok/s)",
  achieved_request_rate_per_sec: "Achieved rate (req/s)",
};

/**
 * A metric's short name for a table row: `TTFT p50 (ms)`, `Throughput (tok/s)`.
 *
 * @param id The metric id.
 * @returns The name, with its unit.
 *
 * @example
 * ```ts
 * import { metricRowLabel } from "./compare.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(metricRowLabel("ttft_p50_ms"), "TTFT p50 (ms)");
 * assert.equal(metricRowLabel("throughput_tokens_per_sec"), "Throughput (tok/s)");
 * assert.equal(metricRowLabel("requests_failed"), "Requests failed");
 * ```
 */
export function metricRowLabel(id: string): string {
  if (SHORT_LABEL[id]) return SHORT_LABEL[id];
  const adjusted = /^e2e_failure_adjusted_(p\d+)_ms$/.exec(id);
  if (adjusted) return `E2E ${adjusted[1]}, failures as slowest (ms)`;
  const m = /^(ttft|itl|tpot|e2e|schedule_lag)_([a-z0-9]+)_ms$/.exec(id);
  if (m) return `${DIST_NAME[m[1]]} ${m[2]} (ms)`;
  const info = metricInfo(id);
  if (!info) return id;
  const label = info.label[0].toUpperCase() + info.label.slice(1);
  const unit = info.unit === "requests" || info.unit === "tokens" ? "" : ` (${info.unit})`;
  return label + unit;
}

/**
 * A relative change as a signed percentage with one decimal: `+5.4%`, `-72.8%`.
 *
 * @param x The change (0.054 for +5.4 %).
 * @returns The text; `—` for null or a value that is not finite.
 *
 * @example
 * ```ts
 * import { formatChange } from "./compare.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatChange(0.054), "+5.4%");
 * assert.equal(formatChange(-0.7281), "-72.8%");
 * assert.equal(formatChange(0), "+0.0%");
 * assert.equal(formatChange(null), "—");
 * ```
 */
export function formatChange(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return "—";
  const pct = (x * 100).toFixed(1);
  return pct.startsWith("-") ? `${pct}%` : `+${pct}%`.replace("+-", "-");
}

/**
 * A p-value with the stars of its size (`*` < 0.05, `**` < 0.01, `***` < 0.001),
 * stars only when the difference is significant.
 *
 * @param p The (adjusted) p-value, or null.
 * @param significant Whether it is below the comparison's alpha.
 * @returns `<0.001 ***`, `0.03 *`, `0.41`, `—`.
 *
 * @example
 * ```ts
 * import { formatP } from "./compare.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatP(0.0004, true), "<0.001 ***");
 * assert.equal(formatP(0.0042, true), "0.004 **");
 * assert.equal(formatP(0.031, true), "0.03 *");
 * assert.equal(formatP(0.41, false), "0.41");
 * assert.equal(formatP(null, false), "—");
 * ```
 */
export function formatP(p: number | null, significant: boolean): string {
  if (p === null || !Number.isFinite(p)) return "—";
  const text = p < 0.001 ? "<0.001" : p < 0.01 ? p.toFixed(3) : p.toFixed(2);
  if (!significant) return text;
  const stars = p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : "";
  return stars ? `${text} ${stars}` : text;
}

function side(m: MetricComparison, which: "baseline" | "candidate"): string {
  const s = m[which];
  if (s.n === 0) return "—";
  const mean = formatValue(m.id, s.mean);
  return s.n < 2 ? mean : `${mean} ± ${formatValue(m.id, s.sd)}`;
}

function changeCell(m: MetricComparison): string {
  return m.verdict === "no_difference" ? "~" : formatChange(m.change);
}

function ciCell(m: MetricComparison): string {
  return m.ci ? `[${formatChange(m.ci[0])}, ${formatChange(m.ci[1])}]` : "—";
}

const VERDICT_WORDS: Record<Verdict, string> = {
  improvement: "improvement",
  regression: "regression",
  no_difference: "",
  inconclusive: "inconclusive",
};

function percent(x: number): string {
  const p = x * 100;
  return `${Number(p.toFixed(1))} %`;
}

function levelContext(l: LevelComparison): string {
  if (l.mode === "throughput") return `burst of ${l.concurrency}`;
  if (l.mode === "serve") {
    const rate = l.requestRate === "inf" ? "inf" : `${l.requestRate}/s`;
    return `request rate ${rate}` + (l.concurrency > 0 ? `, max ${l.concurrency} in flight` : "");
  }
  return `concurrency ${l.concurrency}`;
}

function trialCounts(l: LevelComparison): string {
  const nb = Math.max(0, ...l.metrics.map((m) => m.baseline.n));
  const nc = Math.max(0, ...l.metrics.map((m) => m.candidate.n));
  const t = (n: number) => `${n} trial${n === 1 ? "" : "s"}`;
  return nb === nc ? `${t(nb)} each` : `${nb} vs ${t(nc)}`;
}

/**
 * The header line of a level: `Comparison: A vs B (5 trials each, concurrency 8)`.
 *
 * @param data The comparison.
 * @param l The level.
 * @returns The line.
 *
 * @example
 * ```ts
 * import { comparisonHeader } from "./compare.ts";
 * import assert from "node:assert/strict";
 *
 * const m = { baseline: { n: 5 }, candidate: { n: 5 } };
 * const line = comparisonHeader(
 *   { baselineName: "baseline", candidateName: "prefix_caching" } as never,
 *   { mode: "latency", concurrency: 8, metrics: [m] } as never,
 * );
 * assert.equal(line, "Comparison: baseline vs prefix_caching (5 trials each, concurrency 8)");
 * ```
 */
export function comparisonHeader(data: ComparisonData, l: LevelComparison): string {
  return `Comparison: ${data.baselineName} vs ${data.candidateName} (${trialCounts(l)}, ${
    levelContext(l)
  })`;
}

/** What a level's table says in words: improvements, regressions, power, notes. */
function levelLines(data: ComparisonData, l: LevelComparison, color: boolean): string[] {
  const out: string[] = [];
  const paint = (v: Verdict, s: string) =>
    !color ? s : v === "improvement" ? green(s) : v === "regression" ? red(s) : s;
  const list = (v: Verdict) =>
    l.metrics.filter((m) => m.verdict === v).map((m) =>
      `${metricRowLabel(m.id)} ${formatChange(m.change)} (p ${formatP(m.pAdjusted, false)})`
    );
  const better = list("improvement"), worse = list("regression");
  if (l.metrics.length > 0) {
    out.push(
      paint("improvement", `improvements: ${better.length ? better.join(", ") : "none"}`),
    );
    out.push(paint("regression", `regressions: ${worse.length ? worse.join(", ") : "none"}`));
  }
  const power = data.power ?? 0.8;
  for (const m of l.metrics) {
    const parts: string[] = [];
    if (m.verdict === "no_difference") {
      parts.push(
        m.detectable !== null
          ? `no significant difference; would have detected ±${percent(m.detectable)} with ${
            percent(power)
          } power`
          : "no significant difference",
      );
    }
    if (
      m.trialsNeeded !== null && data.detect !== undefined &&
      (m.verdict === "no_difference" || m.verdict === "inconclusive")
    ) {
      parts.push(
        `${m.trialsNeeded} trials per side would detect ±${percent(data.detect)} with ${
          percent(power)
        } power`,
      );
    }
    if (m.note) parts.push(m.note);
    if (parts.length > 0) {
      const mark = m.verdict === "no_difference" ? "~" : "note:";
      out.push(`${mark} ${metricRowLabel(m.id)}: ${parts.join("; ")}`);
    }
  }
  const tested = l.metrics.filter((m) => m.pAdjusted !== null).length;
  if (
    l.metrics.some((m) => m.verdict === "no_difference" && m.ci && (m.ci[0] > 0 || m.ci[1] < 0))
  ) {
    out.push(
      `note: an interval beside ~ that leaves out 0 is not adjusted for the ${tested} ` +
        `metric${tested === 1 ? "" : "s"} compared; the adjusted p decides`,
    );
  }
  return out;
}

function unmatchedLine(data: ComparisonData): string | null {
  if (data.unmatched.length === 0) return null;
  const of = (s: "baseline" | "candidate") =>
    data.unmatched.filter((u) => u.side === s).map((u) => u.label);
  const parts = [
    of("baseline").length ? `only in ${data.baselineName}: ${of("baseline").join(", ")}` : "",
    of("candidate").length ? `only in ${data.candidateName}: ${of("candidate").join(", ")}` : "",
  ].filter(Boolean);
  return `levels not compared (${parts.join("; ")})`;
}

function noLevelsLine(data: ComparisonData): string {
  return `Comparison: ${data.baselineName} vs ${data.candidateName}: no level of one run ` +
    "matches a level of the other (same mode and concurrency or request rate); nothing compared";
}

/** A table without rules, as benchstat prints one: columns apart by two spaces. */
const BORDERLESS = {
  top: "",
  "top-mid": "",
  "top-left": "",
  "top-right": "",
  bottom: "",
  "bottom-mid": "",
  "bottom-left": "",
  "bottom-right": "",
  left: "",
  "left-mid": "",
  mid: "",
  "mid-mid": "",
  right: "",
  "right-mid": "",
  middle: "",
};

function green(s: string): string {
  return paint(FG.green, s);
}

function red(s: string): string {
  return paint(FG.red, s);
}

/**
 * Renders a comparison as text: warnings, then per matched level its header
 * line, the table (Metric, both sides' mean ± sd, Change, CI of change,
 * p (adj.) with stars, verdict) and what it says in words, then the levels
 * only one run has.
 *
 * @param data The comparison (`compareDocuments`).
 * @param options Rendering options.
 * @returns The text (no trailing newline).
 *
 * @example
 * ```ts
 * import { renderComparison } from "./compare.ts";
 * import assert from "node:assert/strict";
 *
 * const side = (mean: number, sd: number) => ({ values: [], mean, sd, n: 5 });
 * const text = renderComparison({
 *   baselineName: "baseline", candidateName: "prefix_caching", alpha: 0.05, confidence: 0.95,
 *   test: "welch", power: 0.8, unmatched: [], warnings: [],
 *   levels: [{ label: "c=8", mode: "latency", concurrency: 8, baselineIndex: 0, candidateIndex: 0,
 *     metrics: [{ id: "ttft_p50_ms", label: "time to first token p50", unit: "ms", better: "lower",
 *       baseline: side(45.2, 2.1), candidate: side(12.3, 0.8), change: -0.728, ci: [-0.751, -0.702],
 *       p: 0.0001, pAdjusted: 0.0002, significant: true, verdict: "improvement",
 *       detectable: null, trialsNeeded: null }] }],
 * });
 * assert.match(text, /^Comparison: baseline vs prefix_caching \(5 trials each, concurrency 8\)/);
 * assert.match(text, /TTFT p50 \(ms\) +45\.20 ± 2\.10 +12\.30 ± 0\.80 +-72\.8% +\[-75\.1%, -70\.2%\] +<0\.001 \*\*\* +improvement/);
 * ```
 */
export function renderComparison(
  data: ComparisonData,
  options: RenderComparisonOptions = {},
): string {
  const color = options.color ?? false;
  const lines: string[] = [];
  if (data.warnings.length > 0) {
    lines.push(
      `warning: ${data.baselineName} and ${data.candidateName} differ in more than the backend; ` +
        "their difference may not be the backend's:",
    );
    for (const w of data.warnings) lines.push(`warning:   ${w}`);
  }
  if (data.levels.length === 0) lines.push(noLevelsLine(data));
  const ciHead = `${percent(data.confidence).replace(" ", "")} CI of change`;
  for (const [i, l] of data.levels.entries()) {
    if (i > 0) lines.push("");
    lines.push(comparisonHeader(data, l));
    const table = new Table({
      head: ["Metric", data.baselineName, data.candidateName, "Change", ciHead, "p (adj.)", ""]
        .map((h) => color && h !== "" ? paint(FG.cyan, h) : h),
      chars: BORDERLESS,
      style: { compact: true, head: [], border: [], "padding-left": 0, "padding-right": 2 },
      colAligns: ["left", "right", "right", "right", "left", "left", "left"],
    });
    for (const m of l.metrics) {
      const paint = (s: string) =>
        !color
          ? s
          : m.verdict === "improvement"
          ? green(s)
          : m.verdict === "regression"
          ? red(s)
          : s;
      table.push([
        metricRowLabel(m.id),
        side(m, "baseline"),
        side(m, "candidate"),
        paint(changeCell(m)),
        ciCell(m),
        formatP(m.pAdjusted, m.significant),
        paint(VERDICT_WORDS[m.verdict]),
      ]);
    }
    lines.push(table.toString().split("\n").map((r) => r.trimEnd()).join("\n"));
    lines.push(...levelLines(data, l, color));
  }
  const un = unmatchedLine(data);
  if (un) lines.push(un);
  return lines.join("\n");
}

const mdText = escapeMarkdownText;

/**
 * Renders a comparison as GitHub-flavoured Markdown (for a pull-request
 * comment): warnings as a quote, then per matched level a bold header line
 * and a table with the same columns as the console table, the verdicts in
 * bold, and what the table says in words as a list; the levels only one run
 * has at the end.
 *
 * @param data The comparison (`compareDocuments`).
 * @returns The Markdown (ends with a newline).
 *
 * @example
 * ```ts
 * import { renderComparisonMarkdown } from "./compare.ts";
 * import assert from "node:assert/strict";
 *
 * const side = (mean: number) => ({ values: [], mean, sd: 0.2, n: 5 });
 * const md = renderComparisonMarkdown({
 *   baselineName: "a", candidateName: "b", alpha: 0.05, confidence: 0.95, test: "welch",
 *   unmatched: [], warnings: [],
 *   levels: [{ label: "c=8", mode: "latency", concurrency: 8, baselineIndex: 0, candidateIndex: 0,
 *     metrics: [{ id: "itl_p50_ms", label: "inter-token latency p50", unit: "ms", better: "lower",
 *       baseline: side(8.2), candidate: side(8.1), change: -0.012, ci: [-0.04, 0.017],
 *       p: 0.41, pAdjusted: 0.41, significant: false, verdict: "no_difference",
 *       detectable: 0.061, trialsNeeded: null }] }],
 * });
 * assert.match(md, /\n\| Metric \| a \| b \| Change \| 95% CI of change \| p \(adj\.\) \| Verdict \|\n/);
 * assert.match(md, /\| ITL p50 \(ms\) \| 8\.20 ± 0\.20 \| 8\.10 ± 0\.20 \| \\~ \| \[-4\.0%, \+1\.7%\] \| 0\.41 \|  \|/);
 * ```
 */
export function renderComparisonMarkdown(data: ComparisonData): string {
  const out: string[] = [];
  if (data.warnings.length > 0) {
    out.push(
      `> **Warning:** ${mdText(data.baselineName)} and ${
        mdText(data.candidateName)
      } differ in more than the backend; their difference may not be the backend's:`,
    );
    for (const w of data.warnings) out.push(`> - ${mdText(w)}`);
    out.push("");
  }
  if (data.levels.length === 0) out.push(mdText(noLevelsLine(data)), "");
  const ciHead = `${percent(data.confidence).replace(" ", "")} CI of change`;
  for (const l of data.levels) {
    out.push(`**${mdText(comparisonHeader(data, l))}**`, "");
    const head = [
      "Metric",
      data.baselineName,
      data.candidateName,
      "Change",
      ciHead,
      "p (adj.)",
      "Verdict",
    ];
    const rows = l.metrics.map((m) => {
      const words = VERDICT_WORDS[m.verdict];
      return [
        metricRowLabel(m.id),
        side(m, "baseline"),
        side(m, "candidate"),
        changeCell(m),
        ciCell(m),
        formatP(m.pAdjusted, m.significant),
        m.verdict === "improvement" || m.verdict === "regression" ? `**${words}**` : words,
      ];
    });
    out.push(
      markdownTable(head, rows, ["left", "right", "right", "right", "left", "left", "left"]),
    );
    out.push("");
    const words = levelLines(data, l, false);
    if (words.length > 0) {
      for (const w of words) out.push(`- ${mdText(w)}`);
      out.push("");
    }
  }
  const un = unmatchedLine(data);
  if (un) out.push(mdText(un), "");
  return out.join("\n").replace(/\n+$/, "") + "\n";
}
