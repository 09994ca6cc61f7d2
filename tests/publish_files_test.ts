/**
 * What JSR would receive: `deno publish --dry-run` (offline) lists the files
 * it would upload. The package ships its licence, its entry points and the
 * worker modules, and none of the tests, fixtures, benchmarks, examples or
 * developer scripts. (Slow types and type checking are checked elsewhere; this
 * test passes `--allow-slow-types --no-check` to read the file list alone.)
 */

import assert from "node:assert/strict";
import { join, relative } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;

async function publishedFiles(): Promise<string[]> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["publish", "--dry-run", "--allow-dirty", "--no-check", "--allow-slow-types"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  assert.equal(r.code, 0, `deno publish --dry-run failed:\n${text}`);
  return [...text.matchAll(/^\s*(file:\/\/\S+)/gm)].map((m) =>
    relative(ROOT, new URL(m[1]).pathname)
  );
}

Deno.test("publish: ships the licence, the entry points and the workers, no tests or fixtures", async () => {
  const meta = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  assert.equal(meta.license, "MIT");
  assert.match(await Deno.readTextFile(join(ROOT, "LICENSE")), /^MIT License\n/);

  const files = await publishedFiles();
  assert.ok(files.length > 0, "deno publish --dry-run listed no files");
  const exported = Object.values(meta.exports as Record<string, string>)
    .map((p) => p.replace(/^\.\//, ""));
  for (const want of ["LICENSE", "README.md", ...exported, "lib/sim/_worker.ts"]) {
    assert.ok(files.includes(want), `expected ${want} among the published files`);
  }
  assert.ok(files.includes("lib/runner/_workload_worker.ts"));
  const unwanted = files.filter((f) =>
    /_test\.ts$|_test_helpers\.ts$|(^|\/)testdata\/|^(tests|bench|examples|scripts|\.ci|dist|splleed-demo)\//
      .test(f)
  );
  assert.deepEqual(unwanted, [], "files that JSR users do not need are published");
});
