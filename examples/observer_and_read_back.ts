/**
 * A run observer beside a benchmark, the plan before it, and the results
 * read back afterwards, as a later script (compare, a report, CI) would.
 * The observer keeps the slowest request of each trial and the reasons of
 * failures; it never blocks a request (`onRecord` is not awaited).
 *
 * Run: `deno run -A examples/observer_and_read_back.ts [out-dir]`
 *
 * @module
 */

import {
  benchmark,
  BenchmarkResults,
  planRun,
  readRecords,
  readResults,
  renderPlan,
  type RunObserver,
} from "../mod.ts";

/** Keeps the slowest measured request of each trial, and failures by reason. */
function slowestPerTrial(): RunObserver & { slowest: number[]; failures: Map<string, number> } {
  let worst = 0;
  const slowest: number[] = [];
  const failures = new Map<string, number>();
  return {
    name: "slowest per trial",
    slowest,
    failures,
    onTrialStart() {
      worst = 0;
    },
    onRecord(rec) {
      if (rec.phase !== "measure") return;
      if (!rec.ok) {
        const reason = rec.error?.reason ?? "unknown";
        failures.set(reason, (failures.get(reason) ?? 0) + 1);
      } else if (rec.endMs !== null) worst = Math.max(worst, rec.endMs - rec.scheduledMs);
    },
    onTrialEnd() {
      slowest.push(worst);
    },
  };
}

if (import.meta.main) {
  const dir = Deno.args[0] ?? await Deno.makeTempDir({ prefix: "splleed-example-" });
  const options = {
    backend: { type: "simulator" as const, profile: "small" as const },
    prompts: ["What is the capital of France?", "Explain quantum computing briefly."],
    concurrency: [1, 8],
    warmup: 2,
    runs: 24,
    trials: 3,
    sampling: { maxTokens: 32, ignoreEos: true },
    out: `${dir}/results.json`,
  };
  console.log(renderPlan(await planRun(options)));

  const observer = slowestPerTrial();
  await benchmark({ ...options, observers: [observer] });
  console.log("slowest request per trial (ms):", observer.slowest.map((x) => x.toFixed(1)));
  console.log("failures:", Object.fromEntries(observer.failures));

  const doc = await readResults(`${dir}/results.json`);
  console.log(`read back: ${doc.levels.length} levels, records in ${doc.recordsFile}`);
  let n = 0;
  for await (const _ of readRecords(doc.recordsFile!)) n++;
  console.log(`${n} records (warm-up included)`);
  (await BenchmarkResults.load(`${dir}/results.json`)).print();
}
