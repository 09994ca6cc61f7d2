import assert from "node:assert/strict";
import type { LevelResult, ResultsDocument } from "../results/document.ts";
import { levelNotes, tableNotes } from "./notes.ts";
import { renderTable } from "./table.ts";

function doc(
  summary: LevelResult["summary"],
  errors: Record<string, number> = {},
): ResultsDocument {
  return {
    schemaVersion: 1,
    tool: { name: "splleed", version: "0", deno: "2" },
    config: { trials: 2, confidenceLevel: 0.95, mode: "latency", runs: 10 },
    backend: { kind: "simulator", model: "m" },
    startedAt: "",
    finishedAt: "",
    interrupted: false,
    interruption: null,
    warnings: [],
    recordsFile: null,
    levels: [{ mode: "latency", concurrency: 4, trials: [], errors, summary }],
  };
}

Deno.test("table: pooled percentiles show their interval, and the missing ones are explained", () => {
  const text = renderTable(
    doc({
      ttft_p50_ms: { value: 20, ci: [18, 25], trials: [19, 21], basis: "pooled" },
      ttft_p99_ms: {
        value: 90,
        ci: null,
        trials: [80, 95],
        basis: "pooled",
        noInterval: { values: 20, needed: 368 },
      },
      itl_p50_ms: {
        value: 5,
        ci: null,
        trials: [5],
        basis: "pooled",
        noInterval: { values: 900, needed: 6, trials: 2 },
      },
      ttft_mean_ms: { value: 30, ci: [28, 32], trials: [29, 31] },
    }),
    { allMetrics: true },
  );
  assert.match(text, /20\.0 \(18\.0–25\.0\)/);
  assert.match(text, /30\.0 ± 2\.0/);
  assert.match(text, /note: c=4: no 95 % interval for ttft_p99_ms: 20 requests pooled, 368 needed/);
  assert.match(text, /note: c=4: no 95 % interval for itl_p50_ms: .*needs at least 2 trials/);
});

Deno.test("notes: shared word for word by several levels, one line naming them all", () => {
  const level = (concurrency: number, values: number) => ({
    mode: "latency" as const,
    concurrency,
    trials: [],
    errors: {},
    summary: {
      ttft_p99_ms: {
        value: 90,
        ci: null,
        trials: [],
        basis: "pooled" as const,
        noInterval: { values, needed: 368 },
      },
    },
  });
  const d = { ...doc({}), levels: [level(1, 30), level(4, 30), level(8, 60)] };
  assert.deepEqual(tableNotes(d), [
    "c=1, c=4: no 95 % interval for ttft_p99_ms: 30 requests pooled, 368 needed",
    "c=8: no 95 % interval for ttft_p99_ms: 60 requests pooled, 368 needed",
  ]);
  // Limited to the rows a table shows, named as it names them.
  assert.deepEqual(tableNotes(d, { ids: new Set(["ttft_p50_ms"]) }), []);
  assert.deepEqual(
    tableNotes(d, { label: () => "TTFT p99" })[1],
    "c=8: no 95 % interval for TTFT p99: 60 requests pooled, 368 needed",
  );
  // The runner's per-level notes keep their label and ids.
  assert.deepEqual(levelNotes(d.levels[2], 0.95), [
    "c=8: no 95 % interval for ttft_p99_ms: 60 requests pooled, 368 needed",
  ]);
});

Deno.test("notes: failures, chunk-counted tokens, unstreamed responses, usage 0, non-finite values", () => {
  const lines = tableNotes(doc({
    requests_failed: { value: 1.5, ci: null, trials: [1, 2] },
    requests_tokens_from_chunks: { value: 2, ci: null, trials: [2, 2] },
    requests_tokens_from_usage: { value: 8, ci: null, trials: [8, 8] },
    requests_not_streamed: { value: 1, ci: null, trials: [1, null] },
    requests_usage_zero: { value: 2, ci: null, trials: [null, 2] },
    tpot_mean_ms: { value: 3, ci: null, trials: [3, NaN], nonFinite: 1 },
  }, { http_500: 3 }));
  assert.equal(lines.length, 5, lines.join("\n"));
  assert.match(lines[0], /c=4: 3 requests failed \(http_500 3\).*e2e_failure_adjusted_/);
  assert.match(lines[1], /4 of 20 requests had their output tokens counted from chunks/);
  assert.match(lines[1], /"include_usage": true/);
  assert.match(lines[2], /1 response was not streamed.*left out of TTFT, ITL and TPOT/);
  assert.match(lines[3], /2 responses reported usage of 0 output tokens/);
  assert.match(lines[4], /tpot_mean_ms \(1\)/);
  assert.deepEqual(tableNotes(doc({ ttft_p50_ms: { value: 1, ci: [0, 2], trials: [1] } })), []);
});

Deno.test("notes: the between-trial spread of the medians is shown, with two trials or more", () => {
  const summary = {
    ttft_p50_ms: {
      value: 12,
      ci: [11, 13] as [number, number],
      trials: [10.5, 12, 14.25],
      basis: "pooled" as const,
      spread: { min: 10.5, max: 14.25 },
    },
  };
  const level = (trials: number) => ({
    mode: "latency" as const,
    concurrency: 4,
    trials: Array.from({ length: trials }, () => ({ metrics: {}, errors: {}, complete: true })),
    errors: {},
    summary,
  });
  const [line] = levelNotes(level(3), 0.95);
  assert.equal(
    line,
    "c=4: between trials: ttft_p50_ms 10.50–14.25 (each trial's value in the results)",
  );
  assert.deepEqual(levelNotes(level(1), 0.95), []);
  assert.deepEqual(levelNotes(level(3), 0.95, { spread: false }), []);
});

Deno.test("tableNotes: telemetry asked for but missing says why, once for the run", () => {
  const doc = {
    config: { confidenceLevel: 0.95 },
    levels: [],
    telemetry: {
      gpu: {
        available: false,
        note: "NVML could not be loaded: tried libnvidia-ml.so.1",
        series: [],
      },
      engine: { available: true, series: [] },
    },
  } as never;
  assert.deepEqual(tableNotes(doc), [
    "GPU metrics not collected: NVML could not be loaded: tried libnvidia-ml.so.1",
  ]);
});

Deno.test("notes: structured outputs that were not valid, counted over trials, with the first problem", () => {
  const d = doc({
    structured_checked: { value: 5, ci: null, trials: [4, 6] },
    structured_valid_ratio: { value: 0.625, ci: null, trials: [0.75, 0.5] },
  });
  d.levels[0].errorMessages = {
    structured_invalid: 'not JSON (Unexpected end of JSON input): "{"',
  };
  const lines = tableNotes(d);
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(
    lines[0],
    /^c=4: 4 of 10 structured outputs were not valid \(structured_valid_ratio/,
  );
  assert.match(lines[0], /first: "not JSON \(Unexpected end of JSON input\): \\"\{\\""$/);
  // All valid, or none checked: nothing to say.
  assert.deepEqual(
    tableNotes(doc({
      structured_checked: { value: 3, ci: null, trials: [3] },
      structured_valid_ratio: { value: 1, ci: null, trials: [1] },
    })),
    [],
  );
  assert.deepEqual(
    tableNotes(doc({ structured_checked: { value: 0, ci: null, trials: [0, 0] } })),
    [],
  );
});
