/**
 * Small promise helpers: wait a while, and bound how long a promise may take
 * (as `@std/async`'s `delay` and `deadline`).
 *
 * @module
 */

/**
 * Resolves after `ms` milliseconds.
 *
 * @param ms Delay, ms.
 * @returns A promise that resolves with nothing.
 *
 * @example
 * ```ts
 * import { delay } from "./async.ts";
 * import assert from "node:assert/strict";
 *
 * const t0 = performance.now();
 * await delay(20);
 * assert.ok(performance.now() - t0 >= 15);
 * ```
 */
export function delay(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms));
}

/**
 * What `p` resolves to, or a rejection if it has not settled within `ms`
 * (so that a broken test fails instead of hanging the run). The timer is
 * cleared either way.
 *
 * @param ms Time limit, ms.
 * @param p The promise.
 * @param what What `p` is, named in the error.
 * @returns What `p` resolves to.
 * @throws {Error} `"<what>: not within <ms> ms"` when the time runs out;
 * whatever `p` rejects with otherwise.
 *
 * @example
 * ```ts
 * import { delay, within } from "./async.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await within(1000, Promise.resolve(7), "seven"), 7);
 * await assert.rejects(within(10, delay(1000), "a slow reply"), /a slow reply: not within 10 ms/);
 * ```
 */
export async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
