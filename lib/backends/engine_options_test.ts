/**
 * Every engine option declared in `lib/config/backends.ts` reaches the
 * engine's managed command line: the argv is generated from the
 * declarations, so an option with an `arg` that no engine writes is a bug.
 */

import assert from "node:assert/strict";
import {
  BACKEND_CONFIG_SCHEMAS,
  BACKEND_TYPES,
  declaredOptions,
  type FlagKind,
} from "../config/backends.ts";
import type { ProcessLaunch } from "../config/launch.ts";
import { createBackend } from "./registry.ts";

/** A valid value of each kind (numbers within every engine option's range). */
const SAMPLE: Record<FlagKind, unknown> = {
  number: 1,
  string: "x",
  boolean: true,
  json: { method: "ngram" },
  args: ["a"],
  pairs: { K: "v" },
};

function managedArgv(type: string, fields: Record<string, unknown>): string[] {
  const b = createBackend({ type, model: "m", ...fields } as never);
  assert.equal(b.launch?.kind, "process", `${type} is managed without an endpoint`);
  return (b.launch as ProcessLaunch).argv;
}

Deno.test("every option with an engine argument appears in that engine's managed argv", () => {
  let checked = 0;
  for (const type of BACKEND_TYPES) {
    for (const o of declaredOptions(BACKEND_CONFIG_SCHEMAS[type])) {
      if (o.path.length !== 1) continue;
      const [field] = o.path;
      if (o.meta.arg !== undefined) {
        const value = SAMPLE[o.kind];
        const argv = managedArgv(type, { [field]: value });
        const i = argv.indexOf(o.meta.arg);
        assert.ok(i > 0, `${type}.${field}: ${o.meta.arg} missing from ${JSON.stringify(argv)}`);
        if (o.kind !== "boolean") {
          const written = typeof value === "object" ? JSON.stringify(value) : String(value);
          assert.equal(argv[i + 1], written, `${type}.${field}: value after ${o.meta.arg}`);
        }
        checked++;
      }
      if (o.meta.argOff !== undefined) {
        const argv = managedArgv(type, { [field]: false });
        assert.ok(argv.includes(o.meta.argOff), `${type}.${field}: false writes ${o.meta.argOff}`);
        if (o.meta.arg !== undefined) assert.ok(!argv.includes(o.meta.arg));
        checked++;
      }
    }
  }
  // vllm 10 (+2 off forms), tgi 5, sglang 10 (radix only off), llamacpp 7 (metrics, threadsHttp included)
  assert.equal(checked, 34);
});

Deno.test("an absent option writes nothing; false without an off form writes nothing", () => {
  // llama.cpp's HTTP threads are the one default splleed sets (see llamacpp()).
  const threads = ["--threads-http", "64"];
  assert.deepEqual(managedArgv("llamacpp", {}), ["llama-server", "--model", "m", ...threads]);
  assert.deepEqual(managedArgv("llamacpp", { embeddings: false }), [
    "llama-server",
    "--model",
    "m",
    ...threads,
  ]);
  // Given, by the field or in extraArgs, it is not added again.
  assert.deepEqual(managedArgv("llamacpp", { threadsHttp: 8 }), [
    "llama-server",
    "--model",
    "m",
    "--threads-http",
    "8",
  ]);
  assert.deepEqual(managedArgv("llamacpp", { extraArgs: ["--threads-http=16"] }), [
    "llama-server",
    "--model",
    "m",
    "--threads-http=16",
  ]);
  assert.deepEqual(managedArgv("sglang", { isEmbedding: false, enableRadixCache: true }), [
    "python3",
    "-m",
    "sglang.launch_server",
    "--model-path",
    "m",
  ]);
});

Deno.test("a shared flag maps to each engine's own argument", () => {
  assert.deepEqual(managedArgv("vllm", { tensorParallel: 4 }).slice(-2), [
    "--tensor-parallel-size",
    "4",
  ]);
  assert.deepEqual(managedArgv("sglang", { tensorParallel: 4 }).slice(-2), ["--tp-size", "4"]);
});
