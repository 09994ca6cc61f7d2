/**
 * `deno task bench`: measures splleed's own overhead as a client, every
 * scenario of docs/performance.md, and prints one table row per figure with
 * its median, min and max over repeated runs, beside its target.
 *
 * The harness server and the measured client run as separate processes,
 * pinned with `taskset` to different cores when the machine has two or more
 * (server on core 1, client on core 0), so that neither shares the other's
 * event loop or CPU.
 *
 * ```sh
 * deno task bench                   # every scenario, 5 runs each
 * deno task bench --only 1,4        # some scenarios
 * deno task bench --reps 7 --long   # 7 runs; hold 4,096 streams for 10 minutes
 * deno task bench --smoke           # one tiny run of each (checks the harness works)
 * deno task bench --only 7          # start-up cost of a short run
 * deno task bench --only 8          # one 100 MB event through the stream reader
 * deno task bench --only 9          # the figures with GPU telemetry off and on
 * ```
 *
 * Results go to `bench/out/latest.json` and `bench/out/latest.md`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { cpus, totalmem } from "node:os";
import type { ClientConfig, ClientResult } from "./client.ts";

/** One figure's spread over repeated runs. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

/** One row of the results table. */
export interface Row {
  scenario: string;
  setup: string;
  figure: string;
  unit: string;
  spread: Spread | null;
  target?: string;
  met?: boolean;
  note?: string;
}

const HERE = new URL(".", import.meta.url).pathname;
const dec = new TextDecoder();

function spread(values: number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length;
  const median = m % 2 ? s[(m - 1) / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
  return { median, min: s[0], max: s[m - 1], runs: values };
}

const pinnable = cpus().length >= 2 && (() => {
  try {
    return new Deno.Command("taskset", { args: ["-c", "0", "true"] }).outputSync().success;
  } catch {
    return false;
  }
})();

/** `cmd args` on one core when the machine allows pinning. */
function pinnedCmd(core: number, cmd: string, args: string[]): { cmd: string; args: string[] } {
  return pinnable ? { cmd: "taskset", args: ["-c", String(core), cmd, ...args] } : { cmd, args };
}

/** A Deno subprocess (`deno args`) on one core. */
function pinned(core: number, args: string[]): { cmd: string; args: string[] } {
  return pinnedCmd(core, Deno.execPath(), args);
}

/** Runs a pinned command and parses the JSON line it prints. */
async function jsonOf<T>(p: { cmd: string; args: string[] }, what: string): Promise<T> {
  const r = await new Deno.Command(p.cmd, { args: p.args, stdout: "piped", stderr: "piped" })
    .output();
  if (!r.success) throw new Error(`${what} failed: ${dec.decode(r.stderr)}`);
  return JSON.parse(dec.decode(r.stdout));
}

/** Whether python3 runs here (the floor probes need it). */
const hasPython = (() => {
  try {
    return new Deno.Command("python3", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

/** Server options as flags of bench/fast_server.ts. */
interface ServerFlags {
  ttftMs?: number;
  itlMs?: number;
  perWrite?: number;
  log?: boolean;
}

async function withServer<T>(flags: ServerFlags, fn: (endpoint: string) => Promise<T>): Promise<T> {
  const p = pinned(1, [
    "run",
    "-A",
    `${HERE}fast_server.ts`,
    "--port",
    "0",
    "--ttft-ms",
    String(flags.ttftMs ?? 0),
    "--itl-ms",
    String(flags.itlMs ?? 0),
    "--per-write",
    String(flags.perWrite ?? 1),
    ...(flags.log ? ["--log"] : []),
  ]);
  const child = new Deno.Command(p.cmd, { args: p.args, stdout: "piped", stderr: "inherit" })
    .spawn();
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("bench server exited before listening");
    text += dec.decode(value);
  }
  reader.releaseLock();
  const port = Number(/listening (\d+)/.exec(text)?.[1]);
  try {
    return await fn(`http://127.0.0.1:${port}`);
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await child.stdout.cancel().catch(() => {});
  }
}

async function client(config: ClientConfig): Promise<ClientResult> {
  const p = pinned(0, ["run", "-A", `${HERE}client.ts`, JSON.stringify(config)]);
  const out = await new Deno.Command(p.cmd, { args: p.args, stdout: "piped", stderr: "piped" })
    .output();
  const stdout = dec.decode(out.stdout).trim();
  if (!out.success) {
    throw new Error(`bench client failed (${out.code}): ${dec.decode(out.stderr).slice(-2000)}`);
  }
  return JSON.parse(stdout.split("\n").at(-1)!);
}

async function repeat(
  reps: number,
  flags: ServerFlags,
  config: Omit<ClientConfig, "endpoint">,
): Promise<ClientResult[]> {
  return await withServer(flags, async (endpoint) => {
    const results: ClientResult[] = [];
    for (let i = 0; i < reps; i++) results.push(await client({ ...config, endpoint }));
    return results;
  });
}

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    only: { type: "string" },
    reps: { type: "string" },
    long: { type: "boolean", default: false },
    smoke: { type: "boolean", default: false },
    out: { type: "string", default: `${HERE}out` },
  },
});
const smoke = opts.smoke;
const reps = smoke ? 1 : Math.max(1, Number(opts.reps ?? 5));
const only = opts.only ? new Set(opts.only.split(",").map((s) => s.trim())) : null;
const want = (id: string) => only === null || only.has(id);
/** Sizes shrink in smoke mode: the point there is that every path runs. */
const size = (full: number, tiny: number) => (smoke ? tiny : full);

const rows: Row[] = [];
const raw: Record<string, ClientResult[]> = {};

function row(r: Row): void {
  if (smoke) r = { ...r, met: undefined, note: r.note ?? "smoke run: sizes too small to judge" };
  rows.push(r);
  const s = r.spread;
  const fmt = (
    v: number,
  ) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toPrecision(3));
  console.log(
    [
      r.scenario.padEnd(4),
      r.setup.padEnd(44),
      r.figure.padEnd(34),
      s ? `${fmt(s.median)} ${r.unit}`.padEnd(18) : "—".padEnd(18),
      s ? `[${fmt(s.min)}, ${fmt(s.max)}]`.padEnd(22) : "".padEnd(22),
      r.target ? `${r.target}${r.met === undefined ? "" : r.met ? " ✓" : " ✗"}` : "",
      r.note ?? "",
    ].join(" "),
  );
}

const fig = (results: ClientResult[], f: (r: ClientResult) => number) => spread(results.map(f));
const perCoreEventsPerS = (r: ClientResult) => r.tokens / (r.cpuUs / 1e6);

console.log(
  `splleed bench · ${cpus()[0]?.model ?? "?"} × ${cpus().length} · ${
    Math.round(totalmem() / 2 ** 30)
  } GiB · deno ${Deno.version.deno} · ${
    pinnable
      ? "server on core 1, client on core 0"
      : "NOT pinned (taskset or a second core missing)"
  } · ${reps} run(s) per figure\n`,
);

// 1. Parse ceiling.
if (want("1")) {
  for (const streams of [1, 64]) {
    const res = await repeat(reps, { perWrite: 1 }, {
      streams,
      requests: size(streams === 1 ? 64 : 256, streams),
      tokens: size(1024, 64),
    });
    raw[`1-oneperwrite-${streams}`] = res;
    const setup = `${streams} stream(s), one event per write`;
    const eps = fig(res, perCoreEventsPerS);
    row({
      scenario: "1",
      setup,
      figure: "events parsed per client core",
      unit: "/s",
      spread: eps,
      target: streams === 64 ? "≥ 150,000/s" : undefined,
      met: streams === 64 ? eps.median >= 150_000 : undefined,
    });
    row({
      scenario: "1",
      setup,
      figure: "client CPU per token",
      unit: "µs",
      spread: fig(res, (r) => r.cpuUsPerToken),
    });
    row({
      scenario: "1",
      setup,
      figure: "events per read",
      unit: "",
      spread: fig(res, (r) => r.tokens / r.reads),
    });
  }
  // The floor: a bare Deno read loop, no parsing, same server and streams.
  const bare = await withServer({ perWrite: 1 }, async (endpoint) => {
    const port = endpoint.split(":").at(-1)!;
    const out: {
      cpuUsPerRead: number;
      cpuUsPerToken: number;
      tokens: number;
      reads: number;
      systemUsPerRead: number;
    }[] = [];
    for (let i = 0; i < reps; i++) {
      const p = pinned(0, [
        "run",
        "-A",
        `${HERE}raw_reader.ts`,
        port,
        "64",
        String(size(4, 1)),
        String(size(1024, 64)),
      ]);
      out.push(await jsonOf(p, "raw reader"));
    }
    return out;
  });
  raw["1-bare"] = bare as unknown as ClientResult[];
  const bareSetup = "64 streams, one event per write: bare read loop";
  row({
    scenario: "1",
    setup: bareSetup,
    figure: "reads per client core",
    unit: "/s",
    spread: spread(bare.map((b) => 1e6 / b.cpuUsPerRead)),
  });
  row({
    scenario: "1",
    setup: bareSetup,
    figure: "kernel CPU per read",
    unit: "µs",
    spread: spread(bare.map((b) => b.systemUsPerRead)),
  });
  row({
    scenario: "1",
    setup: bareSetup,
    figure: "events per read",
    unit: "",
    spread: spread(bare.map((b) => b.tokens / b.reads)),
  });

  for (const transport of ["http1", "fetch", "undici"] as const) {
    const res = await repeat(reps, { perWrite: 16 }, {
      streams: 16,
      requests: size(512, 16),
      tokens: size(1024, 64),
      transport,
    });
    raw[`1-fast-${transport}`] = res;
    const setup = `16 streams × 1,024 tokens, fast server, ${transport}`;
    const cpt = fig(res, (r) => r.cpuUsPerToken);
    row({
      scenario: "1",
      setup,
      figure: "client CPU per token",
      unit: "µs",
      spread: cpt,
      target: transport === "http1" ? "≤ 2 µs" : undefined,
      met: transport === "http1" ? cpt.median <= 2 : undefined,
    });
    row({
      scenario: "1",
      setup,
      figure: "events parsed per client core",
      unit: "/s",
      spread: fig(res, perCoreEventsPerS),
    });
  }
}

// 2. Many streams at a 20 ms inter-token gap (50 tokens, about a second a
// request when the client keeps up). With --long, the 4,096-stream level is
// also held for 10 minutes: the number of rounds comes from the pace of the
// short runs.
if (want("2")) {
  for (const streams of smoke ? [16] : [256, 1024, 4096]) {
    const server = { ttftMs: 20, itlMs: 20, log: true };
    const res = await repeat(reps, server, {
      streams,
      requests: streams * 3,
      tokens: 50,
      accuracy: true,
      warmupRequests: streams,
    });
    raw[`2-${streams}`] = res;
    const setup = `${streams} streams, 20 ms gap, 3 rounds`;
    const errs = fig(res, (r) => r.failed);
    const held = streams === 4096 || smoke;
    row({
      scenario: "2",
      setup,
      figure: "failed requests",
      unit: "",
      spread: errs,
      target: held ? "0" : undefined,
      met: held ? errs.max === 0 : undefined,
    });
    row({
      scenario: "2",
      setup,
      figure: "client CPU share",
      unit: "",
      spread: fig(res, (r) => r.cpuShare),
    });
    row({
      scenario: "2",
      setup,
      figure: "tokens per second delivered",
      unit: "/s",
      spread: fig(res, (r) => r.tokens / r.wallS),
    });
    row({
      scenario: "2",
      setup,
      figure: "ITL error p50",
      unit: "ms",
      spread: fig(res, (r) => r.accuracy!.itlErrorMs.p50),
    });
    row({
      scenario: "2",
      setup,
      figure: "ITL error p99",
      unit: "ms",
      spread: fig(res, (r) => r.accuracy!.itlErrorMs.p99),
    });
    if (opts.long && streams === 4096) {
      const secondsPerRound = fig(res, (r) => r.wallS / 3).median;
      const rounds = Math.max(3, Math.ceil(660 / secondsPerRound)); // aim past 10 minutes
      const long = await repeat(1, { ttftMs: 20, itlMs: 20 }, {
        streams,
        requests: streams * rounds,
        tokens: 50,
        warmupRequests: streams,
      });
      raw["2-4096-long"] = long;
      const lsetup = `4096 streams held ${(long[0].wallS / 60).toFixed(1)} min (${rounds} rounds)`;
      row({
        scenario: "2",
        setup: lsetup,
        figure: "failed requests",
        unit: "",
        spread: fig(long, (r) => r.failed),
        target: "0",
        met: long[0].failed === 0,
      });
      row({
        scenario: "2",
        setup: lsetup,
        figure: "client CPU share",
        unit: "",
        spread: fig(long, (r) => r.cpuShare),
      });
    }
  }
}

// 3. Open loop: Poisson arrivals against the fast server. At 1,000 req/s each
// request lasts about 2 s (10 tokens, 200 ms apart), so about 2,000 streams
// are in flight while the schedule is kept; the others are short.
if (want("3")) {
  for (const rate of smoke ? [100] : [100, 500, 1000, 2000]) {
    const long = rate === 1000;
    const server = long ? { ttftMs: 200, itlMs: 200 } : { ttftMs: 10, itlMs: 5 };
    const seconds = smoke ? 1 : long ? 6 : 4;
    const res = await repeat(reps, server, {
      streams: 64, // for the closed-loop warm-up only
      rate,
      requests: rate * seconds,
      tokens: long ? 10 : 4,
      warmupRequests: Math.min(rate, 500),
    });
    raw[`3-${rate}`] = res;
    const setup = `Poisson ${rate.toLocaleString("en-US")} req/s, ${
      long ? "2 s streams" : "short streams"
    }`;
    const d = (r: ClientResult) => r.load!;
    const ratioMiss = fig(res, (r) => Math.abs(d(r).achievedRate! / rate - 1) * 100);
    const planMiss = fig(res, (r) => Math.abs(d(r).achievedRate! / d(r).plannedRate! - 1) * 100);
    row({
      scenario: "3",
      setup,
      figure: "achieved vs requested rate, abs. difference",
      unit: "%",
      spread: ratioMiss,
    });
    row({
      scenario: "3",
      setup,
      figure: "achieved vs this plan's rate, abs. difference",
      unit: "%",
      spread: planMiss,
      target: rate === 2000 ? "≤ 0.5 %" : undefined,
      met: rate === 2000 ? planMiss.median <= 0.5 : undefined,
    });
    const lag50 = fig(res, (r) => d(r).scheduleLagMs!.p50);
    const lag99 = fig(res, (r) => d(r).scheduleLagMs!.p99);
    row({
      scenario: "3",
      setup,
      figure: "schedule lag p50",
      unit: "ms",
      spread: lag50,
      target: long ? "≤ 0.3 ms" : undefined,
      met: long ? lag50.median <= 0.3 : undefined,
    });
    row({
      scenario: "3",
      setup,
      figure: "schedule lag p99",
      unit: "ms",
      spread: lag99,
      target: long ? "≤ 2 ms" : undefined,
      met: long ? lag99.median <= 2 : undefined,
    });
    row({
      scenario: "3",
      setup,
      figure: "schedule lag max",
      unit: "ms",
      spread: fig(res, (r) => d(r).scheduleLagMs!.max),
    });
    // Floors of the same plan on the same core: a bare Deno open-loop client
    // (splleed's waits, no parsing or records) against the same server, and a
    // busy-wait that keeps the deadlines with no I/O at all (the machine's).
    const bare = await withServer(server, async (endpoint) => {
      const port = endpoint.split(":").at(-1)!;
      const out: { p50: number; p99: number; max: number }[] = [];
      for (let i = 0; i < reps; i++) {
        const args = ["run", "-A", `${HERE}raw_open_loop.ts`, port, String(rate)];
        args.push(String(rate * seconds), String(long ? 10 : 4));
        out.push(await jsonOf(pinned(0, args), "raw open loop"));
      }
      return out;
    });
    raw[`3-${rate}-bare`] = bare as unknown as ClientResult[];
    row({
      scenario: "3",
      setup: `${setup}: bare Deno open-loop client`,
      figure: "schedule lag p99",
      unit: "ms",
      spread: spread(bare.map((b) => b.p99)),
    });
    if (hasPython) {
      const busy: { p50: number; p99: number; max: number }[] = [];
      for (let i = 0; i < reps; i++) {
        const args = [
          `${HERE}floor_schedule.py`,
          String(rate),
          String(rate * seconds),
          String(i + 1),
        ];
        busy.push(await jsonOf(pinnedCmd(0, "python3", args), "schedule floor"));
      }
      raw[`3-${rate}-busy`] = busy as unknown as ClientResult[];
      row({
        scenario: "3",
        setup: `${setup}: busy-wait, no I/O (python3)`,
        figure: "schedule lag p99",
        unit: "ms",
        spread: spread(busy.map((b) => b.p99)),
      });
    }
    // Latency as measured, against the server's fixed TTFT and stream length.
    const ttftTrue = server.ttftMs, e2eTrue = server.ttftMs + ((long ? 10 : 4) - 1) * server.itlMs;
    row({
      scenario: "3",
      setup,
      figure: `TTFT p50 over the server's nominal ${ttftTrue} ms`,
      unit: "ms",
      spread: fig(res, (r) => r.latencyMs.ttftP50 - ttftTrue),
    });
    row({
      scenario: "3",
      setup,
      figure: `E2E p99 over the server's nominal ${e2eTrue} ms`,
      unit: "ms",
      spread: fig(res, (r) => r.latencyMs.e2eP99 - e2eTrue),
    });
    row({
      scenario: "3",
      setup,
      figure: "KS p-value of realised gaps",
      unit: "",
      spread: fig(res, (r) => d(r).ks?.pValue ?? NaN),
    });
    row({
      scenario: "3",
      setup,
      figure: "streams in flight (peak 1 s mean)",
      unit: "",
      spread: fig(res, (r) => d(r).peakInFlight),
    });
    row({
      scenario: "3",
      setup,
      figure: "failed requests",
      unit: "",
      spread: fig(res, (r) => r.failed),
    });
  }
}

// 4. Timestamp accuracy at moderate load (well under half the client's
// ceiling), against the server's stamped send times. "First-token timestamp
// error" is the read time of the first token minus its send time: the error
// at TTFT's end (its start, `sent`, is stamped just before the write). The
// floor rows show what a minimal blocking reader sees on this machine.
const accuracySetup = { streams: 64, requests: size(256, 64), tokens: 64, accuracy: true };
const accuracyServer = { ttftMs: 50, itlMs: 10, log: true };

function accuracyRows(setup: string, res: ClientResult[], targets: boolean): void {
  const a = (f: (r: ClientResult) => number) => fig(res, f);
  const rows: [string, (r: ClientResult) => number, number][] = [
    ["ITL error p50, absolute", (r) => Math.abs(r.accuracy!.itlErrorMs.p50), 0.05],
    ["ITL error p99", (r) => r.accuracy!.itlErrorMs.p99, 0.5],
    ["first-token timestamp error p50", (r) => r.accuracy!.firstReadDelayMs.p50, 0.05],
    ["first-token timestamp error p99", (r) => r.accuracy!.firstReadDelayMs.p99, 0.5],
    ["token timestamp error p50", (r) => r.accuracy!.readDelayMs.p50, NaN],
    ["token timestamp error p99", (r) => r.accuracy!.readDelayMs.p99, NaN],
  ];
  for (const [figure, f, limit] of rows) {
    const sp = a(f);
    const hasTarget = targets && !Number.isNaN(limit);
    row({
      scenario: "4",
      setup,
      figure,
      unit: "ms",
      spread: sp,
      target: hasTarget ? `≤ ${limit} ms` : undefined,
      met: hasTarget ? sp.median <= limit : undefined,
    });
  }
  row({
    scenario: "4",
    setup,
    figure: "TTFT excess over the server's (incl. request transit)",
    unit: "ms",
    spread: a((r) => r.accuracy!.ttftErrorMs.p50),
  });
  row({
    scenario: "4",
    setup,
    figure: "client CPU per token",
    unit: "µs",
    spread: a((r) => r.cpuUsPerToken),
  });
}

if (want("4")) {
  const res = await repeat(reps, accuracyServer, accuracySetup);
  raw["4"] = res;
  accuracyRows("64 streams, TTFT 50 ms, ITL 10 ms (6,400 ev/s)", res, true);
  // The floor of this machine: one stream, splleed and a minimal blocking reader.
  const one = { streams: 1, requests: size(20, 2), tokens: 64, accuracy: true, warmupRequests: 4 };
  const res1 = await repeat(reps, accuracyServer, one);
  raw["4-one"] = res1;
  accuracyRows("1 stream, same schedule: splleed", res1, false);
  const floor = await floorRuns(reps, accuracyServer, one.requests, one.tokens);
  if (floor) {
    raw["4-floor"] = floor as unknown as ClientResult[];
    const setup = "1 stream: minimal blocking reader (python3)";
    row({
      scenario: "4",
      setup,
      figure: "ITL error p99",
      unit: "ms",
      spread: spread(floor.map((f) => f.itlErrorMs.p99)),
    });
    row({
      scenario: "4",
      setup,
      figure: "token timestamp error p50",
      unit: "ms",
      spread: spread(floor.map((f) => f.readDelayMs.p50)),
    });
    row({
      scenario: "4",
      setup,
      figure: "token timestamp error p99",
      unit: "ms",
      spread: spread(floor.map((f) => f.readDelayMs.p99)),
    });
  }
}

interface FloorResult {
  readDelayMs: { p50: number; p99: number };
  itlErrorMs: { p50: number; p99: number };
}

/** Runs bench/floor_client.py (when python3 is there) against a harness server. */
async function floorRuns(
  n: number,
  flags: ServerFlags,
  requests: number,
  tokens: number,
): Promise<FloorResult[] | null> {
  if (!hasPython) return null;
  return await withServer(flags, async (endpoint) => {
    const port = endpoint.split(":").at(-1)!;
    const out: FloorResult[] = [];
    for (let i = 0; i < n; i++) {
      const args = [`${HERE}floor_client.py`, port, String(requests), String(tokens)];
      out.push(await jsonOf(pinnedCmd(0, "python3", args), "floor client"));
    }
    return out;
  });
}

// 5. Memory: RSS growth of a run (peak over its baseline), at two sizes; the
// difference is what each further 100,000 requests cost, the rest is fixed
// (the V8 heap's working room, compiled code, socket buffers).
if (want("5")) {
  const small = size(50_000, 250), large = size(100_000, 500);
  const growth = (r: ClientResult) => r.rssPeakMb! - r.rssBaseMb!;
  const resS = await repeat(reps, { perWrite: 16 }, {
    streams: 64,
    requests: small,
    tokens: 128,
    memory: true,
  });
  const resL = await repeat(reps, { perWrite: 16 }, {
    streams: 64,
    requests: large,
    tokens: 128,
    memory: true,
  });
  raw["5-small"] = resS;
  raw["5-large"] = resL;
  const gS = fig(resS, growth), gL = fig(resL, growth);
  const marginal = spread(
    resL.map((r, i) => (growth(r) - growth(resS[i])) * 100_000 / (large - small)),
  );
  row({
    scenario: "5",
    setup: `${large.toLocaleString("en")} requests × 128 tokens, recorded`,
    figure: "RSS growth over the run",
    unit: "MB",
    spread: gL,
  });
  row({
    scenario: "5",
    setup: `${small.toLocaleString("en")} requests × 128 tokens, recorded`,
    figure: "RSS growth over the run",
    unit: "MB",
    spread: gS,
  });
  row({
    scenario: "5",
    setup: `difference of the two`,
    figure: "RSS per 100,000 requests recorded",
    unit: "MB",
    spread: marginal,
    target: "≤ 150 MB",
    met: marginal.median <= 150 && gL.median <= 150,
  });
}

// 6. Optional parts: scenario 4 with each part off and on, runs alternating
// on one server (so drift of the machine falls on both alike); the figures
// with the part on must stay within the spread of those with it off. The
// progress display is the CLI's own, in terminal mode (a redraw every 250 ms),
// writing to a sink that discards its text.
async function alternate(
  a: Omit<ClientConfig, "endpoint">,
  b: Omit<ClientConfig, "endpoint">,
): Promise<[ClientResult[], ClientResult[]]> {
  return await withServer(accuracyServer, async (endpoint) => {
    const ra: ClientResult[] = [], rb: ClientResult[] = [];
    for (let i = 0; i < reps; i++) {
      ra.push(await client({ ...a, endpoint }));
      rb.push(await client({ ...b, endpoint }));
    }
    return [ra, rb];
  });
}

if (want("6")) {
  // An observer off and on, alternating on one server: what it costs the
  // timestamps' accuracy and the client's CPU.
  const offOn = async (name: string, what: string, on: Omit<ClientConfig, "endpoint">) => {
    const [off, onRes] = await alternate(accuracySetup, on);
    raw[`6-${name}-off`] = off;
    raw[`6-${name}-on`] = onRes;
    for (const [label, res] of [["off", off], ["on", onRes]] as const) {
      const setup = `scenario 4, ${what} ${label}`;
      row({
        scenario: "6",
        setup,
        figure: "ITL error p99",
        unit: "ms",
        spread: fig(res, (r) => r.accuracy!.itlErrorMs.p99),
      });
      row({
        scenario: "6",
        setup,
        figure: "token timestamp error p50",
        unit: "ms",
        spread: fig(res, (r) => r.accuracy!.readDelayMs.p50),
      });
      row({
        scenario: "6",
        setup,
        figure: "client CPU per token",
        unit: "µs",
        spread: fig(res, (r) => r.cpuUsPerToken),
      });
    }
  };
  await offOn("progress", "progress display", { ...accuracySetup, progress: true });
  // The live Prometheus exporter (`--metrics-port`), scraped every second.
  await offOn("prometheus", "prometheus exporter", { ...accuracySetup, prometheus: true });
  // The records file is on by default; what it costs (CPU only: the
  // accuracy join needs the records).
  const plain = { ...accuracySetup, accuracy: false };
  const [recOn, recOff] = await alternate(plain, { ...plain, records: false });
  raw["6-records-on"] = recOn;
  raw["6-records-off"] = recOff;
  row({
    scenario: "6",
    setup: "scenario 4, records file on",
    figure: "client CPU per token",
    unit: "µs",
    spread: fig(recOn, (r) => r.cpuUsPerToken),
  });
  row({
    scenario: "6",
    setup: "scenario 4, records file off",
    figure: "client CPU per token",
    unit: "µs",
    spread: fig(recOff, (r) => r.cpuUsPerToken),
  });
}

// 7. Start-up: the fixed cost of a short run (module loading, workload
// preparation, connecting, one request), and of `--help`, in a fresh
// process each time (bench/startup.ts runs the CLI's main and reports the
// process's CPU, every thread included).
if (want("7")) {
  interface Startup {
    code: number;
    cpuS: number;
    wallS: number;
  }
  const startup = (args: string[]) =>
    jsonOf<Startup>(pinned(0, ["run", "-A", `${HERE}startup.ts`, ...args]), "startup");
  const startupReps = smoke ? 1 : Math.max(reps, 7);
  const short = ["--runs", "1", "--warmup", "0", "--trials", "1", "--max-tokens", "2", "-q"];
  const cases: [string, (endpoint: string) => string[]][] = [
    ["splleed --help", () => ["--help"]],
    ["run, 1 request, connect (8 sample prompts)", (e) => ["run", "--endpoint", e, ...short]],
    [
      "run, 1 request, managed simulator worker",
      () => ["run", "--backend", "simulator", "--ttft-ms", "1", "--itl-ms", "1", ...short],
    ],
  ];
  await withServer({ ttftMs: 0, itlMs: 0 }, async (endpoint) => {
    for (const [setup, args] of cases) {
      const res: Startup[] = [];
      for (let i = 0; i < startupReps; i++) res.push(await startup(args(endpoint)));
      const cpu = spread(res.map((r) => r.cpuS));
      const target = setup.startsWith("run") ? "≤ 0.6 s" : undefined;
      row({
        scenario: "7",
        setup,
        figure: "process CPU (user + system)",
        unit: "s",
        spread: cpu,
        target,
        met: target ? cpu.median <= 0.6 : undefined,
      });
      row({
        scenario: "7",
        setup,
        figure: "wall time to exit",
        unit: "s",
        spread: spread(res.map((r) => r.wallS)),
      });
    }
  });
}

// 8. One giant event: a 100 MB completion chunk fed in 16 KiB reads through
// the stream reader (no I/O; bench/parse_micro.ts --giant-mb). The SSE parser
// carries the event across 6,400 reads; its cost must stay linear in the bytes
// (it was quadratic: minutes of CPU for one such event).
if (want("8")) {
  interface Giant {
    runs: { cpuS: number; mbPerCpuS: number }[];
  }
  const mb = size(100, 4);
  const res = await jsonOf<Giant>(
    pinned(0, [
      "run",
      "-A",
      `${HERE}parse_micro.ts`,
      "--giant-mb",
      String(mb),
      "--reps",
      String(reps),
    ]),
    "giant event",
  );
  const setup = `one ${mb} MB event, 16 KiB reads`;
  const cpu = spread(res.runs.map((r) => r.cpuS));
  row({
    scenario: "8",
    setup,
    figure: "client CPU to read it",
    unit: "s",
    spread: cpu,
    target: "≤ 2 s",
    met: cpu.median <= 2,
  });
  row({
    scenario: "8",
    setup,
    figure: "MB read per client CPU second",
    unit: "MB/s",
    spread: spread(res.runs.map((r) => r.mbPerCpuS)),
  });
}

// 9. Telemetry's cost: the simulator's figures with GPU sampling off and on
// (NVML through the tests' stand-in library, 8 devices, 100 ms), alternated.
if (want("9")) {
  interface Tel {
    runs: { mode: "off" | "on"; metrics: Record<string, number> }[];
  }
  const res = await jsonOf<Tel>(
    pinned(0, [
      "run",
      "-A",
      `${HERE}telemetry.ts`,
      "--reps",
      String(reps),
      "--runs",
      smoke ? "16" : "64",
    ]),
    "telemetry",
  );
  for (
    const id of [
      "ttft_p50_ms",
      "ttft_p99_ms",
      "itl_p50_ms",
      "itl_p99_ms",
      "throughput_tokens_per_sec",
    ]
  ) {
    for (const mode of ["off", "on"] as const) {
      row({
        scenario: "9",
        setup: `simulator c=8, GPU telemetry ${mode} (8 stand-in GPUs, 100 ms)`,
        figure: id,
        unit: id.endsWith("_ms") ? "ms" : "tok/s",
        spread: spread(res.runs.filter((r) => r.mode === mode).map((r) => r.metrics[id])),
      });
    }
  }
}

await Deno.mkdir(opts.out, { recursive: true });
const machine = {
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  memGiB: Math.round(totalmem() / 2 ** 30),
  kernel: Deno.osRelease(),
  deno: Deno.version.deno,
  pinned: pinnable,
  date: new Date().toISOString(),
  reps,
};
await Deno.writeTextFile(
  `${opts.out}/latest.json`,
  JSON.stringify({ machine, rows, raw }, null, 2) + "\n",
);
const md = [
  `Measured ${
    machine.date.slice(0, 10)
  } on ${machine.cpu} × ${machine.cores}, ${machine.memGiB} GiB, Linux ${machine.kernel}, Deno ${machine.deno}; ${reps} runs per figure${
    pinnable ? "; server and client pinned to separate cores" : ""
  }.`,
  "",
  "| # | setup | figure | median | min | max | target |",
  "| --- | --- | --- | --- | --- | --- | --- |",
  ...rows.map((r) => {
    const f = (
      v?: number,
    ) => (v === undefined
      ? "—"
      : Math.abs(v) >= 100
      ? v.toFixed(0)
      : Math.abs(v) >= 10
      ? v.toFixed(1)
      : v.toPrecision(3));
    const t = r.target ? `${r.target}${r.met === undefined ? "" : r.met ? " ✓" : " ✗"}` : "";
    return `| ${r.scenario} | ${r.setup} | ${r.figure} | ${
      r.spread ? `${f(r.spread.median)} ${r.unit}` : r.note ?? "—"
    } | ${f(r.spread?.min)} | ${f(r.spread?.max)} | ${t} |`;
  }),
].join("\n");
await Deno.writeTextFile(`${opts.out}/latest.md`, md + "\n");
console.log(`\nwrote ${opts.out}/latest.json and ${opts.out}/latest.md`);
