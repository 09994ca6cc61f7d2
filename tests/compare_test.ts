import { fixtureDocument } from "../lib/results/fixtures.ts";
/**
 * compare() and `splleed compare` end to end: a known difference injected
 * into the simulator is found with its size, two runs of one configuration
 * are `~` at the promised rate, and the command's output and exit codes.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { compareDocuments } from "../lib/analysis/compare.ts";
import { simulator } from "../lib/backends/simulator.ts";
import type { ResultsDocument } from "../lib/results/document.ts";
import { readResults } from "../lib/results/read.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import { compare } from "../lib/runner/compare.ts";
import { normalDraw, seededRandom } from "../lib/util/random.ts";
import { runCli } from "./_helpers.ts";

/** A small closed-loop run on the simulator: 5 trials of 8 requests at concurrency 4. */
function simRun(sim: Parameters<typeof simulator>[0], extra: Record<string, unknown> = {}) {
  return benchmark({
    backend: simulator(sim),
    prompts: ["Hello there", "Tell me something"],
    concurrency: [4],
    warmup: 0,
    runs: 8,
    trials: 5,
    records: false,
    sampling: { maxTokens: 4 },
    ...extra,
  });
}

Deno.test("TTFT 200 ms vs 240 ms on the simulator: a significant +20 % regression with an interval around it", async () => {
  // Four unmeasured requests first: the first requests of a fresh simulator are slower
  // (compilation), which would land in the first trial of one side only.
  const base = await simRun({ ttftMs: 200, itlMs: 2 }, { warmup: 4 });
  const cand = await simRun({ ttftMs: 240, itlMs: 2 }, { warmup: 4 });
  const diff = compare(base, cand, { baselineName: "ttft200", candidateName: "ttft240" });
  const ttft = diff.data.levels[0].metrics.find((m) => m.id === "ttft_p50_ms")!;
  // The simulator injects 200 and 240 ms; the measured TTFT adds the same client and
  // scheduling overhead (a millisecond or two) to both sides, which pulls the ratio a little
  // below 1.2, and each trial's value moves by timer noise of up to a few milliseconds on a
  // busy machine (long delays keep that small beside them). ±5 percentage points around
  // +20 % (10 ms of 200) allows several milliseconds of both,
  // while a wrong ratio (inverted: −16.7 %) is far outside it. The interval of 5 trials a side is wider than the estimate's error: it must
  // hold the estimate, exclude no change, and stay within ±10 points of +20 %.
  assert.ok(Math.abs(ttft.change! - 0.2) <= 0.05, `change ${ttft.change}`);
  assert.ok(ttft.ci![0] <= ttft.change! && ttft.change! <= ttft.ci![1], `${ttft.ci}`);
  assert.ok(ttft.ci![0] >= 0.1 && ttft.ci![1] <= 0.3, `interval ${ttft.ci} around +20 %`);
  assert.ok(ttft.pAdjusted! < 0.05, `adjusted p ${ttft.pAdjusted}`);
  assert.equal(ttft.significant, true);
  assert.equal(ttft.verdict, "regression");
  assert.equal(ttft.baseline.n, 5);
  assert.equal(ttft.candidate.n, 5);
  assert.match(
    diff.toTable(),
    /^Comparison: ttft200 vs ttft240 \(5 trials each, concurrency 4\)\n/,
  );
  assert.match(diff.toTable(), /\nregressions: .*TTFT p50 \(ms\) \+(1[5-9]|2[0-5])\.\d%/);
  // The same runs read back from their JSON compare the same as the objects in memory.
  const back = compare(
    await readResults(JSON.stringify(base.toJSON())),
    await readResults(JSON.stringify(cand.toJSON())),
    { baselineName: "ttft200", candidateName: "ttft240" },
  );
  assert.deepEqual(back.toJSON(), diff.toJSON());
  assert.ok(diff.regressions().some((r) => r.id === "ttft_p50_ms" && r.level === "c=4"));
});

const HEADLINE: Record<string, number> = {
  ttft_p50_ms: 45,
  ttft_p99_ms: 120,
  itl_p50_ms: 8,
  tpot_p50_ms: 8.5,
  e2e_p50_ms: 1100,
  e2e_p99_ms: 1600,
  throughput_tokens_per_sec: 1250,
  request_throughput_per_sec: 9.5,
  goodput_requests_per_sec: 9,
};

/** A results document of 5 trials whose headline metrics are lognormal around HEADLINE. */
function syntheticRun(rnd: { next(): number }, sdLog: number): ResultsDocument {
  const trials = Array.from({ length: 5 }, () => ({
    metrics: Object.fromEntries(
      Object.entries(HEADLINE).map(([id, v]) => [id, v * Math.exp(sdLog * normalDraw(rnd))]),
    ),
    errors: {},
    complete: true,
  }));
  return fixtureDocument(
    [{ mode: "latency", concurrency: 8, summary: {}, errors: {}, trials }],
    { mode: "latency", runs: 64, trials: 5 },
  );
}

Deno.test("false positives: two runs of one configuration are ~ in ≥ 95 % of 40 seeded repetitions", () => {
  // Real simulator runs of one configuration made one after the other are not independent
  // draws of one distribution: the machine drifts (timers, caches, other processes), so the
  // later run differs systematically by a little, and with the simulator's deterministic
  // delays that drift is all the variation there is, so a test would rightly call it a
  // difference. The property under test is the statistics': when both runs come from one
  // distribution, all nine headline metrics compared and Holm-adjusted, at most 5 % of
  // comparisons flag anything. So both runs are drawn here from one lognormal distribution
  // per metric (trial-to-trial spread 5 %), seeded, 40 times.
  const rnd = seededRandom(13);
  let flagged = 0, flaggedUnadjusted = 0;
  for (let i = 0; i < 40; i++) {
    const c = compareDocuments(syntheticRun(rnd, 0.05), syntheticRun(rnd, 0.05));
    const ms = c.levels[0].metrics;
    assert.equal(ms.length, 9, "all nine headline metrics are compared");
    if (ms.some((m) => m.significant)) flagged++;
    if (ms.some((m) => m.p! < 0.05)) flaggedUnadjusted++;
    for (const m of ms) if (!m.significant) assert.equal(m.verdict, "no_difference");
  }
  assert.ok(flagged <= 2, `${flagged} of 40 runs of one configuration flagged a difference`);
  // The test has teeth: without Holm's adjustment nine tests at 5 % flag about a third of
  // such comparisons, which the bound above would catch.
  assert.ok(flaggedUnadjusted > 2, `unadjusted: ${flaggedUnadjusted} of 40`);
});

Deno.test("false positives on the real simulator: runs with seeded jitter are ~ in ≥ 95 % of 20 repetitions", async () => {
  // The simulator's seeded lognormal jitter (σ 0.3 on each request's TTFT and each token
  // interval) gives each trial's value a spread of several percent, far above the machine's
  // drift between runs (a fraction of a millisecond on 20 ms), so two runs of one
  // configuration with different jitter seeds are independent draws of one distribution.
  // 20 repetitions (two runs each, about 0.25 s a run) keep the test short; ≥ 95 % of 20
  // allows one flagged comparison.
  let flagged = 0;
  const seen: string[] = [];
  for (let i = 0; i < 20; i++) {
    const run = (seed: number) =>
      simRun({ ttftMs: 20, itlMs: 2, jitter: { ttft: 0.3, itl: 0.3, seed } }, { runs: 4 });
    const a = await run(1000 + 2 * i), b = await run(1001 + 2 * i);
    const c = compare(a, b);
    const hits = c.data.levels[0].metrics.filter((m) => m.significant);
    if (hits.length > 0) {
      flagged++;
      seen.push(`#${i}: ${hits.map((m) => `${m.id} p ${m.pAdjusted?.toFixed(4)}`).join(", ")}`);
    }
  }
  assert.ok(flagged <= 1, `${flagged} of 20 flagged: ${seen.join("; ")}`);
});

/** Writes results files for the CLI tests: two speeds, another sampling, not results at all. */
async function fixtures(dir: string) {
  const quick = (ttftMs: number, maxTokens = 4, concurrency = 2) =>
    benchmark({
      backend: simulator({ ttftMs, itlMs: 1 }),
      prompts: ["Hello"],
      concurrency: [concurrency],
      warmup: 2,
      runs: 4,
      trials: 3,
      records: false,
      sampling: { maxTokens },
    });
  const paths = {
    base: join(dir, "base.json"),
    cand: join(dir, "cand.json"),
    other: join(dir, "other_sampling.json"),
    foreign: join(dir, "package.json"),
    c3: join(dir, "c3.json"),
  };
  // TTFT 20 vs 80 ms: a difference no machine noise (a few ms on a busy machine) hides in 3
  // trials, with the headline metrics Holm-adjusted.
  await (await quick(20)).save(paths.base);
  await (await quick(80)).save(paths.cand);
  await (await quick(80, 6)).save(paths.other);
  await (await quick(20, 4, 3)).save(paths.c3);
  await Deno.writeTextFile(paths.foreign, JSON.stringify({ name: "not-results", version: "1" }));
  return paths;
}

Deno.test("splleed compare: table, Markdown and JSON; exit 0 however the runs differ; 2 on bad input", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const p = await fixtures(dir);

    const table = await runCli(["compare", p.base, p.cand]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^Comparison: base vs cand \(3 trials each, concurrency 2\)\n/);
    assert.match(table.stdout, /\nTTFT p50 \(ms\) .*\+\d+\.\d% .*regression\n/);
    assert.match(table.stdout, /\nregressions: TTFT p50 \(ms\)/);

    const md = await runCli(["compare", p.base, p.cand, "--markdown", "--metrics", "ttft_p50_ms"]);
    assert.equal(md.code, 0, md.stderr);
    const rows = md.stdout.split("\n").filter((l) => l.startsWith("|"));
    assert.equal(rows.length, 3, `header, separator, one metric:\n${md.stdout}`);
    assert.match(
      rows[0],
      /^\| Metric \| base \| cand \| Change \| 95% CI of change \| p \(adj\.\) \| Verdict \|$/,
    );
    assert.match(rows[2], /^\| TTFT p50 \(ms\) \|.*\| \*\*regression\*\* \|$/);

    const json = await runCli([
      "compare",
      p.base,
      p.cand,
      "--json",
      "--alpha",
      "0.01",
      "--detect",
      "2%",
      "--test",
      "mann-whitney",
    ]);
    assert.equal(json.code, 0, json.stderr);
    const data = JSON.parse(json.stdout);
    assert.equal(data.alpha, 0.01);
    assert.equal(data.detect, 0.02);
    assert.equal(data.test, "mann-whitney");
    // 3 trials per side: the exact Mann–Whitney test cannot reach 0.01, and says so.
    const t = data.levels[0].metrics.find((m: { id: string }) => m.id === "ttft_p50_ms");
    assert.equal(t.verdict, "inconclusive");
    assert.match(t.note, /^inconclusive: need ≥ 5 trials per side \(3 vs 3\)$/);

    // Runs that differ in more than the backend: a warning above the table, exit 0; with
    // --strict an error naming the field, exit 2, nothing on stdout.
    const warned = await runCli(["compare", p.base, p.other]);
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(
      warned.stdout,
      /^warning: base and other_sampling differ in more than the backend/,
    );
    assert.match(warned.stdout, /\nwarning: +workload sampling\.maxTokens: 4 vs 6\n/);
    const strict = await runCli(["compare", p.base, p.other, "--strict"]);
    assert.equal(strict.code, 2);
    assert.equal(strict.stdout, "");
    assert.match(strict.stderr, /with --strict: the runs differ in more than the backend:\n/);
    assert.match(strict.stderr, /\n {2}- workload sampling\.maxTokens: 4 vs 6\n/);
    const strictOk = await runCli(["compare", p.base, p.cand, "--strict", "--json"]);
    assert.equal(strictOk.code, 0, "runs that differ only in the backend pass --strict");

    const missing = await runCli(["compare", join(dir, "nope.json"), p.cand]);
    assert.equal(missing.code, 2);
    assert.match(
      missing.stderr,
      /'BASE' must be a results file .*nope\.json", which does not exist/,
    );
    const foreign = await runCli(["compare", p.base, p.foreign]);
    assert.equal(foreign.code, 2);
    assert.match(
      foreign.stderr,
      /Cannot read .*package\.json: expected a splleed results document .*"tool.name"|no "tool"/,
    );
    const unknown = await runCli(["compare", p.base, p.cand, "--metrics", "ttft_p50"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /'metrics' must be known metric ids \(.*\), got "ttft_p50"/);
    const apart = await runCli(["compare", p.base, p.c3]);
    assert.equal(apart.code, 2);
    assert.match(
      apart.stderr,
      /no level of one matches a level of the other .*base has c=2, c3 has c=3/,
    );
    const badDetect = await runCli(["compare", p.base, p.cand, "--detect", "2"]);
    assert.equal(badDetect.code, 2);
    assert.match(badDetect.stderr, /'--detect' must be a percentage such as 2%/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
