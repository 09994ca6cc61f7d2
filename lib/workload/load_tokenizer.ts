/**
 * Finds and loads the tokenizer a workload names: a local `tokenizer.json`
 * (or a folder holding one), or a Hugging Face model id looked up in the
 * splleed cache, then in the Hugging Face hub cache (where `transformers`
 * and vLLM put it), then downloaded once into the splleed cache. No name:
 * the bundled default.
 *
 * @module
 */

import { isAbsolute, join, resolve } from "node:path";
import { ConfigError } from "../config/errors.ts";
import { type EnvLookup, hfHubCacheDir, processEnv, splleedCacheDir } from "./cache_dir.ts";
import { type HubFetcher, resolveFetcher } from "./hub.ts";
import { defaultTokenizer, hfTokenizer, type Tokenizer } from "./tokenizer.ts";

/** Options of {@linkcode loadTokenizer}. */
export interface LoadTokenizerOptions {
  /** Folder that relative paths are resolved against. @default the working directory */
  baseDir?: string;
  /** The splleed cache folder. @default splleedCacheDir() */
  cacheDir?: string;
  /** Downloads a model's tokenizer.json when no cache has it; `null`: never download. @default hubFetcher(), or null when $HF_HUB_OFFLINE is set */
  fetcher?: HubFetcher | null;
  /** Environment lookup (cache folders, HF_HUB_OFFLINE). @default the process environment */
  env?: EnvLookup;
  /** The field that named the tokenizer, for errors. @default "workload.tokenizer" */
  field?: string;
}

/**
 * Loads a tokenizer by path or model id.
 *
 * @param spec A `tokenizer.json` path, a folder holding one, a Hub model id (`org/name`), or nothing for the default.
 * @param options Where to look and whether to download.
 * @returns The tokenizer.
 * @throws {ConfigError} When the file cannot be read or parsed, or the model id is in no cache and cannot be downloaded; the message lists every path tried.
 *
 * @example
 * ```ts
 * import { loadTokenizer } from "./load_tokenizer.ts";
 * import assert from "node:assert/strict";
 *
 * const tok = await loadTokenizer("testdata/tiny_bpe_tokenizer.json", {
 *   baseDir: new URL(".", import.meta.url).pathname,
 * });
 * assert.equal(tok.info.kind, "hf");
 * assert.equal((await loadTokenizer()).info.kind, "default");
 * ```
 */
export async function loadTokenizer(
  spec?: string,
  options: LoadTokenizerOptions = {},
): Promise<Tokenizer> {
  if (spec === undefined) return await defaultTokenizer();
  const field = options.field ?? "workload.tokenizer";
  const env = options.env ?? processEnv;
  const local = resolve(options.baseDir ?? Deno.cwd(), spec);
  const stat = await Deno.stat(local).catch(() => null);
  if (stat !== null) {
    const file = stat.isDirectory ? join(local, "tokenizer.json") : local;
    return await readTokenizer(file, spec, field);
  }
  const looksLikePath = isAbsolute(spec) || spec.startsWith(".") || /\.json$/i.test(spec) ||
    !/^[\w.-]+(\/[\w.-]+)?$/.test(spec);
  if (looksLikePath) {
    throw new ConfigError("benchmark", [{
      path: field,
      expected: "a readable tokenizer.json, a folder holding one, or a Hugging Face model id",
      received: `${JSON.stringify(spec)} (no such file: ${local})`,
    }]);
  }
  // A model id.
  const cacheDir = options.cacheDir ?? splleedCacheDir(env);
  const ours = join(cacheDir, "tokenizers", spec, "tokenizer.json");
  const tried: string[] = [ours];
  if (await exists(ours)) return await readTokenizer(ours, spec, field);
  const hubCache = join(hfHubCacheDir(env), `models--${spec.replace("/", "--")}`);
  for (const file of await hubCacheCandidates(hubCache)) {
    tried.push(file);
    if (await exists(file)) return await readTokenizer(file, spec, field);
  }
  if (tried.length === 1) tried.push(join(hubCache, "snapshots", "*", "tokenizer.json"));
  const fetcher = resolveFetcher(options.fetcher, env);
  let why = "downloads are off (HF_HUB_OFFLINE or fetcher: null)";
  if (fetcher !== null) {
    try {
      const repo = { type: "model", name: spec } as const;
      await fetcher.download(repo, "tokenizer.json", "main", ours);
      await fetcher.download(
        repo,
        "tokenizer_config.json",
        "main",
        join(ours, "..", "tokenizer_config.json"),
      )
        .catch(() => {});
      return await readTokenizer(ours, spec, field);
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      why = `download failed: ${err instanceof Error ? err.message : err}`;
    }
  }
  throw new ConfigError("benchmark", [{
    path: field,
    expected: `a tokenizer.json path, or a model id in a cache (tried ${tried.join(", ")}; ` +
      "set SPLLEED_CACHE_DIR, HF_HOME or HF_HUB_CACHE, or give the file's path)",
    received: `${JSON.stringify(spec)} (${why})`,
  }]);
}

/** tokenizer.json paths in a hub cache repo folder: refs/main's snapshot first, then the others. */
async function hubCacheCandidates(repoDir: string): Promise<string[]> {
  const out: string[] = [];
  const main = await Deno.readTextFile(join(repoDir, "refs", "main")).catch(() => null);
  if (main !== null) out.push(join(repoDir, "snapshots", main.trim(), "tokenizer.json"));
  try {
    const snaps: string[] = [];
    for await (const e of Deno.readDir(join(repoDir, "snapshots"))) snaps.push(e.name);
    for (const s of snaps.sort()) {
      const p = join(repoDir, "snapshots", s, "tokenizer.json");
      if (!out.includes(p)) out.push(p);
    }
  } catch {
    // No snapshots folder.
  }
  return out;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then((s) => s.isFile, () => false);
}

async function readTokenizer(file: string, name: string, field: string): Promise<Tokenizer> {
  let json: unknown;
  try {
    json = JSON.parse(await Deno.readTextFile(file));
  } catch (err) {
    throw new ConfigError("benchmark", [{
      path: field,
      expected: "a readable tokenizer.json (JSON)",
      received: `${JSON.stringify(name)} (${file}: ${err instanceof Error ? err.message : err})`,
    }]);
  }
  const configFile = join(file, "..", "tokenizer_config.json");
  const config = await Deno.readTextFile(configFile).then(JSON.parse, () => ({}));
  try {
    return hfTokenizer(json as object, name, config);
  } catch (err) {
    throw new ConfigError("benchmark", [{
      path: field,
      expected: "a tokenizer.json that @huggingface/tokenizers can load",
      received: `${JSON.stringify(name)} (${file}: ${err instanceof Error ? err.message : err})`,
    }]);
  }
}
