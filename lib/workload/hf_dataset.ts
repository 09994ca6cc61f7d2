/**
 * The `hf` source: Hugging Face datasets by name: the parquet files of one split, found in
 * the repository at `revision` (default `main`) or else in the Hub's own
 * parquet conversion (`refs/convert/parquet`), downloaded once into
 * `<cache>/datasets/<org>/<name>/<revision>/` and read from there on every
 * later run, offline. The network is touched only through a
 * {@linkcode HubFetcher}.
 *
 * @module
 */

import { join } from "node:path";
import { ConfigError } from "../config/errors.ts";
import type { HubFetcher } from "./hub.ts";
import { parquetWorkload } from "./parquet.ts";
import type { SourceLoader } from "./source.ts";

/**
 * Loads a Hugging Face dataset split (from the cache, else downloaded once
 * through the context's fetcher) and reads it as parquet.
 *
 * @param w The validated source.
 * @param ctx The context (cache folder, fetcher).
 * @returns The workload; the description has `dataset`, `split`, `revision`, `config`, `fromCache` and `column`.
 * @throws {ConfigError} When the split is neither cached nor downloadable, or cannot be read.
 *
 * @example Offline, a split not in the cache
 * ```ts
 * import { hfSource } from "./hf_dataset.ts";
 * import { sourceContext } from "./source.ts";
 * import assert from "node:assert/strict";
 *
 * const cacheDir = await Deno.makeTempDir();
 * await assert.rejects(
 *   hfSource(
 *     { source: "hf", dataset: "org/ds", split: "train", multiTurn: false },
 *     sourceContext({ cacheDir: () => cacheDir, fetcher: null }),
 *   ),
 *   /not cached, and downloads are off/,
 * );
 * await Deno.remove(cacheDir, { recursive: true });
 * ```
 */
export const hfSource: SourceLoader<"hf"> = async (w, ctx) => {
  const got = await fetchHfDataset(
    { dataset: w.dataset, split: w.split, config: w.config, revision: w.revision },
    { cacheDir: ctx.cacheDir(), fetcher: ctx.fetcher },
  );
  return await parquetWorkload(got.files, w, ctx, {
    dataset: w.dataset,
    split: w.split,
    revision: got.revision,
    ...(w.config ? { config: w.config } : {}),
    fromCache: got.fromCache,
  });
};

/** The parquet conversion the Hub keeps of every public dataset. */
export const PARQUET_CONVERSION_REVISION = "refs/convert/parquet";

/** Which dataset files to use. */
export interface HfDatasetRef {
  /** Dataset id, `org/name`. */
  dataset: string;
  /** Split. */
  split: string;
  /** Configuration (subset): only files under a folder of this name. */
  config?: string;
  /** Branch, tag or commit; absent: `main`, then the parquet conversion. */
  revision?: string;
}

/** Options of {@linkcode fetchHfDataset}. */
export interface FetchHfDatasetOptions {
  /** The splleed cache folder. */
  cacheDir: string;
  /** Lists and downloads; `null`: use the cache only. */
  fetcher: HubFetcher | null;
}

/** The local parquet files of a dataset split. */
export interface HfDatasetFiles {
  /** Local paths, in name order. */
  files: string[];
  /** The revision they came from. */
  revision: string;
  /** Whether they were all in the cache already (no network). */
  fromCache: boolean;
}

/** Where the cache keeps a list of the files that make up one (revision, config, split). */
function manifestPath(cacheDir: string, ref: HfDatasetRef): string {
  const key = [ref.revision ?? "", ref.config ?? "", ref.split].map(encodeURIComponent).join("__");
  return join(cacheDir, "datasets", ref.dataset, "manifests", `${key}.json`);
}

/**
 * The local path of a dataset file in the cache.
 *
 * @param cacheDir The splleed cache folder.
 * @param dataset Dataset id.
 * @param revision Revision.
 * @param path Path inside the repository.
 * @returns `<cacheDir>/datasets/<dataset>/<revision, URI-encoded>/<path>`.
 *
 * @example
 * ```ts
 * import { cachedFilePath } from "./hf_dataset.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   cachedFilePath("/c", "org/ds", "refs/convert/parquet", "default/train/0000.parquet"),
 *   "/c/datasets/org/ds/refs%2Fconvert%2Fparquet/default/train/0000.parquet",
 * );
 * ```
 */
export function cachedFilePath(
  cacheDir: string,
  dataset: string,
  revision: string,
  path: string,
): string {
  return join(cacheDir, "datasets", dataset, encodeURIComponent(revision), path);
}

/**
 * Picks the parquet files of a split (and configuration) from a repository
 * listing. A file belongs to split `s` when a folder on its path is `s` or
 * `partial-s` (the Hub's conversion), or its name is `s`, starts with `s-`,
 * `s_` or `s.`, or contains `-s-` (`data/train-00000-of-00002.parquet`).
 *
 * @param paths The repository's file paths.
 * @param split The split.
 * @param config Only files under a folder of this name, when given.
 * @returns The matching parquet paths, sorted.
 *
 * @example
 * ```ts
 * import { selectParquetFiles } from "./hf_dataset.ts";
 * import assert from "node:assert/strict";
 *
 * const files = [
 *   "README.md",
 *   "data/train-00000-of-00002.parquet",
 *   "data/train-00001-of-00002.parquet",
 *   "data/test-00000-of-00001.parquet",
 * ];
 * assert.deepEqual(selectParquetFiles(files, "test"), ["data/test-00000-of-00001.parquet"]);
 * assert.equal(selectParquetFiles(files, "train").length, 2);
 * assert.deepEqual(selectParquetFiles(["default/train/0000.parquet"], "train", "other"), []);
 * ```
 */
export function selectParquetFiles(
  paths: readonly string[],
  split: string,
  config?: string,
): string[] {
  return paths.filter((p) => {
    if (!p.endsWith(".parquet")) return false;
    const segs = p.split("/");
    const base = segs.pop()!.slice(0, -".parquet".length);
    if (config !== undefined && !segs.includes(config)) return false;
    if (segs.includes(split) || segs.includes(`partial-${split}`)) return true;
    return base === split || base.startsWith(`${split}-`) || base.startsWith(`${split}_`) ||
      base.startsWith(`${split}.`) || base.includes(`-${split}-`);
  }).sort();
}

/**
 * The local parquet files of a dataset split: from the cache when a
 * previous run downloaded them all, else listed and downloaded through
 * `fetcher` (only the missing files).
 *
 * @param ref Dataset, split, configuration, revision.
 * @param options Cache folder and fetcher.
 * @returns The local files.
 * @throws {ConfigError} When the dataset id is malformed, the split has no parquet file (the message lists the parquet files there are), or the files are not cached and cannot be fetched (the message names the cache folder and the offline alternative).
 *
 * @example
 * ```ts
 * import { fetchHfDataset } from "./hf_dataset.ts";
 * import type { HubFetcher } from "./hub.ts";
 * import assert from "node:assert/strict";
 *
 * // A fake Hub with one parquet file (here empty bytes).
 * const hub: HubFetcher = {
 *   listFiles: () => Promise.resolve(["data/train-00000-of-00001.parquet"]),
 *   download: (_r, _p, _v, dest) => Deno.mkdir(dest.replace(/[^/]+$/, ""), { recursive: true })
 *     .then(() => Deno.writeFile(dest, new Uint8Array())),
 * };
 * const cacheDir = await Deno.makeTempDir();
 * const first = await fetchHfDataset({ dataset: "org/ds", split: "train" }, { cacheDir, fetcher: hub });
 * assert.equal(first.fromCache, false);
 * const again = await fetchHfDataset({ dataset: "org/ds", split: "train" }, { cacheDir, fetcher: null });
 * assert.equal(again.fromCache, true);
 * assert.deepEqual(again.files, first.files);
 * await Deno.remove(cacheDir, { recursive: true });
 * ```
 */
export async function fetchHfDataset(
  ref: HfDatasetRef,
  options: FetchHfDatasetOptions,
): Promise<HfDatasetFiles> {
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(ref.dataset) || ref.dataset.split("/").includes("..")) {
    throw new ConfigError("benchmark", [{
      path: "workload.dataset",
      expected: "a Hugging Face dataset id (org/name)",
      received: JSON.stringify(ref.dataset),
    }]);
  }
  const { cacheDir, fetcher } = options;
  const manifest = manifestPath(cacheDir, ref);
  const cached = await readManifest(manifest);
  if (cached !== null) {
    const files = cached.files.map((p) =>
      cachedFilePath(cacheDir, ref.dataset, cached.revision, p)
    );
    if ((await Promise.all(files.map(isFile))).every(Boolean)) {
      return { files, revision: cached.revision, fromCache: true };
    }
  }
  const offlineError = (why: string): ConfigError =>
    new ConfigError("benchmark", [{
      path: "workload.dataset",
      expected: `a dataset split in the cache (${join(cacheDir, "datasets", ref.dataset)}) ` +
        "or one that can be downloaded (HF_TOKEN for gated datasets); offline, download its " +
        'parquet files elsewhere and use { source: "parquet", path }',
      received: `${JSON.stringify(ref.dataset)} split ${JSON.stringify(ref.split)} (${why})`,
    }]);
  if (fetcher === null) throw offlineError("not cached, and downloads are off");
  const repo = { type: "dataset", name: ref.dataset } as const;
  const revisions = ref.revision !== undefined
    ? [ref.revision]
    : ["main", PARQUET_CONVERSION_REVISION];
  const seen: string[] = [];
  for (const revision of revisions) {
    let listing: string[];
    try {
      listing = await fetcher.listFiles(repo, revision);
    } catch (err) {
      if (revision === PARQUET_CONVERSION_REVISION && seen.length > 0) break;
      throw offlineError(`listing ${revision} failed: ${err instanceof Error ? err.message : err}`);
    }
    let picked = selectParquetFiles(listing, ref.split, ref.config);
    if (revision === PARQUET_CONVERSION_REVISION && ref.config === undefined) {
      const configs = [...new Set(picked.map((p) => p.split("/")[0]))];
      if (configs.length > 1) {
        if (!configs.includes("default")) {
          throw new ConfigError("benchmark", [{
            path: "workload.config",
            expected: `one of the dataset's configurations: ${configs.join(", ")}`,
            received: "nothing",
          }]);
        }
        picked = picked.filter((p) => p.split("/")[0] === "default");
      }
    }
    seen.push(...listing.filter((p) => p.endsWith(".parquet")).map((p) => `${revision}:${p}`));
    if (picked.length === 0) continue;
    const files: string[] = [];
    for (const p of picked) {
      const dest = cachedFilePath(cacheDir, ref.dataset, revision, p);
      if (!(await isFile(dest))) {
        try {
          await fetcher.download(repo, p, revision, dest);
        } catch (err) {
          throw offlineError(
            `downloading ${p} failed: ${err instanceof Error ? err.message : err}`,
          );
        }
      }
      files.push(dest);
    }
    await Deno.mkdir(join(manifest, ".."), { recursive: true });
    await Deno.writeTextFile(manifest, JSON.stringify({ revision, files: picked }, null, 1));
    return { files, revision, fromCache: false };
  }
  throw new ConfigError("benchmark", [{
    path: ref.config === undefined ? "workload.split" : "workload.config",
    expected: `a split with parquet files (the dataset has: ${
      seen.length === 0
        ? "no parquet file"
        : seen.slice(0, 12).join(", ") + (seen.length > 12 ? ", ..." : "")
    })`,
    received: JSON.stringify(ref.config === undefined ? ref.split : `${ref.config}/${ref.split}`),
  }]);
}

async function readManifest(path: string): Promise<{ revision: string; files: string[] } | null> {
  try {
    const m = JSON.parse(await Deno.readTextFile(path));
    if (typeof m?.revision === "string" && Array.isArray(m.files) && m.files.length > 0) {
      return m;
    }
  } catch {
    // Absent or damaged: fetch again.
  }
  return null;
}

async function isFile(path: string): Promise<boolean> {
  return await Deno.stat(path).then((s) => s.isFile, () => false);
}
