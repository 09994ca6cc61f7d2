/**
 * Interleaved A/B runs: two identical simulators that drift together make
 * a blocked A/B run show a (false) difference and an interleaved one not;
 * the trials really alternate in time; both sides' results are complete;
 * and `splleed ab` runs from two config files.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { simulator } from "../lib/backends/simulator.ts";
import { abTest, type AbTestOptions } from "../lib/runner/ab.ts";
import type { RunObserver } from "../lib/runner/observer.ts";
import { readRecords, runCli } from "./_helpers.ts";

/** An observer that notes when each measured trial starts, on the main thread's clock. */
function trialClock(side: "A" | "B", into: { side: "A" | "B"; level: number; at: number }[]) {
  return {
    onTrialStart: (e) => void into.push({ side, level: e.level.index, at: e.startMs }),
  } satisfies RunObserver;
}

// The drift test. Both sides are the same simulator (TTFT 20 ms), and both
// drift alike: +60 % per second from one common origin (sinceEpochMs), so
// the truth is "no difference". A trial is 6 requests at concurrency 1 and
// lasts ~6 TTFTs, so the TTFT grows by a constant ~9 % (0.6/s × ~0.15 s)
// from one trial to the next: a clean linear trend in the log, three or
// more times the trial-to-trial noise of a trial's TTFT p50 on this busy
// 2-core machine (~1–3 %, measured while other tests ran).
// The comparison tests only ttft_p50_ms (one metric, so Holm does not
// multiply its p).
// - Blocked (A A A A A A B B B B B B): B's trials come six trials later, so
//   B looks ~+50 % slower. For a pure linear trend the Welch t is
//   √(6n) ≈ 6 (df ≈ 10, p ≈ 1e-4) even with the trend inflating each side's
//   spread; noise lowers it, but p stays far below 0.05. We assert a
//   significant "regression" above +10 %.
// - Interleaved (A B B A A B B A A B B A): the mean trial position of each
//   side is the same, so the trend cancels exactly; what remains is noise,
//   while each side's spread (the whole drift) makes the interval wide. We
//   assert "~" (no_difference), an interval around 0, and a point estimate
//   within ±5 % (the noise bound above with a wide margin).
Deno.test("A/B under drift: blocked order shows a false difference, interleaved does not", async () => {
  const run = async (order: "interleaved" | "blocked") => {
    // Both drift from one origin: the start of this A/B run.
    const sinceEpochMs = Date.now();
    const sim = () => simulator({ ttftMs: 20, itlMs: 1, drift: { ttftPerS: 0.6, sinceEpochMs } });
    const starts: { side: "A" | "B"; level: number; at: number }[] = [];
    const options: AbTestOptions = {
      baseline: { backend: sim(), observers: [trialClock("A", starts)] },
      candidate: { backend: sim(), name: "same", observers: [trialClock("B", starts)] },
      prompts: ["Hello there"],
      concurrency: [1],
      runs: 6,
      warmup: 1,
      trials: 6,
      order,
      records: false,
      sampling: { maxTokens: 2 },
      compare: { metrics: ["ttft_p50_ms"] },
    };
    const ab = await abTest(options);
    return { ab, starts };
  };
  const ttftOf = (ab: Awaited<ReturnType<typeof abTest>>) =>
    ab.comparison.data.levels[0].metrics.find((m) => m.id === "ttft_p50_ms")!;

  const blocked = await run("blocked");
  const interleaved = await run("interleaved");

  // The trials ran in the order said, in time.
  for (const { ab, starts } of [blocked, interleaved]) {
    assert.equal(starts.length, 12);
    const inTime = [...starts].sort((a, b) => a.at - b.at).map((s) => s.side).join("");
    assert.equal(inTime, ab.order.join(""));
  }
  assert.equal(blocked.ab.order.join(""), "AAAAAABBBBBB");
  assert.equal(interleaved.ab.order.join(""), "ABBAABBAABBA");

  const b = ttftOf(blocked.ab);
  assert.equal(b.baseline.n, 6);
  assert.equal(b.candidate.n, 6);
  assert.equal(b.verdict, "regression", `blocked: ${JSON.stringify(b)}`);
  assert.ok(b.change! > 0.1, `blocked change ${b.change}`);

  const i = ttftOf(interleaved.ab);
  assert.equal(i.verdict, "no_difference", `interleaved: ${JSON.stringify(i)}`);
  assert.ok(Math.abs(i.change!) < 0.05, `interleaved change ${i.change}`);
  assert.ok(i.ci![0] < 0 && 0 < i.ci![1], `interleaved interval ${i.ci}`);
  // The drift was really there: each side's TTFT p50 spread over the run.
  const spread = (v: number[]) => Math.max(...v) / Math.min(...v) - 1;
  assert.ok(spread(i.baseline.values) > 0.3, `baseline values ${i.baseline.values}`);
});

Deno.test("A/B results are complete per side: levels, trials, records files, saved documents", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ab = await abTest({
      baseline: { backend: simulator({ ttftMs: 5, itlMs: 1 }), out: join(dir, "a.json") },
      candidate: {
        backend: { type: "simulator", ttftMs: 8, itlMs: 1 },
        name: "slower",
        out: join(dir, "b.json"),
      },
      prompts: ["Hello"],
      concurrency: [1, 2],
      runs: 3,
      warmup: 1,
      trials: 3,
      sampling: { maxTokens: 2 },
    });
    assert.equal(ab.order.join(""), "ABBAAB");
    for (const [side, res, file] of [["a", ab.baseline, "a"], ["b", ab.candidate, "b"]] as const) {
      assert.deepEqual(res.levels.map((l) => l.concurrency), [1, 2], side);
      for (const l of res.levels) assert.equal(l.trials.length, 3, side);
      assert.equal(res.recordsFile, join(dir, `${file}.records.jsonl`));
      const rec = await readRecords(res.recordsFile!);
      const measured = rec.requests.filter((r) => r.kind === "request" && r.phase === "measure");
      assert.equal(measured.length, 2 * 3 * 3, side);
      const saved = JSON.parse(await Deno.readTextFile(join(dir, `${file}.json`)));
      assert.equal(saved.levels.length, 2);
    }
    assert.deepEqual(
      ab.comparison.data.levels.map((l) => l.label),
      ["c=1", "c=2"],
    );
    assert.equal(ab.comparison.data.candidateName, "slower");
    assert.deepEqual(ab.comparison.data.warnings, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("A/B with engines: 'restart': one engine at a time, restarts counted in the warnings", async () => {
  const ab = await abTest({
    baseline: { backend: simulator({ ttftMs: 3, itlMs: 1 }) },
    candidate: { backend: simulator({ ttftMs: 3, itlMs: 1 }) },
    prompts: ["Hello"],
    concurrency: [1],
    runs: 2,
    warmup: 1,
    trials: 2,
    engines: "restart",
    records: false,
    sampling: { maxTokens: 2 },
  });
  // A B B A: the engine changes A→B, then B→A.
  assert.equal(ab.order.join(""), "ABBA");
  assert.equal(ab.restarts?.count, 2);
  assert.ok(ab.restarts!.seconds > 0);
  for (const res of [ab.baseline, ab.candidate]) {
    assert.equal(res.levels[0].trials.length, 2);
    assert.equal(res.interrupted, false);
    const w = res.toJSON().warnings.find((m) => m.startsWith("engines: 'restart'"));
    assert.match(
      w ?? "",
      /the baseline and candidate engines took turns, 2 restarts between sides taking \d+\.\d s in all/,
    );
  }
});

Deno.test("A/B options are checked before any engine starts", async () => {
  const base = {
    baseline: { backend: simulator({ ttftMs: 1, itlMs: 1 }) },
    candidate: { backend: simulator({ ttftMs: 1, itlMs: 1 }) },
    prompts: ["hi"],
  };
  await assert.rejects(
    abTest({ ...base, trials: 0 }),
    /'trials' must be a positive integer \(trials per side\), got 0/,
  );
  await assert.rejects(
    abTest({ ...base, trials: 2, order: "random" as never }),
    /'order' must be "interleaved" or "blocked", got "random"/,
  );
  await assert.rejects(
    abTest({ ...base, trials: 2, out: "x.json" } as never),
    /'out' must be given per side \('baseline.out', 'candidate.out'\), got "x.json"/,
  );
  await assert.rejects(
    abTest({ ...base, trials: 2, sweep: { find: "max-concurrency" } } as never),
    /'sweep' must be absent in an A\/B run/,
  );
  // A bad option on one side is a config error of that side's spec.
  await assert.rejects(
    abTest({ ...base, trials: 2, concurrency: [0] }),
    /'concurrency\[0\]' must be a positive integer, got 0/,
  );
});

Deno.test("splleed ab A.yaml B.yaml: runs both, prints the comparison, writes both results", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const common =
      "prompts: [hello]\nconcurrency: [1]\nruns: 3\nwarmup: 1\nsampling:\n  maxTokens: 2\n";
    await Deno.writeTextFile(
      join(dir, "base.yaml"),
      `backend:\n  type: simulator\n  ttftMs: 5\n  itlMs: 1\n${common}`,
    );
    await Deno.writeTextFile(
      join(dir, "cand.yaml"),
      `backend:\n  type: simulator\n  ttftMs: 25\n  itlMs: 1\n${common}`,
    );
    const out = join(dir, "out");
    const r = await runCli([
      "ab",
      join(dir, "base.yaml"),
      join(dir, "cand.yaml"),
      "--trials",
      "4",
      "--out-dir",
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Comparison: base vs cand \(4 trials each, concurrency 1\)/);
    assert.match(r.stdout, /TTFT p50 \(ms\).*\+\d+\.\d%.*regression/);
    assert.match(r.stderr, /order: ABBAABBA/);
    for (const f of ["base.json", "base.records.jsonl", "cand.json", "cand.records.jsonl"]) {
      assert.ok((await Deno.stat(join(out, f))).isFile, f);
    }
    const md = await runCli([
      "ab",
      join(dir, "base.yaml"),
      join(dir, "cand.yaml"),
      "--trials",
      "2",
      "--order",
      "blocked",
      "--markdown",
      "--quiet",
    ]);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^\|.*\|$/m);

    // Specs that differ in more than the backend: exit 2, naming the fields.
    await Deno.writeTextFile(
      join(dir, "other.yaml"),
      `backend:\n  type: simulator\n  ttftMs: 5\n  itlMs: 1\n${
        common.replace("runs: 3", "runs: 4")
      }`,
    );
    const bad = await runCli([
      "ab",
      join(dir, "base.yaml"),
      join(dir, "other.yaml"),
      "--trials",
      "2",
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /differ in more than the backend: runs \(3 vs 4\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("A/B interrupted: both sides stop, keep what they measured, and are compared", async () => {
  const stop = new AbortController();
  let trials = 0;
  const ab = await abTest({
    baseline: { backend: simulator({ ttftMs: 2, itlMs: 1 }) },
    candidate: { backend: simulator({ ttftMs: 2, itlMs: 1 }) },
    prompts: ["Hello"],
    concurrency: [1, 2],
    runs: 2,
    warmup: 0,
    trials: 4,
    records: false,
    sampling: { maxTokens: 2 },
    signal: stop.signal,
    // Abort once three trials (A, B, B) of the first level have ended.
    onEvent: (_side, e) => {
      if (e.type === "trial" && ++trials === 3) stop.abort(new Error("enough"));
    },
  });
  for (const res of [ab.baseline, ab.candidate]) {
    assert.equal(res.interrupted, true);
    assert.equal(res.interruption, "enough");
    assert.equal(res.levels.length, 1, "the second level never started");
  }
  assert.equal(ab.baseline.levels[0].trials.length, 1);
  assert.equal(ab.candidate.levels[0].trials.length, 2);
  assert.equal(ab.comparison.data.levels.length, 1);
});

Deno.test("A/B with a side that cannot be reached: an error naming it, nothing left running", async () => {
  const free = Deno.listen({ port: 0 });
  const port = (free.addr as Deno.NetAddr).port;
  free.close();
  let baselineAt = "";
  await assert.rejects(
    abTest({
      baseline: {
        backend: simulator({ ttftMs: 1, itlMs: 1 }),
        observers: [{ onRunStart: (e) => void (baselineAt = e.backend.endpoint) }],
      },
      candidate: { backend: { type: "openai", endpoint: `http://127.0.0.1:${port}`, model: "m" } },
      prompts: ["hi"],
      trials: 1,
      records: false,
    }),
    new RegExp(`127\\.0\\.0\\.1:${port}`),
  );
  // The baseline's simulator had started, and was stopped.
  assert.match(baselineAt, /^http:\/\/127\.0\.0\.1:\d+$/);
  await assert.rejects(fetch(`${baselineAt}/health`), TypeError);
});
