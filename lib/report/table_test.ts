import assert from "node:assert/strict";
import type { LevelResult, ResultsDocument } from "../results/document.ts";
import { renderTable } from "./table.ts";

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

function sample(extra: Partial<ResultsDocument> = {}): ResultsDocument {
  return doc([
    {
      mode: "latency",
      concurrency: 1,
      trials: [trial, trial, trial],
      errors: { http_500: 2 },
      summary: {
        // Interval [40.5, 43.5]: half-width 1.5.
        ttft_p50_ms: { value: 42, ci: [40.5, 43.5], trials: [41, 42, 43] },
        requests_completed: { value: 20, ci: null, trials: [20] },
      },
    },
    {
      mode: "latency",
      concurrency: 8,
      trials: [trial, trial, trial],
      errors: { timeout: 1 },
      summary: {
        ttft_p50_ms: { value: 120.4, ci: null, trials: [120.4] },
      },
    },
  ], extra);
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

Deno.test("renderTable() shows value ± half-width where an interval exists, plain value otherwise", () => {
  const text = renderTable(sample());
  assert.deepEqual(row(text, "metric"), ["metric", "c=1", "c=8"]);
  assert.deepEqual(row(text, "ttft_p50_ms"), ["ttft_p50_ms", "42.00 ± 1.50", "120.40"]);
});

Deno.test("renderTable() shows — for a level lacking a metric", () => {
  const text = renderTable(sample());
  assert.deepEqual(row(text, "requests_completed"), ["requests_completed", "20", "—"]);
});

Deno.test("renderTable() lists failures by reason for every level", () => {
  const text = renderTable(sample());
  assert.deepEqual(row(text, "failed: http_500"), ["failed: http_500", "2", "0"]);
  assert.deepEqual(row(text, "failed: timeout"), ["failed: timeout", "0", "1"]);
});

Deno.test("renderTable() orders metrics as in the metric ids (ttft before requests)", () => {
  const text = renderTable(sample());
  assert.ok(text.indexOf("ttft_p50_ms") < text.indexOf("requests_completed"));
  assert.ok(text.indexOf("requests_completed") < text.indexOf("failed: http_500"));
});

Deno.test("renderTable() has an INTERRUPTED line only when the run was interrupted", () => {
  const plain = renderTable(sample());
  assert.ok(!plain.includes("INTERRUPTED"));
  const cut = renderTable(sample({ interrupted: true, interruption: "SIGINT after level c=1" }));
  const lines = cut.split("\n");
  assert.ok(lines.includes("INTERRUPTED: SIGINT after level c=1"), cut);
  // It comes before the table, where the reader starts.
  assert.ok(cut.indexOf("INTERRUPTED") < cut.indexOf("ttft_p50_ms"));
  const noReason = renderTable(sample({ interrupted: true, interruption: null }));
  assert.match(noReason, /^INTERRUPTED: \S/m);
});

Deno.test("renderTable() header names the backend, trials and confidence level", () => {
  const text = renderTable(sample({ recordsFile: "/tmp/run/records.jsonl" }));
  const [first, second] = text.split("\n");
  for (const s of ["1.2.3", "vllm", "qwen", "chat", "http://localhost:8000"]) {
    assert.ok(first.includes(s), first);
  }
  assert.match(second, /3 trials/);
  assert.match(second, /20 requests per level/);
  assert.match(second, /95% CI/);
  assert.ok(text.split("\n").includes("records: /tmp/run/records.jsonl"));
});

Deno.test("renderTable() labels a throughput level as a burst", () => {
  const text = renderTable(doc([{
    mode: "throughput",
    concurrency: 64,
    trials: [trial],
    errors: {},
    summary: { throughput_tokens_per_sec: { value: 1234.5, ci: null, trials: [1234.5] } },
  }]));
  assert.deepEqual(row(text, "metric"), ["metric", "burst 64"]);
  assert.deepEqual(row(text, "throughput_tokens_per_sec"), [
    "throughput_tokens_per_sec",
    "1234.50",
  ]);
  assert.ok(!text.includes("failed:"));
});

Deno.test("renderTable() prints the run's warnings under the header", () => {
  const text = renderTable(sample({ warnings: ["concurrency 64 exceeds runs (8)"] }));
  assert.match(text, /^warning: concurrency 64 exceeds runs \(8\)$/m);
  assert.doesNotMatch(renderTable(sample()), /warning:/);
});

Deno.test("requests planned but not issued (an interrupted run) get their own row", () => {
  const level = (notIssued?: number): LevelResult => ({
    mode: "latency",
    concurrency: 1,
    trials: [trial],
    errors: {},
    summary: { ttft_p50_ms: { value: 10, ci: null, trials: [10] } },
    ...(notIssued !== undefined ? { notIssued } : {}),
  });
  const text = renderTable(doc([level(7), level()], { interrupted: true, interruption: "SIGINT" }));
  assert.match(text, /not issued +│ +7 │ +0 │/);
  assert.doesNotMatch(renderTable(doc([level()])), /not issued/);
});
