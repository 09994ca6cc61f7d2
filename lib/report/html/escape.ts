/**
 * Escaping for the HTML report. Every string taken from a results document
 * (model names, warnings, server facts, run names) is untrusted text: it is
 * escaped before it enters the page, and data for the page's script is
 * embedded as JSON that cannot close its `<script>` element.
 *
 * @module
 */

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for an HTML element's content or a quoted attribute value.
 *
 * @param text Any text (a non-string is converted with `String`).
 * @returns The text with `& < > " '` replaced by character references.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./escape.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   escapeHtml(`<img src=x onerror="alert('x')">&`),
 *   "&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;",
 * );
 * assert.equal(escapeHtml(42), "42");
 * ```
 */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * A value as JSON that is safe inside `<script type="application/json">`:
 * `<`, `>` and `&` are written as `\u003c`, `\u003e` and `\u0026` (so no
 * `</script>` or `<!--` can appear), and the line separators U+2028 and
 * U+2029 as escapes. `JSON.parse` of the element's text gives the value back.
 * Numbers that are not finite become `null`, as in `JSON.stringify`.
 *
 * @param value A JSON-serialisable value.
 * @returns The JSON text.
 *
 * @example
 * ```ts
 * import { jsonForScript } from "./escape.ts";
 * import assert from "node:assert/strict";
 *
 * const value = { model: "</script><script>alert(1)</script>", note: "a & b <!--" };
 * const text = jsonForScript(value);
 * assert.ok(!text.includes("<"));
 * assert.deepEqual(JSON.parse(text), value);
 * ```
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
