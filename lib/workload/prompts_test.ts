import assert from "node:assert/strict";
import { join } from "node:path";
import { normalizeWorkload, type PromptsSpec } from "../config/benchmark.ts";
import { ConfigError } from "../config/errors.ts";
import { loadWorkload } from "./load.ts";
import { decodeTextFile, parsePromptsText, TEXT_SNIFF_BYTES } from "./prompts.ts";

/**
 * The older `prompts` field as a run loads it: normalised into a workload
 * source by the spec schema, then loaded by that source. The assertions
 * below are those `loadPrompts` (which read the field before) passed, errors
 * included.
 */
async function loadPrompts(spec: PromptsSpec): Promise<string[]> {
  const w = normalizeWorkload(spec);
  assert.ok(w !== undefined);
  return (await loadWorkload(w)).items.map((it) => it.prompt);
}

/** Writes `text` to a file named `name` in a fresh temp dir and runs `fn` with its path. */
async function withFile(
  name: string,
  text: string,
  fn: (path: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "splleed_prompts_test_" });
  try {
    const path = join(dir, name);
    await Deno.writeTextFile(path, text);
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Awaits `p`, expecting a ConfigError; returns it. */
async function rejectsConfig(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    return err;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("prompts: an inline list is used as a copy", async () => {
  const list = ["a", "b"];
  const got = await loadPrompts(list);
  assert.deepEqual(got, ["a", "b"]);
  got.push("c");
  assert.deepEqual(list, ["a", "b"]);
});

Deno.test("prompts: { file } reads a text file, one prompt a line, skipping blank lines", async () => {
  const text = "What is 2+2?\n\n   \nTell me a joke.\r\n  keep my spaces  \n\n";
  await withFile("prompts.txt", text, async (path) => {
    assert.deepEqual(await loadPrompts({ file: path }), [
      "What is 2+2?",
      "Tell me a joke.",
      "  keep my spaces  ",
    ]);
  });
});

Deno.test("prompts: { file } reads a JSONL file's prompt fields, skipping blank lines", async () => {
  const text = [
    JSON.stringify({ prompt: "first", id: 1 }),
    "",
    JSON.stringify({ prompt: 'second, with "quotes"\nand a newline' }),
    "  ",
    JSON.stringify({ prompt: "third", meta: { x: 1 } }),
    "",
  ].join("\n");
  for (const name of ["p.jsonl", "p.ndjson", "P.JSONL"]) {
    await withFile(name, text, async (path) => {
      assert.deepEqual(await loadPrompts({ file: path }), [
        "first",
        'second, with "quotes"\nand a newline',
        "third",
      ]);
    });
  }
});

Deno.test("prompts: { file } reads a .txt file as text even when its lines look like JSON", async () => {
  await withFile("p.txt", '{"prompt":"x"}\n', async (path) => {
    assert.deepEqual(await loadPrompts({ file: path }), ['{"prompt":"x"}']);
  });
});

Deno.test("prompts: { file } names the line of a bad JSONL line", async () => {
  const bad = [
    "not json at all", // invalid JSON
    '{"question": "no prompt field"}', // no prompt or text
    '{"prompt": 42}', // prompt not a string
    '{"prompt": ""}', // empty prompt
    '["prompt"]', // not an object
  ];
  for (const line of bad) {
    // Line 1 is valid, line 2 blank, line 3 bad.
    const text = `{"prompt":"ok"}\n\n${line}\n{"prompt":"later"}\n`;
    await withFile("p.jsonl", text, async (path) => {
      const err = await rejectsConfig(loadPrompts({ file: path }));
      assert.equal(err.issues.length, 1);
      assert.ok(err.issues[0].path.includes("line 3"), err.issues[0].path);
      assert.ok(err.issues[0].path.includes(path), err.issues[0].path);
      assert.match(err.issues[0].expected, /"prompt" or "text"/);
      assert.equal(err.issues[0].received, line);
      assert.ok(err.message.includes("line 3"), err.message);
    });
  }
});

Deno.test("parsePromptsText() shortens a long bad line in the error", () => {
  const line = "x".repeat(200);
  assert.throws(() => parsePromptsText(line, "p.jsonl"), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.ok(err.issues[0].received.length <= 60, err.issues[0].received);
    assert.ok(err.issues[0].received.endsWith("..."));
    return true;
  });
});

Deno.test("prompts: { file } rejects a file with no prompts", async () => {
  for (const [name, text] of [["empty.txt", ""], ["blank.txt", "\n  \n\r\n"], ["e.jsonl", "\n"]]) {
    await withFile(name, text, async (path) => {
      const err = await rejectsConfig(loadPrompts({ file: path }));
      assert.equal(err.issues[0].path, "prompts");
      assert.match(err.issues[0].expected, /at least one prompt/);
      assert.ok(err.message.includes(path), err.message);
    });
  }
});

Deno.test("prompts: { file } names the path of a missing file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "splleed_prompts_test_" });
  try {
    const path = join(dir, "does_not_exist.txt");
    const err = await rejectsConfig(loadPrompts({ file: path }));
    assert.equal(err.issues[0].path, "prompts.file");
    assert.match(err.issues[0].expected, /readable file/);
    assert.ok(err.message.includes(JSON.stringify(path)), err.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("prompts: { file } reads a .json file as a JSON list (strings, or objects with prompt or text), not as lines", async () => {
  const list = JSON.stringify(
    [
      "plain string",
      { prompt: "with\nnewline", id: 1 },
      { text: "from text" },
      { prompt: "prompt wins", text: "not this" },
    ],
    null,
    2,
  );
  assert.ok(
    list.split("\n").length > 4,
    "pretty-printed: read as lines it would give more prompts",
  );
  for (const name of ["p.json", "P.JSON"]) {
    await withFile(name, list, async (path) => {
      assert.deepEqual(await loadPrompts({ file: path }), [
        "plain string",
        "with\nnewline",
        "from text",
        "prompt wins",
      ]);
    });
  }
});

Deno.test("prompts: a bad .json prompts file is a ConfigError naming the file and the item", () => {
  const cases: [string, RegExp, RegExp][] = [
    ['["a", ', /p\.json/, /valid JSON/],
    ['{"prompt": "a"}', /p\.json/, /a JSON list of prompts/],
    ['["a", 7]', /p\.json item 1/, /non-empty string/],
    ['["a", ""]', /p\.json item 1/, /non-empty string/],
    ['[{"conversations": []}]', /p\.json item 0/, /ShareGPT file: give it with --dataset/],
    ["[]", /^prompts$/, /at least one prompt/],
  ];
  for (const [text, path, expected] of cases) {
    assert.throws(() => parsePromptsText(text, "p.json"), (err: unknown) => {
      assert.ok(err instanceof ConfigError, `${text}: ${err}`);
      assert.match(err.issues[0].path, path, text);
      assert.match(err.issues[0].expected, expected, text);
      return true;
    });
  }
});

Deno.test("prompts: a binary file is refused, naming the file, never read as lines", async () => {
  const dir = await Deno.makeTempDir({ prefix: "splleed_prompts_test_" });
  try {
    // A gzip header, a PNG header, UTF-16 text, Latin-1 text: each read as
    // lines would give garbled prompts.
    const files: [string, Uint8Array, RegExp][] = [
      [
        "p.txt.gz",
        new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x01, 0x02]),
        /NUL byte at byte 3/,
      ],
      [
        "img.txt",
        new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        /not UTF-8 at byte 0/,
      ],
      ["u16.txt", new Uint8Array([0xff, 0xfe, 0x68, 0x00, 0x69, 0x00]), /save it as UTF-8/],
      ["latin1.jsonl", new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a]), /not UTF-8 at byte 3/],
    ];
    for (const [name, bytes, why] of files) {
      const path = join(dir, name);
      await Deno.writeFile(path, bytes);
      const err = await rejectsConfig(loadPrompts({ file: path }));
      assert.equal(err.issues[0].path, "prompts.file");
      assert.ok(err.message.includes(`"${path}", which is not a text file`), err.message);
      assert.match(err.message, /looks binary/);
      assert.match(err.message, why);
      // The file source refuses it too, under its own field.
      const w = await loadWorkload({ source: "file", path }).then(
        () => assert.fail(`${name}: expected a ConfigError`),
        (e) => e,
      );
      assert.ok(w instanceof ConfigError && w.issues[0].path === "workload.path", String(w));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("decodeTextFile() checks only the first bytes; valid UTF-8 (any script, a BOM, a cut character) passes", () => {
  const enc = new TextEncoder();
  assert.equal(decodeTextFile(enc.encode("\uFEFFcafé ☕ 日本 🚀\n"), "p.txt"), "café ☕ 日本 🚀\n");
  // A multi-byte character across the end of the checked window is not an error.
  const cut = enc.encode("a".repeat(TEXT_SNIFF_BYTES - 1) + "é");
  assert.equal(decodeTextFile(cut, "p.txt").length, TEXT_SNIFF_BYTES);
  // ...but one cut by the end of the file is.
  assert.throws(() => decodeTextFile(enc.encode("ab€").subarray(0, 4), "p.txt"), /byte 2/);
  // Overlong forms and surrogates are not UTF-8.
  assert.throws(() => decodeTextFile(new Uint8Array([0x41, 0xc0, 0xaf]), "p.txt"), /byte 1/);
  assert.throws(() => decodeTextFile(new Uint8Array([0xed, 0xa0, 0x80]), "p.txt"), /byte 0/);
  // Past the checked window a NUL is not looked for.
  const late = new Uint8Array(TEXT_SNIFF_BYTES + 2).fill(0x61);
  late[TEXT_SNIFF_BYTES + 1] = 0;
  assert.equal(decodeTextFile(late, "p.txt").length, TEXT_SNIFF_BYTES + 2);
});

Deno.test("prompts: { file } refuses JSONL request fields it would not send, naming them and where they are read", async () => {
  const text = JSON.stringify({ prompt: "as JSON", response_format: { type: "json_object" } });
  await withFile("p.jsonl", text, async (path) => {
    await assert.rejects(
      loadPrompts({ file: path }),
      /line 1\)' must be .*no request fields \(response_format: read by a file workload: workload: \{ source: file/,
    );
  });
});
