/**
 * The history database's schema, as versioned steps. Step `i` (0-based)
 * takes a database from `PRAGMA user_version` `i` to `i + 1`; a store
 * applies the steps it lacks in one transaction each. A new version of the
 * schema is a new step appended here, never an edit of an old one.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { HistoryError } from "./errors.ts";

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

/**
 * The database's schema version (`PRAGMA user_version`; 0 for a new file).
 *
 * @param db The open database.
 * @returns The version.
 *
 * @example
 * ```ts
 * import { userVersion } from "./migrations.ts";
 * import { DatabaseSync } from "node:sqlite";
 * import assert from "node:assert/strict";
 *
 * assert.equal(userVersion(new DatabaseSync(":memory:")), 0);
 * ```
 */
export function userVersion(db: DatabaseSync): number {
  return Number(db.prepare("PRAGMA user_version").get()!.user_version);
}

/**
 * The error for a database whose schema is newer than the steps known.
 *
 * @param path The database file.
 * @param version Its schema version.
 * @param known The newest version this splleed knows. @default SCHEMA_VERSION
 * @returns The error (`newer_version`), saying to upgrade splleed.
 *
 * @example
 * ```ts
 * import { newerError } from "./migrations.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(newerError("h.db", 9, 1).message, /version 9, written by a newer splleed; this splleed reads version 1: upgrade splleed/);
 * ```
 */
export function newerError(path: string, version: number, known = SCHEMA_VERSION): HistoryError {
  return new HistoryError(
    path,
    "newer_version",
    `its schema is version ${version}, written by a newer splleed; this splleed reads ` +
      `version ${known}: upgrade splleed`,
  );
}

/**
 * Brings a database's schema up to the last step: applies each step it
 * lacks in its own `BEGIN IMMEDIATE` transaction, the version re-read under
 * the lock (another process may have applied it meanwhile). A step that
 * fails is rolled back whole and the version stays where it was.
 *
 * @param db The open database (writable).
 * @param path The file, for messages.
 * @param steps The schema steps. @default MIGRATIONS
 * @throws {HistoryError} When the database is newer than the steps, or a
 *   new database already holds other tables.
 *
 * @example
 * ```ts
 * import { migrate, SCHEMA_VERSION, userVersion } from "./migrations.ts";
 * import { DatabaseSync } from "node:sqlite";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * migrate(db, ":memory:");
 * assert.equal(userVersion(db), SCHEMA_VERSION);
 * ```
 */
export function migrate(
  db: DatabaseSync,
  path: string,
  steps: readonly Migration[] = MIGRATIONS,
): void {
  while (userVersion(db) < steps.length) {
    db.exec("BEGIN IMMEDIATE");
    try {
      const version = userVersion(db);
      if (version > steps.length) throw newerError(path, version, steps.length);
      if (version < steps.length) {
        if (version === 0 && hasTables(db)) {
          throw new HistoryError(
            path,
            "not_history",
            "expected a splleed history database, got a SQLite database with other tables",
          );
        }
        for (const s of steps[version].statements) db.exec(s);
        db.exec(`PRAGMA user_version = ${version + 1}`);
      }
      db.exec("COMMIT");
    } catch (err) {
      db.exec("ROLLBACK");
      throw err;
    }
  }
  const version = userVersion(db);
  if (version > steps.length) throw newerError(path, version, steps.length);
}

function hasTables(db: DatabaseSync): boolean {
  return db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").get()!.n !== 0;
}
