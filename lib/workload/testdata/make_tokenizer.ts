/**
 * Writes `tiny_bpe_tokenizer.json`: a small byte-level BPE tokenizer in the
 * Hugging Face `tokenizer.json` format (the format of GPT-2 and Llama 3), so
 * that tests can load a real `tokenizer.json` without a download. Its merges
 * make each word of {@linkcode WORDS}, with and without a leading space, one
 * token; anything else falls back to one token a byte.
 *
 * Run: `deno run -A lib/workload/testdata/make_tokenizer.ts`
 *
 * @module
 */

/** The words that are single tokens. */
export const WORDS: readonly string[] = [
  "the",
  "a",
  "of",
  "and",
  "to",
  "in",
  "is",
  "you",
  "that",
  "it",
  "he",
  "was",
  "for",
  "on",
  "are",
  "as",
  "with",
  "his",
  "they",
  "at",
  "be",
  "this",
  "have",
  "from",
  "or",
  "one",
  "had",
  "by",
  "word",
  "but",
  "not",
  "what",
  "all",
  "were",
  "we",
  "when",
  "your",
  "can",
  "said",
  "there",
  "use",
  "an",
  "each",
  "which",
  "she",
  "do",
  "how",
  "their",
  "if",
  "will",
  "up",
  "other",
  "about",
  "out",
  "many",
  "then",
  "them",
  "these",
  "so",
  "some",
  "her",
  "would",
  "make",
  "like",
  "him",
  "into",
  "time",
  "has",
  "look",
  "two",
  "more",
  "write",
  "go",
  "see",
  "number",
  "no",
  "way",
  "could",
  "people",
  "my",
  "than",
  "first",
  "water",
  "been",
  "call",
  "who",
  "oil",
  "its",
  "now",
  "find",
  "long",
  "down",
  "day",
  "did",
  "get",
  "come",
  "made",
  "may",
  "part",
  "system",
  "prompt",
  "model",
  "server",
  "token",
  "cache",
  "batch",
  "request",
];

/** GPT-2's reversible map from bytes to printable characters. */
function bytesToUnicode(): string[] {
  const keep: number[] = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const map: string[] = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    map[b] = keep.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + n++);
  }
  return map;
}

/** Builds the tokenizer.json object. */
export function makeTokenizerJson(): Record<string, unknown> {
  const byteChar = bytesToUnicode();
  const vocab: Record<string, number> = {};
  for (let b = 0; b < 256; b++) vocab[byteChar[b]] = b;
  const merges: [string, string][] = [];
  const rank = new Map<string, number>();
  const encodeWord = (pieces: string[]): string[] => {
    for (;;) {
      let best = -1, bestRank = Infinity;
      for (let i = 0; i + 1 < pieces.length; i++) {
        const r = rank.get(`${pieces[i]} ${pieces[i + 1]}`);
        if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
      }
      if (best < 0) return pieces;
      pieces.splice(best, 2, pieces[best] + pieces[best + 1]);
    }
  };
  const enc = new TextEncoder();
  for (const word of WORDS) {
    for (const form of [word, ` ${word}`]) {
      let pieces = [...enc.encode(form)].map((b) => byteChar[b]);
      pieces = encodeWord(pieces);
      while (pieces.length > 1) {
        const [l, r] = pieces;
        rank.set(`${l} ${r}`, merges.length);
        merges.push([l, r]);
        if (vocab[l + r] === undefined) vocab[l + r] = Object.keys(vocab).length;
        pieces = encodeWord(pieces);
      }
    }
  }
  const eos = Object.keys(vocab).length;
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [{
      id: eos,
      content: "<|endoftext|>",
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    }],
    normalizer: null,
    pre_tokenizer: {
      type: "ByteLevel",
      add_prefix_space: false,
      trim_offsets: true,
      use_regex: true,
    },
    post_processor: null,
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: { ...vocab, "<|endoftext|>": eos },
      merges: merges.map(([l, r]) => `${l} ${r}`),
    },
  };
}

if (import.meta.main) {
  const out = new URL("./tiny_bpe_tokenizer.json", import.meta.url);
  await Deno.writeTextFile(out, JSON.stringify(makeTokenizerJson(), null, 2) + "\n");
  console.log(`wrote ${out.pathname}`);
}
