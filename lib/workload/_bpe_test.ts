import assert from "node:assert/strict";
import { Tiktoken } from "npm:js-tiktoken@^1.0.21/lite";
import { seededRandom } from "../util/random.ts";
import { bytePairEncoder } from "./_bpe.ts";
import { SAMPLE_PROMPTS } from "./prompts.ts";
import { defaultTokenizer } from "./tokenizer.ts";

const ranks = async () => (await import("npm:js-tiktoken@^1.0.21/ranks/o200k_base")).default;

/** Texts that exercise every branch of o200k's pattern and the merge loop. */
function corpus(): string[] {
  const fixed = [
    ...SAMPLE_PROMPTS,
    "",
    " ",
    "Hello, world",
    "  leading spaces, trailing   \n\n\r\n\t tabs\t",
    "日本語のテキストです。中文也一样。한국어 텍스트",
    "emoji 🚀🔥👩‍👩‍👧 flags 🇫🇷 ok",
    "x".repeat(400),
    "a b ".repeat(200),
    "<|endoftext|> and <|endofprompt|> are plain text here",
    "1234567890 3.14159 1,000,000 0x1F",
    "def f(x):\n    return x**2  # square\n\n",
    "Ünïcödé çàfé naïve Ørsted ÆØÅ ß",
    "a\u0301b\u0300 combining marks",
    "Don't I'LL you've THEY'RE it's",
    "\u0000\u0001 control \u007f bytes",
    "lone surrogate \ud800 here",
    "مرحبا بالعالم שלום עולם",
  ];
  // Seeded random strings over a mixed alphabet: words, digits, punctuation, spaces, non-Latin.
  const alphabet = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"]
    .concat([..." \n\t.,;:!?'\"()[]{}<>|-_=+*/\\@#$%^&~`"])
    .concat([..."éüßøñçЖжπλ中文字日本語🚀😀"]);
  const rng = seededRandom(7);
  const random: string[] = [];
  for (let i = 0; i < 200; i++) {
    const n = 1 + Math.floor(rng.next() * 120);
    let s = "";
    for (let j = 0; j < n; j++) s += alphabet[Math.floor(rng.next() * alphabet.length)];
    random.push(s);
  }
  return [...fixed, ...random];
}

Deno.test("bytePairEncoder: the same ids as js-tiktoken on o200k_base", async () => {
  const r = await ranks();
  const ours = bytePairEncoder(r);
  const ref = new Tiktoken(r);
  for (const text of corpus()) {
    const ids = ours.encode(text);
    assert.deepEqual(ids, ref.encode(text, [], []), `encode ${JSON.stringify(text.slice(0, 40))}`);
    assert.equal(ours.decode(ids), ref.decode(ids), `decode ${JSON.stringify(text.slice(0, 40))}`);
  }
  assert.equal(ours.size, 199_998);
});

Deno.test("bytePairEncoder: decode inverts encode for valid text, special ids decode to their text", async () => {
  const ours = bytePairEncoder(await ranks());
  for (const text of corpus().filter((t) => !t.includes("\ud800"))) {
    assert.equal(ours.decode(ours.encode(text)), text);
  }
  assert.equal(ours.decode([199_999]), "<|endoftext|>");
  assert.equal(ours.decode([10_000_000]), "", "unknown ids are skipped");
});

Deno.test("bytePairEncoder: lowest rank merges first, leftmost on ties", () => {
  // Byte tokens a, b, c (ranks 0-2), then "bc" (3) before "ab" (4).
  const bpe = bytePairEncoder({
    pat_str: "\\S+|\\s+",
    special_tokens: {},
    bpe_ranks: `! 0 ${["a", "b", "c", "bc", "ab", "aa"].map((t) => btoa(t)).join(" ")}`,
  });
  assert.deepEqual(bpe.encode("abc"), [0, 3], "bc (3) is merged before ab (4)");
  assert.deepEqual(bpe.encode("aaa"), [5, 0], "equal ranks: the leftmost pair first");
  assert.deepEqual(bpe.encode("abab"), [4, 4]);
});

Deno.test("bytePairEncoder: a malformed rank line is a TypeError naming it", () => {
  assert.throws(
    () => bytePairEncoder({ pat_str: "\\S+", special_tokens: {}, bpe_ranks: "! x YQ==" }),
    (e: unknown) =>
      e instanceof TypeError && /must start with "! OFFSET", got "! x YQ=="/.test(e.message),
  );
});

Deno.test("defaultTokenizer: one instance while held", async () => {
  const [a, b] = await Promise.all([defaultTokenizer(), defaultTokenizer()]);
  assert.equal(a, b);
  assert.equal(a.vocabSize, 199_998);
});
