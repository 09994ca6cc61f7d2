/**
 * Tokenizers: one interface over a Hugging Face `tokenizer.json` (through
 * `@huggingface/tokenizers`) and the bundled default, OpenAI's o200k_base
 * ranks from `js-tiktoken` (encoded by `_bpe.ts`), which works offline and is used only to
 * synthesise prompts and to fingerprint a workload, never to claim a
 * model's token counts.
 *
 * Token counts here never include special tokens (BOS) or a chat template:
 * they count the text the workload sends.
 *
 * @module
 */

import { Tokenizer as HfTokenizer } from "npm:@huggingface/tokenizers@^0.2.0";
import { bytePairEncoder } from "./_bpe.ts";
import type { TokenizerInfo } from "./types.ts";

/** Encodes and decodes text; the workload's unit of length. */
export interface Tokenizer {
  /** Which tokenizer this is. */
  readonly info: TokenizerInfo;
  /**
   * Token ids of `text`, without special tokens.
   *
   * @param text Any text.
   * @returns The ids.
   */
  encode(text: string): number[];
  /**
   * Text of `ids`, skipping special tokens.
   *
   * @param ids Token ids.
   * @returns The text.
   */
  decode(ids: readonly number[]): string;
  /** Ids are below this; synthesis draws words from the vocabulary when known. */
  readonly vocabSize?: number;
}

/**
 * Wraps a parsed Hugging Face `tokenizer.json`.
 *
 * @param json The parsed `tokenizer.json`.
 * @param name The model id or path, for {@linkcode TokenizerInfo}.
 * @param config The parsed `tokenizer_config.json`, when there is one. @default {}
 * @returns The tokenizer, `kind: "hf"`.
 * @throws {Error} When the library cannot build a tokenizer from `json`.
 *
 * @example
 * ```ts
 * import { hfTokenizer } from "./tokenizer.ts";
 * import assert from "node:assert/strict";
 *
 * const json = JSON.parse(
 *   await Deno.readTextFile(new URL("./testdata/tiny_bpe_tokenizer.json", import.meta.url)),
 * );
 * const tok = hfTokenizer(json, "tiny");
 * assert.deepEqual(tok.info, { name: "tiny", kind: "hf" });
 * assert.equal(tok.encode(" the model").length, 2);
 * assert.equal(tok.decode(tok.encode("the model")), "the model");
 * ```
 */
export function hfTokenizer(json: object, name: string, config: object = {}): Tokenizer {
  const tok = new HfTokenizer(json, config);
  let vocabSize = 0; // a loop: vocabularies of 150k ids are too many arguments for Math.max
  for (const id of tok.get_vocab(true).values()) if (id >= vocabSize) vocabSize = id + 1;
  return {
    info: { name, kind: "hf" },
    vocabSize,
    encode: (text) => tok.encode(text, { add_special_tokens: false }).ids,
    decode: (ids) =>
      tok.decode(ids as number[], {
        skip_special_tokens: true,
        clean_up_tokenization_spaces: false,
      }),
  };
}

/** The bundled default's name. */
export const DEFAULT_TOKENIZER_NAME = "o200k_base";

let defaultTokenizerRef: WeakRef<Tokenizer> | undefined;
let defaultTokenizerPending: Promise<Tokenizer> | undefined;
let defaultTokenizerAsked = 0;

/**
 * How many times {@linkcode defaultTokenizer} was called in this isolate:
 * what shows that a path (preparing inline prompts whose counts are cached,
 * say) asks for no tokenizer at all.
 *
 * @returns The number of calls so far.
 *
 * @example
 * ```ts
 * import { defaultTokenizer, defaultTokenizerRequests } from "./tokenizer.ts";
 * import assert from "node:assert/strict";
 *
 * const before = defaultTokenizerRequests();
 * await defaultTokenizer();
 * assert.equal(defaultTokenizerRequests(), before + 1);
 * ```
 */
export function defaultTokenizerRequests(): number {
  return defaultTokenizerAsked;
}

/**
 * The bundled default: o200k_base (the ranks `js-tiktoken` ships), offline,
 * with the same ids as `js-tiktoken`. Built on the first call (about 0.1 s;
 * see `_bpe.ts`) and shared while anyone holds it: it is held weakly, so a
 * long run's heap does not keep it once the workload is prepared.
 *
 * @returns The tokenizer, `kind: "default"`.
 *
 * @example
 * ```ts
 * import { defaultTokenizer } from "./tokenizer.ts";
 * import assert from "node:assert/strict";
 *
 * const tok = await defaultTokenizer();
 * assert.deepEqual(tok.info, { name: "o200k_base", kind: "default" });
 * assert.equal(tok.decode(tok.encode("Hello, world")), "Hello, world");
 * assert.equal(await defaultTokenizer(), tok);
 * ```
 */
export function defaultTokenizer(): Promise<Tokenizer> {
  defaultTokenizerAsked++;
  const held = defaultTokenizerRef?.deref();
  if (held !== undefined) return Promise.resolve(held);
  defaultTokenizerPending ??= (async () => {
    try {
      const { default: ranks } = await import("npm:js-tiktoken@^1.0.21/ranks/o200k_base");
      const bpe = bytePairEncoder(ranks);
      const tok: Tokenizer = {
        info: { name: DEFAULT_TOKENIZER_NAME, kind: "default" },
        vocabSize: bpe.size,
        // Special tokens ("<|endoftext|>") in the text are encoded as text.
        encode: (text) => bpe.encode(text),
        decode: (ids) => bpe.decode(ids),
      };
      defaultTokenizerRef = new WeakRef(tok);
      return tok;
    } finally {
      defaultTokenizerPending = undefined;
    }
  })();
  return defaultTokenizerPending;
}
