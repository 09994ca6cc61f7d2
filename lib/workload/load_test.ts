import assert from "node:assert/strict";
import { join } from "node:path";
import { parquetWriteBuffer } from "npm:hyparquet-writer@^0.17.0";
import { ConfigError } from "../config/errors.ts";
import {
  rejectsConfig,
  testdata,
  tinyTokenizer,
  withTempDir,
  writeFiles,
} from "./_test_helpers.ts";
import type { HubFetcher } from "./hub.ts";
import { loadWorkload } from "./load.ts";
import { defaultTokenizer } from "./tokenizer.ts";

/** A small parquet file (uncompressed by default, as hyparquet-writer writes). */
function parquet(columns: { name: string; data: unknown[]; type?: string }[]): Uint8Array {
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: columns as Parameters<typeof parquetWriteBuffer>[0]["columnData"],
    }),
  );
}

const noNet: HubFetcher = {
  listFiles: () => Promise.reject(new Error("no network in tests")),
  download: () => Promise.reject(new Error("no network in tests")),
};

// --- one form: a workload ----------------------------------------------------

Deno.test("loadWorkload() of nothing is a ConfigError naming 'workload'", async () => {
  const none = await rejectsConfig(loadWorkload(undefined as never));
  assert.equal(none.issues[0].path, "workload");
  assert.match(none.message, /'workload' must be a workload/);
});

Deno.test("inline prompts load without any tokenizer, and say so", async () => {
  const w = await loadWorkload({ source: "inline", prompts: ["a", "b"] }, {
    defaultTokenizer: () => Promise.reject(new Error("the default tokenizer must not load")),
  });
  assert.deepEqual(w.items, [{ prompt: "a" }, { prompt: "b" }]);
  assert.equal(w.tokenizer, null);
  assert.deepEqual(w.description, { source: "inline", count: 2 });
});

// --- validation ---------------------------------------------------------------

Deno.test("an invalid workload names the field, what it must be and what was given", async () => {
  const cases: [unknown, RegExp][] = [
    [{ source: "s3" }, /'workload.source' must be one of "inline", "file"/],
    [{ source: "synthetic", inputLen: "gauss:1,2", count: 3 }, /'workload.inputLen' must be/],
    [
      { source: "synthetic", inputLen: 5 },
      /'workload.count' must be a positive integer \(or give numPrompts\)/,
    ],
    [{ source: "file", path: "x", format: "xml" }, /'workload.format' must be one of/],
    [{ source: "file", path: "x", colum: "y" }, /'workload.colum' must be absent/],
    [{ source: "prefix", groups: 0, prefixTokens: 8, inputLen: 4, count: 2 }, /'workload.groups'/],
    [[], /'workload' must be/],
  ];
  for (const [workload, re] of cases) {
    const e = await rejectsConfig(loadWorkload(workload as never));
    assert.match(e.message, re, JSON.stringify(workload));
  }
});

// --- inline and file sources --------------------------------------------------

Deno.test("inline: strings, prompts with output lengths, and chat histories", async () => {
  const w = await loadWorkload({
    source: "inline",
    prompts: [
      "plain",
      { prompt: "sized", outputLen: 9 },
      { messages: [{ role: "system", content: "s" }, { role: "user", content: "u" }] },
    ],
  });
  assert.deepEqual(w.items, [
    { prompt: "plain" },
    { prompt: "sized", outputLen: 9 },
    { prompt: "u", messages: [{ role: "system", content: "s" }, { role: "user", content: "u" }] },
  ]);
  // The bare-list shorthand.
  assert.deepEqual((await loadWorkload(["p"])).items, [{ prompt: "p" }]);
});

Deno.test("file: each format loads through loadWorkload, with format from the extension", async () => {
  await withTempDir(async (dir) => {
    await writeFiles(dir, {
      "a.txt": "one\ntwo\n",
      "b.json": '["one", {"prompt": "two", "output_len": 3}]',
      "c.jsonl": '{"prompt":"one"}\n{"messages":[{"role":"user","content":"two"}]}\n',
      "d.csv": "q,output_len\none,5\ntwo,\n",
      "e.data": '{"prompt":"one"}\n',
    });
    const load = (workload: Record<string, unknown>) =>
      loadWorkload({ source: "file", ...workload } as never, { baseDir: dir })
        .then((w) => w.items);
    assert.deepEqual(await load({ path: "a.txt" }), [{ prompt: "one" }, { prompt: "two" }]);
    assert.deepEqual(await load({ path: "b.json" }), [
      { prompt: "one" },
      { prompt: "two", outputLen: 3 },
    ]);
    assert.deepEqual(await load({ path: "c.jsonl" }), [
      { prompt: "one" },
      { prompt: "two", messages: [{ role: "user", content: "two" }] },
    ]);
    assert.deepEqual(await load({ path: "d.csv", column: "q" }), [
      { prompt: "one", outputLen: 5 },
      { prompt: "two" },
    ]);
    assert.deepEqual(await load({ path: "e.data", format: "jsonl" }), [{ prompt: "one" }]);
    const missing = await rejectsConfig(load({ path: "nope.txt" }));
    assert.match(missing.message, /'workload.path' must be a readable file, got "nope.txt"/);
    const col = await rejectsConfig(load({ path: "d.csv", column: "prompt" }));
    assert.match(
      col.message,
      /'workload.column' must be a column of d.csv \(its columns: "q", "output_len"/,
    );
  });
});

// --- sampling: numPrompts and seeds -------------------------------------------

Deno.test("numPrompts samples with the seed: same seed same prompts, another seed others, no repeats", async () => {
  const prompts = Array.from({ length: 50 }, (_, i) => `prompt ${i}`);
  const load = (seed: number) =>
    loadWorkload({ source: "inline", prompts, numPrompts: 20, seed })
      .then((w) => w.items.map((i) => i.prompt));
  const a = await load(1);
  assert.deepEqual(a, await load(1));
  assert.notDeepEqual(a, await load(2));
  assert.equal(a.length, 20);
  assert.equal(new Set(a).size, 20, "without replacement");
  // The run's seed applies when the workload names none; the workload's wins.
  const run = await loadWorkload({ source: "inline", prompts, numPrompts: 20 }, {
    seed: 1,
  });
  assert.deepEqual(run.items.map((i) => i.prompt), a);
  const own = await loadWorkload({ source: "inline", prompts, numPrompts: 20, seed: 2 }, {
    seed: 1,
  });
  assert.notDeepEqual(own.items.map((i) => i.prompt), a);
});

Deno.test("numPrompts larger than the source oversamples: every item once, the rest drawn again", async () => {
  const w = await loadWorkload({
    source: "inline",
    prompts: ["a", "b", "c"],
    numPrompts: 8,
    seed: 3,
  });
  const got = w.items.map((i) => i.prompt);
  assert.equal(got.length, 8);
  assert.deepEqual([...new Set(got.slice(0, 3))].sort(), ["a", "b", "c"]);
  assert.equal(w.description.oversampled, 5);
});

Deno.test("synthetic: the same seed gives the same prompts; lengths are exact with the tokenizer used", async () => {
  const spec = {
    source: "synthetic" as const,
    inputLen: "uniform:20,80",
    outputLen: "normal:64,16",
    count: 12,
  };
  const a = await loadWorkload(spec, { seed: 5 });
  const b = await loadWorkload(spec, { seed: 5 });
  const c = await loadWorkload(spec, { seed: 6 });
  assert.deepEqual(a.items, b.items);
  assert.notDeepEqual(a.items, c.items);
  const tok = await defaultTokenizer();
  for (const it of a.items) assert.equal(tok.encode(it.prompt).length, it.inputLen);
  assert.deepEqual(a.tokenizer, { name: "o200k_base", kind: "default" });
  assert.equal(a.description.inputLen, "uniform:20,80");
  // numPrompts wins over count for generated sources.
  const n = await loadWorkload({ ...spec, numPrompts: 3 });
  assert.equal(n.items.length, 3);
});

Deno.test("synthetic with a named tokenizer.json: exact lengths with that tokenizer", async () => {
  const w = await loadWorkload({
    source: "synthetic",
    inputLen: { dist: "lognormal", mean: 40, std: 10 },
    count: 10,
    tokenizer: testdata("tiny_bpe_tokenizer.json"),
  });
  const tok = await tinyTokenizer();
  assert.equal(w.tokenizer?.kind, "hf");
  for (const it of w.items) assert.equal(tok.encode(it.prompt).length, it.inputLen);
});

Deno.test("outputLen overrides every item's output length, seeded", async () => {
  await withTempDir(async (dir) => {
    await writeFiles(dir, { "p.jsonl": '{"prompt":"a","output_len":3}\n{"prompt":"b"}\n' });
    const spec = { source: "file" as const, path: "p.jsonl", outputLen: "uniform:100,200" };
    const w = await loadWorkload(spec, { baseDir: dir });
    assert.ok(w.items.every((i) => i.outputLen! >= 100 && i.outputLen! <= 200));
    assert.deepEqual(w.items, (await loadWorkload(spec, { baseDir: dir })).items);
  });
});

// --- ShareGPT -----------------------------------------------------------------

Deno.test("sharegpt: the first human turn of each conversation; entries without one are skipped", async () => {
  const w = await loadWorkload({ source: "sharegpt", path: testdata("sharegpt.json") });
  assert.deepEqual(w.items.map((i) => i.prompt), [
    "What is the capital of France?",
    "Name a prime number.",
    "Write a haiku about a GPU.",
  ]);
  // A system turn before it is kept as a system message.
  assert.deepEqual(w.items[1].messages, [
    { role: "system", content: "You are a terse assistant." },
    { role: "user", content: "Name a prime number." },
  ]);
  assert.equal(w.description.skipped, 2);
  // No tokenizer named: no output lengths claimed (the run's maxTokens applies).
  assert.ok(w.items.every((i) => i.outputLen === undefined && i.inputLen === undefined));
  assert.equal(w.tokenizer, null);
});

Deno.test("sharegpt with a tokenizer: output length is the recorded answer's token length", async () => {
  const w = await loadWorkload({
    source: "sharegpt",
    path: testdata("sharegpt.json"),
    tokenizer: testdata("tiny_bpe_tokenizer.json"),
  });
  const tok = await tinyTokenizer();
  assert.equal(w.items[0].outputLen, tok.encode("The capital of France is Paris.").length);
  assert.equal(w.items[0].inputLen, tok.encode("What is the capital of France?").length);
  assert.equal(w.items[1].outputLen, tok.encode("Seven.").length);
  assert.equal(w.tokenizer?.kind, "hf");
});

Deno.test("sharegpt multi-turn: one request per human turn, history in order with recorded answers", async () => {
  const w = await loadWorkload({
    source: "sharegpt",
    path: testdata("sharegpt.json"),
    multiTurn: true,
    thinkMs: 250,
  });
  assert.deepEqual(
    w.items.map((i) => i.conversation),
    [
      { id: 0, turn: 0, thinkMs: 0 },
      { id: 1, turn: 0, thinkMs: 0 },
      { id: 1, turn: 1, thinkMs: 250 },
      { id: 1, turn: 2, thinkMs: 250 },
      { id: 2, turn: 0, thinkMs: 0 },
    ],
  );
  const third = w.items[3];
  assert.equal(third.prompt, "Thanks.");
  assert.deepEqual(third.messages, [
    { role: "system", content: "You are a terse assistant." },
    { role: "user", content: "Name a prime number." },
    { role: "assistant", content: "Seven." },
    { role: "user", content: "And an even one?" },
    { role: "assistant", content: "Two, the only even prime." },
    { role: "user", content: "Thanks." },
  ]);
  assert.deepEqual(w.items[2].messages?.map((m) => m.role), [
    "system",
    "user",
    "assistant",
    "user",
  ]);
  assert.equal(w.description.conversations, 3);
});

Deno.test("sharegpt multi-turn with numPrompts samples whole conversations, turns kept in order", async () => {
  const w = await loadWorkload({
    source: "sharegpt",
    path: testdata("sharegpt.json"),
    multiTurn: true,
    numPrompts: 2,
    seed: 4,
    thinkMs: "uniform:100,200",
  });
  const ids = w.items.map((i) => i.conversation!.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), "conversations are contiguous");
  assert.equal(new Set(ids).size, 2);
  for (const it of w.items) {
    const t = it.conversation!;
    if (t.turn === 0) assert.equal(t.thinkMs, 0);
    else assert.ok(t.thinkMs >= 100 && t.thinkMs <= 200);
  }
});

Deno.test("sharegpt: a file that is not a ShareGPT array is a ConfigError", async () => {
  await withTempDir(async (dir) => {
    await writeFiles(dir, {
      "obj.json": '{"conversations": []}',
      "empty.json": "   ",
      "broken.json": '[{"conversations": [',
      "none.json": '[{"x": 1}]',
    });
    const load = (path: string) => loadWorkload({ source: "sharegpt", path }, { baseDir: dir });
    assert.match((await rejectsConfig(load("obj.json"))).message, /not an array/);
    assert.match((await rejectsConfig(load("empty.json"))).message, /an empty file/);
    assert.match((await rejectsConfig(load("broken.json"))).message, /invalid JSON/);
    assert.match((await rejectsConfig(load("none.json"))).message, /none a conversation/);
    assert.match(
      (await rejectsConfig(load("missing.json"))).message,
      /a readable ShareGPT JSON file/,
    );
  });
});

// --- parquet and Hugging Face datasets -----------------------------------------

Deno.test("parquet: a local file loads its prompt column and output_len", async () => {
  await withTempDir(async (dir) => {
    await writeFiles(dir, {
      "d.parquet": parquet([
        { name: "id", data: [1, 2, 3], type: "INT32" },
        { name: "prompt", data: ["alpha", "beta", "gamma"], type: "STRING" },
        { name: "output_len", data: [10, 20, 30], type: "INT32" },
      ]),
    });
    const w = await loadWorkload({ source: "parquet", path: "d.parquet" }, {
      baseDir: dir,
    });
    assert.deepEqual(w.items, [
      { prompt: "alpha", outputLen: 10 },
      { prompt: "beta", outputLen: 20 },
      { prompt: "gamma", outputLen: 30 },
    ]);
    assert.equal(w.description.column, "prompt");
  });
});

Deno.test("parquet: a conversation column, a folder of files, and multi-turn", async () => {
  await withTempDir(async (dir) => {
    const conv = (q: string) => [
      { from: "human", value: q },
      { from: "gpt", value: `${q}!` },
      { from: "human", value: `${q} again` },
    ];
    await writeFiles(dir, {
      "ds/part-1.parquet": parquet([{ name: "conversations", data: [conv("c")] }]),
      "ds/part-0.parquet": parquet([{ name: "conversations", data: [conv("a"), conv("b")] }]),
    });
    const single = await loadWorkload({ source: "parquet", path: "ds" }, {
      baseDir: dir,
    });
    assert.deepEqual(single.items.map((i) => i.prompt), ["a", "b", "c"]);
    const multi = await loadWorkload(
      { source: "parquet", path: "ds", multiTurn: true },
      { baseDir: dir },
    );
    assert.deepEqual(multi.items.map((i) => i.prompt), [
      "a",
      "a again",
      "b",
      "b again",
      "c",
      "c again",
    ]);
    assert.deepEqual(multi.items[1].messages?.map((m) => m.content), ["a", "a!", "a again"]);
  });
});

Deno.test("parquet: a missing column names the columns present; a non-parquet file is a ConfigError", async () => {
  await withTempDir(async (dir) => {
    await writeFiles(dir, {
      "d.parquet": parquet([{ name: "body", data: ["x"], type: "STRING" }]),
      "bad.parquet": "not parquet at all",
    });
    const load = (w: Record<string, unknown>) =>
      loadWorkload({ source: "parquet", ...w } as never, { baseDir: dir });
    const named = await rejectsConfig(load({ path: "d.parquet", column: "prompt" }));
    assert.match(
      named.message,
      /'workload.column' must be a column of .*d\.parquet \(its columns: "body"\), got "prompt"/,
    );
    const guessed = await rejectsConfig(load({ path: "d.parquet" }));
    assert.match(guessed.message, /none of prompt, messages, .* is present; name one/);
    assert.deepEqual((await load({ path: "d.parquet", column: "body" })).items, [{ prompt: "x" }]);
    assert.match(
      (await rejectsConfig(load({ path: "bad.parquet" }))).message,
      /a readable parquet file/,
    );
    assert.match(
      (await rejectsConfig(load({ path: "nope" }))).message,
      /a parquet file or a folder/,
    );
  });
});

/** A fake Hub holding `files` (path → bytes) at `revision`; records downloads. */
function fakeHub(revisions: Record<string, Record<string, Uint8Array>>, log: string[]): HubFetcher {
  return {
    listFiles(repo, revision) {
      log.push(`list ${repo.name}@${revision}`);
      const files = revisions[revision];
      return files ? Promise.resolve(Object.keys(files)) : Promise.reject(new Error("404"));
    },
    async download(_repo, path, revision, dest) {
      log.push(`get ${path}@${revision}`);
      await writeFiles(join(dest, ".."), { [dest.split("/").pop()!]: revisions[revision][path] });
    },
  };
}

Deno.test("hf: downloads the split's parquet files once, then loads offline from the cache", async () => {
  await withTempDir(async (cacheDir) => {
    const log: string[] = [];
    const hub = fakeHub({
      main: {
        "README.md": new Uint8Array(),
        "data/train-00000-of-00002.parquet": parquet([{
          name: "text",
          data: ["t0", "t1"],
          type: "STRING",
        }]),
        "data/train-00001-of-00002.parquet": parquet([{
          name: "text",
          data: ["t2"],
          type: "STRING",
        }]),
        "data/test-00000-of-00001.parquet": parquet([{
          name: "text",
          data: ["x"],
          type: "STRING",
        }]),
      },
    }, log);
    const spec = { source: "hf" as const, dataset: "org/ds" };
    const first = await loadWorkload(spec, { cacheDir, fetcher: hub });
    assert.deepEqual(first.items.map((i) => i.prompt), ["t0", "t1", "t2"]);
    assert.equal(first.description.fromCache, false);
    assert.equal(first.description.split, "train");
    assert.equal(log.filter((l) => l.startsWith("get")).length, 2);
    // Offline now: no fetcher at all.
    const again = await loadWorkload(spec, { cacheDir, fetcher: null });
    assert.deepEqual(again.items, first.items);
    assert.equal(again.description.fromCache, true);
    // Under <cache>/datasets/<org>/<name>/<revision>/.
    assert.ok(
      (await Deno.stat(join(cacheDir, "datasets/org/ds/main/data/train-00001-of-00002.parquet")))
        .isFile,
    );
    const test = await loadWorkload(
      { source: "hf", dataset: "org/ds", split: "test" },
      { cacheDir, fetcher: hub },
    );
    assert.deepEqual(test.items, [{ prompt: "x" }]);
  });
});

Deno.test("hf: falls back to the Hub's parquet conversion; a missing split lists the files there are", async () => {
  await withTempDir(async (cacheDir) => {
    const log: string[] = [];
    const hub = fakeHub({
      main: { "data.jsonl": new Uint8Array() },
      "refs/convert/parquet": {
        "default/train/0000.parquet": parquet([{ name: "question", data: ["q"], type: "STRING" }]),
      },
    }, log);
    const w = await loadWorkload({ source: "hf", dataset: "org/conv" }, {
      cacheDir,
      fetcher: hub,
    });
    assert.deepEqual(w.items, [{ prompt: "q" }]);
    assert.equal(w.description.revision, "refs/convert/parquet");
    const e = await rejectsConfig(loadWorkload(
      { source: "hf", dataset: "org/conv", split: "validation" },
      { cacheDir, fetcher: hub },
    ));
    assert.equal(e.issues[0].path, "workload.split");
    assert.match(e.message, /refs\/convert\/parquet:default\/train\/0000\.parquet/);
  });
});

Deno.test("hf: not cached and no network is a ConfigError naming the cache and the offline way", async () => {
  await withTempDir(async (cacheDir) => {
    const e = await rejectsConfig(loadWorkload(
      { source: "hf", dataset: "org/absent" },
      { cacheDir, fetcher: noNet },
    ));
    assert.equal(e.issues[0].path, "workload.dataset");
    assert.ok(e.message.includes(join(cacheDir, "datasets", "org", "absent")));
    assert.match(e.message, /source: "parquet", path/);
    assert.match(e.message, /no network in tests/);
    const off = await rejectsConfig(loadWorkload(
      { source: "hf", dataset: "org/absent" },
      { cacheDir, env: (n) => (n === "HF_HUB_OFFLINE" ? "1" : undefined) },
    ));
    assert.match(off.message, /downloads are off/);
    const bad = await rejectsConfig(loadWorkload(
      { source: "hf", dataset: "../etc" },
      { cacheDir, fetcher: noNet },
    ));
    assert.match(bad.message, /a Hugging Face dataset id/);
  });
});

Deno.test("errors are ConfigErrors (exit code 2), never bare exceptions", async () => {
  const e = await loadWorkload({ source: "file", path: "/nonexistent/x.txt" })
    .catch((err) => err);
  assert.ok(e instanceof ConfigError);
});
