import assert from "node:assert/strict";
import { ConfigError } from "../config/errors.ts";
import { historyRun } from "../history/testdata/runs.ts";
import {
  addRunsToHistory,
  addToHistory,
  baselineFromHistory,
  HistoryError,
  historyTrend,
  listHistory,
} from "./history.ts";

const day = (d: number) => `2026-03-${String(d).padStart(2, "0")}T02:00:00.000Z`;

function history() {
  const dir = Deno.makeTempDirSync();
  const db = `${dir}/h.db`;
  return { db, [Symbol.dispose]: () => Deno.removeSync(dir, { recursive: true }) };
}

Deno.test("baselineFromHistory pools the last N runs with the tag and the current fingerprint", async () => {
  using h = history();
  const { db } = h;
  // Days 1-6 on main (day 3 another workload), day 7 on dev.
  for (let d = 1; d <= 6; d++) {
    await addToHistory(
      { db, tags: { branch: "main", commit: `c${d}` } },
      historyRun({ startedAt: day(d), ttft: [40 + d], sha: d === 3 ? "b".repeat(64) : undefined }),
    );
  }
  await addToHistory(
    { db, tags: { branch: "dev" } },
    historyRun({ startedAt: day(7), ttft: [99] }),
  );
  const current = historyRun({ startedAt: day(8), ttft: [50] });
  const { baseline, runs } = baselineFromHistory({
    db,
    where: { branch: "main" },
    last: 3,
    current,
  });
  assert.deepEqual(runs.map((r) => r.id), [4, 5, 6]);
  assert.deepEqual(baseline.levels[0].trials.map((t) => t.metrics.ttft_p99_ms), [44, 45, 46]);
  assert.match(
    baseline.warnings.at(-1)!,
    /pooled from 3 runs: run 4 \(2026-03-04T02:00:00\.000Z, branch=main commit=c4\)/,
  );

  // Any tag with the value; the current run left out when it is stored already.
  const stored = historyRun({ startedAt: day(6), ttft: [46] });
  const byValue = baselineFromHistory({
    db,
    where: {},
    tagValue: "main",
    last: 5,
    current: stored,
  });
  assert.deepEqual(byValue.runs.map((r) => r.id), [1, 2, 4, 5]);
});

Deno.test("baselineFromHistory: no match says how many runs have the tag and the fingerprint", async () => {
  using h = history();
  const { db } = h;
  addRunsToHistory({ db, tags: { branch: "main" } }, [
    historyRun({ startedAt: day(1), sha: "b".repeat(64) }),
    historyRun({ startedAt: day(2), sha: "b".repeat(64) }),
  ]);
  await addToHistory({ db, tags: { branch: "main" } }, historyRun({ startedAt: day(3) }));
  const current = historyRun({ startedAt: day(3) });
  assert.throws(
    () => baselineFromHistory({ db, where: { branch: "main" }, last: 5, current }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(
        err.message,
        /'--baseline-history' must be tags that earlier runs of this workload \(fingerprint aaaaaaaaaaaa\) have in .*h\.db, got 3 runs with branch=main, 1 of them with this fingerprint \(the current run itself\)/,
      );
      return true;
    },
  );
  assert.throws(
    () => baselineFromHistory({ db, where: { branch: "nope" }, last: 5, current }),
    /got 0 runs with branch=nope, 0 of them/,
  );
  const noWorkload = { ...current, workload: undefined };
  assert.throws(
    () => baselineFromHistory({ db, where: {}, last: 1, current: noWorkload }),
    /'CURRENT' must be a run with a workload fingerprint .*, got a document without 'workload'/,
  );
  assert.throws(
    () => baselineFromHistory({ db, where: {}, last: 0, current }),
    /'--last' must be a positive integer, got 0/,
  );
  assert.throws(
    () => baselineFromHistory({ db: `${db}.missing`, where: {}, last: 1, current }),
    (err: unknown) => err instanceof HistoryError && err.problem === "missing",
  );
});

Deno.test("historyTrend: the newest run's workload by default, others counted; bad metric and level named", () => {
  using h = history();
  const { db } = h;
  const values = [40, 41, 40, 42, 41, 40, 50, 51, 50, 52, 51, 50];
  addRunsToHistory(
    { db, tags: { branch: "main" } },
    values.map((v, i) => historyRun({ startedAt: day(i + 1), ttft: [v, v + 0.5, v - 0.5] })),
  );
  addRunsToHistory({ db, tags: { branch: "main" } }, [
    historyRun({ startedAt: day(1), sha: "b".repeat(64), ttft: [7] }),
  ]);
  const t = historyTrend({ db, metric: "ttft_p99_ms", level: "c=1", where: { branch: "main" } });
  assert.equal(t.fingerprint, "a".repeat(64));
  assert.equal(t.fingerprintDefaulted, true);
  assert.equal(t.otherWorkloads, 1);
  assert.deepEqual(t.trend.points.map((p) => p.value), values);
  assert.equal(t.trend.changes.length, 1);
  assert.equal(t.trend.changes[0].firstAfter.runId, 7);

  assert.equal(
    historyTrend({ db, metric: "ttft_p99_ms", level: "c=1", fingerprint: "any" }).trend.points
      .length,
    13,
  );
  const b = historyTrend({ db, metric: "ttft_p99_ms", level: "c=1", fingerprint: "bbbbbbbbbbbb" });
  assert.deepEqual(b.trend.points.map((p) => p.value), [7]);
  assert.equal(
    historyTrend({ db, metric: "ttft_p99_ms", level: "c=16", last: 4 }).trend.points.length,
    4,
  );

  assert.throws(
    () => historyTrend({ db, metric: "ttft_p42_ms", level: "c=1" }),
    /'--metric' must be a metric id the history has: throughput_tokens_per_sec, ttft_p99_ms, got "ttft_p42_ms"/,
  );
  assert.throws(
    () => historyTrend({ db, metric: "ttft_p99_ms", level: "c=8" }),
    /'--level' must be a level the history has: c=1, c=16, got "c=8"/,
  );
  assert.throws(
    () => historyTrend({ db, metric: "ttft_p99_ms", level: "c=1", fingerprint: "ccc" }),
    /'--fingerprint' must be the fingerprint of some matching run \(aaaaaaaaaaaa, bbbbbbbbbbbb\) or any, got "ccc"/,
  );
  assert.throws(
    () => historyTrend({ db, metric: "ttft_p99_ms", level: "c=1", where: { branch: "dev" } }),
    /no matching run \(13 runs in all\)/,
  );
});

Deno.test("listHistory matches a fingerprint prefix", () => {
  using h = history();
  const { db } = h;
  addRunsToHistory({ db }, [
    historyRun({ startedAt: day(1) }),
    historyRun({ startedAt: day(2), sha: "b".repeat(64) }),
  ]);
  assert.deepEqual(listHistory(db, { fingerprint: "bbbb" }).map((r) => r.id), [2]);
  assert.deepEqual(listHistory(db, { fingerprint: "a".repeat(64) }).map((r) => r.id), [1]);
  assert.deepEqual(listHistory(db, { last: 1 }).map((r) => r.id), [2]);
});
