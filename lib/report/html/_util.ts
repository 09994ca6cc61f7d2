/**
 * Small helpers shared by the HTML sections: numbers for people, HTML
 * tables, level labels.
 *
 * @module
 */

import { escapeHtml } from "./escape.ts";

/**
 * A number for people: thousands separated, decimals by magnitude (three
 * significant digits below 100, none above).
 *
 * @param v The number.
 * @returns The text; `—` for none or NaN, `∞` for Infinity.
 *
 * @example
 * ```ts
 * import { fmtNum } from "./_util.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(fmtNum(12345.6), "12,346");
 * assert.equal(fmtNum(41.23), "41.2");
 * assert.equal(fmtNum(0.0123), "0.012");
 * assert.equal(fmtNum(7), "7");
 * assert.equal(fmtNum(null), "—");
 * ```
 */
export function fmtNum(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  if (v === Infinity) return "∞";
  if (!Number.isFinite(v)) return "—";
  const a = Math.abs(v);
  const digits = a >= 100 || Number.isInteger(v) ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  if (a !== 0 && a < 0.001) return v.toPrecision(2);
  return v.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** One cell: HTML content (already escaped) and whether it holds a number (right-aligned). */
export interface Cell {
  html: string;
  num?: boolean;
  cls?: string;
}

/**
 * An HTML table in a scrolling wrapper; header texts are escaped, cells are
 * HTML (escape what they hold), numeric cells right-aligned.
 *
 * @param head The header texts (or cells).
 * @param rows The rows of cells.
 * @param cls The table's class. @default none
 * @returns The HTML.
 *
 * @example
 * ```ts
 * import { htmlTable } from "./_util.ts";
 * import assert from "node:assert/strict";
 *
 * const html = htmlTable(["a<b", "n"], [["x", { html: "3", num: true }]]);
 * assert.match(html, /<th>a&lt;b<\/th>/);
 * assert.match(html, /<td class="num">3<\/td>/);
 * ```
 */
export function htmlTable(head: (string | Cell)[], rows: (string | Cell)[][], cls = ""): string {
  const cell = (c: string | Cell, tag: "th" | "td", escape: boolean) => {
    const o = typeof c === "string" ? { html: escape ? escapeHtml(c) : c } : c;
    const classes = [o.num ? "num" : "", o.cls ?? ""].filter(Boolean).join(" ");
    return `<${tag}${classes ? ` class="${classes}"` : ""}>${o.html}</${tag}>`;
  };
  return `<div class="table-wrap"><table${cls ? ` class="${cls}"` : ""}><thead><tr>${
    head.map((h) => cell(h, "th", true)).join("")
  }</tr></thead><tbody>${
    rows.map((r) => `<tr>${r.map((c) => cell(c, "td", false)).join("")}</tr>`).join("")
  }</tbody></table></div>`;
}

/** A `<p class="note">` of escaped text. */
export function note(text: string): string {
  return `<p class="note">${escapeHtml(text)}</p>`;
}

/** A string from an unknown document value: strings as they are, others as JSON. */
export function show(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number") return fmtNum(v);
  return JSON.stringify(v) ?? String(v);
}

/** `1 trial`, `3 trials`. */
export function plural(n: number, word: string): string {
  return `${fmtNum(n)} ${word}${n === 1 ? "" : "s"}`;
}
