import assert from "node:assert/strict";
import {
  formatChange,
  type RegressionReportData,
  type RegressionReportRow,
  regressionSummary,
  renderRegressionMarkdown,
  renderRegressionTable,
} from "./regression.ts";

function row(
  id: string,
  change: number | null,
  threshold: number,
  verdict: RegressionReportRow["verdict"],
  extra: Partial<RegressionReportRow> = {},
): RegressionReportRow {
  return {
    id,
    before: 100,
    after: change === null ? NaN : 100 * (1 + change),
    nBefore: 5,
    nAfter: 5,
    change,
    ci: change === null ? null : [change - 0.03, change + 0.03],
    threshold,
    p: 0.01,
    pAdjusted: 0.03,
    verdict,
    ...extra,
  };
}

function data(
  levels: RegressionReportData["levels"],
  extra: Partial<RegressionReportData> = {},
): RegressionReportData {
  const count = (v: RegressionReportRow["verdict"]) =>
    levels.reduce((n, l) => n + l.rows.filter((r) => r.verdict === v).length, 0);
  return {
    policy: "significant",
    test: "welch",
    alpha: 0.05,
    confidence: 0.95,
    trialsNeeded: 2,
    levels,
    regressions: count("regression"),
    improvements: count("improvement"),
    inconclusive: count("inconclusive"),
    unmatched: [],
    warnings: [],
    ...extra,
  };
}

const level = (label: string, rows: RegressionReportRow[]) => ({
  label,
  baselineTrials: 5,
  currentTrials: 5,
  rows,
});

Deno.test("the Markdown is a table a pull-request comment renders: a header, a separator, one row per metric", () => {
  const md = renderRegressionMarkdown(data([
    level("c=8", [
      row("ttft_p99_ms", 0.142, 0.1, "regression"),
      row("itl_p50_ms", 0.01, 0.1, "ok"),
      row("throughput_tokens_per_sec", 0.08, -0.05, "improvement"),
    ]),
  ]));
  const lines = md.split("\n");
  const head = lines.findIndex((l) => l.startsWith("| metric |"));
  assert.ok(head > 0, md);
  const cells = (l: string) => l.slice(1, -1).split(" | ").map((c) => c.trim());
  const columns = cells(lines[head]);
  assert.deepEqual(columns, [
    "metric",
    "before",
    "after",
    "change",
    "95% CI",
    "threshold",
    "p (adj.)",
    "verdict",
  ]);
  // GitHub needs a separator row with one cell per column right under the header.
  assert.match(lines[head + 1], /^\|(:?-+:?\|){8}$/);
  const body = lines.slice(head + 2, head + 5).map(cells);
  assert.equal(body.length, 3);
  for (const r of body) assert.equal(r.length, 8, r.join(" | "));
  assert.deepEqual(body[0], [
    "`ttft_p99_ms`",
    "100.00",
    "114.20",
    "+14.2 %",
    "[+11.2 %, +17.2 %]",
    "+10 %",
    "0.030",
    "**REGRESSION**",
  ]);
  assert.equal(body[2][5], "-5 %");
  assert.equal(body[2][7], "improvement");
  assert.equal(lines[head + 5], "", "a blank line ends the table");
  assert.match(
    md,
    /^### splleed regression check\n\n\*{2}❌ 1 regression at c=8: ttft_p99_ms \+14\.2 % \(threshold \+10 %\); 1 improvement\*{2}\n/,
  );
});

Deno.test("Markdown: warnings above the tables, notes and unmatched levels under them, pipes escaped", () => {
  const md = renderRegressionMarkdown(data(
    [level("c=1", [
      row("ttft_p50_ms", null, 0.1, "inconclusive", { note: "not measured in the baseline" }),
    ])],
    {
      warnings: ["config.prompts: a|b vs c"],
      unmatched: [{ side: "baseline", label: "c=64" }],
    },
  ));
  assert.match(md, /\*{2}✅ no regression in 1 metric at 1 level; 1 inconclusive\*{2}/);
  assert.match(md, /\n> ⚠️ config\.prompts: a\\\|b vs c\n/);
  assert.ok(md.indexOf("> ⚠️") < md.indexOf("| metric |"));
  assert.match(
    md,
    /\| `ttft_p50_ms` \| 100\.00 \| — \| — \| — \| \+10 % \| 0\.030 \| inconclusive \|/,
  );
  assert.match(md, /\n- `ttft_p50_ms`: not measured in the baseline\n/);
  assert.match(
    md,
    /\n- unmatched: c=64 of the baseline has no level in the current run \(not checked\)\n/,
  );
});

Deno.test("the text table lists every checked metric with its verdict, colours only when asked", () => {
  const d = data([
    level("c=8", [
      row("ttft_p99_ms", 0.142, 0.1, "regression"),
      row("itl_p50_ms", 0.2, 0.1, "inconclusive", {
        note: "beyond the threshold but not significant",
      }),
    ]),
  ]);
  const plain = renderRegressionTable(d);
  assert.ok(!plain.includes("\x1b["), "no colour codes");
  assert.match(
    plain,
    /^Regression check: current vs baseline · policy significant \(Welch's t on the logs, one-sided, Holm-adjusted, alpha 0\.05\)\n/,
  );
  assert.match(plain, /\nc=8 \(5 vs 5 trials\)\n/);
  assert.match(
    plain,
    /│ ttft_p99_ms .*│ +100\.00 │ +114\.20 │ +\+14\.2 % │ \[\+11\.2 %, \+17\.2 %\] │ +\+10 % │ +0\.030 │ REGRESSION +│/,
  );
  assert.match(plain, /│ itl_p50_ms .*│ inconclusive │/);
  assert.match(plain, /\nnote: c=8 itl_p50_ms: beyond the threshold but not significant\n/);
  assert.match(
    plain,
    /\n1 regression at c=8: ttft_p99_ms \+14\.2 % \(threshold \+10 %\); 1 inconclusive$/,
  );
  const colored = renderRegressionTable(d, { color: true });
  assert.ok(colored.includes("\x1b[31mREGRESSION\x1b[39m"), "regressions in red");
  assert.ok(colored.includes("\x1b[33minconclusive\x1b[39m"), "inconclusive in yellow");
});

Deno.test("the summary names every regression by level, or says how much was fine", () => {
  assert.equal(
    regressionSummary(data([
      level("c=1", [row("ttft_p99_ms", 0.2, 0.1, "regression"), row("itl_p50_ms", 0, 0.1, "ok")]),
      level("c=8", [
        row("ttft_p99_ms", 0.3, 0.1, "regression"),
        row("itl_p50_ms", 0.12, 0.1, "regression"),
      ]),
    ])),
    "3 regressions: at c=1: ttft_p99_ms +20.0 % (threshold +10 %); " +
      "at c=8: ttft_p99_ms +30.0 % (threshold +10 %), itl_p50_ms +12.0 % (threshold +10 %)",
  );
  // Too few trials: how to get a verdict.
  assert.equal(
    regressionSummary(data([
      level("c=1", [
        row("ttft_p99_ms", 0.2, 0.1, "inconclusive", {
          note: "need ≥ 2 trials per side (baseline 1, current 1)",
        }),
      ]),
    ])),
    "no regression in 1 metric at 1 level; 1 inconclusive (need ≥ 2 trials per side; " +
      "--policy point judges single trials by the point estimate)",
  );
  // Point policy: no p-values to speak of.
  const point = renderRegressionTable(
    data([
      level("c=1", [row("ttft_p99_ms", 0.05, 0.1, "ok", { p: null, pAdjusted: null, ci: null })]),
    ], {
      policy: "point",
    }),
  );
  assert.match(point, /policy point \(the point estimate decides\)/);
  assert.match(point, /│ ttft_p99_ms .*│ +\+5\.0 % │ +— │ +\+10 % │ +— │ ok +│/);
});

Deno.test("changes and thresholds print as signed percentages", () => {
  assert.equal(formatChange(0.0549), "+5.5 %");
  assert.equal(formatChange(-0.72803), "-72.8 %");
  assert.equal(formatChange(-0.00001), "0.0 %");
  assert.equal(formatChange(-Infinity), "-∞");
  assert.equal(formatChange(NaN), "—");
});
