/**
 * Ctrl-C (SIGINT) during a run: splleed stops sending, aborts what is in
 * flight, writes the results measured so far and exits 130; the records file
 * holds every request that was sent, each line complete.
 */

import assert from "node:assert/strict";
import { readRecords, spawnCli } from "./_helpers.ts";

Deno.test("SIGINT mid-run leaves every record written so far on disk, and the partial results", async () => {
  const dir = await Deno.makeTempDir();
  const records = `${dir}/records.jsonl`;
  const child = spawnCli([
    "run",
    "--backend",
    "simulator",
    "--ttft-ms",
    "20",
    "--itl-ms",
    "10",
    "--max-tokens",
    "10",
    "--concurrency",
    "4",
    "--runs",
    "100000",
    "--trials",
    "1",
    "--warmup",
    "0",
    "--records",
    records,
    "--out",
    `${dir}/results.json`,
  ]);
  try {
    // Wait until at least 12 requests are on disk, then interrupt.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const text = await Deno.readTextFile(records).catch(() => "");
      if (text.split("\n").length > 13) break;
      if (Date.now() > deadline) throw new Error("no records appeared");
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGINT");
    const [status, stderr, stdout] = await Promise.all([
      child.status,
      new Response(child.stderr).text(),
      new Response(child.stdout).text(),
    ]);
    assert.equal(status.code, 130, stderr);
    assert.match(stdout, /INTERRUPTED/, "the partial table is printed");
    assert.match(stderr, /SIGINT: stopping/);

    const { requests } = await readRecords(records);
    const doc = JSON.parse(await Deno.readTextFile(`${dir}/results.json`));
    assert.equal(doc.interrupted, true);
    assert.match(doc.interruption, /SIGINT/);
    const m = doc.levels[0].trials[0].metrics;
    assert.equal(doc.levels[0].trials[0].complete, false);
    const ok = requests.filter((r) => r.ok).length;
    const aborted = requests.filter((r) =>
      (r.error as { reason?: string } | null)?.reason === "aborted"
    ).length;
    assert.equal(m.requests_completed, ok, "every completed request is in the records");
    assert.equal(requests.length, ok + aborted, "nothing else failed");
    assert.ok(aborted <= 4, "only the requests in flight were aborted");
    const ids = requests.map((r) => r.id as number).sort((a, b) => a - b);
    assert.deepEqual(ids, [...Array(ids.length).keys()], "no request is missing from the records");
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
    await Deno.remove(dir, { recursive: true });
  }
});
