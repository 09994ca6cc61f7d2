/**
 * GitHub-flavoured Markdown: the one table renderer every Markdown output
 * uses (the results, comparisons), its escaping, and the results as
 * Markdown for a pull request: the run's header, its warnings, the same
 * table as the console's, what the intervals are, and the notes.
 *
 * @module
 */

import type { ResultsDocument } from "../results/document.ts";
import { renderFingerprint } from "./fingerprint.ts";
import {
  loadDeliveredLines,
  noteLines,
  resultsTable,
  runHeaderLines,
  sweepLine,
  type TableOptions,
} from "./table.ts";

/**
 * Escapes text for a table cell: backslash, `|` (which would end the
 * cell), `~` (which GitHub reads as strikethrough) and line breaks (a
 * cell is one line). Other Markdown (`**bold**`) is left to work.
 *
 * @param s The text.
 * @returns The escaped text.
 *
 * @example
 * ```ts
 * import { escapeMarkdownCell } from "./markdown.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(escapeMarkdownCell("a | b ~ c"), "a \\| b \\~ c");
 * assert.equal(escapeMarkdownCell("two\nlines"), "two lines");
 * ```
 */
export function escapeMarkdownCell(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/~/g, "\\~").replace(
    /\r?\n/g,
    " ",
  );
}

/**
 * Escapes text for a paragraph or a list item: every character Markdown
 * could read as formatting (`\` `` ` `` `*` `_` `~` `|` `<` `>` `[` `]`).
 *
 * @param s The text.
 * @returns The escaped text.
 *
 * @example
 * ```ts
 * import { escapeMarkdownText } from "./markdown.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(escapeMarkdownText("ttft_p99_ms <= 5 *"), "ttft\\_p99\\_ms \\<= 5 \\*");
 * ```
 */
export function escapeMarkdownText(s: string): string {
  return s.replace(/([\\`*_~|<>[\]])/g, "\\$1");
}

/**
 * A GitHub-flavoured Markdown table. Every cell is escaped with
 * {@linkcode escapeMarkdownCell}; a row shorter than the head is filled
 * with empty cells.
 *
 * @param head The column heads.
 * @param rows The rows of cells.
 * @param align Each column's alignment. @default every column "left"
 * @returns The table's lines joined by `\n` (no trailing newline).
 *
 * @example
 * ```ts
 * import { markdownTable } from "./markdown.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   markdownTable(["Metric", "c=1"], [["TTFT p50 (ms)", "6.1 (5.8–7.8)"], ["x|y", "~"]], ["left", "right"]),
 *   "| Metric | c=1 |\n| :-- | --: |\n| TTFT p50 (ms) | 6.1 (5.8–7.8) |\n| x\\|y | \\~ |",
 * );
 * ```
 */
export function markdownTable(
  head: string[],
  rows: string[][],
  align?: ("left" | "right")[],
): string {
  const line = (cells: string[]) =>
    `| ${head.map((_, i) => escapeMarkdownCell(cells[i] ?? "")).join(" | ")} |`;
  const rule = `| ${
    head.map((_, i) => (align?.[i] ?? "left") === "right" ? "--:" : ":--").join(" | ")
  } |`;
  return [line(head), rule, ...rows.map(line)].join("\n");
}

/**
 * The results as GitHub-flavoured Markdown, ready to paste into a pull
 * request: a heading, the run's header (engine, model, mode, trials,
 * workload), warnings as a quote, the table (the same rows as the console
 * table: {@linkcode TableOptions}), what the intervals are, and the notes
 * and load-delivered lines as a list.
 *
 * @param doc The results document.
 * @param options Which rows (`metrics`, `allMetrics`; `color` and `width` do not apply).
 * @param title The heading. @default "Benchmark results"
 * @returns The Markdown (ends with a newline).
 * @throws {RangeError} When `metrics` names an id splleed does not produce.
 *
 * @example
 * ```ts
 * import { renderMarkdown } from "./markdown.ts";
 * import { fixtureDocument } from "../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = fixtureDocument([{ mode: "latency", concurrency: 4, trials: [], errors: {}, summary: {
 *   ttft_p50_ms: { value: 41.23, ci: [40.1, 42.9], trials: [], basis: "pooled" },
 * } }], { mode: "latency", trials: 3, confidenceLevel: 0.95 });
 * const md = renderMarkdown({ ...doc, warnings: ["concurrency 64 exceeds runs (16)"] });
 * assert.match(md, /^### Benchmark results\n/);
 * assert.match(md, /\n> \*\*Warning:\*\* concurrency 64 exceeds runs \(16\)\n/);
 * assert.match(md, /\n\| Metric \| c=4 \|\n\| :-- \| --: \|\n\| TTFT p50 \(ms\) \| 41\.2 \(40\.1–42\.9\) \|\n/);
 * ```
 */
export function renderMarkdown(
  doc: ResultsDocument,
  options: TableOptions = {},
  title = "Benchmark results",
): string {
  const t = resultsTable(doc, options);
  const out: string[] = [`### ${escapeMarkdownText(title)}`, ""];
  const [what, how] = runHeaderLines(doc);
  out.push(`${escapeMarkdownText(what)}  `, escapeMarkdownText(how));
  if (doc.workload) {
    out.push("", escapeMarkdownText(renderFingerprint(doc.workload).replace(/\n\s*/, " · ")));
  }
  out.push("");
  if (doc.interrupted) {
    out.push(`> **Interrupted:** ${escapeMarkdownText(doc.interruption ?? "run cut short")}`, "");
  }
  if (doc.warnings.length > 0) {
    for (const w of doc.warnings) out.push(`> **Warning:** ${escapeMarkdownText(w)}`);
    out.push("");
  }
  out.push(markdownTable(t.head, t.rows, t.head.map((_, i) => i === 0 ? "left" : "right")), "");
  if (t.legend) out.push(`<sub>${escapeMarkdownText(t.legend)}</sub>`, "");
  const list = [
    ...noteLines(doc, t),
    ...loadDeliveredLines(doc).slice(1).map((l) => `load delivered at ${l.trim()}`),
    ...(doc.sweep ? [sweepLine(doc.sweep)] : []),
  ];
  if (list.length > 0) {
    for (const n of list) out.push(`- ${escapeMarkdownText(n)}`);
    out.push("");
  }
  return out.join("\n").replace(/\n+$/, "") + "\n";
}
