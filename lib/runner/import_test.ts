import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../config/errors.ts";
import { ResultsFormatError } from "../results/errors.ts";
import { readResults } from "../results/read.ts";
import { importResults } from "./import.ts";

const fixture = (name: string) =>
  fileURLToPath(new URL(`../importers/testdata/${name}`, import.meta.url));

async function withFile(text: string, f: (path: string) => Promise<void>): Promise<void> {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(path, text);
    await f(path);
  } finally {
    await Deno.remove(path);
  }
}

const problem = (p: string, re: RegExp) => (e: unknown) =>
  e instanceof ResultsFormatError && e.problem === p && re.test(e.message);

Deno.test("each fixture imports to a document that reads back as splleed's own", async () => {
  for (
    const [tool, name, levels] of [
      ["vllm-bench", "vllm_detailed.json", 1],
      ["vllm-bench", "vllm_summary.json", 1],
      ["guidellm", "guidellm_sweep.json", 3],
    ] as const
  ) {
    const doc = await importResults(tool, fixture(name));
    assert.equal(doc.levels.length, levels, name);
    assert.equal(doc.source!.file, fixture(name));
    const path = await Deno.makeTempFile({ suffix: ".json" });
    await Deno.writeTextFile(path, JSON.stringify(doc));
    assert.deepEqual(await readResults(path), doc, name);
    await Deno.remove(path);
  }
  const doc = await importResults("vllm-bench", fixture("vllm_detailed.json"));
  assert.ok(
    doc.levels[0].notes!.some((n) => /1 request failed/.test(n)),
    "the table's notes are there",
  );
});

Deno.test("vllm bench serve --append-result (one JSON object per line) is a level per line", async () => {
  const a = await Deno.readTextFile(fixture("vllm_summary.json"));
  const b = JSON.stringify({ ...JSON.parse(a), request_rate: 16 });
  await withFile(`${a}\n${b}\n`, async (path) => {
    const doc = await importResults("vllm-bench", path);
    assert.deepEqual(doc.levels.map((l) => l.requestRate), [8, 16]);
  });
});

Deno.test("bad files are refused naming the file, what was expected and what was found", async () => {
  const text = await Deno.readTextFile(fixture("vllm_summary.json"));
  await withFile(text.slice(0, 200), async (path) => {
    await assert.rejects(
      importResults("vllm-bench", path),
      problem(
        "truncated",
        new RegExp(
          `^Cannot read ${path}: expected a \`vllm bench serve --save-result\` JSON file, got JSON that ends early`,
        ),
      ),
    );
  });
  await withFile("date,backend\n2026,vllm\n", async (path) => {
    await assert.rejects(
      importResults("guidellm", path),
      problem(
        "not_json",
        /expected a GuideLLM report \(benchmarks.json\), got text that is not JSON/,
      ),
    );
  });
  await withFile("  \n", async (path) => {
    await assert.rejects(importResults("guidellm", path), problem("empty", /the file is empty/));
  });
  await assert.rejects(
    importResults("vllm-bench", fixture("guidellm_sweep.json")),
    problem("invalid_fields", /looks like a GuideLLM report/),
  );
  await assert.rejects(
    importResults("vllm-bench", "no/such/result.json"),
    (e: unknown) =>
      e instanceof ConfigError &&
      /'FILE' must be a `vllm bench serve --save-result` JSON file, got "no\/such\/result.json", which does not exist/
        .test(e.message),
  );
  await assert.rejects(
    importResults("aiperf" as never, fixture("vllm_summary.json")),
    /'TOOL' must be one of vllm-bench, guidellm, got "aiperf"/,
  );
});
