/**
 * The shapes the HTML report is built from: what the report is given
 * ({@linkcode HtmlReportInput}: the runs, their distributions read from the
 * records, a comparison), what a section renderer returns (HTML and the
 * charts it places), and how a chart is described to the page's script
 * ({@linkcode ChartSpec}, embedded as JSON and drawn with uPlot).
 *
 * @module
 */

import type { ComparisonData } from "../../analysis/compare.ts";
import type { ResultsDocument } from "../../results/document.ts";

/** A distribution as a curve: the share of values at or below each `x`. */
export interface CdfCurve {
  /** Values, ascending (ms). */
  x: number[];
  /** Share of the values ≤ each `x`, in [0, 1], non-decreasing. */
  p: number[];
  /** How many values the curve summarises. */
  n: number;
}

/** One level's latency distributions, pooled over the trials its summary uses. */
export interface LevelDistributions {
  /** Time to first token per completed request (streamed), ms. */
  ttft?: CdfCurve;
  /** Gaps between consecutive tokens, pooled over requests, ms. */
  itl?: CdfCurve;
  /** End-to-end latency per completed request, ms. */
  e2e?: CdfCurve;
}

/** One run of the report. */
export interface HtmlRun {
  /** Display name (a file name without extension, `baseline`, ...). */
  name: string;
  /** The results document. */
  doc: ResultsDocument;
  /**
   * Per level (same index as `doc.levels`), its distributions; absent when
   * no records were read (then the distributions section says why).
   */
  distributions?: (LevelDistributions | undefined)[];
  /** Why there are no distributions (records not kept, file missing), when there are none. */
  distributionsNote?: string;
}

/** Everything the HTML report shows. */
export interface HtmlReportInput {
  /** The page's title. @default a title from the runs' engines and models */
  title?: string;
  /** The runs, in order (two runs: the first is the baseline of the comparison). */
  runs: HtmlRun[];
  /** The comparison of the first run (baseline) with the second, when two are given. */
  comparison?: ComparisonData;
  /** When the report was made (ISO 8601), shown in the footer. @default not shown */
  generatedAt?: string;
  /** The line under the title. @default the runs overlaid, their engines and models */
  subtitle?: string;
  /** The splleed version in the footer. @default the first run's */
  version?: string;
}

/** One line of a chart. */
export interface ChartSeries {
  /** Legend label. */
  label: string;
  /** CSS colour. */
  color: string;
  /** Dash pattern in pixels (absent: solid). */
  dash?: number[];
  /** x values, ascending. */
  x: number[];
  /** y values, one per x (null: no value there). */
  y: (number | null)[];
  /** Lower ends of the interval of each y (drawn as whiskers). */
  lo?: (number | null)[];
  /** Upper ends of the interval of each y. */
  hi?: (number | null)[];
  /** Text drawn beside each point (a level's label), or null for none. */
  labels?: (string | null)[];
  /** Draw the points as dots. @default true when there are at most 60 */
  points?: boolean;
  /** Draw a line through the points. @default true */
  line?: boolean;
  /**
   * The order the line joins the points: `x` (ascending x), or `given` (the
   * order of the arrays: levels by load, where throughput can fall back at
   * saturation). @default "x"
   */
  connect?: "x" | "given";
}

/** A reference line across a chart (an objective, a trial's start). */
export interface ChartRule {
  /** `y`: horizontal at `value`; `x`: vertical at `value`. */
  axis: "x" | "y";
  /** Where, in the axis' unit. */
  value: number;
  /** Text beside the line (empty: none). */
  label: string;
  /** CSS colour. */
  color: string;
}

/** One chart, as the page's script draws it. */
export interface ChartSpec {
  /** The id of its container element. */
  id: string;
  /** The x axis: its label (with the unit) and scale. */
  x: { label: string; log?: boolean };
  /** The y axis: its label (with the unit), scale and fixed bounds. */
  y: { label: string; log?: boolean; min?: number; max?: number; percent?: boolean };
  /** The lines. */
  series: ChartSeries[];
  /** Reference lines. */
  rules?: ChartRule[];
  /** Plot height in CSS pixels. @default 300 */
  height?: number;
}

/** What a section renderer returns: its HTML, and the charts whose containers it holds. */
export interface SectionOutput {
  /** The section's HTML (its containers for charts included). */
  html: string;
  /** The charts placed in it (their `id`s name containers in `html`). */
  charts: ChartSpec[];
}

/** Services a section renderer gets: chart containers with unique ids, colours. */
export interface SectionContext {
  /**
   * A chart container (a `<figure>` with a caption) with a unique id; add
   * the spec returned to the section's charts.
   *
   * @param caption The chart's title (escaped here).
   * @param spec The chart without its id.
   * @param note A line under the chart (escaped here). @default none
   */
  chart(
    caption: string,
    spec: Omit<ChartSpec, "id">,
    note?: string,
  ): { html: string; spec: ChartSpec };
  /** The colour of the i-th run (or of a categorical series). */
  runColor(i: number): string;
  /** The colour of level i of n (a sequential ramp: low load blue, high load red). */
  levelColor(i: number, n: number): string;
  /** The dash pattern of the i-th run (solid for the first). */
  runDash(i: number): number[] | undefined;
}

/**
 * A section of the report: one kind of data. The report is the registry's
 * sections in order; a section with nothing to show returns null and is
 * left out (with its entry in the contents). GPU or engine telemetry, when
 * the document carries it, is one more section added to the registry.
 */
export interface HtmlSection {
  /** The anchor of the section (`#curve`), unique. */
  id: string;
  /** Its heading, also its entry in the contents. */
  title: string;
  /**
   * Renders the section.
   *
   * @param input What the report shows.
   * @param ctx Chart containers and colours.
   * @returns Its HTML and charts, or null when it has nothing to show.
   */
  render(input: HtmlReportInput, ctx: SectionContext): SectionOutput | null;
}
