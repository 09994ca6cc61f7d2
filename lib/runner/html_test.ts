import assert from "node:assert/strict";
import { join } from "node:path";
import { simulator } from "../backends/simulator.ts";
import type { ChartSpec } from "../report/html/types.ts";
import type { ResultsDocument } from "../results/document.ts";
import { fixtureDocument } from "../results/fixtures.ts";
import { benchmark } from "./benchmark.ts";
import { htmlReport, levelDistributions } from "./html.ts";
import { BenchmarkResults } from "./results.ts";

function chartData(html: string): { charts: ChartSpec[] } {
  const m = /<script type="application\/json" id="splleed-data">(.*?)<\/script>/s.exec(html);
  assert.ok(m);
  return JSON.parse(m[1]);
}

/** Sum over a level's complete trials of a per-trial count. */
function total(doc: ResultsDocument, li: number, id: string): number {
  return doc.levels[li].trials.filter((t) => t.complete)
    .reduce((n, t) => n + (t.metrics[id] ?? 0), 0);
}

Deno.test("levelDistributions: the curves of a real run are the metrics' samples (counts, min, max, p50)", async () => {
  const dir = await Deno.makeTempDir();
  const results = await benchmark({
    backend: simulator({ ttftMs: 8, itlMs: 1 }),
    prompts: ["a", "b"],
    concurrency: [1, 4],
    runs: 12,
    trials: 2,
    warmup: 2,
    sampling: { maxTokens: 6 },
    records: join(dir, "r.records.jsonl"),
  });
  const doc = results.toJSON();
  const dists = await levelDistributions(doc, doc.recordsFile!);
  assert.equal(dists.length, 2);
  for (const [li, d] of dists.entries()) {
    const s = doc.levels[li].summary;
    const completed = total(doc, li, "requests_completed");
    // Measured, completed requests only (the warm-up is not in them).
    assert.equal(d!.ttft!.n, completed);
    assert.equal(d!.e2e!.n, completed);
    // The pooled minimum and maximum of the level are the curve's ends. The records keep
    // times to the microsecond (a duration from them is within 1 µs of the one measured).
    const near = (a: number | undefined, b: number, what: string) =>
      assert.ok(a !== undefined && Math.abs(a - b) <= 0.0011, `${what}: ${a} vs ${b}`);
    near(d!.ttft!.x[0], s.ttft_min_ms.value, "ttft min");
    near(d!.ttft!.x.at(-1), s.ttft_max_ms.value, "ttft max");
    near(d!.e2e!.x.at(-1), s.e2e_max_ms.value, "e2e max");
    near(d!.itl!.x.at(-1), s.itl_max_ms.value, "itl max");
    // Gaps: one fewer than the chunks of each completed request (6 tokens, 6 chunks).
    assert.equal(d!.itl!.n, completed * 5);
    // The level's pooled p50 (interpolated between the values of ranks ⌊(n − 1)/2⌋ and
    // ⌈(n − 1)/2⌉) lies between those two values read off the curve (every request is on
    // it: fewer than 300; equal values share a point).
    const { x, p } = d!.ttft!;
    const atRank = (r: number) => x[p.findIndex((q) => q >= (r + 1) / completed - 1e-12)];
    const h = (completed - 1) / 2;
    const [lo, hi] = [atRank(Math.floor(h)), atRank(Math.ceil(h))];
    assert.ok(
      lo - 0.0011 <= s.ttft_p50_ms.value && s.ttft_p50_ms.value <= hi + 0.0011,
      `${s.ttft_p50_ms.value} not in [${lo}, ${hi}]`,
    );
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("levelDistributions: an incomplete trial is left out when the level has complete ones, as in its summary", async () => {
  const doc = fixtureDocument([{
    mode: "latency",
    concurrency: 1,
    summary: {},
    errors: {},
    trials: [
      { metrics: {}, errors: {}, complete: true },
      { metrics: {}, errors: {}, complete: false },
    ],
  }]);
  const rec = (id: number, trial: number, phase: string, ttft: number, ok = true) =>
    JSON.stringify({
      kind: "request",
      id,
      phase,
      level: 0,
      trial,
      promptIndex: 0,
      scheduledMs: 0,
      queueMs: 0,
      sentMs: 0,
      headersMs: 1,
      firstTokenMs: ok ? ttft : null,
      endMs: ok ? ttft + 5 : 3,
      outputTokens: ok ? 2 : null,
      outputTokensSource: ok ? "usage" : null,
      promptTokens: 3,
      status: ok ? 200 : 500,
      ok,
      error: ok ? null : { reason: "http_500", message: "boom" },
      chunkMs: ok ? [ttft, ttft + 5] : [],
    });
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  await Deno.writeTextFile(
    path,
    [
      '{"kind":"run","schemaVersion":1,"startedAt":"2026-01-01T00:00:00.000Z",' +
      '"clock":{"originMs":0,"originEpochMs":0}}',
      rec(0, -1, "warmup", 1), // warm-up: never in a curve
      rec(1, 0, "measure", 10),
      rec(2, 0, "measure", 20),
      rec(3, 0, "measure", 0, false), // failed: in no latency
      rec(4, 1, "measure", 99), // the incomplete trial
      "",
    ].join("\n"),
  );
  const [d] = await levelDistributions(doc, path);
  assert.deepEqual(d!.ttft, { x: [10, 20], p: [0.5, 1], n: 2 });
  assert.deepEqual(d!.e2e, { x: [15, 25], p: [0.5, 1], n: 2 });
  // No complete trial: every trial counts.
  doc.levels[0].trials[0].complete = false;
  const [all] = await levelDistributions(doc, path);
  assert.deepEqual(all!.ttft!.x, [10, 20, 99]);
  await Deno.remove(path);
});

Deno.test("htmlReport: records missing, not kept or not read are said in the report; bad runs are refused", async () => {
  const doc = fixtureDocument([{
    mode: "latency",
    concurrency: 1,
    trials: [],
    errors: {},
    summary: { ttft_p50_ms: { value: 20, ci: null, trials: [] } },
  }]);
  doc.recordsFile = "/nonexistent/splleed/r.records.jsonl";
  assert.match(
    await htmlReport([{ name: "a", results: doc }]),
    /no distributions: its records file \/nonexistent\/splleed\/r\.records\.jsonl was not found/,
  );
  assert.match(
    await htmlReport([{ name: "a", results: doc }], { records: false }),
    /records were not read \(records: false\)/,
  );
  await assert.rejects(() => htmlReport([]), TypeError);
  await assert.rejects(
    () => htmlReport([{ name: "a", results: {} as never }]),
    /the results of run "a" must be BenchmarkResults or a results document/,
  );
});

Deno.test("htmlReport: two runs are compared (first the baseline) and overlaid; toHTML titles one run", async () => {
  const doc = (ttft: number[]) =>
    fixtureDocument([{
      mode: "latency",
      concurrency: 8,
      errors: {},
      summary: {
        throughput_tokens_per_sec: { value: 500, ci: null, trials: [] },
        ttft_p50_ms: { value: ttft[0], ci: null, trials: [] },
      },
      trials: ttft.map((v) => ({ metrics: { ttft_p50_ms: v }, errors: {}, complete: true })),
    }]);
  const base = doc([45, 44, 46, 45.5, 44.5]);
  const cand = new BenchmarkResults(doc([36, 35.5, 36.5, 36, 35.8]));
  const html = await htmlReport([{ name: "main", results: base }, { name: "pr", results: cand }]);
  assert.match(html, /<section id="comparison">/);
  assert.match(html, /<strong>pr<\/strong> against <strong>main<\/strong>/);
  assert.match(html, /class="v-improvement">better/);
  const labels = chartData(html).charts[0].series.map((s) => s.label);
  assert.deepEqual(labels, ["main · TTFT p50", "pr · TTFT p50"]);

  const one = await cand.toHTML();
  assert.match(one, /<title>splleed · model \? on simulator<\/title>/);
  assert.doesNotMatch(one, /id="comparison"/);
});
