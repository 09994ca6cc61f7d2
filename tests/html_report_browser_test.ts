/**
 * The HTML report as a person would look at it: real runs on the simulator
 * (closed loop, open loop, two runs compared), each report written to a file
 * and opened from its `file:` URL in Debian's `chromium-headless-shell`
 * driven by playwright-core. Each test asserts no console error and no
 * request other than the file itself, that every chart drew (a canvas of
 * non-zero size with pixels on it in each chart's container), that the
 * sections the data calls for are there, and takes a full-page screenshot
 * in the test's temporary folder (copied to /tmp/splleed_report*.png for a
 * person to look at).
 *
 * The browser is found at `SPLLEED_CHROMIUM`, then at the usual paths;
 * without one, the tests are skipped and say how to install it
 * (`.ci/run` installs it in CI).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BROWSER, openReport, type PageCheck, SKIP } from "./_browser.ts";
import { compareDocuments, type Verdict } from "../lib/analysis/compare.ts";
import { simulator } from "../lib/backends/simulator.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import { HTML_SECTIONS, renderHtmlReport } from "../lib/report/html/render.ts";
import type { HtmlSection } from "../lib/report/html/types.ts";
import { fixtureDocument } from "../lib/results/fixtures.ts";
import { htmlReport } from "../lib/runner/html.ts";

/** The checks every report passes: clean console, no request, every chart drawn. */
function assertClean(check: PageCheck, fileUrl: string, charts: number): void {
  assert.deepEqual(check.errors, [], "console errors");
  assert.deepEqual(check.requests, [fileUrl], "the page requested only its own file");
  assert.ok(check.charts.length >= charts, `${check.charts.length} charts, expected ${charts}+`);
  for (const c of check.charts) {
    assert.ok(c.width > 100 && c.height > 100, `chart ${c.id}: canvas ${c.width}×${c.height}`);
    assert.ok(c.drawn, `chart ${c.id}: nothing drawn on its canvas`);
    assert.ok(c.legend.length >= 2, `chart ${c.id}: legend ${JSON.stringify(c.legend)}`);
  }
  assert.ok(check.metricRows > 20, `${check.metricRows} rows in the full metric table`);
  assert.equal(check.pwned, false);
}

async function copyForPeople(from: string, name: string): Promise<void> {
  try {
    await Deno.copyFile(from, `/tmp/${name}`);
  } catch {
    // /tmp not writable: the screenshot stays in the test's folder
  }
}

const sim = (ttftMs: number) => simulator({ ttftMs, itlMs: 2 });

/** The verdict column's words (lib/report/html/comparison.ts). */
const VERDICT_WORDS: Record<Verdict, string> = {
  improvement: "better",
  regression: "worse",
  no_difference: "no difference",
  inconclusive: "inconclusive",
};

Deno.test({
  name:
    `HTML report of a closed-loop run opens offline in Chromium: every chart drawn, no request${SKIP}`,
  ignore: BROWSER === null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "splleed-html-" });
    const results = await benchmark({
      backend: sim(15),
      prompts: ["Hello there", "Tell me a story about a cat"],
      concurrency: [1, 4, 8],
      runs: 24,
      trials: 2,
      warmup: 2,
      sampling: { maxTokens: 16 },
      slo: { ttftMs: 40 },
      out: join(dir, "results.json"),
      records: join(dir, "results.records.jsonl"),
    });
    const path = join(dir, "report.html");
    await Deno.writeTextFile(path, await results.toHTML());
    const shot = join(dir, "report.png");
    const check = await openReport(path, shot);
    assertClean(check, pathToFileURL(path).href, 9);
    assert.deepEqual(check.sections, ["run", "curve", "distributions", "time-series", "metrics"]);
    const [ttft] = check.charts;
    assert.ok(ttft.legend.some((l) => l.startsWith("TTFT p50")), JSON.stringify(ttft.legend));
    // The distributions come from the records: one curve per level.
    const cdf = check.charts[3];
    assert.deepEqual(cdf.legend.slice(1), ["c=1", "c=4", "c=8"]);
    assert.match(check.text, /TTFT objective 40 ms|ttft ≤ 40 ms/);
    assert.match(check.text, /splleed-sim/);
    assert.ok((await Deno.stat(shot)).size > 20_000, "the screenshot has content");
    await copyForPeople(shot, "splleed_report.png");
  },
});

Deno.test({
  name: `HTML report of an open-loop run shows the load delivered, every trial in its table${SKIP}`,
  ignore: BROWSER === null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "splleed-html-" });
    const results = await benchmark({
      backend: sim(10),
      prompts: ["Hello there"],
      mode: "serve",
      requestRates: [20, 40, 80],
      runs: 40,
      trials: 2,
      warmup: 2,
      seed: 7,
      sampling: { maxTokens: 8 },
      records: join(dir, "serve.records.jsonl"),
    });
    const path = join(dir, "serve.html");
    await Deno.writeTextFile(path, await htmlReport([{ name: "serve", results }]));
    const shot = join(dir, "serve.png");
    const check = await openReport(path, shot);
    assertClean(check, pathToFileURL(path).href, 11);
    assert.deepEqual(check.sections, [
      "run",
      "curve",
      "distributions",
      "time-series",
      "load",
      "metrics",
    ]);
    assert.match(check.text, /Rate delivered/);
    assert.match(check.text, /Schedule lag/);
    // One row per trial of each level: r=20/s, r=40/s, r=80/s × 2, with the run's verdict
    // (whether the client kept up depends on how busy the machine is: not asserted here).
    const rows = check.tables.filter((t) => t.section === "load").flatMap((t) => t.rows);
    assert.deepEqual(rows.map((r) => `${r[0]} ${r[1]}`), [
      "r=20/s 1",
      "r=20/s 2",
      "r=40/s 1",
      "r=40/s 2",
      "r=80/s 1",
      "r=80/s 2",
    ]);
    const verdicts = results.levels.flatMap((l) =>
      l.trials.map((t) => (t.load!.fellBehind ? "fell behind" : "delivered"))
    );
    assert.deepEqual(rows.map((r) => r.at(-1)), verdicts);
    await copyForPeople(shot, "splleed_report_serve.png");
  },
});

Deno.test({
  name: `HTML report of two runs overlays them and compares them; hostile names stay text${SKIP}`,
  ignore: BROWSER === null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "splleed-html-" });
    const run = (ttftMs: number, name: string) =>
      benchmark({
        backend: sim(ttftMs),
        prompts: ["Hello there"],
        concurrency: [1, 4, 8],
        runs: 16,
        trials: 3,
        warmup: 2,
        sampling: { maxTokens: 8 },
        records: join(dir, `${name}.records.jsonl`),
      });
    const base = await run(10, "base");
    const slow = (await run(40, "slow")).toJSON();
    // Strings from a document are untrusted: a model name and a warning that try to run code
    // and to load an image (a request the test would see).
    slow.backend.model = `<img src="x.png" onerror="globalThis.__pwned=true">`;
    slow.warnings.push(`</script><script>globalThis.__pwned = true</script>`);
    const path = join(dir, "compare.html");
    await Deno.writeTextFile(
      path,
      await htmlReport([{ name: "base", results: base }, {
        name: `slow <b onmouseover="x">`,
        results: slow,
      }]),
    );
    const shot = join(dir, "compare.png");
    const check = await openReport(path, shot);
    assertClean(check, pathToFileURL(path).href, 12);
    assert.equal(check.sections[1], "comparison");
    // TTFT 10 → 40 ms: the table shows each level's verdict as the comparison decides it (on a
    // busy machine a slow trial can make 3 trials inconclusive: the statistics are tested in
    // lib/analysis; here, that the page shows them), and the means the runs measured.
    const expected = compareDocuments(base.toJSON(), slow).levels.map((l) =>
      VERDICT_WORDS[l.metrics.find((m) => m.id === "ttft_p50_ms")!.verdict]
    );
    const ttft = check.tables.filter((t) => t.cls === "comparison")
      .map((t) => t.rows.find((r) => r[0] === "TTFT p50 (ms)"));
    assert.equal(ttft.length, 3, "one comparison table per level");
    assert.deepEqual(ttft.map((r) => r?.at(-1)?.split(" (")[0]), expected);
    for (const r of ttft) {
      const [b, c] = [parseFloat(r![1]), parseFloat(r![2])];
      assert.ok(b < 25 && c > 35, `baseline ${r![1]}, candidate ${r![2]}`);
    }
    // Both runs overlaid on the curve, named by their (escaped, shown as text) names.
    assert.ok(check.charts[0].legend.some((l) => l.startsWith('slow <b onmouseover="x">')));
    assert.match(check.text, /<img src="x\.png" onerror="globalThis\.__pwned=true">/);
    assert.match(check.text, /<\/script><script>globalThis\.__pwned = true<\/script>/);
    await copyForPeople(shot, "splleed_report_compare.png");
  },
});

Deno.test({
  name:
    `HTML report: a chart that cannot be drawn is an error in the page, the others still draw${SKIP}`,
  ignore: BROWSER === null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "splleed-html-" });
    // A section that places its chart's data but forgets its container.
    const broken: HtmlSection = {
      id: "broken",
      title: "Broken",
      render(_input, ctx) {
        const { spec } = ctx.chart("Lost", {
          x: { label: "x" },
          y: { label: "y" },
          series: [{ label: "s", color: "#000", x: [1, 2], y: [1, 2] }],
        });
        return { html: "<p>no container here</p>", charts: [spec] };
      },
    };
    const doc = fixtureDocument([{
      mode: "latency",
      concurrency: 1,
      trials: [],
      errors: {},
      summary: {
        throughput_tokens_per_sec: { value: 300, ci: null, trials: [] },
        ttft_p50_ms: { value: 20, ci: [19, 21], trials: [] },
      },
    }]);
    const path = join(dir, "broken.html");
    await Deno.writeTextFile(
      path,
      renderHtmlReport({ runs: [{ name: "a", doc }] }, { sections: [...HTML_SECTIONS, broken] }),
    );
    const check = await openReport(path, join(dir, "broken.png"));
    assert.equal(check.errors.length, 1, JSON.stringify(check.errors));
    assert.match(check.errors[0], /1 chart\(s\) failed: no container for chart chart-\d+/);
    assert.equal(check.charts.length, 1, "the curve's TTFT chart");
    assert.ok(check.charts[0].drawn);
  },
});
