import assert from "node:assert/strict";
import { METRIC_IDS } from "../metrics/ids.ts";
import type { LevelResult, MetricSummary, ResultsDocument } from "../results/document.ts";
import {
  HEADLINE_METRICS,
  loadDeliveredLines,
  renderTable,
  resultsTable,
  tableRowLabel,
} from "./table.ts";

const trial = { metrics: {}, errors: {}, complete: true };

function doc(levels: LevelResult[], extra: Partial<ResultsDocument> = {}): ResultsDocument {
  return {
    schemaVersion: 1,
    tool: { name: "splleed", version: "1.2.3", deno: "2.9.6" },
    config: { mode: "latency", trials: 3, runs: 20, confidenceLevel: 0.95 },
    backend: { kind: "vllm", model: "qwen", api: "chat", endpoint: "http://localhost:8000" },
    startedAt: "2025-01-01T00:00:00.000Z",
    finishedAt: "2025-01-01T00:01:00.000Z",
    interrupted: false,
    interruption: null,
    warnings: [],
    recordsFile: null,
    levels,
    ...extra,
  };
}

const mean = (value: number, half: number): MetricSummary => ({
  value,
  ci: [value - half, value + half],
  trials: [value, value, value],
});
const pooled = (value: number, ci: [number, number] | null): MetricSummary => ({
  value,
  ci,
  trials: [value, value, value],
  basis: "pooled",
  ...(ci ? {} : { noInterval: { values: 60, needed: 368 } }),
});
const count = (value: number): MetricSummary => ({ value, ci: [value, value], trials: [value] });

/** A latency level with every headline metric and some others, scaled by `k`. */
function level(concurrency: number, k: number, extra: Partial<LevelResult> = {}): LevelResult {
  return {
    mode: "latency",
    concurrency,
    trials: [trial, trial, trial],
    errors: {},
    summary: {
      ttft_mean_ms: mean(45.213 * k, 2.132),
      ttft_std_ms: mean(3.3, 0.5),
      ttft_p50_ms: pooled(41.234 * k, [40.5 * k, 43.1 * k]),
      ttft_p99_ms: pooled(90.71 * k, null),
      itl_p50_ms: pooled(5.5012, [5.47, 5.54]),
      itl_p99_ms: pooled(7.5912, [5.9, 16.8]),
      tpot_mean_ms: mean(5.51, 0.0122),
      e2e_p50_ms: pooled(176.92 * k, [176.4 * k, 180.66 * k]),
      e2e_p99_ms: pooled(180.5 * k, null),
      schedule_lag_p99_ms: pooled(0.0808, null),
      request_throughput_per_sec: mean(5.62 * k, 0.17),
      throughput_tokens_per_sec: mean(1245.3 * k, 42),
      requests_completed: count(20),
      requests_failed: count(0),
    },
    ...extra,
  };
}

/** The cells of the table row whose first cell is `name` (borders and padding removed). */
function row(text: string, name: string): string[] {
  // deno-lint-ignore no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  for (const line of plain.split("\n")) {
    const cells = line.split("│").slice(1, -1).map((c) => c.trim());
    if (cells[0] === name) return cells;
  }
  assert.fail(`no row ${name} in:\n${plain}`);
}

/** The first cells of every table row, in order, without the head. */
function rowNames(text: string): string[] {
  return text.split("\n").filter((l) => l.startsWith("│")).map((l) => l.split("│")[1].trim())
    .filter((n) => n !== "Metric");
}

Deno.test("the default table: the headline rows with human labels and units, in order", () => {
  const text = renderTable(doc([level(1, 1), level(8, 2)]));
  assert.deepEqual(row(text, "Metric"), ["Metric", "c=1", "c=8"]);
  assert.deepEqual(rowNames(text), [
    "TTFT p50 (ms)",
    "TTFT p99 (ms)",
    "ITL p50 (ms)",
    "ITL p99 (ms)",
    "TPOT mean (ms)",
    "E2E p50 (ms)",
    "E2E p99 (ms)",
    "Request throughput (req/s)",
    "Throughput (tok/s)",
  ]);
  // Nothing a newcomer does not need first: no std, no counts, no ids.
  assert.doesNotMatch(text, /ttft_|requests_completed|std|± 0(?![.\d])/);
});

Deno.test("cells: value ± half-width for means, value (low–high) for pooled percentiles, at the interval's precision", () => {
  const text = renderTable(doc([level(1, 1), level(8, 2)]));
  assert.deepEqual(row(text, "TTFT p50 (ms)"), [
    "TTFT p50 (ms)",
    "41.2 (40.5–43.1)",
    "82.5 (81.0–86.2)",
  ]);
  assert.deepEqual(row(text, "TPOT mean (ms)"), [
    "TPOT mean (ms)",
    "5.510 ± 0.012",
    "5.510 ± 0.012",
  ]);
  assert.deepEqual(row(text, "Throughput (tok/s)"), [
    "Throughput (tok/s)",
    "1,245 ± 42",
    "2,491 ± 42",
  ]);
  // No interval (too few requests for a p99): three significant digits, explained in a note.
  assert.deepEqual(row(text, "TTFT p99 (ms)"), ["TTFT p99 (ms)", "90.7", "181"]);
  assert.match(
    text,
    /^note: c=1, c=8: no 95 % interval for TTFT p99, E2E p99: 60 requests pooled, 368 needed$/m,
  );
  assert.match(
    text,
    /^±: 95% CI half-width \(mean over trials\) · \(low–high\): 95% CI \(percentile of the pooled requests\)$/m,
  );
});

Deno.test("a level lacking a metric shows —; a metric no level has is no row", () => {
  const a = level(1, 1);
  const b = level(2, 1);
  delete b.summary.itl_p50_ms;
  const text = renderTable(doc([a, b]));
  assert.deepEqual(row(text, "ITL p50 (ms)"), ["ITL p50 (ms)", "5.501 (5.470–5.540)", "—"]);
  assert.doesNotMatch(text, /Goodput/);
  assert.doesNotMatch(text, /inputs\/s/);
});

Deno.test("goodput is a row when the run had objectives", () => {
  const l = level(1, 1);
  l.summary.goodput_requests_per_sec = mean(5.1, 0.2);
  const text = renderTable(doc([l], {
    config: { mode: "latency", trials: 3, runs: 20, slo: { ttftMs: 100 } },
  }));
  assert.deepEqual(row(text, "Goodput (req/s)"), ["Goodput (req/s)", "5.10 ± 0.20"]);
  assert.match(text.split("\n")[1], /SLO ttft ≤ 100 ms/);
});

Deno.test("failures: by reason over all trials for every level, a total with several reasons, shown in every view", () => {
  const d = doc([
    level(1, 1, { errors: { http_500: 2 } }),
    level(8, 1, { errors: { timeout: 1 } }),
  ]);
  for (const options of [{}, { metrics: ["ttft_p50_ms"] }]) {
    const text = renderTable(d, options);
    assert.deepEqual(row(text, "Failed (all reasons)"), ["Failed (all reasons)", "2", "1"]);
    assert.deepEqual(row(text, "Failed: http_500"), ["Failed: http_500", "2", "0"]);
    assert.deepEqual(row(text, "Failed: timeout"), ["Failed: timeout", "0", "1"]);
    assert.match(text, /failed and not-issued rows count all trials/);
  }
  const all = renderTable(d, { allMetrics: true });
  assert.deepEqual(row(all, "failed: http_500"), ["failed: http_500", "2", "0"]);
  // One reason: no total row.
  const one = renderTable(doc([level(1, 1, { errors: { http_500: 2 } })]));
  assert.deepEqual(rowNames(one).slice(-1), ["Failed: http_500"]);
  assert.doesNotMatch(one, /all reasons/);
  // None: no failure row, no legend about them.
  const none = renderTable(doc([level(1, 1)]));
  assert.doesNotMatch(none, /Failed|failed and/);
});

Deno.test("metrics: picks the rows, in the order given", () => {
  const text = renderTable(doc([level(1, 1)]), {
    metrics: ["throughput_tokens_per_sec", "ttft_std_ms", "requests_completed", "ttft_p50_ms"],
  });
  assert.deepEqual(rowNames(text), [
    "Throughput (tok/s)",
    "TTFT std (ms)",
    "Requests completed",
    "TTFT p50 (ms)",
  ]);
  // A count is an integer, with no interval and never "± 0".
  assert.deepEqual(row(text, "Requests completed"), ["Requests completed", "20"]);
  // A known id no level has: a row of —.
  const missing = renderTable(doc([level(1, 1)]), { metrics: ["goodput_ratio"] });
  assert.deepEqual(row(missing, "SLO attainment (ratio)"), ["SLO attainment (ratio)", "—"]);
});

Deno.test("metrics: an unknown id or an empty list is refused, naming it and the known ids", () => {
  const d = doc([level(1, 1)]);
  assert.throws(
    () => renderTable(d, { metrics: ["ttft_p50_ms", "ttft_p5_ms", "tput"] }),
    (e: Error) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, /the unknown metric id 'ttft_p5_ms', the unknown metric id 'tput'/);
      assert.match(e.message, /known: <name>_<stat>_ms with name one of ttft, itl, tpot, e2e/);
      assert.match(e.message, /throughput_tokens_per_sec/);
      return true;
    },
  );
  assert.throws(() => renderTable(d, { metrics: [] }), /got an empty list/);
});

Deno.test("allMetrics: every metric id present, in the metric table's order, named by its id", () => {
  const text = renderTable(doc([level(1, 1)]), { allMetrics: true });
  const names = rowNames(text);
  const present = METRIC_IDS.filter((id) => id in level(1, 1).summary);
  assert.deepEqual(names, present);
  assert.deepEqual(row(text, "requests_completed"), ["requests_completed", "20"]);
  assert.deepEqual(row(text, "requests_failed"), ["requests_failed", "0"]);
  assert.deepEqual(row(text, "ttft_mean_ms"), ["ttft_mean_ms", "45.2 ± 2.1"]);
});

Deno.test("the choice saved in the run's config.table applies; options given override it", () => {
  const saved = (table: unknown) =>
    doc([level(1, 1)], { config: { mode: "latency", trials: 3, runs: 20, table } });
  assert.deepEqual(rowNames(renderTable(saved({ metrics: ["itl_p50_ms"] }))), ["ITL p50 (ms)"]);
  assert.ok(rowNames(renderTable(saved({ allMetrics: true }))).includes("ttft_std_ms"));
  assert.deepEqual(
    rowNames(renderTable(saved({ allMetrics: true }), { metrics: ["e2e_p50_ms"] })),
    ["E2E p50 (ms)"],
  );
  assert.deepEqual(
    rowNames(renderTable(saved({ metrics: ["itl_p50_ms"] }), { allMetrics: false })),
    HEADLINE_METRICS.filter((id) => id in level(1, 1).summary).map(tableRowLabel),
  );
});

Deno.test("schedule lag p99: shown for an open loop, or when it exceeds 1 ms and 1 % of TTFT p50", () => {
  const withLag = (lag: number, ttft: number, mode: LevelResult["mode"] = "latency") => {
    const l = level(1, 1, { mode, ...(mode === "serve" ? { requestRate: 4 } : {}) });
    l.summary.schedule_lag_p99_ms = pooled(lag, null);
    l.summary.ttft_p50_ms = pooled(ttft, [ttft - 1, ttft + 1]);
    return rowNames(renderTable(doc([l]))).includes("Schedule lag p99 (ms)");
  };
  assert.equal(withLag(0.08, 40), false, "timer noise");
  assert.equal(withLag(0.9, 40), false, "under 1 ms");
  assert.equal(withLag(2, 40), true, "2 ms is 5 % of 40 ms");
  assert.equal(withLag(2, 400), false, "2 ms is 0.5 % of 400 ms");
  assert.equal(withLag(0.08, 40, "serve"), true, "open loop: always");
});

Deno.test("the header names the engine, model, mode, trials; warnings and INTERRUPTED above the table", () => {
  const text = renderTable(doc([level(1, 1)], {
    recordsFile: "/tmp/run/records.jsonl",
    warnings: ["concurrency 64 exceeds runs (8)"],
    backend: {
      kind: "vllm",
      model: "qwen",
      api: "chat",
      endpoint: "http://localhost:8000",
      info: { serverVersion: "0.6.3" },
    },
  }));
  const [first, second] = text.split("\n");
  assert.equal(
    first,
    "splleed 1.2.3 · vllm · model qwen · server 0.6.3 · chat · http://localhost:8000",
  );
  assert.equal(second, "latency mode · 3 trials × 20 requests per level");
  assert.match(text, /^warning: concurrency 64 exceeds runs \(8\)$/m);
  assert.ok(text.indexOf("warning:") < text.indexOf("Metric"));
  assert.ok(text.split("\n").includes("records: /tmp/run/records.jsonl"));
  assert.doesNotMatch(text, /INTERRUPTED|warning: .*\n.*warning/);
  const cut = renderTable(doc([level(1, 1)], { interrupted: true, interruption: "SIGINT at c=1" }));
  assert.ok(cut.split("\n").includes("INTERRUPTED: SIGINT at c=1"), cut);
  assert.ok(cut.indexOf("INTERRUPTED") < cut.indexOf("Metric"));
  const noReason = renderTable(doc([level(1, 1)], { interrupted: true, interruption: null }));
  assert.match(noReason, /^INTERRUPTED: \S/m);
});

Deno.test("a throughput level is a burst; a single trial has no ± anywhere", () => {
  const text = renderTable(doc([{
    mode: "throughput",
    concurrency: 64,
    trials: [trial],
    errors: {},
    summary: { throughput_tokens_per_sec: { value: 1234.5, ci: null, trials: [1234.5] } },
  }], { config: { mode: "throughput", trials: 1, runs: 64 } }));
  assert.deepEqual(row(text, "Metric"), ["Metric", "burst 64"]);
  assert.deepEqual(row(text, "Throughput (tok/s)"), ["Throughput (tok/s)", "1,235"]);
  assert.doesNotMatch(text, /±|Failed/);
  assert.match(text.split("\n")[1], /^throughput mode · 1 trial × 64 requests per level$/);
});

Deno.test("requests planned but not issued (an interrupted run) get their own row", () => {
  const text = renderTable(doc([level(1, 1, { notIssued: 7 }), level(2, 1)], {
    interrupted: true,
    interruption: "SIGINT",
  }));
  assert.deepEqual(row(text, "Not issued"), ["Not issued", "7", "0"]);
  assert.doesNotMatch(renderTable(doc([level(1, 1)])), /Not issued/);
});

Deno.test("width: a table that fits is one box; a wider one wraps its levels into boxes that fit", () => {
  const d = doc([1, 2, 4, 8, 16, 32].map((c) => level(c, c)));
  const wide = renderTable(d, { width: 200 });
  assert.equal(wide.split("\n").filter((l) => l.startsWith("┌")).length, 1);
  assert.deepEqual(row(wide, "Metric"), ["Metric", "c=1", "c=2", "c=4", "c=8", "c=16", "c=32"]);
  assert.equal(renderTable(d), wide, "no width: one box");

  const narrow = renderTable(d, { width: 80 });
  const boxes = narrow.split("\n").filter((l) => l.startsWith("┌")).length;
  assert.ok(boxes >= 2 && boxes < 6, `${boxes} boxes`);
  for (const line of narrow.split("\n").filter((l) => /^[┌│├└]/.test(l))) {
    assert.ok(line.length <= 80, `${line.length}: ${line}`);
  }
  // Every level once, each box with the metric column and every row.
  const heads = narrow.split("\n").filter((l) => l.startsWith("│ Metric"));
  assert.equal(heads.length, boxes);
  const levels = heads.flatMap((h) => h.split("│").slice(2, -1).map((c) => c.trim()));
  assert.deepEqual(levels, ["c=1", "c=2", "c=4", "c=8", "c=16", "c=32"]);
  assert.equal(
    narrow.split("\n").filter((l) => l.startsWith("│ TTFT p50 (ms)")).length,
    boxes,
  );
  // The cells are those of the wide table.
  const cells = (t: string) =>
    t.split("\n").filter((l) => l.startsWith("│ TTFT p50")).flatMap((l) =>
      l.split("│").slice(2, -1).map((c) => c.trim())
    );
  assert.deepEqual(cells(narrow), cells(wide));
});

Deno.test("width: too narrow for any box, each level is listed as metric value lines", () => {
  const d = doc([level(1, 1), level(8, 2)]);
  const text = renderTable(d, { width: 50 });
  assert.doesNotMatch(text, /┌/);
  const lines = text.split("\n");
  const at = lines.indexOf("c=8:");
  assert.ok(lines.indexOf("c=1:") >= 0 && at > lines.indexOf("c=1:"), text);
  assert.match(lines[at + 1], /^ {2}TTFT p50 \(ms\) +82\.5 \(81\.0–86\.2\)$/);
  for (const l of lines.slice(lines.indexOf("c=1:"), at + 10)) {
    assert.ok(l.length <= 50, `${l.length}: ${l}`);
  }
});

Deno.test("colour codes only when asked", () => {
  const d = doc([level(1, 1)]);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(renderTable(d), /\x1b\[/);
  // deno-lint-ignore no-control-regex
  assert.match(renderTable(d, { color: true }), /\x1b\[36mMetric/);
});

Deno.test("notes under the default table are about its rows; the full table's name ids", () => {
  const a = level(1, 1);
  a.summary.ttft_p90_ms = pooled(60, null);
  a.summary.ttft_p50_ms = { ...a.summary.ttft_p50_ms, spread: { min: 40, max: 43 } };
  const short = resultsTable(doc([a]));
  const text = renderTable(doc([a]));
  assert.equal(short.ids.includes("ttft_p90_ms"), false);
  assert.match(text, /note: c=1: no 95 % interval for TTFT p99, E2E p99: /);
  assert.doesNotMatch(text, /p90|between trials/);
  const all = renderTable(doc([a]), { allMetrics: true });
  assert.match(
    all,
    /note: c=1: no 95 % interval for ttft_p99_ms, e2e_p99_ms, schedule_lag_p99_ms, ttft_p90_ms: /,
  );
  assert.match(all, /note: c=1: between trials: ttft_p50_ms 40\.00–43\.00/);
});

Deno.test("load delivered: one line per open-loop level, ranges over its trials", () => {
  const load = (achievedRate: number, p99: number, pValue: number, fellBehind = false) => ({
    requestedRate: 8,
    plannedRate: 8.1,
    achievedRate,
    planned: 50,
    sent: 50,
    scheduleLagMs: { p50: 0.05, p99, max: 2 * p99 },
    queueMs: null,
    ks: { statistic: 0.08, pValue, n: 49 },
    maxGapErrorMs: null,
    fellBehind,
  });
  const lines = loadDeliveredLines(doc([{
    mode: "serve",
    concurrency: 0,
    requestRate: 8,
    summary: {},
    errors: {},
    trials: [
      { ...trial, load: load(7.95, 0.4, 0.6) },
      { ...trial, load: load(8.09, 0.9, 0.3, true) },
    ],
  }, level(4, 1)]));
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^load delivered \(over the trials/);
  assert.equal(
    lines[1],
    "  r=8/s: achieved 7.95–8.09 req/s (planned 8.10) · lag p50/p99/max 0.050/0.90/1.8 ms · " +
      "KS p 0.30 · FELL BEHIND (trial 2)",
  );
  assert.deepEqual(loadDeliveredLines(doc([level(4, 1)])), []);
});

Deno.test("structured-output validity shows when measured; tool calls only when there were some", () => {
  const a = level(1, 1);
  a.summary.tool_call_requests = { value: 0, ci: null, trials: [0] } as never;
  a.summary.tool_call_ratio = { value: 0, ci: null, trials: [0] } as never;
  const plain = resultsTable(doc([a]));
  assert.equal(plain.ids.includes("structured_valid_ratio"), false);
  assert.equal(plain.ids.includes("tool_call_ratio"), false);
  const b = level(1, 1);
  b.summary.structured_valid_ratio = { value: 0.75, ci: null, trials: [0.75] } as never;
  b.summary.tool_call_requests = { value: 3, ci: null, trials: [3] } as never;
  b.summary.tool_call_ratio = { value: 0.5, ci: null, trials: [0.5] } as never;
  const t = resultsTable(doc([b]));
  assert.ok(t.ids.includes("structured_valid_ratio"));
  assert.ok(t.ids.includes("tool_call_ratio"));
  const text = renderTable(doc([b]));
  assert.match(text, /│ Valid structured output \(ratio\) +│/);
  assert.match(text, /│ Requests with a tool call \(ratio\) +│/);
});
