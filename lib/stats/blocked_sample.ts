/**
 * A large sample of non-negative values kept in fixed-size `Float32Array`
 * blocks, with exact quantiles: for the millions of inter-token gaps of a
 * trial, without one huge array to grow (a growing array briefly holds its
 * old and new copies) or to copy for sorting.
 *
 * Quantiles are found by radix selection, without sorting: the bit pattern
 * of a non-negative float orders like the float, so one pass counts values
 * by their upper 16 bits, which locates the bucket holding each wanted rank,
 * and a second pass counts the values of those buckets by their lower 16
 * bits, which pins each wanted value exactly. Two linear passes, whatever
 * the sample's size.
 *
 * @module
 */

import type { Distribution } from "./describe.ts";

const BLOCK = 1 << 16; // 65,536 values, 256 KiB

/**
 * Non-negative samples in blocks, summarised like {@linkcode describe}.
 *
 * @example
 * ```ts
 * import { BlockedSample } from "./blocked_sample.ts";
 * import assert from "node:assert/strict";
 *
 * const s = new BlockedSample();
 * for (const v of [4, 1, 3, 2]) s.push(v);
 * const d = s.summarize()!;
 * assert.equal(d.p50, 2.5);
 * assert.equal(d.max, 4);
 * assert.equal(d.count, 4);
 * ```
 */
export class BlockedSample {
  #blocks: Float32Array[] = [];
  #fill = BLOCK; // values in the last block
  #n = 0;
  #sealed = false; // a pool: every block is a full view, no push

  /** Number of values. */
  get length(): number {
    return this.#n;
  }

  /**
   * Adds a value.
   *
   * @param v A finite value ≥ 0 (stored as a 32-bit float; negative values are clamped to 0).
   */
  push(v: number): void {
    if (this.#sealed) {
      throw new TypeError("Cannot push to a pooled sample: it shares its sources' blocks");
    }
    if (this.#fill === BLOCK) {
      this.#blocks.push(new Float32Array(BLOCK));
      this.#fill = 0;
    }
    this.#blocks[this.#blocks.length - 1][this.#fill++] = v > 0 ? v : 0;
    this.#n++;
  }

  /**
   * Summarises the sample: mean, population std, min, max and the
   * linearly interpolated p50/p90/p95/p99 (as {@linkcode describe}), exact.
   *
   * @returns The summary, or `undefined` when empty.
   */
  summarize(): Distribution | undefined {
    const n = this.#n;
    if (n === 0) return undefined;
    const blocks = this.#views();
    const words = blocks.map((b) => new Uint32Array(b.buffer, b.byteOffset, b.length));
    // Pass 1: sum, min, max, and counts by upper 16 bits.
    const hi = new Uint32Array(65536);
    let sum = 0, min = Infinity, max = -Infinity;
    for (let k = 0; k < blocks.length; k++) {
      const b = blocks[k], w = words[k];
      for (let i = 0; i < b.length; i++) {
        const v = b[i];
        sum += v;
        if (v < min) min = v;
        if (v > max) max = v;
        hi[w[i] >>> 16]++;
      }
    }
    const mean = sum / n;
    // The ranks wanted: both neighbours of each interpolated quantile.
    const ps = [0.5, 0.9, 0.95, 0.99];
    const ranks: number[] = [];
    for (const p of ps) {
      const h = (n - 1) * p;
      ranks.push(Math.floor(h), Math.min(Math.floor(h) + 1, n - 1));
    }
    // Bucket of each rank, and its rank within the bucket.
    const { bucketOf, within, slot, lo } = locateRanks(hi, ranks);
    // Pass 2: sum of squares, and counts by lower 16 bits in wanted buckets.
    let ss = 0;
    for (let k = 0; k < blocks.length; k++) {
      const b = blocks[k], w = words[k];
      for (let i = 0; i < b.length; i++) {
        const d = b[i] - mean;
        ss += d * d;
        const j = slot[w[i] >>> 16];
        if (j >= 0) lo[j][w[i] & 0xffff]++;
      }
    }
    const atRank = valuesAtRanks({ bucketOf, within, slot, lo });
    const value = (i: number) => atRank[i];
    const q = (k: number) => {
      const h = (n - 1) * ps[k];
      const a = value(2 * k);
      return a + (h - Math.floor(h)) * (value(2 * k + 1) - a);
    };
    return {
      count: n,
      mean,
      std: Math.sqrt(ss / n),
      min,
      max,
      p50: q(0),
      p90: q(1),
      p95: q(2),
      p99: q(3),
    };
  }

  /**
   * The values at 0-based ranks of the ascending order, exactly, by the
   * same two-pass radix selection as {@linkcode BlockedSample.summarize}.
   *
   * @param ranks Ranks in [0, length).
   * @returns One value per rank, in the order given.
   * @throws {RangeError} When a rank is outside [0, length).
   *
   * @example
   * ```ts
   * import { BlockedSample } from "./blocked_sample.ts";
   * import assert from "node:assert/strict";
   *
   * const s = new BlockedSample();
   * for (const v of [4, 1, 3, 2]) s.push(v);
   * assert.deepEqual(s.atRanks([3, 0]), [4, 1]);
   * ```
   */
  atRanks(ranks: readonly number[]): number[] {
    const n = this.#n;
    for (const r of ranks) {
      if (!(Number.isInteger(r) && r >= 0 && r < n)) {
        throw new RangeError(`Cannot select from a sample: rank must be in [0, ${n}), got ${r}`);
      }
    }
    if (ranks.length === 0) return [];
    const words = this.#views().map((b) => new Uint32Array(b.buffer, b.byteOffset, b.length));
    const hi = new Uint32Array(65536);
    for (const w of words) for (let i = 0; i < w.length; i++) hi[w[i] >>> 16]++;
    const { bucketOf, within, slot, lo } = locateRanks(hi, ranks);
    for (const w of words) {
      for (let i = 0; i < w.length; i++) {
        const j = slot[w[i] >>> 16];
        if (j >= 0) lo[j][w[i] & 0xffff]++;
      }
    }
    return valuesAtRanks({ bucketOf, within, slot, lo });
  }

  /**
   * Counts values at or below `x` (one pass).
   *
   * @param x A threshold.
   * @returns How many values are ≤ x.
   */
  countAtMost(x: number): number {
    let c = 0;
    for (const b of this.#views()) for (let i = 0; i < b.length; i++) if (b[i] <= x) c++;
    return c;
  }

  /**
   * One sample holding the values of several, without copying them: the
   * pooled inter-token gaps of a level's trials. The sources must not be
   * pushed to afterwards (the pool shares their blocks).
   *
   * @param samples The samples to pool.
   * @returns A sample of all their values.
   *
   * @example
   * ```ts
   * import { BlockedSample } from "./blocked_sample.ts";
   * import assert from "node:assert/strict";
   *
   * const a = new BlockedSample(), b = new BlockedSample();
   * a.push(1); b.push(3); b.push(2);
   * const all = BlockedSample.pool([a, b]);
   * assert.equal(all.length, 3);
   * assert.equal(all.summarize()!.p50, 2);
   * ```
   */
  static pool(samples: readonly BlockedSample[]): BlockedSample {
    const out = new BlockedSample();
    for (const s of samples) {
      if (s.#n === 0) continue;
      out.#blocks.push(...s.#views());
      out.#n += s.#n;
    }
    out.#sealed = true;
    return out;
  }

  #views(): Float32Array[] {
    if (this.#sealed) return this.#blocks.slice();
    if (this.#blocks.length === 0) return [];
    const out = this.#blocks.slice(0, -1);
    out.push(this.#blocks[this.#blocks.length - 1].subarray(0, this.#fill));
    return out;
  }
}

/** Where wanted ranks fall in a radix select over float32 bit patterns. */
interface RankLocation {
  /** Each rank's bucket (the value's high 16 bits). */
  bucketOf: number[];
  /** Each rank's rank within its bucket. */
  within: number[];
  /** Bucket → index into `lo`, or -1 for a bucket no rank falls in. */
  slot: Int32Array;
  /** Per wanted bucket: counts by the low 16 bits (filled by the caller's second pass). */
  lo: Uint32Array[];
}

/**
 * First pass of the radix select: from the counts by high 16 bits, the
 * bucket of each rank and its rank within it, and empty low-bit counts for
 * the buckets wanted.
 */
function locateRanks(hi: Uint32Array, ranks: readonly number[]): RankLocation {
  const order = ranks.map((r, i) => [r, i]).sort((a, b) => a[0] - b[0]);
  const bucketOf = new Array<number>(ranks.length);
  const within = new Array<number>(ranks.length);
  let cum = 0, bucket = 0;
  for (const [r, i] of order) {
    while (cum + hi[bucket] <= r) cum += hi[bucket++];
    bucketOf[i] = bucket;
    within[i] = r - cum;
  }
  const slot = new Int32Array(65536).fill(-1);
  const wanted = [...new Set(bucketOf)];
  wanted.forEach((b, j) => (slot[b] = j));
  return { bucketOf, within, slot, lo: wanted.map(() => new Uint32Array(65536)) };
}

/** Last step of the radix select: the value at each rank, from its bucket's low-bit counts. */
function valuesAtRanks(loc: RankLocation): number[] {
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  return loc.bucketOf.map((bucket, i) => {
    const counts = loc.lo[loc.slot[bucket]];
    let c = 0, x = 0;
    while (c + counts[x] <= loc.within[i]) c += counts[x++];
    bits[0] = (bucket << 16) | x;
    return asFloat[0];
  });
}
