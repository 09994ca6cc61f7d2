/**
 * The history end to end on the simulator: runs measured by `benchmark()`,
 * added to a history (through the CLI and through `addToHistory`, as
 * `benchmark({ history })` does), their trend read back, and `splleed check
 * --baseline-history` gating a slower run against the pooled recent runs.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { simulator } from "../lib/backends/simulator.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import { addToHistory, listHistory } from "../lib/runner/history.ts";
import { runCli } from "./_helpers.ts";

Deno.test("simulator runs in a history: trend, and check --baseline-history gates a slower run", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const db = join(dir, "splleed.db");
    // The simulator's TTFT is the ground truth: 20 ms for the nightly runs, 40 ms for the slow one.
    const run = (ttftMs: number, out: string) =>
      benchmark({
        backend: simulator({ ttftMs, itlMs: 1 }),
        prompts: ["hello", "a slightly longer prompt"],
        concurrency: [2],
        warmup: 2,
        runs: 8,
        trials: 3,
        sampling: { maxTokens: 4 },
        records: false,
        out,
      });
    for (let i = 1; i <= 3; i++) {
      const out = join(dir, `night${i}.json`);
      const results = await run(20, out);
      if (i < 3) {
        const r = await runCli([
          "history",
          "add",
          out,
          "--db",
          db,
          "--tag",
          "branch=main",
          "--tag",
          `commit=c${i}`,
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`^added run ${i} \\(simulator · .* · c=2 · \\d{4}-`));
      } else {
        assert.equal(
          await addToHistory({ db, tags: { branch: "main", commit: "c3" } }, results.toJSON()),
          3,
        );
      }
    }
    const runs = listHistory(db, { where: { branch: "main" } });
    assert.equal(runs.length, 3);
    assert.equal(new Set(runs.map((r) => r.fingerprint)).size, 1, "one workload");

    const trend = await runCli([
      "history",
      "trend",
      "--db",
      db,
      "--metric",
      "ttft_p50_ms",
      "--level",
      "c=2",
      "--json",
    ]);
    assert.equal(trend.code, 0, trend.stderr);
    const t = JSON.parse(trend.stdout);
    assert.deepEqual(t.points.map((p: { tags: { commit: string } }) => p.tags.commit), [
      "c1",
      "c2",
      "c3",
    ]);
    for (const p of t.points) {
      // At least the injected 20 ms, and not twice it (client and server overhead are small).
      assert.ok(p.value >= 20 && p.value < 40, `ttft_p50_ms ${p.value}`);
      assert.equal(p.trials.length, 3);
    }

    const slow = join(dir, "slow.json");
    await run(40, slow);
    const check = (file: string) =>
      runCli([
        "check",
        file,
        "--baseline-history",
        "branch=main",
        "--last",
        "3",
        "--db",
        db,
        "--threshold",
        "ttft_p50_ms=+10%",
      ]);
    const bad = await check(slow);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /^Baseline: 3 runs from the history, pooled/);
    assert.match(bad.stdout, /c=2 \(9 vs 3 trials\)/);
    assert.match(bad.stdout, /1 regression at c=2: ttft_p50_ms \+\d+\.\d %/);

    const same = join(dir, "same.json");
    await run(20, same);
    const good = await check(same);
    assert.equal(good.code, 0, good.stdout + good.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("benchmark({ history }) and run --history-db --tag add the run; a foreign file fails before any request", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const db = join(dir, "h.db");
    const spec = {
      backend: simulator({ ttftMs: 5, itlMs: 1 }),
      prompts: ["hello"],
      concurrency: [1],
      warmup: 0,
      runs: 3,
      trials: 2,
      sampling: { maxTokens: 3 },
      records: false as const,
    };
    const results = await benchmark({
      ...spec,
      tags: { branch: "main" },
      history: { db, tags: { commit: "abc123" } },
    });
    const runs = listHistory(db);
    assert.equal(runs.length, 1);
    assert.deepEqual(runs[0].tags, { branch: "main", commit: "abc123" });
    assert.equal(runs[0].startedAt, results.toJSON().startedAt);

    const cli = await runCli([
      "run",
      "--backend",
      "simulator",
      "--ttft-ms",
      "5",
      "--itl-ms",
      "1",
      "--concurrency",
      "1",
      "--runs",
      "2",
      "--trials",
      "2",
      "--warmup",
      "0",
      "--max-tokens",
      "3",
      "-q",
      "--history-db",
      db,
      "--tag",
      "branch=dev",
      "--tag",
      "commit=def456",
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(listHistory(db, { where: { branch: "dev" } })[0].tags, {
      branch: "dev",
      commit: "def456",
    });

    // Not a history: refused before connecting or sending (exit 2); the file is left as it was.
    const foreign = join(dir, "notes.txt");
    await Deno.writeTextFile(foreign, "some notes, not a database");
    let sent = 0;
    await assert.rejects(
      benchmark({
        ...spec,
        history: { db: foreign },
        observers: [{ onRecord: () => sent++ }],
        onEvent: (e) => {
          if (e.type === "connected") sent++;
        },
      }),
      /'history\.db' must be a splleed history this splleed can write/,
    );
    assert.equal(sent, 0);
    const bad = await runCli([
      "run",
      "--backend",
      "simulator",
      "--runs",
      "1",
      "--trials",
      "1",
      "-q",
      "--history-db",
      foreign,
    ]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.equal(await Deno.readTextFile(foreign), "some notes, not a database");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
