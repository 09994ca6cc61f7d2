import assert from "node:assert/strict";
import { simulator } from "../backends/simulator.ts";
import { benchmark } from "./benchmark.ts";
import type { RunObserver } from "./observer.ts";

Deno.test("observers hear run, level, trial and record events in order, warm-up records included", async () => {
  const log: string[] = [];
  const obs: RunObserver = {
    onRunStart: (e) => {
      log.push(`run ${e.plan.levels.length}`);
    },
    onLevelStart: (e) => {
      log.push(`level ${e.level.label}`);
    },
    onTrialStart: (e) => {
      log.push(`trial ${e.trial}`);
    },
    onRecord: (r) => {
      log.push(`${r.phase} ${r.level}/${r.trial}`);
    },
    onTrialEnd: (e) => {
      log.push(`end trial ${e.trial}: ${e.result.metrics.requests_completed}`);
    },
    onLevelEnd: (e) => {
      log.push(`end level ${e.result.trials.length}`);
    },
    onRunEnd: (e) => {
      log.push(`end run ${e.results.levels.length}`);
    },
  };
  await benchmark({
    backend: simulator({ ttftMs: 1, itlMs: 1 }),
    prompts: ["a"],
    concurrency: [1, 2],
    warmup: 1,
    runs: 2,
    trials: 2,
    records: false,
    sampling: { maxTokens: 2 },
    observers: [obs],
  });
  const level = (l: number, c: number) => [
    `level c=${c}`,
    `warmup ${l}/-1`,
    "trial 0",
    `measure ${l}/0`,
    `measure ${l}/0`,
    "end trial 0: 2",
    "trial 1",
    `measure ${l}/1`,
    `measure ${l}/1`,
    "end trial 1: 2",
    "end level 2",
  ];
  assert.deepEqual(log, ["run 2", ...level(0, 1), ...level(1, 2), "end run 2"]);
});

Deno.test("a failing observer becomes one warning in the results and the run goes on", async () => {
  const seen: number[] = [];
  const r = await benchmark({
    backend: simulator({ ttftMs: 1, itlMs: 1 }),
    prompts: ["a"],
    concurrency: [1],
    warmup: 0,
    runs: 3,
    trials: 1,
    records: false,
    sampling: { maxTokens: 2 },
    observers: [
      {
        name: "flaky",
        onRecord: () => {
          throw new Error("disk full");
        },
      },
      { onRecord: (rec) => void seen.push(rec.id) },
    ],
  });
  assert.equal(r.levels[0].summary.requests_completed.value, 3);
  assert.equal(seen.length, 3);
  const w = r.toJSON().warnings.filter((m) => m.includes("flaky"));
  assert.deepEqual(w, [
    "observer 'flaky' failed in onRecord: disk full (later failures of it are not reported)",
  ]);
});

Deno.test("requests the pattern could not issue (run aborted) are counted in the trial and level", async () => {
  const controller = new AbortController();
  let done = 0;
  const r = await benchmark({
    backend: simulator({ ttftMs: 5, itlMs: 1 }),
    prompts: ["a"],
    concurrency: [1],
    warmup: 0,
    runs: 10,
    trials: 1,
    records: false,
    sampling: { maxTokens: 2 },
    signal: controller.signal,
    observers: [{
      onRecord: () => {
        if (++done === 3) controller.abort(new Error("enough"));
      },
    }],
  });
  assert.equal(r.interrupted, true);
  const level = r.levels[0];
  const trial = level.trials[0];
  // 3 completed (the third ended the run), the other 7 never sent.
  assert.equal(trial.metrics.requests_completed, 3);
  assert.equal(trial.notIssued, 7);
  assert.equal(level.notIssued, 7);
  assert.equal(trial.complete, false);
});
