/**
 * Configuration errors that say which field is wrong, what was expected and
 * what was given, built from zod's validation issues.
 *
 * @module
 */

import type { z } from "npm:zod@^4.6.7";
import { redact } from "../util/redact.ts";

/** One invalid field. */
export interface ConfigIssue {
  /** Dotted path of the field, such as `concurrency[0]` or `sampling.maxTokens`. */
  path: string;
  /** What the field must be, in words. */
  expected: string;
  /** What was given, rendered briefly. */
  received: string;
}

/**
 * Invalid configuration. The CLI turns it into exit code 2.
 *
 * @example
 * ```ts
 * import { ConfigError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const e = new ConfigError("benchmark", [
 *   { path: "concurrency[0]", expected: "a positive integer", received: "0" },
 * ]);
 * assert.equal(
 *   e.message,
 *   "Cannot start benchmark: 'concurrency[0]' must be a positive integer, got 0",
 * );
 * ```
 */
export class ConfigError extends TypeError {
  /** Every invalid field. */
  readonly issues: readonly ConfigIssue[];

  /**
   * Builds one message that lists every invalid field.
   *
   * @param what What could not start ("benchmark", "simulator").
   * @param issues The invalid fields (at least one).
   */
  constructor(what: string, issues: readonly ConfigIssue[]) {
    const lines = issues.map((i) =>
      i.path === ""
        ? `${i.expected}, got ${i.received}`
        : `'${i.path}' must be ${i.expected}, got ${i.received}`
    );
    super(
      lines.length === 1
        ? `Cannot start ${what}: ${lines[0]}`
        : `Cannot start ${what}:\n${lines.map((l) => `  - ${l}`).join("\n")}`,
    );
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/**
 * Renders a path the way a user writes it: `a.b[0].c`.
 *
 * @param path A zod issue path.
 * @param prefix Path of the object that was validated, if nested.
 * @returns The dotted path.
 *
 * @example
 * ```ts
 * import { formatPath } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatPath(["sampling", "maxTokens"]), "sampling.maxTokens");
 * assert.equal(formatPath(["concurrency", 1]), "concurrency[1]");
 * ```
 */
export function formatPath(path: readonly PropertyKey[], prefix = ""): string {
  let s = prefix;
  for (const p of path) {
    if (typeof p === "number") s += `[${p}]`;
    else s += s === "" ? String(p) : `.${String(p)}`;
  }
  return s;
}

/**
 * Renders a given value briefly for an error message.
 *
 * @param v Any value.
 * @returns A short rendering (JSON where possible, truncated).
 *
 * @example
 * ```ts
 * import { renderValue } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(renderValue([0, 4]), "[0,4]");
 * assert.equal(renderValue(undefined), "nothing");
 * ```
 */
export function renderValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "function") return "a function";
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * Validates `input` against `schema` and returns the parsed value, or throws a
 * {@linkcode ConfigError} whose lines read "'field' must be EXPECTED, got GIVEN".
 *
 * Messages set on a schema (`z.number().int({ error: "a positive integer" })`)
 * are used as the EXPECTED phrase; otherwise one is derived from the issue.
 *
 * @param schema The zod schema.
 * @param input The value to check.
 * @param what What could not start ("benchmark", "simulator").
 * @param prefix Path of the value inside a larger object, for messages.
 * @returns The parsed value.
 * @throws {ConfigError} When the value is invalid.
 *
 * @example
 * ```ts
 * import { z } from "npm:zod@^4.6.7";
 * import { validate } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const schema = z.strictObject({ runs: z.number().int() });
 * assert.deepEqual(validate(schema, { runs: 2 }, "benchmark"), { runs: 2 });
 * assert.throws(() => validate(schema, { runs: 1.5 }, "benchmark"), /'runs' must be an integer, got 1.5/);
 * ```
 */
export function validate<T extends z.ZodType>(
  schema: T,
  input: unknown,
  what: string,
  prefix = "",
): z.output<T> {
  const r = schema.safeParse(input, {
    reportInput: true,
    error: (issue) => expectedPhrase(issue, "valid"),
  });
  if (r.success) return r.data;
  const issues: ConfigIssue[] = [];
  for (const issue of r.error.issues) flatten(issue, prefix, issues);
  throw new ConfigError(what, issues.map(redactIssue));
}

/** Field names whose values are secrets (an API key, a token), even when misspelt. */
const SECRET_FIELD = /(key|token|secret|password|auth|authorization|bearer|cookie|credential)$/i;

/** Keeps a secret value out of an error message: `'api_key' must be ..., got [redacted]`. */
function redactIssue(i: ConfigIssue): ConfigIssue {
  const last = i.path.split(/[.[\]]/).filter(Boolean).at(-1) ?? "";
  return SECRET_FIELD.test(last.replace(/["']/g, "")) && i.received !== "nothing"
    ? { ...i, received: "[redacted]" }
    : { ...i, received: redact(i.received) };
}

function flatten(issue: z.core.$ZodIssue, prefix: string, out: ConfigIssue[]): void {
  const path = formatPath(issue.path, prefix);
  const received = renderValue((issue as { input?: unknown }).input);
  switch (issue.code) {
    case "unrecognized_keys":
      for (const key of issue.keys) {
        out.push({
          path: formatPath([key], path),
          expected: "absent (it is not a known field; check its spelling)",
          received: renderValue((issue.input as Record<string, unknown> | undefined)?.[key]),
        });
      }
      return;
    case "invalid_union": {
      const disc = issue as { discriminator?: string; options?: unknown[] };
      if (disc.discriminator !== undefined && disc.options) {
        const input = (issue as { input?: Record<string, unknown> }).input;
        out.push({
          path,
          expected: `one of ${disc.options.map((o) => renderValue(o)).join(", ")}`,
          received: renderValue(
            typeof input === "object" && input !== null ? input[disc.discriminator] : input,
          ),
        });
        return;
      }
      // Report the alternative whose shape matched: its complaints are about
      // the inside of the value. Alternatives that rejected the value as a
      // whole (wrong type, or a failed check of the whole value) say less.
      const near = issue.errors.filter((b) =>
        b.length > 0 &&
        !b.every((i) => i.path.length === 0 && (i.code === "invalid_type" || i.code === "custom"))
      );
      if (near.length === 1) {
        for (const sub of near[0]) flatten(sub, path, out);
        return;
      }
      out.push({ path, expected: issue.message, received });
      return;
    }
    case "invalid_key":
      // A record's key failed its own schema: say what the key had to be.
      for (const sub of issue.issues) flatten(sub as z.core.$ZodIssue, path, out);
      return;
    default:
      out.push({ path, expected: issue.message, received });
  }
}

/**
 * What a zod issue expected, as an error message's EXPECTED part ("a
 * positive number", "a list of at least 1 item", "one of \"a\", \"b\"").
 * Used as the config error map, and by the results reader.
 *
 * @param issue A zod issue.
 * @param otherwise The phrase for a kind of issue it has no words for.
 * @returns The phrase.
 *
 * @example
 * ```ts
 * import { expectedPhrase } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(expectedPhrase({ code: "invalid_type", expected: "int", input: 1.5 } as never, "?"), "an integer");
 * assert.equal(expectedPhrase({ code: "custom", input: 1 } as never, "?"), "?");
 * ```
 */
export function expectedPhrase(
  issue: z.core.$ZodRawIssue | z.core.$ZodIssue,
  otherwise: string,
): string {
  switch (issue.code) {
    case "invalid_type":
      return article(issue.expected);
    case "too_small": {
      const min = Number(issue.minimum);
      if (issue.origin === "array") return `a list of at least ${min} item${min === 1 ? "" : "s"}`;
      if (issue.origin === "string") {
        return min === 1 ? "a non-empty string" : `a string of at least ${min} characters`;
      }
      if (min === 0 && !issue.inclusive) return "a positive number";
      return `a number ${issue.inclusive ? ">=" : ">"} ${min}`;
    }
    case "too_big": {
      const max = Number(issue.maximum);
      if (issue.origin === "array") return `a list of at most ${max} items`;
      if (issue.origin === "string") return `a string of at most ${max} characters`;
      return `a number ${issue.inclusive ? "<=" : "<"} ${max}`;
    }
    case "invalid_value":
      return issue.values.length === 1
        ? renderValue(issue.values[0])
        : `one of ${issue.values.map((v) => renderValue(v)).join(", ")}`;
    case "invalid_format":
      return issue.format === "url" ? "a URL (http:// or https://)" : `a valid ${issue.format}`;
    case "not_multiple_of":
      return `a multiple of ${issue.divisor}`;
    case "invalid_union": {
      const kinds = new Set<string>();
      for (const branch of issue.errors) {
        for (const i of branch) {
          if (i.path.length === 0 && i.code === "invalid_type") kinds.add(article(i.expected));
        }
      }
      return kinds.size > 0 ? [...kinds].join(" or ") : "one of the allowed forms (see the docs)";
    }
    default:
      return otherwise;
  }
}

function article(type: string): string {
  if (type === "int") return "an integer";
  if (type === "array") return "a list";
  if (type === "record") return "a mapping";
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
