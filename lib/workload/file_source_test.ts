import assert from "node:assert/strict";
import { ConfigError } from "../config/errors.ts";
import { formatFromPath, parseWorkloadFile } from "./file_source.ts";

const prompts = (text: string, name: string, options = {}) =>
  parseWorkloadFile(text, name, options).map((d) => d.item);

/** Expects a ConfigError from `fn`; returns it. */
function throwsConfig(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    return err;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("formatFromPath() picks the format from the extension, text otherwise", () => {
  assert.equal(formatFromPath("x.json"), "json");
  assert.equal(formatFromPath("x.jsonl"), "jsonl");
  assert.equal(formatFromPath("x.ndjson"), "jsonl");
  assert.equal(formatFromPath("x.CSV"), "csv");
  assert.equal(formatFromPath("x.txt"), "text");
  assert.equal(formatFromPath("prompts"), "text");
});

Deno.test("text: one prompt a line, blank lines skipped, CRLF handled", () => {
  assert.deepEqual(prompts("a\r\n\r\n b \nc", "p.txt"), [
    { prompt: "a" },
    { prompt: " b " },
    { prompt: "c" },
  ]);
});

Deno.test("json: an array of strings, or of objects with prompt / messages / output_len", () => {
  assert.deepEqual(prompts('["x", "y"]', "p.json"), [{ prompt: "x" }, { prompt: "y" }]);
  const objs = JSON.stringify([
    { prompt: "p", output_len: 12 },
    { question: "ignored without column", prompt: "q" },
    {
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: "u" },
        { role: "assistant", content: "recorded answer" },
      ],
    },
  ]);
  assert.deepEqual(prompts(objs, "p.json"), [
    { prompt: "p", outputLen: 12 },
    { prompt: "q" },
    { prompt: "u", messages: [{ role: "system", content: "s" }, { role: "user", content: "u" }] },
  ]);
  // The recorded answer is kept beside the request (for output lengths).
  assert.equal(parseWorkloadFile(objs, "p.json")[2].answer, "recorded answer");
  assert.deepEqual(prompts('[{"question":"why?"}]', "p.json", { column: "question" }), [
    { prompt: "why?" },
  ]);
});

Deno.test("jsonl: prompt or messages a line, output_len or outputLen, any extension with format", () => {
  const text = [
    '{"prompt":"a","output_len":5}',
    "",
    '{"messages":[{"role":"user","content":"b"}],"outputLen":7}',
  ].join("\n");
  assert.deepEqual(prompts(text, "data.log", { format: "jsonl" }), [
    { prompt: "a", outputLen: 5 },
    { prompt: "b", messages: [{ role: "user", content: "b" }], outputLen: 7 },
  ]);
});

Deno.test("csv: the named column, quoted fields with commas and newlines, output_len column", () => {
  const csv = 'id,text,output_len\n1,"Hello, world",16\n2,"two\nlines",\n3,,4\n';
  assert.deepEqual(prompts(csv, "d.csv", { column: "text" }), [
    { prompt: "Hello, world", outputLen: 16 },
    { prompt: "two\nlines" },
  ]);
  // Default column "prompt"; a byte-order mark is ignored.
  assert.deepEqual(prompts("\uFEFFprompt\nhi\n", "d.csv"), [{ prompt: "hi" }]);
});

Deno.test("csv: a missing column is a ConfigError naming it and the columns present", () => {
  const e = throwsConfig(() => parseWorkloadFile("id,text\n1,a\n", "d.csv", { column: "prompt" }));
  assert.equal(e.issues[0].path, "workload.column");
  assert.equal(e.issues[0].received, '"prompt"');
  assert.match(e.issues[0].expected, /its columns: "id", "text"/);
  assert.match(e.message, /'workload.column' must be a column of d.csv/);
  // Also without an explicit column (the default "prompt").
  assert.match(throwsConfig(() => parseWorkloadFile("a,b\n1,2\n", "d.csv")).message, /"a", "b"/);
});

Deno.test("bad contents are ConfigErrors that say where and what", () => {
  const cases: [string, string, RegExp][] = [
    ["p.jsonl", '{"prompt":"ok"}\nnot json\n', /p\.jsonl line 2.*a JSON object.*not json/],
    ["p.jsonl", '{"text":"x"}\n', /line 1.*non-empty string "prompt" or "messages"/],
    ["p.jsonl", '{"prompt":"x","output_len":0}\n', /"output_len" as a positive integer/],
    ["p.jsonl", '{"messages":[{"role":"bot","content":"x"}]}\n', /"messages" as a list of/],
    ["p.jsonl", '{"messages":[{"role":"system","content":"x"}]}\n', /"messages" with a user turn/],
    ["p.json", '{"prompt":"x"}', /a JSON array/],
    ["p.json", "[1]", /item 0/],
    ["p.json", "[", /valid JSON/],
    ["p.txt", "\n\n", /at least one prompt/],
    ["p.csv", 'prompt\n"unclosed\n', /valid CSV/],
  ];
  for (const [name, text, re] of cases) {
    assert.match(throwsConfig(() => parseWorkloadFile(text, name)).message, re, `${name}: ${text}`);
  }
});
