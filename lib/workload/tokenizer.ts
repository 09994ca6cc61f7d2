/**
 * Tokenizers: one interface over a Hugging Face `tokenizer.json` (through
 * `@huggingface/tokenizers`) and the bundled default, OpenAI's o200k_base
 * ranks through `js-tiktoken`, which works offline and is used only to
 * synthesise prompts and to fingerprint a workload, never to claim a
 * model's token counts.
 *
 * Token counts here never include special tokens (BOS) or a chat template:
 * they count the text the workload sends.
 *
 * @module
 */

import { Tokenizer as HfTokenizer } from "npm:@huggingface/tokenizers@^0.2.0";
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

let defaultTokenizerPromise: Promise<Tokenizer> | undefined;

/**
 * The bundled default: o200k_base through js-tiktoken, offline. Built on the
 * first call (about a second: its ranks are large) and shared after.
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
 * ```
 */
export function defaultTokenizer(): Promise<Tokenizer> {
  defaultTokenizerPromise ??= (async () => {
    const [{ Tiktoken }, ranks] = await Promise.all([
      import("npm:js-tiktoken@^1.0.21/lite"),
      import("npm:js-tiktoken@^1.0.21/ranks/o200k_base"),
    ]);
    const enc = new Tiktoken(ranks.default);
    return {
      info: { name: DEFAULT_TOKENIZER_NAME, kind: "default" },
      vocabSize: 199_998,
      // Special tokens ("<|endoftext|>") in the text are encoded as text.
      encode: (text) => enc.encode(text, [], []),
      decode: (ids) => enc.decode(ids as number[]),
    } satisfies Tokenizer;
  })();
  return defaultTokenizerPromise;
}
