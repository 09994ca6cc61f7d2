/**
 * Small file-system questions the runner asks.
 *
 * @module
 */

/**
 * Whether `path` is a file (false when nothing is there; other errors,
 * such as a permission denied, are thrown).
 *
 * @param path The path.
 * @returns True for a file.
 */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}
