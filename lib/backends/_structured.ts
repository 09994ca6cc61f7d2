/**
 * Checking structured output: is a response's text the JSON its request asked
 * for? A request asks through `response_format` (OpenAI's
 * `{ type: "json_object" }`, llama.cpp's `{ type: "json_object", schema }`,
 * `{ type: "json_schema", json_schema: { schema } }`) or, on vLLM, through
 * `guided_json` or `structured_outputs.json` in its extra fields, and on TGI
 * through `grammar: { type: "json", value }`.
 *
 * Schemas are checked with Ajv (`npm:ajv@^8`): JSON Schema 2020-12 when the
 * schema names no `$schema`, else draft-07 or 2019-09 as it names. Ajv is
 * loaded with a dynamic import the first time a request asks for a schema
 * (about 60 ms, and the first compile another ~70 ms), so runs that ask for
 * none never load it; each distinct schema is compiled once. While it loads,
 * {@linkcode validatorLoading} returns the promise a reader awaits before
 * checking. Formats (`"format": "date-time"`) are not checked.
 *
 * @module
 */

import { redact } from "../util/redact.ts";

/** The outcome of checking one response's text. */
export interface StructuredResult {
  /** Whether the text is the JSON the request asked for. */
  valid: boolean;
  /** Why not (the first problem), when not valid. */
  error?: string;
}

/** Checks one response's text (the type of `PreparedRequest["check"]`). */
export type StructuredCheck = (text: string) => StructuredResult;

/** The JSON Schema dialects checked, by the Ajv build that checks them. */
type Draft = "2020-12" | "2019-09" | "draft-07";

interface AjvLike {
  compile(schema: unknown): ValidateLike;
  errorsText(errors: unknown, options?: { dataVar?: string }): string;
}
interface ValidateLike {
  (data: unknown): boolean;
  errors?: unknown;
}
type AjvClass = new (options: Record<string, unknown>) => AjvLike;

const AJV_OPTIONS = {
  strict: false,
  validateFormats: false,
  logger: false,
  allErrors: false,
};

/** Loaded Ajv instances, by dialect. */
const instances = new Map<Draft, AjvLike>();
/** Why a dialect's Ajv could not be loaded. */
const loadErrors = new Map<Draft, string>();
/** Loads in flight, by dialect. */
const loads = new Map<Draft, Promise<void>>();
/** Compiled validators (or why the schema does not compile), by dialect and schema text. */
const compiled = new Map<string, ValidateLike | string>();

function importAjv(draft: Draft): Promise<AjvClass> {
  // Literal specifiers, so that `deno check`, `deno compile` and vendoring see them.
  switch (draft) {
    case "2020-12":
      return import("npm:ajv@^8/dist/2020.js").then((m) => m.Ajv2020 as unknown as AjvClass);
    case "2019-09":
      return import("npm:ajv@^8/dist/2019.js").then((m) => m.Ajv2019 as unknown as AjvClass);
    case "draft-07":
      return import("npm:ajv@^8").then((m) => m.Ajv as unknown as AjvClass);
  }
}

/** Schemas asked for, by key, compiled as soon as their dialect's validator is loaded. */
const wanted = new Map<string, { draft: Draft; schema: Record<string, unknown> | boolean }>();

/**
 * Compiles a schema now if its validator is loaded (once per key): at
 * `prepare()` time, or when the load ends, so that no compilation happens
 * among measured requests.
 */
function compileNow(key: string): void {
  const w = wanted.get(key);
  if (w === undefined || compiled.has(key)) return;
  const ajv = instances.get(w.draft);
  if (ajv === undefined) return;
  try {
    compiled.set(key, ajv.compile(w.schema));
  } catch (err) {
    compiled.set(
      key,
      `the JSON schema does not compile (Ajv): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

function load(draft: Draft): void {
  if (instances.has(draft) || loadErrors.has(draft) || loads.has(draft)) return;
  const p = importAjv(draft).then(
    (Ajv) => {
      instances.set(draft, new Ajv(AJV_OPTIONS));
      for (const [key, w] of wanted) if (w.draft === draft) compileNow(key);
    },
    (err) => {
      loadErrors.set(draft, err instanceof Error ? err.message : String(err));
    },
  ).finally(() => loads.delete(draft));
  loads.set(draft, p);
}

/**
 * The promise to await before calling a check made by
 * {@linkcode structuredCheck}, while the schema validator is still loading;
 * null when nothing is loading (the common case: check at once).
 *
 * @returns A promise that settles (never rejects) when every load started so far has, or null.
 *
 * @example
 * ```ts
 * import { structuredCheck, validatorLoading } from "./_structured.ts";
 * import assert from "node:assert/strict";
 *
 * const check = structuredCheck({ responseFormat: { type: "json_schema", json_schema: { name: "n", schema: { type: "integer" } } } })!;
 * await validatorLoading();
 * assert.equal(validatorLoading(), null);
 * assert.deepEqual(check("42"), { valid: true });
 * ```
 */
export function validatorLoading(): Promise<void> | null {
  if (loads.size === 0) return null;
  return Promise.all(loads.values()).then(() => {});
}

/** The dialect a schema names (absent: 2020-12), or a TypeError naming what it gave. */
function draftOf(schema: Record<string, unknown>): Draft {
  const s = schema.$schema;
  if (s === undefined) return "2020-12";
  if (typeof s === "string") {
    if (s.includes("2020-12")) return "2020-12";
    if (s.includes("2019-09")) return "2019-09";
    if (s.includes("draft-07")) return "draft-07";
  }
  throw new TypeError(
    "Cannot check structured output: the JSON schema's '$schema' must name draft-07, 2019-09 " +
      `or 2020-12 (or be absent: 2020-12), got ${JSON.stringify(s)}`,
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A schema given as an object, or as JSON text (vLLM accepts both for `guided_json`). */
function schemaValue(v: unknown, where: string): Record<string, unknown> | boolean {
  let s = v;
  if (typeof s === "string") {
    try {
      s = JSON.parse(s);
    } catch {
      throw new TypeError(
        `Cannot check structured output: ${where} must be a JSON schema (an object, or its JSON text), ` +
          `got a string that is not JSON: ${JSON.stringify(v).slice(0, 120)}`,
      );
    }
  }
  if (isObject(s) || typeof s === "boolean") return s;
  throw new TypeError(
    `Cannot check structured output: ${where} must be a JSON schema (an object), got ${
      JSON.stringify(v)?.slice(0, 120)
    }`,
  );
}

/** Parses a response's text, or says why it is not JSON. */
function parse(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const m = err instanceof Error ? err.message : String(err);
    const shown = text.length > 60 ? `${text.slice(0, 30)}…${text.slice(-30)}` : text;
    return {
      ok: false,
      // The excerpt goes to the records and the results: redacted like any message there.
      error: redact(`not JSON (${m}): ${JSON.stringify(shown)} (${text.length} characters)`),
    };
  }
}

function jsonObjectCheck(text: string): StructuredResult {
  const p = parse(text);
  if (!p.ok) return { valid: false, error: p.error };
  if (!isObject(p.value)) {
    const kind = p.value === null ? "null" : Array.isArray(p.value) ? "an array" : typeof p.value;
    return { valid: false, error: `expected a JSON object, got ${kind}` };
  }
  return { valid: true };
}

function schemaCheck(schema: Record<string, unknown> | boolean): StructuredCheck {
  const draft = typeof schema === "boolean" ? "2020-12" : draftOf(schema);
  const key = `${draft} ${JSON.stringify(schema)}`;
  if (!wanted.has(key)) wanted.set(key, { draft, schema });
  load(draft);
  compileNow(key);
  let validate: ValidateLike | string | undefined = compiled.get(key);
  return (text) => {
    const p = parse(text);
    if (!p.ok) return { valid: false, error: p.error };
    if (validate === undefined) {
      validate = compiled.get(key);
      if (validate === undefined) {
        const ajv = instances.get(draft);
        if (ajv === undefined) {
          const why = loadErrors.get(draft);
          return {
            valid: false,
            error: why === undefined
              ? "the JSON Schema validator (npm:ajv@^8) has not loaded yet: await validatorLoading() first"
              : `cannot load the JSON Schema validator (npm:ajv@^8): ${why}`,
          };
        }
        try {
          validate = ajv.compile(schema);
        } catch (err) {
          validate = `the JSON schema does not compile (Ajv): ${
            err instanceof Error ? err.message : String(err)
          }`;
        }
        compiled.set(key, validate);
      }
    }
    if (typeof validate === "string") return { valid: false, error: validate };
    if (validate(p.value)) return { valid: true };
    const ajv = instances.get(draft)!;
    return {
      valid: false,
      error: `not valid against the schema: ${
        ajv.errorsText(validate.errors, { dataVar: "output" })
      }`,
    };
  };
}

/**
 * Makes the check of a request's structured output, from the fields it is
 * sent with: `extra` (the run's `sampling.extra`) merged with
 * `request.extra` (the item's, last), as the body is built. What it asks for,
 * first match wins:
 *
 * 1. `response_format` (from the merged extra, else `request.responseFormat`):
 *    `json_schema` → valid against `json_schema.schema`; `json_object` with a
 *    `schema` (llama.cpp) → valid against it; `json_object` → a JSON object;
 *    any other type (`text`, `regex`, ...) → no check.
 * 2. `guided_json` (vLLM; an object or its JSON text) → valid against it.
 * 3. `structured_outputs.json` (vLLM ≥ 0.10) → valid against it.
 * 4. `grammar` of type `json` (TGI: `{ type: "json", value: schema }`) → valid against its value.
 *
 * The text checked is the response's content (`delta.content`, or `text`
 * for completions), never its reasoning. Surrounding whitespace is allowed.
 *
 * @param request The item's request fields.
 * @param extra The run's extra body fields (`sampling.extra`).
 * @returns The check, or undefined when the request asks for no structured output.
 * @throws {TypeError} When a schema is not an object (or JSON text of one), or names a `$schema` other than draft-07, 2019-09 or 2020-12.
 *
 * @example
 * ```ts
 * import { structuredCheck, validatorLoading } from "./_structured.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(structuredCheck(undefined, { top_k: 20 }), undefined);
 * const obj = structuredCheck({ responseFormat: { type: "json_object" } })!;
 * assert.deepEqual(obj(' {"a": 1}\n'), { valid: true });
 * assert.equal(obj('{"a": 1').valid, false);
 *
 * const schema = { type: "object", properties: { n: { type: "integer" } }, required: ["n"] };
 * const check = structuredCheck(undefined, { guided_json: schema })!;
 * await validatorLoading();
 * assert.deepEqual(check('{"n": 3}'), { valid: true });
 * assert.match(check('{"n": "3"}').error!, /output\/n must be integer/);
 * ```
 */
export function structuredCheck(
  request?: { responseFormat?: Record<string, unknown>; extra?: Record<string, unknown> },
  extra?: Record<string, unknown>,
): StructuredCheck | undefined {
  const merged: Record<string, unknown> = { ...extra, ...request?.extra };
  const rf = merged.response_format !== undefined
    ? merged.response_format
    : request?.responseFormat;
  if (rf !== undefined && rf !== null) {
    if (!isObject(rf)) {
      throw new TypeError(
        `Cannot check structured output: 'response_format' must be an object, got ${
          JSON.stringify(rf)?.slice(0, 120)
        }`,
      );
    }
    if (rf.type === "json_schema") {
      const js = rf.json_schema;
      if (!isObject(js) || js.schema === undefined) {
        throw new TypeError(
          "Cannot check structured output: a 'response_format' of type 'json_schema' must have " +
            `'json_schema.schema', got ${JSON.stringify(rf).slice(0, 160)}`,
        );
      }
      return schemaCheck(schemaValue(js.schema, "'response_format.json_schema.schema'"));
    }
    if (rf.type === "json_object") {
      if (rf.schema !== undefined) {
        return schemaCheck(schemaValue(rf.schema, "'response_format.schema'"));
      }
      return jsonObjectCheck;
    }
    return undefined;
  }
  if (merged.guided_json !== undefined && merged.guided_json !== null) {
    return schemaCheck(schemaValue(merged.guided_json, "'guided_json'"));
  }
  const so = merged.structured_outputs;
  if (isObject(so) && so.json !== undefined && so.json !== null) {
    return schemaCheck(schemaValue(so.json, "'structured_outputs.json'"));
  }
  const g = merged.grammar;
  if (isObject(g) && g.type === "json" && g.value !== undefined && g.value !== null) {
    return schemaCheck(schemaValue(g.value, "'grammar.value'"));
  }
  return undefined;
}
