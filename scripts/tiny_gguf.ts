/**
 * Writes a tiny random-weight llama-architecture GGUF model with a real
 * tokenizer, for end-to-end tests against a real `llama-server` (see
 * `scripts/llama_server.ts`): 2 blocks, 64-wide embeddings, the tokenizer of
 * llama.cpp's `models/ggml-vocab-llama-spm.gguf` (32,000 tokens), about 5 MB.
 * It produces gibberish quickly, which is what a benchmark client's tests need.
 *
 * Everything is TypeScript: a GGUF v3 reader ({@linkcode readGgufHeader}) and
 * writer ({@linkcode writeGguf}) that follow `ggml/include/gguf.h` and
 * `ggml/src/gguf.cpp`, and a seeded generator, so the same parameters always
 * give a byte-identical file. The file is cached at
 * `<cache>/models/tiny-llama-<hash of the parameters>.gguf` (`<cache>` as in
 * `scripts/llama_server.ts`).
 *
 * Run: `deno run -A scripts/tiny_gguf.ts` prints the model's path, writing it
 * first if needed (cloning the llama.cpp source for the vocab file on first use).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import {
  ensureLlamaSource,
  type EnvGetter,
  LLAMA_CPP_COMMIT,
  NODE_LLAMA_CPP_VERSION,
  splleedCacheDir,
} from "./llama_server.ts";

// ---------------------------------------------------------------------------
// GGUF format

/** `"GGUF"` read as a little-endian u32: the first four bytes of every GGUF file. */
export const GGUF_MAGIC = 0x46554747;

/** The GGUF version this module writes (it reads 2 and 3, which share a layout). */
export const GGUF_VERSION = 3;

/** Data alignment when `general.alignment` is absent (`GGUF_DEFAULT_ALIGNMENT`). */
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Longest tensor name llama.cpp accepts is one less than this (`GGML_MAX_NAME`). */
export const GGML_MAX_NAME = 64;

/** GGUF metadata value types (`enum gguf_type` in `ggml/include/gguf.h`). */
export const GgufType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** One of the {@linkcode GgufType} codes. */
export type GgufType = typeof GgufType[keyof typeof GgufType];

/** The value types held as JS numbers. */
export type GgufNumberType =
  | typeof GgufType.UINT8
  | typeof GgufType.INT8
  | typeof GgufType.UINT16
  | typeof GgufType.INT16
  | typeof GgufType.UINT32
  | typeof GgufType.INT32
  | typeof GgufType.FLOAT32
  | typeof GgufType.FLOAT64;

/** The value types held as bigints. */
export type GgufBigIntType = typeof GgufType.UINT64 | typeof GgufType.INT64;

/**
 * A typed GGUF metadata value. Arrays hold plain JS values of their item type
 * (numbers, bigints, booleans, strings), or nested arrays as `GgufValue`s.
 */
export type GgufValue =
  | { type: GgufNumberType; value: number }
  | { type: GgufBigIntType; value: bigint }
  | { type: typeof GgufType.BOOL; value: boolean }
  | { type: typeof GgufType.STRING; value: string }
  | {
    type: typeof GgufType.ARRAY;
    itemType: GgufType;
    value: number[] | bigint[] | boolean[] | string[] | GgufValue[];
  };

/** One metadata key-value pair. */
export interface GgufKv {
  /** The key, e.g. `general.architecture`. */
  key: string;
  /** The typed value. */
  value: GgufValue;
  /**
   * Where the pair (key included) lies in the file it was read from, as
   * `[start, end)` byte offsets; set by {@linkcode readGgufHeader}, ignored by
   * {@linkcode writeGguf}.
   */
  byteRange?: readonly [number, number];
}

/** ggml tensor types this module writes (`enum ggml_type`). */
export const GgmlType = { F32: 0, F16: 1 } as const;

/** Bytes per block and elements per block of the ggml types a reader may meet. */
const GGML_TYPE_SIZES: Record<number, readonly [bytes: number, block: number]> = {
  0: [4, 1], // F32
  1: [2, 1], // F16
  2: [18, 32], // Q4_0
  3: [20, 32], // Q4_1
  6: [22, 32], // Q5_0
  7: [24, 32], // Q5_1
  8: [34, 32], // Q8_0
  10: [84, 256], // Q2_K
  11: [110, 256], // Q3_K
  12: [144, 256], // Q4_K
  13: [176, 256], // Q5_K
  14: [210, 256], // Q6_K
  24: [1, 1], // I8
  25: [2, 1], // I16
  26: [4, 1], // I32
  27: [8, 1], // I64
  28: [8, 1], // F64
  30: [2, 1], // BF16
};

/** A tensor's entry in the GGUF header. */
export interface GgufTensorInfo {
  /** The tensor name, e.g. `blk.0.attn_q.weight`. */
  name: string;
  /** ggml's `ne`: the fastest-varying dimension first (`[n_embd, n_vocab]` for `token_embd`). */
  shape: number[];
  /** The ggml type code ({@linkcode GgmlType}). */
  type: number;
  /** Byte offset from the start of the data section (a multiple of the alignment). */
  offset: number;
  /** Size of the data in bytes, or `undefined` for a type this reader does not know. */
  nbytes: number | undefined;
}

/** Everything in a GGUF file except the tensor data. */
export interface GgufHeader {
  /** The format version (2 or 3). */
  version: number;
  /** The metadata in file order. */
  kvs: GgufKv[];
  /** The tensor entries in file order. */
  tensors: GgufTensorInfo[];
  /** The data alignment (`general.alignment`, else 32). */
  alignment: number;
  /** Absolute byte offset where the (aligned) data section starts. */
  dataOffset: number;
}

/** A tensor to write. */
export interface GgufTensor {
  /** The tensor name (at most 63 bytes). */
  name: string;
  /** ggml's `ne`, fastest-varying dimension first; 1 to 4 dimensions. */
  shape: readonly number[];
  /** The data: `Float32Array` for {@linkcode GgmlType.F32}, `Float16Array` for `F16`. */
  data: Float32Array | Float16Array;
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A bounds-checked little-endian cursor over bytes. */
class Reader {
  readonly view: DataView;
  pos = 0;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  need(n: number, what: string): number {
    if (n > this.bytes.length - this.pos) {
      throw new RangeError(
        `GGUF is truncated: reading ${what} at byte ${this.pos} needs ${n} bytes, ` +
          `got ${this.bytes.length - this.pos}`,
      );
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(what: string) {
    return this.view.getUint8(this.need(1, what));
  }
  u32(what: string) {
    return this.view.getUint32(this.need(4, what), true);
  }
  u64(what: string): bigint {
    return this.view.getBigUint64(this.need(8, what), true);
  }
  /** A u64 used as a count or size, which must fit a JS number. */
  count(what: string): number {
    const v = this.u64(what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new RangeError(`GGUF ${what} at byte ${this.pos - 8} is too large: got ${v}`);
    }
    return Number(v);
  }
  string(what: string): string {
    const n = this.count(`${what} length`);
    const at = this.need(n, what);
    try {
      return utf8Strict.decode(this.bytes.subarray(at, at + n));
    } catch {
      throw new TypeError(`GGUF ${what} at byte ${at} is not valid UTF-8`);
    }
  }

  scalar(type: number, what: string): number | bigint | boolean | string {
    const v = this.view;
    switch (type) {
      case GgufType.UINT8:
        return v.getUint8(this.need(1, what));
      case GgufType.INT8:
        return v.getInt8(this.need(1, what));
      case GgufType.UINT16:
        return v.getUint16(this.need(2, what), true);
      case GgufType.INT16:
        return v.getInt16(this.need(2, what), true);
      case GgufType.UINT32:
        return v.getUint32(this.need(4, what), true);
      case GgufType.INT32:
        return v.getInt32(this.need(4, what), true);
      case GgufType.FLOAT32:
        return v.getFloat32(this.need(4, what), true);
      case GgufType.FLOAT64:
        return v.getFloat64(this.need(8, what), true);
      case GgufType.UINT64:
        return v.getBigUint64(this.need(8, what), true);
      case GgufType.INT64:
        return v.getBigInt64(this.need(8, what), true);
      case GgufType.BOOL: {
        const at = this.need(1, what);
        const b = v.getUint8(at);
        if (b > 1) {
          throw new RangeError(`GGUF ${what} at byte ${at}: expected a bool (0 or 1), got ${b}`);
        }
        return b === 1;
      }
      case GgufType.STRING:
        return this.string(what);
      default:
        throw new RangeError(
          `GGUF ${what} at byte ${this.pos - 4}: expected a value type 0..12, got ${type}`,
        );
    }
  }

  value(type: number, what: string): GgufValue {
    if (type !== GgufType.ARRAY) {
      return { type, value: this.scalar(type, what) } as GgufValue;
    }
    const itemType = this.u32(`${what} item type`) as GgufType;
    const n = this.count(`${what} item count`);
    const items: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) {
      items[i] = itemType === GgufType.ARRAY
        ? this.value(GgufType.ARRAY, `${what}[${i}]`)
        : this.scalar(itemType, `${what}[${i}]`);
    }
    return { type: GgufType.ARRAY, itemType, value: items } as GgufValue;
  }
}

function tensorNbytes(type: number, shape: readonly number[]): number | undefined {
  const size = GGML_TYPE_SIZES[type];
  if (!size) return undefined;
  const n = shape.reduce((a, b) => a * b, 1);
  return (n / size[1]) * size[0];
}

function padTo(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

/**
 * Reads the header of a GGUF file (versions 2 and 3): all metadata, every
 * tensor's entry, the alignment and where the data section starts. Checks what
 * llama.cpp checks: magic, version, unique keys and names, value types,
 * `general.alignment` a u32 power of two, and tensor offsets packed in order at
 * aligned positions.
 *
 * @param bytes The file's bytes (at least the header).
 * @returns The parsed header.
 * @throws {TypeError} When the magic or version is wrong, a string is not UTF-8, or a rule is broken.
 * @throws {RangeError} When the bytes end early or a value is out of range.
 *
 * @example
 * ```ts
 * import { GgufType, readGgufHeader, writeGguf } from "./tiny_gguf.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = writeGguf({
 *   kvs: [{ key: "general.name", value: { type: GgufType.STRING, value: "demo" } }],
 *   tensors: [{ name: "w", shape: [2, 3], data: new Float32Array(6) }],
 * });
 * const h = readGgufHeader(bytes);
 * assert.equal(h.kvs[0].value.value, "demo");
 * assert.deepEqual(h.tensors[0].shape, [2, 3]);
 * assert.equal(h.dataOffset % h.alignment, 0);
 * ```
 */
export function readGgufHeader(bytes: Uint8Array): GgufHeader {
  const r = new Reader(bytes);
  const magic = r.u32("magic");
  if (magic !== GGUF_MAGIC) {
    const got = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new TypeError(`Not a GGUF file: expected the magic "GGUF" (47 47 55 46), got ${got}`);
  }
  const version = r.u32("version");
  if (version !== 2 && version !== 3) {
    throw new TypeError(`Unsupported GGUF version: expected 2 or 3, got ${version}`);
  }
  const nTensors = r.count("tensor count");
  const nKv = r.count("key-value count");
  const kvs: GgufKv[] = [];
  const keys = new Set<string>();
  for (let i = 0; i < nKv; i++) {
    const start = r.pos;
    const key = r.string(`key #${i}`);
    if (key === "") throw new TypeError(`GGUF key #${i} at byte ${start} is empty`);
    if (keys.has(key)) throw new TypeError(`GGUF key ${JSON.stringify(key)} appears twice`);
    keys.add(key);
    const type = r.u32(`type of ${key}`);
    const value = r.value(type, key);
    kvs.push({ key, value, byteRange: [start, r.pos] });
  }
  const alignKv = kvs.find((kv) => kv.key === "general.alignment");
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  if (alignKv) {
    const v = alignKv.value;
    if (v.type !== GgufType.UINT32 || v.value === 0 || (v.value & (v.value - 1)) !== 0) {
      throw new TypeError(
        `GGUF general.alignment: expected a u32 power of two, got type ${v.type} value ${
          String(v.value)
        }`,
      );
    }
    alignment = v.value;
  }
  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const name = r.string(`tensor #${i} name`);
    if (names.has(name)) throw new TypeError(`GGUF tensor ${JSON.stringify(name)} appears twice`);
    names.add(name);
    const nDims = r.u32(`${name} dimension count`);
    if (nDims > 4) {
      throw new RangeError(`GGUF tensor ${name}: expected 1..4 dimensions, got ${nDims}`);
    }
    const shape: number[] = [];
    for (let d = 0; d < nDims; d++) shape.push(r.count(`${name} ne[${d}]`));
    const type = r.u32(`${name} type`);
    const offset = r.count(`${name} offset`);
    tensors.push({ name, shape, type, offset, nbytes: tensorNbytes(type, shape) });
  }
  const dataOffset = nTensors > 0 ? padTo(r.pos, alignment) : r.pos;
  let expected = 0;
  for (const t of tensors) {
    if (t.nbytes === undefined) break; // unknown size: later offsets cannot be checked
    if (t.offset !== expected) {
      throw new TypeError(
        `GGUF tensor ${t.name}: expected offset ${expected} (packed, aligned to ${alignment}), got ${t.offset}`,
      );
    }
    expected += padTo(t.nbytes, alignment);
  }
  return { version, kvs, tensors, alignment, dataOffset };
}

/**
 * The value of `key` among `kvs` (the JS value, without its type), or `undefined`.
 *
 * @param kvs Metadata, e.g. {@linkcode GgufHeader.kvs}.
 * @param key The key to look up.
 * @returns The value.
 *
 * @example
 * ```ts
 * import { ggufValue, GgufType } from "./tiny_gguf.ts";
 * import assert from "node:assert/strict";
 *
 * const kvs = [{ key: "llama.block_count", value: { type: GgufType.UINT32, value: 2 } as const }];
 * assert.equal(ggufValue(kvs, "llama.block_count"), 2);
 * assert.equal(ggufValue(kvs, "nope"), undefined);
 * ```
 */
export function ggufValue(kvs: readonly GgufKv[], key: string): GgufValue["value"] | undefined {
  return kvs.find((kv) => kv.key === key)?.value.value;
}

/** A growable little-endian byte buffer. */
class Writer {
  buf = new Uint8Array(1 << 16);
  view = new DataView(this.buf.buffer);
  pos = 0;

  reserve(n: number): number {
    if (this.pos + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.pos + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.pos));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }
  /** Reserves `n` bytes, then writes them through the (possibly new) view. */
  put(n: number, write: (dv: DataView, at: number) => void) {
    const at = this.reserve(n); // first: reserve may replace this.buf and this.view
    write(this.view, at);
  }
  u32(v: number) {
    this.put(4, (dv, at) => dv.setUint32(at, v, true));
  }
  u64(v: number | bigint) {
    this.put(8, (dv, at) => dv.setBigUint64(at, BigInt(v), true));
  }
  bytes(b: Uint8Array) {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
  }
  string(s: string) {
    const b = utf8.encode(s);
    this.u64(b.length);
    this.bytes(b);
  }
  pad(alignment: number) {
    this.reserve(padTo(this.pos, alignment) - this.pos); // new bytes are zero
  }

  scalar(type: number, v: unknown, what: string) {
    const num = (lo: number, hi: number, int: boolean): number => {
      if (typeof v !== "number" || (int && !Number.isInteger(v)) || v < lo || v > hi) {
        throw new RangeError(
          `Cannot write ${what}: expected ${
            int ? "an integer" : "a number"
          } in [${lo}, ${hi}], got ${String(v)}`,
        );
      }
      return v;
    };
    switch (type) {
      case GgufType.UINT8: {
        const x = num(0, 0xff, true);
        return this.put(1, (dv, at) => dv.setUint8(at, x));
      }
      case GgufType.INT8: {
        const x = num(-0x80, 0x7f, true);
        return this.put(1, (dv, at) => dv.setInt8(at, x));
      }
      case GgufType.UINT16: {
        const x = num(0, 0xffff, true);
        return this.put(2, (dv, at) => dv.setUint16(at, x, true));
      }
      case GgufType.INT16: {
        const x = num(-0x8000, 0x7fff, true);
        return this.put(2, (dv, at) => dv.setInt16(at, x, true));
      }
      case GgufType.UINT32: {
        const x = num(0, 0xffffffff, true);
        return this.put(4, (dv, at) => dv.setUint32(at, x, true));
      }
      case GgufType.INT32: {
        const x = num(-0x80000000, 0x7fffffff, true);
        return this.put(4, (dv, at) => dv.setInt32(at, x, true));
      }
      case GgufType.FLOAT32: {
        const x = typeof v === "number" ? v : num(0, 0, false); // NaN and ±Infinity are numbers too
        return this.put(4, (dv, at) => dv.setFloat32(at, x, true));
      }
      case GgufType.FLOAT64: {
        const x = typeof v === "number" ? v : num(0, 0, false);
        return this.put(8, (dv, at) => dv.setFloat64(at, x, true));
      }
      case GgufType.UINT64:
      case GgufType.INT64: {
        const lo = type === GgufType.UINT64 ? 0n : -(1n << 63n);
        const hi = type === GgufType.UINT64 ? (1n << 64n) - 1n : (1n << 63n) - 1n;
        if (typeof v !== "bigint" || v < lo || v > hi) {
          throw new RangeError(
            `Cannot write ${what}: expected a bigint in [${lo}, ${hi}], got ${typeof v} ${
              String(v)
            }`,
          );
        }
        return this.put(
          8,
          (dv, at) =>
            type === GgufType.UINT64 ? dv.setBigUint64(at, v, true) : dv.setBigInt64(at, v, true),
        );
      }
      case GgufType.BOOL:
        if (typeof v !== "boolean") {
          throw new TypeError(`Cannot write ${what}: expected a boolean, got ${typeof v}`);
        }
        return this.put(1, (dv, at) => dv.setUint8(at, v ? 1 : 0));
      case GgufType.STRING:
        if (typeof v !== "string") {
          throw new TypeError(`Cannot write ${what}: expected a string, got ${typeof v}`);
        }
        return this.string(v);
      default:
        throw new RangeError(`Cannot write ${what}: expected a value type 0..12, got ${type}`);
    }
  }

  value(v: GgufValue, what: string) {
    if (v.type !== GgufType.ARRAY) return this.scalar(v.type, v.value, what);
    this.u32(v.itemType);
    this.u64(v.value.length);
    for (let i = 0; i < v.value.length; i++) {
      const item = v.value[i];
      if (v.itemType === GgufType.ARRAY) {
        if (typeof item !== "object" || item === null || item.type !== GgufType.ARRAY) {
          throw new TypeError(`Cannot write ${what}[${i}]: expected a nested array value`);
        }
        this.value(item, `${what}[${i}]`);
      } else {
        this.scalar(v.itemType, item, `${what}[${i}]`);
      }
    }
  }
}

/** Options of {@linkcode writeGguf}. */
export interface WriteGgufInput {
  /** Metadata in the order to write; `general.alignment` (u32), when present, sets the alignment. */
  kvs: readonly GgufKv[];
  /** Tensors in the order to write. */
  tensors: readonly GgufTensor[];
}

/**
 * Serialises a GGUF v3 file as llama.cpp's `gguf_write_to_file` does: header,
 * metadata, tensor entries (offsets relative to the data section, each a
 * multiple of the alignment), zero padding to the alignment, then each
 * tensor's little-endian data padded to the alignment. Pure: same input, same bytes.
 *
 * @param input Metadata and tensors.
 * @returns The file's bytes.
 * @throws {TypeError} On duplicate keys or names, or data of the wrong kind.
 * @throws {RangeError} On a bad shape, a data length that does not match the
 *   shape, a name too long for llama.cpp, a bad alignment, or a value out of range.
 *
 * @example
 * ```ts
 * import { GgufType, readGgufHeader, writeGguf } from "./tiny_gguf.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = writeGguf({
 *   kvs: [{ key: "general.alignment", value: { type: GgufType.UINT32, value: 64 } }],
 *   tensors: [
 *     { name: "a", shape: [3], data: new Float32Array([1, 2, 3]) },
 *     { name: "b", shape: [2], data: new Float16Array([0.5, 1]) },
 *   ],
 * });
 * const h = readGgufHeader(bytes);
 * assert.equal(h.alignment, 64);
 * assert.deepEqual(h.tensors.map((t) => t.offset), [0, 64]);
 * assert.equal(bytes.length, h.dataOffset + 128);
 * ```
 */
export function writeGguf(input: WriteGgufInput): Uint8Array {
  const w = new Writer();
  const keys = new Set<string>();
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  for (const kv of input.kvs) {
    if (kv.key === "") throw new TypeError('Cannot write GGUF: expected a non-empty key, got ""');
    if (keys.has(kv.key)) {
      throw new TypeError(`Cannot write GGUF: key ${JSON.stringify(kv.key)} appears twice`);
    }
    keys.add(kv.key);
    if (kv.key === "general.alignment") {
      const v = kv.value;
      if (v.type !== GgufType.UINT32 || v.value <= 0 || (v.value & (v.value - 1)) !== 0) {
        throw new RangeError(
          `Cannot write GGUF: general.alignment must be a u32 power of two, got type ${v.type} value ${
            String(v.value)
          }`,
        );
      }
      alignment = v.value;
    }
  }
  const names = new Set<string>();
  const infos = input.tensors.map((t) => {
    const what = `tensor ${JSON.stringify(t.name)}`;
    if (names.has(t.name)) throw new TypeError(`Cannot write GGUF: ${what} appears twice`);
    names.add(t.name);
    if (utf8.encode(t.name).length >= GGML_MAX_NAME) {
      throw new RangeError(
        `Cannot write GGUF: ${what} name must be shorter than ${GGML_MAX_NAME} bytes`,
      );
    }
    if (
      t.shape.length < 1 || t.shape.length > 4 ||
      t.shape.some((d) => !Number.isInteger(d) || d < 1)
    ) {
      throw new RangeError(
        `Cannot write GGUF: ${what} shape must be 1 to 4 positive integers, got [${t.shape}]`,
      );
    }
    let type: number;
    if (t.data instanceof Float32Array) type = GgmlType.F32;
    else if (t.data instanceof Float16Array) type = GgmlType.F16;
    else {throw new TypeError(
        `Cannot write GGUF: ${what} data must be a Float32Array or Float16Array`,
      );}
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) {
      throw new RangeError(
        `Cannot write GGUF: ${what} of shape [${t.shape}] needs ${n} values, got ${t.data.length}`,
      );
    }
    return { t, type, nbytes: tensorNbytes(type, t.shape)! };
  });

  w.bytes(utf8.encode("GGUF"));
  w.u32(GGUF_VERSION);
  w.u64(infos.length);
  w.u64(input.kvs.length);
  for (const kv of input.kvs) {
    w.string(kv.key);
    w.u32(kv.value.type);
    w.value(kv.value, kv.key);
  }
  let offset = 0;
  for (const { t, type, nbytes } of infos) {
    w.string(t.name);
    w.u32(t.shape.length);
    for (const d of t.shape) w.u64(d);
    w.u32(type);
    w.u64(offset);
    offset += padTo(nbytes, alignment);
  }
  if (infos.length > 0) w.pad(alignment);
  for (const { t, type, nbytes } of infos) {
    const at = w.reserve(nbytes);
    const dv = w.view;
    if (type === GgmlType.F32) {
      for (let i = 0; i < t.data.length; i++) dv.setFloat32(at + 4 * i, t.data[i], true);
    } else {
      for (let i = 0; i < t.data.length; i++) dv.setFloat16(at + 2 * i, t.data[i], true);
    }
    w.pad(alignment);
  }
  return w.buf.slice(0, w.pos);
}

// ---------------------------------------------------------------------------
// The tiny llama

/** The parameters of the tiny model; each is part of the cached file's name. */
export interface TinyLlamaParams {
  /**
   * `llama.context_length`: the trained context.
   * @default {2048}
   */
  contextLength?: number;
  /**
   * `llama.embedding_length` (n_embd).
   * @default {64}
   */
  embeddingLength?: number;
  /**
   * `llama.block_count` (layers).
   * @default {2}
   */
  blockCount?: number;
  /**
   * `llama.feed_forward_length` (n_ff).
   * @default {128}
   */
  feedForwardLength?: number;
  /**
   * `llama.attention.head_count`; must divide `embeddingLength`, giving an even head size.
   * @default {4}
   */
  headCount?: number;
  /**
   * `llama.attention.head_count_kv`; must divide `headCount`.
   * @default {4}
   */
  headCountKv?: number;
  /**
   * `llama.attention.layer_norm_rms_epsilon`.
   * @default {1e-5}
   */
  rmsEps?: number;
  /**
   * Seed of the weights.
   * @default {1}
   */
  seed?: number;
  /**
   * `general.name`.
   * @default {"splleed-tiny-llama"}
   */
  name?: string;
}

/** Bumped whenever the generator's output changes, so cached files are not reused. */
const TINY_FORMAT = 1;

/** The vocab file inside the llama.cpp source that the tiny model takes its tokenizer from. */
export const VOCAB_FILE = "models/ggml-vocab-llama-spm.gguf";

/** A ChatML template, used when the vocab file brings none. */
export const CHATML_TEMPLATE = "{% for message in messages %}" +
  "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}" +
  "{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

function normalize(params: TinyLlamaParams): Required<TinyLlamaParams> {
  const p: Required<TinyLlamaParams> = {
    contextLength: params.contextLength ?? 2048,
    embeddingLength: params.embeddingLength ?? 64,
    blockCount: params.blockCount ?? 2,
    feedForwardLength: params.feedForwardLength ?? 128,
    headCount: params.headCount ?? 4,
    headCountKv: params.headCountKv ?? 4,
    rmsEps: params.rmsEps ?? 1e-5,
    seed: params.seed ?? 1,
    name: params.name ?? "splleed-tiny-llama",
  };
  for (
    const k of [
      "contextLength",
      "embeddingLength",
      "blockCount",
      "feedForwardLength",
      "headCount",
      "headCountKv",
    ] as const
  ) {
    if (!Number.isInteger(p[k]) || p[k] < 1 || p[k] > 0xffffffff) {
      throw new RangeError(
        `Cannot make a tiny llama: '${k}' must be a positive integer, got ${p[k]}`,
      );
    }
  }
  if (p.embeddingLength % p.headCount !== 0 || (p.embeddingLength / p.headCount) % 2 !== 0) {
    throw new RangeError(
      "Cannot make a tiny llama: 'embeddingLength' must be 'headCount' times an even head size, " +
        `got ${p.embeddingLength} and ${p.headCount}`,
    );
  }
  if (p.headCount % p.headCountKv !== 0) {
    throw new RangeError(
      `Cannot make a tiny llama: 'headCountKv' must divide 'headCount', got ${p.headCountKv} and ${p.headCount}`,
    );
  }
  if (!(p.rmsEps > 0) || !Number.isFinite(p.rmsEps)) {
    throw new RangeError(`Cannot make a tiny llama: 'rmsEps' must be positive, got ${p.rmsEps}`);
  }
  if (!Number.isInteger(p.seed) || p.seed < 0 || p.seed > 0xffffffff) {
    throw new RangeError(`Cannot make a tiny llama: 'seed' must be a u32 integer, got ${p.seed}`);
  }
  return p;
}

/** mulberry32: a small seeded PRNG giving u32s; integer arithmetic only, so identical everywhere. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** FNV-1a over a string's UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Fills `out` with ≈N(0, std²) values: the sum of 12 uniforms minus 6
 * (Irwin–Hall), which needs no `Math.log`/`Math.cos` and so gives the same
 * bits on every engine. Each tensor gets its own stream, seeded from its name.
 */
function fillNormal(out: Float32Array | Float16Array, seed: number, name: string, std: number) {
  const next = mulberry32((seed ^ fnv1a(name)) >>> 0);
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let k = 0; k < 12; k++) sum += next();
    out[i] = (sum / 4294967296 - 6) * std; // the sum is exact; one rounding here, one on store
  }
  return out;
}

/**
 * Builds the tiny llama GGUF from a vocab-only GGUF's bytes: every
 * `tokenizer.*` key copied verbatim (plus a ChatML `tokenizer.chat_template`
 * when the vocab has none), llama hyper-parameters, and seeded random tensors
 * named and shaped as llama.cpp's `llama_model_llama::load_arch_tensors`
 * expects (`token_embd` F16, the rest F32, norms 1.0, no `output.weight`: the
 * embeddings are tied). Pure and deterministic.
 *
 * @param vocab The bytes of a vocab GGUF such as `models/ggml-vocab-llama-spm.gguf`.
 * @param params The model's shape and seed.
 * @returns The model file's bytes.
 * @throws {TypeError} When the vocab is not a GGUF or has no `tokenizer.ggml.tokens` string array.
 * @throws {RangeError} When a parameter is out of range.
 *
 * @example
 * ```ts
 * import { ggufValue, GgufType, readGgufHeader, tinyLlamaGguf, writeGguf } from "./tiny_gguf.ts";
 * import assert from "node:assert/strict";
 *
 * const vocab = writeGguf({
 *   kvs: [
 *     { key: "tokenizer.ggml.model", value: { type: GgufType.STRING, value: "llama" } },
 *     {
 *       key: "tokenizer.ggml.tokens",
 *       value: { type: GgufType.ARRAY, itemType: GgufType.STRING, value: ["<unk>", "<s>", "</s>", "a"] },
 *     },
 *   ],
 *   tensors: [],
 * });
 * const h = readGgufHeader(tinyLlamaGguf(vocab, { blockCount: 1 }));
 * assert.equal(ggufValue(h.kvs, "llama.vocab_size"), 4);
 * assert.deepEqual(h.tensors.find((t) => t.name === "token_embd.weight")?.shape, [64, 4]);
 * ```
 */
export function tinyLlamaGguf(vocab: Uint8Array, params: TinyLlamaParams = {}): Uint8Array {
  const p = normalize(params);
  let header: GgufHeader;
  try {
    header = readGgufHeader(vocab);
  } catch (e) {
    throw new TypeError(`Cannot read the vocab GGUF: ${(e as Error).message}`);
  }
  const tokenizer = header.kvs.filter((kv) => kv.key.startsWith("tokenizer."));
  const tokens = tokenizer.find((kv) => kv.key === "tokenizer.ggml.tokens")?.value;
  if (!tokens || tokens.type !== GgufType.ARRAY || tokens.itemType !== GgufType.STRING) {
    throw new TypeError(
      "Cannot make a tiny llama: expected the vocab GGUF to hold a string array " +
        `'tokenizer.ggml.tokens', got ${
          tokens ? `type ${tokens.type}` : `only ${header.kvs.map((kv) => kv.key).join(", ")}`
        }`,
    );
  }
  const nVocab = tokens.value.length;
  const nEmbd = p.embeddingLength;
  const nFf = p.feedForwardLength;
  const headDim = nEmbd / p.headCount;
  const nEmbdKv = headDim * p.headCountKv;

  const u32 = (key: string, value: number): GgufKv => ({
    key,
    value: { type: GgufType.UINT32, value },
  });
  const kvs: GgufKv[] = [
    { key: "general.architecture", value: { type: GgufType.STRING, value: "llama" } },
    { key: "general.name", value: { type: GgufType.STRING, value: p.name } },
    u32("general.alignment", GGUF_DEFAULT_ALIGNMENT),
    u32("llama.context_length", p.contextLength),
    u32("llama.embedding_length", nEmbd),
    u32("llama.block_count", p.blockCount),
    u32("llama.feed_forward_length", nFf),
    u32("llama.attention.head_count", p.headCount),
    u32("llama.attention.head_count_kv", p.headCountKv),
    u32("llama.rope.dimension_count", headDim),
    {
      key: "llama.attention.layer_norm_rms_epsilon",
      value: { type: GgufType.FLOAT32, value: p.rmsEps },
    },
    u32("llama.vocab_size", nVocab),
    ...tokenizer.map(({ key, value }) => ({ key, value })),
  ];
  if (!tokenizer.some((kv) => kv.key === "tokenizer.chat_template")) {
    kvs.push({
      key: "tokenizer.chat_template",
      value: { type: GgufType.STRING, value: CHATML_TEMPLATE },
    });
  }

  const ones = (n: number) => new Float32Array(n).fill(1);
  const random = (name: string, shape: number[]) => ({
    name,
    shape,
    data: fillNormal(new Float32Array(shape[0] * shape[1]), p.seed, name, 0.02),
  });
  const tensors: GgufTensor[] = [
    {
      name: "token_embd.weight",
      shape: [nEmbd, nVocab],
      data: fillNormal(new Float16Array(nEmbd * nVocab), p.seed, "token_embd.weight", 0.02),
    },
    { name: "output_norm.weight", shape: [nEmbd], data: ones(nEmbd) },
  ];
  for (let i = 0; i < p.blockCount; i++) {
    const b = `blk.${i}`;
    tensors.push(
      { name: `${b}.attn_norm.weight`, shape: [nEmbd], data: ones(nEmbd) },
      random(`${b}.attn_q.weight`, [nEmbd, nEmbd]),
      random(`${b}.attn_k.weight`, [nEmbd, nEmbdKv]),
      random(`${b}.attn_v.weight`, [nEmbd, nEmbdKv]),
      random(`${b}.attn_output.weight`, [nEmbd, nEmbd]),
      { name: `${b}.ffn_norm.weight`, shape: [nEmbd], data: ones(nEmbd) },
      random(`${b}.ffn_gate.weight`, [nEmbd, nFf]),
      random(`${b}.ffn_up.weight`, [nEmbd, nFf]),
      random(`${b}.ffn_down.weight`, [nFf, nEmbd]),
    );
  }
  return writeGguf({ kvs, tensors });
}

// ---------------------------------------------------------------------------
// Cache

/** Options of {@linkcode ensureTinyModel} and {@linkcode tinyModelPath}. */
export interface TinyModelOptions extends TinyLlamaParams {
  /**
   * A vocab GGUF to take the tokenizer from instead of llama.cpp's
   * `models/ggml-vocab-llama-spm.gguf` (its content is part of the file name).
   * @default {undefined} (the pinned llama.cpp source's, cloned on first use)
   */
  vocabPath?: string;
  /**
   * Where to keep models.
   * @default {"<cache>/models"}
   */
  dir?: string;
  /**
   * Progress lines (the clone of the llama.cpp source on first use).
   * @default {(line) => console.error(line)}
   */
  log?: (line: string) => void;
}

const processEnv: EnvGetter = (name) => Deno.env.get(name);

/**
 * Where {@linkcode ensureTinyModel} keeps the model for these options:
 * `<dir>/tiny-llama-<16 hex digits>.gguf`, the digits hashing the normalised
 * parameters, the generator's format version and the vocab (the pinned
 * llama.cpp commit's file, or the content of `vocabPath`). Reads environment
 * variables, and `vocabPath` when given.
 *
 * @param options The model's parameters, vocab and directory.
 * @param env Reads a variable. Defaults to the process environment.
 * @returns An absolute path (the file may not exist yet).
 * @throws {RangeError} When a parameter is out of range.
 *
 * @example
 * ```ts
 * import { tinyModelPath } from "./tiny_gguf.ts";
 * import assert from "node:assert/strict";
 *
 * const a = tinyModelPath({ dir: "/m" });
 * assert.match(a, /^\/m\/tiny-llama-[0-9a-f]{16}\.gguf$/);
 * assert.equal(tinyModelPath({ dir: "/m", seed: 1 }), a); // 1 is the default
 * assert.notEqual(tinyModelPath({ dir: "/m", seed: 2 }), a);
 * ```
 */
export function tinyModelPath(options: TinyModelOptions = {}, env: EnvGetter = processEnv): string {
  const p = normalize(options);
  const vocab = options.vocabPath
    ? createHash("sha256").update(Deno.readFileSync(options.vocabPath)).digest("hex")
    : `node-llama-cpp@${NODE_LLAMA_CPP_VERSION}/${LLAMA_CPP_COMMIT}/${VOCAB_FILE}`;
  const identity = JSON.stringify({
    format: TINY_FORMAT,
    vocab,
    ...Object.fromEntries(Object.entries(p).sort(([a], [b]) => a < b ? -1 : 1)),
  });
  const hash = createHash("sha256").update(identity).digest("hex").slice(0, 16);
  const dir = options.dir ? resolve(options.dir) : join(splleedCacheDir(env), "models");
  return join(dir, `tiny-llama-${hash}.gguf`);
}

/**
 * Returns the path of the tiny llama model for these options, writing it first
 * when it is not cached (taking the tokenizer from the pinned llama.cpp
 * source, cloned on first use by `ensureLlamaSource`). The file is written to
 * a temporary name and renamed into place, so concurrent callers never see a
 * partial file; they write identical bytes.
 *
 * @param options The model's parameters, vocab and directory.
 * @returns The model's absolute path.
 * @throws {Error} When the llama.cpp source cannot be cloned or the vocab cannot be read.
 * @throws {RangeError} When a parameter is out of range.
 *
 * @example
 * ```ts ignore
 * import { ensureTinyModel } from "./tiny_gguf.ts";
 * import { ensureLlamaServer } from "./llama_server.ts";
 *
 * const model = await ensureTinyModel();
 * const bin = await ensureLlamaServer();
 * new Deno.Command(bin, { args: ["-m", model, "--port", "8111", "-c", "2048", "-np", "2"] }).spawn();
 * ```
 */
export async function ensureTinyModel(options: TinyModelOptions = {}): Promise<string> {
  const path = tinyModelPath(options);
  try {
    if ((await Deno.stat(path)).isFile) return path;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const vocabPath = options.vocabPath ??
    join(await ensureLlamaSource({ log: options.log }), VOCAB_FILE);
  const bytes = tinyLlamaGguf(await Deno.readFile(vocabPath), options);
  const dir = join(path, "..");
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  return path;
}

const USAGE = `Usage: deno run -A scripts/tiny_gguf.ts [--vocab FILE] [--seed N] [--dir DIR]

Prints the path of a tiny random-weight llama GGUF (writing it first if needed).

  --vocab FILE   take the tokenizer from this vocab GGUF (default: llama.cpp's ${VOCAB_FILE})
  --seed N       weight seed (default 1)
  --dir DIR      where to keep it (default: <cache>/models)`;

async function main(args: string[]): Promise<number> {
  const options: TinyModelOptions = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const v = args[i + 1];
    if (a === "--help" || a === "-h") {
      console.log(USAGE);
      return 0;
    } else if ((a === "--vocab" || a === "--seed" || a === "--dir") && v !== undefined) {
      if (a === "--vocab") options.vocabPath = v;
      else if (a === "--dir") options.dir = v;
      else options.seed = Number(v);
      i++;
    } else {
      console.error(`Unknown or incomplete argument ${JSON.stringify(a)}\n${USAGE}`);
      return 2;
    }
  }
  try {
    const started = performance.now();
    const path = await ensureTinyModel(options);
    console.error(`[tiny_gguf] ready in ${((performance.now() - started) / 1000).toFixed(2)} s`);
    console.log(path);
    return 0;
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
