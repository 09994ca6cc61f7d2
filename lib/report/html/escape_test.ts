import assert from "node:assert/strict";
import { escapeHtml, jsonForScript } from "./escape.ts";

Deno.test("escapeHtml: the five characters that open elements, attributes and references", () => {
  assert.equal(
    escapeHtml(`<a href="x" title='y'>&amp;</a>`),
    "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;",
  );
  assert.equal(escapeHtml("plain text · ünïcode"), "plain text · ünïcode");
  assert.equal(escapeHtml(null), "null");
});

Deno.test("jsonForScript: no sequence can end the script element, and the value round-trips", () => {
  const value = {
    a: "</script><script>alert(1)</script>",
    b: "<!-- <script>",
    c: "a & b > c",
    d: "line\u2028separator\u2029",
    e: [1.5, NaN, Infinity],
  };
  const text = jsonForScript(value);
  assert.doesNotMatch(text, /[<>&\u2028\u2029]/);
  assert.deepEqual(JSON.parse(text), { ...value, e: [1.5, null, null] });
});
