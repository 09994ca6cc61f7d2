/**
 * `splleed ab A.yaml B.yaml --trials 6`: an interleaved A/B run of two
 * configs that differ only in their backend, the comparison on stdout,
 * progress and warnings on stderr, both results (and records) under
 * `--out-dir` when given.
 *
 * @module
 */

import { basename, extname, join } from "node:path";
import { type BenchmarkSpecInput, SAMPLE_PROMPTS } from "../../config/benchmark.ts";
import { ConfigError } from "../../config/errors.ts";
import { applyOverrides } from "../../config/overrides.ts";
import { readConfigFile } from "../../config/parse.ts";
import type { CompareOptions } from "../../runner/compare.ts";
import { abTest, type AbTestOptions, type AbTestResult } from "../../runner/ab.ts";
import type { BenchmarkEvent } from "../../runner/benchmark.ts";
import { ResultsSaveError } from "../../runner/errors.ts";
import { type CliIO, EXIT, interruptOnSignals, reportError } from "../io.ts";
import { verdict } from "./_benchmark_run.ts";
import { parseDetect } from "./compare.ts";

/** The options of `ab`, as commander gives them. */
export interface AbCommandFlags {
  /** `--trials N`: trials per side at every level. @default the configs' `trials`, else 3 */
  trials?: number;
  /** `--order interleaved|blocked`. @default "interleaved" */
  order?: "interleaved" | "blocked";
  /** `--engines both|restart` (managed engines). @default "both" */
  engines?: "both" | "restart";
  /** `--out-dir DIR`: write `<name>.json` and `<name>.records.jsonl` of each side there. */
  outDir?: string;
  /** `--metrics ids`: the metric ids to compare. @default the headline ones */
  metrics?: string;
  /** `--alpha x`. @default 0.05 */
  alpha?: number;
  /** `--test welch|mann-whitney`. @default "welch" */
  test?: "welch" | "mann-whitney";
  /** `--detect 2%`. */
  detect?: string;
  /** `--markdown`: the comparison as Markdown. */
  markdown?: boolean;
  /** `--json`: `{ order, engines, restarts?, files, comparison }` as JSON. */
  json?: boolean;
  /** `--quiet`: no progress on stderr (warnings and errors only). */
  quiet?: boolean;
}

/** Fields that may differ between the two configs: the backend, and where each side writes. */
const PER_SIDE = new Set(["backend", "out", "records", "quiet"]);

/**
 * How two config objects differ, field by field (the per-side fields left
 * out), in words: `runs (3 vs 4)`, `sampling.maxTokens (2 vs unset)`.
 *
 * @param a The first config.
 * @param b The second config.
 * @returns The differences, in field order; empty when they agree.
 *
 * @example
 * ```ts
 * import { configDifferences } from "./ab.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(configDifferences(
 *   { backend: { type: "vllm" }, runs: 3, sampling: { maxTokens: 2 } },
 *   { backend: { type: "sglang" }, runs: 4, sampling: {} },
 * ), ["runs (3 vs 4)", "sampling.maxTokens (2 vs unset)"]);
 * ```
 */
export function configDifferences(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string) => {
    const obj = (v: unknown): v is Record<string, unknown> =>
      typeof v === "object" && v !== null && !Array.isArray(v);
    if (obj(x) && obj(y)) {
      for (const k of [...new Set([...Object.keys(x), ...Object.keys(y)])]) {
        if (path === "" && PER_SIDE.has(k)) continue;
        walk(x[k], y[k], path === "" ? k : `${path}.${k}`);
      }
      return;
    }
    const sx = JSON.stringify(x), sy = JSON.stringify(y);
    if (sx !== sy) out.push(`${path} (${sx ?? "unset"} vs ${sy ?? "unset"})`);
  };
  walk(a, b, "");
  return out;
}

/** The two sides' names: the config files' names, or baseline/candidate when those are equal. */
function namesOf(a: string, b: string): [string, string] {
  const stem = (p: string) => basename(p, extname(p));
  return stem(a) !== stem(b) ? [stem(a), stem(b)] : ["baseline", "candidate"];
}

function compareOptionsOf(flags: AbCommandFlags): CompareOptions {
  const issues: { path: string; expected: string; received: string }[] = [];
  if (flags.markdown && flags.json) {
    issues.push({
      path: "",
      expected: "one output format (--markdown or --json)",
      received: "both",
    });
  }
  if (flags.alpha !== undefined && !(flags.alpha > 0 && flags.alpha < 1)) {
    issues.push({
      path: "--alpha",
      expected: "a number in (0, 1) such as 0.05",
      received: String(flags.alpha),
    });
  }
  if (flags.trials !== undefined && !(Number.isInteger(flags.trials) && flags.trials >= 1)) {
    issues.push({
      path: "--trials",
      expected: "a positive integer (trials per side)",
      received: String(flags.trials),
    });
  }
  if (issues.length > 0) throw new ConfigError("A/B test", issues);
  return {
    ...(flags.alpha !== undefined ? { alpha: flags.alpha } : {}),
    ...(flags.test !== undefined ? { test: flags.test } : {}),
    ...(flags.metrics !== undefined
      ? { metrics: flags.metrics.split(",").map((s) => s.trim()).filter((s) => s !== "") }
      : {}),
    ...(flags.detect !== undefined ? { detect: parseDetect(flags.detect) } : {}),
  };
}

/** Reads a side's config as `splleed run` would (without flags), its `quiet` taken out. */
async function specOf(path: string): Promise<BenchmarkSpecInput> {
  const file = await readConfigFile(path);
  delete file.quiet;
  return applyOverrides(file, {});
}

/** One line per trial and level on stderr, tagged with the side's name. */
function progress(io: CliIO, quiet: boolean, names: [string, string]) {
  return (side: "baseline" | "candidate", e: BenchmarkEvent) => {
    const name = side === "baseline" ? names[0] : names[1];
    if (e.type === "warning") io.err(`warning (${name}): ${e.message}\n`);
    if (quiet) return;
    if (e.type === "connected") {
      io.err(`${name}: ${e.backend} ${e.model} at ${e.endpoint}\n`);
    } else if (e.type === "trial") {
      const level = e.requestRate !== undefined ? `r=${e.requestRate}/s` : `c=${e.concurrency}`;
      io.err(
        `${name} ${level} trial ${e.trial + 1}: ${e.completed} ok, ${e.failed} failed, ` +
          `${e.durationS.toFixed(2)} s\n`,
      );
    }
  };
}

/**
 * Runs `splleed ab`.
 *
 * @param aPath The baseline's config file (YAML or JSON, as `splleed run` reads).
 * @param bPath The candidate's config file.
 * @param flags The options given.
 * @param io Where output goes.
 * @returns The exit code: 0; 1 when a side's run failed (a level whose every
 *   request failed, the server went away) or could not be saved; 2 for a bad
 *   config or configs that differ in more than the backend; 130 when
 *   interrupted (what was measured is compared and kept).
 *
 * @example Configs that differ in more than the backend are refused
 * ```ts
 * import { abCommand } from "./ab.ts";
 * import { memoryIO } from "../memory_io.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.yaml`, "backend: { type: simulator, ttftMs: 1, itlMs: 1 }\nruns: 3\n");
 * await Deno.writeTextFile(`${dir}/b.yaml`, "backend: { type: simulator, ttftMs: 2, itlMs: 1 }\nruns: 4\n");
 * const io = memoryIO();
 * assert.equal(await abCommand(`${dir}/a.yaml`, `${dir}/b.yaml`, { trials: 2 }, io), 2);
 * assert.match(io.stderr, /differ in more than the backend: runs \(3 vs 4\)/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function abCommand(
  aPath: string,
  bPath: string,
  flags: AbCommandFlags,
  io: CliIO,
): Promise<number> {
  const names = namesOf(aPath, bPath);
  let a: BenchmarkSpecInput, b: BenchmarkSpecInput, compareOptions: CompareOptions;
  try {
    compareOptions = compareOptionsOf(flags);
    a = await specOf(aPath);
    b = await specOf(bPath);
  } catch (err) {
    return reportError(err, io);
  }
  const differ = configDifferences(
    a as unknown as Record<string, unknown>,
    b as unknown as Record<string, unknown>,
  );
  if (differ.length > 0) {
    io.err(
      `error: Cannot run the A/B test: ${aPath} and ${bPath} differ in more than the backend: ` +
        `${differ.join(", ")} (only 'backend', 'out' and 'records' may differ)\n`,
    );
    return EXIT.usage;
  }
  const { backend: backendA, out: outA, records: recordsA, ...common } = a;
  if (flags.outDir === undefined && typeof outA === "string" && outA === b.out) {
    io.err(
      `error: Cannot run the A/B test: both configs save to ${outA}; give them different 'out' ` +
        "paths or use --out-dir\n",
    );
    return EXIT.usage;
  }
  if (common.prompts === undefined && common.workload === undefined && common.trace === undefined) {
    common.prompts = [...SAMPLE_PROMPTS];
    io.err(
      `note: no prompts given; using ${SAMPLE_PROMPTS.length} built-in sample prompts ` +
        "(set 'prompts' in the configs)\n",
    );
  }
  const side = (
    backend: unknown,
    name: string,
    out: unknown,
    records: unknown,
  ): AbTestOptions["baseline"] => ({
    backend: backend as AbTestOptions["baseline"]["backend"],
    name,
    ...(flags.outDir !== undefined
      ? { out: join(flags.outDir, `${name}.json`) }
      : typeof out === "string"
      ? { out }
      : {}),
    ...(flags.outDir === undefined && (typeof records === "string" || records === false)
      ? { records }
      : {}),
  });
  const { signal, dispose } = interruptOnSignals(io);
  let result: AbTestResult;
  try {
    result = await abTest({
      ...(common as Omit<AbTestOptions, "baseline" | "candidate" | "trials">),
      baseline: side(backendA, names[0], outA, recordsA),
      candidate: side(b.backend, names[1], b.out, b.records),
      trials: flags.trials ?? (typeof common.trials === "number" ? common.trials : 3),
      ...(flags.order ? { order: flags.order } : {}),
      ...(flags.engines ? { engines: flags.engines } : {}),
      compare: compareOptions,
      signal,
      onEvent: progress(io, flags.quiet ?? false, names),
    });
  } catch (err) {
    if (err instanceof ResultsSaveError) {
      io.err(`error: ${err.message}\n`);
      return EXIT.failure;
    }
    return reportError(err, io);
  } finally {
    dispose();
  }
  const { comparison, order } = result;
  const files = [result.baseline, result.candidate].map((r, i) => ({
    name: names[i],
    results: flags.outDir !== undefined ? join(flags.outDir, `${names[i]}.json`) : null,
    records: r.recordsFile,
  }));
  if (!flags.quiet) {
    io.err(
      `order: ${order.join("")} at every level (A = ${names[0]}, B = ${names[1]}; ` +
        `${flags.order ?? "interleaved"})\n`,
    );
    if (result.restarts) {
      io.err(
        `engines: ${result.restarts.count} restarts, ${result.restarts.seconds.toFixed(1)} s\n`,
      );
    }
    for (const f of files) if (f.results) io.err(`saved: ${f.results}\n`);
  }
  if (flags.json) {
    io.out(
      JSON.stringify(
        {
          order,
          engines: flags.engines ?? "both",
          ...(result.restarts ? { restarts: result.restarts } : {}),
          files,
          comparison: comparison.toJSON(),
        },
        null,
        2,
      ) + "\n",
    );
  } else if (flags.markdown) io.out(comparison.toMarkdown());
  else io.out(comparison.toTable(io.isTerminal) + "\n");
  const codes = [verdict(result.baseline, io), verdict(result.candidate, io)];
  return codes.includes(EXIT.failure)
    ? EXIT.failure
    : codes.includes(EXIT.interrupted)
    ? EXIT.interrupted
    : EXIT.ok;
}
