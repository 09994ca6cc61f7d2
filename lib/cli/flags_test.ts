import assert from "node:assert/strict";
import { ConfigError } from "../config/errors.ts";
import { Command } from "npm:commander@^15.1.0";
import {
  addBackendFlags,
  backendOptionsFrom,
  parseFaults,
  parseNumber,
  parseNumberList,
  parseSlo,
} from "./flags.ts";

Deno.test("parseNumberList() splits on commas, trims, and skips empty items", () => {
  assert.deepEqual(parseNumberList("1,2,4"), [1, 2, 4]);
  assert.deepEqual(parseNumberList(" 1 , 8,, 16 ,"), [1, 8, 16]);
  assert.deepEqual(parseNumberList("0.5"), [0.5]);
  assert.deepEqual(parseNumberList(""), []);
});

Deno.test("parseNumberList() keeps a non-number as NaN for the schema to report", () => {
  const r = parseNumberList("1,two,3");
  assert.equal(r.length, 3);
  assert.equal(r[0], 1);
  assert.ok(Number.isNaN(r[1]));
  assert.equal(r[2], 3);
});

Deno.test("parseNumber() converts numbers and gives NaN for empty or bad text", () => {
  assert.equal(parseNumber("0.95"), 0.95);
  assert.equal(parseNumber(" 10 "), 10);
  assert.equal(parseNumber("1e3"), 1000);
  // Number("") is 0; an empty flag must not silently become 0.
  assert.ok(Number.isNaN(parseNumber("")));
  assert.ok(Number.isNaN(parseNumber("   ")));
  assert.ok(Number.isNaN(parseNumber("ten")));
});

Deno.test("parseSlo() maps keys and their aliases to SLO fields", () => {
  assert.deepEqual(parseSlo("ttft_ms=200,tpot_ms=50,e2e_ms=5000"), {
    ttftMs: 200,
    tpotMs: 50,
    e2eMs: 5000,
  });
  assert.deepEqual(parseSlo("ttft=200, tpot=12.5 ,e2e=900"), {
    ttftMs: 200,
    tpotMs: 12.5,
    e2eMs: 900,
  });
  assert.deepEqual(parseSlo("TTFT_MS=100"), { ttftMs: 100 });
  assert.deepEqual(parseSlo("ttft = 150"), { ttftMs: 150 });
  assert.deepEqual(parseSlo(""), {});
});

Deno.test("parseSlo() leaves a bad value as NaN for the schema to report", () => {
  const r = parseSlo("ttft_ms=");
  assert.ok(Number.isNaN(r.ttftMs));
});

Deno.test("parseSlo() throws ConfigError for an unknown key or an item without '='", () => {
  for (const value of ["latency_ms=100", "ttft_ms=100,itl_ms=5", "ttft_ms"]) {
    assert.throws(() => parseSlo(value), (err: unknown) => {
      assert.ok(err instanceof ConfigError, `${value}: ${err}`);
      assert.equal(err.issues[0].path, "--slo");
      assert.match(err.issues[0].expected, /ttft_ms, tpot_ms, e2e_ms/);
      assert.match(err.message, /^Cannot start benchmark: '--slo' must be/);
      return true;
    });
  }
  // The offending item is quoted in the message.
  assert.throws(() => parseSlo("ttft_ms=100,itl_ms=5"), /got "itl_ms=5"/);
});

Deno.test("parseFaults() parses every fault kind", () => {
  assert.deepEqual(parseFaults("http500=0.1,http429=0.05,drop=0.1:5,stall=0.2:500,seed=7"), {
    http500: 0.1,
    http429: 0.05,
    drop: { probability: 0.1, afterTokens: 5 },
    stall: { probability: 0.2, ms: 500 },
    seed: 7,
  });
  assert.deepEqual(parseFaults(" http500=1 , "), { http500: 1 });
  assert.deepEqual(parseFaults(""), {});
});

Deno.test("parseFaults() throws ConfigError for a malformed item", () => {
  const bad = [
    "drop=0.1", // drop needs probability:afterTokens
    "stall=0.1", // stall needs probability:ms
    "http500=0.1:3", // http500 takes one number
    "seed=7:1",
    "timeout=0.1", // unknown kind
    "http500=abc",
    "http500=-0.1",
    "http500",
    "http500=0.1,drop=0.2", // one bad item in a list
  ];
  for (const value of bad) {
    assert.throws(() => parseFaults(value), (err: unknown) => {
      assert.ok(err instanceof ConfigError, `${value}: ${err}`);
      assert.equal(err.issues[0].path, "--faults");
      assert.match(err.message, /^Cannot start simulator: '--faults' must be a list like/);
      return true;
    }, value);
  }
  assert.throws(() => parseFaults("http500=0.1,drop=0.2"), /got "drop=0.2"/);
});

function parsedBackendFlags(args: string[]): Record<string, unknown> {
  const cmd = addBackendFlags(new Command().exitOverride().configureOutput({ writeErr: () => {} }));
  cmd.parse(args, { from: "user" });
  return backendOptionsFrom(cmd);
}

Deno.test("backend flags convert by their field's type: number, words, pairs, JSON, nested docker", () => {
  assert.deepEqual(
    parsedBackendFlags([
      "--tensor-parallel",
      "2",
      "--gpu-memory-utilization",
      "0.9",
      "--extra-args",
      `--seed 1 --name 'a b'`,
      "--command",
      "/venv/bin/vllm serve",
      "--engine-env",
      "CUDA_VISIBLE_DEVICES=0,1",
      "--engine-env",
      "HF_HOME=/hf",
      "--speculative-config",
      '{"method":"ngram","num_speculative_tokens":4}',
      "--docker-image",
      "vllm/vllm-openai:v0.11.0",
      "--docker-args",
      "--gpus all",
      "--api-key-env",
      "MY_KEY",
    ]),
    {
      apiKeyEnv: "MY_KEY",
      command: ["/venv/bin/vllm", "serve"],
      extraArgs: ["--seed", "1", "--name", "a b"],
      env: { CUDA_VISIBLE_DEVICES: "0,1", HF_HOME: "/hf" },
      docker: { image: "vllm/vllm-openai:v0.11.0", args: ["--gpus", "all"] },
      tensorParallel: 2,
      gpuMemoryUtilization: 0.9,
      speculativeConfig: { method: "ngram", num_speculative_tokens: 4 },
    },
  );
});

Deno.test("boolean backend flags: --x / --no-x pairs, a lone off flag, and nothing when not given", () => {
  assert.deepEqual(parsedBackendFlags([]), {});
  assert.deepEqual(parsedBackendFlags(["--enable-prefix-caching", "--no-enable-chunked-prefill"]), {
    enablePrefixCaching: true,
    enableChunkedPrefill: false,
  });
  assert.deepEqual(parsedBackendFlags(["--disable-radix-cache", "--is-embedding"]), {
    enableRadixCache: false,
    isEmbedding: true,
  });
  // The last of a pair wins, as on any command line.
  assert.deepEqual(parsedBackendFlags(["--enable-prefix-caching", "--no-enable-prefix-caching"]), {
    enablePrefixCaching: false,
  });
});

Deno.test("a bad number stays NaN for the schema; bad pairs and JSON are ConfigErrors naming the flag", () => {
  assert.ok(Number.isNaN(parsedBackendFlags(["--port", "http"]).port));
  assert.throws(() => parsedBackendFlags(["--header", "X-Trace"]), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.message, `Cannot start benchmark: '--header' must be name=value, got "X-Trace"`);
    return true;
  });
  assert.throws(
    () => parsedBackendFlags(["--speculative-config", "{method: ngram}"]),
    /'--speculative-config' must be JSON, got "\{method: ngram\}"/,
  );
});
