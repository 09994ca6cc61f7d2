import assert from "node:assert/strict";
import { historyRun } from "../history/testdata/runs.ts";
import { poolRuns } from "./pool.ts";

Deno.test("pooled levels hold every run's trials, matched by label, summaries recomputed", () => {
  const a = historyRun({
    startedAt: "2026-01-01T00:00:00.000Z",
    ttft: [40, 42],
    concurrency: [1, 16],
  });
  const b = historyRun({
    startedAt: "2026-01-02T00:00:00.000Z",
    ttft: [44, 46],
    concurrency: [16, 1],
  });
  const c = historyRun({ startedAt: "2026-01-03T00:00:00.000Z", ttft: [50], concurrency: [4, 1] });
  b.levels[0].errors = { http_500: 2 };
  a.levels[1].errors = { http_500: 1, timeout: 1 };
  const pooled = poolRuns([a, b, c]);
  // The newest run's level order first, then levels it lacks.
  assert.deepEqual(pooled.levels.map((l) => l.concurrency), [4, 1, 16]);
  const c1 = pooled.levels[1];
  assert.deepEqual(c1.trials.map((t) => t.metrics.ttft_p99_ms), [40, 42, 44, 46, 50]);
  assert.equal(c1.summary.ttft_p99_ms.value, 44.4);
  assert.deepEqual(c1.summary.ttft_p99_ms.trials, [40, 42, 44, 46, 50]);
  assert.ok(c1.summary.ttft_p99_ms.ci![0] < 44.4 && c1.summary.ttft_p99_ms.ci![1] > 44.4);
  const c16 = pooled.levels[2];
  assert.deepEqual(c16.trials.map((t) => t.metrics.ttft_p99_ms), [640, 672, 704, 736]);
  assert.deepEqual(c16.errors, { http_500: 3, timeout: 1 });
  assert.equal(pooled.levels[0].trials.length, 1);
  assert.equal(pooled.startedAt, "2026-01-01T00:00:00.000Z");
  assert.match(
    pooled.warnings.at(-1)!,
    /^Baseline pooled from 3 runs: 2026-01-01T.*, 2026-01-02T.*, 2026-01-03T/,
  );
  assert.equal(pooled.recordsFile, null);
});

Deno.test("incomplete trials are kept but left out of the summary", () => {
  const a = historyRun({ ttft: [40, 42] });
  const b = historyRun({ ttft: [100], startedAt: "2026-02-01T00:00:00.000Z" });
  b.levels[0].trials[0].complete = false;
  b.interrupted = true;
  b.interruption = "interrupted by SIGINT";
  const pooled = poolRuns([a, b], { names: ["run 1", "run 2"] });
  assert.equal(pooled.levels[0].trials.length, 3);
  assert.equal(pooled.levels[0].summary.ttft_p99_ms.value, 41);
  assert.equal(pooled.interrupted, true);
  assert.match(pooled.warnings.at(-1)!, /2 runs: run 1, run 2$/);
});

Deno.test("no runs, runs of different workloads, or names that do not match are refused", () => {
  assert.throws(() => poolRuns([]), /expected at least one run, got none/);
  assert.throws(
    () => poolRuns([historyRun(), historyRun({ sha: "b".repeat(64) })]),
    /expected runs of one workload \(the same fingerprint\), got aaaaaaaaaaaa, bbbbbbbbbbbb/,
  );
  assert.throws(() => poolRuns([historyRun()], { names: [] }), /one name per run \(1\), got 0/);
});
