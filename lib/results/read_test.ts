import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { VERSION } from "../version.ts";
import type { ResultsDocument } from "./document.ts";
import { ResultsFormatError } from "./errors.ts";
import { parseResults, readResults } from "./read.ts";

/** A document with every optional section filled, as a serve-mode sweep would write it. */
function fullDoc(): ResultsDocument {
  return {
    schemaVersion: 1,
    tool: { name: "splleed", version: "0.1.0", deno: "2.9.6" },
    config: { mode: "serve", backend: { kind: "vllm", apiKey: "[redacted]" }, future: [1, 2] },
    sweep: {
      find: "max-rate",
      slo: { ttftMs: 200 },
      attainment: 0.9,
      probes: [{ load: 1, pass: true }, { load: 2, pass: false }],
      result: 1,
      bracket: [1, 2],
    },
    workload: {
      promptCount: 3,
      inputLen: { p50: 10, p95: 12, p99: 12 },
      outputLenRequested: null,
      outputLenObserved: { p50: 3, p95: 3, p99: 3, count: 9 },
      commonPrefix: { tokens: 0, share: 0 },
      systemPromptDetected: false,
      systemPrompt: null,
      idealPrefixHitRatio: 0.5,
      tokenizer: { name: "o200k_base", kind: "default" },
      sampling: { maxTokens: 3, temperature: 0 },
      sha256: "ab",
      itemsSha256: "cd",
    },
    backend: { kind: "vllm", model: "m", info: { servedModels: ["m"] }, server: { pid: 1 } },
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:05.000Z",
    interrupted: true,
    interruption: "interrupted by SIGINT",
    interruptionCause: "signal",
    warnings: ["rate 2/s trial 1: the client fell behind"],
    recordsFile: "results.records.jsonl",
    levels: [{
      mode: "serve",
      concurrency: 0,
      requestRate: 2,
      trials: [{
        metrics: { ttft_p50_ms: 41.5, requests_completed: 10 },
        errors: { http_500: 1 },
        complete: false,
        notIssued: 3,
        timeSeries: {
          intervalS: 1,
          completed: [1, 2],
          outputTokensPerS: [3, 4.5],
          inFlight: [1, 0.5],
        },
        load: {
          requestedRate: 2,
          plannedRate: 2.1,
          achievedRate: 2.05,
          planned: 13,
          sent: 10,
          scheduleLagMs: { p50: 0.1, p99: 0.4, max: 1 },
          queueMs: null,
          ks: { statistic: 0.1, pValue: 0.6, n: 9 },
          maxGapErrorMs: null,
          fellBehind: false,
        },
      }],
      summary: { ttft_p50_ms: { value: 41.5, ci: null, trials: [41.5] } },
      errors: { http_500: 1 },
      notIssued: 3,
    }, {
      mode: "serve",
      concurrency: 0,
      requestRate: "inf",
      trials: [],
      summary: {},
      errors: {},
    }],
  };
}

async function rejection(p: Promise<unknown>): Promise<ResultsFormatError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ResultsFormatError) return e;
    throw e;
  }
  throw new assert.AssertionError({ message: "expected a ResultsFormatError, nothing was thrown" });
}

async function withFile(text: string, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "results.json");
    await Deno.writeTextFile(path, text);
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("readResults: a full document reads back equal, from a path, a file URL or the text", async () => {
  const doc = fullDoc();
  const text = JSON.stringify(doc, null, 2) + "\n";
  await withFile(text, async (path) => {
    assert.deepEqual(await readResults(path), doc);
    assert.deepEqual(await readResults(pathToFileURL(path)), doc);
    assert.deepEqual(await readResults(`\n  ${text}`), doc);
    assert.deepEqual(await readResults(`\ufeff${text}`), doc, "a byte-order mark is skipped");
  });
});

Deno.test("readResults: free-form config and backend keep unknown keys; unknown top-level keys are dropped", async () => {
  const doc = { ...fullDoc(), addedLater: { x: 1 } };
  const read = await readResults(JSON.stringify(doc));
  assert.deepEqual(read.config.future, [1, 2]);
  assert.deepEqual(read.backend.server, { pid: 1 });
  assert.equal("addedLater" in read, false);
});

Deno.test("readResults: metrics written as null (NaN, Infinity in the run) read back as NaN", async () => {
  const doc = fullDoc();
  doc.levels[0].trials[0].metrics.tpot_mean_ms = NaN;
  doc.levels[0].trials[0].metrics.goodput_ratio = Infinity;
  doc.levels[0].summary.ttft_p50_ms.ci = [NaN, 42];
  const text = JSON.stringify(doc);
  assert.match(text, /"tpot_mean_ms":null/);
  const read = await readResults(text);
  const m = read.levels[0].trials[0].metrics;
  assert.ok(Number.isNaN(m.tpot_mean_ms));
  assert.ok(Number.isNaN(m.goodput_ratio));
  assert.equal(m.ttft_p50_ms, 41.5);
  assert.ok(Number.isNaN(read.levels[0].summary.ttft_p50_ms.ci![0]));
  // A summary's per-trial null ("no value in that trial") stays null.
  doc.levels[0].summary.ttft_p50_ms.trials = [null];
  assert.deepEqual((await readResults(JSON.stringify(doc))).levels[0].summary.ttft_p50_ms.trials, [
    null,
  ]);
});

Deno.test("readResults: a cut file is reported as truncated, with the file and the last line", async () => {
  const text = JSON.stringify(fullDoc(), null, 2);
  const cut = text.slice(0, Math.floor(text.length / 2));
  const lines = cut.split("\n").length;
  await withFile(cut, async (path) => {
    const e = await rejection(readResults(path));
    assert.equal(e.name, "ResultsFormatError");
    assert.equal(e.problem, "truncated");
    assert.equal(e.file, path);
    assert.equal(e.line, lines);
    assert.ok(
      e.message.startsWith(
        `Cannot read ${path}: it is not a complete JSON document (truncated?): `,
      ),
    );
    assert.match(e.message, new RegExp(`at line ${lines}$`));
    assert.ok(e.cause instanceof SyntaxError);
  });
  // Cut inside a string, and right after the opening brace.
  for (const t of [text.slice(0, text.indexOf('"splleed"') + 4), "{"]) {
    assert.equal((await rejection(readResults(t))).problem, "truncated");
  }
});

Deno.test("readResults: text that is not JSON names the line and column", async () => {
  await withFile('{\n  "schemaVersion": 1,\n  oops\n}\n', async (path) => {
    const e = await rejection(readResults(path));
    assert.equal(e.problem, "not_json");
    assert.equal(e.line, 3);
    assert.match(
      e.message,
      /^Cannot read .*results\.json: it is not valid JSON: .* at line 3 column 3$/,
    );
  });
  await withFile("not json at all", async (path) => {
    const e = await rejection(readResults(path));
    assert.equal(e.problem, "not_json");
    assert.match(e.message, /it is not valid JSON: Unexpected token 'o'$/);
  });
});

Deno.test("readResults: an empty file says it is empty", async () => {
  await withFile("  \n", async (path) => {
    const e = await rejection(readResults(path));
    assert.equal(e.problem, "empty");
    assert.match(e.message, /the file is empty; expected a splleed results document/);
  });
});

Deno.test("readResults: JSON that is not splleed's says what was expected and what was found", async () => {
  const cases: [string, RegExp][] = [
    ["[1, 2]", /got a list$/],
    ['"results"', /got a string \("results"\)$/],
    ['{"name": "k6", "metrics": {}}', /got an object with no "tool" \(its keys: name, metrics\)$/],
    [
      '{"schemaVersion": 1, "tool": {"name": "guidellm"}}',
      /got an object with "tool.name" "guidellm" \(its keys: schemaVersion, tool\)$/,
    ],
    ['{"tool": {"name": "splleed"}, "levels": []}', /got an object with no "schemaVersion"/],
  ];
  for (const [text, found] of cases) {
    await withFile(text, async (path) => {
      const e = await rejection(readResults(path));
      assert.equal(e.problem, "not_splleed", text);
      assert.ok(
        e.message.startsWith(
          `Cannot read ${path}: expected a splleed results document (an object with "schemaVersion"`,
        ),
        e.message,
      );
      assert.match(e.message, found);
    });
  }
});

Deno.test("readResults: a records file given by mistake points to readRecords", async () => {
  const header =
    '{"kind":"run","schemaVersion":1,"startedAt":"x","clock":{"originMs":0,"originEpochMs":0}}';
  await withFile(`${header}\n{"kind":"request","id":0}\n`, async (path) => {
    const e = await rejection(readResults(path));
    assert.equal(e.problem, "not_splleed");
    assert.match(e.message, /got a records file \(JSON Lines.*read it with readRecords\(\)/);
  });
  // Only its header line: one JSON object, still a records file.
  const e = await rejection(readResults(header));
  assert.match(e.message, /got the header of a records file/);
});

Deno.test("readResults: a newer schema version names the splleed that wrote it and says to upgrade", async () => {
  const doc = {
    ...fullDoc(),
    schemaVersion: 2,
    tool: { name: "splleed", version: "0.9.0", deno: "3.0.0" },
  };
  const e = await rejection(readResults(JSON.stringify(doc)));
  assert.equal(e.problem, "newer_version");
  assert.equal(
    e.message,
    "Cannot read the results text: it has schema version 2, written by splleed 0.9.0, " +
      `newer than this splleed (${VERSION}) reads schema version 1; ` +
      "upgrade splleed to 0.9.0 or later to read it",
  );
  // Without a tool version, still a clear message.
  const bare = { schemaVersion: 3, tool: { name: "splleed" } };
  assert.throws(() => parseResults(bare, "x.json"), /schema version 3, written by a newer splleed/);
});

Deno.test("readResults: older or unknown schema versions list the supported ones", async () => {
  for (const v of [0, "1", 1.5, null]) {
    const e = await rejection(readResults(JSON.stringify({ ...fullDoc(), schemaVersion: v })));
    assert.equal(e.problem, "unsupported_version", String(v));
    assert.equal(
      e.message,
      `Cannot read the results text: schema version ${JSON.stringify(v)} is not supported: ` +
        `this splleed (${VERSION}) reads schema version 1`,
    );
  }
});

Deno.test("readResults: invalid fields are listed with their JSON path, what was expected and found", async () => {
  // deno-lint-ignore no-explicit-any
  const doc = fullDoc() as unknown as Record<string, any>;
  doc.levels[0].trials[0].metrics.ttft_p50_ms = "fast";
  doc.levels[0].mode = "burst";
  delete doc.levels[0].trials[0].complete;
  doc.levels[1].requestRate = "max";
  doc.levels[0].summary.ttft_p50_ms.ci = [1];
  await withFile(JSON.stringify(doc), async (path) => {
    const e = await rejection(readResults(path));
    assert.equal(e.problem, "invalid_fields");
    const byPath = Object.fromEntries(e.issues.map((i) => [i.path, i]));
    assert.deepEqual(byPath["levels[0].trials[0].metrics.ttft_p50_ms"], {
      path: "levels[0].trials[0].metrics.ttft_p50_ms",
      expected: "a number",
      received: '"fast"',
    });
    assert.equal(byPath["levels[0].mode"].expected, 'one of "latency", "throughput", "serve"');
    assert.equal(byPath["levels[0].trials[0].complete"].received, "nothing");
    assert.equal(byPath["levels[1].requestRate"].expected, 'a number or "inf"');
    assert.equal(byPath["levels[0].summary.ttft_p50_ms.ci"].expected, "a list of at least 2 items");
    assert.equal(e.issues.length, 5);
    assert.ok(
      e.message.startsWith(
        `Cannot read ${path}: not a valid splleed results document (schema version 1):\n  - `,
      ),
    );
    assert.match(
      e.message,
      / {2}- 'levels\[0\]\.trials\[0\]\.metrics\.ttft_p50_ms' must be a number, got "fast"/,
    );
  });
  // One problem: one line.
  // deno-lint-ignore no-explicit-any
  const one = fullDoc() as unknown as Record<string, any>;
  one.levels[0].errors.http_500 = -1;
  const e = await rejection(readResults(JSON.stringify(one)));
  assert.equal(
    e.message,
    "Cannot read the results text: not a valid splleed results document (schema version 1): " +
      "'levels[0].errors.http_500' must be a number >= 0, got -1",
  );
});

Deno.test("readResults: many invalid fields: ten listed, the rest counted", async () => {
  const doc = fullDoc();
  for (let i = 0; i < 15; i++) {
    (doc.levels[0].trials[0].metrics as Record<string, unknown>)[`m${i}`] = "x";
  }
  const e = await rejection(readResults(JSON.stringify(doc)));
  assert.equal(e.issues.length, 15);
  assert.match(e.message, /\n {2}- \.\.\. and 5 more$/);
  assert.equal(e.message.split("\n").length, 1 + 10 + 1);
});

Deno.test("readResults: notIssued must be a count", async () => {
  const doc = fullDoc();
  doc.levels[0].trials[0].notIssued = 2.5;
  const e = await rejection(readResults(JSON.stringify(doc)));
  assert.deepEqual(e.issues.map((i) => i.path), ["levels[0].trials[0].notIssued"]);
});

Deno.test("readResults: a missing file is Deno's NotFound, naming the path", async () => {
  await assert.rejects(readResults("/nonexistent/results.json"), Deno.errors.NotFound);
});
