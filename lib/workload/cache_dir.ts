/**
 * Where splleed keeps downloaded datasets and tokenizers:
 * `$SPLLEED_CACHE_DIR`, else `$XDG_CACHE_HOME/splleed`, else
 * `~/.cache/splleed`. Also where the Hugging Face libraries keep theirs, so
 * that a tokenizer already downloaded by `transformers` or vLLM is found.
 *
 * @module
 */

import { join } from "node:path";

/** Reads an environment variable; tests pass their own. */
export type EnvLookup = (name: string) => string | undefined;

/** The process environment (read when called, never at import). */
export const processEnv: EnvLookup = (name) => Deno.env.get(name);

/**
 * The splleed cache folder.
 *
 * @param env Environment lookup. @default the process environment
 * @returns `$SPLLEED_CACHE_DIR`, else `$XDG_CACHE_HOME/splleed`, else `~/.cache/splleed`.
 * @throws {Error} When none of SPLLEED_CACHE_DIR, XDG_CACHE_HOME, HOME or USERPROFILE is set.
 *
 * @example
 * ```ts
 * import { splleedCacheDir } from "./cache_dir.ts";
 * import assert from "node:assert/strict";
 *
 * const env = (vars: Record<string, string>) => (n: string) => vars[n];
 * assert.equal(splleedCacheDir(env({ SPLLEED_CACHE_DIR: "/c" })), "/c");
 * assert.equal(splleedCacheDir(env({ XDG_CACHE_HOME: "/x" })), "/x/splleed");
 * assert.equal(splleedCacheDir(env({ HOME: "/home/u" })), "/home/u/.cache/splleed");
 * ```
 */
export function splleedCacheDir(env: EnvLookup = processEnv): string {
  const explicit = env("SPLLEED_CACHE_DIR");
  if (explicit) return explicit;
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return join(xdg, "splleed");
  return join(home(env), ".cache", "splleed");
}

/**
 * The Hugging Face hub cache folder, as `huggingface_hub` resolves it.
 *
 * @param env Environment lookup. @default the process environment
 * @returns `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.
 * @throws {Error} When no variable gives a folder and HOME is unset.
 *
 * @example
 * ```ts
 * import { hfHubCacheDir } from "./cache_dir.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(hfHubCacheDir((n) => ({ HF_HOME: "/hf" } as Record<string, string>)[n]), "/hf/hub");
 * ```
 */
export function hfHubCacheDir(env: EnvLookup = processEnv): string {
  const hub = env("HF_HUB_CACHE");
  if (hub) return hub;
  const hfHome = env("HF_HOME");
  if (hfHome) return join(hfHome, "hub");
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return join(xdg, "huggingface", "hub");
  return join(home(env), ".cache", "huggingface", "hub");
}

function home(env: EnvLookup): string {
  const h = env("HOME") ?? env("USERPROFILE");
  if (!h) {
    throw new Error(
      "Cannot find a cache folder: set SPLLEED_CACHE_DIR (or XDG_CACHE_HOME or HOME)",
    );
  }
  return h;
}
