import assert from "node:assert/strict";
import { join } from "node:path";
import { simulator } from "../backends/simulator.ts";
import type { ResultsDocument } from "../results/document.ts";
import { ResultsFormatError } from "../results/errors.ts";
import { readResults } from "../results/read.ts";
import { readRecords, readRecordsHeader } from "../results/records.ts";
import { benchmark, type BenchmarkOptions } from "./benchmark.ts";
import { ConfigError } from "../config/errors.ts";
import { fixtureDocument } from "../results/fixtures.ts";
import { BenchmarkResults, checkTableOptions } from "./results.ts";

/**
 * What a reader of `results.json` must get: the document after a JSON round
 * trip (undefined keys dropped), with the metrics JSON turned to null (NaN,
 * Infinity) back to NaN, as documented.
 */
function asReadBack(doc: ResultsDocument): ResultsDocument {
  const json = JSON.parse(JSON.stringify(doc)) as ResultsDocument;
  for (const level of json.levels) {
    for (const t of level.trials) {
      for (const [k, v] of Object.entries(t.metrics)) if (v === null) t.metrics[k] = NaN;
    }
  }
  return json;
}

/** Every request line of a records file, parsed the plain way (an independent reader). */
async function rawRecordLines(path: string): Promise<{ id: number; kind: string }[]> {
  const lines = (await Deno.readTextFile(path)).split("\n").filter((l) => l !== "");
  return lines.slice(1).map((l) => JSON.parse(l));
}

async function roundTrip(options: BenchmarkOptions, expectedRequests: number): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const out = join(dir, "results.json");
    const results = await benchmark({ ...options, out });
    const expected = asReadBack(results.toJSON());

    // The document.
    const doc = await readResults(out);
    assert.deepEqual(doc, expected);

    // The object benchmark() returns, loaded from disk.
    const loaded = await BenchmarkResults.load(out);
    assert.deepEqual(loaded.toJSON(), expected);
    assert.deepEqual(loaded.levels, expected.levels);
    assert.equal(loaded.interrupted, results.interrupted);
    assert.equal(loaded.recordsFile, results.recordsFile);
    assert.equal(loaded.toCSV(), results.toCSV());
    assert.equal(loaded.toTable(), results.toTable());
    // Saved again, it reads back the same.
    const again = join(dir, "again.json");
    await loaded.save(again);
    assert.deepEqual(await readResults(again), expected);

    // The records: exactly the lines the run wrote, in order.
    const raw = await rawRecordLines(results.recordsFile!);
    assert.equal(raw.length, expectedRequests);
    const ids: number[] = [];
    for await (const r of readRecords(results.recordsFile!)) ids.push(r.id);
    assert.deepEqual(ids, raw.map((r) => r.id));
    assert.deepEqual([...ids].sort((a, b) => a - b), Array.from(ids, (_, i) => i));
    const header = await readRecordsHeader(results.recordsFile!);
    assert.equal(header.kind, "run");
    assert.equal(header.startedAt.slice(0, 4), doc.startedAt.slice(0, 4));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("round trip: a latency run's results.json and records read back as benchmark() returned them", async () => {
  await roundTrip({
    backend: simulator({ ttftMs: 5, itlMs: 1 }),
    prompts: ["a", "b", "c"],
    concurrency: [1, 2],
    runs: 4,
    trials: 2,
    warmup: 1,
    sampling: { maxTokens: 3 },
  }, 2 * (1 + 2 * 4));
});

Deno.test("round trip: a serve-mode run (load delivered, time series) reads back", async () => {
  await roundTrip({
    backend: simulator({ ttftMs: 5, itlMs: 1 }),
    prompts: ["a", "b", "c"],
    mode: "serve",
    requestRates: [50],
    runs: 10,
    trials: 1,
    warmup: 0,
    sampling: { maxTokens: 3 },
  }, 10);
  // And the serve sections are there to be read (checked on a fresh run's document).
  const r = await benchmark({
    backend: simulator({ ttftMs: 5, itlMs: 1 }),
    prompts: ["a"],
    mode: "serve",
    requestRates: [50],
    runs: 10,
    trials: 1,
    warmup: 0,
    sampling: { maxTokens: 3 },
    records: false,
  });
  const doc = await readResults(JSON.stringify(r.toJSON()));
  assert.equal(doc.levels[0].requestRate, 50);
  assert.equal(doc.levels[0].trials[0].load?.planned, 10);
  assert.ok(doc.levels[0].trials[0].timeSeries !== undefined);
  assert.ok(doc.workload !== undefined && doc.workload.promptCount === 1);
});

Deno.test("round trip: an interrupted run reads back interrupted, with its cause", async () => {
  const controller = new AbortController();
  const dir = await Deno.makeTempDir();
  try {
    const out = join(dir, "results.json");
    const results = await benchmark({
      backend: simulator({ ttftMs: 20, itlMs: 1 }),
      prompts: ["a"],
      concurrency: [1],
      runs: 200,
      trials: 1,
      warmup: 0,
      sampling: { maxTokens: 2 },
      signal: controller.signal,
      out,
      onEvent: (e) => {
        if (e.type === "connected") setTimeout(() => controller.abort(), 150);
      },
    });
    assert.equal(results.interrupted, true);
    const loaded = await BenchmarkResults.load(out);
    assert.equal(loaded.interrupted, true);
    assert.equal(loaded.interruptionCause, "abort");
    assert.deepEqual(loaded.toJSON(), asReadBack(results.toJSON()));
    let n = 0;
    for await (const _ of readRecords(results.recordsFile!)) n++;
    assert.equal(n, (await rawRecordLines(results.recordsFile!)).length);
    assert.ok(n > 0 && n < 200, `some requests were recorded before the abort, got ${n}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("round trip: a saturation search's sweep section reads back", async () => {
  const r = await benchmark({
    backend: simulator({ ttftMs: 5, itlMs: 1 }),
    prompts: ["a"],
    runs: 2,
    trials: 1,
    warmup: 0,
    sampling: { maxTokens: 2 },
    sweep: { find: "max-concurrency", slo: { ttftMs: 10_000 }, start: 1, max: 2, maxProbes: 2 },
    records: false,
  });
  const doc = await readResults(JSON.stringify(r.toJSON(), null, 2));
  assert.deepEqual(doc, asReadBack(r.toJSON()));
  assert.equal(doc.sweep?.find, "max-concurrency");
  assert.ok(doc.sweep!.probes.length >= 1);
});

Deno.test("BenchmarkResults.load: errors name the file (a truncated results.json)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = join(dir, "results.json");
    await benchmark({
      backend: simulator({ ttftMs: 2, itlMs: 1 }),
      prompts: ["a"],
      runs: 1,
      trials: 1,
      warmup: 0,
      sampling: { maxTokens: 2 },
      records: false,
      out,
    });
    const text = await Deno.readTextFile(out);
    await Deno.writeTextFile(out, text.slice(0, text.length - 40));
    await assert.rejects(
      BenchmarkResults.load(out),
      (e) =>
        e instanceof ResultsFormatError && e.problem === "truncated" &&
        e.message.startsWith(`Cannot read ${out}: it is not a complete JSON document (truncated?)`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function tableResults(table?: unknown): BenchmarkResults {
  return new BenchmarkResults(fixtureDocument([{
    mode: "latency",
    concurrency: 4,
    trials: [],
    errors: {},
    summary: {
      ttft_p50_ms: { value: 41.2, ci: [40.1, 42.9], trials: [], basis: "pooled" },
      ttft_std_ms: { value: 3, ci: null, trials: [] },
      requests_completed: { value: 20, ci: [20, 20], trials: [] },
    },
  }], { mode: "latency", trials: 3, confidenceLevel: 0.95, ...(table ? { table } : {}) }));
}

Deno.test("toTable/toMarkdown/print take the table options; toTable(true) is still colour", () => {
  const r = tableResults();
  assert.match(r.toTable(), /TTFT p50 \(ms\)/);
  assert.doesNotMatch(r.toTable(), /ttft_std_ms|requests_completed/);
  assert.match(r.toTable({ metrics: ["requests_completed"] }), /│ Requests completed │ +20 │/);
  assert.match(r.toTable({ allMetrics: true }), /│ ttft_std_ms +│/);
  // deno-lint-ignore no-control-regex
  assert.match(r.toTable(true), /\x1b\[36m/);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(r.toTable(false), /\x1b\[/);
  assert.equal(r.toTable({ width: 20 }).includes("┌"), false, "too narrow: listed");
  assert.match(r.toMarkdown({ allMetrics: true }), /\n\| ttft_std_ms \| 3\.00 \|\n/);
  // print() writes the same table to the console (not a terminal here: no colour, no width).
  const logged: string[] = [];
  const log = console.log;
  console.log = (s: string) => void logged.push(s);
  try {
    r.print({ metrics: ["ttft_std_ms"] });
  } finally {
    console.log = log;
  }
  assert.equal(logged[0], r.toTable({ metrics: ["ttft_std_ms"] }));
});

Deno.test("the run's saved table choice is used; an unknown id is a ConfigError naming it", () => {
  assert.match(tableResults({ allMetrics: true }).toTable(), /ttft_std_ms/);
  assert.doesNotMatch(
    tableResults({ metrics: ["ttft_std_ms"] }).toTable(),
    /TTFT p50/,
  );
  const bad = tableResults({ metrics: ["ttft_p5_ms"] });
  assert.throws(() => bad.toTable(), (e: Error) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /'table\.metrics' must be metric ids splleed produces/);
    assert.match(e.message, /got the unknown id 'ttft_p5_ms'$/);
    return true;
  });
  // Options given replace the saved choice, so a bad saved one does not matter then.
  assert.match(bad.toTable({ allMetrics: true }), /ttft_std_ms/);
  assert.throws(
    () => tableResults().toMarkdown({ metrics: ["nope"] }),
    /'metrics' must be metric ids splleed produces \(known: <name>_<stat>_ms/,
  );
  assert.throws(
    () => checkTableOptions({ metrics: ["ttft_p50_ms"], allMetrics: true }, "benchmark"),
    /Cannot start benchmark: 'metrics' must be absent when every metric is shown/,
  );
  assert.throws(() => checkTableOptions({ metrics: [] }), /got an empty list/);
  checkTableOptions(undefined);
  checkTableOptions({ allMetrics: true });
});
