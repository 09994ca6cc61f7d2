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
import { chromium } from "npm:playwright-core@^1.65.1";
import { BROWSER, SKIP } from "./_browser.ts";
import { buildTrend, type TrendPoint } from "../lib/analysis/trend.ts";
import { renderTrendHtml } from "../lib/report/html/trend.ts";

/** Runs in the page: each chart's canvas size, whether it has pixels, its legend; the text. */
const PAGE_PROBE = `(() => ({
  charts: [...document.querySelectorAll("figure.chart")].map((fig) => {
    const canvas = fig.querySelector("canvas");
    let drawn = false;
    if (canvas && canvas.width > 0 && canvas.height > 0) {
      const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < data.length; i += 4) {
        if (data[i] !== 0) { drawn = true; break; }
      }
    }
    const rect = canvas ? canvas.getBoundingClientRect() : null;
    return {
      id: fig.id,
      width: rect ? rect.width : 0,
      height: rect ? rect.height : 0,
      drawn,
      legend: [...fig.querySelectorAll(".u-legend .u-label")].map((e) => e.textContent || ""),
    };
  }),
  sections: [...document.querySelectorAll("main > section")].map((s) => s.id),
  changeCells: [...document.querySelectorAll("main table td.bad")].map((td) => td.textContent),
  text: document.body.innerText,
  pwned: globalThis.__pwned === true,
}))()`;

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
    const browser = await chromium.launch({ executablePath: BROWSER! });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`console: ${m.text()}`);
      });
      page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
      page.on("request", (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(path).href);
      await page.waitForFunction("document.documentElement.dataset.chartsDrawn !== undefined", {
        timeout: 20_000,
      });
      const check = await page.evaluate(PAGE_PROBE) as {
        charts: { id: string; width: number; height: number; drawn: boolean; legend: string[] }[];
        sections: string[];
        changeCells: string[];
        text: string;
        pwned: boolean;
      };
      const shot = join(dir, "trend.png");
      await page.screenshot({ path: shot, fullPage: true });
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
    } finally {
      await browser.close();
    }
  },
});
