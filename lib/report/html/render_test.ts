import assert from "node:assert/strict";
import { compareDocuments } from "../../analysis/compare.ts";
import type { LevelResult, ResultsDocument, TrialResult } from "../../results/document.ts";
import { fixtureDocument } from "../../results/fixtures.ts";
import { HTML_SECTIONS, renderHtmlReport } from "./render.ts";
import type { ChartSpec, HtmlReportInput, HtmlSection } from "./types.ts";

const HOSTILE = `"><img src=x onerror=alert(1)><script>alert(2)</script>`;

function trial(ttft: number, extra: Partial<TrialResult> = {}): TrialResult {
  return {
    metrics: { ttft_p50_ms: ttft, throughput_tokens_per_sec: 100 * ttft, duration_s: 2 },
    errors: {},
    complete: true,
    timeSeries: { intervalS: 1, completed: [3, 4], outputTokensPerS: [50, 60], inFlight: [2, 2] },
    ...extra,
  };
}

function level(c: number, ttft: number, extra: Partial<LevelResult> = {}): LevelResult {
  return {
    mode: "latency",
    concurrency: c,
    trials: [trial(ttft), trial(ttft + 1)],
    errors: {},
    summary: {
      throughput_tokens_per_sec: { value: 100 * c, ci: [90 * c, 110 * c], trials: [] },
      ttft_p50_ms: { value: ttft, ci: [ttft - 1, ttft + 1], trials: [], basis: "pooled" },
      ttft_p99_ms: { value: ttft * 2, ci: null, trials: [], basis: "pooled" },
      e2e_p50_ms: { value: ttft * 5, ci: [ttft * 4, ttft * 6], trials: [], basis: "pooled" },
    },
    ...extra,
  };
}

function closedDoc(): ResultsDocument {
  return fixtureDocument([level(1, 20), level(4, 24), level(16, 40)], {
    mode: "latency",
    trials: 2,
    confidenceLevel: 0.95,
    slo: { ttftMs: 50 },
  });
}

/** The embedded chart data, parsed back. */
function chartData(html: string): { charts: ChartSpec[] } {
  const m = /<script type="application\/json" id="splleed-data">(.*?)<\/script>/s.exec(html);
  assert.ok(m, "the data element is there");
  return JSON.parse(m[1]);
}

function sectionIds(html: string): string[] {
  return [...html.matchAll(/<section id="([^"]+)">/g)].map((m) => m[1]);
}

Deno.test("renderHtmlReport: hostile strings from the document stay text, in the page and in its data", () => {
  const doc = closedDoc();
  doc.backend = {
    kind: HOSTILE,
    model: HOSTILE,
    endpoint: HOSTILE,
    server: { [HOSTILE]: HOSTILE },
  };
  doc.warnings = [HOSTILE];
  doc.interrupted = true;
  doc.interruption = HOSTILE;
  doc.recordsFile = HOSTILE;
  doc.config.sampling = { [HOSTILE]: HOSTILE };
  doc.levels[0].notes = [HOSTILE];
  doc.levels[0].errors = { [HOSTILE]: 2 };
  const other = closedDoc();
  const runs = [{ name: HOSTILE, doc }, { name: `${HOSTILE}2`, doc: other }];
  const html = renderHtmlReport({
    title: HOSTILE,
    runs,
    comparison: compareDocuments(doc, other, { baselineName: HOSTILE, candidateName: "b" }),
  });
  // No element or attribute the hostile text could open: every < of it is escaped.
  assert.ok(!html.includes("<img"), "an <img> got through");
  assert.ok(!html.includes("<script>alert"), "a <script> got through");
  assert.ok(!html.includes(HOSTILE), "the raw text got through");
  assert.ok(!html.includes('"><img'), "an attribute was closed");
  assert.ok(html.includes("&lt;img src=x onerror=alert(1)&gt;"), "shown as text");
  // In the data, the same strings round-trip through JSON, without a `<` in the element.
  const data = chartData(html);
  const labels = data.charts.flatMap((c) => c.series.map((s) => s.label));
  assert.ok(labels.some((l) => l.startsWith(HOSTILE)), JSON.stringify(labels));
  // Only the page's own three scripts (data, uPlot, the report's script).
  assert.equal(html.match(/<script/g)?.length, 3);
  assert.equal(html.match(/<\/script>/g)?.length, 3);
});

Deno.test("renderHtmlReport: every chart's data is embedded once, with a container of its id", () => {
  const html = renderHtmlReport({ runs: [{ name: "a", doc: closedDoc() }] });
  const { charts } = chartData(html);
  const containers = [...html.matchAll(/<figure class="chart" id="([^"]+)">/g)].map((m) => m[1]);
  assert.deepEqual(charts.map((c) => c.id), containers);
  assert.equal(new Set(containers).size, containers.length, "ids are unique");
  // Curve (TTFT, E2E: no ITL in this document) and time series (3).
  assert.equal(charts.length, 5);
  const ttft = charts[0];
  assert.equal(ttft.x.label, "Output token throughput (tok/s)");
  assert.equal(ttft.y.label, "TTFT (ms)");
  assert.deepEqual(ttft.series.map((s) => s.label), ["TTFT p50", "TTFT p99"]);
  assert.deepEqual(ttft.series[0].x, [100, 400, 1600]);
  assert.deepEqual(ttft.series[0].lo, [19, 23, 39]);
  assert.deepEqual(ttft.series[1].lo, undefined, "no interval: no whiskers");
  assert.deepEqual(ttft.rules, [{
    axis: "y",
    value: 50,
    label: "TTFT objective 50 ms",
    color: "#cf222e",
  }]);
});

Deno.test("renderHtmlReport: nothing is fetched: no src, no external href, no url() or @import", () => {
  const html = renderHtmlReport({ runs: [{ name: "a", doc: closedDoc() }] });
  assert.doesNotMatch(html, /\ssrc\s*=/i);
  const hrefs = [...html.matchAll(/href\s*=\s*"([^"]*)"/gi)].map((m) => m[1]);
  assert.ok(hrefs.length > 0 && hrefs.every((h) => h.startsWith("#")), JSON.stringify(hrefs));
  assert.doesNotMatch(html, /@import|url\(\s*['"]?(?!data:)/i);
  assert.match(html, /http-equiv="Content-Security-Policy" content="default-src 'none';/);
  assert.ok(html.includes("uPlot"), "uPlot is inlined");
});

Deno.test("renderHtmlReport: sections follow the data: closed loop, open loop, records, two runs, no levels", () => {
  // Closed loop, no records read: the distributions say why; no load, no comparison.
  const closed = renderHtmlReport({
    runs: [{ name: "a", doc: closedDoc(), distributionsNote: "the run kept no records file" }],
  });
  assert.deepEqual(sectionIds(closed), ["run", "curve", "distributions", "time-series", "metrics"]);
  assert.match(closed, /no distributions: the run kept no records file/);

  // With distributions: their charts, on a log axis, one curve per level.
  const cdf = { x: [10, 20, 40], p: [0.25, 0.5, 1], n: 4 };
  const withRecords = renderHtmlReport({
    runs: [{
      name: "a",
      doc: closedDoc(),
      distributions: [{ ttft: cdf }, { ttft: cdf }, undefined],
    }],
  });
  const dist = chartData(withRecords).charts.filter((c) => c.x.log);
  assert.equal(dist.length, 1);
  assert.deepEqual(dist[0].series.map((s) => s.label), ["c=1", "c=4"]);
  assert.deepEqual(dist[0].series[0].y, [25, 50, 100]);

  // Open loop: the load-delivered section.
  const load = {
    requestedRate: 8,
    plannedRate: 8,
    achievedRate: 7.9,
    planned: 40,
    sent: 40,
    scheduleLagMs: { p50: 0.1, p99: 0.5, max: 2 },
    queueMs: null,
    ks: { statistic: 0.1, pValue: 0.5, n: 39 },
    maxGapErrorMs: null,
    fellBehind: false,
  };
  const serve = fixtureDocument([
    level(0, 20, { mode: "serve", requestRate: 8, trials: [trial(20, { load })] }),
  ], { mode: "serve" });
  assert.deepEqual(sectionIds(renderHtmlReport({ runs: [{ name: "s", doc: serve }] })), [
    "run",
    "curve",
    "distributions",
    "time-series",
    "load",
    "metrics",
  ]);

  // Two runs with their comparison: the comparison second, runs overlaid on the curve.
  const a = closedDoc(), b = closedDoc();
  const two = renderHtmlReport({
    runs: [{ name: "a", doc: a }, { name: "b", doc: b }],
    comparison: compareDocuments(a, b, { baselineName: "a", candidateName: "b" }),
  });
  assert.equal(sectionIds(two)[1], "comparison");
  const curve = chartData(two).charts[0];
  assert.deepEqual(curve.series.map((s) => s.label), [
    "a · TTFT p50",
    "a · TTFT p99",
    "b · TTFT p50",
    "b · TTFT p99",
  ]);

  // A run without levels: only what was measured.
  const empty = renderHtmlReport({ runs: [{ name: "e", doc: fixtureDocument([]) }] });
  assert.deepEqual(sectionIds(empty), ["run"]);
  assert.deepEqual(chartData(empty).charts, []);
});

Deno.test("renderHtmlReport: a section added to the registry (telemetry) renders with its charts", () => {
  const telemetry: HtmlSection = {
    id: "gpu",
    title: "GPU",
    render(input: HtmlReportInput, ctx) {
      const c = ctx.chart("GPU utilisation", {
        x: { label: "Time (s)" },
        y: { label: "Utilisation (%)" },
        series: [{ label: input.runs[0].name, color: ctx.runColor(0), x: [0, 1], y: [50, 90] }],
      });
      return { html: c.html, charts: [c.spec] };
    },
  };
  const html = renderHtmlReport(
    { runs: [{ name: "a", doc: closedDoc() }] },
    { sections: [...HTML_SECTIONS, telemetry] },
  );
  assert.equal(sectionIds(html).at(-1), "gpu");
  assert.match(html, /<a href="#gpu">GPU<\/a>/);
  const gpu = chartData(html).charts.at(-1)!;
  assert.equal(gpu.y.label, "Utilisation (%)");
  assert.match(html, new RegExp(`<figure class="chart" id="${gpu.id}">`));
  assert.throws(
    () => renderHtmlReport({ runs: [] }, { sections: [telemetry, telemetry] }),
    /section ids must be unique, got "gpu" twice/,
  );
});

Deno.test("renderHtmlReport: a saturation search lists its probes and marks the levels on the curve", () => {
  const doc = closedDoc();
  doc.sweep = {
    find: "max-concurrency",
    slo: { ttftMs: 30 },
    attainment: 0.9,
    probes: [{ load: 1, pass: true }, { load: 4, pass: true }, { load: 16, pass: false }],
    result: 4,
    bracket: [4, 16],
  };
  const html = renderHtmlReport({ runs: [{ name: "a", doc }] });
  assert.match(html, /Saturation search/);
  assert.match(html, /<strong>4 \(16 did not\)<\/strong>/);
  const ttft = chartData(html).charts[0];
  assert.deepEqual(ttft.series[0].labels, ["c=1 ✓", "c=4 ✓", "c=16 ✗"]);
  assert.equal(ttft.rules?.[0].value, 30, "the search's objective, not the config's");
});

Deno.test("renderHtmlReport: telemetry series draw one chart per quantity; a missing source says why", () => {
  const doc = fixtureDocument([]);
  doc.telemetry = {
    gpu: {
      available: true,
      intervalMs: 100,
      series: [
        {
          name: "gpu_util_pct",
          unit: "%",
          source: "0 H200",
          tMs: [0, 100, 200],
          values: [10, 50, 90],
        },
        {
          name: "gpu_util_pct",
          unit: "%",
          source: "1 H200",
          tMs: [0, 100, 200],
          values: [5, 6, null],
        },
        {
          name: "gpu_power_w",
          unit: "W",
          source: "0 H200",
          tMs: [0, 100, 200],
          values: [100, 300, 650],
        },
      ],
    },
    engine: { available: false, note: "GET http://h:8000/metrics answered 404", series: [] },
  };
  const html = renderHtmlReport({ runs: [{ name: "r", doc }] });
  assert.match(html, /id="telemetry"/);
  assert.match(html, /Engine: not collected\. GET http:\/\/h:8000\/metrics answered 404/);
  const data = JSON.parse(
    /<script type="application\/json"[^>]*>([\s\S]*?)<\/script>/.exec(html)![1]
      .replaceAll("\\u003c", "<").replaceAll("\\u003e", ">").replaceAll("\\u0026", "&"),
  );
  const charts = (data.charts ?? data) as { y: { label: string }; series: unknown[] }[];
  const gpu = charts.filter((c) => /gpu (util|power)/.test(c.y.label));
  assert.equal(gpu.length, 2, "one chart per quantity");
  assert.equal(gpu.find((c) => /util/.test(c.y.label))!.series.length, 2, "one series per device");
});
