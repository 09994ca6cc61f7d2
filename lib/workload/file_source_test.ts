import assert from "node:assert/strict";
import { ConfigError } from "../config/errors.ts";
import { withTempDir } from "./_test_helpers.ts";
import { formatFromPath, parseWorkloadFile } from "./file_source.ts";
import { fingerprint } from "./fingerprint.ts";
import { loadWorkload } from "./load.ts";
import { defaultTokenizer } from "./tokenizer.ts";
import type { WorkloadItem } from "./types.ts";

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

// ---- Per-item request fields (issue 18) ----

const SCHEMA = { type: "object", properties: { n: { type: "integer" } }, required: ["n"] };

Deno.test("jsonl: per-item request fields under OpenAI names; max_tokens is the output length", () => {
  const tools = [{ type: "function", function: { name: "f", parameters: { type: "object" } } }];
  const lines = [
    { prompt: "free text" },
    {
      prompt: "json please",
      response_format: { type: "json_object" },
      max_tokens: 32,
      temperature: 0.2,
    },
    {
      messages: [{ role: "user", content: "call f" }],
      tools,
      tool_choice: "auto",
      extra: { top_k: 5, chat_template_kwargs: { enable_thinking: false } },
    },
    { prompt: "both lengths", output_len: 8, max_tokens: 8 },
  ].map((o) => JSON.stringify(o)).join("\n");
  assert.deepEqual(prompts(lines, "w.jsonl"), [
    { prompt: "free text" },
    {
      prompt: "json please",
      outputLen: 32,
      request: { responseFormat: { type: "json_object" }, temperature: 0.2 },
    },
    {
      prompt: "call f",
      messages: [{ role: "user", content: "call f" }],
      request: {
        tools,
        toolChoice: "auto",
        extra: { top_k: 5, chat_template_kwargs: { enable_thinking: false } },
      },
    },
    { prompt: "both lengths", outputLen: 8 },
  ]);
});

Deno.test("schemaColumn: a JSON field (object or JSON text) or a CSV column of JSON text", () => {
  const rf = { type: "json_schema", json_schema: { name: "output", schema: SCHEMA } };
  const jsonl = [
    JSON.stringify({ prompt: "a", schema: SCHEMA }),
    JSON.stringify({ prompt: "b", schema: JSON.stringify(SCHEMA) }),
    JSON.stringify({ prompt: "c" }),
  ].join("\n");
  assert.deepEqual(prompts(jsonl, "w.jsonl", { schemaColumn: "schema" }), [
    { prompt: "a", request: { responseFormat: rf } },
    { prompt: "b", request: { responseFormat: rf } },
    { prompt: "c" },
  ]);
  const cell = `"${JSON.stringify(SCHEMA).replaceAll('"', '""')}"`;
  const csv = `prompt,output_len,schema\nfirst,4,${cell}\nsecond,,\n`;
  assert.deepEqual(prompts(csv, "w.csv", { schemaColumn: "schema" }), [
    { prompt: "first", outputLen: 4, request: { responseFormat: rf } },
    { prompt: "second" },
  ]);
});

Deno.test("bad request fields are ConfigErrors that say where and what", () => {
  const cases: [string, string, Record<string, string>, RegExp][] = [
    [
      "p.jsonl",
      '{"prompt":"x","response_format":"json"}\n',
      {},
      /line 1.*"response_format" as an object with a "type"/,
    ],
    ["p.jsonl", '{"prompt":"x","tools":{"a":1}}\n', {}, /"tools" as a list of tools/],
    [
      "p.jsonl",
      '{"prompt":"x","temperature":-1}\n',
      {},
      /"temperature" as a number of at least 0, got -1/,
    ],
    [
      "p.jsonl",
      '{"prompt":"x","extra":[1]}\n',
      {},
      /"extra" as an object of request fields, got \[1\]/,
    ],
    ["p.jsonl", '{"prompt":"x","max_tokens":0}\n', {}, /"max_tokens" as a positive integer/],
    [
      "p.jsonl",
      '{"prompt":"x","max_tokens":5,"output_len":6}\n',
      {},
      /"max_tokens" equal to "output_len"/,
    ],
    [
      "p.jsonl",
      '{"prompt":"x","s":"{nope"}\n',
      { schemaColumn: "s" },
      /a JSON schema \(an object\) in "s", got \{nope/,
    ],
    [
      "p.jsonl",
      '{"prompt":"x","s":{},"response_format":{"type":"json_object"}}\n',
      { schemaColumn: "s" },
      /either "response_format" or a schema in "s", not both/,
    ],
    [
      "p.csv",
      "prompt,s\nx,[1]\n",
      { schemaColumn: "s" },
      /p\.csv row 2.*a JSON schema \(an object\) in "s"/,
    ],
    [
      "p.csv",
      "prompt\nx\n",
      { schemaColumn: "s" },
      /'workload.schemaColumn' must be a column of p\.csv \(its columns: "prompt"/,
    ],
    [
      "p.txt",
      "x\n",
      { schemaColumn: "s" },
      /'workload.schemaColumn' must be absent for a text file/,
    ],
  ];
  for (const [name, text, options, re] of cases) {
    assert.match(
      throwsConfig(() => parseWorkloadFile(text, name, options)).message,
      re,
      `${name}: ${text}`,
    );
  }
});

Deno.test("the source's responseFormat goes to every item without its own; the description counts them", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/w.jsonl`,
      [
        { prompt: "a" },
        { prompt: "b", response_format: { type: "json_object" } },
        { prompt: "c", tools: [{ type: "function", function: { name: "f" } }] },
      ].map((o) => JSON.stringify(o)).join("\n"),
    );
    const rf = { type: "json_schema", json_schema: { name: "r", schema: SCHEMA } };
    const w = await loadWorkload(
      { source: "file", path: "w.jsonl", responseFormat: rf },
      { baseDir: dir },
    );
    assert.deepEqual(w.items.map((it) => it.request?.responseFormat), [
      rf,
      { type: "json_object" },
      rf,
    ]);
    assert.deepEqual(w.description, {
      source: "file",
      path: "w.jsonl",
      structuredItems: 3,
      toolItems: 1,
      count: 3,
    });
    await assert.rejects(
      loadWorkload({ source: "file", path: "w.jsonl", responseFormat: { schema: {} } }, {
        baseDir: dir,
      }),
      /'workload.responseFormat' must be a response format: \{ type: "json_object" \}/,
    );
  });
});

Deno.test("the fingerprint changes when an item's request fields change, and only then", async () => {
  const sampling = { maxTokens: 16, temperature: 0, topP: 1, ignoreEos: false };
  const tok = await defaultTokenizer();
  const fp = async (items: WorkloadItem[]) =>
    (await fingerprint({ items, tokenizer: null, description: {} }, sampling, tok)).sha256;
  const schema = (t: string) => ({
    type: "json_schema",
    json_schema: { name: "o", schema: { type: "object", properties: { n: { type: t } } } },
  });
  const base = await fp([{ prompt: "a" }, {
    prompt: "b",
    request: { responseFormat: schema("integer") },
  }]);
  assert.equal(
    await fp([{ prompt: "a" }, { prompt: "b", request: { responseFormat: schema("integer") } }]),
    base,
  );
  const changed = [
    [{ prompt: "a" }, { prompt: "b", request: { responseFormat: schema("string") } }],
    [{ prompt: "a" }, { prompt: "b" }],
    [{ prompt: "a", request: { temperature: 0.5 } }, {
      prompt: "b",
      request: { responseFormat: schema("integer") },
    }],
    [{ prompt: "a", request: { extra: { top_k: 5 } } }, {
      prompt: "b",
      request: { responseFormat: schema("integer") },
    }],
    [{ prompt: "a", request: { tools: [] } }, {
      prompt: "b",
      request: { responseFormat: schema("integer") },
    }],
  ] as WorkloadItem[][];
  for (const items of changed) {
    assert.notEqual(await fp(items), base, JSON.stringify(items));
  }
  // sampling.extra is part of the fingerprint too.
  const withExtra = await fingerprint(
    { items: [{ prompt: "a" }], tokenizer: null, description: {} },
    { ...sampling, extra: { top_k: 20 } },
    tok,
  );
  const without = await fingerprint(
    { items: [{ prompt: "a" }], tokenizer: null, description: {} },
    sampling,
    tok,
  );
  assert.notEqual(withExtra.sha256, without.sha256);
});
