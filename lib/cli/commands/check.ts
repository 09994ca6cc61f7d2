/**
 * `splleed check --baseline BASE.json CURRENT.json --threshold id=+10% ...`:
 * the CI gate. Exit 0 when nothing regresses, 1 when something does, 2 on
 * bad input (a missing or foreign file, an unknown metric id, a threshold in
 * the wrong direction, no matching level, a malformed `--threshold`).
 *
 * `--baseline-history TAG [--last 5] [--db splleed.db]` instead of
 * `--baseline`: the baseline is the pooled trials of the last N runs in the
 * history with that tag (`branch=main`, or a value of any tag: `main`) and
 * the current run's workload fingerprint; the runs pooled are listed above
 * the report.
 *
 * @module
 */

import { ConfigError } from "../../config/errors.ts";
import { ResultsFormatError } from "../../results/errors.ts";
import type { ResultsDocument } from "../../results/document.ts";
import { baselineFromHistory, HistoryError, type HistoryRun } from "../../runner/history.ts";
import { RegressionCheck } from "../../runner/regression.ts";
import { type CliIO, EXIT, reportError } from "../io.ts";

/** The options of `check`, converted. */
export interface CheckFlags {
  /** `--baseline`: the stored baseline results document. */
  baseline?: string;
  /** `--baseline-history TAG`: pool the last runs with this tag (`k=v`, or a value of any tag) from the history. */
  baselineHistory?: string;
  /** `--last N`: with `--baseline-history`, how many recent runs to pool. @default 5 */
  last?: string | number;
  /** `--db FILE`: with `--baseline-history`, the history database. @default "splleed.db" */
  db?: string;
  /** `--threshold id=change`, repeated, each parsed by {@linkcode parseThreshold}. @default [] */
  threshold?: string[];
  /** `--policy`: `significant` or `point`. @default "significant" */
  policy?: string;
  /** `--alpha`: significance level. @default 0.05 */
  alpha?: number;
  /** `--test`: `welch` or `mann-whitney`. @default "welch" */
  test?: string;
  /** `--markdown`: Markdown on stdout (for a pull-request comment). */
  markdown?: boolean;
  /** `--json`: the verdicts as JSON on stdout. */
  json?: boolean;
}

/**
 * Parses one `--threshold` value: `METRIC_ID=CHANGE`, the change a percent
 * (`+10%`, `-5 %`) or a fraction (`0.1`, `-0.05`).
 *
 * @param value The flag's value.
 * @returns The metric id and the relative change.
 * @throws {ConfigError} When it is not `id=change` with a number.
 *
 * @example
 * ```ts
 * import { parseThreshold } from "./check.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseThreshold("ttft_p99_ms=+10%"), ["ttft_p99_ms", 0.1]);
 * assert.deepEqual(parseThreshold("throughput_tokens_per_sec=-0.05"), ["throughput_tokens_per_sec", -0.05]);
 * assert.deepEqual(parseThreshold(" itl_p50_ms = 2.5 % "), ["itl_p50_ms", 0.025]);
 * assert.throws(() => parseThreshold("ttft_p99_ms"), /'--threshold' must be METRIC_ID=CHANGE/);
 * assert.throws(() => parseThreshold("ttft_p99_ms=ten%"), /got "ttft_p99_ms=ten%"/);
 * ```
 */
export function parseThreshold(value: string): [string, number] {
  const m = /^\s*([A-Za-z0-9_]+)\s*=\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*(%?)\s*$/i.exec(
    value,
  );
  if (!m) {
    throw new ConfigError("regression check", [{
      path: "--threshold",
      expected: "METRIC_ID=CHANGE with a percent or a fraction, such as ttft_p99_ms=+10% " +
        "or throughput_tokens_per_sec=-0.05",
      received: JSON.stringify(value),
    }]);
  }
  const n = Number(m[2]);
  return [m[1], m[3] === "%" ? n / 100 : n];
}

/**
 * Runs `splleed check`.
 *
 * @param current Path of the current run's results document.
 * @param flags The options given, converted.
 * @param io Where output goes.
 * @returns 0 when nothing regresses, 1 when something does, 2 on bad input.
 *
 * @example
 * ```ts
 * import { checkCommand } from "./check.ts";
 * import { memoryIO } from "../memory_io.ts";
 * import assert from "node:assert/strict";
 *
 * const io = memoryIO();
 * assert.equal(await checkCommand("current.json", { threshold: ["ttft_p99_ms=+10%"] }, io), 2);
 * assert.match(io.stderr, /'--baseline' must be the baseline results file/);
 * ```
 */
export async function checkCommand(
  current: string | undefined,
  flags: CheckFlags,
  io: CliIO,
): Promise<number> {
  const usage = (path: string, expected: string, received: string) =>
    reportError(new ConfigError("regression check", [{ path, expected, received }]), io);
  if (flags.baseline !== undefined && flags.baselineHistory !== undefined) {
    return usage(
      "--baseline",
      "absent when --baseline-history is given (one baseline)",
      "both --baseline and --baseline-history",
    );
  }
  if (flags.baseline === undefined && flags.baselineHistory === undefined) {
    return usage(
      "--baseline",
      "the baseline results file (--baseline BASE.json), or --baseline-history TAG",
      "nothing",
    );
  }
  if (flags.baselineHistory === undefined && (flags.last !== undefined || flags.db !== undefined)) {
    return usage(
      flags.last !== undefined ? "--last" : "--db",
      "given only with --baseline-history",
      "it with --baseline",
    );
  }
  let last = 5;
  if (flags.last !== undefined) {
    const n = typeof flags.last === "number"
      ? flags.last
      : /^\s*\d+\s*$/.test(flags.last)
      ? Number(flags.last)
      : NaN;
    if (!(Number.isInteger(n) && n > 0)) {
      return usage("--last", "a positive integer", JSON.stringify(String(flags.last)));
    }
    last = n;
  }
  if (current === undefined) {
    return usage(
      "CURRENT",
      "the current run's results file (splleed check ... CURRENT.json)",
      "nothing",
    );
  }
  if (flags.markdown && flags.json) {
    return usage("--markdown", "absent when --json is given (one output format)", "both");
  }
  if ((flags.threshold ?? []).length === 0) {
    return usage(
      "--threshold",
      "given at least once, such as --threshold ttft_p99_ms=+10%",
      "nothing",
    );
  }
  const thresholds: Record<string, number> = {};
  let given: [string, number][];
  try {
    given = (flags.threshold ?? []).map(parseThreshold);
  } catch (err) {
    return reportError(err, io);
  }
  for (const [id, t] of given) {
    if (id in thresholds && thresholds[id] !== t) {
      return usage(
        `--threshold ${id}`,
        "given once",
        `${thresholds[id]} and ${t}`,
      );
    }
    thresholds[id] = t;
  }
  let base: ResultsDocument | undefined, cur: ResultsDocument;
  let pooled: HistoryRun[] | null = null;
  try {
    if (flags.baselineHistory === undefined) base = await read(flags.baseline!, "--baseline");
    cur = await read(current, "CURRENT");
    if (flags.baselineHistory !== undefined) {
      const tag = flags.baselineHistory;
      const i = tag.indexOf("=");
      const { baseline, runs } = baselineFromHistory({
        db: flags.db ?? "splleed.db",
        where: i > 0 ? { [tag.slice(0, i)]: tag.slice(i + 1) } : {},
        ...(i > 0 ? {} : { tagValue: tag }),
        last,
        current: cur,
      });
      base = baseline;
      pooled = runs;
    }
  } catch (err) {
    const code = reportError(err, io);
    return err instanceof ResultsFormatError || err instanceof ConfigError ||
        err instanceof HistoryError
      ? EXIT.usage
      : code;
  }
  let check: RegressionCheck;
  try {
    check = new RegressionCheck({
      baseline: base!,
      current: cur,
      thresholds,
      ...(flags.policy !== undefined ? { policy: flags.policy as "significant" } : {}),
      ...(flags.alpha !== undefined ? { alpha: flags.alpha } : {}),
      ...(flags.test !== undefined ? { test: flags.test as "welch" } : {}),
    });
  } catch (err) {
    return reportError(err, io);
  }
  if (flags.json) {
    io.out(
      JSON.stringify(
        pooled === null ? check.toJSON() : { baselineRuns: pooled, ...check.toJSON() },
        null,
        2,
      ) + "\n",
    );
  } else if (flags.markdown) {
    if (pooled !== null) io.out(pooledText(pooled, true) + "\n");
    io.out(check.toMarkdown());
  } else {
    if (pooled !== null) io.out(pooledText(pooled, false) + "\n");
    io.out(check.report(io.isTerminal) + "\n");
  }
  return check.hasRegressions() ? EXIT.failure : EXIT.ok;
}

/**
 * Reads a results document; a file that cannot be read is bad input (exit 2),
 * said as what was expected and what was found.
 */
async function read(path: string, flag: string): Promise<ResultsDocument> {
  try {
    return await RegressionCheck.loadBaseline(path);
  } catch (err) {
    const found = err instanceof Deno.errors.NotFound
      ? "no such file"
      : err instanceof Deno.errors.IsADirectory
      ? "a directory"
      : err instanceof Deno.errors.PermissionDenied
      ? "a file it may not read"
      : null;
    if (found === null) throw err;
    throw new ConfigError("regression check", [{
      path: flag,
      expected: "a results document (the results.json of splleed run --out)",
      received: `${JSON.stringify(path)} (${found})`,
    }]);
  }
}

/** The runs a baseline was pooled from: one line each (id, start, tags). */
function pooledText(runs: readonly HistoryRun[], markdown: boolean): string {
  const lines = runs.map((r) => {
    const tags = Object.entries(r.tags).map(([k, v]) => `${k}=${v}`).join(" ");
    const line = `run ${r.id}  ${r.startedAt}${tags !== "" ? `  ${tags}` : ""}`;
    return markdown ? `- ${line}` : `  ${line}`;
  });
  const head =
    `Baseline: ${runs.length} run${runs.length === 1 ? "" : "s"} from the history, pooled` +
    (runs[0].fingerprint !== null ? ` (workload ${runs[0].fingerprint.slice(0, 12)})` : "") + ":";
  return [head, ...lines, ""].join("\n");
}
