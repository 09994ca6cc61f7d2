import assert from "node:assert/strict";
import { join } from "node:path";
import type { LevelResult } from "../../results/document.ts";
import { fixtureDocument } from "../../results/fixtures.ts";
import { EXIT, main } from "../main.ts";
import { memoryIO } from "../memory_io.ts";

const trial = { metrics: {}, errors: {}, complete: true };

function level(concurrency: number, k: number): LevelResult {
  return {
    mode: "latency",
    concurrency,
    trials: [trial, trial],
    errors: {},
    summary: {
      ttft_p50_ms: { value: 41.234 * k, ci: [40.5 * k, 43.1 * k], trials: [], basis: "pooled" },
      ttft_std_ms: { value: 3.3, ci: [2.8, 3.8], trials: [] },
      itl_p50_ms: { value: 5.5, ci: [5.47, 5.54], trials: [], basis: "pooled" },
      throughput_tokens_per_sec: { value: 1245.3 * k, ci: [1203.3 * k, 1287.3 * k], trials: [] },
      requests_completed: { value: 20, ci: [20, 20], trials: [20, 20] },
    },
  };
}

/** Writes results files into a temp folder; returns the folder and the paths. */
async function files(
  docs: Record<string, unknown>,
): Promise<{ dir: string; paths: Record<string, string> }> {
  const dir = await Deno.makeTempDir();
  const paths: Record<string, string> = {};
  for (const [name, doc] of Object.entries(docs)) {
    paths[name] = join(dir, name);
    await Deno.writeTextFile(
      paths[name],
      typeof doc === "string" ? doc : JSON.stringify(doc),
    );
  }
  return { dir, paths };
}

const config = { mode: "latency", trials: 2, runs: 20, confidenceLevel: 0.95 };
const base = fixtureDocument([level(1, 1), level(8, 2)], config);
const faster = fixtureDocument([level(1, 0.8), level(8, 1.6)], config);

Deno.test("report prints the headline table of a results file", async () => {
  const { dir, paths } = await files({ "base.json": base });
  try {
    const io = memoryIO();
    assert.equal(await main(["report", paths["base.json"]], io), EXIT.ok, io.stderr);
    assert.match(io.stdout, /^splleed 0\.1\.0 · simulator/);
    assert.match(
      io.stdout,
      /│ TTFT p50 \(ms\) +│ +41\.2 \(40\.5–43\.1\) │ +82\.5 \(81\.0–86\.2\) │/,
    );
    assert.match(io.stdout, /│ Throughput \(tok\/s\) +│ +1,245 ± 42 │ +2,491 ± 84 │/);
    assert.doesNotMatch(io.stdout, /ttft_std_ms|requests_completed|==/);
    assert.equal(io.stderr, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report --metrics picks rows, --all-metrics shows every id, a saved choice applies", async () => {
  const saved = fixtureDocument([level(1, 1)], { ...config, table: { allMetrics: true } });
  const { dir, paths } = await files({ "base.json": base, "saved.json": saved });
  try {
    const picked = memoryIO();
    assert.equal(
      await main(
        ["report", paths["base.json"], "--metrics", "ttft_std_ms, requests_completed"],
        picked,
      ),
      EXIT.ok,
      picked.stderr,
    );
    const rows = picked.stdout.split("\n").filter((l) => l.startsWith("│")).map((l) =>
      l.split("│")[1].trim()
    );
    assert.deepEqual(rows, ["Metric", "TTFT std (ms)", "Requests completed"]);
    const all = memoryIO();
    assert.equal(await main(["report", paths["base.json"], "--all-metrics"], all), EXIT.ok);
    for (const id of Object.keys(level(1, 1).summary)) {
      assert.match(all.stdout, new RegExp(`│ ${id} `));
    }
    const s = memoryIO();
    assert.equal(await main(["report", paths["saved.json"]], s), EXIT.ok);
    assert.match(s.stdout, /│ ttft_std_ms /);
    // A flag replaces the saved choice.
    const over = memoryIO();
    assert.equal(await main(["report", paths["saved.json"], "--metrics", "itl_p50_ms"], over), 0);
    assert.doesNotMatch(over.stdout, /ttft_std_ms/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report --markdown: one GFM table per file, headed by its name", async () => {
  const { dir, paths } = await files({ "base.json": base, "faster.json": faster });
  try {
    const io = memoryIO();
    assert.equal(
      await main(["report", paths["base.json"], paths["faster.json"], "--markdown"], io),
      EXIT.ok,
      io.stderr,
    );
    const md = io.stdout;
    assert.match(md, /^### base\n/);
    assert.match(md, /\n### faster\n/);
    const heads = md.split("\n").filter((l) => l === "| Metric | c=1 | c=8 |");
    assert.equal(heads.length, 2);
    const lines = md.split("\n");
    for (const [i, l] of lines.entries()) {
      if (l !== "| Metric | c=1 | c=8 |") continue;
      assert.equal(lines[i + 1], "| :-- | --: | --: |");
      assert.equal(lines[i + 2].split(" | ").length, 3, lines[i + 2]);
    }
    assert.match(md, /\n\| TTFT p50 \(ms\) \| 33\.0 \(32\.4–34\.5\) \| 66\.0 \(64\.8–69\.0\) \|\n/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report of several files: each table under its name; fitted to the terminal's width", async () => {
  const { dir, paths } = await files({ "base.json": base, "faster.json": faster });
  try {
    const io = memoryIO();
    io.outColumns = () => 60;
    const code = await main(["report", paths["base.json"], paths["faster.json"]], io);
    assert.equal(code, EXIT.ok);
    const out = io.stdout;
    assert.match(out, new RegExp(`^== base \\(${paths["base.json"]}\\)\n`));
    assert.match(out, new RegExp(`\n== faster \\(${paths["faster.json"]}\\)\n`));
    for (const l of out.split("\n").filter((l) => /^[┌│├└]/.test(l))) {
      assert.ok(l.length <= 60, `${l.length}: ${l}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report exits 2 for a missing file, a foreign file, an unknown metric id, both row flags", async () => {
  const { dir, paths } = await files({
    "base.json": base,
    "other.json": { name: "not splleed", levels: [] },
    "text.json": "hello",
    "bad_saved.json": fixtureDocument([level(1, 1)], { ...config, table: { metrics: ["ttft"] } }),
  });
  try {
    const cases: [string[], RegExp][] = [
      [
        [join(dir, "none.json")],
        /'RESULTS' must be a results file .*none\.json", which does not exist/,
      ],
      [[paths["other.json"]], /other\.json/],
      [[paths["text.json"]], /text\.json/],
      [
        [paths["base.json"], "--metrics", "ttft_p50_ms,ttft_p5_ms"],
        /Cannot start report: '--metrics' must be metric ids splleed produces \(known: .*\), got the unknown id 'ttft_p5_ms'/,
      ],
      [
        [paths["base.json"], "--metrics", "ttft_p50_ms", "--all-metrics"],
        /'--all-metrics' must be absent/,
      ],
      [[paths["bad_saved.json"]], /'table\.metrics' must be metric ids .*'ttft'/],
    ];
    for (const [args, message] of cases) {
      const io = memoryIO();
      assert.equal(await main(["report", ...args], io), EXIT.usage, args.join(" "));
      assert.match(io.stderr, message);
      assert.equal(io.stdout, "", "nothing printed for bad input");
    }
    const none = memoryIO();
    assert.equal(await main(["report"], none), EXIT.usage);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report --html writes one self-contained HTML file of the runs", async () => {
  const { dir, paths } = await files({ "base.json": base, "faster.json": faster });
  try {
    const io = memoryIO();
    const out = join(dir, "sub", "report.html");
    assert.equal(
      await main(["report", paths["base.json"], paths["faster.json"], "--html", out], io),
      EXIT.ok,
      io.stderr,
    );
    const html = await Deno.readTextFile(out);
    assert.match(html, /^<!doctype html>/i);
    assert.match(html, /base/);
    assert.match(html, /faster/);
    assert.match(io.stderr, /wrote .*report\.html/);
    // The tables are still printed.
    assert.match(io.stdout, /== base/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
