/**
 * Small helpers shared by unit tests.
 *
 * @module
 */

/**
 * Resolves after `ms` milliseconds.
 *
 * @param ms Delay.
 * @returns A promise.
 */
export const delay = (ms: number): Promise<void> => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Rejects if `p` has not settled within `ms` (so a broken test fails instead
 * of hanging the run).
 *
 * @param ms Time limit.
 * @param p The promise.
 * @param what Named in the error.
 * @returns What `p` resolves to.
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
