/**
 * The error thrown when a results document or a records file cannot be read
 * back: it names the file, says what was expected and what was found.
 *
 * @module
 */

/** What is wrong with the file, as a stable id to branch on. */
export type ResultsFormatProblem =
  /** The file is empty. */
  | "empty"
  /** The JSON ends early (an interrupted write, a cut copy). */
  | "truncated"
  /** The text is not JSON. */
  | "not_json"
  /** Valid JSON, but not a file splleed wrote (or another kind of splleed file). */
  | "not_splleed"
  /** A schema version newer than this splleed reads: upgrade splleed. */
  | "newer_version"
  /** A schema version this splleed does not read (older, or not a version at all). */
  | "unsupported_version"
  /** A splleed document of a supported version with invalid fields. */
  | "invalid_fields";

/** One invalid field of a document. */
export interface ResultsIssue {
  /** JSON path of the field, such as `levels[0].trials[1].metrics.ttft_p50_ms`. */
  path: string;
  /** What the field must be, in words. */
  expected: string;
  /** What the file holds there, rendered briefly (`nothing` when the field is missing). */
  received: string;
}

/** Optional details of a {@linkcode ResultsFormatError}. */
export interface ResultsFormatErrorOptions {
  /** The invalid fields (for `invalid_fields`). @default [] */
  issues?: readonly ResultsIssue[];
  /** The 1-based line of the file the problem is on, when known. @default null */
  line?: number | null;
  /** The underlying error (a `SyntaxError` from `JSON.parse`). @default undefined */
  cause?: unknown;
}

/**
 * A results or records file that cannot be read back. The message reads
 * "Cannot read FILE: WHAT WAS EXPECTED, WHAT WAS FOUND"; `problem` says which
 * kind of problem it is, `issues` lists invalid fields, `line` the line.
 *
 * @example
 * ```ts
 * import { ResultsFormatError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const e = new ResultsFormatError("results.json", "not_splleed", "expected a splleed results document, got a list");
 * assert.equal(e.name, "ResultsFormatError");
 * assert.equal(e.message, "Cannot read results.json: expected a splleed results document, got a list");
 * assert.ok(e instanceof TypeError);
 * ```
 */
export class ResultsFormatError extends TypeError {
  /** The file (as given), or `the results text` for text. */
  readonly file: string;
  /** What is wrong. */
  readonly problem: ResultsFormatProblem;
  /** The invalid fields (empty unless `problem` is `invalid_fields`). */
  readonly issues: readonly ResultsIssue[];
  /** The 1-based line the problem is on, or null. */
  readonly line: number | null;

  /**
   * Creates the error; the message is `Cannot read FILE: DETAIL`.
   *
   * @param file The file as the caller named it.
   * @param problem What is wrong.
   * @param detail What was expected and what was found, in words.
   * @param options Issues, line and cause.
   */
  constructor(
    file: string,
    problem: ResultsFormatProblem,
    detail: string,
    options: ResultsFormatErrorOptions = {},
  ) {
    super(`Cannot read ${file}: ${detail}`, { cause: options.cause });
    this.name = "ResultsFormatError";
    this.file = file;
    this.problem = problem;
    this.issues = options.issues ?? [];
    this.line = options.line ?? null;
  }
}
