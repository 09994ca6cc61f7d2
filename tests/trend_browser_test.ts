/**
 * The trend page (`splleed history trend --html`) as a person would look at
 * it: two trends (one with a change point, one steady) rendered by
 * `renderTrendHtml`, written to a file and opened from its `file:` URL in
 * Debian's `chromium-headless-shell` driven by playwright-core, the same way
 * as `html_report_browser_test.ts`. Asserts no console error, no request
 * other than the file itself, every chart drawn (a canvas with pixels on it),
 * the change point's words and table row, no injected script run; takes a
 * full-page screenshot (copied to /tmp/splleed_trend.png).
 *
 * The browser is found at `SPLLEED_CHROMIUM`, then at the usual paths;
 * without one, the test is skipped and says how to install it.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BROWSER, openReport, SKIP } from "./_browser.ts";
import { buildTrend, type TrendPoint } from "../lib/analysis/trend.ts";
import { renderTrendHtml } from "../lib/report/html/trend.ts";

const HOSTILE = `<img src=x onerror="globalThis.__pwned=true">`;

function nightly(values: number[]): TrendPoint[] {
  return values.map((value, i) => ({
    runId: i + 1,
    startedAt: new Date(Date.UTC(2026, 10, 1 + i, 2)).toISOString(),
    tags: { branch: "main", commit: `c${i + 1}`, note: HOSTILE },
    engine: "vllm",
    model: "llama",
    fingerprint: "f",
    value,
    low: value * 0.98,
    high: value * 1.02,
    trials: [value],
  }));
}

Deno.test({
  name: `trend page opens offline in Chromium: charts drawn, change point shown, no request${SKIP}`,
  ignore: BROWSER === null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const step = [41.2, 41.0, 41.5, 41.1, 41.3, 41.2, 41.4, 48.1, 48.0, 47.9, 48.2, 48.0, 47.8];
    const steady = [905, 899, 902, 898, 903, 900, 901, 899, 902, 900, 904, 898, 901];
    const html = renderTrendHtml([
      buildTrend("ttft_p99_ms", "c=16", nightly(step)),
      buildTrend("throughput_tokens_per_sec", "c=16", nightly(steady)),
    ]);
    const dir = await Deno.makeTempDir({ prefix: "splleed-trend-" });
    const path = join(dir, "trend.html");
    await Deno.writeTextFile(path, html);
    const shot = join(dir, "trend.png");
    const check = await openReport(path, shot);
    const { errors, requests } = check;
    try {
      await Deno.copyFile(shot, "/tmp/splleed_trend.png");
    } catch {
      // /tmp not writable: the screenshot stays in the test's folder
    }
    assert.deepEqual(errors, [], "console errors");
    assert.deepEqual(
      requests,
      [pathToFileURL(path).href],
      "the page requested only its own file",
    );
    assert.deepEqual(check.sections, ["trend-1", "trend-2"]);
    assert.equal(check.charts.length, 2);
    for (const c of check.charts) {
      assert.ok(c.width > 100 && c.height > 100, `chart ${c.id}: canvas ${c.width}×${c.height}`);
      assert.ok(c.drawn, `chart ${c.id}: nothing drawn on its canvas`);
    }
    assert.ok(
      check.charts[0].legend.includes("segment mean"),
      JSON.stringify(check.charts[0].legend),
    );
    assert.deepEqual(check.changeCells, ["change"]);
    assert.match(check.text, /change at run 8 \(2026-11-08, branch=main, commit=c8/);
    assert.match(check.text, /No change point/);
    assert.ok(check.text.includes(HOSTILE), "the hostile tag is shown as text");
    assert.equal(check.pwned, false);
  },
});
