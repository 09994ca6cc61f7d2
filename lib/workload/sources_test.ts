import assert from "node:assert/strict";
import { join } from "node:path";
import { parquetWriteBuffer } from "npm:hyparquet-writer@^0.17.0";
import { workloadSchema, type WorkloadSpecInput } from "../config/workload.ts";
import { testdata, withTempDir, writeFiles } from "./_test_helpers.ts";
import { cachedFilePath } from "./hf_dataset.ts";
import { loadWorkload } from "./load.ts";
import { sourceContext, type SourceName } from "./source.ts";
import { sourceLoader, SOURCES } from "./sources.ts";
import { defaultTokenizer } from "./tokenizer.ts";
import type { Workload } from "./types.ts";

/** One small case per source: the workload, and what its items must be. */
type Case = {
  workload: (dir: string) => WorkloadSpecInput;
  check: (w: Workload) => void;
};

const prompts = (w: Workload) => w.items.map((it) => it.prompt);

const CASES: { [S in SourceName]: Case } = {
  inline: {
    workload: () => ({ source: "inline", prompts: ["a", { prompt: "b", outputLen: 3 }] }),
    check: (w) => assert.deepEqual(w.items, [{ prompt: "a" }, { prompt: "b", outputLen: 3 }]),
  },
  file: {
    workload: (dir) => ({ source: "file", path: join(dir, "p.csv"), column: "q" }),
    check: (w) => assert.deepEqual(prompts(w), ["one", "two"]),
  },
  sharegpt: {
    workload: () => ({ source: "sharegpt", path: testdata("sharegpt.json") }),
    check: (w) => assert.equal(prompts(w)[0], "What is the capital of France?"),
  },
  hf: {
    workload: () => ({ source: "hf", dataset: "org/ds" }),
    check: (w) => {
      assert.deepEqual(prompts(w), ["from the hub"]);
      assert.equal(w.description.fromCache, true);
    },
  },
  parquet: {
    workload: (dir) => ({ source: "parquet", path: join(dir, "d.parquet") }),
    check: (w) => assert.deepEqual(prompts(w), ["alpha", "beta"]),
  },
  synthetic: {
    workload: () => ({ source: "synthetic", inputLen: 10, count: 3 }),
    check: (w) => assert.deepEqual(w.items.map((it) => it.inputLen), [10, 10, 10]),
  },
  prefix: {
    workload: () => ({ source: "prefix", groups: 2, prefixTokens: 8, inputLen: 4, count: 4 }),
    check: (w) => assert.equal(w.idealPrefixHitRatio, (2 * 8) / (4 * 12)),
  },
};

/** Files the cases read: a CSV, a parquet file, and a dataset already in the cache. */
async function fixtures(dir: string): Promise<string> {
  const parquet = (column: string, data: string[]) =>
    new Uint8Array(parquetWriteBuffer({ columnData: [{ name: column, data, type: "STRING" }] }));
  const cacheDir = join(dir, "cache");
  await writeFiles(dir, {
    "p.csv": "q\none\ntwo\n",
    "d.parquet": parquet("prompt", ["alpha", "beta"]),
  });
  await writeFiles(cacheDir, {
    "datasets/org/ds/manifests/____train.json": JSON.stringify({
      revision: "main",
      files: ["data/train.parquet"],
    }),
  });
  const file = cachedFilePath(cacheDir, "org/ds", "main", "data/train.parquet");
  await Deno.mkdir(join(file, ".."), { recursive: true });
  await Deno.writeFile(file, parquet("text", ["from the hub"]));
  return cacheDir;
}

Deno.test("every source in the table loads through loadWorkload, and every one has a case here", async () => {
  assert.deepEqual(Object.keys(CASES).sort(), Object.keys(SOURCES).sort());
  await withTempDir(async (dir) => {
    const cacheDir = await fixtures(dir);
    for (const [name, c] of Object.entries(CASES)) {
      const w = await loadWorkload(c.workload(dir), { cacheDir, fetcher: null });
      assert.equal(w.description.source, name);
      c.check(w);
    }
  });
});

Deno.test("each table entry is the loader of its own source, with one signature", async () => {
  await withTempDir(async (dir) => {
    const cacheDir = await fixtures(dir);
    const ctx = sourceContext({ baseDir: dir, cacheDir: () => cacheDir, defaultTokenizer });
    for (const name of Object.keys(SOURCES) as SourceName[]) {
      const load = await sourceLoader(name) as (s: unknown, c: typeof ctx) => Promise<Workload>;
      // The loader takes the validated object (defaults applied), as loadWorkload passes it.
      const got = await load(workloadSchema.parse(CASES[name].workload(dir)), ctx);
      assert.equal(got.description.source, name);
      CASES[name].check(got);
    }
  });
});
