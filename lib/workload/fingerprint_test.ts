import assert from "node:assert/strict";
import { join } from "node:path";
import { tinyTokenizer, withTempDir } from "./_test_helpers.ts";
import { addObservedOutput, fingerprint, type SamplingParams } from "./fingerprint.ts";
import { loadWorkload } from "./load.ts";
import { defaultTokenizer, type Tokenizer } from "./tokenizer.ts";
import type { Workload, WorkloadItem } from "./types.ts";

const sampling = { maxTokens: 128, temperature: 0, topP: 1, ignoreEos: false };
const wl = (items: WorkloadItem[], extra: Partial<Workload> = {}): Workload => ({
  items,
  tokenizer: null,
  description: {},
  ...extra,
});

/** A default-tokenizer loader that counts its calls. */
function countingLoader(): { load: () => Promise<Tokenizer>; calls: () => number } {
  let n = 0;
  return {
    load: () => {
      n++;
      return defaultTokenizer();
    },
    calls: () => n,
  };
}

Deno.test("the hash changes when any prompt or sampling parameter changes, and only then", async () => {
  const tok = await defaultTokenizer();
  const items: WorkloadItem[] = [
    { prompt: "What is a GPU?" },
    { prompt: "Explain KV caches.", outputLen: 64 },
    { prompt: "q", messages: [{ role: "system", content: "s" }, { role: "user", content: "q" }] },
  ];
  const base = await fingerprint(wl(items), sampling, tok);
  // Same content, keys in another order: same hash.
  const reordered = await fingerprint(
    wl(items.map((i) => Object.fromEntries(Object.entries(i).reverse()) as WorkloadItem)),
    { ignoreEos: false, topP: 1, temperature: 0, maxTokens: 128 },
    tok,
  );
  assert.equal(reordered.sha256, base.sha256);
  assert.deepEqual(reordered, base);

  const variants: [string, WorkloadItem[], SamplingParams][] = [
    ["one prompt's text", [{ prompt: "What is a TPU?" }, items[1], items[2]], sampling],
    ["one output length", [items[0], { ...items[1], outputLen: 65 }, items[2]], sampling],
    ["the system message", [items[0], items[1], {
      ...items[2],
      messages: [{ role: "system", content: "S" }, { role: "user", content: "q" }],
    }], sampling],
    ["the order", [items[1], items[0], items[2]], sampling],
    ["one prompt fewer", items.slice(0, 2), sampling],
    ["a think time", [items[0], items[1], {
      ...items[2],
      conversation: { id: 0, turn: 1, thinkMs: 5 },
    }], sampling],
    ["maxTokens", items, { ...sampling, maxTokens: 129 }],
    ["temperature", items, { ...sampling, temperature: 0.7 }],
    ["topP", items, { ...sampling, topP: 0.9 }],
    ["ignoreEos", items, { ...sampling, ignoreEos: true }],
    ["a new sampling field", items, { ...sampling, seed: 1 }],
  ];
  const seen = new Set([base.sha256]);
  for (const [what, its, s] of variants) {
    const fp = await fingerprint(wl(its), s, tok);
    assert.ok(!seen.has(fp.sha256), `sha256 must change with ${what}`);
    seen.add(fp.sha256);
    assert.equal(fp.itemsSha256 === base.itemsSha256, its === items, `itemsSha256 and ${what}`);
  }
});

Deno.test("the hashes leave out inputLen: the same requests counted by another tokenizer hash the same", async () => {
  const items: WorkloadItem[] = [{ prompt: "alpha beta" }, { prompt: "gamma" }];
  const plain = await fingerprint(wl(items), sampling, await defaultTokenizer());
  const tiny = await tinyTokenizer();
  const counted = await fingerprint(
    wl(items.map((it) => ({ ...it, inputLen: tiny.encode(it.prompt).length }))),
    sampling,
    tiny,
  );
  assert.equal(counted.sha256, plain.sha256);
  assert.equal(counted.itemsSha256, plain.itemsSha256);
  assert.deepEqual(counted.tokenizer, { name: "tiny", kind: "hf" });
  assert.notDeepEqual(counted.inputLen, plain.inputLen, "the counts themselves differ");
});

Deno.test("percentiles of input and requested output lengths; requested falls back to maxTokens", async () => {
  const tok = await defaultTokenizer();
  const items = Array.from({ length: 100 }, (_, i) => ({
    prompt: Array.from({ length: i + 1 }, () => " the").join(""),
    ...(i < 10 ? { outputLen: 7 } : {}),
  }));
  const fp = await fingerprint(wl(items), { maxTokens: 256 }, tok);
  // Nearest rank: the 50th, 95th and 99th of 1..100 tokens.
  assert.deepEqual(fp.inputLen, { p50: 50, p95: 95, p99: 99 });
  assert.deepEqual(fp.outputLenRequested, { p50: 256, p95: 256, p99: 256 });
  const none = await fingerprint(wl(items.slice(20)), {}, tok);
  assert.equal(none.outputLenRequested, null);
  const some = await fingerprint(wl(items.slice(0, 20)), { maxTokens: 256 }, tok);
  assert.deepEqual(some.outputLenRequested, { p50: 7, p95: 256, p99: 256 });
});

Deno.test("a prefix-sharing workload reports the expected common prefix and ideal hit ratio", async () => {
  const tok = await defaultTokenizer();
  const one = await loadWorkload({
    source: "prefix",
    groups: 1,
    prefixTokens: 64,
    inputLen: 32,
    count: 20,
  });
  const fp1 = await fingerprint(one, sampling, tok);
  assert.deepEqual(fp1.commonPrefix, { tokens: 64, share: 1 });
  assert.equal(fp1.systemPromptDetected, true);
  assert.deepEqual(fp1.systemPrompt, { tokens: 64, share: 1 });
  assert.equal(fp1.idealPrefixHitRatio, (19 * 64) / (20 * 96));

  const four = await loadWorkload({
    source: "prefix",
    groups: 4,
    prefixTokens: 40,
    inputLen: "uniform:10,30",
    count: 40,
  });
  const fp4 = await fingerprint(four, sampling, tok);
  // Four groups of ten: each group's 40-token prefix is shared by a quarter.
  assert.deepEqual(fp4.commonPrefix, { tokens: 40, share: 0.25 });
  assert.equal(fp4.systemPromptDetected, false);
  const total = four.items.reduce((s, i) => s + i.inputLen!, 0);
  assert.equal(fp4.idealPrefixHitRatio, (36 * 40) / total);
});

Deno.test("system prompt detection: 80% sharing 16+ tokens, or a shared system message", async () => {
  const tok = await defaultTokenizer();
  const system = "You are a helpful assistant that answers questions about GPUs, briefly and " +
    "exactly, citing the vendor documentation you used for every claim.";
  assert.ok(tok.encode(system).length >= 16);
  const make = (shared: number, total: number) =>
    Array.from({ length: total }, (_, i) => ({
      prompt: i < shared ? `${system} Question ${i}?` : `Unrelated prompt number ${i}, no prefix.`,
    }));
  const at80 = await fingerprint(wl(make(8, 10)), sampling, tok);
  assert.equal(at80.systemPromptDetected, true);
  assert.equal(at80.systemPrompt?.share, 0.8);
  assert.ok(at80.systemPrompt!.tokens >= 16);
  const at70 = await fingerprint(wl(make(7, 10)), sampling, tok);
  assert.equal(at70.systemPromptDetected, false);
  assert.equal(at70.commonPrefix.share, 0.7, "the shared prefix is still reported");
  // Shorter than 16 tokens: not a system prompt.
  const short = await fingerprint(
    wl([{ prompt: "Hi there, a" }, { prompt: "Hi there, b" }]),
    sampling,
    tok,
  );
  assert.equal(short.systemPromptDetected, false);
  assert.equal(short.commonPrefix.tokens, 3);
  // A short system message shared by every chat request is one.
  const chat = await fingerprint(
    wl(["a", "b", "c"].map((q) => ({
      prompt: q,
      messages: [{ role: "system" as const, content: "Be brief." }, {
        role: "user" as const,
        content: q,
      }],
    }))),
    sampling,
    tok,
  );
  assert.equal(chat.systemPromptDetected, true);
  assert.deepEqual(chat.systemPrompt, { tokens: tok.encode("Be brief.").length, share: 1 });
  // No shared first token anywhere: no common prefix.
  const distinct = await fingerprint(wl([{ prompt: "alpha" }, { prompt: "beta" }]), sampling, tok);
  assert.deepEqual(distinct.commonPrefix, { tokens: 0, share: 0 });
});

Deno.test("addObservedOutput(): nearest-rank percentiles of what the engine produced, on a copy", async () => {
  const fp = await fingerprint(wl([{ prompt: "a" }, { prompt: "b" }]), sampling);
  const full = addObservedOutput(fp, Array.from({ length: 100 }, () => 128));
  const early = addObservedOutput(fp, Array.from({ length: 100 }, (_, i) => 20 + i));
  assert.deepEqual(full.outputLenObserved, { p50: 128, p95: 128, p99: 128, count: 100 });
  assert.deepEqual(early.outputLenObserved, { p50: 69, p95: 114, p99: 118, count: 100 });
  assert.equal(fp.outputLenObserved, undefined, "the input is not changed");
  assert.equal(full.sha256, fp.sha256);
  assert.deepEqual(addObservedOutput(fp, []), fp);
});

// --- no tokenizer given: the default, or the cache -------------------------------

Deno.test("no tokenizer given: counted with the default, and equal to a fingerprint given it", async () => {
  const w = wl([{ prompt: "What is a GPU?" }, { prompt: "What is a TPU?" }]);
  const counter = countingLoader();
  const lazy = await fingerprint(w, sampling, undefined, { defaultTokenizer: counter.load });
  assert.equal(counter.calls(), 1);
  assert.deepEqual(lazy, await fingerprint(w, sampling, await defaultTokenizer()));
  assert.deepEqual(lazy.tokenizer, { name: "o200k_base", kind: "default" });
});

Deno.test("the cache: a second fingerprint of the same items loads no tokenizer and is equal field for field", async () => {
  await withTempDir(async (cacheDir) => {
    const w = wl([
      { prompt: "You are terse. What is a GPU?" },
      { prompt: "You are terse. What is a TPU?" },
    ]);
    const counter = countingLoader();
    const options = { cacheDir, defaultTokenizer: counter.load };
    const first = await fingerprint(w, sampling, undefined, options);
    assert.equal(counter.calls(), 1, "the first run counts with the tokenizer");
    const files = [...Deno.readDirSync(join(cacheDir, "fingerprints"))].map((e) => e.name);
    assert.deepEqual(files, [`o200k_base-v1-${first.itemsSha256}.json`]);

    const second = await fingerprint(w, { ...sampling, temperature: 1 }, undefined, options);
    assert.equal(counter.calls(), 1, "the second run reads the counts back");
    assert.deepEqual({ ...second, sampling: first.sampling, sha256: first.sha256 }, first);

    // Other items: counted again.
    await fingerprint(wl([{ prompt: "other" }]), sampling, undefined, options);
    assert.equal(counter.calls(), 2);

    // A damaged entry is counted again (and rewritten), never trusted.
    const file = join(cacheDir, "fingerprints", files[0]);
    await Deno.writeTextFile(file, '{"inputLen": {"p50": "x"}}');
    const again = await fingerprint(w, sampling, undefined, options);
    assert.equal(counter.calls(), 3);
    assert.deepEqual(again, first);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(file)).inputLen, first.inputLen);
  });
});

Deno.test("the cache is only kept for the default tokenizer, and an unwritable one is only slower", async () => {
  await withTempDir(async (dir) => {
    const w = wl([{ prompt: "a b" }]);
    // A loader that gives another tokenizer: its counts are not filed under o200k_base.
    const tiny = await tinyTokenizer();
    const fp = await fingerprint(w, sampling, undefined, {
      cacheDir: dir,
      defaultTokenizer: () => Promise.resolve(tiny),
    });
    assert.equal(fp.tokenizer.name, "tiny");
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    // A cache folder that is a file: nothing is kept, the fingerprint is the same.
    const notDir = join(dir, "file");
    await Deno.writeTextFile(notDir, "");
    const counter = countingLoader();
    const a = await fingerprint(w, sampling, undefined, {
      cacheDir: notDir,
      defaultTokenizer: counter.load,
    });
    const b = await fingerprint(w, sampling, undefined, {
      cacheDir: notDir,
      defaultTokenizer: counter.load,
    });
    assert.deepEqual(a, b);
    assert.equal(counter.calls(), 2);
  });
});
