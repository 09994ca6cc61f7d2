/**
 * A growable list of numbers in one typed array: what metric accumulators
 * keep per request (no per-element objects). The far more numerous
 * inter-token gaps go to a `BlockedSample` instead.
 *
 * @module
 */

/**
 * A growable `Float64Array`.
 *
 * @example
 * ```ts
 * import { FloatList } from "./_float_list.ts";
 * import assert from "node:assert/strict";
 *
 * const l = new FloatList(1);
 * l.push(1); l.push(2); l.push(3);
 * assert.deepEqual(Array.from(l.view()), [1, 2, 3]);
 * ```
 */
export class FloatList {
  #data: Float64Array;
  #n = 0;

  /** @param capacity Initial capacity. */
  constructor(capacity = 64) {
    this.#data = new Float64Array(Math.max(1, capacity));
  }

  /** Number of values. */
  get length(): number {
    return this.#n;
  }

  /** Appends a value. */
  push(v: number): void {
    if (this.#n === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#n++] = v;
  }

  /** A view of the values (shares memory; valid until the next push). */
  view(): Float64Array {
    return this.#data.subarray(0, this.#n);
  }
}
