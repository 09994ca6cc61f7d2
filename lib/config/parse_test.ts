import assert from "node:assert/strict";
import { PROFILE_NAMES } from "./sim.ts";
import { ConfigError } from "./errors.ts";
import { parseBenchmarkSpec, parseConfigText, readConfigFile } from "./parse.ts";

const BASE = {
  backend: { type: "simulator", ttftMs: 10, itlMs: 2 },
  prompts: ["hello"],
};

/** Parses `input`, expecting a ConfigError; returns it. */
function configError(input: unknown): ConfigError {
  try {
    parseBenchmarkSpec(input);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    assert.ok(err instanceof TypeError, "ConfigError is a TypeError");
    assert.ok(err.issues.length >= 1);
    return err;
  }
  assert.fail(`expected a ConfigError for ${JSON.stringify(input)}`);
}

/** Asserts a single-issue error with this path, expected phrase and received text. */
function assertOneIssue(
  err: ConfigError,
  path: string,
  expected: string | RegExp,
  received: string,
): void {
  assert.equal(err.issues.length, 1, err.message);
  const [i] = err.issues;
  assert.equal(i.path, path, err.message);
  if (typeof expected === "string") assert.equal(i.expected, expected, err.message);
  else assert.match(i.expected, expected, err.message);
  assert.equal(i.received, received, err.message);
  // One line: "Cannot start benchmark: 'PATH' must be EXPECTED, got RECEIVED".
  assert.equal(
    err.message,
    `Cannot start benchmark: '${path}' must be ${i.expected}, got ${received}`,
  );
}

Deno.test("parseBenchmarkSpec() applies the defaults", () => {
  const spec = parseBenchmarkSpec(BASE);
  assert.equal(spec.mode, "latency");
  assert.equal(spec.concurrency, undefined);
  assert.equal(spec.warmup, undefined); // the plan decides: max(1, concurrency) per level
  assert.equal(spec.runs, 10);
  assert.equal(spec.trials, 3);
  assert.equal(spec.confidenceLevel, 0.95);
  assert.deepEqual(spec.sampling, { maxTokens: 128, temperature: 0, topP: 1, ignoreEos: false });
  assert.equal(spec.transport, "http1");
  assert.equal(spec.requestTimeoutMs, 600_000);
  assert.equal(spec.slo, undefined);
  assert.deepEqual(spec.backend, BASE.backend);
  assert.deepEqual(
    spec.workload,
    { source: "inline", prompts: ["hello"] },
    "prompts become a workload",
  );
});

Deno.test("parseBenchmarkSpec() keeps given values and fills partial sampling", () => {
  const spec = parseBenchmarkSpec({
    ...BASE,
    concurrency: [1, 4, 16],
    runs: 50,
    trials: 5,
    warmup: 0,
    confidenceLevel: 0.99,
    sampling: { maxTokens: 256 },
    slo: { ttftMs: 200 },
    transport: "fetch",
  });
  assert.deepEqual(spec.concurrency, [1, 4, 16]);
  assert.equal(spec.runs, 50);
  assert.equal(spec.trials, 5);
  assert.equal(spec.warmup, 0);
  assert.equal(spec.confidenceLevel, 0.99);
  assert.deepEqual(spec.sampling, { maxTokens: 256, temperature: 0, topP: 1, ignoreEos: false });
  assert.deepEqual(spec.slo, { ttftMs: 200 });
  assert.equal(spec.transport, "fetch");
});

Deno.test("parseBenchmarkSpec() accepts backend data and backend objects", () => {
  const vllm = { type: "vllm", endpoint: "http://localhost:8000/v1", model: "m" };
  assert.deepEqual(parseBenchmarkSpec({ ...BASE, backend: vllm }).backend, vllm);
  const profile = { type: "simulator", profile: PROFILE_NAMES[0] };
  assert.deepEqual(parseBenchmarkSpec({ ...BASE, backend: profile }).backend, profile);
  const obj = { kind: "openai", connect: () => Promise.resolve() };
  assert.equal(parseBenchmarkSpec({ ...BASE, backend: obj }).backend, obj);
  const throughput = parseBenchmarkSpec({ ...BASE, mode: "throughput" });
  assert.equal(throughput.mode, "throughput");
});

Deno.test("parseBenchmarkSpec() names the bad concurrency level", () => {
  const err = configError({ ...BASE, concurrency: [0, 4] });
  assert.ok(
    err.message.includes("'concurrency[0]' must be a positive integer, got 0"),
    err.message,
  );
  assertOneIssue(err, "concurrency[0]", "a positive integer", "0");
});

Deno.test("parseBenchmarkSpec() rejects a non-number for runs", () => {
  assertOneIssue(configError({ ...BASE, runs: "ten" }), "runs", "a number", '"ten"');
  assertOneIssue(configError({ ...BASE, runs: 2.5 }), "runs", "a positive integer", "2.5");
});

Deno.test("parseBenchmarkSpec() rejects an unknown top-level key (a typo)", () => {
  const err = configError({ ...BASE, concurency: [1, 2] });
  assertOneIssue(err, "concurency", /not a known field/, "[1,2]");
  assert.match(err.message, /check its spelling/);
});

Deno.test("parseBenchmarkSpec() rejects an unknown backend type, showing what was given", () => {
  const err = configError({ ...BASE, backend: { type: "triton", endpoint: "http://x:1" } });
  assert.ok(err.issues.every((i) => i.path.startsWith("backend")), err.message);
  assert.match(err.message, /'backend/);
  assert.ok(err.message.includes('"triton"'), err.message);
});

Deno.test({
  name: "parseBenchmarkSpec() names the known backend types for an unknown one",
  fn() {
    const err = configError({ ...BASE, backend: { type: "triton", endpoint: "http://x:1" } });
    assert.equal(err.issues.length, 1, err.message);
    const [i] = err.issues;
    assert.equal(i.path, "backend.type", err.message);
    for (const t of ["openai", "vllm", "tgi", "sglang", "llamacpp", "simulator"]) {
      assert.ok(i.expected.includes(`"${t}"`), err.message);
    }
    assert.equal(i.received, '"triton"');
  },
});

Deno.test({
  name: "parseBenchmarkSpec(): without an endpoint an engine is managed and needs its model",
  fn() {
    const err = configError({ ...BASE, backend: { type: "vllm" } });
    assert.equal(err.issues.length, 1, err.message);
    assert.equal(err.issues[0].path, "backend.model", err.message);
    assert.match(err.message, /without 'endpoint' splleed starts the engine and needs 'model'/);
    assert.equal(err.issues[0].received, "nothing");
    // openai() has no managed mode: its endpoint is required.
    const e2 = configError({ ...BASE, backend: { type: "openai" } });
    assert.equal(e2.issues[0].path, "backend.endpoint", e2.message);
  },
});

Deno.test("parseBenchmarkSpec(): managed-mode fields with an endpoint are an error naming the field", () => {
  const err = configError({
    ...BASE,
    backend: { type: "llamacpp", endpoint: "http://h:1", parallel: 4 },
  });
  assert.equal(err.issues[0].path, "backend.parallel", err.message);
  assert.match(err.message, /absent when 'endpoint' is given/);
  const e2 = configError({
    ...BASE,
    backend: { type: "openai", endpoint: "http://h:1", apiKey: "a", apiKeyEnv: "B" },
  });
  assert.equal(e2.issues[0].path, "backend.apiKeyEnv", e2.message);
  assert.doesNotMatch(e2.message, /"a"/);
});

Deno.test("parseBenchmarkSpec() rejects an endpoint that is not an http(s) URL", () => {
  for (const endpoint of ["not a url", "ftp://example.com"]) {
    const err = configError({ ...BASE, backend: { type: "vllm", endpoint } });
    assertOneIssue(err, "backend.endpoint", /URL/, JSON.stringify(endpoint));
  }
});

Deno.test("parseBenchmarkSpec() rejects a confidence level of 1.5", () => {
  assertOneIssue(
    configError({ ...BASE, confidenceLevel: 1.5 }),
    "confidenceLevel",
    "a number < 1",
    "1.5",
  );
  assertOneIssue(
    configError({ ...BASE, confidenceLevel: 0 }),
    "confidenceLevel",
    "a positive number",
    "0",
  );
});

Deno.test("parseBenchmarkSpec() rejects an empty slo", () => {
  const err = configError({ ...BASE, slo: {} });
  assertOneIssue(err, "slo", /ttftMs, tpotMs, e2eMs/, "{}");
  assertOneIssue(
    configError({ ...BASE, slo: { ttftMs: -1 } }),
    "slo.ttftMs",
    "a positive number",
    "-1",
  );
});

Deno.test("parseBenchmarkSpec() rejects concurrency in throughput mode", () => {
  const err = configError({ ...BASE, mode: "throughput", concurrency: [8] });
  assertOneIssue(err, "concurrency", /absent in throughput mode/, "[8]");
});

Deno.test("parseBenchmarkSpec() rejects repeated concurrency levels", () => {
  const err = configError({ ...BASE, concurrency: [1, 4, 1] });
  assertOneIssue(err, "concurrency", /without repeated levels/, "[1,4,1]");
});

Deno.test("parseBenchmarkSpec() requires itlMs with the simulator's ttftMs", () => {
  const err = configError({ ...BASE, backend: { type: "simulator", ttftMs: 5 } });
  assertOneIssue(
    err,
    "backend.itlMs",
    /together with the other of 'ttftMs' and 'itlMs'/,
    "nothing",
  );
});

Deno.test("parseBenchmarkSpec() rejects a simulator profile together with ttftMs", () => {
  const profile = PROFILE_NAMES[0];
  const err = configError({
    ...BASE,
    backend: { type: "simulator", ttftMs: 5, itlMs: 1, profile },
  });
  assertOneIssue(err, "backend.profile", /exclude each other/, JSON.stringify(profile));
});

Deno.test("parseBenchmarkSpec() rejects an unknown simulator profile, showing what was given", () => {
  const err = configError({ ...BASE, backend: { type: "simulator", profile: "huge" } });
  assert.ok(err.issues.every((i) => i.path.startsWith("backend")), err.message);
  assert.ok(err.message.includes('"huge"'), err.message);
});

Deno.test({
  name: "parseBenchmarkSpec() names the known profiles for an unknown one",
  fn() {
    const err = configError({ ...BASE, backend: { type: "simulator", profile: "huge" } });
    assert.equal(err.issues.length, 1, err.message);
    const [i] = err.issues;
    assert.equal(i.path, "backend.profile", err.message);
    for (const p of PROFILE_NAMES) assert.ok(i.expected.includes(`"${p}"`), err.message);
    assert.equal(i.received, '"huge"');
  },
});

Deno.test("parseBenchmarkSpec() reports every bad field, one line each", () => {
  const err = configError({ ...BASE, runs: 0, trials: "x", warmup: -1 });
  assert.equal(err.issues.length, 3, err.message);
  assert.deepEqual(err.issues.map((i) => i.path).sort(), ["runs", "trials", "warmup"]);
  const lines = err.message.split("\n");
  assert.equal(lines[0], "Cannot start benchmark:");
  assert.equal(lines.length, 4);
  assert.ok(lines.includes("  - 'runs' must be a positive integer, got 0"), err.message);
  assert.ok(lines.includes(`  - 'trials' must be a number, got "x"`), err.message);
  assert.ok(lines.includes("  - 'warmup' must be a number >= 0, got -1"), err.message);
});

Deno.test("parseBenchmarkSpec() rejects a missing backend, and missing prompts or workload", () => {
  const err = configError({});
  assert.deepEqual(err.issues.map((i) => i.path), ["backend"]);
  assert.equal(err.issues[0].received, "nothing");
  const e2 = configError({ backend: BASE.backend });
  assert.deepEqual(e2.issues.map((i) => i.path), ["prompts"]);
  assert.match(
    e2.message,
    /'prompts' must be given \(a list of prompts or \{ file \}\), or a 'workload', got nothing/,
  );
  const e3 = configError({ ...BASE, workload: ["x"] });
  assert.deepEqual(e3.issues.map((i) => i.path), ["workload"]);
});

Deno.test("parseConfigText() parses YAML", () => {
  const text = [
    "backend:",
    "  type: vllm",
    "  endpoint: http://localhost:8000",
    "prompts: [a, b]",
    "concurrency: [1, 2]",
    "slo:",
    "  ttftMs: 200",
    "",
  ].join("\n");
  const data = parseConfigText(text, "bench.yaml");
  assert.deepEqual(data, {
    backend: { type: "vllm", endpoint: "http://localhost:8000" },
    prompts: ["a", "b"],
    concurrency: [1, 2],
    slo: { ttftMs: 200 },
  });
  assert.deepEqual(parseBenchmarkSpec(data).concurrency, [1, 2]);
});

Deno.test("parseConfigText() parses JSON by file extension", () => {
  assert.deepEqual(parseConfigText('{"runs": 5, "mode": "throughput"}', "bench.json"), {
    runs: 5,
    mode: "throughput",
  });
  assert.deepEqual(parseConfigText('{"runs": 5}', "BENCH.JSON"), { runs: 5 });
});

Deno.test("parseConfigText() of an empty file is an empty mapping", () => {
  assert.deepEqual(parseConfigText("", "bench.yaml"), {});
});

Deno.test("parseConfigText() throws ConfigError for invalid YAML and JSON", () => {
  for (
    const [text, name, expected] of [
      ["runs: [1, 2\n", "bad.yaml", "valid YAML"],
      ["a: b: c\n", "bad.yml", "valid YAML"],
      ['{"runs": 5,}', "bad.json", "valid JSON"],
    ]
  ) {
    assert.throws(() => parseConfigText(text, name), (err: unknown) => {
      assert.ok(err instanceof ConfigError, `${name}: ${err}`);
      assert.equal(err.issues.length, 1);
      assert.equal(err.issues[0].expected, expected);
      assert.match(err.issues[0].received, /^a parse error( at line \d+, column \d+)?: /);
      assert.ok(err.message.includes(name), err.message);
      assert.ok(!err.message.split("\n")[0].endsWith(":"), `says what is wrong: ${err.message}`);
      return true;
    });
  }
});

Deno.test("a YAML error names the line and column and shows the line with a caret under the place", () => {
  const text = "backend:\n  type: simulator\n foo: [\nruns: 5\n";
  assert.throws(() => parseConfigText(text, "config.yaml"), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    const lines = err.message.split("\n");
    assert.equal(
      lines[0],
      "Cannot start benchmark from config.yaml: valid YAML, got a parse error at line 3, column 1: " +
        "All mapping items must start at the same column",
    );
    assert.deepEqual(lines.slice(1), [
      "   2 |   type: simulator",
      "   3 |  foo: [",
      "     | ^",
    ]);
    return true;
  });
  // The caret sits under the column after a tab too (a terminal widens both
  // alike); two-digit line numbers fit the gutter.
  const tab = Array.from({ length: 11 }, (_, i) => `k${i}: 1`).join("\n") + "\nk11:\t'a' b\n";
  assert.throws(() => parseConfigText(tab, "tab.yaml"), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /got a parse error at line 12, column 10: /);
    assert.deepEqual(err.message.split("\n").slice(1), [
      "  11 | k10: 1",
      "  12 | k11:\t'a' b",
      "     |     \t    ^",
    ]);
    return true;
  });
});

Deno.test("a JSON error names the line and column where JSON.parse gives them", () => {
  assert.throws(() => parseConfigText('{\n  "runs": 5,\n}\n', "run.json"), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(
      err.message,
      /got a parse error at line 3, column 1: Expected double-quoted property name\n/,
    );
    assert.ok(err.message.endsWith('   2 |   "runs": 5,\n   3 | }\n     | ^'), err.message);
    return true;
  });
  // Without a position, the message is the parser's first line, without the echoed text.
  assert.throws(() => parseConfigText('{"a": 1,\n "b": }', "run.json"), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.issues[0].received, "a parse error: Unexpected token '}'");
    return true;
  });
});

Deno.test("parseConfigText() throws ConfigError for a top-level list or scalar", () => {
  for (
    const [text, name, received] of [
      ["- runs: 5\n- trials: 2\n", "list.yaml", "a list"],
      ["[1, 2]", "list.json", "a list"],
      ["42\n", "scalar.yaml", "number"],
    ]
  ) {
    assert.throws(() => parseConfigText(text, name), (err: unknown) => {
      assert.ok(err instanceof ConfigError, `${name}: ${err}`);
      assert.equal(err.issues.length, 1);
      assert.match(err.issues[0].expected, /mapping/);
      assert.equal(err.issues[0].received, received);
      assert.ok(err.message.includes(name), err.message);
      return true;
    });
  }
});

Deno.test("a secret in a misspelt or invalid field never appears in the error", () => {
  const err = configError({
    ...BASE,
    backend: { type: "openai", endpoint: "http://h:1", api_key: "sk-live-123" },
  });
  assert.equal(err.issues[0].path, "backend.api_key", err.message);
  assert.doesNotMatch(err.message, /sk-live-123/);
  assert.match(err.message, /got \[redacted\]/);
  const e2 = configError({
    ...BASE,
    backend: { type: "openai", endpoint: "http://h:1", apiKey: 12345 },
  });
  assert.doesNotMatch(e2.message, /12345/);
});

Deno.test("credentials in the endpoint URL are refused, the URL shown redacted, the key's right place named", () => {
  const key = "KEY-Zq81bXr7Vn2Lm5";
  const cases: [string, string][] = [
    [`http://user:${key}@gpu:8000`, '"http://[redacted]@gpu:8000"'],
    [`https://${key}@api.example.com/v1`, '"https://[redacted]@api.example.com/v1"'],
    [`http://gpu:8000/v1?api_key=${key}`, '"http://gpu:8000/v1?api_key=[redacted]"'],
    [`http://gpu:8000?x=1&token=${key}`, '"http://gpu:8000?x=1&token=[redacted]"'],
  ];
  for (const type of ["openai", "vllm", "tgi", "sglang", "llamacpp"]) {
    for (const [endpoint, shown] of cases) {
      const err = configError({ ...BASE, backend: { type, endpoint, model: "m" } });
      assertOneIssue(err, "backend.endpoint", /apiKeyEnv' or 'apiKeyFile'.*'headers'/, shown);
      assert.doesNotMatch(err.message, /Zq81bXr7/);
    }
  }
  // A query string without a key is refused too (paths are appended to the endpoint).
  const q = configError({ ...BASE, backend: { type: "openai", endpoint: "http://h:1/?a=b" } });
  assertOneIssue(q, "backend.endpoint", /without a query string/, '"http://h:1/?a=b"');
  // A plain base URL, with or without /v1, is fine.
  for (const endpoint of ["http://h:8000", "https://h/v1/", "http://[::1]:8000"]) {
    assert.equal(
      (parseBenchmarkSpec({ ...BASE, backend: { type: "openai", endpoint } }).backend as {
        endpoint?: string;
      }).endpoint,
      endpoint,
    );
  }
});

Deno.test("a key given as apiKeyEnv is never echoed: 'looks like a key itself', shown masked", () => {
  for (
    const [value, shown] of [
      ["sk-proj-Zq81bXr7Vn2Lm5Ck9", '"sk-proj-…[redacted]"'],
      ["Zq81bXr7-Vn2Lm5Ck9", '"[redacted]"'],
      ["Bearer Zq81bXr7Vn2Lm5Ck9", '"[redacted]"'],
    ]
  ) {
    const err = configError({
      ...BASE,
      backend: { type: "openai", endpoint: "http://h:1", apiKeyEnv: value },
    });
    assertOneIssue(err, "backend.apiKeyEnv", /looks like a key itself, not the name of/, shown);
    assert.doesNotMatch(err.message, /Zq81bXr7/);
  }
  // "$NAME" is a name with a '$' too many, shown as given.
  const d = configError({
    ...BASE,
    backend: { type: "vllm", endpoint: "http://h:1", apiKeyEnv: "$OPENAI_API_KEY" },
  });
  assertOneIssue(d, "backend.apiKeyEnv", /without '\$' \(OPENAI_API_KEY\)/, '"$OPENAI_API_KEY"');
});

Deno.test("modelCheck is a boolean backend option of every HTTP backend", () => {
  for (const type of ["openai", "vllm", "tgi", "sglang", "llamacpp"]) {
    const spec = parseBenchmarkSpec({
      ...BASE,
      backend: { type, endpoint: "http://h:1", model: "m", modelCheck: false },
    });
    assert.equal((spec.backend as { modelCheck?: boolean }).modelCheck, false, type);
  }
  const err = configError({
    ...BASE,
    backend: { type: "openai", endpoint: "http://h:1", modelCheck: "no" },
  });
  assertOneIssue(err, "backend.modelCheck", "a boolean", '"no"');
});

Deno.test("readConfigFile() resolves a config file's relative paths against its folder, not the working directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/bench`);
    await Deno.writeTextFile(`${dir}/bench/prompts.txt`, "hello\n");
    await Deno.writeTextFile(
      `${dir}/bench/run.yaml`,
      "backend: { type: simulator }\nprompts: { file: prompts.txt }\n" +
        "trace: { path: ../traces/t.jsonl }\nrecords: false\n",
    );
    // The working directory (this test's) is not dir/bench: the paths still name files beside the config.
    assert.notEqual(Deno.cwd(), `${dir}/bench`);
    const spec = await readConfigFile(`${dir}/bench/run.yaml`);
    assert.deepEqual(spec.prompts, { file: `${dir}/bench/prompts.txt` });
    assert.deepEqual(spec.trace, { path: `${dir}/traces/t.jsonl` });
    assert.equal(spec.records, false);
    assert.equal(await Deno.readTextFile((spec.prompts as { file: string }).file), "hello\n");
    // A JSON config: the same rule; absolute paths stay.
    await Deno.writeTextFile(
      `${dir}/bench/run.json`,
      JSON.stringify({ workload: { source: "file", path: "/data/p.txt" }, out: "r/out.json" }),
    );
    const j = await readConfigFile(`${dir}/bench/run.json`);
    assert.deepEqual(j.workload, { source: "file", path: "/data/p.txt" });
    assert.equal(j.out, `${dir}/bench/r/out.json`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readConfigFile() of a missing file is a ConfigError naming the file", async () => {
  await assert.rejects(readConfigFile("/nonexistent/splleed.yaml"), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(
      e.message,
      /'config' must be a readable YAML or JSON file, got "\/nonexistent\/splleed\.yaml"/,
    );
    return true;
  });
});
