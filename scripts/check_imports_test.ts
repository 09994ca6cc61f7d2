import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { checkTree, formatProblem, type Problem, type RuleId, run } from "./check_imports.ts";

/**
 * A small project that keeps every rule: stages importing only what their
 * rows allow, a private file used inside its folder, a test that wires
 * across folders, Deno used only inside functions and types, JSDoc
 * examples, one version of each npm package, a mod.ts of named re-exports
 * and a cli.ts whose only top-level work is its `import.meta.main` line.
 */
const CLEAN: Readonly<Record<string, string>> = {
  "mod.ts": [
    "/** The package. @module */",
    'export { benchmark } from "./lib/runner/benchmark.ts";',
    'export type { Options } from "./lib/runner/benchmark.ts";',
  ].join("\n"),
  "cli.ts": [
    'import { main } from "./lib/cli/main.ts";',
    "const encoder = new TextEncoder();",
    "function out(s: string): void {",
    "  Deno.stdout.writeSync(encoder.encode(s));",
    "}",
    "if (import.meta.main) Deno.exit(await main(Deno.args, out));",
  ].join("\n"),
  "lib/version.ts": [
    'import meta from "../deno.json" with { type: "json" };',
    "export const VERSION: string = meta.version;",
  ].join("\n"),
  "lib/util/bytes.ts": "export const EMPTY = new Uint8Array(0);\n",
  "lib/config/schema.ts": [
    'import { z } from "npm:zod@^4.6.7";',
    'import { EMPTY } from "../util/bytes.ts";',
    "export const schema = z.object({ n: z.number() });",
    "export const empty = EMPTY;",
  ].join("\n"),
  "lib/config/errors.ts": [
    'import type { z } from "npm:zod@^4.6.7";',
    "export type Schema = z.ZodType;",
  ].join("\n"),
  "lib/stats/quantile.ts": [
    "/**",
    " * The median.",
    " *",
    " * @example",
    " * ```ts",
    ' * import { median } from "./quantile.ts";',
    ' * import assert from "node:assert/strict";',
    " * assert.equal(median([1, 2, 3]), 2);",
    " * ```",
    " */",
    "export function median(xs: number[]): number {",
    "  return [...xs].sort((a, b) => a - b)[xs.length >> 1];",
    "}",
  ].join("\n"),
  "lib/metrics/ids.ts": [
    'import { median } from "../stats/quantile.ts";',
    'export const METRIC_IDS = ["ttft_p50_ms"] as const;',
    "export const mid = median;",
  ].join("\n"),
  "lib/results/document.ts": [
    'import type { METRIC_IDS } from "../metrics/ids.ts";',
    "export interface Doc { ids: typeof METRIC_IDS }",
  ].join("\n"),
  "lib/report/table.ts": [
    'import type { Doc } from "../results/document.ts";',
    'import { METRIC_IDS } from "../metrics/ids.ts";',
    "// A comment that mentions Deno.writeTextFile() and console.log is not a call.",
    'const NOTE = "await Deno.exit(1); console.log(x)";',
    "export function render(d: Doc): string {",
    '  return `${METRIC_IDS.join(",")} ${d.ids.length} ${NOTE}`;',
    "}",
  ].join("\n"),
  "lib/http/_parse.ts": "export const CRLF = 0x0d0a;\n",
  "lib/http/transport.ts": [
    'import { CRLF } from "./_parse.ts";',
    "export const crlf = CRLF;",
  ].join("\n"),
  "lib/backends/backend.ts": "export interface Backend { kind: string }\n",
  "lib/backends/_sse.ts": "export const DATA = 'data:';\n",
  "lib/backends/openai.ts": [
    'import type { Backend } from "./backend.ts";',
    'import { DATA } from "./_sse.ts";',
    'import { crlf } from "../http/transport.ts";',
    "export const openai = (): Backend => ({ kind: DATA + crlf });",
  ].join("\n"),
  "lib/backends/registry.ts": [
    'import { openai } from "./openai.ts";',
    "export const createBackend = openai;",
  ].join("\n"),
  "lib/backends/openai_test.ts": [
    'import { DATA } from "./_sse.ts";',
    'import { serve } from "../sim/server.ts";',
    "Deno.test('x', () => void [DATA, serve]);",
  ].join("\n"),
  "lib/sim/server.ts": [
    'import { crlf } from "../http/transport.ts";',
    "/** Types use Deno freely: */",
    'export const SIGNALS: Deno.Signal[] = ["SIGINT"];',
    "export function serve(): Deno.HttpServer {",
    "  return Deno.serve({ port: 0 }, () => new Response(String(crlf)));",
    "}",
    "export class Server {",
    "  #timer = setTimeout(() => {}, 1);",
    "  async stop(): Promise<void> { await Deno.remove('x'); }",
    "}",
    "export const start = async () => await new Worker(new URL('./_worker.ts', import.meta.url));",
  ].join("\n"),
  "lib/sim/_worker.ts": "export const W = 1;\n",
  "lib/runner/benchmark.ts": [
    'import { createBackend } from "../backends/registry.ts";',
    'import type { Backend } from "../backends/backend.ts";',
    'import { serve } from "../sim/server.ts";',
    'import { render } from "../report/table.ts";',
    "export interface Options { backend?: Backend }",
    "export async function benchmark(o: Options): Promise<string> {",
    "  await Promise.resolve([createBackend, serve, o]);",
    '  return render({ ids: ["ttft_p50_ms"] });',
    "}",
  ].join("\n"),
  "lib/cli/main.ts": [
    'import { benchmark } from "../runner/benchmark.ts";',
    'import { VERSION } from "../version.ts";',
    "export async function main(args: string[], out: (s: string) => void): Promise<number> {",
    "  out(await benchmark({}) + VERSION + args.length);",
    "  return 0;",
    "}",
  ].join("\n"),
  "tests/_helpers.ts":
    "export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));\n",
  "tests/cli_test.ts": [
    'import { delay } from "./_helpers.ts";',
    'import { main } from "../cli.ts";',
    "Deno.test('cli', async () => void [await delay(1), main]);",
  ].join("\n"),
};

function writeTree(files: Readonly<Record<string, string>>): string {
  const root = Deno.makeTempDirSync({ prefix: "check_imports_" });
  Deno.writeTextFileSync(join(root, "deno.json"), '{ "version": "0.0.0" }\n');
  for (const [rel, text] of Object.entries(files)) {
    Deno.mkdirSync(dirname(join(root, rel)), { recursive: true });
    Deno.writeTextFileSync(join(root, rel), text);
  }
  return root;
}

/** Problems of the clean tree with some files replaced (or added). */
function check(changes: Readonly<Record<string, string>>): Problem[] {
  const root = writeTree({ ...CLEAN, ...changes });
  try {
    return checkTree(root);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
}

/** Asserts that exactly one problem is found, of this rule, in this file and line. */
function assertOne(
  changes: Readonly<Record<string, string>>,
  expected: { rule: RuleId; file: string; line?: number; message?: RegExp },
): Problem {
  const problems = check(changes);
  assert.equal(
    problems.length,
    1,
    `expected one ${expected.rule} problem, got:\n${problems.map(formatProblem).join("\n")}`,
  );
  const p = problems[0];
  assert.equal(p.rule, expected.rule, formatProblem(p));
  assert.equal(p.file, expected.file, formatProblem(p));
  if (expected.line !== undefined) assert.equal(p.line, expected.line, formatProblem(p));
  if (expected.message) assert.match(p.message, expected.message);
  // The printed line names the file and the rule.
  assert.ok(formatProblem(p).startsWith(`${expected.file}:${p.line}: [${expected.rule}] `));
  return p;
}

Deno.test("a tree that keeps every rule passes", () => {
  assert.deepEqual(check({}).map(formatProblem), []);
});

Deno.test("stats/ importing metrics/ is reported, type-only imports included", () => {
  assertOne({ "lib/stats/bad.ts": 'import { METRIC_IDS } from "../metrics/ids.ts";\n' }, {
    rule: "folder-imports",
    file: "lib/stats/bad.ts",
    line: 1,
    message: /imports lib\/metrics\/ids\.ts, but lib\/stats may import only nothing else/,
  });
  assertOne({ "lib/stats/bad.ts": 'import type { Doc } from "../results/document.ts";\n' }, {
    rule: "folder-imports",
    file: "lib/stats/bad.ts",
  });
  // A re-export is an import too, and so is a multi-line one on its last line.
  assertOne({ "lib/stats/bad.ts": 'export {\n  METRIC_IDS,\n} from "../metrics/ids.ts";\n' }, {
    rule: "folder-imports",
    file: "lib/stats/bad.ts",
    line: 3,
  });
});

Deno.test("report/ importing workload/ is reported", () => {
  assertOne({
    "lib/workload/fingerprint.ts": "export const fingerprint = () => 'f';\n",
    "lib/report/fp.ts":
      'import { fingerprint } from "../workload/fingerprint.ts";\nexport const f = fingerprint;\n',
  }, {
    rule: "folder-imports",
    file: "lib/report/fp.ts",
    message: /lib\/workload\/fingerprint\.ts, but lib\/report may import only/,
  });
});

Deno.test("cli/ importing backends/ directly is reported", () => {
  assertOne({
    "lib/cli/sim.ts": 'import { openai } from "../backends/openai.ts";\nexport const o = openai;\n',
  }, { rule: "folder-imports", file: "lib/cli/sim.ts", message: /lib\/backends\/openai\.ts/ });
  // A dynamic import counts like a static one.
  assertOne({
    "lib/cli/lazy.ts": 'export const o = () => import("../sim/server.ts");\n',
  }, { rule: "folder-imports", file: "lib/cli/lazy.ts" });
});

Deno.test("config/ importing sim/, servers/ importing sim/ and results/ importing report/ are reported", () => {
  assertOne({
    "lib/config/sim.ts": 'import { serve } from "../sim/server.ts";\nexport const s = serve;\n',
  }, {
    rule: "folder-imports",
    file: "lib/config/sim.ts",
  });
  assertOne({
    "lib/servers/server.ts": 'import { serve } from "../sim/server.ts";\nexport const s = serve;\n',
  }, {
    rule: "folder-imports",
    file: "lib/servers/server.ts",
  });
  assertOne({
    "lib/results/x.ts":
      'import type { render } from "../report/table.ts";\nexport type R = typeof render;\n',
  }, {
    rule: "folder-imports",
    file: "lib/results/x.ts",
  });
});

Deno.test("a private file imported across folders is reported; a same-folder test may import it", () => {
  assertOne({
    "lib/sim/http_server.ts": 'import { CRLF } from "../http/_parse.ts";\nexport const c = CRLF;\n',
  }, {
    rule: "private-import",
    file: "lib/sim/http_server.ts",
    message: /lib\/http\/_parse\.ts, a private file of lib\/http\//,
  });
  // Tests of another folder, and scripts outside lib/, are held to it too.
  assertOne({ "lib/sim/x_test.ts": 'import { CRLF } from "../http/_parse.ts";\nvoid CRLF;\n' }, {
    rule: "private-import",
    file: "lib/sim/x_test.ts",
  });
  assertOne({ "bench/parse.ts": 'import { CRLF } from "../lib/http/_parse.ts";\nvoid CRLF;\n' }, {
    rule: "private-import",
    file: "bench/parse.ts",
  });
  // A worker started by URL is a module reference.
  assertOne({
    "lib/runner/w.ts":
      "export const w = () => new Worker(new URL('../sim/_worker.ts', import.meta.url));\n",
  }, { rule: "private-import", file: "lib/runner/w.ts" });
});

Deno.test("a core importing an adapter instead of the registry is reported", () => {
  assertOne({
    "lib/runner/direct.ts":
      'import { openai } from "../backends/openai.ts";\nexport const o = openai;\n',
  }, {
    rule: "adapter-import",
    file: "lib/runner/direct.ts",
    message: /only backend\.ts, registry\.ts/,
  });
});

Deno.test("a lib folder without a row in the table is reported once", () => {
  assertOne({
    "lib/newstage/a.ts": "export const a = 1;\n",
    "lib/newstage/b.ts": "export const b = 2;\n",
  }, { rule: "no-rule", file: "lib/newstage", message: /no row in ALLOWED/ });
});

Deno.test("a top-level await is reported, also in cli.ts outside its import.meta.main line", () => {
  assertOne({ "lib/util/cfg.ts": "export const cfg = await Promise.resolve({ a: 1 });\n" }, {
    rule: "import-time",
    file: "lib/util/cfg.ts",
    line: 1,
    message: /^await at the top level/,
  });
  assertOne({
    "lib/util/loop.ts":
      "const xs: number[] = [];\nfor await (const x of [1]) xs.push(x);\nexport { xs };\n",
  }, {
    rule: "import-time",
    file: "lib/util/loop.ts",
    line: 2,
  });
  assertOne({
    "cli.ts": CLEAN["cli.ts"] + "\nawait Promise.resolve();\n",
  }, { rule: "import-time", file: "cli.ts", line: 7 });
});

Deno.test("a Deno call at the top level is reported; inside a function or a type it is not", () => {
  assertOne({ "lib/clock/env.ts": "const mode = Deno.env.get('MODE');\nexport { mode };\n" }, {
    rule: "import-time",
    file: "lib/clock/env.ts",
    line: 1,
    message: /Deno\.env at the top level runs at import time/,
  });
  // Deno inside an object literal or an argument at the top level runs too.
  assertOne({ "lib/clock/os.ts": "export const info = { os: String(Deno.build.os) };\n" }, {
    rule: "import-time",
    file: "lib/clock/os.ts",
  });
  // A static class field runs when the class is defined.
  assertOne({ "lib/clock/c.ts": "export class C {\n  static pid = Deno.pid;\n}\n" }, {
    rule: "import-time",
    file: "lib/clock/c.ts",
    line: 2,
  });
  // Functions, arrow functions, methods and types: nothing runs.
  assert.deepEqual(
    check({
      "lib/clock/ok.ts": [
        "export const now = () => Deno.build.os;",
        "export function pid(): number { return Deno.pid; }",
        "export class C { pid = Deno.pid; m(): void { Deno.env.get('x'); } }",
        "export type Conn = Deno.Conn;",
        "export const addr = { port: 1 } as Deno.NetAddr;",
      ].join("\n"),
    }).map(formatProblem),
    [],
  );
});

Deno.test("dlopen, new Worker and timers at the top level are reported", () => {
  assertOne({ "lib/util/t.ts": "setInterval(() => {}, 1000);\n" }, {
    rule: "import-time",
    file: "lib/util/t.ts",
    message: /setInterval\(\)/,
  });
  assertOne({
    "lib/util/w.ts": "export const w = new Worker(new URL('./x.js', import.meta.url));\n",
  }, {
    rule: "import-time",
    file: "lib/util/w.ts",
    message: /new Worker\(\)/,
  });
  const p = check({
    "lib/util/nvml.ts": "const lib = Deno.dlopen('libnvidia-ml.so', {});\nexport { lib };\n",
  });
  assert.deepEqual(p.map((x) => [x.rule, x.file, x.line]), [
    ["import-time", "lib/util/nvml.ts", 1],
    ["import-time", "lib/util/nvml.ts", 1],
  ]);
  assert.match(p.map((x) => x.message).join("\n"), /dlopen\(\)/);
});

Deno.test("console and Deno.exit outside cli.ts are reported", () => {
  assertOne({
    "lib/runner/print.ts": "export function print(s: string): void {\n  console.log(s);\n}\n",
  }, { rule: "console-only-in-cli", file: "lib/runner/print.ts", line: 2, message: /console/ });
  assertOne({
    "lib/runner/quit.ts": "export function quit(): never {\n  return Deno.exit(1);\n}\n",
  }, { rule: "console-only-in-cli", file: "lib/runner/quit.ts", message: /Deno\.exit/ });
});

Deno.test("report/ writing a file is reported (it returns strings)", () => {
  assertOne({
    "lib/report/save.ts": [
      "export async function save(path: string, text: string): Promise<void> {",
      "  await Deno.writeTextFile(path, text);",
      "}",
    ].join("\n"),
  }, {
    rule: "pure-folder",
    file: "lib/report/save.ts",
    line: 2,
    message: /lib\/report does no I\/O.*Deno\.writeTextFile/,
  });
  assertOne({
    "lib/report/fs.ts":
      'import { writeFileSync } from "node:fs";\nexport const w = writeFileSync;\n',
  }, {
    rule: "pure-folder",
    file: "lib/report/fs.ts",
    message: /node:fs/,
  });
  assertOne({ "lib/stats/t.ts": "export const t = () => performance.now();\n" }, {
    rule: "pure-folder",
    file: "lib/stats/t.ts",
    message: /never measures/,
  });
});

Deno.test("mod.ts with export * or its own code is reported", () => {
  assertOne({ "mod.ts": CLEAN["mod.ts"] + '\nexport * from "./lib/stats/quantile.ts";\n' }, {
    rule: "mod-reexports-only",
    file: "mod.ts",
    line: 4,
    message: /export \*/,
  });
  assertOne({ "mod.ts": CLEAN["mod.ts"] + "\nexport const x = 1;\n" }, {
    rule: "mod-reexports-only",
    file: "mod.ts",
  });
});

Deno.test("mod.ts may export a namespace (export * as ns from ...)", () => {
  assert.deepEqual(
    check({ "mod.ts": CLEAN["mod.ts"] + '\nexport * as stats from "./lib/stats/quantile.ts";\n' }),
    [],
  );
});

Deno.test("a bare specifier is reported, in code and in a JSDoc example", () => {
  assertOne({ "lib/config/bare.ts": 'import { z } from "zod";\nexport const s = z.string();\n' }, {
    rule: "bare-specifier",
    file: "lib/config/bare.ts",
    line: 1,
    message: /"zod" is neither npm: with a version/,
  });
  assertOne({
    "lib/stats/doc.ts": [
      "/**",
      " * One.",
      " *",
      " * @example",
      " * ```ts",
      ' * import { z } from "zod";',
      " * ```",
      " */",
      "export const one = 1;",
    ].join("\n"),
  }, { rule: "bare-specifier", file: "lib/stats/doc.ts", line: 6 });
  assertOne({ "tests/x_test.ts": 'import { z } from "npm:zod";\nvoid z;\n' }, {
    rule: "bare-specifier",
    file: "tests/x_test.ts",
    message: /without a version range/,
  });
  // A specifier inside a string or a plain comment is no import.
  assert.deepEqual(
    check({
      "lib/util/s.ts":
        '// import { z } from "zod";\nexport const s = \'import { z } from "zod"\';\n',
    }).map(formatProblem),
    [],
  );
});

Deno.test("two version ranges of one npm package are reported with every place", () => {
  const p = assertOne({
    "scripts/gen.ts": 'import { z } from "npm:zod@^4.5.0";\nvoid z;\n',
  }, { rule: "npm-one-version", file: "scripts/gen.ts", line: 1 });
  assert.match(p.message, /npm:zod is used with 2 version ranges/);
  assert.match(p.message, /\^4\.6\.7 in lib\/config\/errors\.ts:1, lib\/config\/schema\.ts:1/);
  assert.match(p.message, /\^4\.5\.0 in scripts\/gen\.ts:1/);
});

Deno.test("file names that are not snake_case are reported", () => {
  assertOne({ "lib/util/fooBar.ts": "export const a = 1;\n" }, {
    rule: "snake-case",
    file: "lib/util/fooBar.ts",
  });
});

Deno.test("a lib module importing outside lib/ is reported; its tests may", () => {
  const support = "export const tick = () => new Promise((r) => setTimeout(r, 0));\n";
  assertOne({
    "tests/support.ts": support,
    "lib/util/h.ts": 'import { tick } from "../../tests/support.ts";\nexport const t = tick;\n',
  }, {
    rule: "outside-lib",
    file: "lib/util/h.ts",
    message: /imports tests\/support\.ts, outside lib\//,
  });
  assert.deepEqual(
    check({
      "tests/support.ts": support,
      "lib/util/h_test.ts": 'import { tick } from "../../tests/support.ts";\nvoid tick;\n',
    }).map(formatProblem),
    [],
  );
  // A test importing a private file of tests/ is still a private-file problem.
  assertOne({
    "lib/util/h_test.ts": 'import { delay } from "../../tests/_helpers.ts";\nvoid delay;\n',
  }, {
    rule: "private-import",
    file: "lib/util/h_test.ts",
  });
});

Deno.test("a file that does not parse is reported once, not as a flood of other rules", () => {
  assertOne({
    "lib/util/broken.ts":
      "/**\n * @example\n * ```ts\n */ await Deno.remove(x)\n * ```\n */\nexport const a = ;\n",
  }, { rule: "syntax", file: "lib/util/broken.ts", message: /does not parse/ });
});

Deno.test("the script exits 1 listing every violation, 0 on a clean tree, 2 on bad arguments", async () => {
  const clean = writeTree(CLEAN);
  const dirty = writeTree({
    ...CLEAN,
    "lib/stats/bad.ts": 'import { METRIC_IDS } from "../metrics/ids.ts";\nawait 0;\n',
  });
  try {
    assert.deepEqual(run(["--root", clean]), { code: 0, text: "check_imports: module rules hold" });
    const r = run([`--root=${dirty}`]);
    assert.equal(r.code, 1);
    assert.match(r.text, /^check_imports: 2 problem\(s\):/);
    assert.match(r.text, /lib\/stats\/bad\.ts:1: \[folder-imports\]/);
    assert.match(r.text, /lib\/stats\/bad\.ts:2: \[import-time\]/);
    assert.equal(run(["--root"]).code, 2);

    // And as a script, the way CI runs it.
    const script = new URL("./check_imports.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, "--root", dirty],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 1);
    assert.match(new TextDecoder().decode(out.stderr), /lib\/stats\/bad\.ts:1: \[folder-imports\]/);
  } finally {
    Deno.removeSync(clean, { recursive: true });
    Deno.removeSync(dirty, { recursive: true });
  }
});
