/**
 * The benchmark loop of a CI job (see `benchmark.yml` beside it): run the
 * benchmark, check it against the stored baseline, write the Markdown
 * report for a pull-request comment, and, on the main branch, make this
 * run the new baseline.
 *
 * Run: `deno run -A examples/ci/ci_bench.ts [options]`
 *
 * - `--baseline FILE`: the stored baseline (default `benchmarks/baseline.json`).
 *   When it does not exist yet, the run is reported and nothing is checked.
 * - `--out DIR`: where `results.json` and `report.md` go (default `bench-out`).
 * - `--update-baseline`: copy this run over the baseline afterwards (the main
 *   branch does this; the job then commits the file). Never fails on a
 *   regression: the pull request's check was the gate.
 * - `--sim-ttft-ms N`: the simulator's time to first token (default 30), to
 *   try the gate: a baseline at 30 and a run at 40 fails it.
 *
 * Exit codes: 0 nothing regressed, 1 a regression, 2 bad input (a baseline
 * that is not a results document, a threshold that names no metric).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { dirname, join } from "node:path";
// In your repository: import from "jsr:@splleed/splleed" (or the URL of mod.ts).
import {
  benchmark,
  type BenchmarkResults,
  ConfigError,
  readResults,
  RegressionCheck,
  type ResultsDocument,
  simulator,
} from "../../mod.ts";

/**
 * The gate: the largest change allowed per metric. Positive = the largest
 * allowed increase (latencies), negative = the largest allowed decrease
 * (throughputs). A change beyond it fails the job only when it is also
 * significant over the trials (one-sided, Holm-adjusted).
 */
const THRESHOLDS = {
  ttft_p50_ms: 0.10,
  itl_p50_ms: 0.10,
  e2e_p99_ms: 0.15,
  throughput_tokens_per_sec: -0.05,
};

/**
 * Runs the benchmark. Against a real server, replace the simulator with its
 * backend, e.g. `openai({ endpoint: Deno.env.get("BENCH_ENDPOINT")!, model: "my-model" })`
 * or a managed `vllm({ model: "..." })` on a GPU runner.
 */
async function runBenchmark(out: string, ttftMs: number): Promise<BenchmarkResults> {
  return await benchmark({
    // A deterministic simulated engine with a little jitter, as a real server has.
    backend: simulator({ ttftMs, itlMs: 4, jitter: { ttft: 0.05, itl: 0.05 } }),
    prompts: ["What is the capital of France?", "Explain quantum computing briefly."],
    concurrency: [1, 8],
    warmup: 4,
    runs: 32,
    // Trials are the replicates the significance test counts: 5 per side
    // detect a change of a few percent on a steady server.
    trials: 5,
    sampling: { maxTokens: 16 },
    records: false,
    out,
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      baseline: { type: "string", default: "benchmarks/baseline.json" },
      out: { type: "string", default: "bench-out" },
      "update-baseline": { type: "boolean", default: false },
      "sim-ttft-ms": { type: "string", default: "30" },
    },
  });
  const baselinePath = values.baseline;
  const resultsPath = join(values.out, "results.json");
  const reportPath = join(values.out, "report.md");
  const ttftMs = Number(values["sim-ttft-ms"]);
  if (!(ttftMs >= 0)) {
    console.error(`error: --sim-ttft-ms must be a number >= 0, got ${values["sim-ttft-ms"]}`);
    return 2;
  }

  // The baseline first: a file that is not a results document fails before the run.
  let baseline: ResultsDocument | null = null;
  try {
    if (await exists(baselinePath)) baseline = await RegressionCheck.loadBaseline(baselinePath);
  } catch (err) {
    console.error(`error: ${err instanceof Error ? err.message : err}`);
    return 2;
  }

  console.error(`benchmarking (results: ${resultsPath}) ...`);
  const current = await runBenchmark(resultsPath, ttftMs);

  let code = 0;
  if (baseline === null) {
    const text = `### splleed regression check\n\nNo baseline at \`${baselinePath}\` yet: ` +
      "nothing was checked. The main branch stores this run as the baseline.\n";
    await Deno.writeTextFile(reportPath, text);
    console.log(current.toTable());
    console.log(`no baseline at ${baselinePath}: nothing checked`);
  } else {
    let check: RegressionCheck;
    try {
      check = new RegressionCheck({ baseline, current, thresholds: THRESHOLDS });
    } catch (err) {
      // A threshold that names no metric, or a run whose levels match none of the
      // baseline's: fix the setup.
      console.error(`error: ${err instanceof Error ? err.message : err}`);
      return err instanceof ConfigError ? 2 : 1;
    }
    await Deno.writeTextFile(reportPath, check.toMarkdown());
    console.log(check.report(Deno.stdout.isTerminal()));
    if (check.hasRegressions()) code = 1;
  }
  console.error(`wrote ${reportPath}`);

  if (values["update-baseline"]) {
    await Deno.mkdir(dirname(baselinePath), { recursive: true });
    await readResults(resultsPath); // whole and valid, or this throws
    await Deno.copyFile(resultsPath, baselinePath);
    console.error(`updated the baseline ${baselinePath}`);
    return 0;
  }
  return code;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
