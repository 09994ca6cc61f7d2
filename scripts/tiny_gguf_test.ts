import assert from "node:assert/strict";
import { join } from "node:path";
import { llamaSourcePath } from "./llama_server.ts";
import {
  CHATML_TEMPLATE,
  ensureTinyModel,
  GGUF_MAGIC,
  type GgufHeader,
  type GgufKv,
  GgufType,
  ggufValue,
  readGgufHeader,
  tinyLlamaGguf,
  tinyModelPath,
  VOCAB_FILE,
  writeGguf,
} from "./tiny_gguf.ts";

/**
 * A small vocab-only GGUF shaped like llama.cpp's `ggml-vocab-llama-spm.gguf`:
 * general and llama keys (which must not be copied) and tokenizer keys of
 * several types (which must be, byte for byte).
 */
function syntheticVocab(extra: GgufKv[] = []): Uint8Array {
  const tokens = ["<unk>", "<s>", "</s>", "<0x0A>", "▁hi", "▁the", "é", "\uFEFFbom"];
  return writeGguf({
    kvs: [
      { key: "general.architecture", value: { type: GgufType.STRING, value: "llama" } },
      { key: "general.name", value: { type: GgufType.STRING, value: "vocab" } },
      { key: "llama.block_count", value: { type: GgufType.UINT32, value: 32 } },
      { key: "tokenizer.ggml.model", value: { type: GgufType.STRING, value: "llama" } },
      { key: "tokenizer.ggml.pre", value: { type: GgufType.STRING, value: "default" } },
      {
        key: "tokenizer.ggml.tokens",
        value: { type: GgufType.ARRAY, itemType: GgufType.STRING, value: tokens },
      },
      {
        key: "tokenizer.ggml.scores",
        value: {
          type: GgufType.ARRAY,
          itemType: GgufType.FLOAT32,
          value: tokens.map((_, i) => i === 0 ? 0 : -i * 0.25),
        },
      },
      {
        key: "tokenizer.ggml.token_type",
        value: {
          type: GgufType.ARRAY,
          itemType: GgufType.INT32,
          value: [2, 3, 3, 6, 1, 1, 1, 1],
        },
      },
      { key: "tokenizer.ggml.bos_token_id", value: { type: GgufType.UINT32, value: 1 } },
      { key: "tokenizer.ggml.eos_token_id", value: { type: GgufType.UINT32, value: 2 } },
      { key: "tokenizer.ggml.add_bos_token", value: { type: GgufType.BOOL, value: true } },
      ...extra,
    ],
    tensors: [],
  });
}

function rawKv(bytes: Uint8Array, header: GgufHeader, key: string): Uint8Array {
  const kv = header.kvs.find((k) => k.key === key);
  assert.ok(kv?.byteRange, `key ${key} present`);
  return bytes.subarray(kv.byteRange[0], kv.byteRange[1]);
}

/** The tensor's values, read straight from the file at the offset its header entry gives. */
function tensorValues(bytes: Uint8Array, header: GgufHeader, name: string): number[] {
  const t = header.tensors.find((x) => x.name === name);
  assert.ok(t, `tensor ${name} present`);
  const at = header.dataOffset + t.offset;
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, t.nbytes!);
  const n = t.shape.reduce((a, b) => a * b, 1);
  return Array.from(
    { length: n },
    (_, i) => t.type === 0 ? view.getFloat32(4 * i, true) : view.getFloat16(2 * i, true),
  );
}

function std(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
}

Deno.test("writeGguf → readGgufHeader round-trips every value type, nested arrays included", () => {
  const kvs: GgufKv[] = [
    { key: "u8", value: { type: GgufType.UINT8, value: 255 } },
    { key: "i8", value: { type: GgufType.INT8, value: -128 } },
    { key: "u16", value: { type: GgufType.UINT16, value: 65535 } },
    { key: "i16", value: { type: GgufType.INT16, value: -32768 } },
    { key: "u32", value: { type: GgufType.UINT32, value: 4294967295 } },
    { key: "i32", value: { type: GgufType.INT32, value: -2147483648 } },
    { key: "f32", value: { type: GgufType.FLOAT32, value: 0.5 } },
    { key: "f64", value: { type: GgufType.FLOAT64, value: Math.PI } },
    { key: "u64", value: { type: GgufType.UINT64, value: 2n ** 64n - 1n } },
    { key: "i64", value: { type: GgufType.INT64, value: -(2n ** 63n) } },
    { key: "bool", value: { type: GgufType.BOOL, value: false } },
    { key: "str", value: { type: GgufType.STRING, value: "\uFEFFé ▁ 🦙" } },
    {
      key: "arr.str",
      value: { type: GgufType.ARRAY, itemType: GgufType.STRING, value: ["a", "", "ü"] },
    },
    {
      key: "arr.f32",
      value: { type: GgufType.ARRAY, itemType: GgufType.FLOAT32, value: [1.5, -2, 0] },
    },
    {
      key: "arr.bool",
      value: { type: GgufType.ARRAY, itemType: GgufType.BOOL, value: [true, false] },
    },
    {
      key: "arr.i64",
      value: { type: GgufType.ARRAY, itemType: GgufType.INT64, value: [-1n, 5n] },
    },
    {
      key: "arr.nested",
      value: {
        type: GgufType.ARRAY,
        itemType: GgufType.ARRAY,
        value: [
          { type: GgufType.ARRAY, itemType: GgufType.UINT8, value: [1, 2] },
          { type: GgufType.ARRAY, itemType: GgufType.STRING, value: [] },
        ],
      },
    },
  ];
  const bytes = writeGguf({ kvs, tensors: [] });
  const h = readGgufHeader(bytes);
  assert.equal(new DataView(bytes.buffer).getUint32(0, true), GGUF_MAGIC);
  assert.equal(h.version, 3);
  assert.equal(h.alignment, 32);
  assert.deepEqual(h.kvs.map(({ key, value }) => ({ key, value })), kvs);
  // Reading and writing again gives the same bytes.
  assert.deepEqual(writeGguf({ kvs: h.kvs, tensors: [] }), bytes);
});

Deno.test("writeGguf packs tensors at aligned offsets, with their data where the header says", () => {
  const bytes = writeGguf({
    kvs: [{ key: "general.alignment", value: { type: GgufType.UINT32, value: 64 } }],
    tensors: [
      { name: "a", shape: [3], data: new Float32Array([1, -2, 3.5]) }, // 12 bytes → 64
      { name: "b", shape: [2, 3], data: new Float16Array([0.5, 1, 2, 4, 8, -16]) }, // 12 → 64
      { name: "c", shape: [17], data: new Float32Array(17).fill(0.25) }, // 68 → 128
    ],
  });
  const h = readGgufHeader(bytes);
  assert.equal(h.alignment, 64);
  assert.equal(h.dataOffset % 64, 0);
  assert.deepEqual(
    h.tensors.map((t) => [t.name, t.shape, t.type, t.offset, t.nbytes]),
    [["a", [3], 0, 0, 12], ["b", [2, 3], 1, 64, 12], ["c", [17], 0, 128, 68]],
  );
  assert.equal(bytes.length, h.dataOffset + 256); // the last tensor is padded too
  assert.deepEqual(tensorValues(bytes, h, "a"), [1, -2, 3.5]);
  assert.deepEqual(tensorValues(bytes, h, "b"), [0.5, 1, 2, 4, 8, -16]);
  assert.deepEqual(tensorValues(bytes, h, "c"), new Array(17).fill(0.25));
  // Padding is zeros.
  assert.ok(bytes.subarray(h.dataOffset + 12, h.dataOffset + 64).every((b) => b === 0));
});

Deno.test("readGgufHeader rejects what llama.cpp rejects, saying what it expected", () => {
  const good = writeGguf({
    kvs: [{ key: "k", value: { type: GgufType.UINT32, value: 1 } }],
    tensors: [{ name: "t", shape: [8], data: new Float32Array(8) }],
  });
  assert.throws(
    () => readGgufHeader(new TextEncoder().encode("GGML....")),
    /expected the magic "GGUF"/,
  );
  const v4 = good.slice();
  new DataView(v4.buffer).setUint32(4, 4, true);
  assert.throws(() => readGgufHeader(v4), /expected 2 or 3, got 4/);
  assert.throws(
    () => readGgufHeader(good.subarray(0, 30)),
    (e: Error) => e instanceof RangeError && /truncated/.test(e.message),
  );
  // A tensor offset that is not where packing puts it. The entry of "t" follows the last
  // key-value pair: name (8 + 1 bytes), n_dims (4), ne[0] (8), type (4), then the offset.
  const offsetAt = readGgufHeader(good).kvs[0].byteRange![1] + 9 + 4 + 8 + 4;
  const moved = good.slice();
  assert.equal(new DataView(moved.buffer).getBigUint64(offsetAt, true), 0n);
  new DataView(moved.buffer).setBigUint64(offsetAt, 32n, true);
  assert.throws(() => readGgufHeader(moved), /tensor t: expected offset 0 .*got 32/);
  // general.alignment of the wrong type (the writer refuses that, so rename a key in place).
  const badAlign = writeGguf({
    kvs: [{ key: "general.alignmenX", value: { type: GgufType.UINT64, value: 32n } }],
    tensors: [],
  });
  badAlign[24 + 8 + 16] = "t".charCodeAt(0); // header 24 bytes, key length 8, the key's 17th byte
  assert.throws(() => readGgufHeader(badAlign), /general.alignment: expected a u32 power of two/);
});

Deno.test("writeGguf refuses bad input with messages that name the problem", () => {
  const t = (name: string, shape: number[], data: Float32Array | Float16Array) => ({
    name,
    shape,
    data,
  });
  assert.throws(
    () => writeGguf({ kvs: [], tensors: [t("x", [2, 2], new Float32Array(3))] }),
    /needs 4 values, got 3/,
  );
  assert.throws(
    () =>
      writeGguf({
        kvs: [],
        tensors: [t("x", [1], new Float32Array(1)), t("x", [1], new Float32Array(1))],
      }),
    /appears twice/,
  );
  assert.throws(
    () => writeGguf({ kvs: [], tensors: [t("n".repeat(64), [1], new Float32Array(1))] }),
    /shorter than 64 bytes/,
  );
  assert.throws(
    () =>
      writeGguf({ kvs: [{ key: "k", value: { type: GgufType.UINT8, value: 256 } }], tensors: [] }),
    /expected an integer in \[0, 255\], got 256/,
  );
  assert.throws(
    () =>
      writeGguf({
        kvs: [{ key: "general.alignment", value: { type: GgufType.UINT32, value: 48 } }],
        tensors: [],
      }),
    /power of two/,
  );
});

Deno.test("tinyLlamaGguf: llama keys, llama.cpp's tensor names and shapes, 32-byte alignment", () => {
  const vocab = syntheticVocab();
  const bytes = tinyLlamaGguf(vocab);
  const h = readGgufHeader(bytes);
  assert.equal(h.version, 3);
  assert.equal(h.alignment, 32);
  assert.equal(h.dataOffset % 32, 0);
  const expected: Record<string, unknown> = {
    "general.architecture": "llama",
    "general.name": "splleed-tiny-llama",
    "general.alignment": 32,
    "llama.context_length": 2048,
    "llama.embedding_length": 64,
    "llama.block_count": 2,
    "llama.feed_forward_length": 128,
    "llama.attention.head_count": 4,
    "llama.attention.head_count_kv": 4,
    "llama.rope.dimension_count": 16,
    "llama.attention.layer_norm_rms_epsilon": Math.fround(1e-5),
    "llama.vocab_size": 8,
    "tokenizer.chat_template": CHATML_TEMPLATE,
  };
  for (const [k, v] of Object.entries(expected)) assert.equal(ggufValue(h.kvs, k), v, k);
  assert.equal(h.kvs.find((kv) => kv.key === "general.alignment")?.value.type, GgufType.UINT32);
  const shapes = Object.fromEntries(h.tensors.map((t) => [t.name, [t.type, ...t.shape]]));
  const block = (i: number) => ({
    [`blk.${i}.attn_norm.weight`]: [0, 64],
    [`blk.${i}.attn_q.weight`]: [0, 64, 64],
    [`blk.${i}.attn_k.weight`]: [0, 64, 64],
    [`blk.${i}.attn_v.weight`]: [0, 64, 64],
    [`blk.${i}.attn_output.weight`]: [0, 64, 64],
    [`blk.${i}.ffn_norm.weight`]: [0, 64],
    [`blk.${i}.ffn_gate.weight`]: [0, 64, 128],
    [`blk.${i}.ffn_up.weight`]: [0, 64, 128],
    [`blk.${i}.ffn_down.weight`]: [0, 128, 64],
  });
  assert.deepEqual(shapes, {
    "token_embd.weight": [1, 64, 8], // F16, ne = [n_embd, n_vocab]
    "output_norm.weight": [0, 64],
    ...block(0),
    ...block(1),
  }); // and no output.weight: the embeddings are tied
  for (const t of h.tensors) assert.equal(t.offset % 32, 0, t.name);
  const last = h.tensors.at(-1)!;
  assert.equal(bytes.length, h.dataOffset + last.offset + Math.ceil(last.nbytes! / 32) * 32);
  // Norms are 1; weights are small, centred random values.
  assert.ok(tensorValues(bytes, h, "blk.1.ffn_norm.weight").every((v) => v === 1));
  const q = tensorValues(bytes, h, "blk.0.attn_q.weight");
  assert.ok(Math.abs(std(q) - 0.02) < 0.002, `std ${std(q)} ≈ 0.02`);
  assert.notDeepEqual(q, tensorValues(bytes, h, "blk.1.attn_q.weight"));
});

Deno.test("tinyLlamaGguf copies every tokenizer key byte for byte, and no other vocab key", () => {
  const vocab = syntheticVocab();
  const vh = readGgufHeader(vocab);
  const bytes = tinyLlamaGguf(vocab);
  const h = readGgufHeader(bytes);
  const tokenizerKeys = vh.kvs.map((kv) => kv.key).filter((k) => k.startsWith("tokenizer."));
  assert.equal(tokenizerKeys.length, 8);
  for (const key of tokenizerKeys) {
    assert.deepEqual(rawKv(bytes, h, key), rawKv(vocab, vh, key), key);
  }
  assert.equal(ggufValue(h.kvs, "general.name"), "splleed-tiny-llama"); // not "vocab"
  assert.equal(ggufValue(h.kvs, "llama.block_count"), 2); // not 32
  // A template in the vocab is kept, not replaced by ChatML.
  const own = "{{ messages[0]['content'] }}";
  const withTemplate = syntheticVocab([
    { key: "tokenizer.chat_template", value: { type: GgufType.STRING, value: own } },
  ]);
  assert.equal(
    ggufValue(readGgufHeader(tinyLlamaGguf(withTemplate)).kvs, "tokenizer.chat_template"),
    own,
  );
});

Deno.test("tinyLlamaGguf is deterministic: same parameters, same bytes; another seed, other weights", () => {
  const vocab = syntheticVocab();
  const a = tinyLlamaGguf(vocab, { seed: 7 });
  assert.deepEqual(tinyLlamaGguf(vocab, { seed: 7 }), a);
  const b = tinyLlamaGguf(vocab, { seed: 8 });
  assert.equal(b.length, a.length);
  assert.notDeepEqual(b, a);
  // Shape parameters are honoured (and grouped-query attention shrinks k and v).
  const h = readGgufHeader(
    tinyLlamaGguf(vocab, { blockCount: 3, embeddingLength: 32, headCount: 4, headCountKv: 2 }),
  );
  assert.equal(ggufValue(h.kvs, "llama.rope.dimension_count"), 8);
  assert.deepEqual(h.tensors.find((t) => t.name === "blk.2.attn_k.weight")?.shape, [32, 16]);
});

Deno.test("tinyLlamaGguf rejects impossible shapes and vocabs without tokens", () => {
  const vocab = syntheticVocab();
  assert.throws(() => tinyLlamaGguf(vocab, { embeddingLength: 64, headCount: 5 }), RangeError);
  assert.throws(() => tinyLlamaGguf(vocab, { headCount: 4, headCountKv: 3 }), /must divide/);
  assert.throws(
    () => tinyLlamaGguf(vocab, { blockCount: 0 }),
    /'blockCount' must be a positive integer, got 0/,
  );
  const noTokens = writeGguf({ kvs: [], tensors: [] });
  assert.throws(() => tinyLlamaGguf(noTokens), /tokenizer.ggml.tokens/);
  assert.throws(() => tinyLlamaGguf(new Uint8Array(16)), /Cannot read the vocab GGUF/);
});

Deno.test("tinyModelPath hashes the parameters and the vocab", async () => {
  const dir = await Deno.makeTempDir({ prefix: "splleed-tiny-test-" });
  try {
    const base = tinyModelPath({ dir });
    assert.match(base, /tiny-llama-[0-9a-f]{16}\.gguf$/);
    assert.equal(tinyModelPath({ dir, blockCount: 2, seed: 1 }), base); // the defaults
    assert.notEqual(tinyModelPath({ dir, blockCount: 3 }), base);
    assert.equal(
      tinyModelPath({}, (k) => (k === "SPLLEED_CACHE_DIR" ? "/c" : undefined)),
      join("/c/models", base.slice(dir.length + 1)),
    );
    const v1 = join(dir, "v1.gguf");
    const v2 = join(dir, "v2.gguf");
    await Deno.writeFile(v1, syntheticVocab());
    await Deno.writeFile(
      v2,
      syntheticVocab([{ key: "tokenizer.x", value: { type: GgufType.BOOL, value: true } }]),
    );
    assert.notEqual(tinyModelPath({ dir, vocabPath: v1 }), tinyModelPath({ dir, vocabPath: v2 }));
    assert.notEqual(tinyModelPath({ dir, vocabPath: v1 }), base);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ensureTinyModel writes once, atomically, and reuses the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "splleed-tiny-test-" });
  try {
    const vocabPath = join(dir, "vocab.gguf");
    await Deno.writeFile(vocabPath, syntheticVocab());
    const models = join(dir, "models");
    const [p1, p2] = await Promise.all([
      ensureTinyModel({ vocabPath, dir: models }),
      ensureTinyModel({ vocabPath, dir: models }),
    ]);
    assert.equal(p1, p2);
    assert.equal(p1, tinyModelPath({ vocabPath, dir: models }));
    assert.deepEqual(await Deno.readFile(p1), tinyLlamaGguf(await Deno.readFile(vocabPath)));
    assert.deepEqual([...Deno.readDirSync(models)].map((e) => e.name), [
      p1.slice(models.length + 1),
    ]);
    const before = (await Deno.stat(p1)).mtime;
    assert.equal(await ensureTinyModel({ vocabPath, dir: models }), p1);
    assert.deepEqual((await Deno.stat(p1)).mtime, before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const cachedVocab = join(llamaSourcePath(), VOCAB_FILE);
const haveCachedVocab = (() => {
  try {
    return Deno.statSync(cachedVocab).isFile;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "tinyLlamaGguf with llama.cpp's own ggml-vocab-llama-spm.gguf (when the source is cached)",
  ignore: !haveCachedVocab,
  fn: async () => {
    const vocab = await Deno.readFile(cachedVocab);
    const vh = readGgufHeader(vocab);
    const bytes = tinyLlamaGguf(vocab);
    const h = readGgufHeader(bytes);
    assert.equal(ggufValue(h.kvs, "llama.vocab_size"), 32000);
    assert.equal(ggufValue(h.kvs, "tokenizer.ggml.model"), "llama");
    assert.deepEqual(h.tensors[0].shape, [64, 32000]);
    for (const kv of vh.kvs.filter((k) => k.key.startsWith("tokenizer."))) {
      assert.deepEqual(rawKv(bytes, h, kv.key), rawKv(vocab, vh, kv.key), kv.key);
    }
    assert.ok(bytes.length < 6_000_000, `${bytes.length} bytes`);
  },
});
