/**
 * The history of runs, wired for `benchmark({ history })` and the CLI:
 * adding runs, listing them, a metric's trend with its change points, and
 * the pooled baseline of the last N comparable runs for `splleed check
 * --baseline-history`.
 *
 * @module
 */

import { poolRuns } from "../analysis/pool.ts";
import { buildTrend, type Trend, type TrendPoint } from "../analysis/trend.ts";
import { ConfigError } from "../config/errors.ts";
import {
  type HistoryPoint,
  type HistoryQuery,
  type HistoryRun,
  HistoryStore,
} from "../history/store.ts";
import type { ResultsDocument } from "../results/document.ts";
import type { ChangePointOptions } from "../stats/changepoint.ts";
import type { Assert, Deep, Equal } from "../util/type_equal.ts";

// The store's points are the trend's points: history/ may not import analysis/, so the type is
// declared twice, and this keeps the two the same.
type _SamePoint = Assert<Equal<Deep<HistoryPoint>, Deep<TrendPoint>>>;

export { HistoryError, type HistoryProblem } from "../history/errors.ts";
export type { HistoryPoint, HistoryQuery, HistoryRun } from "../history/store.ts";

/** Where runs are added (`benchmark({ history })`, `splleed history add`). */
export interface HistoryOptions {
  /** The history database file (created when absent). */
  db: string;
  /** Tags stored with the run (`branch`, `commit`, ...). @default {} */
  tags?: Record<string, string>;
}

/**
 * Adds a finished run to a history.
 *
 * @param options The database and the run's tags.
 * @param doc The run's results document (`results.toJSON()`).
 * @returns The run's id in the history.
 * @throws {HistoryError} When the file is not a history this splleed can write.
 *
 * @example
 * ```ts
 * import { addToHistory } from "./history.ts";
 * import { fixtureDocument } from "../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * assert.equal(await addToHistory({ db: `${dir}/h.db`, tags: { branch: "main" } }, fixtureDocument([])), 1);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function addToHistory(options: HistoryOptions, doc: ResultsDocument): Promise<number> {
  return Promise.resolve(addRunsToHistory(options, [doc])[0]);
}

/**
 * Adds several runs to a history (one transaction each), in the order given.
 *
 * @param options The database and the runs' tags.
 * @param docs The runs' results documents.
 * @returns Their ids.
 * @throws {HistoryError} When the file is not a history this splleed can write.
 *
 * @example
 * ```ts
 * import { addRunsToHistory } from "./history.ts";
 * import { fixtureDocument } from "../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * assert.deepEqual(addRunsToHistory({ db: `${dir}/h.db` }, [fixtureDocument([]), fixtureDocument([])]), [1, 2]);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function addRunsToHistory(
  options: HistoryOptions,
  docs: readonly ResultsDocument[],
): number[] {
  const store = HistoryStore.open(options.db);
  try {
    return docs.map((d) => store.add(d, { tags: options.tags ?? {} }));
  } finally {
    store.close();
  }
}

/**
 * Opens a history for writing and closes it: creates the file (and its
 * schema) when it is not there, upgrades an older one, and refuses one
 * that is not a history or was written by a newer splleed. `benchmark()`
 * calls it before the first request, so a run is never lost to a history
 * it could not be added to.
 *
 * @param db The history database file.
 * @throws {HistoryError} When the file is not a history this splleed can write.
 *
 * @example
 * ```ts
 * import { checkHistoryWritable, HistoryError } from "./history.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * checkHistoryWritable(`${dir}/h.db`);
 * Deno.writeTextFileSync(`${dir}/notes.txt`, "not a database at all, just some text");
 * assert.throws(() => checkHistoryWritable(`${dir}/notes.txt`), HistoryError);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function checkHistoryWritable(db: string): void {
  HistoryStore.open(db).close();
}

/**
 * The runs of a history a query selects, oldest first. A `fingerprint`
 * shorter than a full hash matches as a prefix (the 12 characters `history
 * list` shows).
 *
 * @param db The history database file.
 * @param query Which runs. @default {}
 * @returns The runs.
 * @throws {HistoryError} When there is no such history, or it cannot be read.
 *
 * @example
 * ```ts
 * import { addToHistory, listHistory } from "./history.ts";
 * import { fixtureDocument } from "../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * await addToHistory({ db: `${dir}/h.db`, tags: { branch: "main" } }, fixtureDocument([]));
 * assert.deepEqual(listHistory(`${dir}/h.db`, { where: { branch: "main" } })[0].tags, { branch: "main" });
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function listHistory(db: string, query: HistoryQuery = {}): HistoryRun[] {
  const store = HistoryStore.open(db, { readonly: true });
  try {
    const prefix = query.fingerprint !== undefined && query.fingerprint.length < 64
      ? query.fingerprint
      : undefined;
    if (prefix === undefined) return store.list(query);
    const runs = store.list({ ...query, fingerprint: undefined, last: undefined })
      .filter((r) => r.fingerprint?.startsWith(prefix));
    return query.last !== undefined ? runs.slice(-query.last) : runs;
  } finally {
    store.close();
  }
}

/** What {@linkcode historyTrend} reads. */
export interface HistoryTrendOptions {
  /** The history database file. */
  db: string;
  /** Metric id (`ttft_p99_ms`). */
  metric: string;
  /** Level label (`c=16`, `r=8/s`, `burst 100`). */
  level: string;
  /** Tags the runs must have. @default {} */
  where?: Record<string, string>;
  /** Engine the runs must have. @default undefined (any) */
  engine?: string;
  /** Model the runs must have. @default undefined (any) */
  model?: string;
  /**
   * The workload fingerprint (a full hash or a prefix), or `any` for runs
   * of every workload.
   * @default the newest matching run's fingerprint
   */
  fingerprint?: string;
  /** Only the newest N runs. @default undefined (all) */
  last?: number;
  /** Options of the change-point search. @default {} */
  changePoints?: ChangePointOptions;
}

/** A trend read from a history, with what was left out. */
export interface HistoryTrend {
  /** The trend and its change points. */
  trend: Trend;
  /** The fingerprint the runs share (null: `any`, or runs without one). */
  fingerprint: string | null;
  /** Whether the fingerprint was chosen as the newest run's (no `fingerprint` given). */
  fingerprintDefaulted: boolean;
  /** Matching runs of other workloads that were left out. */
  otherWorkloads: number;
}

/**
 * One metric at one level across a history's runs, with change points.
 * Without `fingerprint`, only runs of the newest run's workload are taken
 * (runs are compared like for like); `otherWorkloads` counts those left out.
 *
 * @param options The database, metric, level and which runs.
 * @returns The trend.
 * @throws {ConfigError} When no run matches, the metric or level is one no
 *   matching run has (the message names those there are), or no run has
 *   the fingerprint given.
 * @throws {HistoryError} When there is no such history, or it cannot be read.
 *
 * @example
 * ```ts
 * import { addToHistory, historyTrend } from "./history.ts";
 * import { fixtureDocument } from "../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * const db = `${dir}/h.db`;
 * for (const v of [40, 41, 40]) {
 *   await addToHistory({ db }, fixtureDocument([{ mode: "latency", concurrency: 4, errors: {}, trials: [],
 *     summary: { ttft_p99_ms: { value: v, ci: null, trials: [v] } } }]));
 * }
 * const { trend } = historyTrend({ db, metric: "ttft_p99_ms", level: "c=4" });
 * assert.deepEqual(trend.points.map((p) => p.value), [40, 41, 40]);
 * assert.throws(() => historyTrend({ db, metric: "ttft_p99_ms", level: "c=8" }), /the history has: c=4/);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function historyTrend(options: HistoryTrendOptions): HistoryTrend {
  const store = HistoryStore.open(options.db, { readonly: true });
  try {
    const query: HistoryQuery = {
      ...(options.where !== undefined ? { where: options.where } : {}),
      ...(options.engine !== undefined ? { engine: options.engine } : {}),
      ...(options.model !== undefined ? { model: options.model } : {}),
    };
    const bad = (path: string, expected: string, received: string) =>
      new ConfigError("history trend", [{ path, expected, received }]);
    const runs = store.list(query).length;
    if (runs === 0) {
      throw bad(
        "--where",
        `tags, engine and model that some run of ${options.db} has`,
        `no matching run (${store.list().length} runs in all)`,
      );
    }
    const metrics = store.metricIds(query);
    if (!metrics.includes(options.metric)) {
      throw bad(
        "--metric",
        `a metric id the history has: ${metrics.join(", ") || "none"}`,
        JSON.stringify(options.metric),
      );
    }
    const levels = store.levelLabels(query);
    if (!levels.includes(options.level)) {
      throw bad(
        "--level",
        `a level the history has: ${levels.join(", ")}`,
        JSON.stringify(options.level),
      );
    }
    const all = store.points(options.metric, options.level, query);
    if (all.length === 0) {
      const withMetric = levels.filter((l) => store.metricIds(query, l).includes(options.metric));
      throw bad(
        "--level",
        `a level at which the history has ${options.metric}: ${withMetric.join(", ")}`,
        JSON.stringify(options.level),
      );
    }
    const given = options.fingerprint;
    let points: HistoryPoint[];
    let fingerprint: string | null;
    if (given === "any") {
      points = all;
      fingerprint = null;
    } else if (given !== undefined) {
      points = all.filter((p) => p.fingerprint?.startsWith(given));
      if (points.length === 0) {
        const known = [...new Set(all.map((p) => p.fingerprint?.slice(0, 12) ?? "none"))];
        throw bad(
          "--fingerprint",
          `the fingerprint of some matching run (${known.join(", ")}) or any`,
          JSON.stringify(given),
        );
      }
      fingerprint = points[points.length - 1].fingerprint;
    } else {
      fingerprint = all[all.length - 1].fingerprint;
      points = all.filter((p) => p.fingerprint === fingerprint);
    }
    const otherWorkloads = all.length - points.length;
    if (options.last !== undefined) points = points.slice(-options.last);
    return {
      trend: buildTrend(options.metric, options.level, points, options.changePoints ?? {}),
      fingerprint,
      fingerprintDefaulted: given === undefined,
      otherWorkloads,
    };
  } finally {
    store.close();
  }
}

/** What {@linkcode baselineFromHistory} reads. */
export interface BaselineFromHistoryOptions {
  /** The history database file. */
  db: string;
  /** Tags the baseline runs must have (`{ branch: "main" }`). */
  where: Record<string, string>;
  /** A value some tag of each baseline run must have, whatever its key (`main`). @default undefined */
  tagValue?: string;
  /** How many of the newest comparable runs to pool. */
  last: number;
  /** The run to check: the baseline runs have its workload fingerprint, and it is never one of them. */
  current: ResultsDocument;
}

/**
 * The baseline of a CI gate from a history: the trials of the last N runs
 * with the tags and the current run's workload fingerprint, pooled
 * ({@linkcode poolRuns}). The current run is left out when it is already
 * stored (same `startedAt` and fingerprint).
 *
 * @param options The database, tags, N and the current run.
 * @returns The pooled baseline and the runs in it, oldest first.
 * @throws {ConfigError} When the current run has no fingerprint, `last` is
 *   not a positive integer, or no run matches (the message says how many
 *   runs have the tags, and how many of those this fingerprint).
 * @throws {HistoryError} When there is no such history, or it cannot be read.
 *
 * @example
 * ```ts
 * import { addToHistory, baselineFromHistory } from "./history.ts";
 * import { fixtureDocument } from "../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * const db = `${dir}/h.db`;
 * const workload = { promptCount: 1, inputLen: { p50: 8, p95: 8, p99: 8 }, outputLenRequested: null,
 *   commonPrefix: { tokens: 0, share: 0 }, systemPromptDetected: false, systemPrompt: null,
 *   tokenizer: { name: "o200k_base", kind: "default" as const }, sampling: {},
 *   sha256: "f".repeat(64), itemsSha256: "f".repeat(64) };
 * const run = (startedAt: string) => ({ ...fixtureDocument([]), startedAt, workload });
 * await addToHistory({ db, tags: { branch: "main" } }, run("2026-01-01T00:00:00Z"));
 * await addToHistory({ db, tags: { branch: "main" } }, run("2026-01-02T00:00:00Z"));
 * const { runs } = baselineFromHistory({ db, where: { branch: "main" }, last: 5,
 *   current: run("2026-01-02T00:00:00Z") });
 * assert.deepEqual(runs.map((r) => r.id), [1]);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function baselineFromHistory(
  options: BaselineFromHistoryOptions,
): { baseline: ResultsDocument; runs: HistoryRun[] } {
  const bad = (path: string, expected: string, received: string) =>
    new ConfigError("regression check", [{ path, expected, received }]);
  if (!(Number.isInteger(options.last) && options.last > 0)) {
    throw bad("--last", "a positive integer", String(options.last));
  }
  const sha = options.current.workload?.sha256;
  if (sha === undefined) {
    throw bad(
      "CURRENT",
      "a run with a workload fingerprint (the history's baseline runs are matched by it)",
      "a document without 'workload'",
    );
  }
  const store = HistoryStore.open(options.db, { readonly: true });
  try {
    const tagged = store.list({
      where: options.where,
      ...(options.tagValue !== undefined ? { tagValue: options.tagValue } : {}),
    });
    const sameWorkload = tagged.filter((r) => r.fingerprint === sha);
    const earlier = sameWorkload.filter((r) => r.startedAt !== options.current.startedAt);
    const runs = earlier.slice(-options.last);
    if (runs.length === 0) {
      const what = [
        ...Object.entries(options.where).map(([k, v]) => `${k}=${v}`),
        ...(options.tagValue !== undefined ? [`a tag with value ${options.tagValue}`] : []),
      ].join(" and ") || "no tag";
      throw bad(
        "--baseline-history",
        `tags that earlier runs of this workload (fingerprint ${
          sha.slice(0, 12)
        }) have in ${options.db}`,
        `${tagged.length} run${tagged.length === 1 ? "" : "s"} with ${what}, ` +
          `${sameWorkload.length} of them with this fingerprint` +
          (sameWorkload.length > earlier.length ? " (the current run itself)" : ""),
      );
    }
    const docs = runs.map((r) => store.document(r.id));
    const names = runs.map((r) => {
      const tags = Object.entries(r.tags).map(([k, v]) => `${k}=${v}`).join(" ");
      return `run ${r.id} (${r.startedAt}${tags !== "" ? `, ${tags}` : ""})`;
    });
    return { baseline: poolRuns(docs, { names }), runs };
  } finally {
    store.close();
  }
}
