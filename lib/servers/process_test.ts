import assert from "node:assert/strict";
import { copyToLog, startProcessServer } from "./process.ts";

const enc = new TextEncoder();

Deno.test("copyToLog: a secret split across reads is redacted; lines are written whole, the rest at the end", async () => {
  const parts = [
    "INFO args: --api-key sk-split-Zq81b",
    "Xr7Vn2Lm5\r\nprogress 10%\rprogress 20%",
    "\nno newline at the end: Bearer abc-123",
  ];
  const writes: string[] = [];
  await copyToLog(ReadableStream.from(parts.map((p) => enc.encode(p))), (t) => writes.push(t));
  const log = writes.join("");
  assert.doesNotMatch(log, /Zq81b|Xr7Vn2Lm5|abc-123/);
  assert.equal(
    log,
    "INFO args: --api-key [redacted]\r\nprogress 10%\rprogress 20%\nno newline at the end: Bearer [redacted]",
  );
  // Lines were written as their ends arrived, not held to the end.
  assert.equal(writes[0], "INFO args: --api-key [redacted]\r\nprogress 10%\r");
});

Deno.test("copyToLog: a UTF-8 character split across reads survives", async () => {
  const bytes = enc.encode("é ok\n");
  const writes: string[] = [];
  await copyToLog(ReadableStream.from([bytes.slice(0, 1), bytes.slice(1)]), (t) => writes.push(t));
  assert.equal(writes.join(""), "é ok\n");
});

Deno.test({
  name: "a managed engine that prints its arguments and environment: the key never reaches its log",
  sanitizeResources: false,
  async fn() {
    const key = "engine-key-Zq81bXr7Vn2Lm5";
    const token = "hf_tokenvalueZq81bXr7Vn2Lm5abcd";
    // Prints its arguments and HF_TOKEN, as an engine's start-up banner might, then serves.
    const code = "console.log('args:', JSON.stringify(Deno.args));" +
      "console.error('env HF_TOKEN=' + Deno.env.get('HF_TOKEN'));" +
      "const p = Deno.args[Deno.args.indexOf('--port') + 1];" +
      "Deno.serve({ port: Number(p), onListen() {} }, () => new Response('ok'));";
    const s = await startProcessServer({
      kind: "process",
      engine: "tiny",
      argv: [Deno.execPath(), "eval", code, "--api-key", key],
      dockerArgv: [],
      hostFlag: "--host",
      portFlag: "--port",
      host: "127.0.0.1",
      env: { HF_TOKEN: token },
      secretEnv: [],
      readiness: ["/health"],
      startupTimeoutMs: 20_000,
      stopGraceMs: 2_000,
    });
    await s.stop();
    const log = await Deno.readTextFile(s.logFile);
    try {
      assert.doesNotMatch(log, /Zq81bXr7Vn2Lm5/, log);
      assert.match(log, /args: .*"--api-key","\[redacted\]"/);
      assert.match(log, /env HF_TOKEN=\[redacted\]/);
      assert.doesNotMatch(JSON.stringify(s.info), /Zq81bXr7Vn2Lm5/);
    } finally {
      await Deno.remove(s.logFile);
    }
  },
});
