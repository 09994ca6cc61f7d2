/**
 * Request fields written as JSON (`sampling.extra`, `--extra-body`, a
 * workload item's `extra` and `response_format`): checked to be plain JSON,
 * so what is sent is what was written, and their secret-looking values
 * registered, so that no result, record, log or error carries them.
 *
 * @module
 */

import { z } from "npm:zod@^4.6.7";
import { registerSecret } from "../util/redact.ts";

/** A field name whose string values are secrets (`api_key`, `token`, `authorization`, `password`, `client_secret`, ...). */
const SECRET_KEY =
  /(?:key|token|secret|password|passwd|auth|authorization|bearer|cookie|credentials?)$/i;

/**
 * Where a value stops being plain JSON: the path of the first value that is
 * not a string, a finite number, a boolean, null, a list or a plain object
 * (a function, `undefined`, NaN, a Date, a Map...), with what it is.
 *
 * @param value The value.
 * @returns `null` when it is plain JSON, else `{ path, what }` (`path` "" for the value itself).
 *
 * @example
 * ```ts
 * import { nonJson } from "./json_fields.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(nonJson({ top_k: 20, stop: ["\n"], kw: { a: null } }), null);
 * assert.deepEqual(nonJson({ top_k: 20, kw: [1, NaN] }), { path: "kw[1]", what: "NaN" });
 * assert.deepEqual(nonJson({ at: new Date(0) }), { path: "at", what: "a Date object" });
 * ```
 */
export function nonJson(value: unknown): { path: string; what: string } | null {
  const bad = firstNonJson(value, []);
  if (bad === null) return null;
  let path = "";
  for (const p of bad.path) path += typeof p === "number" ? `[${p}]` : path === "" ? p : `.${p}`;
  return { path, what: describeNonJson(bad.value) };
}

function describeNonJson(v: unknown): string {
  if (typeof v === "number") return String(v);
  if (v === undefined) return "undefined";
  if (typeof v === "object" && v !== null) {
    return `a ${
      (v as { constructor?: { name?: string } }).constructor?.name ?? "non-plain"
    } object`;
  }
  return `a ${typeof v}`;
}

function firstNonJson(
  value: unknown,
  path: (string | number)[],
): { path: (string | number)[]; value: unknown } | null {
  switch (typeof value) {
    case "string":
    case "boolean":
      return null;
    case "number":
      return Number.isFinite(value) ? null : { path, value };
    case "object": {
      if (value === null) return null;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const bad = firstNonJson(value[i], [...path, i]);
          if (bad) return bad;
        }
        return null;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return { path, value };
      for (const [k, v] of Object.entries(value)) {
        const bad = firstNonJson(v, [...path, k]);
        if (bad) return bad;
      }
      return null;
    }
    default:
      return { path, value };
  }
}

/**
 * Registers (`registerSecret`, `lib/util/redact.ts`) every string value, at
 * any depth, under a field whose name looks like a secret's (`api_key`,
 * `token`, `authorization`, `password`, `client_secret`, ...), so that
 * splleed never writes it anywhere (results, records, logs, errors). The
 * value itself is still sent.
 *
 * @param value A JSON value (request fields).
 *
 * @example
 * ```ts
 * import { registerSecretValues } from "./json_fields.ts";
 * import { redact } from "../util/redact.ts";
 * import assert from "node:assert/strict";
 *
 * registerSecretValues({ top_k: 20, vendor: { session_token: "tok-31337-abc" } });
 * assert.equal(redact("echo: tok-31337-abc"), "echo: [redacted]");
 * ```
 */
export function registerSecretValues(value: unknown): void {
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (const v of value) registerSecretValues(v);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "string") {
      if (SECRET_KEY.test(k)) registerSecret(v);
    } else if (SECRET_KEY.test(k) && Array.isArray(v)) {
      for (const x of v) if (typeof x === "string") registerSecret(x);
    } else {
      registerSecretValues(v);
    }
  }
}

/**
 * A JSON object of request fields: plain JSON values only (the message names
 * the first that is not), its secret-looking values registered as secrets
 * (see {@linkcode registerSecretValues}).
 *
 * @example
 * ```ts
 * import { jsonObjectSchema } from "./json_fields.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(jsonObjectSchema.parse({ top_k: 20 }), { top_k: 20 });
 * assert.equal(jsonObjectSchema.safeParse([1]).success, false);
 * assert.equal(jsonObjectSchema.safeParse({ f: () => 1 }).success, false);
 * ```
 */
export const jsonObjectSchema: z.ZodType<Record<string, unknown>, Record<string, unknown>> = z
  .record(z.string(), z.unknown(), { error: "a JSON object of request fields" })
  .superRefine((v, ctx) => {
    const bad = firstNonJson(v, []);
    if (bad) {
      ctx.addIssue({
        code: "custom",
        path: bad.path,
        message: "a JSON value (a string, a finite number, a boolean, null, a list or an object)",
        input: bad.value,
      });
      return;
    }
    registerSecretValues(v);
  });
