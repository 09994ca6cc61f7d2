import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { backendFlags } from "../config/backends.ts";
import { EXIT, main } from "./main.ts";
import { memoryIO } from "./memory_io.ts";

Deno.test("run --help lists every backend flag declared in the schemas, with its help", async () => {
  const io = memoryIO();
  assert.equal(await main(["run", "--help"], io), EXIT.ok);
  // Commander wraps help to the width; compare with white space collapsed.
  const help = io.stdout.replace(/\s+/g, " ");
  const flags = backendFlags();
  assert.ok(flags.length >= 40, `${flags.length} backend flags`);
  for (const f of flags) assert.ok(help.includes(`${f.flag} ${f.help}`), `${f.flag} missing`);
  assert.match(help, /--tensor-parallel <n> vllm, sglang: tensor-parallel size/);
  assert.match(
    help,
    /--backend <type> the backend \(choices: "openai", "vllm", "tgi", "sglang", "llamacpp", "simulator"\)/,
  );
  for (
    const own of [
      "--dry-run",
      "--json",
      "--request-rate <list>",
      "--input-len <dist>",
      "--metrics <ids>",
      "--all-metrics",
    ]
  ) {
    assert.ok(help.includes(own), `${own} missing`);
  }
});

Deno.test("sim and demo --help list their options; --version prints the version", async () => {
  const sim = memoryIO();
  assert.equal(await main(["sim", "--help"], sim), EXIT.ok);
  for (
    const f of ["--host", "--port", "--ttft-ms", "--itl-ms", "--profile", "--model", "--faults"]
  ) {
    assert.ok(sim.stdout.includes(f), `sim ${f}`);
  }
  const demo = memoryIO();
  assert.equal(await main(["demo", "--help"], demo), EXIT.ok);
  for (const f of ["--out-dir", "--runs", "--trials", "--quiet", "--metrics", "--all-metrics"]) {
    assert.ok(demo.stdout.includes(f), `demo ${f}`);
  }
  const report = memoryIO();
  assert.equal(await main(["report", "--help"], report), EXIT.ok);
  for (const f of ["<results...>", "--markdown", "--html <file>", "--metrics", "--all-metrics"]) {
    assert.ok(report.stdout.includes(f), `report ${f}`);
  }
  const v = memoryIO();
  assert.equal(await main(["-V"], v), EXIT.ok);
  assert.match(v.stdout, /^\d+\.\d+\.\d+/);
});

Deno.test("usage errors exit 2: unknown option, bad choice, bad flag value", async () => {
  const unknown = memoryIO();
  assert.equal(await main(["run", "--concurrenzy", "4"], unknown), EXIT.usage);
  assert.match(unknown.stderr, /unknown option '--concurrenzy'/);

  const choice = memoryIO();
  assert.equal(await main(["run", "--backend", "vlm"], choice), EXIT.usage);
  assert.match(choice.stderr, /'vlm' is invalid/);

  const slo = memoryIO();
  assert.equal(await main(["run", "--backend", "simulator", "--slo", "itl_ms=5"], slo), EXIT.usage);
  assert.match(slo.stderr, /^error: Cannot start benchmark: '--slo' must be a list of key=value/);

  const json = memoryIO();
  assert.equal(
    await main(["run", "--backend", "vllm", "--speculative-config", "{oops"], json),
    EXIT.usage,
  );
  assert.match(json.stderr, /'--speculative-config' must be JSON, got "\{oops"/);

  const pairs = memoryIO();
  assert.equal(await main(["run", "--backend", "vllm", "--engine-env", "NOEQUALS"], pairs), 2);
  assert.match(pairs.stderr, /'--engine-env' must be name=value, got "NOEQUALS"/);

  const noBackend = memoryIO();
  assert.equal(await main(["run", "--runs", "3"], noBackend), EXIT.usage);
  assert.match(noBackend.stderr, /'backend' must be named/);
});

Deno.test("the program loads no runner, backend, simulator or workload code until a command runs", async () => {
  const cli = fileURLToPath(new URL("../../cli.ts", import.meta.url));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", cli],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
    }[];
  };
  const bySpec = new Map(graph.modules.map((m) => [m.specifier, m]));
  // Modules reached from cli.ts through static imports: what --help and --version load.
  const seen = new Set<string>();
  const stack = [...graph.roots];
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    for (const d of bySpec.get(s)?.dependencies ?? []) {
      if (d.code && !d.isDynamic) stack.push(d.code.specifier);
    }
  }
  const eager = [...seen].filter((s) => s.startsWith("file:"));
  assert.ok(eager.some((s) => s.endsWith("/lib/cli/main.ts")));
  for (const s of eager) {
    assert.doesNotMatch(
      s,
      /\/lib\/(runner|backends|sim|servers|workload|load|http|report)\/|\/cli\/commands\//,
      `${s} is loaded by --help`,
    );
  }
  // The commands are dynamic imports with literal specifiers, so `deno compile` includes them.
  const main = bySpec.get(eager.find((s) => s.endsWith("/lib/cli/main.ts"))!)!;
  const dynamic = (main.dependencies ?? []).filter((d) => d.isDynamic).map((d) =>
    d.code?.specifier.replace(/^.*\/lib\/cli\//, "")
  );
  assert.deepEqual(dynamic.sort(), [
    "commands/ab.ts",
    "commands/check.ts",
    "commands/compare.ts",
    "commands/demo.ts",
    "commands/history.ts",
    "commands/import.ts",
    "commands/report.ts",
    "commands/run.ts",
    "commands/sim.ts",
    "commands/timeline.ts",
  ]);
});
