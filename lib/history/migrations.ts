/**
 * The history database's schema, as versioned steps. Step `i` (0-based)
 * takes a database from `PRAGMA user_version` `i` to `i + 1`; a store
 * applies the steps it lacks in one transaction each. A new version of the
 * schema is a new step appended here, never an edit of an old one.
 *
 * @module
 */

/** One schema step: the SQL statements that take the database one version up. */
export interface Migration {
  /** What the step changes, for humans. */
  description: string;
  /** Statements run in order, inside one transaction. */
  statements: readonly string[];
}

/**
 * Every schema step in order; the schema version this splleed writes and
 * reads is their count.
 *
 * @example
 * ```ts
 * import { MIGRATIONS, SCHEMA_VERSION } from "./migrations.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(SCHEMA_VERSION, MIGRATIONS.length);
 * assert.ok(MIGRATIONS[0].statements.some((s) => s.includes("CREATE TABLE runs")));
 * ```
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    description: "runs, tags, levels, level values and trial values",
    statements: [
      `CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        added_at TEXT NOT NULL,
        engine TEXT NOT NULL,
        model TEXT,
        fingerprint TEXT,
        tool_version TEXT NOT NULL,
        source_tool TEXT,
        interrupted INTEGER NOT NULL,
        document TEXT NOT NULL
      )`,
      "CREATE INDEX runs_started ON runs (started_at, id)",
      "CREATE INDEX runs_fingerprint ON runs (fingerprint, started_at)",
      "CREATE INDEX runs_engine_model ON runs (engine, model)",
      "CREATE INDEX runs_model ON runs (model)",
      `CREATE TABLE tags (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
      )`,
      "CREATE INDEX tags_key_value ON tags (key, value)",
      "CREATE INDEX tags_value ON tags (value)",
      `CREATE TABLE levels (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        label TEXT NOT NULL,
        mode TEXT NOT NULL,
        concurrency INTEGER NOT NULL,
        request_rate REAL,
        PRIMARY KEY (run_id, idx)
      )`,
      "CREATE INDEX levels_label ON levels (label)",
      `CREATE TABLE level_values (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        level_idx INTEGER NOT NULL,
        label TEXT NOT NULL,
        metric TEXT NOT NULL,
        value REAL,
        ci_low REAL,
        ci_high REAL,
        n_trials INTEGER NOT NULL,
        PRIMARY KEY (run_id, level_idx, metric)
      )`,
      "CREATE INDEX level_values_metric ON level_values (metric, label)",
      `CREATE TABLE trial_values (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        level_idx INTEGER NOT NULL,
        label TEXT NOT NULL,
        metric TEXT NOT NULL,
        trial INTEGER NOT NULL,
        complete INTEGER NOT NULL,
        value REAL,
        PRIMARY KEY (run_id, level_idx, metric, trial)
      )`,
      "CREATE INDEX trial_values_metric ON trial_values (metric, label)",
    ],
  },
];

/** The schema version this splleed writes and reads (the number of steps). */
export const SCHEMA_VERSION: number = MIGRATIONS.length;
