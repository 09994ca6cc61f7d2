/**
 * A large sample of non-negative values kept in fixed-size `Float32Array`
 * blocks, with exact quantiles: for the millions of inter-token gaps of a
 * trial, without one huge array to grow (a growing array briefly holds its
 * old and new copies) or to copy for sorting.
 *
 * Quantiles are found by selection over the sorted blocks: the k-th smallest
 * value is the smallest float whose count of values at or below it exceeds
 * k, found by bisecting the float's bit pattern (monotonic for non-negative
 * floats) and counting with a binary search per block.
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
  #sorted = false;

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
    if (this.#fill === BLOCK) {
      this.#blocks.push(new Float32Array(BLOCK));
      this.#fill = 0;
    }
    this.#blocks[this.#blocks.length - 1][this.#fill++] = v > 0 ? v : 0;
    this.#n++;
    this.#sorted = false;
  }

  /**
   * Summarises the sample: mean, population std, min, max and the
   * linearly interpolated p50/p90/p95/p99 (as {@linkcode describe}).
   * Sorts the blocks in place.
   *
   * @returns The summary, or `undefined` when empty.
   */
  summarize(): Distribution | undefined {
    const n = this.#n;
    if (n === 0) return undefined;
    const blocks = this.#views();
    if (!this.#sorted) {
      for (const b of blocks) b.sort();
      this.#sorted = true;
    }
    let sum = 0;
    for (const b of blocks) for (let i = 0; i < b.length; i++) sum += b[i];
    const mean = sum / n;
    let ss = 0;
    for (const b of blocks) {
      for (let i = 0; i < b.length; i++) {
        const d = b[i] - mean;
        ss += d * d;
      }
    }
    const q = (p: number) => {
      const h = (n - 1) * p;
      const lo = Math.floor(h);
      const a = this.#kth(blocks, lo);
      return lo + 1 < n && h > lo ? a + (h - lo) * (this.#kth(blocks, lo + 1) - a) : a;
    };
    let min = Infinity, max = -Infinity;
    for (const b of blocks) {
      if (b[0] < min) min = b[0];
      if (b[b.length - 1] > max) max = b[b.length - 1];
    }
    return {
      count: n,
      mean,
      std: Math.sqrt(ss / n),
      min,
      max,
      p50: q(0.5),
      p90: q(0.9),
      p95: q(0.95),
      p99: q(0.99),
    };
  }

  #views(): Float32Array[] {
    const out = this.#blocks.slice(0, -1);
    out.push(this.#blocks[this.#blocks.length - 1].subarray(0, this.#fill));
    return out;
  }

  /** The k-th smallest value (0-based) of the sorted blocks. */
  #kth(blocks: Float32Array[], k: number): number {
    const f = new Float32Array(1);
    const bits = new Uint32Array(f.buffer);
    // Smallest bit pattern x with count(≤ float(x)) > k.
    let lo = 0, hi = 0x7f800000; // +0 .. +Infinity
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      bits[0] = mid;
      const v = f[0];
      let count = 0;
      for (const b of blocks) count += upperBound(b, v);
      if (count > k) hi = mid;
      else lo = mid + 1;
    }
    bits[0] = lo;
    return f[0];
  }
}

/** Number of values ≤ v in a sorted array. */
function upperBound(a: Float32Array, v: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
