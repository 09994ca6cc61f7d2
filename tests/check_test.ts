import { fixtureDocument } from "../lib/results/fixtures.ts";
/**
 * `splleed check`: the CI gate exits 0 when nothing regresses, 1 when
 * something does, 2 on bad input; and the gate's false-positive rate on
 * runs of one configuration stays within alpha.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { checkRegressions } from "../lib/analysis/regression.ts";
import { simulator } from "../lib/backends/simulator.ts";
import type { ResultsDocument } from "../lib/results/document.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import { normalDraw, seededRandom } from "../lib/util/random.ts";
import { runCli } from "./_helpers.ts";

/**
 * A synthetic results document: `trials` trials at concurrency 8 whose
 * metrics scatter around `ttftMs` and `tokensPerS` with a lognormal spread
 * of `sigma`, drawn from a seeded generator (the same seed, the same run).
 */
function syntheticRun(seed: number, o: {
  ttftMs: number;
  tokensPerS: number;
  sigma?: number;
  trials?: number;
  concurrency?: number;
}): ResultsDocument {
  const rnd = seededRandom(seed);
  const normal = () => normalDraw(rnd);
  const sigma = o.sigma ?? 0.05;
  const trials = Array.from({ length: o.trials ?? 5 }, () => {
    const ttft = o.ttftMs * Math.exp(sigma * normal());
    return {
      metrics: {
        ttft_p50_ms: ttft,
        ttft_p99_ms: ttft * 1.8 * Math.exp(sigma * normal()),
        itl_p50_ms: 8 * Math.exp(sigma * normal()),
        throughput_tokens_per_sec: o.tokensPerS * Math.exp(sigma * normal()),
      },
      errors: {},
      complete: true,
    };
  });
  return fixtureDocument(
    [{ mode: "latency", concurrency: o.concurrency ?? 8, errors: {}, summary: {}, trials }],
    { mode: "latency", runs: 64, trials: trials.length },
  );
}

async function writeJson(dir: string, name: string, value: unknown): Promise<string> {
  const path = join(dir, name);
  await Deno.writeTextFile(path, JSON.stringify(value, null, 2));
  return path;
}

const THRESHOLDS = [
  "--threshold",
  "ttft_p99_ms=+10%",
  "--threshold",
  "ttft_p50_ms=0.1",
  "--threshold",
  "throughput_tokens_per_sec=-5%",
];

Deno.test("splleed check: two runs of one configuration exit 0", async () => {
  // Two runs of one configuration differ by noise alone, and a gate that tests
  // at alpha = 0.05 fails such a pair now and then by design (at most 5 % of
  // pairs, Holm-adjusted). Real runs would make this test flake that often; two
  // runs drawn from one distribution with fixed seeds give the same pair every
  // time, with a genuine spread between them (they are not one file twice).
  const dir = await Deno.makeTempDir();
  try {
    const a = syntheticRun(1, { ttftMs: 45, tokensPerS: 1200 });
    const b = syntheticRun(2, { ttftMs: 45, tokensPerS: 1200 });
    assert.notDeepEqual(a.levels[0].trials, b.levels[0].trials);
    const base = await writeJson(dir, "base.json", a);
    const cur = await writeJson(dir, "cur.json", b);
    const r = await runCli(["check", "--baseline", base, cur, ...THRESHOLDS]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /c=8 \(5 vs 5 trials\)/);
    assert.match(r.stdout, /no regression in 3 metrics at 1 level$/m);
    for (const id of ["ttft_p99_ms", "ttft_p50_ms", "throughput_tokens_per_sec"]) {
      assert.match(r.stdout, new RegExp(`│ ${id} .*│ (ok|inconclusive|improvement) +│`), id);
    }
    assert.equal(r.stderr, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the gate's false-positive rate on runs of one configuration stays within alpha", () => {
  // 200 seeded pairs of runs of one configuration, 5 trials each, checked with
  // thresholds of 0 (every significant change in the bad direction counts) on
  // three metrics: the one-sided tests, Holm-adjusted, fail at most alpha of the
  // pairs in expectation (binomial sd at 200 pairs: 1.5 %). Unadjusted, three
  // metrics would fail about 14 % of them.
  let failed = 0;
  for (let i = 0; i < 200; i++) {
    const r = checkRegressions(
      syntheticRun(1000 + 2 * i, { ttftMs: 45, tokensPerS: 1200, sigma: 0.1 }),
      syntheticRun(1001 + 2 * i, { ttftMs: 45, tokensPerS: 1200, sigma: 0.1 }),
      { thresholds: { ttft_p99_ms: 0, itl_p50_ms: 0, throughput_tokens_per_sec: 0 } },
    );
    if (r.regressions > 0) failed++;
  }
  assert.ok(failed / 200 <= 0.075, `${failed} of 200 pairs failed`);
});

Deno.test("splleed check: a TTFT of 40 ms against 20 ms on the simulator exits 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Three trials of each, as a CI job would run them; the simulator's TTFT is
    // the ground truth (20 vs 40 ms), so the change is about +100 %.
    const run = (ttftMs: number, out: string) =>
      benchmark({
        backend: simulator({ ttftMs, itlMs: 1 }),
        prompts: ["hello", "a slightly longer prompt"],
        concurrency: [2],
        warmup: 2,
        runs: 8,
        trials: 3,
        sampling: { maxTokens: 4 },
        records: false,
        out,
      });
    const base = join(dir, "base.json");
    const cur = join(dir, "cur.json");
    await run(20, base);
    await run(40, cur);
    const args = ["check", "--baseline", base, cur, "--threshold", "ttft_p50_ms=+10%"];

    const r = await runCli(args);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const m = /1 regression at c=2: ttft_p50_ms \+(\d+\.\d) % \(threshold \+10 %\)$/m.exec(
      r.stdout,
    );
    assert.ok(m, r.stdout);
    // The measured TTFT adds the client's and the server's overhead to the
    // injected delay: the ratio is below 2, and well above the threshold.
    assert.ok(Number(m[1]) > 60 && Number(m[1]) < 105, `change +${m[1]} %`);
    assert.match(r.stdout, /│ ttft_p50_ms .*│ REGRESSION │/);

    const md = await runCli([...args, "--markdown"]);
    assert.equal(md.code, 1);
    assert.match(md.stdout, /^### splleed regression check\n\n\*\*❌ 1 regression at c=2/);
    assert.match(
      md.stdout,
      /\n\| `ttft_p50_ms` \| [\d.]+ \| [\d.]+ \| \+\d+\.\d % \| \[.*\] \| \+10 % \| [<\d.]+ \| \*\*REGRESSION\*\* \|\n/,
    );

    const json = await runCli([...args, "--json"]);
    assert.equal(json.code, 1);
    const verdicts = JSON.parse(json.stdout);
    assert.equal(verdicts.regressions, 1);
    assert.equal(verdicts.levels[0].rows[0].verdict, "regression");
    assert.ok(verdicts.levels[0].rows[0].pAdjusted < 0.05);

    // The other way round it is an improvement, and the gate passes.
    const back = await runCli([
      "check",
      "--baseline",
      cur,
      base,
      "--threshold",
      "ttft_p50_ms=+10%",
    ]);
    assert.equal(back.code, 0, back.stdout + back.stderr);
    assert.match(back.stdout, /│ ttft_p50_ms .*│ improvement │/);

    // One trial each: the significance policy cannot decide; the point policy can.
    const single = async (path: string) => {
      const d = JSON.parse(await Deno.readTextFile(path));
      for (const l of d.levels) l.trials = l.trials.slice(0, 1);
      return await writeJson(dir, `single_${path.endsWith("base.json") ? "base" : "cur"}.json`, d);
    };
    const [b1, c1] = [await single(base), await single(cur)];
    const sig = await runCli(["check", "--baseline", b1, c1, "--threshold", "ttft_p50_ms=+10%"]);
    assert.equal(sig.code, 0, sig.stdout + sig.stderr);
    assert.match(sig.stdout, /need ≥ 2 trials per side \(baseline 1, current 1\)/);
    assert.match(sig.stdout, /1 inconclusive \(need ≥ 2 trials per side; --policy point/);
    const point = await runCli([
      "check",
      "--baseline",
      b1,
      c1,
      "--threshold",
      "ttft_p50_ms=+10%",
      "--policy",
      "point",
    ]);
    assert.equal(point.code, 1, point.stdout + point.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("splleed check: bad input exits 2 with a message that says what was expected", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const base = await writeJson(
      dir,
      "base.json",
      syntheticRun(1, { ttftMs: 45, tokensPerS: 1200 }),
    );
    const cur = await writeJson(dir, "cur.json", syntheticRun(2, { ttftMs: 45, tokensPerS: 1200 }));
    const other = await writeJson(
      dir,
      "c3.json",
      syntheticRun(3, { ttftMs: 45, tokensPerS: 1200, concurrency: 3 }),
    );
    const foreign = await writeJson(dir, "foreign.json", { results: [1, 2, 3] });
    const missing = join(dir, "missing.json");
    const t = ["--threshold", "ttft_p99_ms=+10%"];
    const cases: [string, string[], RegExp][] = [
      [
        "a missing file",
        ["--baseline", missing, cur, ...t],
        /'--baseline' must be a results document .*, got ".*missing\.json" \(no such file\)/,
      ],
      [
        "a missing current file",
        ["--baseline", base, missing, ...t],
        /'CURRENT' must be a results document .*\(no such file\)/,
      ],
      [
        "a foreign file",
        ["--baseline", base, foreign, ...t],
        /error: Cannot read .*foreign\.json: expected a splleed results document/,
      ],
      [
        "an unknown metric id",
        ["--baseline", base, cur, "--threshold", "ttft_p99=+10%"],
        /'thresholds.ttft_p99' must be a metric id splleed produces \(did you mean ttft_p99_ms\?/,
      ],
      [
        "a threshold in the wrong direction",
        ["--baseline", base, cur, "--threshold", "throughput_tokens_per_sec=+5%"],
        /'thresholds.throughput_tokens_per_sec' must be negative .* higher-is-better, so an increase is never a regression; write -5 %, got \+5 %/,
      ],
      [
        "no matching level",
        ["--baseline", base, other, ...t],
        /expected at least one level of the current run to match one of the baseline .*baseline levels: c=8\), got current levels c=3/,
      ],
      [
        "a malformed --threshold",
        ["--baseline", base, cur, "--threshold", "ttft_p99_ms>10%"],
        /'--threshold' must be METRIC_ID=CHANGE .*got "ttft_p99_ms>10%"/,
      ],
      ["no --threshold", ["--baseline", base, cur], /'--threshold' must be given at least once/],
      ["no --baseline", [cur, ...t], /'--baseline' must be the baseline results file/],
      ["an unknown policy", ["--baseline", base, cur, ...t, "--policy", "strict"], /--policy/],
    ];
    for (const [what, args, message] of cases) {
      const r = await runCli(["check", ...args]);
      assert.equal(r.code, 2, `${what}: exit ${r.code}\n${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message, what);
      assert.equal(r.stdout, "", what);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("splleed check --help lists its options", async () => {
  const r = await runCli(["check", "--help"]);
  assert.equal(r.code, 0, r.stderr);
  for (
    const f of ["--baseline <file>", "--threshold <id=change>", "--policy", "--markdown", "--json"]
  ) {
    assert.ok(r.stdout.includes(f), f);
  }
  assert.match(r.stdout, /exit 0 when nothing regresses, 1 when\s+something does, 2 on bad input/);
});
