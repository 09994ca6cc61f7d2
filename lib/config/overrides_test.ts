import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "./errors.ts";
import { applyOverrides } from "./overrides.ts";
import { parseBenchmarkSpec, parseConfigText } from "./parse.ts";

const CWD = "/work/here";
const SIM = { type: "simulator", ttftMs: 1, itlMs: 1 };

Deno.test("file only: the file's specification comes back unchanged", () => {
  const file = {
    backend: { type: "vllm", endpoint: "http://gpu:8000", model: "m" },
    prompts: ["a", "b"],
    concurrency: [1, 4],
    sampling: { maxTokens: 16 },
    out: "/abs/r.json",
  };
  const spec = applyOverrides(structuredClone(file), {}, { cwd: CWD });
  assert.deepEqual(spec, file);
});

Deno.test("flag only: flags make the specification, converted to its field names", () => {
  const spec = applyOverrides(undefined, {
    endpoint: "http://localhost:8000",
    mode: "serve",
    requestRate: [2, Infinity],
    arrival: "gamma",
    burstiness: 0.5,
    maxConcurrency: 8,
    rampUp: 3,
    duration: 10,
    seed: 7,
    warmup: 0,
    trials: 2,
    confidence: 0.99,
    timeout: 5000,
    transport: "fetch",
    slo: { ttftMs: 200 },
  }, { cwd: CWD });
  assert.deepEqual(spec, {
    backend: { type: "openai", endpoint: "http://localhost:8000" },
    mode: "serve",
    requestRates: [2, Infinity],
    arrival: "gamma",
    burstiness: 0.5,
    maxConcurrency: 8,
    rampUpS: 3,
    durationS: 10,
    seed: 7,
    warmup: 0,
    trials: 2,
    confidenceLevel: 0.99,
    requestTimeoutMs: 5000,
    transport: "fetch",
    slo: { ttftMs: 200 },
  });
});

Deno.test("no backend anywhere is a ConfigError that says how to name one", () => {
  assert.throws(() => applyOverrides({ prompts: ["hi"] }, { runs: 3 }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /'backend' must be named: use --endpoint URL/);
    return true;
  });
});

Deno.test("flag over file: a flag replaces the file's value, the rest of the file stays", () => {
  const spec = applyOverrides(
    { backend: SIM, prompts: ["hi"], runs: 5, trials: 3, concurrency: [1] },
    { runs: 50, concurrency: [2, 8] },
    { cwd: CWD },
  );
  assert.equal(spec.runs, 50);
  assert.equal(spec.trials, 3);
  assert.deepEqual(spec.concurrency, [2, 8]);
  assert.deepEqual(spec.backend, SIM);
});

Deno.test("backend: the same type merges fields; another type replaces the file's backend", () => {
  const file = {
    backend: { type: "vllm", model: "Qwen/Qwen2.5-0.5B", tensorParallel: 2, host: "0.0.0.0" },
    prompts: ["hi"],
  };
  const same = applyOverrides(structuredClone(file), {
    backend: "vllm",
    backendOptions: { tensorParallel: 4, maxNumSeqs: 64 },
  }, { cwd: CWD });
  assert.deepEqual(same.backend, {
    type: "vllm",
    model: "Qwen/Qwen2.5-0.5B",
    tensorParallel: 4,
    host: "0.0.0.0",
    maxNumSeqs: 64,
  });
  const other = applyOverrides(structuredClone(file), {
    backend: "simulator",
    ttftMs: 5,
    itlMs: 2,
  }, { cwd: CWD });
  assert.deepEqual(other.backend, { type: "simulator", ttftMs: 5, itlMs: 2 });
  // --endpoint alone keeps the file's backend type and adds the endpoint.
  const ep = applyOverrides(
    { backend: { type: "sglang", model: "m" }, prompts: ["hi"] },
    { endpoint: "http://h:30000" },
    { cwd: CWD },
  );
  assert.deepEqual(ep.backend, { type: "sglang", model: "m", endpoint: "http://h:30000" });
});

Deno.test("docker flags merge into the file's docker object", () => {
  const spec = applyOverrides(
    {
      backend: {
        type: "vllm",
        model: "m",
        docker: { image: "vllm/vllm-openai:v0.10", args: ["--gpus", "all"] },
      },
      prompts: ["hi"],
    },
    { backendOptions: { docker: { image: "vllm/vllm-openai:v0.11" } } },
    { cwd: CWD },
  );
  assert.deepEqual((spec.backend as { docker: unknown }).docker, {
    image: "vllm/vllm-openai:v0.11",
    args: ["--gpus", "all"],
  });
  // Without a docker object in the file the flags make one.
  const fresh = applyOverrides(
    { backend: { type: "vllm", model: "m" }, prompts: ["hi"] },
    { backendOptions: { docker: { args: ["--ipc=host"] } } },
    { cwd: CWD },
  );
  assert.deepEqual((fresh.backend as { docker: unknown }).docker, { args: ["--ipc=host"] });
});

Deno.test("sampling fields merge with the file's sampling", () => {
  const spec = applyOverrides(
    { backend: SIM, prompts: ["hi"], sampling: { maxTokens: 64, temperature: 0.7 } },
    { topP: 0.9, ignoreEos: true, maxTokens: 8 },
    { cwd: CWD },
  );
  assert.deepEqual(spec.sampling, { maxTokens: 8, temperature: 0.7, topP: 0.9, ignoreEos: true });
  const none = applyOverrides({ backend: SIM, prompts: ["hi"] }, { ignoreEos: false });
  assert.equal(none.sampling, undefined, "no sampling field when nothing sets one");
});

Deno.test("--find builds sweep with the SLOs and attainment; max-rate implies serve mode", () => {
  const spec = applyOverrides(
    { backend: SIM, prompts: ["hi"], sweep: { find: "max-concurrency", maxProbes: 6 } },
    { find: "max-rate", slo: { ttftMs: 100 }, attainment: 0.95 },
    { cwd: CWD },
  );
  assert.deepEqual(spec.sweep, {
    find: "max-rate",
    maxProbes: 6,
    slo: { ttftMs: 100 },
    attainment: 0.95,
  });
  assert.equal(spec.mode, "serve");
  const latency = applyOverrides({ backend: SIM, prompts: ["hi"] }, {
    find: "max-rate",
    mode: "latency",
  });
  assert.equal(latency.mode, "latency", "an explicit --mode stands");
});

Deno.test("workload: flags that make a workload replace the file's prompts and workload", () => {
  const file = { backend: SIM, prompts: ["hi"], workload: { source: "file", path: "/x.txt" } };
  const synth = applyOverrides(structuredClone(file), { inputLen: 512, numPrompts: 10 }, {
    cwd: CWD,
  });
  assert.deepEqual(synth.workload, { source: "synthetic", inputLen: 512, numPrompts: 10 });
  assert.equal(synth.prompts, undefined);

  const prefix = applyOverrides(structuredClone(file), {
    prefixGroups: 4,
    prefixTokens: 256,
    inputLen: { dist: "uniform", min: 8, max: 16 },
  });
  assert.deepEqual(prefix.workload, {
    source: "prefix",
    groups: 4,
    prefixTokens: 256,
    inputLen: { dist: "uniform", min: 8, max: 16 },
  });
  assert.throws(
    () => applyOverrides(structuredClone(file), { prefixGroups: 4, prefixTokens: 256 }),
    /'--input-len' must be given with --prefix-groups/,
  );

  const hf = applyOverrides(structuredClone(file), {
    dataset: "org/chat",
    datasetSplit: "test",
    datasetColumn: "q",
  });
  assert.deepEqual(hf.workload, { source: "hf", dataset: "org/chat", split: "test", column: "q" });
  const sg = applyOverrides(structuredClone(file), { dataset: "data/sg.json" }, { cwd: CWD });
  assert.deepEqual(sg.workload, { source: "sharegpt", path: "/work/here/data/sg.json" });
  const pq = applyOverrides(structuredClone(file), { dataset: "d.parquet", datasetColumn: "q" }, {
    cwd: CWD,
  });
  assert.deepEqual(pq.workload, { source: "parquet", path: "/work/here/d.parquet", column: "q" });
});

Deno.test("workload: --prompts replaces; refinements refine the file's workload; with --prompts they make a file workload", () => {
  const file = { backend: SIM, workload: { source: "sharegpt", path: "/d/sg.json", seed: 3 } };
  const replaced = applyOverrides(structuredClone(file), { prompts: "p.txt" }, { cwd: CWD });
  assert.deepEqual(replaced.prompts, { file: "/work/here/p.txt" });
  assert.equal(replaced.workload, undefined);

  const refined = applyOverrides(structuredClone(file), { numPrompts: 20, outputLen: 64 }, {
    cwd: CWD,
  });
  assert.deepEqual(refined.workload, {
    source: "sharegpt",
    path: "/d/sg.json",
    seed: 3,
    numPrompts: 20,
    outputLen: 64,
  });

  const fileWorkload = applyOverrides(
    structuredClone(file),
    { prompts: "p.jsonl", numPrompts: 5 },
    {
      cwd: CWD,
    },
  );
  assert.deepEqual(fileWorkload.workload, {
    source: "file",
    path: "/work/here/p.jsonl",
    numPrompts: 5,
  });
  assert.equal(fileWorkload.prompts, undefined);
});

Deno.test("--trace replaces the file's prompts and workload and defaults the mode to serve", () => {
  const spec = applyOverrides(
    { backend: SIM, prompts: ["hi"], workload: { source: "synthetic", inputLen: 8, count: 2 } },
    { trace: "t.jsonl", traceSpeed: 2 },
    { cwd: CWD },
  );
  assert.deepEqual(spec.trace, { path: "/work/here/t.jsonl", speed: 2 });
  assert.equal(spec.prompts, undefined);
  assert.equal(spec.workload, undefined);
  assert.equal(spec.mode, "serve");
  const kept = applyOverrides({ backend: SIM, mode: "latency" }, { trace: "/t.jsonl" });
  assert.equal(kept.mode, "latency", "the file's mode stands, for the schema to report");
});

/** Asserts `fn` throws a ConfigError (exit 2) whose message names every one of `names`. */
function assertConfigError(fn: () => unknown, names: string[], what = "") {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `${what}: ${e}`);
    for (const n of names) assert.ok(e.message.includes(`'${n}'`), `${what}: ${e.message}`);
    return true;
  });
}

const SOURCES: [string, Record<string, unknown>][] = [
  ["--prompts", { prompts: "p.txt" }],
  ["--dataset", { dataset: "org/chat" }],
  ["--input-len", { inputLen: 64, numPrompts: 4 }],
  ["--trace", { trace: "t.jsonl" }],
];

Deno.test("two sources of requests on the command line are a ConfigError naming both flags, as in a config file", () => {
  // A config file with two sources is rejected by the schema...
  assert.throws(
    () => parseBenchmarkSpec({ backend: SIM, prompts: ["a"], workload: ["b"] }),
    (e: unknown) => e instanceof ConfigError && /one source of requests/.test(e.message),
  );
  // ...and so is every pair of source flags, whatever the file holds.
  for (const [i, [a, fa]] of SOURCES.entries()) {
    for (const [b, fb] of SOURCES.slice(i + 1)) {
      for (const file of [{ backend: SIM }, { backend: SIM, prompts: ["hi"] }]) {
        assertConfigError(
          () => applyOverrides(structuredClone(file), { ...fa, ...fb }, { cwd: CWD }),
          [a, b],
          `${a} ${b}`,
        );
      }
    }
  }
  // Prefix sharing is the --input-len source: beside --dataset it is a second source.
  assertConfigError(
    () => applyOverrides({ backend: SIM }, { dataset: "org/chat", prefixGroups: 4 }),
    ["--dataset", "--prefix-groups"],
  );
  assertConfigError(
    () =>
      applyOverrides({ backend: SIM }, {
        prompts: "p.txt",
        inputLen: 8,
        prefixGroups: 2,
        prefixTokens: 16,
      }),
    ["--prompts", "--input-len"],
  );
  // The message says what to do.
  assert.throws(
    () => applyOverrides({ backend: SIM }, { prompts: "p.txt", dataset: "org/chat" }),
    /'--dataset' must be absent when '--prompts' is given \(one source of requests: --prompts, --dataset, --input-len or --trace\), got "org\/chat"/,
  );
});

Deno.test("one source flag replaces any source of the config file, and the result validates", () => {
  const files: Record<string, unknown>[] = [
    { backend: SIM, prompts: ["hi"] },
    { backend: SIM, prompts: { file: "/d/p.txt" } },
    { backend: SIM, workload: { source: "sharegpt", path: "/d/sg.json" } },
    { backend: SIM, trace: { path: "/d/t.jsonl", speed: 3 }, mode: "serve" },
  ];
  for (const [flag, flags] of SOURCES) {
    for (const file of files) {
      const spec = applyOverrides(structuredClone(file), flags, { cwd: CWD });
      const sources = ["prompts", "workload", "trace"].filter((k) =>
        (spec as Record<string, unknown>)[k] !== undefined
      );
      assert.equal(sources.length, 1, `${flag} over ${JSON.stringify(file)}: ${sources}`);
      if (flag !== "--trace" && file.trace !== undefined) spec.mode = "latency";
      parseBenchmarkSpec(spec); // throws if the schema rejects the merged spec
    }
  }
});

Deno.test("refinement flags refine the file's prompts, workload list or source; they cannot refine a trace", () => {
  const list = applyOverrides({ backend: SIM, prompts: ["a", "b"] }, { numPrompts: 5 });
  assert.deepEqual(list.workload, { source: "inline", prompts: ["a", "b"], numPrompts: 5 });
  assert.equal(list.prompts, undefined);
  const file = applyOverrides({ backend: SIM, prompts: { file: "/d/p.json" } }, { outputLen: 9 });
  assert.deepEqual(file.workload, {
    source: "file",
    path: "/d/p.json",
    format: "prompts",
    outputLen: 9,
  });
  const short = applyOverrides({ backend: SIM, workload: ["x"] }, { numPrompts: 2 });
  assert.deepEqual(short.workload, { source: "inline", prompts: ["x"], numPrompts: 2 });
  for (const spec of [list, file, short]) parseBenchmarkSpec(spec);

  for (
    const [flags, name] of [
      [{ trace: "t.jsonl", numPrompts: 5 }, "--num-prompts"],
      [{ trace: "t.jsonl", outputLen: 5 }, "--output-len"],
      [{ trace: "t.jsonl", datasetSplit: "test" }, "--dataset-split"],
    ] as const
  ) {
    assertConfigError(() => applyOverrides({ backend: SIM }, flags), [name, "--trace"]);
  }
  assert.throws(
    () =>
      applyOverrides({ backend: SIM, mode: "serve", trace: { path: "/t.jsonl" } }, {
        tokenizer: "gpt2",
      }),
    /'--tokenizer' must be absent when replaying a trace \(the config file's 'trace' gives/,
  );
});

Deno.test("--trace-speed refines the file's trace; without any trace it is a ConfigError", () => {
  const spec = applyOverrides(
    { backend: SIM, mode: "serve", trace: { path: "/d/t.jsonl", speed: 1 } },
    { traceSpeed: 4 },
  );
  assert.deepEqual(spec.trace, { path: "/d/t.jsonl", speed: 4 });
  assertConfigError(
    () => applyOverrides({ backend: SIM, prompts: ["a"] }, { traceSpeed: 4 }),
    ["--trace-speed"],
  );
});

Deno.test("--dataset-split and --dataset-column apply where the source has them, else a ConfigError", () => {
  const hf = applyOverrides(
    { backend: SIM, workload: { source: "hf", dataset: "org/x" } },
    { datasetSplit: "test", datasetColumn: "q" },
  );
  assert.deepEqual(hf.workload, { source: "hf", dataset: "org/x", split: "test", column: "q" });
  const col = applyOverrides({ backend: SIM }, { prompts: "p.csv", datasetColumn: "question" }, {
    cwd: CWD,
  });
  assert.deepEqual(col.workload, { source: "file", path: "/work/here/p.csv", column: "question" });
  for (
    const [file, flags, names, why] of [
      [{}, { dataset: "d.parquet", datasetSplit: "x" }, ["--dataset-split"], /parquet file/],
      [{}, { dataset: "sg.json", datasetColumn: "x" }, ["--dataset-column"], /ShareGPT file/],
      [{}, { prompts: "p.txt", datasetSplit: "x" }, ["--dataset-split"], /prompts file/],
      [{}, { datasetSplit: "test" }, ["--dataset-split"], /--dataset NAME/],
      [{ prompts: ["a"] }, { datasetSplit: "test" }, ["--dataset-split"], /list of prompts/],
      [
        { workload: { source: "synthetic", inputLen: 4, count: 1 } },
        { datasetColumn: "q" },
        ["--dataset-column"],
        /synthetic/,
      ],
    ] as const
  ) {
    assert.throws(
      () => applyOverrides({ backend: SIM, ...structuredClone(file) }, flags, { cwd: CWD }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        for (const n of names) assert.ok(e.message.includes(`'${n}'`), e.message);
        assert.match(e.message, why);
        return true;
      },
    );
  }
});

Deno.test("flag paths resolve against the working directory; the file's stay as parsed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "conf"));
    await Deno.writeTextFile(join(dir, "conf", "tokenizer.json"), "{}");
    await Deno.writeTextFile(join(dir, "tiny.gguf"), "");
    const file = parseConfigText(
      "backend: { type: llamacpp, model: m.gguf, apiKeyFile: key }\n" +
        "workload: { source: file, path: p.txt, tokenizer: tokenizer.json }\nout: r.json\n",
      join(dir, "conf", "run.yaml"),
    );
    assert.deepEqual(file.workload, {
      source: "file",
      path: join(dir, "conf", "p.txt"),
      tokenizer: join(dir, "conf", "tokenizer.json"),
    });
    // m.gguf does not exist beside the config: it stays as written.
    assert.equal((file.backend as { model: string }).model, "m.gguf");

    const spec = applyOverrides(file, {
      model: "tiny.gguf",
      backendOptions: { logFile: "logs/engine.log", binary: "bin/llama-server" },
      tokenizer: "Qwen/Qwen2.5-0.5B",
      records: "rec.jsonl",
    }, { cwd: dir });
    assert.deepEqual(spec.backend, {
      type: "llamacpp",
      model: join(dir, "tiny.gguf"),
      apiKeyFile: join(dir, "conf", "key"),
      logFile: join(dir, "logs", "engine.log"),
      binary: join(dir, "bin", "llama-server"),
    });
    assert.equal(
      (spec.workload as { tokenizer: string }).tokenizer,
      "Qwen/Qwen2.5-0.5B",
      "a model id is not a path",
    );
    assert.equal(spec.out, join(dir, "conf", "r.json"));
    assert.equal(spec.records, join(dir, "rec.jsonl"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--metrics and --all-metrics replace the file's table rows; both at once is refused", () => {
  const file = { backend: SIM, prompts: ["hi"], table: { allMetrics: true } };
  assert.deepEqual(
    applyOverrides(structuredClone(file), { metrics: ["ttft_p50_ms", "itl_p50_ms"] }).table,
    { metrics: ["ttft_p50_ms", "itl_p50_ms"] },
  );
  assert.deepEqual(
    applyOverrides({ ...file, table: { metrics: ["e2e_p50_ms"] } }, { allMetrics: true }).table,
    { allMetrics: true },
  );
  // No flag: the file's choice stands.
  assert.deepEqual(applyOverrides(structuredClone(file), {}).table, { allMetrics: true });
  assert.equal(applyOverrides({ backend: SIM, prompts: ["hi"] }, {}).table, undefined);
  assert.throws(
    () => applyOverrides(undefined, { backend: "simulator", metrics: ["x"], allMetrics: true }),
    /'--all-metrics' must be absent when '--metrics' is given/,
  );
});

// ---- sampling.extra and --extra-body (issue 18) ----

Deno.test("YAML config: sampling.extra is kept as written through parsing", () => {
  const file = parseConfigText(
    [
      "backend: { type: simulator, ttftMs: 1, itlMs: 1 }",
      "prompts: [hi]",
      "sampling:",
      "  maxTokens: 8",
      "  extra: { top_k: 20, chat_template_kwargs: { enable_thinking: false } }",
    ].join("\n"),
    join(CWD, "bench.yaml"),
  );
  const spec = parseBenchmarkSpec(applyOverrides(file, {}, { cwd: CWD }));
  assert.deepEqual(spec.sampling, {
    maxTokens: 8,
    temperature: 0,
    topP: 1,
    ignoreEos: false,
    extra: { top_k: 20, chat_template_kwargs: { enable_thinking: false } },
  });
});

Deno.test("--extra-body: JSON or a YAML flow mapping, merged over the file's sampling.extra", () => {
  const file = {
    backend: SIM,
    prompts: ["hi"],
    sampling: { maxTokens: 8, extra: { top_k: 20, seed: 1 } },
  };
  const json = applyOverrides(structuredClone(file), {
    extraBody: '{"top_k": 40, "chat_template_kwargs": {"enable_thinking": false}}',
  }, { cwd: CWD });
  assert.deepEqual(json.sampling, {
    maxTokens: 8,
    extra: { top_k: 40, seed: 1, chat_template_kwargs: { enable_thinking: false } },
  });
  const yaml = applyOverrides(undefined, {
    backend: "simulator",
    extraBody: "{top_k: 20, min_tokens: 64}",
  }, { cwd: CWD });
  assert.deepEqual(yaml.sampling, { extra: { top_k: 20, min_tokens: 64 } });
  // The file is left as it was.
  assert.deepEqual(file.sampling.extra, { top_k: 20, seed: 1 });
});

Deno.test("--extra-body that is not an object is a ConfigError naming the flag", () => {
  for (const bad of ["[20]", "20", "top_k=20", '{"top_k": 20', "null"]) {
    let err: unknown;
    try {
      applyOverrides(undefined, { backend: "simulator", extraBody: bad }, { cwd: CWD });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ConfigError, `${bad}: ${err}`);
    assert.match(
      err.message,
      /'--extra-body' must be a JSON object or a YAML mapping of request fields/,
      bad,
    );
  }
});

Deno.test("sampling.extra with a value that is not JSON is refused where it is", () => {
  assert.throws(
    () =>
      parseBenchmarkSpec({
        backend: SIM,
        prompts: ["hi"],
        sampling: { extra: { kwargs: { n: [1, Infinity] } } },
      }),
    /'sampling\.extra\.kwargs\.n\[1\]' must be a JSON value .*, got Infinity/,
  );
  assert.throws(
    () => parseBenchmarkSpec({ backend: SIM, prompts: ["hi"], sampling: { extra: [1] } }),
    /'sampling\.extra' must be a JSON object of request fields, got \[1\]/,
  );
});
