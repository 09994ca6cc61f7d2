import assert from "node:assert/strict";
import { join } from "node:path";
import { rejectsConfig, testdata, withTempDir, writeFiles } from "./_test_helpers.ts";
import type { HubFetcher } from "./hub.ts";
import { loadTokenizer } from "./load_tokenizer.ts";
import { defaultTokenizer } from "./tokenizer.ts";

const env = (vars: Record<string, string>) => (n: string) => vars[n];

Deno.test("the default tokenizer is o200k_base, offline, labelled default, and shared", async () => {
  const a = await loadTokenizer();
  assert.deepEqual(a.info, { name: "o200k_base", kind: "default" });
  assert.equal(a, await defaultTokenizer());
  // o200k_base ids of a known string (as OpenAI's tiktoken gives them).
  assert.deepEqual(a.encode("Hello world"), [13225, 2375]);
  assert.equal(a.decode(a.encode("naïve café — 東京")), "naïve café — 東京");
  // Special-token text is encoded as ordinary text, not refused.
  assert.ok(a.encode("<|endoftext|>").length > 1);
});

Deno.test("a tokenizer.json path, relative to baseDir, or a folder holding one", async () => {
  const tj = await Deno.readTextFile(testdata("tiny_bpe_tokenizer.json"));
  await withTempDir(async (dir) => {
    await writeFiles(dir, { "tok/tokenizer.json": tj, "my.json": tj });
    const byFile = await loadTokenizer("my.json", { baseDir: dir });
    assert.deepEqual(byFile.info, { name: "my.json", kind: "hf" });
    const byDir = await loadTokenizer(join(dir, "tok"));
    assert.equal(byDir.info.kind, "hf");
    // Lengths exclude special tokens; decode skips them.
    assert.deepEqual(byDir.encode(" the model"), byFile.encode(" the model"));
    assert.equal(byDir.encode(" the model").length, 2);
  });
});

Deno.test("a model id is found in the splleed cache, then in the Hugging Face hub cache", async () => {
  const tj = await Deno.readTextFile(testdata("tiny_bpe_tokenizer.json"));
  await withTempDir(async (dir) => {
    const cacheDir = join(dir, "splleed");
    const hub = join(dir, "hf", "hub");
    await writeFiles(dir, {
      "hf/hub/models--org--hubmodel/refs/main": "abc123\n",
      "hf/hub/models--org--hubmodel/snapshots/abc123/tokenizer.json": tj,
      "splleed/tokenizers/org/ours/tokenizer.json": tj,
    });
    const noNet: HubFetcher = {
      listFiles: () => Promise.reject(new Error("no network in tests")),
      download: () => Promise.reject(new Error("no network in tests")),
    };
    const opts = { cacheDir, fetcher: noNet, env: env({ HF_HUB_CACHE: hub }) };
    assert.deepEqual((await loadTokenizer("org/ours", opts)).info, {
      name: "org/ours",
      kind: "hf",
    });
    assert.deepEqual((await loadTokenizer("org/hubmodel", opts)).info, {
      name: "org/hubmodel",
      kind: "hf",
    });
  });
});

Deno.test("a model id in no cache is downloaded once through the fetcher into the splleed cache", async () => {
  const tj = await Deno.readTextFile(testdata("tiny_bpe_tokenizer.json"));
  await withTempDir(async (dir) => {
    const calls: string[] = [];
    const fake: HubFetcher = {
      listFiles: () => Promise.resolve([]),
      async download(repo, path, revision, dest) {
        calls.push(`${repo.type}:${repo.name}:${path}@${revision}`);
        if (path !== "tokenizer.json") throw new Error("404");
        await writeFiles(join(dest, ".."), { "tokenizer.json": tj });
      },
    };
    const opts = { cacheDir: dir, fetcher: fake, env: env({ HF_HUB_CACHE: join(dir, "none") }) };
    await loadTokenizer("org/m", opts);
    assert.deepEqual(calls, [
      "model:org/m:tokenizer.json@main",
      "model:org/m:tokenizer_config.json@main",
    ]);
    assert.ok((await Deno.stat(join(dir, "tokenizers", "org", "m", "tokenizer.json"))).isFile);
    await loadTokenizer("org/m", opts);
    assert.equal(calls.length, 2, "the second load reads the cache");
  });
});

Deno.test("an unknown model id offline is a ConfigError listing every path tried and what fixes it", async () => {
  await withTempDir(async (dir) => {
    const e = await rejectsConfig(loadTokenizer("org/missing", {
      cacheDir: join(dir, "c"),
      env: env({ HF_HUB_OFFLINE: "1", HF_HOME: join(dir, "hf") }),
    }));
    assert.equal(e.issues[0].path, "workload.tokenizer");
    assert.ok(e.message.includes(join(dir, "c", "tokenizers", "org", "missing", "tokenizer.json")));
    assert.ok(e.message.includes(join(dir, "hf", "hub", "models--org--missing")));
    assert.match(e.message, /SPLLEED_CACHE_DIR, HF_HOME or HF_HUB_CACHE/);
    assert.match(e.message, /downloads are off/);
  });
});

Deno.test("a missing path, or a file that is not a tokenizer, is a ConfigError", async () => {
  await withTempDir(async (dir) => {
    await writeFiles(dir, { "bad.json": "{ nope", "odd.json": '{"model":{"type":"Nope"}}' });
    assert.match(
      (await rejectsConfig(loadTokenizer("./nope/tokenizer.json", { baseDir: dir }))).message,
      /no such file/,
    );
    assert.match(
      (await rejectsConfig(loadTokenizer("bad.json", { baseDir: dir }))).message,
      /a readable tokenizer.json \(JSON\)/,
    );
    assert.match(
      (await rejectsConfig(loadTokenizer("odd.json", { baseDir: dir }))).message,
      /@huggingface\/tokenizers can load/,
    );
  });
});
