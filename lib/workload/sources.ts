/**
 * The table of prompt sources: `workload.source` → the loader of that
 * source's file. Each loader has one signature,
 * `(source, ctx) => Promise<Workload>` ({@linkcode SourceLoader}), and is
 * imported only when its source is used, so a run of inline prompts never
 * loads the parquet, CSV or ShareGPT readers.
 *
 * Adding a source takes:
 * 1. its branch in `workloadSourceSchema` (`lib/config/workload.ts`), which
 *    gives `SourceOf<"name">` its fields;
 * 2. one file in `lib/workload/` exporting `const nameSource:
 *    SourceLoader<"name">` (requests read from a file or dataset end with
 *    `requestsWorkload` from `requests.ts`, which samples and sizes them);
 * 3. one line in {@linkcode SOURCES} below (TypeScript rejects the table
 *    until the line is there), and a case in `sources_test.ts`.
 *
 * @module
 */

import type { SourceLoader, SourceName } from "./source.ts";

/** Every source's loader, imported on first use. */
export const SOURCES: { readonly [S in SourceName]: () => Promise<SourceLoader<S>> } = {
  inline: async () => (await import("./inline.ts")).inlineSource,
  file: async () => (await import("./file_source.ts")).fileSource,
  sharegpt: async () => (await import("./sharegpt.ts")).sharegptSource,
  hf: async () => (await import("./hf_dataset.ts")).hfSource,
  parquet: async () => (await import("./parquet.ts")).parquetSource,
  synthetic: async () => (await import("./synthetic.ts")).syntheticSource,
  prefix: async () => (await import("./prefix.ts")).prefixSource,
};

/**
 * The loader of a source.
 *
 * @param name The source's name.
 * @returns Its loader, its file imported.
 *
 * @example
 * ```ts
 * import { sourceLoader } from "./sources.ts";
 * import { sourceContext } from "./source.ts";
 * import assert from "node:assert/strict";
 *
 * const load = await sourceLoader("inline");
 * const w = await load({ source: "inline", prompts: ["hi"] }, sourceContext());
 * assert.deepEqual(w.items, [{ prompt: "hi" }]);
 * ```
 */
export async function sourceLoader<S extends SourceName>(name: S): Promise<SourceLoader<S>> {
  return await (SOURCES[name] as () => Promise<SourceLoader<S>>)();
}
