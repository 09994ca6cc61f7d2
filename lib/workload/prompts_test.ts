import assert from "node:assert/strict";
import { join } from "node:path";
import { normalizeWorkload, type PromptsSpec } from "../config/benchmark.ts";
import { ConfigError } from "../config/errors.ts";
import { loadWorkload } from "./load.ts";
import { parsePromptsText } from "./prompts.ts";

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
    JSON.stringify({ prompt: "third", extra: { x: 1 } }),
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
    '{"text": "no prompt field"}', // no prompt
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
      assert.match(err.issues[0].expected, /"prompt"/);
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
