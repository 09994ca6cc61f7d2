/**
 * The only code that talks to the Hugging Face Hub: listing a repository's
 * files and downloading one, behind {@linkcode HubFetcher} so that
 * everything around it (choosing files, the cache, reading them) is tested
 * offline with a fake, and so a mirror or a proxy can be swapped in.
 *
 * @module
 */

import { dirname } from "node:path";
import type { EnvLookup } from "./cache_dir.ts";

/** A repository on the Hub. */
export interface HubRepo {
  /** `dataset` or `model`. */
  type: "dataset" | "model";
  /** `org/name`. */
  name: string;
}

/** Lists and downloads files of Hub repositories. */
export interface HubFetcher {
  /**
   * Every file path of `repo` at `revision`, recursively.
   *
   * @param repo The repository.
   * @param revision Branch, tag or commit.
   * @returns Paths inside the repository.
   */
  listFiles(repo: HubRepo, revision: string): Promise<string[]>;
  /**
   * Downloads one file to `dest` (complete or not at all).
   *
   * @param repo The repository.
   * @param path The file inside it.
   * @param revision Branch, tag or commit.
   * @param dest Local path to write.
   */
  download(repo: HubRepo, path: string, revision: string, dest: string): Promise<void>;
}

/** Options of {@linkcode hubFetcher}. */
export interface HubFetcherOptions {
  /** Access token for gated or private repositories. @default $HF_TOKEN when set */
  accessToken?: string;
  /** Hub URL (a mirror). @default $HF_ENDPOINT, else the public Hub */
  hubUrl?: string;
}

/**
 * The Hub through `@huggingface/hub`, loaded on first use. Downloads go to a
 * temporary file beside `dest`, renamed when complete, so an interrupted
 * download never looks cached.
 *
 * Not tested here (no network); its callers are, with a fake fetcher.
 *
 * @param options Token and Hub URL.
 * @returns The fetcher.
 *
 * @example
 * ```ts
 * import { hubFetcher } from "./hub.ts";
 * import assert from "node:assert/strict";
 *
 * const hub = hubFetcher({ accessToken: "hf_xxx" }); // nothing is fetched yet
 * assert.equal(typeof hub.listFiles, "function");
 * ```
 */
export function hubFetcher(options: HubFetcherOptions = {}): HubFetcher {
  const creds = () => {
    const accessToken = options.accessToken ?? Deno.env.get("HF_TOKEN");
    const hubUrl = options.hubUrl ?? Deno.env.get("HF_ENDPOINT");
    return {
      ...(accessToken ? { accessToken } : {}),
      ...(hubUrl ? { hubUrl } : {}),
    };
  };
  return {
    async listFiles(repo, revision) {
      const hub = await import("npm:@huggingface/hub@^2.17.5");
      const out: string[] = [];
      for await (const f of hub.listFiles({ repo, revision, recursive: true, ...creds() })) {
        if (f.type === "file") out.push(f.path);
      }
      return out;
    },
    async download(repo, path, revision, dest) {
      const hub = await import("npm:@huggingface/hub@^2.17.5");
      const blob = await hub.downloadFile({ repo, path, revision, ...creds() });
      if (blob === null) throw new Error(`${repo.name}: no file ${path} at ${revision}`);
      await Deno.mkdir(dirname(dest), { recursive: true });
      const tmp = `${dest}.part-${crypto.randomUUID()}`;
      try {
        const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
        await blob.stream().pipeTo(file.writable);
        await Deno.rename(tmp, dest);
      } catch (err) {
        await Deno.remove(tmp).catch(() => {});
        throw err;
      }
    },
  };
}

/**
 * The Hub access a loader uses: the caller's, else none when
 * `$HF_HUB_OFFLINE` is set (and not `0`), else {@linkcode hubFetcher}.
 *
 * @param given The caller's fetcher (`null`: cache only), or undefined for the default.
 * @param env Environment lookup.
 * @returns The fetcher, or null when nothing may be downloaded.
 *
 * @example
 * ```ts
 * import { resolveFetcher } from "./hub.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(resolveFetcher(undefined, (n) => n === "HF_HUB_OFFLINE" ? "1" : undefined), null);
 * assert.notEqual(resolveFetcher(undefined, () => undefined), null);
 * ```
 */
export function resolveFetcher(
  given: HubFetcher | null | undefined,
  env: EnvLookup,
): HubFetcher | null {
  if (given !== undefined) return given;
  const offline = env("HF_HUB_OFFLINE");
  return offline && offline !== "0" ? null : hubFetcher();
}
