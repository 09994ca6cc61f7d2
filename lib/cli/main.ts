/**
 * The command-line interface: `run`, `sim`, `demo`, `report`, `timeline`,
 * `compare`, `check` and `ab`. This module builds the commander program (every option,
 * its help and the converter of its value) and loads a command's implementation (`./commands/*.ts`) only when
 * that command runs, so `--help` and `--version` load neither the runner nor
 * a backend. Everything the commands print goes through a
 * {@linkcode CliIO} that `cli.ts` binds to the console, so this module never
 * touches the console, `Deno.args` or `Deno.exit` itself.
 *
 * Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error,
 * 130 interrupted (results so far are still written).
 *
 * @module
 */

import { Command, CommanderError, Option } from "npm:commander@^15.1.0";
import { BACKEND_TYPES } from "../config/backends.ts";
import { parseDistribution } from "../config/workload.ts";
import { VERSION } from "../version.ts";
import {
  addBackendFlags,
  backendOptionsFrom,
  parseFaults,
  parseNumber,
  parseNumberList,
  parseRateList,
  parseSlo,
} from "./flags.ts";
import { type CliIO, EXIT, reportError } from "./io.ts";

export { type CliIO, EXIT } from "./io.ts";

const num = (v: string) => parseNumber(v);
/** A comma-separated list of metric ids (checked against the known ids by the command). */
const ids = (v: string) => v.split(",").map((s) => s.trim()).filter((s) => s !== "");
const METRICS_HELP =
  "results table rows: metric ids, e.g. ttft_p50_ms,itl_p99_ms,throughput_tokens_per_sec " +
  "(default: TTFT, ITL, TPOT, E2E, throughput, goodput, failures)";
const ALL_METRICS_HELP = "results table: every metric id, one row each";
const dist = (flag: string) => (v: string) => parseDistribution(v, flag);

/** Defines `run`: its argument, its own options and the backend flags generated from the schemas. */
function defineRun(
  program: Command,
  action: (config: string | undefined, cmd: Command) => Promise<void>,
) {
  const run = program
    .command("run")
    .description("run a benchmark against a server (or the built-in simulator)")
    .argument("[config]", "YAML or JSON config file; flags override its values")
    .addOption(new Option("--backend <type>", "the backend").choices(BACKEND_TYPES))
    .option(
      "--endpoint <url>",
      "server base URL, e.g. http://localhost:8000 (without it, vllm/tgi/sglang/llamacpp start the engine)",
    )
    .option(
      "--model <name>",
      "model name (default: the first at /v1/models); managed mode: what to load (llamacpp: GGUF path)",
    )
    .option("--api <api>", "completions | chat | embeddings | generate (tgi native)")
    .option(
      "--prompts <file>",
      'prompts file: text (one a line), a .json list, or .jsonl with {"prompt"|"text": ...}',
    )
    .option(
      "--mode <mode>",
      "latency (closed loop per concurrency) | throughput (all at once) | serve (open loop per request rate)",
    )
    .option(
      "--request-rate <list>",
      "serve: request rates per second, e.g. 2,8,32,inf",
      parseRateList,
    )
    .option("--arrival <process>", "serve: poisson | gamma | constant (default poisson)")
    .option("--burstiness <x>", "serve, gamma arrivals: shape (1 = Poisson, < 1 burstier)", num)
    .option(
      "--max-concurrency <n>",
      "serve: most requests in flight (the wait for a slot is recorded)",
      num,
    )
    .option("--ramp-up <s>", "serve: seconds over which the rate rises to its level", num)
    .option("--duration <s>", "serve: seconds per trial of each rate (instead of --runs)", num)
    .option(
      "--duration-grace <s>",
      "serve with --duration: seconds in-flight requests get to finish, then are cut (default 10)",
      num,
    )
    .option("--seed <n>", "seed of arrivals and workload sampling", num)
    .addOption(
      new Option("--find <what>", "saturation search instead of fixed levels (needs --slo)")
        .choices(["max-rate", "max-concurrency"]),
    )
    .option(
      "--attainment <x>",
      "sweep: share of requests that must meet the SLOs (default 0.9)",
      num,
    )
    .option("--trace <file>", "serve: replay a JSONL trace (timestamp ms; prompt or input_length)")
    .option("--trace-speed <x>", "trace replay speed (2 = twice as fast)", num)
    .option(
      "--dataset <name>",
      "a Hugging Face dataset id, a .parquet file or folder, or a ShareGPT .json",
    )
    .option("--dataset-split <split>", "Hugging Face dataset split (default train)")
    .option("--dataset-column <column>", "column holding the prompt or conversation")
    .option("--num-prompts <n>", "sample this many prompts (seeded)", num)
    .option(
      "--input-len <dist>",
      "synthetic prompts of this many tokens: 512, uniform:256,1024, normal:512,64",
      dist("--input-len"),
    )
    .option(
      "--output-len <dist>",
      "output tokens to ask for per request (same syntax)",
      dist("--output-len"),
    )
    .option(
      "--tokenizer <name>",
      "tokenizer.json path or Hugging Face model id (default: o200k, for lengths only)",
    )
    .option("--prefix-groups <n>", "prefix sharing: number of distinct shared prefixes", num)
    .option("--prefix-tokens <n>", "prefix sharing: tokens in each shared prefix", num)
    .option("--concurrency <list>", "concurrency levels, e.g. 1,2,4", parseNumberList)
    .option("--runs <n>", "measured requests per level per trial", num)
    .option("--warmup <n>", "unmeasured requests per level", num)
    .option("--trials <n>", "independent repetitions of every level", num)
    .option("--max-tokens <n>", "most tokens to generate per request", num)
    .option("--temperature <x>", "sampling temperature", num)
    .option("--top-p <x>", "nucleus sampling mass", num)
    .option("--ignore-eos", "generate max-tokens tokens every time (vLLM, SGLang)")
    .option(
      "--extra-body <json>",
      "fields merged into every request body, JSON or YAML: " +
        `'{"top_k": 20, "chat_template_kwargs": {"enable_thinking": false}}'`,
    )
    .option("--confidence <x>", "confidence level of the intervals, e.g. 0.95", num)
    .option(
      "--slo <list>",
      "goodput objectives, e.g. ttft_ms=200,tpot_ms=50,e2e_ms=5000",
      parseSlo,
    )
    .option("--timeout <ms>", "per-request timeout in ms (default 600000)", num)
    .option(
      "--first-byte-timeout <ms>",
      "fail a request with no response head this long after sending (default 60000)",
      num,
    )
    .option(
      "--idle-timeout <ms>",
      "fail a request whose stream carries no token for this long (default 120000)",
      num,
    )
    .option(
      "--max-failure-rate <x>",
      "exit 1 when more than this share of a level's requests failed " +
        "(default: only when all of them did)",
      num,
    )
    .addOption(new Option("--transport <name>", "HTTP client").choices(["http1", "fetch"]))
    .option("--ttft-ms <ms>", "simulator backend: deterministic time to first token", num)
    .option("--itl-ms <ms>", "simulator backend: deterministic inter-token interval", num)
    .option("--profile <name>", "simulator backend: realistic engine profile")
    .option("--out <file>", "save results (.json or .csv); records go beside it")
    .option("--html <file>", "write a self-contained HTML report with plots (opens offline)")
    .option("--gpu-metrics", "sample GPU utilisation, memory, power and energy through NVML")
    .option("--engine-metrics", "scrape the engine's Prometheus metrics (queue, KV cache)")
    .option("--emit-markers", "one NVTX range per request, for Nsight Systems (nsys)")
    .option("--records <file>", "per-request JSONL records path")
    .option(
      "--tag <name=value>",
      "label the run (branch=main, commit=abc123), repeatable: kept in the history, labels in Prometheus",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option("--history-db <file>", "add the run to this history database when it ends")
    .option(
      "--metrics-port <port>",
      "serve live Prometheus metrics on this port (0: any free)",
      num,
    )
    .option("--metrics-host <addr>", "address the live metrics listen on (default 127.0.0.1)")
    .option("--pushgateway <url>", "push each level's summary to this Prometheus Pushgateway")
    .option(
      "--json",
      "print the results JSON (with --dry-run: the plan) to stdout, and nothing else",
    )
    .option(
      "--dry-run",
      "print the run plan (levels, trials, requests, workload) and exit: no engine started, no request sent",
    )
    .option("--metrics <ids>", METRICS_HELP, ids)
    .option("--all-metrics", ALL_METRICS_HELP)
    .option("-q, --quiet", "no progress on stderr (warnings and errors only)")
    .action((config: string | undefined, _opts: unknown, cmd: Command) => action(config, cmd));
  addBackendFlags(run);
}

/**
 * Runs the CLI.
 *
 * @param args Command-line arguments (without the program name).
 * @param io Output and exit functions.
 * @returns The exit code.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io = { out: (s: string) => (out += s), err: () => {}, exit: (() => { throw 0; }) as () => never, isTerminal: false, errIsTerminal: false };
 * assert.equal(await main(["--version"], io), 0);
 * assert.match(out, /\d+\.\d+\.\d+/);
 * assert.equal(await main(["run", "--runs", "0", "--backend", "simulator"], { ...io, err: () => {} }), 2);
 * ```
 */
export async function main(args: readonly string[], io: CliIO): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command()
    .name("splleed")
    .description("Benchmark LLM inference servers with honest statistics.")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
    });

  defineRun(program, async (config, cmd) => {
    const { runCommand } = await import("./commands/run.ts");
    code = await runCommand(config, { ...cmd.opts(), backendOptions: backendOptionsFrom(cmd) }, io);
  });

  program
    .command("sim")
    .description("serve the built-in simulated engine until interrupted")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--port <port>", "port (0 picks a free one)", num, 8000)
    .option("--ttft-ms <ms>", "deterministic mode: time to first token", num)
    .option("--itl-ms <ms>", "deterministic mode: inter-token interval", num)
    .option("--profile <name>", "realistic mode: engine profile (small, medium, large)")
    .option("--model <name>", "model name to serve", "splleed-sim")
    .option(
      "--faults <list>",
      "inject faults, e.g. http500=0.1,drop=0.1:5,stall=0.05:500",
      parseFaults,
    )
    .action(async (opts) => {
      const { simCommand } = await import("./commands/sim.ts");
      code = await simCommand(opts, io);
    });

  program
    .command("demo")
    .description("benchmark the simulator at concurrency 1, 4, 16, 64 and print the table")
    .option(
      "--out-dir <dir>",
      "where to write results.json, results.csv, records.jsonl",
      "splleed-demo",
    )
    .option("--runs <n>", "measured requests per level per trial", num, 64)
    .option("--trials <n>", "trials per level", num, 3)
    .option("--metrics <ids>", METRICS_HELP, ids)
    .option("--all-metrics", ALL_METRICS_HELP)
    .option("-q, --quiet", "no progress on stderr (warnings and errors only)")
    .action(async (opts) => {
      const { demoCommand } = await import("./commands/demo.ts");
      code = await demoCommand(opts, io);
    });

  program
    .command("report")
    .description(
      "show finished runs: the table (or Markdown) of each results file, and an HTML report (exit 2: bad input)",
    )
    .argument("<results...>", "results.json files of runs")
    .option("--markdown", "GitHub-flavoured Markdown instead of the table (for a pull request)")
    .option(
      "--html <file>",
      "also write a self-contained HTML report of the runs (two runs: with their comparison)",
    )
    .option("--metrics <ids>", METRICS_HELP, ids)
    .option("--all-metrics", ALL_METRICS_HELP)
    .action(async (files: string[], opts) => {
      const { reportCommand } = await import("./commands/report.ts");
      code = await reportCommand(files, opts, io);
    });

  program
    .command("timeline")
    .description(
      "write a finished run's timeline from its records: Perfetto trace (requests, GPU and engine counters) or epoch-ns JSON (exit 2: bad input)",
    )
    .argument("<results>", "the run's results.json (its records file is read back)")
    .requiredOption("--out <file>", "where to write the timeline, e.g. timeline.json")
    .addOption(
      new Option(
        "--format <format>",
        "perfetto (Chrome Trace Event JSON for ui.perfetto.dev, default) | simple (epoch ns per request)",
      ).choices(["perfetto", "simple"]),
    )
    .action(async (file: string, opts) => {
      const { timelineCommand } = await import("./commands/timeline.ts");
      code = await timelineCommand(file, opts, io);
    });

  program
    .command("check")
    .description(
      "check a run against a stored baseline: exit 0 when nothing regresses, 1 when something does, 2 on bad input",
    )
    .argument("[current]", "the current run's results.json")
    .option("--baseline <file>", "the baseline's results.json")
    .option(
      "--baseline-history <tag>",
      "baseline: the pooled trials of the last runs of this workload with this tag (k=v, or a value of any tag)",
    )
    .option("--last <n>", "--baseline-history: how many recent runs to pool (default 5)")
    .option("--db <file>", "--baseline-history: the history database (default splleed.db)")
    .option(
      "--threshold <id=change>",
      "largest allowed change of a metric, repeatable: ttft_p99_ms=+10%, throughput_tokens_per_sec=-5%",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .addOption(
      new Option(
        "--policy <policy>",
        "significant: beyond the threshold and significant (default); point: the point estimate (single trials)",
      ).choices(["significant", "point"]),
    )
    .option("--alpha <x>", "significance level of the one-sided tests (default 0.05)", num)
    .addOption(
      new Option("--test <test>", "welch (t on the logs, default) | mann-whitney")
        .choices(["welch", "mann-whitney"]),
    )
    .option("--markdown", "print the report as Markdown (for a pull-request comment)")
    .option("--json", "print the verdicts as JSON")
    .action(async (current: string | undefined, opts) => {
      const { checkCommand } = await import("./commands/check.ts");
      code = await checkCommand(current, opts, io);
    });

  program
    .command("compare")
    .description("compare two runs: change, interval and p per metric (exit 0; 2: bad input)")
    .argument("<base>", "the baseline's results.json")
    .argument("<candidate>", "the candidate's results.json")
    .option("--metrics <ids>", "metric ids to compare, e.g. ttft_p50_ms,itl_p50_ms")
    .option("--alpha <x>", "significance level (Holm-adjusted over the metrics)", "0.05")
    .addOption(new Option("--test <name>", "the test").choices(["welch", "mann-whitney"]))
    .option("--detect <change>", "say how many trials detect a change this large, e.g. 2%")
    .option("--markdown", "GitHub-flavoured Markdown instead of the table")
    .option("--json", "the comparison as JSON")
    .option("--strict", "runs that differ in more than the backend are an error (exit 2)")
    .action(async (base: string, candidate: string, opts) => {
      const { compareCommand } = await import("./commands/compare.ts");
      code = await compareCommand(base, candidate, opts, io);
    });

  program
    .command("ab")
    .description("interleaved A/B run of two configs that differ only in the backend, compared")
    .argument("<a>", "the baseline's config file (YAML or JSON, as run reads)")
    .argument("<b>", "the candidate's config file")
    .option("--trials <n>", "trials per side at every level (default: the configs', else 3)", num)
    .addOption(
      new Option(
        "--order <order>",
        "interleaved (A B B A …, default) | blocked (all A, then all B)",
      )
        .choices(["interleaved", "blocked"]),
    )
    .addOption(
      new Option("--engines <mode>", "managed engines: both running (default) | restart per block")
        .choices(["both", "restart"]),
    )
    .option("--out-dir <dir>", "write <name>.json and <name>.records.jsonl of each side here")
    .option("--metrics <ids>", "metric ids to compare, e.g. ttft_p50_ms,itl_p50_ms")
    .option("--alpha <x>", "significance level (Holm-adjusted over the metrics)", num)
    .addOption(new Option("--test <name>", "the test").choices(["welch", "mann-whitney"]))
    .option("--detect <change>", "say how many trials detect a change this large, e.g. 2%")
    .option("--markdown", "the comparison as GitHub-flavoured Markdown")
    .option("--json", "the order, files and comparison as JSON")
    .option("-q, --quiet", "no progress on stderr (warnings and errors only)")
    .action(async (a: string, b: string, opts) => {
      const { abCommand } = await import("./commands/ab.ts");
      code = await abCommand(a, b, opts, io);
    });

  program
    .command("import")
    .description(
      "another tool's saved results as a splleed results document (vllm-bench: vllm bench serve --save-result; guidellm: benchmarks.json) (exit 2: bad input)",
    )
    .argument("<tool>", "vllm-bench | guidellm")
    .argument("<file>", "the tool's results file")
    .option("--out <file>", "write the splleed results document here (else its table is shown)")
    .action(async (tool: string, file: string, opts) => {
      const { importCommand } = await import("./commands/import.ts");
      code = await importCommand(tool, file, opts, io);
    });

  const history = program
    .command("history")
    .description(
      "a history of runs in one SQLite file: add results, list runs, a metric's trend with change points (exit 2: bad input)",
    );
  const collect = (v: string, prev: string[] = []) => [...prev, v];
  const dbOption = () =>
    new Option("--db <file>", "the history database (SQLite; created by add)").default(
      "splleed.db",
    );
  history
    .command("add")
    .description("add results files to the history, with tags")
    .argument("<results...>", "results.json files of runs")
    .addOption(dbOption())
    .option("--tag <k=v>", "a tag stored with the runs, repeatable: branch=main", collect)
    .action(async (files: string[], opts) => {
      const { historyAddCommand } = await import("./commands/history.ts");
      code = await historyAddCommand(files, opts, io);
    });
  const queryOptions = (cmd: Command) =>
    cmd
      .addOption(dbOption())
      .option("--where <k=v>", "only runs with this tag, repeatable: branch=main", collect)
      .option("--fingerprint <hash>", "only runs of this workload (its hash or first characters)")
      .option("--engine <kind>", "only runs of this engine (backend kind)")
      .option("--model <name>", "only runs of this model")
      .option("--last <n>", "only the newest N runs")
      .option("--json", "print JSON");
  queryOptions(
    history
      .command("list")
      .description("list the runs: id, start, engine, model, levels, fingerprint, tags"),
  ).action(async (opts) => {
    const { historyListCommand } = await import("./commands/history.ts");
    code = await historyListCommand(opts, io);
  });
  queryOptions(
    history
      .command("trend")
      .description(
        "one metric at one level across runs: values, intervals, sparkline and change points " +
          "(default: the newest run's workload; --fingerprint any for all)",
      )
      .option("--metric <id>", "the metric id, e.g. ttft_p99_ms")
      .option("--level <label>", "the level, e.g. c=16, r=8/s, 'burst 100'")
      .option("--html <file>", "also write an HTML plot of the trend"),
  ).action(async (opts) => {
    const { historyTrendCommand } = await import("./commands/history.ts");
    code = await historyTrendCommand(opts, io);
  });

  try {
    await program.parseAsync([...args], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === "commander.helpDisplayed" || err.code === "commander.version" ||
        err.code === "commander.help"
      ) {
        return EXIT.ok;
      }
      return EXIT.usage;
    }
    return reportError(err, io);
  }
  return code;
}
