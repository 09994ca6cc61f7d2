/**
 * The engine factories (`vllm`, `tgi`, `sglang`, `llamacpp`, `openai`): the
 * command lines they start, connect vs managed validation, API key sources
 * and what never leaks the key, and connecting through a scripted transport.
 */

import assert from "node:assert/strict";
import type { Sampling } from "../config/benchmark.ts";
import { ConfigError } from "../config/errors.ts";
import type { ProcessLaunch } from "../config/launch.ts";
import type { HttpRequest, HttpTransport, ResponseHandler } from "../http/transport.ts";
import { newRecord } from "../record/record.ts";
import { commandLine, redactArgv, startProcessServer } from "../servers/process.ts";
import type { Backend } from "./backend.ts";
import { llamacpp, propsFacts } from "./llamacpp.ts";
import { openai } from "./openai.ts";
import { createBackend } from "./registry.ts";
import { sglang } from "./sglang.ts";
import { buildGenerateBody, infoFacts, tgi } from "./tgi.ts";
import { vllm } from "./vllm.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`./testdata/${name}`, import.meta.url));

/** The process launch of a managed backend (fails the test for any other). */
function launchOf(b: Backend): ProcessLaunch {
  assert.equal(b.launch?.kind, "process", `${b.kind} should be managed`);
  return b.launch as ProcessLaunch;
}

/** Asserts `fn` throws a ConfigError whose issues name `path`. */
function throwsNaming(fn: () => unknown, path: string, what?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    assert.ok(
      e.issues.some((i) => i.path === path),
      `expected an issue at '${path}', got ${JSON.stringify(e.issues)}`,
    );
    assert.match(e.message, new RegExp(`'${path}'`));
    if (what) assert.match(e.message, what);
    return true;
  });
}

const MODEL = "Qwen/Qwen2.5-7B-Instruct";

// ---------------------------------------------------------------------------
// vLLM

Deno.test("vllm managed: every typed field becomes its vllm serve flag, then extraArgs", () => {
  const l = launchOf(vllm({
    model: MODEL,
    tensorParallel: 2,
    pipelineParallel: 2,
    gpuMemoryUtilization: 0.85,
    quantization: "fp8",
    dtype: "bfloat16",
    maxModelLen: 8192,
    maxNumSeqs: 128,
    enablePrefixCaching: false,
    enableChunkedPrefill: true,
    speculativeConfig: { method: "ngram", num_speculative_tokens: 4, prompt_lookup_max: 4 },
    extraArgs: ["--seed", "0"],
  }));
  assert.deepEqual(l.argv, [
    "vllm",
    "serve",
    MODEL,
    "--tensor-parallel-size",
    "2",
    "--pipeline-parallel-size",
    "2",
    "--gpu-memory-utilization",
    "0.85",
    "--quantization",
    "fp8",
    "--dtype",
    "bfloat16",
    "--max-model-len",
    "8192",
    "--max-num-seqs",
    "128",
    "--no-enable-prefix-caching",
    "--enable-chunked-prefill",
    "--speculative-config",
    '{"method":"ngram","num_speculative_tokens":4,"prompt_lookup_max":4}',
    "--seed",
    "0",
  ]);
  assert.equal(l.engine, "vllm");
  assert.deepEqual(l.readiness, ["/health", "/v1/models"]);
  assert.equal(l.startupTimeoutMs, 1_200_000);
  assert.deepEqual(commandLine(l, 8000).slice(-4), ["--host", "127.0.0.1", "--port", "8000"]);
});

Deno.test("vllm managed: booleans have both forms; absent fields add no flag", () => {
  const on = launchOf(
    vllm({ model: MODEL, enablePrefixCaching: true, enableChunkedPrefill: false }),
  );
  assert.deepEqual(on.argv, [
    "vllm",
    "serve",
    MODEL,
    "--enable-prefix-caching",
    "--no-enable-chunked-prefill",
  ]);
  assert.deepEqual(launchOf(vllm({ model: MODEL })).argv, ["vllm", "serve", MODEL]);
});

Deno.test("vllm managed: command replaces 'vllm serve', as one path or an argv prefix", () => {
  assert.deepEqual(launchOf(vllm({ model: MODEL, command: ["/venv/bin/vllm", "serve"] })).argv, [
    "/venv/bin/vllm",
    "serve",
    MODEL,
  ]);
  assert.deepEqual(
    launchOf(vllm({ model: MODEL, command: "/opt/bin/serve-vllm", maxNumSeqs: 8 })).argv,
    ["/opt/bin/serve-vllm", MODEL, "--max-num-seqs", "8"],
  );
});

Deno.test("vllm managed: env is passed, the API key goes to VLLM_API_KEY and never to argv", () => {
  const l = launchOf(vllm({
    model: MODEL,
    env: { HF_HOME: "/models/hf", CUDA_VISIBLE_DEVICES: "0,1" },
    apiKey: "sk-vllm-7f3a",
    host: "0.0.0.0",
    port: 9000,
    startupTimeoutS: 60,
    stopGraceS: 3,
    logFile: "/tmp/vllm.log",
  }));
  assert.deepEqual(l.env, {
    HF_HOME: "/models/hf",
    CUDA_VISIBLE_DEVICES: "0,1",
    VLLM_API_KEY: "sk-vllm-7f3a",
  });
  assert.deepEqual(l.secretEnv, ["VLLM_API_KEY"]);
  assert.equal(l.host, "0.0.0.0");
  assert.equal(l.port, 9000);
  assert.equal(l.startupTimeoutMs, 60_000);
  assert.equal(l.stopGraceMs, 3_000);
  assert.equal(l.logFile, "/tmp/vllm.log");
  const argv = commandLine(l, 9000);
  assert.deepEqual(argv, ["vllm", "serve", MODEL, "--host", "0.0.0.0", "--port", "9000"]);
  assert.ok(!JSON.stringify(argv).includes("sk-vllm-7f3a"));
});

Deno.test("vllm with docker: docker run with the port, env names, args, image, then --model and flags", () => {
  const l = launchOf(vllm({
    model: MODEL,
    tensorParallel: 2,
    extraArgs: ["--seed", "0"],
    env: { HF_TOKEN: "hf_aBcD1234" },
    apiKey: "sk-vllm-7f3a",
    docker: {
      image: "vllm/vllm-openai:v0.11.0",
      args: ["--gpus", "all", "--ipc=host", "-v", "/models:/root/.cache/huggingface"],
    },
  }));
  assert.deepEqual(commandLine(l, 8000), [
    "docker",
    "run",
    "--rm",
    "--name",
    `splleed-vllm-8000-${Deno.pid}`,
    "-p",
    "127.0.0.1:8000:8000",
    "-e",
    "HF_TOKEN",
    "-e",
    "VLLM_API_KEY",
    "--gpus",
    "all",
    "--ipc=host",
    "-v",
    "/models:/root/.cache/huggingface",
    "vllm/vllm-openai:v0.11.0",
    "--model",
    MODEL,
    "--tensor-parallel-size",
    "2",
    "--seed",
    "0",
    "--host",
    "0.0.0.0",
    "--port",
    "8000",
  ]);
  // Variables are passed by name (docker reads their values from its own environment).
  const shown = JSON.stringify(commandLine(l, 8000));
  assert.ok(!shown.includes("sk-vllm-7f3a") && !shown.includes("hf_aBcD1234"));
});

// ---------------------------------------------------------------------------
// TGI

Deno.test("tgi managed: text-generation-launcher --model-id with its flags, --hostname, /health then /info", () => {
  const l = launchOf(tgi({
    model: "HuggingFaceTB/SmolLM2-360M-Instruct",
    quantize: "bitsandbytes-nf4",
    maxBatchTotalTokens: 32000,
    maxInputTokens: 3000,
    maxTotalTokens: 4096,
    shardCount: 2,
    extraArgs: ["--max-concurrent-requests", "256"],
  }));
  assert.deepEqual(commandLine(l, 8080), [
    "text-generation-launcher",
    "--model-id",
    "HuggingFaceTB/SmolLM2-360M-Instruct",
    "--quantize",
    "bitsandbytes-nf4",
    "--max-batch-total-tokens",
    "32000",
    "--max-input-tokens",
    "3000",
    "--max-total-tokens",
    "4096",
    "--num-shard",
    "2",
    "--max-concurrent-requests",
    "256",
    "--hostname",
    "127.0.0.1",
    "--port",
    "8080",
  ]);
  assert.deepEqual(l.readiness, ["/health", "/info"]);
  assert.equal(l.engine, "tgi");
});

Deno.test("tgi with docker: the image's entrypoint is the launcher; the key goes to API_KEY", () => {
  const l = launchOf(tgi({
    model: "HuggingFaceTB/SmolLM2-360M-Instruct",
    shardCount: 1,
    apiKey: "tgi-key-19",
    docker: {
      image: "ghcr.io/huggingface/text-generation-inference:3.3.6",
      args: ["--gpus", "all", "--shm-size", "1g", "-v", "/data:/data"],
    },
  }));
  assert.deepEqual(l.env, { API_KEY: "tgi-key-19" });
  assert.deepEqual(l.secretEnv, ["API_KEY"]);
  assert.deepEqual(commandLine(l, 8080), [
    "docker",
    "run",
    "--rm",
    "--name",
    `splleed-tgi-8080-${Deno.pid}`,
    "-p",
    "127.0.0.1:8080:8080",
    "-e",
    "API_KEY",
    "--gpus",
    "all",
    "--shm-size",
    "1g",
    "-v",
    "/data:/data",
    "ghcr.io/huggingface/text-generation-inference:3.3.6",
    "--model-id",
    "HuggingFaceTB/SmolLM2-360M-Instruct",
    "--num-shard",
    "1",
    "--hostname",
    "0.0.0.0",
    "--port",
    "8080",
  ]);
});

Deno.test("tgi buildGenerateBody: greedy is do_sample false; temperature and top_p only when they sample", () => {
  const greedy = buildGenerateBody("hi", {
    maxTokens: 64,
    temperature: 0,
    topP: 1,
    ignoreEos: false,
  });
  assert.deepEqual(greedy, {
    inputs: "hi",
    parameters: { max_new_tokens: 64, do_sample: false, details: true },
  });
  const sampled = buildGenerateBody("hi", {
    maxTokens: 64,
    temperature: 0.7,
    topP: 0.9,
    ignoreEos: false,
  });
  assert.deepEqual(sampled.parameters, {
    max_new_tokens: 64,
    do_sample: true,
    details: true,
    temperature: 0.7,
    top_p: 0.9,
  });
  const p = buildGenerateBody("hi", { maxTokens: 64, temperature: 0.7, topP: 1, ignoreEos: true })
    .parameters as Record<string, unknown>;
  assert.equal("top_p" in p, false, "TGI rejects top_p = 1");
  assert.equal("ignore_eos" in p, false, "TGI has no ignore_eos");
});

Deno.test("tgi infoFacts records the version and model id of /info", () => {
  const info = {
    model_id: "HuggingFaceTB/SmolLM2-360M-Instruct",
    model_sha: "2b6a5f1",
    model_pipeline_tag: "text-generation",
    max_concurrent_requests: 128,
    max_input_tokens: 3000,
    max_total_tokens: 4096,
    version: "3.3.6",
    sha: "1a2b3c4",
    docker_label: "sha-1a2b3c4",
  };
  assert.deepEqual(infoFacts(info), {
    serverVersion: "3.3.6",
    modelId: "HuggingFaceTB/SmolLM2-360M-Instruct",
    serverInfo: info,
  });
  assert.deepEqual(infoFacts({}), { serverInfo: {} });
});

// ---------------------------------------------------------------------------
// SGLang

Deno.test("sglang managed: python3 -m sglang.launch_server --model-path with every typed flag", () => {
  const l = launchOf(sglang({
    model: MODEL,
    tensorParallel: 2,
    dataParallel: 2,
    memFractionStatic: 0.8,
    quantization: "fp8",
    dtype: "bfloat16",
    contextLength: 8192,
    maxRunningRequests: 64,
    chunkedPrefillSize: 4096,
    enableRadixCache: false,
    extraArgs: ["--log-level", "warning"],
  }));
  assert.deepEqual(commandLine(l, 30000), [
    "python3",
    "-m",
    "sglang.launch_server",
    "--model-path",
    MODEL,
    "--tp-size",
    "2",
    "--dp-size",
    "2",
    "--mem-fraction-static",
    "0.8",
    "--quantization",
    "fp8",
    "--dtype",
    "bfloat16",
    "--context-length",
    "8192",
    "--max-running-requests",
    "64",
    "--chunked-prefill-size",
    "4096",
    "--disable-radix-cache",
    "--log-level",
    "warning",
    "--host",
    "127.0.0.1",
    "--port",
    "30000",
  ]);
  assert.deepEqual(l.readiness, ["/health", "/v1/models"]);
});

Deno.test("sglang: the radix cache is on unless disabled; isEmbedding serves embeddings", () => {
  assert.deepEqual(launchOf(sglang({ model: MODEL, enableRadixCache: true })).argv, [
    "python3",
    "-m",
    "sglang.launch_server",
    "--model-path",
    MODEL,
  ]);
  const e = sglang({ model: "BAAI/bge-large-en-v1.5", isEmbedding: true });
  assert.deepEqual(launchOf(e).argv.slice(-1), ["--is-embedding"]);
  assert.equal(e.describe().api, "embeddings");
  assert.equal(sglang({ model: MODEL }).describe().api, "completions");
});

Deno.test("sglang: the API key is passed as --api-key and redacted wherever the command is shown", () => {
  const l = launchOf(sglang({
    model: MODEL,
    apiKey: "sgl-secret-42",
    docker: { image: "lmsysorg/sglang:v0.5.3-cu126", args: ["--gpus", "all"] },
  }));
  assert.deepEqual(l.argv.slice(-2), ["--api-key", "sgl-secret-42"]);
  // Docker: the image has no entrypoint, so the whole launcher follows it.
  const docker = commandLine(l, 30000);
  const image = docker.indexOf("lmsysorg/sglang:v0.5.3-cu126");
  assert.deepEqual(docker.slice(image + 1, image + 6), [
    "python3",
    "-m",
    "sglang.launch_server",
    "--model-path",
    MODEL,
  ]);
  const shown = redactArgv(docker);
  assert.deepEqual(shown.slice(-6), [
    "--api-key",
    "[redacted]",
    "--host",
    "0.0.0.0",
    "--port",
    "30000",
  ]);
  assert.ok(!JSON.stringify(shown).includes("sgl-secret-42"));
  const local = launchOf(sglang({ model: MODEL, apiKey: "sgl-secret-42" }));
  assert.ok(!JSON.stringify(redactArgv(commandLine(local, 30000))).includes("sgl-secret-42"));
});

// ---------------------------------------------------------------------------
// llama.cpp

Deno.test("llamacpp managed: binary is argv[0], GGUF path and typed flags, key in LLAMA_API_KEY", () => {
  const l = launchOf(llamacpp({
    binary: "/opt/llama.cpp/build/bin/llama-server",
    model: "/models/qwen2.5-0.5b-instruct-q4_k_m.gguf",
    parallel: 4,
    ctxSize: 8192,
    threads: 8,
    gpuLayers: 0,
    embeddings: true,
    apiKey: "llama-key-5",
  }));
  assert.deepEqual(commandLine(l, 8080), [
    "/opt/llama.cpp/build/bin/llama-server",
    "--model",
    "/models/qwen2.5-0.5b-instruct-q4_k_m.gguf",
    "--parallel",
    "4",
    "--ctx-size",
    "8192",
    "--threads",
    "8",
    "--n-gpu-layers",
    "0", // CPU only: 0 is a value, not an absent field
    "--embeddings",
    "--threads-http",
    "64",
    "--host",
    "127.0.0.1",
    "--port",
    "8080",
  ]);
  assert.deepEqual(l.env, { LLAMA_API_KEY: "llama-key-5" });
  assert.deepEqual(l.secretEnv, ["LLAMA_API_KEY"]);
  assert.equal(l.engine, "llama.cpp");
  assert.equal(l.startupTimeoutMs, 300_000);
  assert.deepEqual(launchOf(llamacpp({ model: "/m.gguf" })).argv, [
    "llama-server",
    "--model",
    "/m.gguf",
    "--threads-http",
    "64",
  ]);
});

Deno.test("llamacpp propsFacts: build, model path, slots and context from /props", () => {
  const props = {
    default_generation_settings: { n_ctx: 2048, params: { n_predict: -1, temperature: 0.8 } },
    total_slots: 4,
    model_path: "/models/qwen2.5-0.5b-instruct-q4_k_m.gguf",
    chat_template: "{% for message in messages %}...",
    modalities: { vision: false, audio: false },
    build_info: "b6502-3cfbbdb4",
  };
  assert.deepEqual(propsFacts(props), {
    serverVersion: "b6502-3cfbbdb4",
    modelPath: "/models/qwen2.5-0.5b-instruct-q4_k_m.gguf",
    totalSlots: 4,
    slotContext: 2048,
  });
  assert.deepEqual(propsFacts({ total_slots: "4" }), {}, "wrong types are left out");
  assert.deepEqual(propsFacts(null), {});
});

// ---------------------------------------------------------------------------
// Connect vs managed

Deno.test("connect mode: a managed-only field beside endpoint is refused by name", () => {
  const endpoint = "http://localhost:8000";
  const cases: [string, () => unknown][] = [
    ["tensorParallel", () => vllm({ endpoint, tensorParallel: 2 })],
    ["gpuMemoryUtilization", () => vllm({ endpoint, gpuMemoryUtilization: 0.9 })],
    ["docker", () => vllm({ endpoint, docker: { image: "vllm/vllm-openai" } })],
    ["extraArgs", () => vllm({ endpoint, extraArgs: ["--seed", "0"] })],
    ["shardCount", () => tgi({ endpoint, shardCount: 2 })],
    ["port", () => tgi({ endpoint, port: 8080 })],
    ["memFractionStatic", () => sglang({ endpoint, memFractionStatic: 0.8 })],
    ["command", () => sglang({ endpoint, command: "/venv/bin/python" })],
    ["parallel", () => llamacpp({ endpoint, parallel: 4 })],
    ["binary", () => llamacpp({ endpoint, binary: "/opt/llama-server" })],
    ["env", () => llamacpp({ endpoint, env: { LLAMA_ARG_N_GPU_LAYERS: "99" } })],
  ];
  for (const [field, make] of cases) {
    throwsNaming(make, field, /absent when 'endpoint' is given/);
  }
});

Deno.test("managed mode without a model is refused naming 'model'; openai needs an endpoint", () => {
  throwsNaming(() => vllm({ tensorParallel: 2 }), "model");
  throwsNaming(() => tgi({}), "model");
  throwsNaming(() => sglang({ enableRadixCache: false }), "model");
  throwsNaming(() => llamacpp({ binary: "/opt/llama-server" }), "model");
  throwsNaming(() => openai({ model: "gpt-4o-mini" } as Parameters<typeof openai>[0]), "endpoint");
  // With an endpoint the model is optional: the server lists it.
  for (const b of [vllm, tgi, sglang, llamacpp]) {
    const backend = b({ endpoint: "http://localhost:8000" });
    assert.equal(backend.launch, undefined);
    assert.equal(backend.describe().mode, "connect");
  }
});

Deno.test("describe() gives the mode and each engine's default API", () => {
  const d = (b: Backend) => [b.describe().mode, b.describe().api];
  assert.deepEqual(d(vllm({ model: MODEL })), ["managed", "completions"]);
  assert.deepEqual(d(tgi({ model: MODEL })), ["managed", "generate"]);
  assert.deepEqual(d(tgi({ endpoint: "http://h:8080", api: "chat" })), ["connect", "chat"]);
  assert.deepEqual(d(sglang({ endpoint: "http://h:30000" })), ["connect", "completions"]);
  assert.deepEqual(d(llamacpp({ model: "/m.gguf", embeddings: true })), ["managed", "embeddings"]);
  assert.equal(openai({ endpoint: "http://h:1" }).describe().api, undefined);
});

// ---------------------------------------------------------------------------
// API key sources

const SECRET = "sk-live-9Qe2rT7yU1iO";

/** A key from each source, for every engine, in connect and managed mode. */
function everyBackend(source: Record<string, string>): Backend[] {
  const dockerFields = { docker: { image: "img:1", args: ["--gpus", "all"] } };
  return [
    openai({ endpoint: "http://h:1", ...source }),
    vllm({ endpoint: "http://h:1", ...source }),
    vllm({ model: MODEL, ...source }),
    vllm({ model: MODEL, ...source, ...dockerFields }),
    tgi({ endpoint: "http://h:1", ...source }),
    tgi({ model: MODEL, ...source }),
    tgi({ model: MODEL, ...source, ...dockerFields }),
    sglang({ endpoint: "http://h:1", ...source }),
    sglang({ model: MODEL, ...source }),
    sglang({ model: MODEL, ...source, ...dockerFields }),
    llamacpp({ endpoint: "http://h:1", ...source }),
    llamacpp({ model: "/m.gguf", ...source }),
    llamacpp({ model: "/m.gguf", ...source, ...dockerFields }),
  ];
}

function assertNoSecretShown(backends: Backend[], secret: string): void {
  for (const b of backends) {
    const d = JSON.stringify(b.describe());
    assert.ok(!d.includes(secret), `${b.kind} describe() shows the key: ${d}`);
    if (b.launch?.kind === "process") {
      const shown = JSON.stringify(redactArgv(commandLine(b.launch, 8000)));
      assert.ok(!shown.includes(secret), `${b.kind} command line shows the key: ${shown}`);
    }
  }
}

/** The key a managed backend hands its engine (env or --api-key). */
function keyGiven(b: Backend): string | undefined {
  const l = launchOf(b);
  const i = l.argv.indexOf("--api-key");
  return i >= 0 ? l.argv[i + 1] : l.secretEnv.map((k) => l.env[k])[0];
}

Deno.test("apiKey given inline: never in describe() or a shown command line", () => {
  const backends = everyBackend({ apiKey: SECRET });
  assertNoSecretShown(backends, SECRET);
  for (const b of backends) if (b.launch) assert.equal(keyGiven(b), SECRET, b.kind);
});

Deno.test("apiKeyEnv reads the variable; an unset one is refused naming 'apiKeyEnv'", () => {
  const name = `SPLLEED_TEST_KEY_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
  Deno.env.set(name, ` ${SECRET}\n`);
  try {
    const backends = everyBackend({ apiKeyEnv: name });
    for (const b of backends) if (b.launch) assert.equal(keyGiven(b), SECRET, b.kind);
    assertNoSecretShown(backends, SECRET);
    assert.equal(vllm({ endpoint: "http://h:1", apiKeyEnv: name }).describe().apiKeyEnv, name);
  } finally {
    Deno.env.delete(name);
  }
  throwsNaming(() => vllm({ model: MODEL, apiKeyEnv: name }), "apiKeyEnv", /unset or empty/);
  throwsNaming(() => openai({ endpoint: "http://h:1", apiKeyEnv: name }), "apiKeyEnv");
  Deno.env.set(name, "  ");
  try {
    throwsNaming(() => tgi({ model: MODEL, apiKeyEnv: name }), "apiKeyEnv");
  } finally {
    Deno.env.delete(name);
  }
});

Deno.test("apiKeyFile is read and trimmed; a missing or empty file is refused naming 'apiKeyFile'", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const file = `${dir}/key`;
    Deno.writeTextFileSync(file, `${SECRET}\n`);
    const backends = everyBackend({ apiKeyFile: file });
    for (const b of backends) if (b.launch) assert.equal(keyGiven(b), SECRET, b.kind);
    assertNoSecretShown(backends, SECRET);

    throwsNaming(() => sglang({ model: MODEL, apiKeyFile: `${dir}/missing` }), "apiKeyFile");
    Deno.writeTextFileSync(file, "\n");
    throwsNaming(() => llamacpp({ model: "/m.gguf", apiKeyFile: file }), "apiKeyFile", /empty/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("two key sources at once are refused, and the error does not show the key", () => {
  assert.throws(() => vllm({ model: MODEL, apiKey: SECRET, apiKeyEnv: "HOME" }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /'apiKeyEnv' must be absent when 'apiKey' is given/);
    assert.ok(!e.message.includes(SECRET));
    return true;
  });
  throwsNaming(
    () => openai({ endpoint: "http://h:1", apiKeyEnv: "HOME", apiKeyFile: "/etc/hostname" }),
    "apiKeyFile",
  );
});

Deno.test("a secret in a managed engine's env is redacted in describe()", () => {
  const b = vllm({ model: MODEL, env: { HF_TOKEN: "hf_aBcD1234", HF_HOME: "/models" } });
  assert.deepEqual(b.describe().env, { HF_TOKEN: "[redacted]", HF_HOME: "/models" });
});

Deno.test("a managed engine's recorded info never shows a secret from its env or key", async () => {
  // A tiny HTTP server stands in for the engine: it answers on the --port it is given.
  const dir = Deno.makeTempDirSync();
  const code = "const p = Deno.args[Deno.args.indexOf('--port') + 1];" +
    "Deno.serve({ port: Number(p), hostname: '127.0.0.1', onListen() {} }, () => new Response('ok'));";
  const b = vllm({
    model: MODEL,
    command: [Deno.execPath(), "eval", code],
    env: { HF_TOKEN: "hf_aBcD1234", HF_HOME: "/models" },
    apiKey: SECRET,
    startupTimeoutS: 30,
    stopGraceS: 2,
    logFile: `${dir}/engine.log`,
  });
  const server = await startProcessServer(launchOf(b), { pollMs: 50 }).catch((e) => {
    Deno.removeSync(dir, { recursive: true });
    throw e;
  });
  try {
    const info = JSON.stringify(server.info);
    assert.ok(!info.includes(SECRET), `the API key is shown: ${info}`);
    // Known to fail: startProcessServer (lib/servers/process.ts) redacts only `secretEnv`
    // (the key's variable) in info.env, while describe() redacts secret-looking names.
    assert.ok(!info.includes("hf_aBcD1234"), `a token from env is shown: ${info}`);
  } finally {
    await server.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------------------
// Registry

Deno.test("createBackend gives the same backends as the tgi, sglang and llamacpp factories", () => {
  const pairs: [Backend, Backend][] = [
    [
      createBackend({ type: "tgi", model: MODEL, shardCount: 2, apiKey: SECRET }),
      tgi({ model: MODEL, shardCount: 2, apiKey: SECRET }),
    ],
    [
      createBackend({ type: "tgi", endpoint: "http://h:8080", api: "chat" }),
      tgi({ endpoint: "http://h:8080", api: "chat" }),
    ],
    [
      createBackend({ type: "sglang", model: MODEL, enableRadixCache: false }),
      sglang({ model: MODEL, enableRadixCache: false }),
    ],
    [
      createBackend({ type: "llamacpp", model: "/m.gguf", parallel: 2, binary: "/b" }),
      llamacpp({ model: "/m.gguf", parallel: 2, binary: "/b" }),
    ],
    [
      createBackend({ type: "llamacpp", endpoint: "http://h:8080" }),
      llamacpp({ endpoint: "http://h:8080" }),
    ],
  ];
  for (const [fromData, fromFactory] of pairs) {
    assert.equal(fromData.kind, fromFactory.kind);
    assert.deepEqual(fromData.describe(), fromFactory.describe());
    assert.deepEqual(fromData.launch, fromFactory.launch);
    assert.equal(fromData.endpoint, fromFactory.endpoint);
  }
  throwsNaming(
    () => createBackend({ type: "tgi", endpoint: "http://h:8080", shardCount: 2 }),
    "shardCount",
  );
});

// ---------------------------------------------------------------------------
// Connecting, through a scripted transport

interface Route {
  status?: number;
  body: string;
}

/** Answers requests by "METHOD /path" and remembers them. */
class ScriptedTransport implements HttpTransport {
  readonly name = "scripted";
  readonly requests: {
    method: string;
    path: string;
    headers: Record<string, string>;
    body: string;
  }[] = [];
  constructor(private routes: Record<string, Route>) {}
  send(req: HttpRequest, h: ResponseHandler): Promise<number> {
    const key = `${req.method} ${req.url.pathname}`;
    this.requests.push({
      method: req.method,
      path: req.url.pathname,
      headers: req.headers,
      body: req.body ? dec.decode(req.body) : "",
    });
    const r = this.routes[key] ?? { status: 404, body: `no route for ${key}` };
    h.onHead(r.status ?? 200, new Map(), 1);
    h.onBody(enc.encode(r.body), 2);
    return Promise.resolve(3);
  }
  close(): void {}
}

const SAMPLING: Sampling = { maxTokens: 16, temperature: 0, topP: 1, ignoreEos: false };

Deno.test("tgi connect (generate): model from /info, /generate_stream with the key, TGI's counts", async () => {
  const transport = new ScriptedTransport({
    "GET /info": {
      body: JSON.stringify({ model_id: "HuggingFaceTB/SmolLM2-360M-Instruct", version: "3.3.6" }),
    },
    "POST /generate_stream": { body: fixture("tgi_generate.sse") },
  });
  const b = tgi({ endpoint: "http://localhost:8080/", apiKey: SECRET });
  const client = await b.connect({ endpoint: b.endpoint!, transport, sampling: SAMPLING });
  assert.equal(client.api, "generate");
  assert.equal(client.model, "HuggingFaceTB/SmolLM2-360M-Instruct");
  assert.equal(client.info.serverVersion, "3.3.6");
  assert.equal(client.info.endpoint, "http://localhost:8080");
  assert.deepEqual(client.warnings, []);

  const rec = newRecord(0, "measure", 0, 0, 0, 0);
  await client.send(client.prepare("The capital of France"), rec, new AbortController().signal);
  assert.equal(rec.ok, true, JSON.stringify(rec.error));
  assert.equal(rec.chunkMs.length, 8);
  assert.equal(rec.outputTokens, 9);
  assert.equal(rec.promptTokens, 7);

  const post = transport.requests.find((r) => r.method === "POST")!;
  assert.equal(post.path, "/generate_stream");
  assert.equal(post.headers.Authorization, `Bearer ${SECRET}`);
  assert.deepEqual(JSON.parse(post.body), buildGenerateBody("The capital of France", SAMPLING));
  assert.equal(transport.requests[0].headers.Authorization, `Bearer ${SECRET}`, "/info too");
});

Deno.test("tgi connect warns that ignoreEos cannot be honoured", async () => {
  const transport = new ScriptedTransport({ "GET /info": { body: "{}" } });
  const client = await tgi({ endpoint: "http://h:8080", model: "m" }).connect({
    endpoint: "http://h:8080",
    transport,
    sampling: { ...SAMPLING, ignoreEos: true },
  });
  assert.equal(client.model, "m");
  assert.match(client.warnings?.[0] ?? "", /TGI has no 'ignore_eos'/);
});

Deno.test("tgi connect fails with the endpoint and /info when TGI does not answer", async () => {
  const transport = new ScriptedTransport({ "GET /info": { status: 503, body: "loading" } });
  await assert.rejects(
    tgi({ endpoint: "http://h:8080" }).connect({
      endpoint: "http://h:8080",
      transport,
      sampling: SAMPLING,
    }),
    /Cannot reach TGI at http:\/\/h:8080\/info: HTTP 503: loading/,
  );
});

Deno.test("tgi connect (chat) uses the Messages API and reads TGI's chunks", async () => {
  const transport = new ScriptedTransport({
    "GET /v1/models": { body: JSON.stringify({ object: "list", data: [{ id: "tgi" }] }) },
    "GET /info": { body: JSON.stringify({ version: "3.3.6" }) },
    "POST /v1/chat/completions": { body: fixture("tgi_messages.sse") },
  });
  const client = await tgi({ endpoint: "http://h:8080", api: "chat" }).connect({
    endpoint: "http://h:8080",
    transport,
    sampling: SAMPLING,
  });
  assert.equal(client.api, "chat");
  assert.equal(client.model, "tgi");
  assert.equal(client.info.serverVersion, "3.3.6");
  const rec = newRecord(0, "measure", 0, 0, 0, 0);
  await client.send(client.prepare("hi"), rec, new AbortController().signal);
  assert.equal(rec.ok, true, JSON.stringify(rec.error));
  assert.equal(rec.outputTokens, 5);
  assert.equal(rec.promptTokens, 31);
});

Deno.test("sglang connect records /get_server_info and reads its completions stream", async () => {
  const serverInfo = { version: "0.5.3", tp_size: 1, model_path: "Qwen/Qwen2.5-0.5B-Instruct" };
  const transport = new ScriptedTransport({
    "GET /v1/models": {
      body: JSON.stringify({ object: "list", data: [{ id: "Qwen/Qwen2.5-0.5B-Instruct" }] }),
    },
    "GET /get_server_info": { body: JSON.stringify(serverInfo) },
    "POST /v1/completions": { body: fixture("sglang_completions.sse") },
  });
  const client = await sglang({ endpoint: "http://h:30000/v1" }).connect({
    endpoint: "http://h:30000/v1",
    transport,
    sampling: SAMPLING,
  });
  assert.equal(client.model, "Qwen/Qwen2.5-0.5B-Instruct");
  assert.equal(client.info.serverVersion, "0.5.3");
  assert.deepEqual(client.info.serverInfo, serverInfo);
  const rec = newRecord(0, "measure", 0, 0, 0, 0);
  await client.send(client.prepare("The capital of France is"), rec, new AbortController().signal);
  assert.equal(rec.ok, true, JSON.stringify(rec.error));
  assert.equal(rec.outputTokens, 4);
  assert.equal(transport.requests.at(-1)?.path, "/v1/completions");
});

Deno.test("llamacpp managed connects with the model the server lists, not the GGUF path", async () => {
  const transport = new ScriptedTransport({
    "GET /v1/models": {
      body: JSON.stringify({ object: "list", data: [{ id: "qwen2.5-0.5b-instruct-q4_k_m.gguf" }] }),
    },
    "GET /props": {
      body: JSON.stringify({ build_info: "b6502-3cfbbdb4", total_slots: 4 }),
    },
  });
  const b = llamacpp({ model: "/models/qwen2.5-0.5b-instruct-q4_k_m.gguf" });
  const client = await b.connect({
    endpoint: "http://127.0.0.1:8080",
    transport,
    sampling: SAMPLING,
  });
  assert.equal(client.model, "qwen2.5-0.5b-instruct-q4_k_m.gguf");
  assert.equal(client.info.serverVersion, "b6502-3cfbbdb4");
  assert.equal(client.info.totalSlots, 4);
  assert.equal(
    JSON.parse(dec.decode(client.prepare("hi").body)).model,
    "qwen2.5-0.5b-instruct-q4_k_m.gguf",
  );
});
