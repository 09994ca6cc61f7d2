import assert from "node:assert/strict";
import type { LevelResult, ResultsDocument } from "../results/document.ts";
import { fixtureDocument } from "../results/fixtures.ts";
import { markdownTable, renderMarkdown } from "./markdown.ts";
import { resultsTable } from "./table.ts";

/** A GFM table parsed back: the cells of each line, `\|` kept inside a cell and unescaped. */
function parseTables(md: string): { head: string[]; align: string[]; rows: string[][] }[] {
  const cells = (line: string) =>
    line.slice(2, -2).split(/(?<!\\) \| /).map((c) => c.replace(/\\([\\|~])/g, "$1"));
  const tables: { head: string[]; align: string[]; rows: string[][] }[] = [];
  const lines = md.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith("| ") || !lines[i + 1]?.startsWith("| :--")) continue;
    const head = cells(lines[i]);
    const align = cells(lines[i + 1]);
    assert.ok(align.every((a) => a === ":--" || a === "--:"), lines[i + 1]);
    assert.equal(align.length, head.length, "separator row has a cell per column");
    const rows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j].startsWith("|"); j++) {
      assert.match(lines[j], /^\| .* \|$/);
      const r = cells(lines[j]);
      assert.equal(r.length, head.length, `row has ${head.length} cells: ${lines[j]}`);
      rows.push(r);
    }
    // A table ends at a blank line (or the end), as GFM needs.
    assert.ok(j === lines.length || lines[j] === "", `line after the table: ${lines[j]}`);
    assert.ok(i === 0 || lines[i - 1] === "", "a blank line before the table");
    tables.push({ head, align, rows });
    i = j;
  }
  return tables;
}

const trial = { metrics: {}, errors: {}, complete: true };

function level(concurrency: number, errors: Record<string, number> = {}): LevelResult {
  return {
    mode: "latency",
    concurrency,
    trials: [trial, trial, trial],
    errors,
    summary: {
      ttft_p50_ms: { value: 41.234, ci: [40.5, 43.1], trials: [], basis: "pooled" },
      ttft_p99_ms: {
        value: 90.7,
        ci: null,
        trials: [],
        basis: "pooled",
        noInterval: { values: 60, needed: 368 },
      },
      tpot_mean_ms: { value: 5.51, ci: [5.4978, 5.5222], trials: [] },
      throughput_tokens_per_sec: { value: 1245.3, ci: [1203.3, 1287.3], trials: [] },
      requests_completed: { value: 20, ci: [20, 20], trials: [] },
      requests_failed: {
        value: 0,
        ci: null,
        trials: [Object.values(errors).reduce((a, n) => a + n, 0)],
      },
    },
  };
}

function sample(extra: Partial<ResultsDocument> = {}): ResultsDocument {
  return {
    ...fixtureDocument([level(1), level(8, { http_500: 2 })], {
      mode: "latency",
      trials: 3,
      runs: 20,
      confidenceLevel: 0.95,
    }),
    backend: { kind: "vllm", model: "qwen", api: "chat", endpoint: "http://gpu:8000" },
    ...extra,
  };
}

Deno.test("toMarkdown: the same table as the console's, as a GFM table that parses", () => {
  const doc = sample();
  const md = renderMarkdown(doc);
  const tables = parseTables(md);
  assert.equal(tables.length, 1, md);
  const t = resultsTable(doc);
  assert.deepEqual(tables[0].head, t.head);
  assert.deepEqual(tables[0].rows, t.rows);
  assert.deepEqual(tables[0].align, [":--", "--:", "--:"]);
  assert.deepEqual(tables[0].rows.map((r) => r[0]), [
    "TTFT p50 (ms)",
    "TTFT p99 (ms)",
    "TPOT mean (ms)",
    "Throughput (tok/s)",
    "Failed: http_500",
  ]);
  assert.deepEqual(tables[0].rows[3], ["Throughput (tok/s)", "1,245 ± 42", "1,245 ± 42"]);
  // Every row, with allMetrics, named by its id.
  const all = parseTables(renderMarkdown(doc, { allMetrics: true }))[0];
  assert.ok(all.rows.some((r) => r[0] === "requests_completed" && r[1] === "20"));
});

Deno.test("toMarkdown: the run's header (engine, model, mode, trials), warnings and notes", () => {
  const md = renderMarkdown(
    sample({
      warnings: ["concurrency 64 exceeds runs (16): raise 'runs'"],
      interrupted: true,
      interruption: "interrupted by SIGINT",
    }),
    {},
    "vLLM, prefix caching on",
  );
  const lines = md.split("\n");
  assert.equal(lines[0], "### vLLM, prefix caching on");
  assert.match(md, /\nsplleed 0\.1\.0 · vllm · model qwen · chat · http:\/\/gpu:8000 {2}\n/);
  assert.match(md, /\nlatency mode · 3 trials × 20 requests per level\n/);
  assert.match(md, /\n> \*\*Interrupted:\*\* interrupted by SIGINT\n/);
  assert.match(md, /\n> \*\*Warning:\*\* concurrency 64 exceeds runs \(16\): raise 'runs'\n/);
  // The warnings come before the table, the notes after it.
  assert.ok(md.indexOf("Warning") < md.indexOf("| Metric"));
  assert.match(md, /\n- c=1, c=8: no 95 % interval for TTFT p99: 60 requests pooled, 368 needed\n/);
  assert.match(md, /\n- c=8: 2 requests failed \(http\\_500 2\)/);
  assert.match(md, /\n<sub>±: 95% CI half-width \(mean over trials\) · /);
  assert.ok(md.endsWith("\n") && !md.endsWith("\n\n"));
});

Deno.test("markdownTable: | and ~ escaped, short rows filled, alignment by column", () => {
  const text = markdownTable(["a", "b|c", "d"], [["x ~ y", "1"], ["**bold**", "2", "3"]], [
    "left",
    "right",
    "left",
  ]);
  assert.equal(
    text,
    "| a | b\\|c | d |\n| :-- | --: | :-- |\n| x \\~ y | 1 |  |\n| **bold** | 2 | 3 |",
  );
  const [t] = parseTables(text);
  assert.deepEqual(t.head, ["a", "b|c", "d"]);
  assert.deepEqual(t.rows[0], ["x ~ y", "1", ""]);
  assert.equal(markdownTable(["only"], []), "| only |\n| :-- |");
});
