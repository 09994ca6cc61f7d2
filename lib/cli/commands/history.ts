/**
 * `splleed history add|list|trend`: a history of runs in one SQLite file.
 * `add` stores results files with tags, `list` shows the runs a query
 * selects, `trend` shows one metric at one level across runs with its change
 * points (console, `--json` or `--html`). Exit 0 on success, 2 on bad input
 * (a file that is not a results document or not a history, a malformed
 * `--tag`, an unknown metric or level), 1 on other failures.
 *
 * @module
 */

import { ConfigError } from "../../config/errors.ts";
import type { ResultsDocument } from "../../results/document.ts";
import { ResultsFormatError } from "../../results/errors.ts";
import { levelLabel } from "../../results/level_label.ts";
import { readResults } from "../../results/read.ts";
import { renderTrendHtml } from "../../report/html/trend.ts";
import { renderTrend } from "../../report/trend.ts";
import {
  addRunsToHistory,
  HistoryError,
  type HistoryQuery,
  type HistoryRun,
  historyTrend,
  listHistory,
} from "../../runner/history.ts";
import { type CliIO, EXIT, reportError } from "../io.ts";

/** The history database used when `--db` is not given. */
export const DEFAULT_HISTORY_DB = "splleed.db";

/** Options every `history` subcommand shares. */
export interface HistoryCommonFlags {
  /** `--db`: the history database file. @default "splleed.db" */
  db?: string;
}

/** The options of `history add`. */
export interface HistoryAddFlags extends HistoryCommonFlags {
  /** `--tag k=v`, repeated. @default [] */
  tag?: string[];
}

/** The options of `history list`. */
export interface HistoryListFlags extends HistoryCommonFlags {
  /** `--where k=v`, repeated: tags a run must have. @default [] */
  where?: string[];
  /** `--fingerprint HASH` (or its first characters). */
  fingerprint?: string;
  /** `--engine`. */
  engine?: string;
  /** `--model`. */
  model?: string;
  /** `--last N`: the newest N runs (text as given; checked here). */
  last?: string;
  /** `--json`: the runs as JSON. */
  json?: boolean;
}

/** The options of `history trend`. */
export interface HistoryTrendFlags extends HistoryListFlags {
  /** `--metric`: the metric id. */
  metric?: string;
  /** `--level`: the level label (`c=16`, `r=8/s`, `burst 100`). */
  level?: string;
  /** `--html FILE`: also write the plot. */
  html?: string;
}

/**
 * Parses `key=value` pairs (`--tag`, `--where`) into a record.
 *
 * @param values The flag's values.
 * @param flag The flag, for messages.
 * @returns Key → value.
 * @throws {ConfigError} When one is not `key=value` with a key, or a key is given twice with different values.
 *
 * @example
 * ```ts
 * import { parseTags } from "./history.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseTags(["branch=main", "commit=abc=1"], "--tag"), { branch: "main", commit: "abc=1" });
 * assert.throws(() => parseTags(["main"], "--tag"), /'--tag' must be KEY=VALUE, such as branch=main, got "main"/);
 * ```
 */
export function parseTags(values: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf("=");
    const key = i > 0 ? v.slice(0, i).trim() : "";
    if (key === "") {
      throw new ConfigError("history", [{
        path: flag,
        expected: "KEY=VALUE, such as branch=main",
        received: JSON.stringify(v),
      }]);
    }
    const value = v.slice(i + 1).trim();
    if (key in out && out[key] !== value) {
      throw new ConfigError("history", [{
        path: `${flag} ${key}`,
        expected: "given once",
        received: `${JSON.stringify(out[key])} and ${JSON.stringify(value)}`,
      }]);
    }
    out[key] = value;
  }
  return out;
}

/**
 * Parses `--last`: a positive integer.
 *
 * @param value The flag's text, or undefined.
 * @returns The number, or undefined.
 * @throws {ConfigError} When it is not a positive integer.
 *
 * @example
 * ```ts
 * import { parseLast } from "./history.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseLast("5"), 5);
 * assert.equal(parseLast(undefined), undefined);
 * assert.throws(() => parseLast("0"), /'--last' must be a positive integer, got "0"/);
 * ```
 */
export function parseLast(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === "number" ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!(Number.isInteger(n) && n > 0)) {
    throw new ConfigError("history", [{
      path: "--last",
      expected: "a positive integer",
      received: JSON.stringify(String(value)),
    }]);
  }
  return n;
}

/**
 * Levels as one short text: `c=1,4,16` when all are concurrency levels,
 * else the labels joined.
 *
 * @param labels Level labels.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { levelsText } from "./history.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(levelsText(["c=1", "c=4", "c=16"]), "c=1,4,16");
 * assert.equal(levelsText(["r=2/s", "r=inf"]), "r=2/s,r=inf");
 * ```
 */
export function levelsText(labels: readonly string[]): string {
  if (labels.length > 0 && labels.every((l) => /^c=\d+$/.test(l))) {
    return `c=${labels.map((l) => l.slice(2)).join(",")}`;
  }
  return labels.join(",");
}

/** An error as an exit code: bad input (a history or document that cannot be read, a ConfigError) is 2. */
function fail(err: unknown, io: CliIO): number {
  const code = reportError(err, io);
  return err instanceof HistoryError || err instanceof ResultsFormatError ||
      err instanceof ConfigError
    ? EXIT.usage
    : code;
}

/** Reads a results file; a missing one is bad input, named. */
async function readDocument(path: string): Promise<ResultsDocument> {
  try {
    return await readResults(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.IsADirectory) {
      throw new ConfigError("history", [{
        path: "RESULTS",
        expected: "a results document (the results.json of splleed run --out)",
        received: `${JSON.stringify(path)} (${
          err instanceof Deno.errors.NotFound ? "no such file" : "a directory"
        })`,
      }]);
    }
    throw err;
  }
}

/**
 * Runs `splleed history add FILE... [--db] [--tag k=v ...]`: stores each
 * results file (all read and checked first, so a bad file adds nothing).
 *
 * @param files Results files.
 * @param flags The options given.
 * @param io Where output goes.
 * @returns 0, or 2 on bad input.
 *
 * @example
 * ```ts
 * import { historyAddCommand } from "./history.ts";
 * import { memoryIO } from "../memory_io.ts";
 * import assert from "node:assert/strict";
 *
 * const io = memoryIO();
 * assert.equal(await historyAddCommand(["missing.json"], {}, io), 2);
 * assert.match(io.stderr, /'RESULTS' must be a results document .*"missing.json" \(no such file\)/);
 * ```
 */
export async function historyAddCommand(
  files: readonly string[],
  flags: HistoryAddFlags,
  io: CliIO,
): Promise<number> {
  try {
    const tags = parseTags(flags.tag ?? [], "--tag");
    const docs: ResultsDocument[] = [];
    for (const f of files) docs.push(await readDocument(f));
    const ids = addRunsToHistory({ db: flags.db ?? DEFAULT_HISTORY_DB, tags }, docs);
    docs.forEach((d, i) => {
      const what = [
        typeof d.backend.kind === "string" ? d.backend.kind : "unknown",
        ...(typeof d.backend.model === "string" && d.backend.model !== "" ? [d.backend.model] : []),
        levelsText(d.levels.map(levelLabel)) || "no levels",
        d.startedAt,
      ];
      io.out(`added run ${ids[i]} (${what.join(" · ")})\n`);
    });
    return EXIT.ok;
  } catch (err) {
    return fail(err, io);
  }
}

function queryFrom(flags: HistoryListFlags): HistoryQuery {
  const where = parseTags(flags.where ?? [], "--where");
  const last = parseLast(flags.last);
  return {
    ...(Object.keys(where).length > 0 ? { where } : {}),
    ...(flags.fingerprint !== undefined ? { fingerprint: flags.fingerprint } : {}),
    ...(flags.engine !== undefined ? { engine: flags.engine } : {}),
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(last !== undefined ? { last } : {}),
  };
}

/**
 * The runs as a table: id, started, engine, model, levels, fingerprint (12
 * characters), tags.
 *
 * @param runs The runs.
 * @returns The table's text (a line saying so when there are none).
 *
 * @example
 * ```ts
 * import { runsTable } from "./history.ts";
 * import assert from "node:assert/strict";
 *
 * const t = runsTable([{ id: 7, startedAt: "2026-05-01T02:00:00.000Z", finishedAt: "", addedAt: "",
 *   engine: "vllm", model: "m", fingerprint: "0123456789abcdef", toolVersion: "0.1.0",
 *   sourceTool: null, interrupted: false, tags: { branch: "main" }, levels: ["c=1", "c=4"] }]);
 * assert.match(t, /^id +started +engine +model +levels +fingerprint +tags\n7 +2026-05-01 02:00:00 +vllm +m +c=1,4 +0123456789ab +branch=main\n$/);
 * assert.equal(runsTable([]), "no runs\n");
 * ```
 */
export function runsTable(runs: readonly HistoryRun[]): string {
  if (runs.length === 0) return "no runs\n";
  const rows = [
    ["id", "started", "engine", "model", "levels", "fingerprint", "tags"],
    ...runs.map((r) => [
      String(r.id),
      r.startedAt.replace("T", " ").replace(/\.\d+Z$|Z$/, ""),
      r.engine + (r.sourceTool !== null ? ` (${r.sourceTool})` : ""),
      r.model ?? "-",
      levelsText(r.levels) || "-",
      r.fingerprint?.slice(0, 12) ?? "-",
      Object.entries(r.tags).map(([k, v]) => `${k}=${v}`).join(" ") +
      (r.interrupted ? " (interrupted)" : ""),
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd())
    .join("\n") + "\n";
}

/**
 * Runs `splleed history list [--db] [--where k=v ...] [--fingerprint]
 * [--engine] [--model] [--last N] [--json]`.
 *
 * @param flags The options given.
 * @param io Where output goes.
 * @returns 0, or 2 on bad input.
 *
 * @example
 * ```ts
 * import { historyListCommand } from "./history.ts";
 * import { memoryIO } from "../memory_io.ts";
 * import assert from "node:assert/strict";
 *
 * const io = memoryIO();
 * assert.equal(await historyListCommand({ db: "/nonexistent/h.db" }, io), 2);
 * assert.match(io.stderr, /no history database at \/nonexistent\/h\.db/);
 * ```
 */
export function historyListCommand(flags: HistoryListFlags, io: CliIO): Promise<number> {
  try {
    const runs = listHistory(flags.db ?? DEFAULT_HISTORY_DB, queryFrom(flags));
    io.out(flags.json ? JSON.stringify(runs, null, 2) + "\n" : runsTable(runs));
    return Promise.resolve(EXIT.ok);
  } catch (err) {
    return Promise.resolve(fail(err, io));
  }
}

/**
 * Runs `splleed history trend --metric ID --level LABEL [--where k=v ...]
 * [--fingerprint HASH|any] [--engine] [--model] [--last N] [--json]
 * [--html FILE]`. Without `--fingerprint`, the runs of the newest run's
 * workload; a note on stderr says how many runs of other workloads were
 * left out and how to include them.
 *
 * @param flags The options given.
 * @param io Where output goes.
 * @returns 0, or 2 on bad input.
 *
 * @example
 * ```ts
 * import { historyTrendCommand } from "./history.ts";
 * import { memoryIO } from "../memory_io.ts";
 * import assert from "node:assert/strict";
 *
 * const io = memoryIO();
 * assert.equal(await historyTrendCommand({ level: "c=1" }, io), 2);
 * assert.match(io.stderr, /'--metric' must be a metric id, such as ttft_p99_ms, got nothing/);
 * ```
 */
export async function historyTrendCommand(flags: HistoryTrendFlags, io: CliIO): Promise<number> {
  try {
    for (
      const [flag, value, example] of [[
        "--metric",
        flags.metric,
        "a metric id, such as ttft_p99_ms",
      ], [
        "--level",
        flags.level,
        "a level label, such as c=16, r=8/s or 'burst 100'",
      ]] as const
    ) {
      if (value === undefined) {
        throw new ConfigError("history trend", [{
          path: flag,
          expected: example,
          received: "nothing",
        }]);
      }
    }
    const query = queryFrom(flags);
    const db = flags.db ?? DEFAULT_HISTORY_DB;
    const r = historyTrend({
      db,
      metric: flags.metric!,
      level: flags.level!,
      ...query,
    });
    if (r.fingerprintDefaulted && r.otherWorkloads > 0) {
      io.err(
        `note: ${r.otherWorkloads} run${r.otherWorkloads === 1 ? "" : "s"} of other workloads ` +
          `left out (shown: the newest run's workload, fingerprint ${
            r.fingerprint?.slice(0, 12) ?? "none"
          }); --fingerprint HASH shows another, --fingerprint any all of them\n`,
      );
    }
    if (flags.html !== undefined) {
      await Deno.writeTextFile(flags.html, renderTrendHtml([r.trend]));
    }
    if (flags.json) {
      io.out(
        JSON.stringify(
          { ...r.trend, fingerprint: r.fingerprint, otherWorkloads: r.otherWorkloads },
          null,
          2,
        ) + "\n",
      );
    } else {
      io.out(renderTrend(r.trend, { color: io.isTerminal }) + "\n");
      if (flags.html !== undefined) io.err(`wrote ${flags.html}\n`);
    }
    return EXIT.ok;
  } catch (err) {
    return fail(err, io);
  }
}
