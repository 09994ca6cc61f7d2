/**
 * The command-line interface: `run`, `sim` and `demo`. Everything the
 * commands print goes through a {@linkcode CliIO} that `cli.ts` binds to the
 * console, so this module never touches the console, `Deno.args` or
 * `Deno.exit` itself.
 *
 * Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error,
 * 130 interrupted (results so far are still written).
 *
 * @module
 */

import { Command, CommanderError, Option } from "npm:commander@^15.1.0";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { simulator } from "../backends/simulator.ts";
import { ConfigError } from "../config/errors.ts";
import { parseConfigText } from "../config/parse.ts";
import { benchmark, type BenchmarkEvent } from "../runner/benchmark.ts";
import { serveSimulator } from "../sim/server.ts";
import { VERSION } from "../version.ts";
import { SAMPLE_PROMPTS } from "../workload/prompts.ts";
import { createProgress, type Progress } from "./progress.ts";
import {
  BACKEND_FLAGS,
  backendFieldsFromFlags,
  parseFaults,
  parseNumber,
  parseNumberList,
  parseRateList,
  parseSlo,
  workloadFromFlags,
  workloadRefinements,
} from "./flags.ts";

/** Where the CLI writes, and how it ends the process on a second interrupt. */
export interface CliIO {
  /** Writes to standard output (results). */
  out(text: string): void;
  /** Writes to standard error (progress, warnings, errors). */
  err(text: string): void;
  /** Ends the process at once (a second Ctrl-C). */
  exit(code: number): never;
  /** Whether standard output is a terminal (for colour). */
  isTerminal: boolean;
  /** Whether standard error is a terminal: progress is then one line redrawn in place. */
  errIsTerminal: boolean;
  /** Width of the terminal on standard error, in columns (the status line is cut to fit). */
  errColumns?(): number;
}

/** Exit codes. */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

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

  const run = program
    .command("run")
    .description("run a benchmark against a server (or the built-in simulator)")
    .argument("[config]", "YAML or JSON config file; flags override its values")
    .option("--backend <type>", "openai | vllm | tgi | sglang | llamacpp | simulator")
    .option(
      "--endpoint <url>",
      "server base URL, e.g. http://localhost:8000 (without it, vllm/tgi/sglang/llamacpp start the engine)",
    )
    .option(
      "--model <name>",
      "model name (default: the first at /v1/models); managed mode: what to load (llamacpp: GGUF path)",
    )
    .option("--api <api>", "completions | chat | embeddings | generate (tgi native)")
    .option("--prompts <file>", 'prompts file: text (one a line) or JSONL with {"prompt": ...}')
    .option(
      "--mode <mode>",
      "latency (closed loop per concurrency) | throughput (all at once) | serve (open loop per request rate)",
    )
    .option("--request-rate <list>", "serve: request rates per second, e.g. 2,8,32,inf")
    .option("--arrival <process>", "serve: poisson | gamma | constant (default poisson)")
    .option("--burstiness <x>", "serve, gamma arrivals: shape (1 = Poisson, < 1 burstier)")
    .option(
      "--max-concurrency <n>",
      "serve: most requests in flight (the wait for a slot is recorded)",
    )
    .option("--ramp-up <s>", "serve: seconds over which the rate rises to its level")
    .option("--duration <s>", "serve: seconds per trial of each rate (instead of --runs)")
    .option("--seed <n>", "seed of arrivals and workload sampling")
    .addOption(
      new Option("--find <what>", "saturation search instead of fixed levels (needs --slo)")
        .choices([
          "max-rate",
          "max-concurrency",
        ]),
    )
    .option("--attainment <x>", "sweep: share of requests that must meet the SLOs (default 0.9)")
    .option("--trace <file>", "serve: replay a JSONL trace (timestamp ms; prompt or input_length)")
    .option("--trace-speed <x>", "trace replay speed (2 = twice as fast)")
    .option(
      "--dataset <name>",
      "a Hugging Face dataset id, a .parquet file or folder, or a ShareGPT .json",
    )
    .option("--dataset-split <split>", "Hugging Face dataset split (default train)")
    .option("--dataset-column <column>", "column holding the prompt or conversation")
    .option("--num-prompts <n>", "sample this many prompts (seeded)")
    .option(
      "--input-len <dist>",
      "synthetic prompts of this many tokens: 512, uniform:256,1024, normal:512,64",
    )
    .option("--output-len <dist>", "output tokens to ask for per request (same syntax)")
    .option(
      "--tokenizer <name>",
      "tokenizer.json path or Hugging Face model id (default: o200k, for lengths only)",
    )
    .option("--prefix-groups <n>", "prefix sharing: number of distinct shared prefixes")
    .option("--prefix-tokens <n>", "prefix sharing: tokens in each shared prefix")
    .option("--concurrency <list>", "concurrency levels, e.g. 1,2,4")
    .option("--runs <n>", "measured requests per level per trial")
    .option("--warmup <n>", "unmeasured requests per level")
    .option("--trials <n>", "independent repetitions of every level")
    .option("--max-tokens <n>", "most tokens to generate per request")
    .option("--temperature <x>", "sampling temperature")
    .option("--top-p <x>", "nucleus sampling mass")
    .option("--ignore-eos", "generate max-tokens tokens every time (vLLM, SGLang)")
    .option("--confidence <x>", "confidence level of the intervals, e.g. 0.95")
    .option("--slo <list>", "goodput objectives, e.g. ttft_ms=200,tpot_ms=50,e2e_ms=5000")
    .option("--timeout <ms>", "per-request timeout in ms")
    .addOption(new Option("--transport <name>", "HTTP client").choices(["http1", "fetch"]))
    .option("--ttft-ms <ms>", "simulator backend: deterministic time to first token")
    .option("--itl-ms <ms>", "simulator backend: deterministic inter-token interval")
    .option("--profile <name>", "simulator backend: realistic engine profile")
    .option("--out <file>", "save results (.json or .csv); records go beside it")
    .option("--records <file>", "per-request JSONL records path")
    .option("--json", "print the results JSON to stdout (and nothing else there)")
    .option("-q, --quiet", "no progress on stderr (warnings and errors only)")
    .action(async (configPath: string | undefined, opts: Record<string, unknown>) => {
      code = await runCommand(configPath, opts, io);
    });
  for (const f of BACKEND_FLAGS) run.option(f.flag, f.help);

  program
    .command("sim")
    .description("serve the built-in simulated engine until interrupted")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--port <port>", "port (0 picks a free one)", "8000")
    .option("--ttft-ms <ms>", "deterministic mode: time to first token")
    .option("--itl-ms <ms>", "deterministic mode: inter-token interval")
    .option("--profile <name>", "realistic mode: engine profile (small, medium, large)")
    .option("--model <name>", "model name to serve", "splleed-sim")
    .option("--faults <list>", "inject faults, e.g. http500=0.1,drop=0.1:5,stall=0.05:500")
    .action(async (opts: Record<string, string | undefined>) => {
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
    .option("--runs <n>", "measured requests per level per trial", "64")
    .option("--trials <n>", "trials per level", "3")
    .option("-q, --quiet", "no progress on stderr (warnings and errors only)")
    .action(async (opts: Record<string, string>) => {
      code = await demoCommand(opts, io);
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

function reportError(err: unknown, io: CliIO): number {
  if (err instanceof ConfigError) {
    io.err(`error: ${err.message}\n`);
    return EXIT.usage;
  }
  io.err(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT.failure;
}

/** Installs SIGINT/SIGTERM handlers: the first aborts the run, the second exits at once. */
function interruptOnSignals(io: CliIO): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handlers: [Deno.Signal, () => void][] = [];
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    const h = () => {
      if (controller.signal.aborted) io.exit(EXIT.interrupted);
      // On a terminal, replace the progress line rather than leave it above the message.
      const lead = io.errIsTerminal ? "\r\x1b[2K" : "\n";
      io.err(`${lead}${sig}: stopping; finished measurements are kept (again to quit at once)\n`);
      controller.abort(new Error(`interrupted by ${sig}`));
    };
    try {
      Deno.addSignalListener(sig, h);
      handlers.push([sig, h]);
    } catch {
      // Signals not supported on this platform (SIGTERM on Windows).
    }
  }
  return {
    signal: controller.signal,
    dispose() {
      for (const [sig, h] of handlers) Deno.removeSignalListener(sig, h);
    },
  };
}

/**
 * The progress display of a run: a line redrawn in place when standard error
 * is a terminal, a plain line every 5 s when it is not, warnings only with
 * `--quiet` (see `progress.ts`).
 */
function progress(io: CliIO, quiet: unknown): Progress {
  return createProgress(io, { mode: quiet ? "quiet" : io.errIsTerminal ? "tty" : "plain" });
}

async function runCommand(
  configPath: string | undefined,
  opts: Record<string, unknown>,
  io: CliIO,
): Promise<number> {
  let spec: Record<string, unknown>;
  try {
    spec = await buildRunSpec(configPath, opts, io);
  } catch (err) {
    return reportError(err, io);
  }
  const { signal, dispose } = interruptOnSignals(io);
  const display = progress(io, opts.quiet);
  try {
    const results = await benchmark({
      ...(spec as unknown as Parameters<typeof benchmark>[0]),
      baseDir: configPath !== undefined ? dirname(configPath) : undefined,
      signal,
      onEvent: (e: BenchmarkEvent) => display.onEvent(e),
    });
    display.stop();
    if (opts.json) io.out(JSON.stringify(results.toJSON(), null, 2) + "\n");
    else io.out(results.toTable(io.isTerminal) + "\n");
    if (typeof spec.out === "string" && !opts.quiet) io.err(`saved: ${spec.out}\n`);
    if (results.interruptionCause === "server_exit") {
      io.err(`error: the run was cut short: ${results.interruption}\n`);
      return EXIT.failure;
    }
    return results.interrupted ? EXIT.interrupted : EXIT.ok;
  } catch (err) {
    display.stop();
    return reportError(err, io);
  } finally {
    display.stop();
    dispose();
  }
}

/** Merges a config file and flags into one specification object (not yet validated). */
async function buildRunSpec(
  configPath: string | undefined,
  opts: Record<string, unknown>,
  io: CliIO,
): Promise<Record<string, unknown>> {
  let spec: Record<string, unknown> = {};
  if (configPath !== undefined) {
    let text: string;
    try {
      text = await Deno.readTextFile(configPath);
    } catch (err) {
      throw new ConfigError("benchmark", [{
        path: "config",
        expected: "a readable YAML or JSON file",
        received: `${JSON.stringify(configPath)} (${err instanceof Error ? err.message : err})`,
      }]);
    }
    spec = parseConfigText(text, configPath);
    // `quiet` is the display's, not the benchmark's: a config file may set it like the flag.
    if ("quiet" in spec) {
      if (opts.quiet === undefined) opts.quiet = spec.quiet === true;
      delete spec.quiet;
    }
    // A prompts file named in a config file is relative to that file.
    const p = spec.prompts as { file?: unknown } | undefined;
    if (
      p && typeof p === "object" && !Array.isArray(p) && typeof p.file === "string" &&
      !isAbsolute(p.file)
    ) {
      spec.prompts = { ...p, file: join(dirname(configPath), p.file) };
    }
  }
  const o = opts as Record<string, string | boolean | undefined>;
  // Backend: --backend replaces the config's backend when the type differs.
  let backend =
    (typeof spec.backend === "object" && spec.backend !== null ? spec.backend : undefined) as
      | Record<string, unknown>
      | undefined;
  if (typeof o.backend === "string" && backend?.type !== o.backend) backend = { type: o.backend };
  if (!backend && typeof o.endpoint === "string") backend = { type: "openai" };
  if (!backend) {
    throw new ConfigError("benchmark", [{
      path: "backend",
      expected:
        "named: use --endpoint URL (an OpenAI-compatible server), --backend simulator, or a config file with a backend",
      received: "nothing",
    }]);
  }
  backend = { ...backend };
  if (o.endpoint !== undefined) backend.endpoint = o.endpoint;
  if (o.model !== undefined) backend.model = o.model;
  if (o.api !== undefined) backend.api = o.api;
  if (o.ttftMs !== undefined) backend.ttftMs = parseNumber(String(o.ttftMs));
  if (o.itlMs !== undefined) backend.itlMs = parseNumber(String(o.itlMs));
  if (o.profile !== undefined) backend.profile = o.profile;
  const fields = backendFieldsFromFlags(opts, BACKEND_FLAGS);
  if (fields.docker && typeof backend.docker === "object") {
    fields.docker = { ...backend.docker, ...fields.docker as object };
  }
  Object.assign(backend, fields);
  spec.backend = backend;

  const fromFlags = workloadFromFlags(opts);
  // Paths on the command line are relative to the working directory, not to the config file.
  for (const k of ["path", "tokenizer"]) {
    const v = fromFlags?.[k];
    if (typeof v === "string" && !isAbsolute(v) && existsPath(v)) fromFlags![k] = resolve(v);
  }
  if (fromFlags !== undefined) {
    spec.workload = fromFlags;
    delete spec.prompts;
  } else if (o.prompts !== undefined) {
    spec.prompts = { file: o.prompts };
    delete spec.workload;
  } else if (
    spec.workload !== undefined && typeof spec.workload === "object" &&
    !Array.isArray(spec.workload)
  ) {
    spec.workload = { ...spec.workload as object, ...workloadRefinements(opts) };
  }
  if (o.trace !== undefined) {
    spec.trace = {
      path: resolve(String(o.trace)),
      ...(o.traceSpeed !== undefined ? { speed: parseNumber(String(o.traceSpeed)) } : {}),
    };
    spec.mode ??= "serve";
    delete spec.prompts;
    delete spec.workload;
  }
  if (spec.prompts === undefined && spec.workload === undefined && spec.trace === undefined) {
    spec.prompts = [...SAMPLE_PROMPTS];
    io.err(
      `note: no prompts given; using ${SAMPLE_PROMPTS.length} built-in sample prompts (--prompts FILE)\n`,
    );
  }
  if (o.mode !== undefined) spec.mode = o.mode;
  if (o.concurrency !== undefined) spec.concurrency = parseNumberList(String(o.concurrency));
  const num = (flag: string, field: string) => {
    if (o[flag] !== undefined) spec[field] = parseNumber(String(o[flag]));
  };
  num("runs", "runs");
  if (o.requestRate !== undefined) spec.requestRates = parseRateList(String(o.requestRate));
  if (o.arrival !== undefined) spec.arrival = o.arrival;
  num("burstiness", "burstiness");
  num("maxConcurrency", "maxConcurrency");
  num("rampUp", "rampUpS");
  num("duration", "durationS");
  num("seed", "seed");
  num("warmup", "warmup");
  num("trials", "trials");
  num("confidence", "confidenceLevel");
  num("timeout", "requestTimeoutMs");
  const sampling = { ...(spec.sampling as Record<string, unknown> | undefined) };
  if (o.maxTokens !== undefined) sampling.maxTokens = parseNumber(String(o.maxTokens));
  if (o.temperature !== undefined) sampling.temperature = parseNumber(String(o.temperature));
  if (o.topP !== undefined) sampling.topP = parseNumber(String(o.topP));
  if (o.ignoreEos) sampling.ignoreEos = true;
  if (Object.keys(sampling).length > 0) spec.sampling = sampling;
  if (o.slo !== undefined) spec.slo = parseSlo(String(o.slo));
  if (o.find !== undefined) {
    spec.sweep = {
      ...(typeof spec.sweep === "object" ? spec.sweep : {}),
      find: o.find,
      ...(spec.slo !== undefined ? { slo: spec.slo } : {}),
      ...(o.attainment !== undefined ? { attainment: parseNumber(String(o.attainment)) } : {}),
    };
    if (o.find === "max-rate" && o.mode === undefined) spec.mode = "serve";
  }
  if (o.transport !== undefined) spec.transport = o.transport;
  if (o.out !== undefined) spec.out = o.out;
  if (o.records !== undefined) spec.records = o.records;
  return spec;
}

async function simCommand(opts: Record<string, string | undefined>, io: CliIO): Promise<number> {
  let sim;
  try {
    const options: Record<string, unknown> = {
      hostname: opts.host,
      port: parseNumber(opts.port ?? "8000"),
      model: opts.model,
    };
    if (opts.ttftMs !== undefined) options.ttftMs = parseNumber(opts.ttftMs);
    if (opts.itlMs !== undefined) options.itlMs = parseNumber(opts.itlMs);
    if (opts.profile !== undefined) options.profile = opts.profile;
    if (opts.faults !== undefined) options.faults = parseFaults(opts.faults);
    sim = serveSimulator(options);
  } catch (err) {
    return reportError(err, io);
  }
  io.out(`${sim.url}\n`);
  io.err(
    `splleed simulator listening on ${sim.url} (OpenAI-compatible: /v1/completions, /v1/chat/completions); Ctrl-C to stop\n`,
  );
  const { signal, dispose } = interruptOnSignals(io);
  await new Promise<void>((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
  dispose();
  await sim.close();
  return EXIT.ok;
}

async function demoCommand(opts: Record<string, string>, io: CliIO): Promise<number> {
  const dir = opts.outDir;
  const quiet = Boolean(opts.quiet);
  if (!quiet) {
    io.err(
      "splleed demo: the built-in simulator (realistic profile 'small', saturating at 32 sequences),\n" +
        "closed-loop concurrency 1, 4, 16 and 64, several trials per level; this takes about a minute.\n",
    );
  }
  const runs = parseNumber(opts.runs);
  const trials = parseNumber(opts.trials);
  const { signal, dispose } = interruptOnSignals(io);
  const display = progress(io, quiet);
  try {
    const results = await benchmark({
      backend: simulator({ profile: "small" }),
      prompts: [...SAMPLE_PROMPTS],
      mode: "latency",
      concurrency: [1, 4, 16, 64],
      warmup: 4,
      runs,
      trials,
      sampling: { maxTokens: 32, ignoreEos: true },
      slo: { ttftMs: 100, tpotMs: 8 },
      records: join(dir, "records.jsonl"),
      out: join(dir, "results.json"),
      signal,
      onEvent: (e: BenchmarkEvent) => display.onEvent(e),
    });
    display.stop();
    await results.save(join(dir, "results.csv"));
    io.out(results.toTable(io.isTerminal) + "\n");
    if (!quiet) {
      io.err(
        `wrote ${join(dir, "results.json")}, ${join(dir, "results.csv")} and ${
          join(dir, "records.jsonl")
        }\n` +
          "next: `deno task splleed run --endpoint http://localhost:8000 --concurrency 1,4,16` against your server\n",
      );
    }
    return results.interrupted ? EXIT.interrupted : EXIT.ok;
  } catch (err) {
    display.stop();
    return reportError(err, io);
  } finally {
    display.stop();
    dispose();
  }
}

function existsPath(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
