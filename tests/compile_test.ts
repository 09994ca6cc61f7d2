/**
 * The one-binary way to get splleed: `deno task compile` must embed every
 * module that is started as a worker (`deno compile` only follows static
 * imports; a worker's main module is found at run time), and, when a
 * `denort` runtime is at hand (`DENORT_BIN`), the compiled binary answers
 * `--help` and runs a short demo.
 */

import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { demoCommand } from "../lib/cli/commands/demo.ts";
import { memoryIO } from "../lib/cli/memory_io.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** The compile task's arguments, split on spaces (the task has no quoting). */
async function compileTaskArgs(): Promise<string[]> {
  const meta = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const task = meta.tasks?.compile;
  assert.equal(typeof task, "string", "deno.json has no 'compile' task");
  return (task as string).split(/\s+/).filter((a) => a !== "");
}

/** What the compile task passes to `--include`, as paths relative to the repository. */
function includes(args: string[]): string[] {
  const out: string[] = [];
  args.forEach((a, i) => {
    if (a === "--include" && args[i + 1] !== undefined) out.push(args[i + 1]);
    else if (a.startsWith("--include=")) out.push(a.slice("--include=".length));
  });
  return out.map((p) => p.replace(/^\.\//, "").replace(/\/$/, ""));
}

/** Every TypeScript source file under a folder, tests left out. */
async function* sources(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) yield* sources(path);
    else if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) yield path;
  }
}

const WORKER = /new\s+Worker\(\s*new\s+URL\(\s*["'`]([^"'`]+)["'`]\s*,\s*import\.meta\.url\s*\)/g;

/** The worker modules started from `lib/`, relative to the repository. */
async function workerTargets(): Promise<{ target: string; from: string }[]> {
  const found: { target: string; from: string }[] = [];
  for await (const file of sources(join(ROOT, "lib"))) {
    const text = await Deno.readTextFile(file);
    const starts = text.match(/new\s+Worker\(/g)?.length ?? 0;
    const checkable = [...text.matchAll(WORKER)].length;
    assert.equal(
      starts,
      checkable,
      `${relative(ROOT, file)} starts a worker in a way this test cannot follow: write ` +
        'new Worker(new URL("./x.ts", import.meta.url), ...) so the compile task can be checked',
    );
    for (const m of text.matchAll(WORKER)) {
      const url = new URL(m[1], `file://${file}`);
      found.push({ target: relative(ROOT, url.pathname), from: relative(ROOT, file) });
    }
  }
  return found;
}

Deno.test("compile task: --include names every worker module started from lib/", async () => {
  const targets = await workerTargets();
  // The two known today; a scan that found none would check nothing.
  assert.ok(
    targets.some((t) => t.target === "lib/sim/_worker.ts") &&
      targets.some((t) => t.target === "lib/runner/_workload_worker.ts"),
    `expected the scan to find lib/sim/_worker.ts and lib/runner/_workload_worker.ts, got ${
      JSON.stringify(targets.map((t) => t.target))
    }`,
  );
  const included = includes(await compileTaskArgs());
  const missing = targets.filter((t) =>
    !included.some((inc) => t.target === inc || t.target.startsWith(inc + "/"))
  );
  assert.deepEqual(
    missing.map((t) => `${t.target} (started in ${t.from})`),
    [],
    `the compile task in deno.json must --include every worker module; it includes ${
      JSON.stringify(included)
    }`,
  );
  for (const t of targets) {
    const stat = await Deno.stat(join(ROOT, t.target));
    assert.ok(stat.isFile, `${t.target} (started in ${t.from}) is not a file`);
  }
});

Deno.test("README: the release builds --include every worker module too", async () => {
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const block = readme.match(/```sh\n\s*(for t in [^`]*deno compile[^`]*)```/);
  assert.ok(block, "README.md has no release loop (for t in ...; deno compile ...)");
  for (const t of await workerTargets()) {
    assert.ok(
      block[1].includes(`--include ${t.target}`),
      `README.md's release loop must --include ${t.target} (started in ${t.from})`,
    );
  }
});

Deno.test("demo: under deno, the next-step hint names the deno task", async () => {
  const dir = await Deno.makeTempDir({ prefix: "splleed_hint_" });
  try {
    const io = memoryIO();
    assert.equal(await demoCommand({ runs: 4, trials: 1, outDir: dir }, io), 0, io.stderr);
    assert.match(io.stderr, /next: `deno task splleed run --endpoint /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const DENORT_BIN = Deno.env.get("DENORT_BIN");

Deno.test({
  name: DENORT_BIN
    ? "compiled binary: --help and a short demo"
    : "compiled binary: --help and a short demo (skipped: DENORT_BIN is not set, and deno compile cannot download denort without network)",
  ignore: !DENORT_BIN,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "splleed_compile_" });
    try {
      const args = await compileTaskArgs();
      assert.equal(args[0], "deno");
      const out = args.indexOf("--output");
      assert.ok(out > 0, `the compile task has no --output: ${args.join(" ")}`);
      const bin = join(tmp, Deno.build.os === "windows" ? "splleed.exe" : "splleed");
      const compileArgs = [...args.slice(1, out), "--output", bin, ...args.slice(out + 2)];
      const compiled = await new Deno.Command(Deno.execPath(), {
        args: compileArgs,
        cwd: ROOT,
        env: { DENORT_BIN: DENORT_BIN! },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dec = new TextDecoder();
      assert.equal(compiled.code, 0, `deno compile failed:\n${dec.decode(compiled.stderr)}`);

      const help = await new Deno.Command(bin, {
        args: ["--help"],
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const helpText = dec.decode(help.stdout) + dec.decode(help.stderr);
      assert.equal(help.code, 0, `splleed --help exited ${help.code}:\n${helpText}`);
      assert.match(helpText, /demo/);

      const meta = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
      const version = await new Deno.Command(bin, { args: ["--version"], stdout: "piped" })
        .output();
      assert.equal(dec.decode(version.stdout).trim(), meta.version);

      const outDir = join(tmp, "demo");
      const demo = await new Deno.Command(bin, {
        args: ["demo", "--runs", "4", "--trials", "1", "--out-dir", outDir],
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const demoErr = dec.decode(demo.stderr);
      assert.equal(demo.code, 0, `splleed demo exited ${demo.code}:\n${demoErr}`);
      const doc = JSON.parse(await Deno.readTextFile(join(outDir, "results.json")));
      assert.ok(typeof doc === "object" && doc !== null, "results.json is not a JSON object");
      // Inside a binary the hint names the binary, not the deno task.
      assert.doesNotMatch(demoErr, /deno task/);
      assert.match(demoErr, /next: `splleed run /);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
