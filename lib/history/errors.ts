/**
 * The error a history store throws when its file cannot be used: not a
 * SQLite file, written by a newer splleed, missing when read-only, or a run
 * that is not there. The CLI turns it into exit 2 (bad input).
 *
 * @module
 */

/** What is wrong with the history, as a stable id to branch on. */
export type HistoryProblem =
  /** The file exists but is not a SQLite database. */
  | "not_sqlite"
  /** A SQLite database, but not a splleed history (tables missing). */
  | "not_history"
  /** Its schema version is newer than this splleed reads: upgrade splleed. */
  | "newer_version"
  /** Opened read-only and there is no file, or the file cannot be opened or created. */
  | "missing"
  /** A run id that the history does not hold. */
  | "no_run";

/**
 * A history database that cannot be used. The message names the file, what
 * was expected and what was found.
 *
 * @example
 * ```ts
 * import { HistoryError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const e = new HistoryError("h.db", "missing", "no history database at h.db");
 * assert.equal(e.name, "HistoryError");
 * assert.equal(e.problem, "missing");
 * assert.equal(e.message, "Cannot open history h.db: no history database at h.db");
 * ```
 */
export class HistoryError extends Error {
  /** The database file as given. */
  readonly file: string;
  /** What is wrong. */
  readonly problem: HistoryProblem;

  /**
   * Creates the error; the message is `Cannot open history FILE: DETAIL`.
   *
   * @param file The database file.
   * @param problem What is wrong.
   * @param detail What was expected and what was found.
   */
  constructor(file: string, problem: HistoryProblem, detail: string) {
    super(`Cannot open history ${file}: ${detail}`);
    this.name = "HistoryError";
    this.file = file;
    this.problem = problem;
  }
}
