/**
 * splleed runs from a URL: a script that imports `mod.ts` over HTTP, with no
 * configuration of its own (no deno.json, no import map), benchmarks the
 * simulator, and `cli.ts` runs from its URL. The checkout is served on a
 * loopback port with TypeScript content types, as a static host would.
 */

import assert from "node:assert/strict";
import { extname, join, normalize } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;

const TYPES: Record<string, string> = {
  ".ts": "application/typescript; charset=utf-8",
  ".json": "application/json",
  ".js": "text/javascript",
};

function serveCheckout(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = normalize(decodeURIComponent(new URL(req.url).pathname));
    if (path.includes("..")) return new Response("forbidden", { status: 403 });
    try {
      const body = await Deno.readFile(join(ROOT, path));
      return new Response(body, {
        headers: { "content-type": TYPES[extname(path)] ?? "text/plain" },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

async function denoIn(cwd: string, args: string[]): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

Deno.test("a script imports splleed from a URL and benchmarks the simulator; cli.ts --help runs from its URL", async () => {
  const server = serveCheckout();
  const base = `http://127.0.0.1:${server.addr.port}`;
  const dir = await Deno.makeTempDir({ prefix: "splleed-url-" });
  try {
    await Deno.writeTextFile(
      join(dir, "bench.ts"),
      `import { benchmark, simulator } from "${base}/mod.ts";
const r = await benchmark({
  backend: simulator({ ttftMs: 2, itlMs: 1 }),
  prompts: ["Hello"], concurrency: [1], warmup: 0, runs: 3, trials: 1, records: false,
  sampling: { maxTokens: 3 },
});
console.log("completed=" + r.levels[0].summary.requests_completed.value);
`,
    );
    const script = await denoIn(dir, ["run", "-A", "--no-lock", "bench.ts"]);
    assert.equal(script.code, 0, script.out);
    assert.match(script.out, /completed=3/);

    const help = await denoIn(dir, ["run", "-A", "--no-lock", `${base}/cli.ts`, "--help"]);
    assert.equal(help.code, 0, help.out);
    assert.match(help.out, /Usage: splleed/);
    assert.match(help.out, /run \[options\] \[config\]/);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
