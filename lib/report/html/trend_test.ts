import assert from "node:assert/strict";
import { VERSION } from "../../version.ts";
import { buildTrend, type TrendPoint } from "../../analysis/trend.ts";
import type { ChartSpec } from "./types.ts";
import { renderTrendHtml } from "./trend.ts";

const HOSTILE = `</script><script>alert("x")</script><img src=x onerror=alert(1)>&`;

function points(values: number[]): TrendPoint[] {
  return values.map((value, i) => ({
    runId: 100 + i,
    startedAt: new Date(Date.UTC(2026, 10, 1 + i, 2)).toISOString(),
    tags: { commit: `c${i}`, note: HOSTILE },
    engine: "vllm",
    model: `llama ${HOSTILE}`,
    fingerprint: "f",
    value,
    low: value - 0.5,
    high: value + 0.5,
    trials: [value],
  }));
}

/** The page's embedded chart data, read back the way its script reads it. */
function chartData(html: string): { charts: ChartSpec[] } {
  const m = /<script type="application\/json" id="splleed-data">([^<]*)<\/script>/.exec(html);
  assert.ok(m, "the page embeds its data");
  return JSON.parse(m[1]);
}

const STEP = [41.2, 41.0, 41.5, 41.1, 41.3, 41.2, 41.4, 48.1, 48.0, 47.9, 48.2, 48.0, 47.8, 48.1];

Deno.test("renderTrendHtml() escapes hostile tags and models everywhere", () => {
  const html = renderTrendHtml([buildTrend("ttft_p99_ms", "c=16", points(STEP))], {
    title: `nightly ${HOSTILE}`,
  });
  // The only scripts are the page's three (data, uPlot, its own).
  assert.equal((html.match(/<script/g) ?? []).length, 3);
  assert.ok(!html.includes("<img"));
  assert.ok(!html.includes('alert("x")</script>'));
  assert.ok(html.includes("note=&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)"));
  assert.ok(html.includes("<title>splleed · nightly &lt;/script&gt;"));
  assert.ok(html.includes("llama &lt;/script&gt;"));
  assert.match(html, /Content-Security-Policy/);
});

Deno.test("renderTrendHtml() embeds each trend's series, intervals and change markers as JSON that reads back", () => {
  const steady = buildTrend(
    "throughput_tokens_per_sec",
    "c=1",
    points([900, 905, 898, 902, 901, 899]),
  );
  const step = buildTrend("ttft_p99_ms", "c=16", points(STEP));
  assert.equal(step.changes.length, 1);
  const html = renderTrendHtml([step, steady]);
  const { charts } = chartData(html);
  assert.equal(charts.length, 2);
  const [a, b] = charts;
  assert.deepEqual(a.series[0].y, STEP);
  assert.deepEqual(a.series[0].x, STEP.map((_, i) => i + 1));
  assert.deepEqual(a.series[0].lo, STEP.map((v) => v - 0.5));
  assert.equal(a.y.label, "ttft_p99_ms (ms)");
  // One vertical marker between run 7 and run 8 (x = 7.5), labelled with the change.
  assert.equal(a.rules?.length, 1);
  assert.equal(a.rules![0].axis, "x");
  assert.equal(a.rules![0].value, 7.5);
  assert.match(a.rules![0].label, /^change \+16\.\d %$/);
  // The segment means: before and after.
  const seg = a.series[1];
  assert.equal(seg.label, "segment mean");
  assert.deepEqual(seg.y.filter((v) => v !== null).map((v) => Math.round(v! * 10) / 10), [
    41.2,
    41.2,
    48,
    48,
  ]);
  // No change in the steady trend: no marker, no segment line.
  assert.deepEqual(b.rules, []);
  assert.equal(b.series.length, 1);
  // Each chart has its container, the table and the change in words.
  for (const c of charts) assert.ok(html.includes(`id="${c.id}"`));
  assert.match(html, /change at run 107 \(2026-11-08, commit=c7, note=&lt;\/script&gt;/);
  assert.match(
    html,
    /: 41\.2 → 48\.0? ms \(\+16\.\d %\), p = 0\.00\d+; before: run 106 \(2026-11-07/,
  );
  assert.match(
    html,
    new RegExp(`Made by splleed ${VERSION.replaceAll(".", "\\.")}\\. One self-contained file`),
  );
  assert.match(html, /<h2>ttft_p99_ms at c=16<\/h2>/);
  assert.match(html, /<h2>throughput_tokens_per_sec at c=1<\/h2>/);
  assert.match(
    html,
    /<p class="sub">Trend across 14 runs · 1 change point \(E-divisive with means\)<\/p>/,
  );
  assert.ok(!html.includes("runs overlaid"));
});

Deno.test("renderTrendHtml() with no trends, or a trend with no runs, says so", () => {
  const empty = renderTrendHtml([]);
  assert.match(empty, /No runs matched: nothing to plot\./);
  assert.deepEqual(chartData(empty).charts, []);
  const none = renderTrendHtml([buildTrend("ttft_p99_ms", "c=1", [])]);
  assert.match(none, /No runs of this metric at this level\./);
  assert.match(none, /Trend across 0 runs · 0 change points/);
});
