/**
 * Helpers shared by the readers: what a `JSON.parse` failure means, how a
 * value and a path are shown in a message, and zod issues in words.
 *
 * @module
 */

import type { z } from "npm:zod@^4.6.7";
import { expectedPhrase, renderValue } from "../config/errors.ts";
import type { ResultsIssue } from "./errors.ts";

export { renderValue };

/** A `JSON.parse` failure, explained. */
export interface JsonProblem {
  /** True when the text ends before the JSON value does. */
  truncated: boolean;
  /** V8's message without its position (`Unexpected end of JSON input`). */
  reason: string;
  /** 1-based line of the problem, when known. */
  line: number | null;
  /** 1-based column of the problem, when known. */
  column: number | null;
}

/**
 * Explains why `JSON.parse(text)` failed.
 *
 * @param text The text that failed to parse.
 * @param err What `JSON.parse` threw.
 * @returns Whether the text was cut short, the reason, and where.
 *
 * @example
 * ```ts
 * import { explainJsonError } from "./_format.ts";
 * import assert from "node:assert/strict";
 *
 * const text = '{\n "a": [1,\n 2';
 * let err: unknown;
 * try { JSON.parse(text); } catch (e) { err = e; }
 * const p = explainJsonError(text, err);
 * assert.equal(p.truncated, true);
 * assert.equal(p.line, 3);
 * ```
 */
export function explainJsonError(text: string, err: unknown): JsonProblem {
  const msg = err instanceof Error ? err.message : String(err);
  const end = text.trimEnd().length;
  const at = /^(.*?)(?: in JSON)? at position (\d+)/s.exec(msg);
  if (msg.startsWith("Unexpected end of JSON input")) {
    const { line, column } = lineAndColumn(text, end);
    return { truncated: true, reason: "Unexpected end of JSON input", line, column };
  }
  if (at) {
    const pos = Number(at[2]);
    const { line, column } = lineAndColumn(text, pos);
    return { truncated: pos >= end, reason: at[1], line, column };
  }
  // "Unexpected token 'x', "...the text..." is not valid JSON": drop the text.
  const token = /^(Unexpected token .+?), ".*" is not valid JSON$/s.exec(msg);
  return { truncated: false, reason: token ? token[1] : msg, line: null, column: null };
}

/**
 * The 1-based line and column of an offset in a text.
 *
 * @param text The text.
 * @param offset A UTF-16 offset into it.
 * @returns Line and column.
 *
 * @example
 * ```ts
 * import { lineAndColumn } from "./_format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(lineAndColumn("ab\ncd", 4), { line: 2, column: 2 });
 * ```
 */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/**
 * A JSON path as a user reads it: `levels[0].summary.ttft_p50_ms`; keys
 * that are not identifiers are quoted (`metrics["a b"]`).
 *
 * @param path Keys and indices.
 * @returns The path (empty for the whole document).
 *
 * @example
 * ```ts
 * import { formatPath } from "./_format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatPath(["levels", 0, "errors", "http 500"]), 'levels[0].errors["http 500"]');
 * ```
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let s = "";
  for (const p of path) {
    if (typeof p === "number") s += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(p))) s += s === "" ? String(p) : `.${String(p)}`;
    else s += `[${JSON.stringify(String(p))}]`;
  }
  return s;
}

/**
 * Zod issues as "path must be EXPECTED, got FOUND" items.
 *
 * @param issues Issues of a `safeParse(value, { reportInput: true })`.
 * @returns One item per invalid field.
 *
 * @example
 * ```ts
 * import { z } from "npm:zod@^4.6.7";
 * import { zodIssues } from "./_format.ts";
 * import assert from "node:assert/strict";
 *
 * const r = z.object({ n: z.number() }).safeParse({ n: "1" }, { reportInput: true });
 * assert.deepEqual(zodIssues(r.error!.issues), [{ path: "n", expected: "a number", received: '"1"' }]);
 * ```
 */
export function zodIssues(issues: readonly z.core.$ZodIssue[]): ResultsIssue[] {
  const out: ResultsIssue[] = [];
  for (const issue of issues) flatten(issue, [], out);
  return out;
}

function flatten(issue: z.core.$ZodIssue, prefix: PropertyKey[], out: ResultsIssue[]): void {
  const path = [...prefix, ...issue.path];
  const input = (issue as { input?: unknown }).input;
  if (issue.code === "invalid_union") {
    // Report the alternative whose shape matched (its complaints are about the
    // inside of the value); otherwise what each alternative expected.
    const near = issue.errors.filter((b) => b.some((i) => i.path.length > 0));
    if (near.length === 1) {
      for (const sub of near[0]) flatten(sub, path, out);
      return;
    }
    const kinds = issue.errors.flatMap((b) =>
      b.filter((i) => i.path.length === 0).map((i) => expectedPhrase(i, i.message))
    );
    out.push({
      path: formatPath(path),
      expected: [...new Set(kinds)].join(" or ") || "one of the allowed forms",
      received: renderValue(input),
    });
    return;
  }
  if (issue.code === "unrecognized_keys") {
    for (const key of issue.keys) {
      out.push({ path: formatPath([...path, key]), expected: "absent", received: "a value" });
    }
    return;
  }
  out.push({
    path: formatPath(path),
    expected: expectedPhrase(issue, issue.message),
    received: renderValue(input),
  });
}
