/**
 * The benchmark harness keeps working: `bench/run.ts --smoke` runs every
 * scenario once at tiny sizes (its figures are not judged here; `deno task
 * bench` measures them) and writes its JSON and Markdown.
 */

import assert from "node:assert/strict";

Deno.test("bench --smoke runs every scenario and writes its results", async () => {
  const out = await Deno.makeTempDir();
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../bench/run.ts", import.meta.url).pathname,
        "--smoke",
        "--out",
        out,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(r.stderr);
    assert.equal(r.code, 0, stderr.slice(-2000));
    const doc = JSON.parse(await Deno.readTextFile(`${out}/latest.json`));
    const scenarios = new Set(doc.rows.map((row: { scenario: string }) => row.scenario));
    assert.deepEqual([...scenarios].sort(), ["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    for (const row of doc.rows) {
      if (row.scenario !== "3") {
        assert.ok(row.spread !== null, `${row.setup}: ${row.figure} has no value`);
      }
    }
    const md = await Deno.readTextFile(`${out}/latest.md`);
    assert.match(md, /\| # \| setup \| figure \| median \| min \| max \| target \|/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
