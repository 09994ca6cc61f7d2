import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../config/errors.ts";
import {
  defaultTokenizer,
  defaultTokenizerRequests,
  type Tokenizer,
} from "../workload/tokenizer.ts";
import {
  prepareHere,
  type PrepareRequest,
  prepareWorkload,
  WORKER_MIN_FILE_BYTES,
  WORKER_MIN_REQUESTS,
  workerReason,
} from "./prepare_workload.ts";

const sampling = { maxTokens: 8, temperature: 0, topP: 1, ignoreEos: false };
const testdata = (name: string) =>
  new URL(`../workload/testdata/${name}`, import.meta.url).pathname;

/** A default-tokenizer loader that counts its calls. */
function countingLoader(): { load: () => Promise<Tokenizer>; calls: () => number } {
  let n = 0;
  return {
    load: () => {
      n++;
      return defaultTokenizer();
    },
    calls: () => n,
  };
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "splleed_prepare_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a small inline workload is prepared here, and a repeated run loads no tokenizer", async () => {
  await withTempDir(async (cacheDir) => {
    const req: PrepareRequest = {
      workload: { source: "inline", prompts: ["What is a GPU?", "Explain KV caches."] },
      seed: 0,
      sampling,
      cacheDir,
    };
    assert.equal(await workerReason(req), null);
    const counter = countingLoader();
    const first = await prepareWorkload(req, { defaultTokenizer: counter.load });
    assert.equal(counter.calls(), 1, "the first run counts the fingerprint's tokens");
    const again = await prepareWorkload(req, { defaultTokenizer: counter.load });
    assert.equal(counter.calls(), 1, "the second run takes the counts from the cache");
    assert.deepEqual(again, first);
    assert.deepEqual(first.fingerprint.tokenizer, { name: "o200k_base", kind: "default" });
    assert.deepEqual(first.workload.description, { source: "inline", count: 2 });
    // Nothing else asks for the bundled tokenizer either (not only the injected loader).
    const asked = defaultTokenizerRequests();
    assert.deepEqual(await prepareWorkload(req), first);
    assert.equal(defaultTokenizerRequests(), asked, "no tokenizer is asked for");
    // With no cache, the fingerprint needs one: the count moves, so the check above can fail.
    await prepareWorkload({ ...req, cacheDir: null });
    assert.equal(defaultTokenizerRequests(), asked + 1);
  });
});

Deno.test("a synthetic workload loads the default tokenizer once, for the prompts and the fingerprint", async () => {
  const counter = countingLoader();
  const p = await prepareHere(
    {
      workload: { source: "synthetic", inputLen: 16, count: 4 },
      seed: 1,
      sampling,
      cacheDir: null,
    },
    { defaultTokenizer: counter.load },
  );
  assert.equal(counter.calls(), 1);
  assert.deepEqual(p.fingerprint.inputLen, { p50: 16, p95: 16, p99: 16 });
});

Deno.test("workerReason(): named tokenizers, datasets, large files and many requests go to a worker", async () => {
  const reason = (workload: unknown) =>
    workerReason({ workload: workload as PrepareRequest["workload"], seed: 0, sampling });
  assert.equal(await reason(["a"]), null);
  assert.equal(await reason({ source: "synthetic", inputLen: 8, count: 10 }), null);
  assert.equal(await reason(undefined), null, "nothing to prepare: the error comes from here");
  assert.equal(
    await reason({ source: "inline", prompts: ["a"], tokenizer: "org/model" }),
    "it names the tokenizer org/model",
  );
  for (const source of ["sharegpt", "hf", "parquet"]) {
    assert.match(String(await reason({ source, path: "x", dataset: "o/d" })), /reads a dataset/);
  }
  assert.equal(
    await reason({ source: "synthetic", inputLen: 8, count: WORKER_MIN_REQUESTS }),
    `${WORKER_MIN_REQUESTS} requests (from ${WORKER_MIN_REQUESTS})`,
  );
  assert.match(
    String(await reason({ source: "inline", prompts: ["a"], numPrompts: 5000 })),
    /^5000 requests/,
  );
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "small.txt"), "a\nb\n");
    await Deno.writeTextFile(
      join(dir, "big.txt"),
      "prompt\n".repeat(WORKER_MIN_FILE_BYTES / 7 + 1),
    );
    assert.equal(await reason({ source: "file", path: join(dir, "small.txt") }), null);
    assert.match(String(await reason({ source: "file", path: join(dir, "big.txt") })), /MiB/);
    assert.match(
      String(await reason({ source: "file", path: join(dir, "big.txt") })),
      /big\.txt is 1\.0 MiB/,
    );
  });
});

Deno.test("a heavy workload is prepared in a worker, with the same result as here", async () => {
  const req: PrepareRequest = {
    workload: { source: "sharegpt", path: testdata("sharegpt.json"), numPrompts: 4, seed: 2 },
    seed: 0,
    sampling,
    cacheDir: null,
  };
  assert.notEqual(await workerReason(req), null);
  const there = await prepareWorkload(req);
  const here = await prepareHere(req);
  assert.deepEqual(there, here);
  assert.equal(there.workload.items.length, 4);
});

Deno.test("errors come back from the worker as the ConfigError prepared here would throw", async () => {
  const req: PrepareRequest = {
    workload: { source: "sharegpt", path: "/nonexistent/sharegpt.json" },
    seed: 0,
    sampling,
    cacheDir: null,
  };
  const messageOf = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err.message;
    }
    assert.fail("expected a ConfigError");
  };
  const there = await messageOf(prepareWorkload(req));
  assert.equal(there, await messageOf(prepareHere(req)));
  assert.match(there, /'workload.path' must be a readable ShareGPT JSON file/);
});

Deno.test("a trace is prepared with its arrival offsets and the default tokenizer", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "t.jsonl");
    await Deno.writeTextFile(
      path,
      '{"timestamp": 0, "prompt": "hi"}\n{"timestamp": 500, "input_length": 12}\n',
    );
    const p = await prepareWorkload({
      trace: { path, speed: 2 },
      seed: 0,
      sampling,
      cacheDir: null,
    });
    assert.deepEqual([...p.trace!.offsetsMs], [0, 250]);
    assert.equal(p.workload.items[1].inputLen, 12);
    assert.equal(p.fingerprint.tokenizer.name, "o200k_base");
  });
});

Deno.test("a trace that is not a text file is refused by name", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "t.jsonl");
    await Deno.writeFile(path, new Uint8Array([0x7b, 0x00, 0xff, 0x10]));
    await assert.rejects(
      () => prepareWorkload({ trace: { path, speed: 1 }, seed: 0, sampling, cacheDir: null }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /'trace\.path'.*not a text file: it looks binary/.test(e.message),
    );
  });
});
