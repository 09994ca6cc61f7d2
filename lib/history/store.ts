/**
 * The history of runs: one SQLite file (`node:sqlite`, no server) holding
 * each results document with its tags, engine, model, workload fingerprint
 * and every level's summary and per-trial values in tables, so a query for
 * a metric's series reads rows, never JSON.
 *
 * The file is in WAL mode with a busy timeout: a second process that adds a
 * run at the same moment waits for the first instead of failing, and
 * readers never block writers. The schema is versioned (`PRAGMA
 * user_version`, `migrations.ts`); a file written by a newer splleed is
 * refused rather than misread.
 *
 * @module
 */

import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import type { ResultsDocument } from "../results/document.ts";
import { levelLabel } from "../results/level_label.ts";
import { parseResults } from "../results/read.ts";
import { HistoryError } from "./errors.ts";
import { migrate, newerError, SCHEMA_VERSION, userVersion } from "./migrations.ts";

export { HistoryError, type HistoryProblem } from "./errors.ts";

/** Which runs a query selects; every field given must hold (and). */
export interface HistoryQuery {
  /** Tag key → value; a run must have each. @default {} */
  where?: Record<string, string>;
  /** A run must have some tag (any key) with this value (`check --baseline-history main`). @default undefined */
  tagValue?: string;
  /** The workload fingerprint (`workload.sha256`). @default undefined (any) */
  fingerprint?: string;
  /** The engine (`backend.kind`). @default undefined (any) */
  engine?: string;
  /** The model (`backend.model`). @default undefined (any) */
  model?: string;
  /** Only the newest N matches (still returned oldest first). @default undefined (all) */
  last?: number;
}

/** One stored run, as `list` returns it. */
export interface HistoryRun {
  /** The run's id in this history. */
  id: number;
  /** The run's `startedAt` (ISO). */
  startedAt: string;
  /** The run's `finishedAt` (ISO). */
  finishedAt: string;
  /** When it was added to the history (ISO). */
  addedAt: string;
  /** `backend.kind` (`unknown` when the document has none). */
  engine: string;
  /** `backend.model`, or null. */
  model: string | null;
  /** `workload.sha256`, or null when the document has no fingerprint. */
  fingerprint: string | null;
  /** The splleed version that wrote the document. */
  toolVersion: string;
  /** `source.tool` for an imported run (`vllm-bench`, `guidellm`), else null. */
  sourceTool: string | null;
  /** Whether the run was cut short. */
  interrupted: boolean;
  /** Its tags. */
  tags: Record<string, string>;
  /** Its level labels (`levelLabel`), in the order run. */
  levels: string[];
}

/**
 * One run's value of one metric at one level (structurally the same as
 * `TrendPoint` in `lib/analysis/trend.ts`).
 */
export interface HistoryPoint {
  /** The history's run id. */
  runId: number;
  /** The run's `startedAt` (ISO). */
  startedAt: string;
  /** The run's tags. */
  tags: Record<string, string>;
  /** `backend.kind`. */
  engine: string;
  /** `backend.model` (empty when the document has none). */
  model: string;
  /** `workload.sha256`, or null. */
  fingerprint: string | null;
  /** The level's summary value (NaN when it had none). */
  value: number;
  /** Low end of its interval, when it has one. */
  low: number | null;
  /** High end of its interval, when it has one. */
  high: number | null;
  /** Per-trial values of the complete trials (all trials when none completed); NaN where missing. */
  trials: number[];
}

/** Options of {@linkcode HistoryStore.open}. */
export interface HistoryOpenOptions {
  /** Open without writing: no file is created, no migration applied. @default false */
  readonly?: boolean;
  /** How long a writer waits for another's lock, ms. @default 30000 */
  busyTimeoutMs?: number;
}

const SQLITE_HEADER = "SQLite format 3\0";

/** A number as stored: NaN and ±Infinity are not numbers SQLite keeps, so NULL. */
const real = (v: number | null | undefined): number | null =>
  typeof v === "number" && Number.isFinite(v) ? v : null;
/** A stored number read back: NULL is NaN. */
const num = (v: unknown): number => (typeof v === "number" ? v : NaN);

/**
 * A history of runs in one SQLite file.
 *
 * @example
 * ```ts
 * import { HistoryStore } from "./store.ts";
 * import { fixtureDocument } from "../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const store = HistoryStore.open(":memory:");
 * const doc = fixtureDocument([{ mode: "latency", concurrency: 4, errors: {},
 *   trials: [{ metrics: { ttft_p99_ms: 40 }, errors: {}, complete: true }],
 *   summary: { ttft_p99_ms: { value: 40, ci: null, trials: [40] } } }]);
 * const id = store.add(doc, { tags: { branch: "main" } });
 * assert.deepEqual(store.list({ where: { branch: "main" } }).map((r) => r.id), [id]);
 * assert.equal(store.points("ttft_p99_ms", "c=4")[0].value, 40);
 * assert.equal(store.document(id).levels[0].concurrency, 4);
 * store.close();
 * ```
 */
export class HistoryStore {
  /** The database file as given. */
  readonly path: string;
  readonly #db: DatabaseSync;

  private constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.#db = db;
  }

  /**
   * Opens (creating when absent, unless read-only) a history database and
   * brings its schema up to this splleed's version.
   *
   * @param path The file (`:memory:` for one in memory).
   * @param options Read-only, busy timeout.
   * @returns The store.
   * @throws {HistoryError} When the file is not SQLite, not a splleed
   *   history, written by a newer splleed, or (read-only) missing.
   *
   * @example
   * ```ts
   * import { HistoryStore } from "./store.ts";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => HistoryStore.open("/nonexistent/h.db", { readonly: true }), /no history database/);
   * ```
   */
  static open(path: string, options: HistoryOpenOptions = {}): HistoryStore {
    const readonly = options.readonly ?? false;
    if (path !== ":memory:") checkFile(path, readonly);
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path, { readOnly: readonly });
    } catch (err) {
      throw new HistoryError(
        path,
        "missing",
        `expected a file SQLite can ${
          readonly ? "open" : "open or create"
        } (does its folder exist, ` +
          `may it be written?), got: ${message(err)}`,
      );
    }
    try {
      db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 30000))}`);
      db.exec("PRAGMA foreign_keys = ON");
      const version = userVersion(db);
      if (version > SCHEMA_VERSION) throw newerError(path, version);
      if (!readonly) {
        if (path !== ":memory:") db.exec("PRAGMA journal_mode = WAL");
        migrate(db, path);
      } else if (version < SCHEMA_VERSION) {
        throw new HistoryError(
          path,
          "not_history",
          version === 0
            ? "expected a splleed history database, got a SQLite file without its tables"
            : `its schema is version ${version}, older than this splleed's ${SCHEMA_VERSION}; ` +
              "open it once without --readonly to upgrade it",
        );
      }
    } catch (err) {
      db.close();
      if (err instanceof HistoryError) throw err;
      if (/not a database|file is encrypted/i.test(message(err))) {
        throw new HistoryError(path, "not_sqlite", "expected a SQLite database, got another file");
      }
      throw err;
    }
    return new HistoryStore(path, db);
  }

  /**
   * Adds a run, in one transaction.
   *
   * @param doc The results document.
   * @param options Its tags. @default {}
   * @returns The run's id.
   * @throws {ResultsFormatError} When the document is not a valid results document.
   *
   * @example
   * ```ts
   * import { HistoryStore } from "./store.ts";
   * import { fixtureDocument } from "../results/fixtures.ts";
   * import assert from "node:assert/strict";
   *
   * const store = HistoryStore.open(":memory:");
   * assert.equal(store.add(fixtureDocument([])), 1);
   * assert.equal(store.add(fixtureDocument([]), { tags: { commit: "abc" } }), 2);
   * store.close();
   * ```
   */
  add(doc: ResultsDocument, options: { tags?: Record<string, string> } = {}): number {
    // Only a valid document goes in: what `document()` gives back must read.
    parseResults(JSON.parse(JSON.stringify(doc)), "the document added");
    const db = this.#db;
    const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
    db.exec("BEGIN IMMEDIATE");
    try {
      const { lastInsertRowid } = db.prepare(
        `INSERT INTO runs (started_at, finished_at, added_at, engine, model, fingerprint,
          tool_version, source_tool, interrupted, document)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        doc.startedAt,
        doc.finishedAt,
        new Date().toISOString(),
        str(doc.backend?.kind) ?? "unknown",
        str(doc.backend?.model),
        doc.workload?.sha256 ?? null,
        doc.tool.version,
        doc.source?.tool ?? null,
        doc.interrupted ? 1 : 0,
        JSON.stringify(doc),
      );
      const id = Number(lastInsertRowid);
      const tag = db.prepare("INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)");
      for (const [k, v] of Object.entries(options.tags ?? {})) tag.run(id, k, String(v));
      const level = db.prepare(
        `INSERT INTO levels (run_id, idx, label, mode, concurrency, request_rate)
         VALUES (?, ?, ?, ?, ?, ?)`,
      );
      const value = db.prepare(
        `INSERT INTO level_values (run_id, level_idx, label, metric, value, ci_low, ci_high, n_trials)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const trial = db.prepare(
        `INSERT INTO trial_values (run_id, level_idx, label, metric, trial, complete, value)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      doc.levels.forEach((l, i) => {
        const label = levelLabel(l);
        const rate = l.requestRate === "inf" ? Infinity : l.requestRate;
        // Infinity is stored as SQLite's REAL infinity (a rate, never a measurement).
        level.run(id, i, label, l.mode, l.concurrency, rate ?? null);
        for (const [metric, s] of Object.entries(l.summary)) {
          value.run(
            id,
            i,
            label,
            metric,
            real(s.value),
            real(s.ci?.[0]),
            real(s.ci?.[1]),
            s.trials.length,
          );
        }
        l.trials.forEach((t, j) => {
          for (const [metric, v] of Object.entries(t.metrics)) {
            trial.run(id, i, label, metric, j, t.complete ? 1 : 0, real(v));
          }
        });
      });
      db.exec("COMMIT");
      return id;
    } catch (err) {
      db.exec("ROLLBACK");
      throw err;
    }
  }

  /**
   * The runs a query selects, oldest first (by `startedAt`, then id).
   *
   * @param query Which runs. @default {}
   * @returns The runs.
   *
   * @example
   * ```ts
   * import { HistoryStore } from "./store.ts";
   * import { fixtureDocument } from "../results/fixtures.ts";
   * import assert from "node:assert/strict";
   *
   * const store = HistoryStore.open(":memory:");
   * for (const b of ["main", "dev", "main"]) store.add(fixtureDocument([]), { tags: { branch: b } });
   * assert.deepEqual(store.list({ where: { branch: "main" } }).map((r) => r.id), [1, 3]);
   * assert.deepEqual(store.list({ last: 1 }).map((r) => r.id), [3]);
   * assert.deepEqual(store.list({ tagValue: "dev" })[0].tags, { branch: "dev" });
   * store.close();
   * ```
   */
  list(query: HistoryQuery = {}): HistoryRun[] {
    const f = filter(query);
    const rows = this.#db.prepare(
      `SELECT * FROM runs r WHERE ${f.sql} ORDER BY r.started_at DESC, r.id DESC ${f.limit}`,
    ).all(...f.params).reverse();
    const levels = this.#db.prepare("SELECT label FROM levels WHERE run_id = ? ORDER BY idx");
    return rows.map((r) => ({
      id: Number(r.id),
      startedAt: String(r.started_at),
      finishedAt: String(r.finished_at),
      addedAt: String(r.added_at),
      engine: String(r.engine),
      model: r.model === null ? null : String(r.model),
      fingerprint: r.fingerprint === null ? null : String(r.fingerprint),
      toolVersion: String(r.tool_version),
      sourceTool: r.source_tool === null ? null : String(r.source_tool),
      interrupted: r.interrupted === 1,
      tags: this.#tags(Number(r.id)),
      levels: levels.all(Number(r.id)).map((l) => String(l.label)),
    }));
  }

  /**
   * A stored run's results document, as it was added (non-finite numbers
   * read back as NaN, as from a results file).
   *
   * @param runId The run's id.
   * @returns The document.
   * @throws {HistoryError} When the history has no such run.
   *
   * @example
   * ```ts
   * import { HistoryStore } from "./store.ts";
   * import { fixtureDocument } from "../results/fixtures.ts";
   * import assert from "node:assert/strict";
   *
   * const store = HistoryStore.open(":memory:");
   * const id = store.add(fixtureDocument([]));
   * assert.equal(store.document(id).startedAt, "2026-01-01T00:00:00.000Z");
   * assert.throws(() => store.document(99), /has no run 99/);
   * store.close();
   * ```
   */
  document(runId: number): ResultsDocument {
    const row = this.#db.prepare("SELECT document FROM runs WHERE id = ?").get(runId);
    if (row === undefined) {
      const n = this.#db.prepare("SELECT COUNT(*) AS n, MAX(id) AS max FROM runs").get()!;
      throw new HistoryError(
        this.path,
        "no_run",
        `it has no run ${runId} (it holds ${n.n} runs${
          n.max !== null ? `, ids up to ${n.max}` : ""
        })`,
      );
    }
    return parseResults(JSON.parse(String(row.document)), `history run ${runId}`);
  }

  /**
   * One metric at one level across the runs a query selects, oldest first:
   * the series a trend is built from. A run without that metric at that
   * level gives no point; `last` counts points.
   *
   * @param metric The metric id (`ttft_p99_ms`).
   * @param level The level label (`c=16`, `r=8/s`, `burst 100`).
   * @param query Which runs. @default {}
   * @returns The points.
   *
   * @example
   * ```ts
   * import { HistoryStore } from "./store.ts";
   * import { fixtureDocument } from "../results/fixtures.ts";
   * import assert from "node:assert/strict";
   *
   * const store = HistoryStore.open(":memory:");
   * store.add(fixtureDocument([{ mode: "latency", concurrency: 1, errors: {},
   *   trials: [1, 3].map((v) => ({ metrics: { ttft_p50_ms: v }, errors: {}, complete: true })),
   *   summary: { ttft_p50_ms: { value: 2, ci: [0, 4], trials: [1, 3] } } }]));
   * const [p] = store.points("ttft_p50_ms", "c=1");
   * assert.deepEqual([p.value, p.low, p.high, p.trials], [2, 0, 4, [1, 3]]);
   * assert.deepEqual(store.points("ttft_p50_ms", "c=2"), []);
   * store.close();
   * ```
   */
  points(metric: string, level: string, query: HistoryQuery = {}): HistoryPoint[] {
    const f = filter(query);
    const rows = this.#db.prepare(
      `SELECT r.id, r.started_at, r.engine, r.model, r.fingerprint,
              v.level_idx, v.value, v.ci_low, v.ci_high
       FROM runs r JOIN level_values v ON v.run_id = r.id
       WHERE v.metric = ? AND v.label = ? AND ${f.sql}
         AND v.level_idx = (SELECT MIN(w.level_idx) FROM level_values w
                            WHERE w.run_id = r.id AND w.metric = v.metric AND w.label = v.label)
       ORDER BY r.started_at DESC, r.id DESC ${f.limit}`,
    ).all(metric, level, ...f.params).reverse();
    const trials = this.#db.prepare(
      `SELECT complete, value FROM trial_values
       WHERE run_id = ? AND level_idx = ? AND metric = ? ORDER BY trial`,
    );
    return rows.map((r) => {
      const ts = trials.all(Number(r.id), Number(r.level_idx), metric);
      const complete = ts.filter((t) => t.complete === 1);
      return {
        runId: Number(r.id),
        startedAt: String(r.started_at),
        tags: this.#tags(Number(r.id)),
        engine: String(r.engine),
        model: r.model === null ? "" : String(r.model),
        fingerprint: r.fingerprint === null ? null : String(r.fingerprint),
        value: num(r.value),
        low: r.ci_low === null ? null : num(r.ci_low),
        high: r.ci_high === null ? null : num(r.ci_high),
        trials: (complete.length > 0 ? complete : ts).map((t) => num(t.value)),
      };
    });
  }

  /**
   * The metric ids stored for the runs a query selects (at one level, when
   * given), sorted: what a trend may ask for.
   *
   * @param query Which runs. @default {}
   * @param level Only this level label. @default undefined (any)
   * @returns The ids.
   *
   * @example
   * ```ts
   * import { HistoryStore } from "./store.ts";
   * import assert from "node:assert/strict";
   *
   * const store = HistoryStore.open(":memory:");
   * assert.deepEqual(store.metricIds(), []);
   * store.close();
   * ```
   */
  metricIds(query: HistoryQuery = {}, level?: string): string[] {
    const f = filter({ ...query, last: undefined });
    const rows = this.#db.prepare(
      `SELECT DISTINCT v.metric FROM level_values v JOIN runs r ON r.id = v.run_id
       WHERE ${f.sql} ${level !== undefined ? "AND v.label = ?" : ""} ORDER BY v.metric`,
    ).all(...f.params, ...(level !== undefined ? [level] : []));
    return rows.map((r) => String(r.metric));
  }

  /**
   * The level labels of the runs a query selects, in order of first
   * appearance (oldest run first).
   *
   * @param query Which runs. @default {}
   * @returns The labels.
   *
   * @example
   * ```ts
   * import { HistoryStore } from "./store.ts";
   * import { fixtureDocument } from "../results/fixtures.ts";
   * import assert from "node:assert/strict";
   *
   * const store = HistoryStore.open(":memory:");
   * const level = (c: number) => ({ mode: "latency" as const, concurrency: c, errors: {}, trials: [], summary: {} });
   * store.add(fixtureDocument([level(1), level(4)]));
   * assert.deepEqual(store.levelLabels(), ["c=1", "c=4"]);
   * store.close();
   * ```
   */
  levelLabels(query: HistoryQuery = {}): string[] {
    const seen = new Set<string>();
    for (const run of this.list({ ...query, last: undefined })) {
      for (const l of run.levels) seen.add(l);
    }
    return [...seen];
  }

  /**
   * Runs `PRAGMA integrity_check`.
   *
   * @returns `ok`, or SQLite's list of problems.
   *
   * @example
   * ```ts
   * import { HistoryStore } from "./store.ts";
   * import assert from "node:assert/strict";
   *
   * const store = HistoryStore.open(":memory:");
   * assert.equal(store.integrityCheck(), "ok");
   * store.close();
   * ```
   */
  integrityCheck(): string {
    return this.#db.prepare("PRAGMA integrity_check").all().map((r) => String(Object.values(r)[0]))
      .join("\n");
  }

  /**
   * Closes the database.
   *
   * @example
   * ```ts
   * import { HistoryStore } from "./store.ts";
   *
   * HistoryStore.open(":memory:").close();
   * ```
   */
  close(): void {
    this.#db.close();
  }

  #tags(runId: number): Record<string, string> {
    const rows = this.#db.prepare("SELECT key, value FROM tags WHERE run_id = ? ORDER BY key")
      .all(runId);
    return Object.fromEntries(rows.map((t) => [String(t.key), String(t.value)]));
  }
}

function filter(q: HistoryQuery): { sql: string; params: SQLInputValue[]; limit: string } {
  const conds: string[] = ["1 = 1"];
  const params: SQLInputValue[] = [];
  for (const [k, v] of Object.entries(q.where ?? {})) {
    conds.push("EXISTS (SELECT 1 FROM tags t WHERE t.run_id = r.id AND t.key = ? AND t.value = ?)");
    params.push(k, v);
  }
  if (q.tagValue !== undefined) {
    conds.push("EXISTS (SELECT 1 FROM tags t WHERE t.run_id = r.id AND t.value = ?)");
    params.push(q.tagValue);
  }
  for (
    const [col, v] of [["fingerprint", q.fingerprint], ["engine", q.engine], ["model", q.model]]
  ) {
    if (v !== undefined) {
      conds.push(`r.${col} = ?`);
      params.push(v);
    }
  }
  if (q.last !== undefined && !(Number.isInteger(q.last) && q.last > 0)) {
    throw new RangeError(`'last' must be a positive integer, got ${q.last}`);
  }
  return {
    sql: conds.join(" AND "),
    params,
    limit: q.last !== undefined ? `LIMIT ${q.last}` : "",
  };
}

/** Refuses a file that exists and is not SQLite, and (read-only) one that does not exist. */
function checkFile(path: string, readonly: boolean): void {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      if (readonly) throw new HistoryError(path, "missing", `no history database at ${path}`);
      return;
    }
    throw err;
  }
  try {
    const head = new Uint8Array(16);
    let n = 0;
    while (n < 16) {
      const r = file.readSync(head.subarray(n));
      if (r === null || r === 0) break;
      n += r;
    }
    if (n === 0) return; // an empty file: SQLite makes it a database
    if (new TextDecoder().decode(head.subarray(0, n)) !== SQLITE_HEADER) {
      throw new HistoryError(
        path,
        "not_sqlite",
        "expected a SQLite database (a splleed history), got a file that is not SQLite",
      );
    }
  } finally {
    file.close();
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
