import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { fixtureDocument } from "../../results/fixtures.ts";
import { readResults } from "../../results/read.ts";
import { EXIT, main } from "../main.ts";
import { memoryIO } from "../memory_io.ts";

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../importers/testdata/${name}`, import.meta.url));

Deno.test("splleed import --out writes a document that report and compare read", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/imported.json`;
    const io = memoryIO();
    assert.equal(
      await main(["import", "vllm-bench", fixture("vllm_detailed.json"), "--out", out], io),
      EXIT.ok,
      io.stderr,
    );
    assert.match(io.stderr, /wrote .*imported\.json \(1 level from .*vllm_detailed\.json\)/);
    const doc = await readResults(out);
    assert.equal(doc.source!.tool, "vllm-bench");

    const report = memoryIO();
    assert.equal(await main(["report", out], report), EXIT.ok, report.stderr);
    assert.match(report.stdout, /│ Metric +│ +c=4 │/);
    assert.match(report.stdout, /imported from vllm bench serve/);

    // Beside a splleed run at the same level.
    const base = fixtureDocument([{
      ...doc.levels[0],
      trials: [{
        metrics: { ttft_p50_ms: 40, request_throughput_per_sec: 20 },
        errors: {},
        complete: true,
      }],
      summary: {
        ttft_p50_ms: { value: 40, ci: null, trials: [40] },
        request_throughput_per_sec: { value: 20, ci: null, trials: [20] },
      },
      errors: {},
      notes: undefined,
      errorMessages: undefined,
    }]);
    const basePath = `${dir}/splleed.json`;
    await Deno.writeTextFile(basePath, JSON.stringify(base));
    const compare = memoryIO();
    assert.equal(await main(["compare", basePath, out], compare), EXIT.ok, compare.stderr);
    assert.match(compare.stdout, /TTFT p50/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("splleed import without --out shows the table and says how to save it", async () => {
  const io = memoryIO();
  assert.equal(await main(["import", "guidellm", fixture("guidellm_sweep.json")], io), EXIT.ok);
  assert.match(io.stdout, /│ Metric +│ +c=1 │ burst 180 │ r=4\.5\/s │/);
  assert.match(io.stderr, /not saved: add --out imported\.json/);
});

Deno.test("splleed import: bad input is exit 2 with the reason", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cut = `${dir}/cut.json`;
    await Deno.writeTextFile(
      cut,
      (await Deno.readTextFile(fixture("guidellm_sweep.json"))).slice(0, 500),
    );
    const newer = `${dir}/newer.json`;
    const report = JSON.parse(await Deno.readTextFile(fixture("guidellm_sweep.json")));
    report.metadata.version = 2;
    await Deno.writeTextFile(newer, JSON.stringify(report));
    for (
      const [args, re] of [
        [
          ["import", "guidellm", cut],
          /error: Cannot read .*cut\.json: .*ends early \(truncated\?\)/,
        ],
        [
          ["import", "guidellm", newer],
          /got metadata\.version 2 .*does not read that report format/,
        ],
        [["import", "vllm-bench", fixture("guidellm_sweep.json")], /splleed import guidellm/],
        [
          ["import", "guidellm", `${dir}/none.json`],
          /'FILE' must be a GuideLLM report .*which does not exist/,
        ],
        [["import", "aiperf", cut], /'TOOL' must be one of vllm-bench, guidellm, got "aiperf"/],
      ] as const
    ) {
      const io = memoryIO();
      assert.equal(await main([...args], io), EXIT.usage, args.join(" "));
      assert.match(io.stderr, re);
      assert.equal(io.stdout, "");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
