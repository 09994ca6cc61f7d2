import assert from "node:assert/strict";
import type { ComparisonData, MetricComparison } from "../analysis/compare.ts";
import { renderComparison, renderComparisonMarkdown } from "./compare.ts";

const side = (mean: number, sd: number, n = 5) => ({ values: [], mean, sd, n });

function metric(m: Partial<MetricComparison> & Pick<MetricComparison, "id">): MetricComparison {
  return {
    label: m.id,
    unit: "ms",
    better: "lower",
    baseline: side(10, 1),
    candidate: side(10, 1),
    change: 0,
    ci: [-0.05, 0.05],
    p: 0.9,
    pAdjusted: 0.9,
    significant: false,
    verdict: "no_difference",
    detectable: 0.061,
    trialsNeeded: null,
    ...m,
  };
}

/** The example: an improvement, a `~`, a small significant improvement. */
function sample(extra: Partial<ComparisonData> = {}): ComparisonData {
  return {
    baselineName: "baseline",
    candidateName: "prefix_caching",
    alpha: 0.05,
    confidence: 0.95,
    test: "welch",
    power: 0.8,
    unmatched: [],
    warnings: [],
    levels: [{
      label: "c=8",
      mode: "latency",
      concurrency: 8,
      baselineIndex: 0,
      candidateIndex: 0,
      metrics: [
        metric({
          id: "ttft_p50_ms",
          baseline: side(45.2, 2.1),
          candidate: side(12.3, 0.8),
          change: -0.728,
          ci: [-0.751, -0.702],
          p: 0.0001,
          pAdjusted: 0.0003,
          significant: true,
          verdict: "improvement",
          detectable: null,
        }),
        metric({
          id: "itl_p50_ms",
          baseline: side(8.2, 0.3),
          candidate: side(8.1, 0.2),
          change: -0.012,
          ci: [-0.04, 0.017],
          p: 0.41,
          pAdjusted: 0.41,
        }),
        metric({
          id: "throughput_tokens_per_sec",
          unit: "tokens/s",
          better: "higher",
          baseline: side(1245, 42),
          candidate: side(1312, 38),
          change: 0.054,
          ci: [0.011, 0.099],
          p: 0.015,
          pAdjusted: 0.03,
          significant: true,
          verdict: "improvement",
          detectable: null,
        }),
        metric({
          id: "e2e_p99_ms",
          baseline: side(300, 10),
          candidate: side(360, 12),
          change: 0.2,
          ci: [0.15, 0.25],
          p: 0.001,
          pAdjusted: 0.004,
          significant: true,
          verdict: "regression",
          detectable: null,
        }),
      ],
    }],
    ...extra,
  };
}

const ESC = "\x1b";

/** The table's row for a metric label. */
function row(text: string, label: string): string {
  const line = text.split("\n").find((l) => l.startsWith(label));
  assert.ok(line, `a row for ${label} in\n${text}`);
  return line;
}

Deno.test("the table: header line, columns, ~ for no difference, stars from the adjusted p, verdicts", () => {
  const text = renderComparison(sample());
  const lines = text.split("\n");
  assert.equal(lines[0], "Comparison: baseline vs prefix_caching (5 trials each, concurrency 8)");
  assert.match(
    lines[1],
    /^Metric +baseline +prefix_caching +Change +95% CI of change +p \(adj\.\)$/,
  );
  assert.match(
    row(text, "TTFT p50 (ms)"),
    /^TTFT p50 \(ms\) +45\.20 ± 2\.10 +12\.30 ± 0\.80 +-72\.8% +\[-75\.1%, -70\.2%\] +<0\.001 \*\*\* +improvement$/,
  );
  assert.match(
    row(text, "ITL p50 (ms)"),
    /^ITL p50 \(ms\) +8\.20 ± 0\.30 +8\.10 ± 0\.20 +~ +\[-4\.0%, \+1\.7%\] +0\.41$/,
  );
  assert.match(
    row(text, "Throughput (tok/s)"),
    /\+5\.4% +\[\+1\.1%, \+9\.9%\] +0\.03 \* +improvement$/,
  );
  assert.match(
    row(text, "E2E p99 (ms)"),
    /\+20\.0% +\[\+15\.0%, \+25\.0%\] +0\.004 \*\* +regression$/,
  );
  // In words, under the table.
  assert.match(
    text,
    /\nimprovements: TTFT p50 \(ms\) -72\.8% \(p <0\.001\), Throughput \(tok\/s\) \+5\.4% \(p 0\.03\)\n/,
  );
  assert.match(text, /\nregressions: E2E p99 \(ms\) \+20\.0% \(p 0\.004\)\n/);
  assert.match(
    text,
    /\n~ ITL p50 \(ms\): no significant difference; would have detected ±6\.1 % with 80 % power/,
  );
  assert.ok(!text.includes(ESC), "no colour unless asked");
});

Deno.test("colour: improvements green, regressions red, only when asked", () => {
  const text = renderComparison(sample(), { color: true });
  const green = (s: string) => `${ESC}[32m${s}${ESC}[39m`;
  const red = (s: string) => `${ESC}[31m${s}${ESC}[39m`;
  assert.ok(text.includes(green("-72.8%")));
  assert.ok(text.includes(green("improvement")));
  assert.ok(text.includes(red("+20.0%")));
  assert.ok(text.includes(red("regression")));
});

Deno.test("warnings above the table, unmatched levels under it, unequal trial counts in the header", () => {
  const data = sample({
    warnings: ["workload sampling.temperature: 0 vs 0.7", 'config.transport: unset vs "fetch"'],
    unmatched: [{ side: "baseline", label: "c=16" }, { side: "candidate", label: "c=32" }],
  });
  for (const m of data.levels[0].metrics) m.candidate = { ...m.candidate, n: 3 };
  const lines = renderComparison(data).split("\n");
  assert.equal(
    lines[0],
    "warning: baseline and prefix_caching differ in more than the backend; their difference " +
      "may not be the backend's:",
  );
  assert.equal(lines[1], "warning:   workload sampling.temperature: 0 vs 0.7");
  assert.equal(lines[2], 'warning:   config.transport: unset vs "fetch"');
  assert.equal(lines[3], "Comparison: baseline vs prefix_caching (5 vs 3 trials, concurrency 8)");
  assert.equal(
    lines.at(-1),
    "levels not compared (only in baseline: c=16; only in prefix_caching: c=32)",
  );
});

Deno.test("inconclusive metrics say why; with detect, the trials that would detect it", () => {
  const data = sample({ detect: 0.02, power: 0.9 });
  data.levels[0].metrics = [
    metric({
      id: "ttft_p50_ms",
      baseline: side(45, 0, 1),
      candidate: side(50, 0, 1),
      change: 0.111,
      ci: null,
      p: null,
      pAdjusted: null,
      verdict: "inconclusive",
      detectable: null,
      trialsNeeded: 12,
      note: "inconclusive: need ≥ 2 trials per side (1 vs 1)",
    }),
    metric({ id: "itl_p50_ms", trialsNeeded: 23 }),
  ];
  const text = renderComparison(data);
  assert.match(
    row(text, "TTFT p50 (ms)"),
    /^TTFT p50 \(ms\) +45\.00 +50\.00 +\+11\.1% +— +— +inconclusive$/,
  );
  assert.match(
    text,
    /\nnote: TTFT p50 \(ms\): 12 trials per side would detect ±2 % with 90 % power; inconclusive: need ≥ 2 trials per side \(1 vs 1\)/,
  );
  assert.match(
    text,
    /\n~ ITL p50 \(ms\): no significant difference; would have detected ±6\.1 % with 90 % power; 23 trials per side would detect ±2 % with 90 % power/,
  );
  assert.match(text, /\nimprovements: none\nregressions: none\n/);
  assert.doesNotMatch(text, /not adjusted/, "every interval beside ~ holds 0");
  // An interval that leaves out 0 beside ~ (significant before Holm, not after) is explained.
  data.levels[0].metrics[1].ci = [0.01, 0.09];
  assert.match(
    renderComparison(data),
    /\nnote: an interval beside ~ that leaves out 0 is not adjusted for the 1 metric compared; the adjusted p decides$/,
  );
});

Deno.test("several levels: one header and table each; no level in common says so", () => {
  const data = sample();
  data.levels.push({
    ...data.levels[0],
    label: "r=4/s",
    mode: "serve",
    concurrency: 0,
    requestRate: 4,
  });
  const text = renderComparison(data);
  assert.match(text, /^Comparison: baseline vs prefix_caching \(5 trials each, concurrency 8\)\n/);
  assert.match(
    text,
    /\n\nComparison: baseline vs prefix_caching \(5 trials each, request rate 4\/s\)\n/,
  );
  const none = renderComparison(sample({
    levels: [],
    unmatched: [{ side: "baseline", label: "c=1" }, { side: "candidate", label: "c=2" }],
  }));
  assert.match(none, /no level of one run matches a level of the other .*nothing compared/);
  assert.match(none, /levels not compared \(only in baseline: c=1; only in prefix_caching: c=2\)/);
});

/** Splits a GFM table row into its cells (honouring `\|`). */
function cells(line: string): string[] {
  assert.ok(line.startsWith("| ") && line.endsWith(" |"), `a table row: ${line}`);
  return line.slice(2, -2).split(/(?<!\\) \| /).map((c) => c.trim());
}

Deno.test("Markdown renders as a GFM table: header row, separator, one row per metric", () => {
  const data = sample({
    baselineName: "main|old",
    warnings: ["workload sampling.temperature: 0 vs 0.7"],
    unmatched: [{ side: "candidate", label: "c=32" }],
  });
  const md = renderComparisonMarkdown(data);
  const lines = md.split("\n");
  const start = lines.findIndex((l) => l.startsWith("| Metric"));
  assert.ok(start > 0, md);
  const head = cells(lines[start]);
  assert.deepEqual(head, [
    "Metric",
    "main\\|old",
    "prefix_caching",
    "Change",
    "95% CI of change",
    "p (adj.)",
    "Verdict",
  ]);
  const sep = cells(lines[start + 1]);
  assert.equal(sep.length, head.length);
  for (const s of sep) assert.match(s, /^:?-+:?$/);
  const body = lines.slice(start + 2, lines.indexOf("", start));
  assert.equal(body.length, data.levels[0].metrics.length, "one row per metric");
  for (const r of body) assert.equal(cells(r).length, head.length, r);
  assert.deepEqual(cells(body[0]), [
    "TTFT p50 (ms)",
    "45.20 ± 2.10",
    "12.30 ± 0.80",
    "-72.8%",
    "[-75.1%, -70.2%]",
    "<0.001 ***",
    "**improvement**",
  ]);
  assert.equal(cells(body[1])[3], "\\~", "~ escaped so that GitHub does not strike through");
  assert.equal(cells(body[3])[6], "**regression**");
  // The warning above the table, the words and the unmatched level under it.
  assert.match(
    md,
    /^> \*\*Warning:\*\* main\\\|old and prefix\\_caching differ in more than the backend/,
  );
  assert.match(md, /\n> - workload sampling.temperature: 0 vs 0.7\n/);
  assert.match(
    md,
    /\n\*\*Comparison: main\\\|old vs prefix\\_caching \(5 trials each, concurrency 8\)\*\*\n/,
  );
  assert.match(
    md,
    /\n- \\~ ITL p50 \(ms\): no significant difference; would have detected ±6\.1 % with 80 % power\n/,
  );
  assert.match(md, /\nlevels not compared \(only in prefix\\_caching: c=32\)\n$/);
});
