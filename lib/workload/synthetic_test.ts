import assert from "node:assert/strict";
import { seededRandom } from "../util/random.ts";
import { tinyTokenizer } from "./_test_helpers.ts";
import { prefixItems } from "./prefix.ts";
import { synthesizeText, syntheticItems, wordTokens } from "./synthetic.ts";
import { defaultTokenizer, type Tokenizer } from "./tokenizer.ts";

async function tokenizers(): Promise<Tokenizer[]> {
  return [await defaultTokenizer(), await tinyTokenizer()];
}

Deno.test("synthesizeText() meets every target exactly when re-encoded, with each tokenizer", async () => {
  for (const tok of await tokenizers()) {
    const rng = seededRandom(11);
    for (const target of [1, 2, 3, 7, 16, 64, 100, 257, 1000, 2048]) {
      const { text, ids } = synthesizeText(tok, target, rng);
      assert.equal(tok.encode(text).length, target, `${tok.info.name} ${target}`);
      assert.deepEqual(ids, tok.encode(text));
    }
  }
});

Deno.test("synthesizeText() after a prefix keeps the prefix's tokens and adds exactly the target", async () => {
  for (const tok of await tokenizers()) {
    const rng = seededRandom(3);
    const prefix = synthesizeText(tok, 40, rng).ids;
    for (const target of [1, 5, 33, 300]) {
      const { text } = synthesizeText(tok, target, rng, prefix);
      const ids = tok.encode(text);
      assert.deepEqual(ids.slice(0, 40), prefix, tok.info.name);
      assert.equal(ids.length, 40 + target, tok.info.name);
    }
  }
});

Deno.test("synthesizeText() rejects a target that is not a positive integer", async () => {
  const tok = await defaultTokenizer();
  assert.throws(() => synthesizeText(tok, 0, seededRandom(0)), RangeError);
  assert.throws(() => synthesizeText(tok, 2.5, seededRandom(0)), RangeError);
});

Deno.test("wordTokens() falls back to a word bank for a tokenizer that does not give its vocabulary size", async () => {
  const tiny = await tinyTokenizer();
  const noSize: Tokenizer = { info: tiny.info, encode: tiny.encode, decode: tiny.decode };
  const pool = wordTokens(noSize);
  assert.ok(pool.length > 10);
  const { text } = synthesizeText(noSize, 50, seededRandom(0));
  assert.equal(tiny.encode(text).length, 50);
});

Deno.test("syntheticItems(): lengths follow the distribution, and the text has exactly that many tokens", async () => {
  const tok = await defaultTokenizer();
  const items = await syntheticItems(tok, {
    count: 40,
    inputLen: { dist: "uniform", min: 10, max: 200 },
    outputLen: { dist: "normal", mean: 64, std: 8 },
    rng: seededRandom(9),
  });
  assert.equal(items.length, 40);
  for (const it of items) {
    assert.equal(tok.encode(it.prompt).length, it.inputLen);
    assert.ok(it.inputLen! >= 10 && it.inputLen! <= 200);
    assert.ok(Number.isInteger(it.outputLen) && it.outputLen! >= 1);
  }
  assert.ok(new Set(items.map((i) => i.inputLen)).size > 20, "lengths vary");
});

Deno.test("prefixItems(): each prompt starts with its group's prefix tokens; the ideal hit ratio counts first prompts as misses", async () => {
  const tok = await tinyTokenizer();
  const w = await prefixItems(tok, {
    groups: 3,
    prefixTokens: 24,
    inputLen: 8,
    count: 10,
    rng: seededRandom(4),
  });
  const enc = w.items.map((it) => tok.encode(it.prompt));
  for (let i = 0; i < 10; i++) {
    assert.equal(enc[i].length, 32);
    assert.deepEqual(enc[i].slice(0, 24), enc[i % 3].slice(0, 24), `prompt ${i}`);
    assert.equal(w.items[i].inputLen, 32);
  }
  // Different groups differ from the first token on.
  assert.notEqual(enc[0][0], enc[1][0]);
  assert.notEqual(enc[1][0], enc[2][0]);
  assert.equal(new Set(w.items.map((i) => i.prompt)).size, 10, "suffixes are unique");
  assert.equal(w.idealPrefixHitRatio, (7 * 24) / (10 * 32));
});

Deno.test("prefixItems(): more groups than prompts uses one group a prompt (no reuse)", async () => {
  const tok = await defaultTokenizer();
  const w = await prefixItems(tok, {
    groups: 8,
    prefixTokens: 5,
    inputLen: 5,
    count: 3,
    rng: seededRandom(0),
  });
  assert.equal(w.items.length, 3);
  assert.equal(w.idealPrefixHitRatio, 0);
});
