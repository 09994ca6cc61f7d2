/**
 * The self-contained HTML report: one file that opens offline. The page is
 * the sections of a registry ({@linkcode HTML_SECTIONS}), each rendering
 * one kind of data; charts are drawn in the browser by uPlot (inlined, as
 * is the page's own script and style) from data embedded as JSON. Nothing
 * is fetched: no CDN, no font, no image, and a Content-Security-Policy
 * forbids any request.
 *
 * @module
 */

import { telemetrySection } from "./telemetry.ts";
import uplotJs from "npm:uplot@^1.6.32/dist/uPlot.iife.min.js" with { type: "text" };
import uplotCss from "npm:uplot@^1.6.32/dist/uPlot.min.css" with { type: "text" };
import clientJs from "./_client.js" with { type: "text" };
import reportCss from "./_report.css" with { type: "text" };
import { comparisonSection } from "./comparison.ts";
import { curveSection } from "./curve.ts";
import { distributionsSection } from "./distributions.ts";
import { escapeHtml, jsonForScript } from "./escape.ts";
import { headerSection } from "./header.ts";
import { loadSection } from "./load.ts";
import { metricTableSection } from "./metric_table.ts";
import { timeSeriesSection } from "./time_series.ts";
import type { ChartSpec, HtmlReportInput, HtmlSection, SectionContext } from "./types.ts";
import { levelLabel } from "../../results/level_label.ts";

export type {
  CdfCurve,
  ChartRule,
  ChartSeries,
  ChartSpec,
  HtmlReportInput,
  HtmlRun,
  HtmlSection,
  LevelDistributions,
  SectionContext,
  SectionOutput,
} from "./types.ts";

/**
 * The report's sections, in page order: what was measured, the comparison
 * (two runs), latency against throughput, the distributions, the time
 * series, the load delivered (open loop), every metric. A new kind of data
 * (GPU or engine telemetry tracks) is a new {@linkcode HtmlSection} placed
 * in this list (or in the `sections` option of {@linkcode renderHtmlReport}).
 */
export const HTML_SECTIONS: readonly HtmlSection[] = [
  headerSection,
  comparisonSection,
  curveSection,
  distributionsSection,
  timeSeriesSection,
  loadSection,
  telemetrySection,
  metricTableSection,
];

/** Options of {@linkcode renderHtmlReport}. */
export interface RenderHtmlOptions {
  /**
   * The sections, in page order.
   * @default {HTML_SECTIONS}
   */
  sections?: readonly HtmlSection[];
}

/** Categorical colours (runs, or the lines of one run), readable on light and dark. */
const PALETTE = [
  "#3b7dd8",
  "#e8710a",
  "#1e9e6a",
  "#c2459a",
  "#8a63d2",
  "#b8860b",
  "#d1342f",
  "#5a7387",
];

/** Blue (light load) to red (heavy load). */
const RAMP = ["#3b7dd8", "#1fa2b8", "#2fa86b", "#b59a00", "#e8710a", "#d1342f"];

const DASHES: (number[] | undefined)[] = [undefined, [7, 4], [2, 3], [10, 4, 2, 4]];

function mix(a: string, b: string, t: number): string {
  const ch = (h: string, i: number) => parseInt(h.slice(1 + 2 * i, 3 + 2 * i), 16);
  return "#" +
    [0, 1, 2].map((i) =>
      Math.round(ch(a, i) + (ch(b, i) - ch(a, i)) * t).toString(16).padStart(2, "0")
    ).join("");
}

/**
 * The colour of level `i` of `n` on the load ramp (blue to red).
 *
 * @param i The level's index.
 * @param n The number of levels.
 * @returns A `#rrggbb` colour.
 *
 * @example
 * ```ts
 * import { levelColor } from "./render.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(levelColor(0, 3), "#3b7dd8");
 * assert.equal(levelColor(2, 3), "#d1342f");
 * assert.notEqual(levelColor(1, 3), levelColor(0, 3));
 * ```
 */
export function levelColor(i: number, n: number): string {
  if (n <= 1) return RAMP[0];
  const t = (Math.min(Math.max(i, 0), n - 1) / (n - 1)) * (RAMP.length - 1);
  const k = Math.min(Math.floor(t), RAMP.length - 2);
  return mix(RAMP[k], RAMP[k + 1], t - k);
}

function context(): SectionContext {
  let next = 0;
  return {
    chart(caption, spec, noteText) {
      const id = `chart-${++next}`;
      const full: ChartSpec = { id, ...spec };
      return {
        html: `<figure class="chart" id="${id}"><figcaption>${
          escapeHtml(caption)
        }</figcaption><div class="plot"></div>${
          noteText ? `<figcaption class="chart-note">${escapeHtml(noteText)}</figcaption>` : ""
        }</figure>`,
        spec: full,
      };
    },
    runColor: (i) => PALETTE[i % PALETTE.length],
    levelColor,
    runDash: (i) => DASHES[i % DASHES.length],
  };
}

function defaultTitle(input: HtmlReportInput): string {
  if (input.runs.length === 1) {
    const b = input.runs[0].doc.backend;
    return `${String(b.model ?? "model ?")} on ${String(b.kind ?? "?")}`;
  }
  if (input.runs.length === 2) return `${input.runs[0].name} vs ${input.runs[1].name}`;
  return input.runs.map((r) => r.name).join(", ");
}

function subtitle(input: HtmlReportInput): string {
  if (input.runs.length !== 1) {
    return `${input.runs.length} runs overlaid${input.comparison ? ", compared" : ""}`;
  }
  const d = input.runs[0].doc;
  const mode = typeof d.config.mode === "string" ? d.config.mode : d.levels[0]?.mode ?? "";
  return [
    mode ? `${mode} mode` : "",
    d.levels.map(levelLabel).join(", "),
    d.startedAt ? `run ${d.startedAt.replace("T", " ").replace(/\.\d+Z$/, " UTC")}` : "",
  ].filter(Boolean).join(" · ");
}

/** Allows inline scripts and styles and nothing else: no request of any kind. */
const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; " +
  "img-src data:; base-uri 'none'; form-action 'none'";

/**
 * Renders the HTML report: a complete, self-contained page (uPlot, the
 * page's script and style inlined; the chart data embedded as JSON in a
 * `<script type="application/json">`) that makes no network request.
 * Every string from the documents is escaped. Sections with nothing to show
 * are left out, and so is their entry in the contents.
 *
 * @param input The runs (with their distributions, when read), the comparison, a title.
 * @param options The sections. @default {HTML_SECTIONS}
 * @returns The HTML text.
 *
 * @example
 * ```ts
 * import { renderHtmlReport } from "./render.ts";
 * import { fixtureDocument } from "../../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = fixtureDocument([{ mode: "latency", concurrency: 1, trials: [], errors: {},
 *   summary: {
 *     throughput_tokens_per_sec: { value: 300, ci: null, trials: [] },
 *     ttft_p50_ms: { value: 20, ci: null, trials: [] },
 *   } }]);
 * doc.backend = { kind: "simulator", model: "</script><script>alert(1)</script>" };
 * const html = renderHtmlReport({ runs: [{ name: "run", doc }] });
 * assert.match(html, /^<!doctype html>/);
 * assert.ok(!html.includes("<script>alert(1)"));
 * assert.match(html, /id="curve"/);
 * assert.ok(!html.includes('id="load"')); // closed loop: no load-delivered section
 * ```
 */
export function renderHtmlReport(
  input: HtmlReportInput,
  options: RenderHtmlOptions = {},
): string {
  const sections = options.sections ?? HTML_SECTIONS;
  const ids = new Set<string>();
  for (const s of sections) {
    if (ids.has(s.id)) {
      throw new TypeError(
        `Cannot render the HTML report: section ids must be unique, got ${
          JSON.stringify(s.id)
        } twice`,
      );
    }
    ids.add(s.id);
  }
  const charts: ChartSpec[] = [];
  const ctx = context();
  const rendered: { id: string; title: string; html: string }[] = [];
  for (const s of sections) {
    const out = s.render(input, ctx);
    if (out === null) continue;
    rendered.push({ id: s.id, title: s.title, html: out.html });
    charts.push(...out.charts);
  }
  const title = input.title ?? defaultTitle(input);
  const version = input.version ?? input.runs[0]?.doc.tool.version ?? "";
  const nav = rendered.length > 1
    ? `<nav class="contents">${
      rendered.map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`).join("")
    }</nav>`
    : "";
  const body = rendered.map((s) =>
    `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>${s.html}</section>`
  ).join("\n");
  const data = jsonForScript({ charts });
  for (const [name, text] of [["uPlot", uplotJs], ["the report script", clientJs]]) {
    if (/<\/script|<!--/i.test(text)) {
      throw new Error(`Cannot render the HTML report: ${name} holds "</script" or "<!--"`);
    }
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="generator" content="splleed ${escapeHtml(version)}">
<title>${escapeHtml(`splleed · ${title}`)}</title>
<style>${uplotCss}</style>
<style>${reportCss}</style>
</head>
<body>
<header class="top">
<h1>${escapeHtml(title)}</h1>
<p class="sub">${escapeHtml(input.subtitle ?? subtitle(input))}</p>
${nav}
</header>
<main>
${body}
</main>
<footer>Made by splleed${version ? ` ${escapeHtml(version)}` : ""}${
    input.generatedAt ? ` on ${escapeHtml(input.generatedAt)}` : ""
  }. One self-contained file: charts drawn with uPlot (MIT), inlined; nothing is fetched.</footer>
<script type="application/json" id="splleed-data">${data}</script>
<script>${uplotJs}</script>
<script>${clientJs}
splleedCharts(uPlot, JSON.parse(document.getElementById("splleed-data").textContent));</script>
</body>
</html>
`;
}
